"""Unpack an uploaded zip into its own folder, safely, and find the dataset inside.

Checks, in the order they run (each failure names the archive or the member and says why):

* the upload is at most ``max_upload_bytes`` and is a readable zip;
* at most ``max_files`` members; total declared unpacked size at most ``max_unpacked_bytes``;
  no member whose compression ratio exceeds ``max_ratio`` (a zip bomb: the whole archive is
  refused, nothing is written);
* members with an absolute path, a drive letter, a ``..`` component, or a symbolic link are
  skipped and reported (they could write outside the folder);
* names that are not valid UTF-8 are kept with undecodable bytes replaced, and reported;
* while writing, the bytes actually produced are counted, so a header that lies about its size
  cannot exceed the limits either.

The archive is unpacked into a temporary folder next to the destination and renamed into place,
so a half-unpacked upload is never loaded. The destination is named after the archive's content
hash: uploading the same zip twice reuses the first folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional, Union

from core.errors import DatasetError, check_param
from core.tracks import Problem


@dataclass(frozen=True)
class UploadLimits:
    """Limits for an uploaded archive (bytes, counts, ratio)."""

    max_upload_bytes: int = 1 << 30        # 1 GiB
    max_unpacked_bytes: int = 4 << 30      # 4 GiB
    max_files: int = 20_000
    max_ratio: float = 200.0               # unpacked / compressed, per member

    def __post_init__(self):
        for name in ("max_upload_bytes", "max_unpacked_bytes", "max_files"):
            value = getattr(self, name)
            check_param("UploadLimits", name, value, "an int >= 1", isinstance(value, int) and value >= 1)
        check_param("UploadLimits", "max_ratio", self.max_ratio, "a real number > 1",
                    isinstance(self.max_ratio, (int, float)) and self.max_ratio > 1)

    def describe(self) -> str:
        return (f"zip files up to {self.max_upload_bytes / 2**20:,.0f} MiB, unpacking to at most "
                f"{self.max_unpacked_bytes / 2**20:,.0f} MiB and {self.max_files:,} files")


#: Where the member problems of an unpacked upload are kept (JSON), so a second upload of the same
#: archive shows them again. Member names may hold tabs and newlines, hence JSON, not lines.
_PROBLEMS_FILE = ".problems.json"

_UNSAFE_HINT = "skipped: it could write outside the upload folder; zip the music folder itself"


def _member_name(info: zipfile.ZipInfo) -> tuple[str, bool]:
    """The member's name as text, and whether it had to be repaired (not valid UTF-8)."""
    if info.flag_bits & 0x800:
        return info.filename, False
    raw = info.filename.encode("cp437")
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace").replace("\ufffd", "_"), True


def _unsafe_reason(name: str, info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "symbolic link in the archive"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute path in the archive"
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        return "path escapes the upload folder (..)"
    return ""


def unpack_zip(source: Union[str, os.PathLike, bytes], dest_root: Path,
               limits: UploadLimits = UploadLimits(),
               archive_name: Optional[str] = None) -> tuple[Path, list]:
    """Unpack ``source`` (a path or the uploaded bytes) under ``dest_root``.

    ``archive_name`` is the archive's name as the user knows it (e.g. the uploaded file's name), used in
    every message; default: the file name of ``source``, or ``"upload.zip"`` for bytes.

    Returns
    -------
    folder : Path
        The dataset folder: the unpacked root, or its single top-level sub-folder.
    problems : list of Problem
        Members skipped or renamed, each with the reason.

    Raises
    ------
    DatasetError
        The archive is too big, not a zip, a zip bomb, or holds no file at all.
    """
    data = source if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
    label = archive_name or ("upload.zip" if isinstance(source, (bytes, bytearray)) else Path(source).name)
    if len(data) > limits.max_upload_bytes:
        raise DatasetError(f"{label}: {len(data) / 2**20:,.1f} MiB is over the upload limit "
                           f"({limits.max_upload_bytes / 2**20:,.0f} MiB)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DatasetError(f"{label}: not a readable zip archive ({exc})") from None
    files = [i for i in infos if not i.is_dir()]
    if len(files) > limits.max_files:
        raise DatasetError(f"{label}: {len(files):,} files is over the limit of {limits.max_files:,}")
    declared = sum(i.file_size for i in files)
    if declared > limits.max_unpacked_bytes:
        raise DatasetError(f"{label}: unpacks to {declared / 2**20:,.0f} MiB, over the limit of "
                           f"{limits.max_unpacked_bytes / 2**20:,.0f} MiB (possible zip bomb); nothing was unpacked")
    for i in files:
        if i.file_size > 1 << 20 and i.file_size / max(i.compress_size, 1) > limits.max_ratio:
            raise DatasetError(f"{label}: member {_member_name(i)[0]!r} expands {i.file_size / max(i.compress_size, 1):,.0f}x "
                               f"(limit {limits.max_ratio:g}x): looks like a zip bomb; nothing was unpacked")
    digest = hashlib.blake2b(data, digest_size=8).hexdigest()
    dest_root = Path(dest_root)
    final = dest_root / f"upload-{digest}"
    problems: list[Problem] = []
    if not final.is_dir():
        dest_root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".upload-{digest}.", dir=dest_root))
        written = 0
        seen: set = set()
        try:
            for info in files:
                name, repaired = _member_name(info)
                reason = _unsafe_reason(name, info)
                if reason:
                    problems.append(Problem(f"{label}:{name}", reason, _UNSAFE_HINT))
                    continue
                if PurePosixPath(name.replace("\\", "/")).parts[:1] == (_PROBLEMS_FILE,):
                    problems.append(Problem(f"{label}:{name}", "name reserved by the workbench",
                                            "skipped: rename it"))
                    continue
                if repaired:
                    problems.append(Problem(f"{label}:{name}", "file name is not valid UTF-8",
                                            "kept with the undecodable characters replaced by _"))
                target = tmp.joinpath(*PurePosixPath(name.replace("\\", "/")).parts)
                if tmp.resolve() not in target.resolve().parents:
                    problems.append(Problem(f"{label}:{name}", "path escapes the upload folder", _UNSAFE_HINT))
                    continue
                if target in seen:
                    problems.append(Problem(f"{label}:{name}", "a second member with the same name",
                                            "skipped: the first one is kept"))
                    continue
                seen.add(target)
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(info) as src, open(target, "wb") as dst:
                        while True:
                            chunk = src.read(1 << 20)
                            if not chunk:
                                break
                            written += len(chunk)
                            if written > limits.max_unpacked_bytes:
                                raise DatasetError(f"{label}: unpacked data exceeds "
                                                   f"{limits.max_unpacked_bytes / 2**20:,.0f} MiB (possible zip "
                                                   "bomb); upload refused, nothing was kept")
                            dst.write(chunk)
                except (OSError, zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
                    # a name the file system refuses, a file/folder clash, damaged or encrypted data
                    try:
                        target.unlink()  # a half-written member is not kept
                    except OSError:
                        pass
                    if isinstance(exc, (FileExistsError, NotADirectoryError, IsADirectoryError)):
                        why = "a file and a folder in the archive have the same name"
                    else:
                        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                    problems.append(Problem(f"{label}:{name}", f"cannot be unpacked ({why})",
                                            "skipped: re-create the zip with a standard zip tool"))
            # the problem list goes in before the rename, so the folder never exists without it
            (tmp / _PROBLEMS_FILE).write_text(json.dumps([[p.path, p.reason, p.hint] for p in problems]),
                                              encoding="utf-8")
            try:
                os.replace(tmp, final)
            except OSError:  # another session unpacked the same archive meanwhile
                shutil.rmtree(tmp, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    else:
        saved = final / _PROBLEMS_FILE
        if saved.is_file():
            try:
                problems = [Problem(path, reason, hint)
                            for path, reason, hint in json.loads(saved.read_text(encoding="utf-8"))]
            except (ValueError, TypeError, OSError):  # written by hand or by an older version
                problems = []
    entries = [p for p in final.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX"]
    if not entries:
        raise DatasetError(f"{label}: the archive holds no usable file")
    root = entries[0] if len(entries) == 1 and entries[0].is_dir() else final
    return root, problems


#: File suffixes an uploaded features file may have.
FEATURE_SUFFIXES = (".parquet", ".pq", ".csv")


def save_features_upload(data: bytes, name: str, dest_root: Path, limits: UploadLimits = UploadLimits()) -> Path:
    """Store an uploaded features file (Parquet or CSV) as ``<dest_root>/<content hash>/<name>``.

    Only the file's base name is kept (no folder part), with characters other than letters,
    digits, ``-``, ``_`` and ``.`` replaced; it is written to a temporary file and renamed, and
    the same bytes uploaded twice reuse the first copy. An ``audio_path`` in an uploaded file may
    only name files inside that folder (:func:`core.datasets.load_dataset` confines it), so an
    upload cannot make the server play its other files.

    Raises
    ------
    DatasetError
        Empty, larger than ``limits.max_upload_bytes``, not ``.parquet``/``.pq``/``.csv``, or a CSV whose
        header is not text or has no embedding column (a manifest sent through the features door would
        otherwise be read as a manifest and asked for ``audio_path``).
    """
    base = PurePosixPath(str(name).replace("\\", "/")).name
    suffix = Path(base).suffix.lower()
    if suffix not in FEATURE_SUFFIXES:
        raise DatasetError(f"{base or 'the file'}: expected a .parquet or .csv features file")
    if not data:
        raise DatasetError(f"{base} is empty (0 bytes)")
    if len(data) > limits.max_upload_bytes:
        raise DatasetError(f"{base} is {len(data) / 2**20:,.0f} MiB; the limit is "
                           f"{limits.max_upload_bytes / 2**20:,.0f} MiB")
    if suffix == ".csv":
        _check_features_csv_header(data, base)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in Path(base).stem).strip(".") or "features"
    folder = Path(dest_root) / hashlib.sha256(data).hexdigest()[:16]
    target = folder / f"{safe}{suffix}"
    if target.is_file() and target.stat().st_size == len(data):
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _check_features_csv_header(data: bytes, name: str) -> None:
    """Refuse a CSV upload whose first line is not text or names no ``audio_*`` / ``lyrics_*`` embedding
    column, with the columns it has (at most 12, unprintable characters shown as ``?``)."""
    import csv

    from core.features.given import embedding_columns, export_hint, separator_hint
    from core.features.text_io import BINARY, decode_text

    text, problem = decode_text(data[:65536])
    if text is None:
        what = "contains binary data (NUL bytes)" if problem == BINARY else f"is {problem}"
        raise DatasetError(f"{name} {what}; a features CSV is text, saved as UTF-8")
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    try:
        header = [h.strip() for h in next(csv.reader([first]), [])]
    except csv.Error:
        header = []
    if embedding_columns(header, "audio") or embedding_columns(header, "lyrics"):
        return
    shown = ["".join(ch if ch.isprintable() else "?" for ch in h)[:40] for h in header if h][:12]
    more = len([h for h in header if h]) - len(shown)
    has = (", ".join(shown) + (f" and {more} more" if more > 0 else "")) if shown else "none"
    raise DatasetError(
        f"{name} has no embedding columns: a features file needs columns named audio_<anything> and/or "
        f"lyrics_<anything> (other than audio_path and lyrics_path) holding numbers; its columns are: {has}. "
        "A manifest of audio files goes in the zip upload above, or its path in the sidebar."
        + export_hint(header) + separator_hint(header))
