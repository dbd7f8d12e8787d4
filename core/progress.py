"""Progress reporting shared by the command line (terminal bar) and the app (st.progress).

A progress callback is any callable ``progress(done, total, message)``; ``done`` and ``total`` count
work items (tracks), ``message`` says what just finished. ``None`` means "report nothing".
"""

from __future__ import annotations

import sys
import time
from typing import Callable, Optional

ProgressCallback = Callable[[int, int, str], None]


def report(progress: Optional[ProgressCallback], done: int, total: int, message: str = "") -> None:
    """Call ``progress`` if given; never let a broken display stop the work."""
    if progress is not None:
        progress(done, total, message)


class TerminalBar:
    """A dependency-free terminal progress bar usable as a :data:`ProgressCallback`.

    Draws ``label [#####.....] done/total  rate/s  message`` on one line of ``stream``
    (stderr by default), redrawn at most every ``min_interval`` seconds.
    """

    def __init__(self, label: str, stream=None, width: int = 30, min_interval: float = 0.1):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.min_interval = min_interval
        self._start = time.perf_counter()
        self._last = 0.0

    def __call__(self, done: int, total: int, message: str = "") -> None:
        now = time.perf_counter()
        if done < total and now - self._last < self.min_interval:
            return
        self._last = now
        frac = done / total if total else 1.0
        fill = int(round(frac * self.width))
        rate = done / max(now - self._start, 1e-9)
        line = (f"\r{self.label} [{'#' * fill}{'.' * (self.width - fill)}] {done}/{total}"
                f"  {rate:5.1f}/s  {message[:40]:<40}")
        self.stream.write(line)
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
