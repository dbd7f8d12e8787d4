"""Small helpers shared by the folder-based loaders: find audio files, read lyrics beside them,
check that an audio file can at least be opened, turn a path into a readable name.

Per-file size limit
-------------------
An audio file larger than :func:`audio_size_limit` bytes is named and skipped at load time (a 30 s
clip is a few MB; a 2-hour DJ mix or a mislabelled disk image is not a track). The limit is
:data:`MAX_AUDIO_BYTES` (200 MiB) unless the environment variable ``WORKBENCH_MAX_AUDIO_MB`` sets it
(in MiB, e.g. ``500`` or ``0.5``), or a loader's ``max_audio_bytes`` argument overrides both.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import soundfile as sf

from core.errors import check_param
from core.features.text_io import lyrics_advice, read_lyrics_file
from core.paths import cache_dir
from core.tracks import AUDIO_EXTENSIONS, Problem, printable_name

#: Extensions that are clearly audio but that this workbench cannot decode: named in the problem list.
UNSUPPORTED_AUDIO = (".m4a", ".aac", ".wma", ".aiff", ".aif", ".opus", ".alac", ".ape", ".mid", ".midi")
#: Files that are neither audio nor lyrics but commonly sit in music folders: ignored silently.
IGNORED_FILES = (".ds_store", "thumbs.db", "desktop.ini")
IGNORED_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".nfo", ".cue", ".log", ".m3u", ".pdf", ".md", ".json", ".csv")

#: Default per-file audio size limit, bytes (200 MiB); see the module docstring.
MAX_AUDIO_BYTES = 200 * 2**20
#: Environment variable that overrides :data:`MAX_AUDIO_BYTES`, in MiB.
MAX_AUDIO_ENV = "WORKBENCH_MAX_AUDIO_MB"

#: What libsndfile calls a container -> the file extensions that name it.
_FORMAT_SUFFIXES = {
    "WAV": (".wav",), "WAVEX": (".wav",), "RF64": (".wav",), "W64": (".w64", ".wav"),
    "FLAC": (".flac",), "OGG": (".ogg", ".oga"), "MP3": (".mp3",), "AU": (".au", ".snd"),
    "AIFF": (".aiff", ".aif"), "CAF": (".caf",),
}


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it, else as given; safe to print.

    Bytes of a file name that are not valid UTF-8 are shown as ``\\xNN`` escapes (``caf\\xe9.wav``),
    so the text can be printed, stored as JSON and drawn in a table.
    """
    try:
        rel = Path(path).relative_to(root)
    except ValueError:
        rel = Path(path)
    return printable_name(str(rel))


def is_utf8_name(name: str) -> bool:
    """True when ``name`` (``os.fsdecode`` form) came from valid UTF-8 bytes."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def utf8_path(path: Path) -> Optional[str]:
    """``path`` as text that is valid UTF-8, which tables, JSON and the app can all hold.

    A path whose bytes are not valid UTF-8 (``os.fsdecode`` gives it surrogate characters, which
    pandas, Arrow, JSON writers and soundfile reject) is reached through a symbolic link with a UTF-8
    name, made (or reused) under ``<cache>/aliases/<hash of the path>/``; the user's folder is never
    written to. Returns None when that link cannot be made (e.g. a read-only cache).
    """
    text = os.fspath(path)
    if is_utf8_name(text):
        return text
    raw = os.fsencode(os.path.abspath(text))
    folder = cache_dir() / "aliases" / hashlib.blake2b(raw, digest_size=12).hexdigest()
    link = folder / printable_name(os.path.basename(text)).replace("\\", "_")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not (os.path.islink(link) and os.readlink(os.fsencode(link)) == raw):
            tmp = folder / f".{os.getpid()}.tmp"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(raw, tmp)
            os.replace(tmp, link)
    except OSError:
        return None
    return str(link)


def audio_size_limit(max_audio_bytes: Optional[int] = None) -> int:
    """The per-file audio size limit in bytes: ``max_audio_bytes`` if given, else
    ``$WORKBENCH_MAX_AUDIO_MB`` (MiB), else :data:`MAX_AUDIO_BYTES`."""
    if max_audio_bytes is not None:
        check_param("audio_size_limit", "max_audio_bytes", max_audio_bytes, "None or an int >= 1 (bytes)",
                    isinstance(max_audio_bytes, int) and not isinstance(max_audio_bytes, bool)
                    and max_audio_bytes >= 1)
        return max_audio_bytes
    env = os.environ.get(MAX_AUDIO_ENV, "").strip()
    if env:
        try:
            mib = float(env)
        except ValueError:
            mib = -1.0
        check_param("audio_size_limit", MAX_AUDIO_ENV, env, "a number of MiB > 0", mib > 0 and mib == mib)
        return max(1, int(mib * 2**20))
    return MAX_AUDIO_BYTES


def format_bytes(n: int) -> str:
    """``n`` bytes as a short human figure: ``812 bytes``, ``64.6 KiB``, ``1.5 MiB``, ``2.0 GiB``."""
    if n < 1024:
        return f"{n} bytes"
    for unit, scale in (("KiB", 2**10), ("MiB", 2**20), ("GiB", 2**30)):
        if n < 1024 * scale or unit == "GiB":
            return f"{n / scale:,.1f} {unit}"
    return f"{n} bytes"  # pragma: no cover


@dataclass(frozen=True)
class AudioProbe:
    """What a header check found out about one audio file.

    Attributes
    ----------
    reason : str or None
        Why the file cannot be used (None: usable).
    hint : str
        What happens and what to do about ``reason``.
    note : str or None
        Something worth telling about a usable file (e.g. content and extension disagree).
    note_hint : str
        What happens and what to do about ``note``.
    """

    reason: Optional[str] = None
    hint: str = ""
    note: Optional[str] = None
    note_hint: str = ""


_REEXPORT = "track skipped: re-export it as WAV or FLAC"


def check_audio_file(path: Path, max_bytes: Optional[int] = None) -> AudioProbe:
    """Open ``path``'s header (fast, no decoding) and say whether it can be used, and why not.

    Parameters
    ----------
    path : path
        The audio file.
    max_bytes : int, optional
        Per-file size limit in bytes (default :func:`audio_size_limit`).
    """
    limit = audio_size_limit(max_bytes)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        return AudioProbe(f"cannot read the file ({exc.strerror or exc})",
                          "track skipped: check that the file exists and its folder is readable")
    if not os.path.isfile(path):  # a named pipe or a device reports size 0 but is no empty file
        return AudioProbe("not a regular file (a named pipe or a device)", "track skipped: point it at an audio file")
    if size == 0:
        return AudioProbe("empty file (0 bytes)", "track skipped: the file was not written completely; copy it again")
    if size > limit:
        return AudioProbe(f"file too large: {format_bytes(size)}, over the limit of {format_bytes(limit)} "
                          "per audio file",
                          f"track skipped: cut or compress it (e.g. FLAC), or raise the limit with {MAX_AUDIO_ENV}")
    if not os.access(path, os.R_OK):
        return AudioProbe("permission denied", "track skipped: make the file readable, e.g. chmod a+r")
    try:
        # bytes, not str: soundfile encodes a str path strictly as UTF-8, which fails on file names
        # that are not valid UTF-8 (os.fsdecode gives them surrogate characters)
        info = sf.info(os.fsencode(path))
    except Exception as exc:  # soundfile raises LibsndfileError / RuntimeError / TypeError
        text = str(exc).split("\n")[0]
        if "Permission denied" in text:
            return AudioProbe("permission denied", "track skipped: make the file readable, e.g. chmod a+r")
        suffix = Path(path).suffix.lower()
        if suffix in UNSUPPORTED_AUDIO:
            return AudioProbe(f"unsupported audio format ({suffix})",
                              "track skipped: convert it to WAV, FLAC, OGG or MP3")
        return AudioProbe("not a decodable audio file (format not recognised or data corrupt)", _REEXPORT)
    if info.frames <= 0:
        return AudioProbe("audio file holds no samples", _REEXPORT)
    suffix = Path(path).suffix.lower()
    expected = _FORMAT_SUFFIXES.get(str(info.format).upper())
    if expected and suffix not in expected:
        return AudioProbe(note=f"content is {info.format} audio but the name ends in {suffix or '(nothing)'}",
                          note_hint=f"decoded by its content and kept; rename it to {expected[0]}")
    return AudioProbe()


def audio_usable(path: Path, shown: str, limit: int, problems: list, noun: str = "track") -> bool:
    """Open ``path``'s header (:func:`check_audio_file`): False, with a Problem named ``shown``,
    when it cannot be used; True otherwise, with a Problem for a note worth telling (kept).

    ``noun`` names what is skipped in the hint ("track", or "clip" for GTZAN).
    """
    probe = check_audio_file(path, limit)
    if probe.reason:
        problems.append(Problem(shown, probe.reason,
                                probe.hint.replace("track skipped", f"{noun} skipped", 1)))
        return False
    if probe.note:
        problems.append(Problem(shown, probe.note, probe.note_hint))
    return True


def probe_audio(path: Path, max_bytes: Optional[int] = None) -> Optional[str]:
    """Return None if ``path`` opens as audio (header only, fast), else a short reason
    (see :func:`check_audio_file`, which also says what to do)."""
    return check_audio_file(path, max_bytes).reason


#: How many problems a "nothing usable" error lists before "and N more".
ERROR_PROBLEMS_SHOWN = 12


def problems_text(problems: list, limit: int = ERROR_PROBLEMS_SHOWN) -> str:
    """The problems as indented lines for an error message (at most ``limit``, then a count)."""
    lines = [f"\n  - {p}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"\n  ... and {len(problems) - limit} more")
    return "".join(lines)


def read_lyrics_beside(audio_path: Path, root: Path, problems: list) -> tuple[Optional[str], Optional[str]]:
    """Read ``<name>.txt`` next to ``audio_path`` if it exists; record a Problem if it is unusable."""
    txt = audio_path.with_suffix(".txt")
    if not txt.exists():
        return None, None
    text, problem = read_lyrics_file(txt)
    if problem:
        problems.append(Problem(display_path(txt, root), problem,
                                f"the track is kept without lyrics; {lyrics_advice(problem)}", stage="lyrics"))
        return None, printable_name(str(txt))
    return text, printable_name(str(txt))


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
