"""Progress reporting shared by the command line (a tqdm bar) and the app (st.progress).

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
    """A terminal progress bar (tqdm) usable as a :data:`ProgressCallback`.

    tqdm does what a hand-written bar got wrong in logs: it draws only on an interactive terminal
    (``disable=None``: off when ``stream`` is not a TTY, so a log or CI gets no ``\r``-joined
    lines), redraws at most every ``min_interval`` seconds, and shows rate and ETA. When the
    bar is off, one plain line is written when the work is done (``label: done/total in s``),
    so a log still says what ran. The callback contract is unchanged: ``bar(done, total, message)``.

    Parameters
    ----------
    label : str
        Printed before the bar.
    stream : file, optional
        Default ``sys.stderr``.
    min_interval : float >= 0
        Seconds between redraws (tqdm's ``mininterval``).
    disable : bool or None
        None (default): on only when ``stream`` is a TTY; True/False force it.
    """

    def __init__(self, label: str, stream=None, min_interval: float = 0.1, disable: Optional[bool] = None):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.min_interval = min_interval
        self.disable = disable
        self._bar = None
        self._start = time.perf_counter()
        self._closed = False

    def _tty(self) -> bool:
        try:
            return bool(self.stream.isatty())
        except (AttributeError, ValueError):
            return False

    def __call__(self, done: int, total: int, message: str = "") -> None:
        from tqdm import tqdm

        if self._closed and self._bar is not None and self._bar.total == total:
            return  # finished; a repeated final call draws nothing
        off = (not self._tty()) if self.disable is None else bool(self.disable)
        if self._bar is None or self._bar.total != total:
            if self._bar is not None:
                self._bar.close()
            self._bar = tqdm(total=total, desc=self.label, file=self.stream, mininterval=self.min_interval,
                             disable=off, dynamic_ncols=True, leave=True)
            self._closed = False
        bar = self._bar
        if message and not bar.disable:
            bar.set_postfix_str(message[:40], refresh=False)
        bar.update(max(0, int(done) - bar.n))
        if done >= total and not self._closed:
            bar.close()
            self._closed = True
            if bar.disable:
                self.stream.write(f"{self.label}: {done}/{total} in {time.perf_counter() - self._start:.1f} s\n")
                self.stream.flush()
