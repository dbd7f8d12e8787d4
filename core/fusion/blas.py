"""BLAS threads in the slider-loop hot paths: :func:`hot_path` limits them while a block runs.

Pipeline position: used by every stage of the interactive loop (k-means Lloyd steps, the
metric scorers, the projection's neighbour search); it changes speed only, never a result.

The limit is the package setting :data:`core.fusion.HOT_PATH_BLAS_THREADS` (threads, an int,
or ``None`` to leave BLAS alone). :func:`hot_path` reads it each time a block is entered, so a
caller that sets ``core.fusion.HOT_PATH_BLAS_THREADS`` (``bench/loop.py --hot-path-threads``)
changes every hot path from then on. Entering and leaving costs about 10 us.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Optional

__all__ = ["hot_path"]

_HOT_LOCK = threading.Lock()
_HOT_STATE = {"depth": 0, "limiter": None, "controller": None}


def _blas_threads() -> Optional[int]:
    """The current :data:`core.fusion.HOT_PATH_BLAS_THREADS` (the package holds the setting)."""
    return sys.modules[__package__].HOT_PATH_BLAS_THREADS


@contextmanager
def hot_path():
    """Limit BLAS to :data:`core.fusion.HOT_PATH_BLAS_THREADS` threads while the block runs.

    Re-entrant and thread-safe: the first caller in sets the limit, the last one out restores
    the previous setting (the limit is process-wide, as BLAS thread pools are). It covers the
    BLAS libraries loaded when it is first used, numpy's among them.
    """
    threads = _blas_threads()
    if threads is None:
        yield
        return
    with _HOT_LOCK:
        if _HOT_STATE["depth"] == 0:
            if _HOT_STATE["controller"] is None:
                from threadpoolctl import ThreadpoolController

                _HOT_STATE["controller"] = ThreadpoolController()
            _HOT_STATE["limiter"] = _HOT_STATE["controller"].limit(
                limits=threads, user_api="blas")
        _HOT_STATE["depth"] += 1
    try:
        yield
    finally:
        with _HOT_LOCK:
            _HOT_STATE["depth"] -= 1
            if _HOT_STATE["depth"] == 0 and _HOT_STATE["limiter"] is not None:
                _HOT_STATE["limiter"].restore_original_limits()
                _HOT_STATE["limiter"] = None
