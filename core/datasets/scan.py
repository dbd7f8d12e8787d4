"""Small helpers shared by the folder-based loaders: find audio files, read lyrics beside them,
check that an audio file can at least be opened, turn a path into a readable name."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import soundfile as sf

from core.datasets.base import AUDIO_EXTENSIONS, Problem
from core.features.text_io import read_lyrics_file

#: Extensions that are clearly audio but that this workbench cannot decode: named in the problem list.
UNSUPPORTED_AUDIO = (".m4a", ".aac", ".wma", ".aiff", ".aif", ".opus", ".alac", ".ape", ".mid", ".midi")
#: Files that are neither audio nor lyrics but commonly sit in music folders: ignored silently.
IGNORED_FILES = (".ds_store", "thumbs.db", "desktop.ini")
IGNORED_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".nfo", ".cue", ".log", ".m3u", ".pdf", ".md", ".json", ".csv")


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it, else as given; safe to print (undecodable bytes escaped)."""
    try:
        rel = Path(path).relative_to(root)
    except ValueError:
        rel = Path(path)
    return str(rel).encode("utf-8", "backslashreplace").decode("utf-8")


def probe_audio(path: Path) -> Optional[str]:
    """Return None if ``path`` opens as audio (header only, fast), else a short reason."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        return f"cannot read the file ({exc.strerror or exc})"
    if size == 0:
        return "empty file (0 bytes)"
    if not os.access(path, os.R_OK):
        return "permission denied"
    try:
        info = sf.info(str(path))
    except Exception as exc:  # soundfile raises LibsndfileError / RuntimeError / TypeError
        text = str(exc).split("\n")[0]
        if "Permission denied" in text:
            return "permission denied"
        return "not a decodable audio file (format not recognised or data corrupt)"
    if info.frames <= 0:
        return "audio file holds no samples"
    return None


def read_lyrics_beside(audio_path: Path, root: Path, problems: list) -> tuple[Optional[str], Optional[str]]:
    """Read ``<name>.txt`` next to ``audio_path`` if it exists; record a Problem if it is unusable."""
    txt = audio_path.with_suffix(".txt")
    if not txt.exists():
        return None, None
    text, problem = read_lyrics_file(txt)
    if problem:
        problems.append(Problem(display_path(txt, root), problem,
                                "the track is kept without lyrics", stage="lyrics"))
        return None, str(txt)
    return text, str(txt)


def classify_file(path: Path) -> str:
    """``"audio"``, ``"lyrics"``, ``"unsupported"``, ``"ignore"`` or ``"other"`` from the file name."""
    name = path.name.lower()
    if name.startswith(".") or name in IGNORED_FILES:
        return "ignore"
    suffix = path.suffix.lower()
    if suffix in AUDIO_EXTENSIONS:
        return "audio"
    if suffix == ".txt":
        return "lyrics"
    if suffix in UNSUPPORTED_AUDIO:
        return "unsupported"
    if suffix in IGNORED_SUFFIXES:
        return "ignore"
    return "other"
