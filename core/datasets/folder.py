"""Your own music as a folder: ``<root>/<genre>/<name>.<ext>`` with optional ``<name>.txt`` lyrics.

Audio files directly under ``root`` (no genre folder) make an unlabelled set; a mix of both keeps
the labels only if every track has a genre folder. Deeper folders use the first level below
``root`` as the genre. Files that are not audio are named in ``Dataset.problems`` (unsupported
audio formats, unknown files) or ignored when they are known clutter (cover images, .DS_Store).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from core.datasets.base import Dataset, Problem, make_tracks
from core.datasets.scan import classify_file, display_path, probe_audio, read_lyrics_beside
from core.errors import DatasetError


def _walk(root: Path):
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        for name in sorted(filenames):
            yield Path(dirpath) / name


def load_folder(root: Path, check_audio: bool = True, name: str | None = None) -> Dataset:
    """Load every audio file under ``root``; genre = first folder level below ``root``.

    Returns
    -------
    Dataset
        ``kind="folder"``; ``has_lyrics`` True when at least one ``.txt`` lyrics file was read;
        ``labels`` from the genre folders, or None when some tracks sit directly in ``root``.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"Folder not found: {root}")
    problems: list[Problem] = []
    rows, genres = [], []
    audio_stems = set()
    seen_ids: dict[str, int] = {}
    files = list(_walk(root))
    for path in files:
        kind = classify_file(path)
        shown = display_path(path, root)
        if kind == "ignore" or kind == "lyrics":
            continue
        if path.is_symlink():
            problems.append(Problem(shown, "symbolic link", "skipped: copy the real file into the folder"))
            continue
        if kind == "unsupported":
            problems.append(Problem(shown, f"unsupported audio format ({path.suffix.lower()})",
                                    "convert it to WAV, FLAC, OGG or MP3"))
            continue
        if kind == "other":
            problems.append(Problem(shown, f"not an audio or lyrics file ({path.suffix or 'no extension'})",
                                    "ignored"))
            continue
        if check_audio:
            reason = probe_audio(path)
            if reason:
                problems.append(Problem(shown, reason, "track skipped", stage="load"))
                continue
        rel = path.relative_to(root)
        genre = rel.parts[0] if len(rel.parts) > 1 else None
        track_id = str(rel.with_suffix("")).replace(os.sep, "/")
        track_id = track_id.encode("utf-8", "backslashreplace").decode("utf-8")
        if track_id in seen_ids:  # same name, two audio formats
            seen_ids[track_id] += 1
            problems.append(Problem(shown, f"another file already has the name {track_id!r}",
                                    f"kept as {track_id}#{seen_ids[track_id]}"))
            track_id = f"{track_id}#{seen_ids[track_id]}"
        else:
            seen_ids[track_id] = 1
        lyrics, lyrics_path = read_lyrics_beside(path, root, problems)
        audio_stems.add(path.with_suffix(""))
        rows.append({"track_id": track_id, "audio_path": str(path.resolve()), "lyrics": lyrics,
                     "lyrics_path": lyrics_path})
        genres.append(genre)
    for path in files:  # lyrics with no audio beside them
        if classify_file(path) == "lyrics" and path.with_suffix("") not in audio_stems:
            if not any(path.with_suffix(ext).exists() for ext in (".wav", ".flac", ".ogg", ".mp3", ".au")):
                problems.append(Problem(display_path(path, root), "lyrics file with no audio file of the same name",
                                        "ignored"))
    if not rows:
        raise DatasetError(f"No usable audio files under {root} ({len(problems)} problems). "
                           "Expected <root>/<genre>/<name>.wav (or .flac, .ogg, .mp3).")
    labelled = all(g is not None for g in genres)
    has_lyrics = any(r["lyrics"] for r in rows)
    return Dataset(name=name or root.name, kind="folder", root=root, tracks=make_tracks(rows),
                   has_lyrics=has_lyrics,
                   labels=np.array(genres, dtype=object) if labelled else None, problems=problems)
