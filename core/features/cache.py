"""On-disk feature cache under ``data/cache/`` (git-ignored).

Entries are ``.npz`` files keyed by file content + feature configuration + feature-code version,
so renaming or moving a file keeps its features, and changing a file or the code invalidates them.
Every write goes to a temporary file in the same folder, is flushed to disk, then renamed into
place (``os.replace`` is atomic on POSIX): a reader sees either the whole entry or none, and an
extraction killed half-way leaves only complete entries, so the next run resumes where it stopped.
A damaged entry (disk trouble, a manual edit) is treated as a miss and removed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Optional

import numpy as np

from core.paths import cache_dir

_DIGESTS: dict[tuple, str] = {}


def file_digest(path) -> str:
    """BLAKE2b hex digest (32 hex chars) of a file's bytes, memoised on (path, size, mtime)."""
    st = os.stat(path)
    memo = (str(path), st.st_size, st.st_mtime_ns)
    if memo in _DIGESTS:
        return _DIGESTS[memo]
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    _DIGESTS[memo] = h.hexdigest()
    return _DIGESTS[memo]


def text_digest(text: str) -> str:
    """BLAKE2b hex digest of a text's UTF-8 bytes."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def make_key(*parts: str) -> str:
    """Combine key parts (content digest, config key, code version) into one cache key."""
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, fsync, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class FeatureCache:
    """A folder of ``<kind>/<key[:2]>/<key>.npz`` entries.

    Parameters
    ----------
    root : path, optional
        Defaults to :func:`core.paths.cache_dir` (``data/cache``, or ``$WORKBENCH_CACHE_DIR``).
    """

    def __init__(self, root: Optional[Path] = None):
        self.root = Path(root) if root is not None else cache_dir()

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key[:2] / f"{key}.npz"

    def has(self, kind: str, key: str) -> bool:
        return self.path(kind, key).is_file()

    def get(self, kind: str, key: str) -> Optional[dict]:
        """The arrays stored under ``key``, or None on a miss (or a damaged entry, which is removed)."""
        path = self.path(kind, key)
        try:
            with np.load(path, allow_pickle=False) as z:
                return {name: z[name] for name in z.files}
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError):
            try:
                path.unlink()
            except OSError:
                pass
            return None

    def put(self, kind: str, key: str, **arrays: np.ndarray) -> Path:
        """Store ``arrays`` under ``key`` atomically; returns the entry's path."""
        import io
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        path = self.path(kind, key)
        atomic_write_bytes(path, buf.getvalue())
        return path

    def count(self, kind: str) -> int:
        """Number of complete entries of ``kind`` (temporary files are not counted)."""
        folder = self.root / kind
        return sum(1 for _ in folder.glob("*/*.npz")) if folder.is_dir() else 0
