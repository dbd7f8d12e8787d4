"""GTZAN in its standard layout: ``<root>/<genre>/<genre>.000NN.(wav|au)``.

GTZAN carries no lyrics: the dataset is returned with ``has_lyrics=False`` (a flag the pipeline and
the app read), never with empty strings pretending to be lyrics. The real GTZAN contains an
unreadable file (``jazz.00054.wav``); any file that does not open as audio is reported by name in
``Dataset.problems`` and skipped, and the rest loads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import numpy as np

from core.datasets.scan import audio_size_limit, audio_usable, display_path, problems_text, utf8_path
from core.errors import DatasetError
from core.tracks import Dataset, Problem, make_tracks

#: ``blues.00012.wav`` -> genre "blues", number 12.
GTZAN_NAME = re.compile(r"^(?P<genre>[A-Za-z0-9_-]+)\.(?P<num>\d{5})\.(?P<ext>wav|au)$", re.IGNORECASE)


def looks_like_gtzan(root: Path) -> bool:
    """True when most audio files under ``root``'s genre folders follow GTZAN naming."""
    root = Path(root)
    if not root.is_dir():
        return False
    names = []
    try:
        for d in root.iterdir():
            if d.is_dir():
                try:
                    names += [p for p in d.iterdir() if p.is_file()]
                except OSError:  # an unreadable genre folder: load_gtzan names it
                    continue
    except OSError:  # the root itself cannot be listed: load_dataset says so
        return False
    if not names:
        return False
    matches = [p for p in names if GTZAN_NAME.match(p.name) and
               GTZAN_NAME.match(p.name).group("genre").lower() == p.parent.name.lower()]
    has_txt = any(p.suffix.lower() == ".txt" for p in names)
    return len(matches) >= 0.8 * len(names) and not has_txt


def load_gtzan(root: Path, check_audio: bool = True, max_audio_bytes: Optional[int] = None) -> Dataset:
    """Load a GTZAN-layout folder.

    Parameters
    ----------
    root : path
        The folder holding one sub-folder per genre.
    check_audio : bool
        Open each file's header and skip (with a Problem) those that do not open as audio.
    max_audio_bytes : int, optional
        Per-file size limit, as for :func:`core.datasets.folder.load_folder`.

    Returns
    -------
    Dataset
        ``kind="gtzan"``, ``has_lyrics=False``, labels from the folder names, one row per readable clip,
        sorted by genre then number.
    """
    root = Path(root)
    limit = audio_size_limit(max_audio_bytes)
    if not root.is_dir():
        raise DatasetError(f"GTZAN folder not found: {root}")
    problems: list[Problem] = []
    rows, labels = [], []
    seen: dict[str, int] = {}
    try:
        genre_dirs = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError as exc:
        raise DatasetError(f"Cannot read the GTZAN folder {root}: {exc.strerror or exc}") from None
    for genre_dir in genre_dirs:
        try:
            listing = sorted(genre_dir.iterdir())
        except OSError as exc:
            problems.append(Problem(display_path(genre_dir, root), f"folder cannot be read ({exc.strerror or exc})",
                                    "its clips are skipped: make it readable, e.g. chmod a+rx"))
            continue
        for path in listing:
            if path.name.startswith(".") or path.is_dir():
                continue
            if not path.is_file():  # a named pipe, a device, a dangling link: not silently dropped
                problems.append(Problem(display_path(path, root), "not a regular file", "file ignored"))
                continue
            m = GTZAN_NAME.match(path.name)
            if not m:
                problems.append(Problem(display_path(path, root), "not a GTZAN clip name (<genre>.000NN.wav|au)",
                                        "file ignored"))
                continue
            if check_audio and not audio_usable(path, display_path(path, root), limit, problems,
                                                noun="clip"):
                continue
            track_id = f"{m.group('genre').lower()}.{m.group('num')}"
            if track_id in seen:  # the same clip as .wav and .au, or in two folders differing in case
                seen[track_id] += 1
                problems.append(Problem(display_path(path, root), f"another clip already has the id {track_id!r}",
                                        f"kept as {track_id}#{seen[track_id]}"))
                track_id = f"{track_id}#{seen[track_id]}"
            else:
                seen[track_id] = 1
            audio_path = utf8_path(path.resolve())
            if audio_path is None:
                problems.append(Problem(display_path(path, root), "the path is not valid UTF-8",
                                        "clip skipped: move the dataset to a folder with a UTF-8 name"))
                continue
            rows.append({"track_id": track_id, "audio_path": audio_path, "lyrics": None,
                         "lyrics_path": None})
            labels.append(genre_dir.name)
    if not rows:
        raise DatasetError(f"No readable GTZAN clips under {root} "
                           f"({len(problems)} files skipped). Expected <root>/<genre>/<genre>.000NN.wav"
                           + problems_text(problems))
    return Dataset(name=root.name or "gtzan", kind="gtzan", root=root, tracks=make_tracks(rows),
                   has_lyrics=False, labels=np.array(labels, dtype=object), problems=problems)
