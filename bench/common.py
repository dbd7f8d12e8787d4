"""What the extraction benchmarks share: their clip options and the timing loop.

Imports nothing heavy, so a script can set its thread limits (``OMP_NUM_THREADS`` ...) before
numpy loads, and then import this.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable


def add_clip_arguments(ap: argparse.ArgumentParser, n: int, runs_help: str, naive_help: str) -> None:
    """``--clips``, ``--n`` (default ``n``), ``--seconds``, ``--runs`` and ``--skip-naive``."""
    ap.add_argument("--clips", help="folder of audio files (default: build synthetic clips)")
    ap.add_argument("--n", type=int, default=n, help=f"number of clips (default {n})")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of built clips, s (default 20)")
    ap.add_argument("--runs", type=int, default=3, help=runs_help)
    ap.add_argument("--skip-naive", action="store_true", help=naive_help)


def wall_times(fn: Callable[[], object], runs: int) -> list:
    """Wall time (s) of each of ``runs`` calls of ``fn()``, one after the other."""
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out
