"""Progress reporting shared by the command line (a tqdm bar) and the app (st.progress).

A progress callback is any callable ``progress(done, total, message)``; ``done`` and ``total`` count
work items (tracks), ``message`` says what just finished. ``None`` means "report nothing".
"""

from __future__ import annotations

import sys
import time
from typing import Callable, Optional, Sequence

ProgressCallback = Callable[[int, int, str], None]


def report(progress: Optional[ProgressCallback], done: int, total: int, message: str = "") -> None:
    """Call ``progress`` if given; never let a broken display stop the work."""
    if progress is not None:
        progress(done, total, message)


def in_parts(progress: Optional[ProgressCallback], parts: Sequence[tuple[str, int]]) -> Optional[ProgressCallback]:
    """A callback that names what ``done`` counts when the work is several kinds done one after another.

    Extraction counts clips, then lyrics, in one ``done`` of ``total``: "412 of 659" mixed 400 clips with
    12 of 259 lyrics. The returned callback passes ``done`` and ``total`` on and puts each part's own count
    first in the message: ``"400 of 400 clips, 12 of 259 lyrics: embedding lyrics"``. A part with nothing
    to do (no lyrics in the set) is left out of the message.

    Parameters
    ----------
    progress : callable(done, total, message) or None
        None gives None (report nothing).
    parts : sequence of (name, count)
        In the order the work does them; ``done`` is split by filling each part before the next
        (the first ``count`` items are the first part's, and so on).

    Returns
    -------
    callable(done, total, message="") or None
    """
    if progress is None:
        return None
    parts = [(str(name), max(0, int(n))) for name, n in parts]

    def counted(done: int, total: int, message: str = "") -> None:
        left, said = max(0, int(done)), []
        for name, n in parts:
            if n:
                said.append(f"{min(left, n)} of {n} {name}")
            left = max(0, left - n)
        text = ", ".join(said)
        progress(done, total, f"{text}: {message}" if text and message else (text or message))

    return counted


def tqdm_progress(label: str, stream=None, min_interval: float = 0.1,
                  disable: Optional[bool] = None, log_every: float = 30.0) -> ProgressCallback:
    """A :data:`ProgressCallback` that draws a tqdm bar: ``progress = tqdm_progress("extract")``.

    tqdm does what a hand-written bar got wrong in logs: it draws only on an interactive terminal
    (``disable=None``: off when ``stream`` is not a TTY, so a log or CI gets no ``\\r``-joined
    lines), redraws at most every ``min_interval`` seconds, and shows rate and ETA. When the bar is
    off, one plain line is written when the work is done (``label: done/total in 12.3 s``), so a
    log still says what ran, and on long work a plain line at most every ``log_every`` seconds
    (``label: done/total after 30 s``), so a log does not fall silent for minutes. A call with a new
    ``total`` starts a new bar; a repeated final call draws nothing.

    Parameters
    ----------
    label : str
        Printed before the bar (and at the start of the summary line).
    stream : file, optional
        Default ``sys.stderr`` as it is when ``tqdm_progress`` is called.
    min_interval : float >= 0
        Seconds between redraws (tqdm's ``mininterval``).
    disable : bool or None
        None (default): on only when ``stream`` is a TTY; True/False force it.
    log_every : float >= 0, s
        With the bar off: the least time between two "after" lines (work shorter than this writes only
        the summary line).

    Returns
    -------
    callable(done, total, message="")
    """
    out = stream if stream is not None else sys.stderr
    state = {"bar": None, "closed": False, "start": time.perf_counter(), "said": time.perf_counter()}

    def tty() -> bool:
        try:
            return bool(out.isatty())
        except (AttributeError, ValueError):
            return False

    def progress(done: int, total: int, message: str = "") -> None:
        from tqdm import tqdm

        bar = state["bar"]
        if state["closed"] and bar is not None and bar.total == total:
            return  # finished; a repeated final call draws nothing
        if bar is None or bar.total != total:
            if bar is not None:
                bar.close()
            off = (not tty()) if disable is None else bool(disable)
            bar = state["bar"] = tqdm(total=total, desc=label, file=out, mininterval=min_interval,
                                      disable=off, dynamic_ncols=True, leave=True)
            state["closed"] = False
        if message and not bar.disable:
            bar.set_postfix_str(message[:40], refresh=False)
        bar.update(max(0, int(done) - bar.n))
        now = time.perf_counter()
        if bar.disable and not state["closed"] and done < total and now - state["said"] >= log_every:
            state["said"] = now
            out.write(f"{label}: {done}/{total} after {now - state['start']:.0f} s\n")
            out.flush()
        if done >= total and not state["closed"]:
            drawn = not bar.disable  # read before close(): tqdm sets disable on close
            bar.close()
            state["closed"] = True
            if not drawn:
                out.write(f"{label}: {done}/{total} in {time.perf_counter() - state['start']:.1f} s\n")
                out.flush()

    return progress
