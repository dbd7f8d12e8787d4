"""On-disk feature cache under ``data/cache/`` (git-ignored).

Entries are ``.npz`` files keyed by file content + feature configuration + feature-code version,
so renaming or moving a file keeps its features, and changing a file or the code invalidates them.
Every write goes to a temporary file in the same folder, is flushed to disk, then renamed into
place (``os.replace`` is atomic on POSIX): a reader sees either the whole entry or none, and an
extraction killed half-way leaves only complete entries, so the next run resumes where it stopped.
A damaged entry (disk trouble, a manual edit) is treated as a miss and removed.

Concurrency
-----------
Two extractions of the same dataset may run at once (two app sessions, or the app and the command
line). Per-clip entries are content-addressed and written atomically, so two writers of one entry
both write a complete file and the last rename wins; a reader never sees a partial file. On top of
that, :meth:`FeatureCache.lock` takes an exclusive advisory lock (``fcntl.flock``) on a lock file
``<root>/.locks/<name>.lock``; the extractor holds ``featureset-<dataset key>`` from its cache check
to the moment the assembled feature set is stored, so the second run waits, then finds the whole
feature set in the cache instead of extracting every clip a second time. The kernel drops a flock
when its holder dies (even by SIGKILL), so a killed run never leaves the cache locked. Where locks
are not available (a read-only cache, a file system without flock, not POSIX) the lock is skipped
and atomic writes alone keep the cache consistent.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Iterator, Optional

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locks, atomic writes only
    fcntl = None

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

    @contextlib.contextmanager
    def lock(self, name: str, on_wait: Optional[Callable[[], None]] = None) -> Iterator[bool]:
        """Hold the exclusive lock ``name`` for the ``with`` block (see the module docstring).

        Parameters
        ----------
        name : str
            Lock name, a file name stem (e.g. ``"featureset-<key>"``).
        on_wait : callable, optional
            Called once, with no argument, if another process (or thread) holds the lock, before this
            one starts waiting for it: e.g. to say "waiting for another extraction".

        Yields
        ------
        bool
            True when the lock is held; False when locks are not available here (the block runs
            unlocked).
        """
        fd = None
        if fcntl is not None:
            try:
                folder = self.root / ".locks"
                folder.mkdir(parents=True, exist_ok=True)
                fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o666)
            except OSError:
                fd = None
        held = False
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held = True
                except BlockingIOError:
                    if on_wait is not None:
                        on_wait()
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    held = True
                except OSError:  # no flock on this file system
                    held = False
            yield held
        finally:
            if fd is not None:
                os.close(fd)  # closing the descriptor releases the lock

    def count(self, kind: str) -> int:
        """Number of complete entries of ``kind`` (temporary files are not counted)."""
        folder = self.root / kind
        return sum(1 for _ in folder.glob("*/*.npz")) if folder.is_dir() else 0
