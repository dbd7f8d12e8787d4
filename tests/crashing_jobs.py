"""Jobs that kill their own worker process, for the extraction's crash-retry tests.

Worker processes are spawned and import this module by name, so everything here is module-level
(picklable by reference). A crash is ``os._exit``: the process dies at once without cleanup, as it
does on a segfault or an out-of-memory kill.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path


def crash_on(fn, marker_dir: str, once: tuple, always: tuple, path, *args):
    """Run ``fn(path, *args)``, but die first when ``path``'s stem is in ``always``, or in ``once``
    and this is its first try (a marker file in ``marker_dir`` remembers the try)."""
    stem = Path(path).stem
    if stem in always:
        os._exit(3)
    if stem in once:
        marker = Path(marker_dir) / stem
        if not marker.exists():
            marker.touch()
            os._exit(3)
    return fn(path, *args)


def crashing(executor, marker_dir, once=(), always=()):
    """``executor`` (and its ``isolated`` retry) with :func:`crash_on` around every job."""

    def wrap(fn):
        return functools.partial(crash_on, fn, str(marker_dir), tuple(once), tuple(always))

    def run(fn, jobs):
        return executor(wrap(fn), jobs)

    if hasattr(executor, "isolated"):
        run.isolated = lambda fn, jobs: executor.isolated(wrap(fn), jobs)
    return run
