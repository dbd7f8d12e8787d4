"""Compile the extractor's JIT functions one process at a time, before any clip is extracted.

Why this module exists
----------------------
librosa (and :mod:`core.features.audio`) compile numba functions on first use and keep them in an
on-disk cache (``cache=True``: ``site-packages/librosa/**/__pycache__``, or ``$NUMBA_CACHE_DIR``).
Numba writes that cache without any lock between processes: each process reads the cache index,
picks a data-file number for the signature it compiled and writes the index back. Two worker
processes compiling the same functions at the same moment (the first extraction on a fresh
machine, two workers by default) then leave an index that points a signature at another
signature's machine code, and every later call of that function, in any process, can segfault.
That is how a first ``make app`` once built a workbench with no audio features at all (issue 18;
reproduced with two plain processes importing librosa against an empty ``NUMBA_CACHE_DIR``: one of
them crashed with SIGSEGV in 2 of 6 tries).

The fix: every process that extracts audio first calls :func:`warm_up`. It takes an exclusive
file lock shared by every process of this user on this machine, then imports what the extractor
imports and runs the real extractor on a few short generated signals that reach every compiled
function with every argument type a decoded clip gives (see :data:`WARMUP_SIGNALS`; a test checks
that extracting real clips afterwards compiles nothing new). The first process compiles and writes
the cache while the others wait; each of those then loads complete, consistent cache files. So
the race cannot happen, whatever the number of local workers; Dask workers call it too, so several
worker processes on one machine are covered as well.

The lock is ``fcntl.flock`` on a file in the temporary folder: the kernel releases it when its
holder dies, so a worker killed mid-warm-up never blocks the others.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

__all__ = ["jit_lock", "warm_up", "is_warm", "WARMUP_SIGNALS"]

#: Seconds to wait for another process's warm-up before going on without the lock (a cold compile
#: of everything takes 20-60 s on 2 cores; a holder that takes longer is stuck, not compiling).
LOCK_TIMEOUT_S = 600.0

#: The generated signals the warm-up extracts, as (name, seconds). Each reaches a different path:
#: a song-like clip (every descriptor), digital silence (the all-silent branches), a clip shorter
#: than one FFT frame, and a clipped clip (the clipping measures).
WARMUP_SIGNALS = (("song", 3.0), ("silence", 1.0), ("short", 0.02), ("clipped", 1.0))

_WARM: set = set()
_THREAD_LOCK = threading.Lock()


def _lock_path() -> Path:
    """One lock file per user and per numba cache location."""
    where = os.environ.get("NUMBA_CACHE_DIR", "") + "\x1f" + os.path.realpath(sys.prefix)
    digest = hashlib.sha1(where.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"workbench-jit-{uid}-{digest}.lock"


@contextlib.contextmanager
def jit_lock(timeout: float = LOCK_TIMEOUT_S) -> Iterator[bool]:
    """Hold the machine-wide JIT lock; yields True when held, False when it could not be taken.

    Without ``fcntl`` (Windows) or a writable temporary folder it yields False at once: the
    caller then compiles without the lock, as numba would.
    """
    try:
        import fcntl
    except ImportError:  # Windows: numba's own behaviour
        yield False
        return
    try:
        fd = os.open(_lock_path(), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield False
        return
    try:
        deadline = time.monotonic() + timeout
        held = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        try:
            yield held
        finally:
            if held:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _signal(name: str, seconds: float, sr: int):
    import numpy as np
    n = max(1, int(round(seconds * sr)))
    t = np.arange(n) / sr
    rng = np.random.default_rng(0)
    if name == "silence":
        return np.zeros(n, dtype=np.float32)
    y = 0.3 * np.sin(2 * np.pi * 220.0 * t * (1 + 0.01 * np.sin(2 * np.pi * 5 * t)))  # a sung-like vibrato
    y += 0.2 * np.sin(2 * np.pi * 110.0 * t) + 0.05 * rng.standard_normal(n)
    y[:: max(1, sr // 2)] += 0.8  # clicks: onsets and a pulse
    if name == "clipped":
        y = np.clip(4.0 * y, -1.0, 1.0)
    return (y / max(1e-9, float(np.abs(y).max())) * (1.0 if name == "clipped" else 0.8)).astype(np.float32)


def is_warm(config=None) -> bool:
    """True when this process already ran :func:`warm_up` for ``config``."""
    from core.features.audio import AudioConfig
    return (config or AudioConfig()).key() in _WARM


def warm_up(config=None) -> float:
    """Compile (or load from the on-disk cache) every JIT function the extractor reaches, under
    the machine-wide :func:`jit_lock`. Idempotent per process and configuration.

    Parameters
    ----------
    config : AudioConfig, optional
        The extraction settings (sample rate and frame sizes decide which paths run).

    Returns
    -------
    float
        Seconds spent (0.0 when this process was already warm).
    """
    from core.features import audio as audio_mod
    config = config or audio_mod.AudioConfig()
    key = config.key()
    if key in _WARM:
        return 0.0
    t0 = time.perf_counter()
    with _THREAD_LOCK, jit_lock():
        if key in _WARM:
            return 0.0
        from threadpoolctl import threadpool_limits
        with threadpool_limits(limits=1):
            for name, seconds in WARMUP_SIGNALS:
                audio_mod.extract_signal(_signal(name, seconds, config.sr), config)
        _WARM.add(key)
    return time.perf_counter() - t0
