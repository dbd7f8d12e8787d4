"""Your own music as a folder: ``<root>/<genre>/<name>.<ext>`` with optional ``<name>.txt`` lyrics.

Audio files directly under ``root`` (no genre folder) make an unlabelled set; a mix of both keeps
the labels only if every track has a genre folder. Deeper folders use the first level below
``root`` as the genre. Files that are not audio are named in ``Dataset.problems`` (unsupported
audio formats, unknown files) or ignored when they are known clutter (cover images, .DS_Store).

Bad input never stops the load while one usable track remains: each bad file (corrupt, empty,
unreadable, over the per-file size limit of :func:`core.datasets.scan.audio_size_limit`, a symbolic
link) is named in ``Dataset.problems`` with what is wrong and what to do, and skipped. Usable files
with something odd about them (content and extension disagree, a file name that is not valid
UTF-8) are kept and named too; a file whose name is not valid UTF-8 is reached through a link with a
UTF-8 name in the cache folder (:func:`core.datasets.scan.utf8_path`), so every path in the track
table is plain text.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import numpy as np

from core.datasets.scan import (audio_size_limit, audio_usable, classify_file, display_path, is_utf8_name,
                                printable_name, problems_text, read_lyrics_beside, utf8_path)
from core.errors import DatasetError
from core.tracks import Dataset, Problem, make_tracks


def _walk(root: Path, problems: list):
    def unreadable(exc: OSError) -> None:  # os.walk would skip the folder without a word
        problems.append(Problem(display_path(Path(exc.filename), root) if exc.filename else printable_name(str(root)),
                                f"folder cannot be read ({exc.strerror or exc})",
                                "its files are skipped: make it readable, e.g. chmod a+rx"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
        for d in dirnames:
            if os.path.islink(os.path.join(dirpath, d)):
                problems.append(Problem(display_path(Path(dirpath) / d, root), "symbolic link to a folder",
                                        "not followed: copy the real folder into the dataset"))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX"
                             and not os.path.islink(os.path.join(dirpath, d)))
        for name in sorted(filenames):
            yield Path(dirpath) / name


def load_folder(root: Path, check_audio: bool = True, name: str | None = None,
                max_audio_bytes: Optional[int] = None) -> Dataset:
    """Load every audio file under ``root``; genre = first folder level below ``root``.

    Parameters
    ----------
    root : path
        The folder.
    check_audio : bool
        Open each file's header and skip (with a Problem) those that are not usable audio.
    name : str, optional
        Display name (default: the folder's name).
    max_audio_bytes : int, optional
        Per-file size limit in bytes (default :func:`core.datasets.scan.audio_size_limit`: 200 MiB or
        ``$WORKBENCH_MAX_AUDIO_MB``); larger files are named and skipped.

    Returns
    -------
    Dataset
        ``kind="folder"``; ``has_lyrics`` True when at least one ``.txt`` lyrics file was read;
        ``labels`` from the genre folders, or None when some tracks sit directly in ``root``.

    Raises
    ------
    DatasetError
        The folder does not exist, or no usable audio file is in it (the message lists the problems).
    """
    root = Path(root)
    limit = audio_size_limit(max_audio_bytes)
    if not root.is_dir():
        raise DatasetError(f"Folder not found: {root}")
    problems: list[Problem] = []
    rows, genres = [], []
    audio_stems = set()
    seen_ids: dict[str, int] = {}
    files = list(_walk(root, problems))
    for path in files:
        found = _track_row(path, root, limit, check_audio, problems, seen_ids)
        if found is None:
            continue
        row, genre = found
        audio_stems.add(path.with_suffix(""))
        rows.append(row)
        genres.append(genre)
    _orphan_lyrics(files, audio_stems, root, problems)
    if not rows:
        raise DatasetError(f"No usable audio files under {printable_name(str(root))} ({len(problems)} problems). "
                           "Expected <root>/<genre>/<name>.wav (or .flac, .ogg, .mp3)."
                           + problems_text(problems))
    labelled = all(g is not None for g in genres)
    has_lyrics = any(r["lyrics"] for r in rows)
    return Dataset(name=name or printable_name(root.name), kind="folder", root=root, tracks=make_tracks(rows),
                   has_lyrics=has_lyrics,
                   labels=np.array(genres, dtype=object) if labelled else None, problems=problems)


def _track_row(path: Path, root: Path, limit: int, check_audio: bool, problems: list,
               seen_ids: dict) -> Optional[tuple]:
    """``(row, genre)`` for an audio file under ``root``, or None (with a Problem when it is
    worth telling) for a file that is not a usable track; ``seen_ids`` counts track ids."""
    kind = classify_file(path)
    shown = display_path(path, root)
    if kind == "ignore" or kind == "lyrics":
        return None
    if path.is_symlink():
        problems.append(Problem(shown, "symbolic link", "skipped: copy the real file into the folder"))
        return None
    if kind == "unsupported":
        problems.append(Problem(shown, f"unsupported audio format ({path.suffix.lower()})",
                                "track skipped: convert it to WAV, FLAC, OGG or MP3"))
        return None
    if kind == "other":
        problems.append(Problem(shown, f"not an audio or lyrics file ({path.suffix or 'no extension'})",
                                "ignored"))
        return None
    if check_audio and not audio_usable(path, shown, limit, problems):
        return None
    rel = path.relative_to(root)
    genre = printable_name(rel.parts[0]) if len(rel.parts) > 1 else None
    track_id = printable_name(str(rel.with_suffix("")).replace(os.sep, "/"))
    audio_path = utf8_path(path.resolve())
    if audio_path is None:
        problems.append(Problem(shown, "the path is not valid UTF-8 and no UTF-8 link to it can be made "
                                       "(the cache folder is not writable)",
                                "track skipped: rename it with UTF-8 characters"))
        return None
    if not is_utf8_name(str(rel)):
        problems.append(Problem(shown, "file name is not valid UTF-8",
                                f"kept as track '{track_id}'; rename the file with UTF-8 characters"))
    if track_id in seen_ids:  # same name, two audio formats
        seen_ids[track_id] += 1
        problems.append(Problem(shown, f"another file already has the name {track_id!r}",
                                f"kept as {track_id}#{seen_ids[track_id]}"))
        track_id = f"{track_id}#{seen_ids[track_id]}"
    else:
        seen_ids[track_id] = 1
    lyrics, lyrics_path = read_lyrics_beside(path, root, problems)
    return ({"track_id": track_id, "audio_path": audio_path, "lyrics": lyrics,
             "lyrics_path": lyrics_path}, genre)


def _orphan_lyrics(files: list, audio_stems: set, root: Path, problems: list) -> None:
    """Name the lyrics files with no audio file of the same name beside them."""
    for path in files:
        if classify_file(path) == "lyrics" and path.with_suffix("") not in audio_stems:
            if not any(path.with_suffix(ext).exists() for ext in (".wav", ".flac", ".ogg", ".mp3", ".au")):
                problems.append(Problem(display_path(path, root), "lyrics file with no audio file of the same name",
                                        "ignored"))
