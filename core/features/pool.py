"""Where audio jobs run: this process or local worker processes, and what happens when a worker dies.

An :data:`Executor` runs ``fn(*args)`` for each tuple in ``jobs`` and yields ``(index, result)`` in
completion order, where ``result`` is what ``fn`` returned or the exception that stopped it (a
worker that died). :func:`local_executor` uses processes on this machine; a Dask one lives in
:mod:`core.features.distributed`. :func:`run_with_retries` is how extraction uses any of them: a
job whose worker died is not a bad file until it dies again in a fresh pool and then alone.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import multiprocessing
import sys
import threading
import types
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Iterator, Optional

__all__ = ["Executor", "WorkerCrash", "local_executor", "main_guard_problem", "run_with_retries",
           "shutdown_pools", "spawning_without_main"]

Executor = Callable[[Callable, list], Iterator[tuple]]

#: In the last retry round, after this many clips in a row killed their own fresh process, the
#: cause is not the clips: the rest are reported without spending a process start on each.
MAX_CONSECUTIVE_CRASHES = 3


class WorkerCrash(RuntimeError):
    """A job that did not run because its worker process died (or would, as the ones before it)."""


#: What spawned workers see as the parent's main module: nothing to import again.
_NO_MAIN = types.ModuleType("__main__")
_MAIN_SWAP = threading.Lock()


@contextlib.contextmanager
def spawning_without_main():
    """Start worker processes in this block without making them run the main script again.

    A spawned process first imports the parent's ``__main__`` (by path, or by module name for
    ``python -m``), so that functions defined there can be unpickled. The extraction's jobs live in
    ``core`` and need none of it, and running it is harmful: a plain script without
    ``if __name__ == "__main__":`` runs its own extraction again in every worker (Python then stops
    each worker and the pool breaks), and under ``streamlit run`` the ``__main__`` module is the app
    script, which every worker ran again in bare mode. Processes started inside this block see an
    empty main module instead. Only the process start reads it (``multiprocessing.spawn``), so the
    swap lasts as long as the ``submit`` calls that start workers.
    """
    with _MAIN_SWAP:
        saved = sys.modules.get("__main__")
        sys.modules["__main__"] = _NO_MAIN
        try:
            yield
        finally:
            if sys.modules.get("__main__") is _NO_MAIN:
                sys.modules["__main__"] = saved


_POOLS: dict = {}
_POOLS_LOCK = threading.Lock()


def _new_pool(n_jobs: int) -> ProcessPoolExecutor:
    # Spawn, not fork: the parent may hold threads (Streamlit, torch) that fork would copy half-locked.
    return ProcessPoolExecutor(max_workers=n_jobs, mp_context=multiprocessing.get_context("spawn"))


def _pool(n_jobs: int) -> ProcessPoolExecutor:
    """A process pool of ``n_jobs`` workers, kept warm for the next extraction in this process.

    Each spawned worker spends about 2 s importing librosa and numpy; re-creating the pool per
    call made 2 workers only 1.1x faster than 1 on a 32-clip set, a warm pool 1.95x. A pool
    broken by a dead worker is replaced, so the next call starts fresh workers.
    """
    with _POOLS_LOCK:
        pool = _POOLS.get(n_jobs)
        if pool is None or getattr(pool, "_broken", False) or getattr(pool, "_shutdown_thread", False):
            pool = _new_pool(n_jobs)
            _POOLS[n_jobs] = pool
        return pool


def shutdown_pools() -> None:
    """Stop the warm worker processes (also done at interpreter exit)."""
    with _POOLS_LOCK:
        for pool in _POOLS.values():
            pool.shutdown(wait=False, cancel_futures=True)
        _POOLS.clear()


atexit.register(shutdown_pools)


def _in_process(fn, jobs):
    for i, args in enumerate(jobs):
        try:
            yield i, fn(*args)
        except Exception as exc:  # noqa: BLE001 - reported per track by the caller
            yield i, exc


def _in_pool(pool, fn, jobs):
    with spawning_without_main():  # submit starts the workers
        futures = {pool.submit(fn, *args): i for i, args in enumerate(jobs)}
    try:
        for fut in as_completed(futures):
            try:
                yield futures[fut], fut.result()
            except Exception as exc:  # a worker died (killed, segfault, out of memory)
                yield futures[fut], exc
    finally:
        for fut in futures:  # an abandoned run (an error, Ctrl-C) leaves no queued work behind
            fut.cancel()


def _isolated(fn, jobs):
    """Each job in a single worker process of its own pool; a pool its job broke is not reused,
    so a job that kills its process can only take itself down."""
    pool = None
    crashes = 0
    try:
        for i, args in enumerate(jobs):
            if crashes >= MAX_CONSECUTIVE_CRASHES:
                yield i, WorkerCrash(f"not run: the {crashes} clips before it each crashed a fresh process")
                continue
            if pool is None:
                pool = _new_pool(1)
            try:
                with spawning_without_main():
                    future = pool.submit(fn, *args)
                result = future.result()
                crashes = 0
            except Exception as exc:  # noqa: BLE001 - the process died, or could not start
                result = exc
                crashes += 1
                pool.shutdown(wait=False, cancel_futures=True)
                pool = None
            yield i, result
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def local_executor(n_jobs: int) -> Executor:
    """Run jobs in this process (``n_jobs == 1``) or in ``n_jobs`` spawned worker processes.

    The returned executor also has ``.isolated(fn, jobs)``: every job alone in a fresh process,
    the last retry of :func:`run_with_retries`. Workers do not run the main script again
    (:func:`spawning_without_main`), so a plain script without a main guard, the app under
    ``streamlit run`` and ``python -m core`` all get the same workers.
    """

    def run(fn, jobs):
        if n_jobs <= 1 or len(jobs) <= 1:
            yield from _in_process(fn, jobs)
        else:
            yield from _in_pool(_pool(n_jobs), fn, jobs)

    def isolated(fn, jobs):
        yield from (_in_process(fn, jobs) if n_jobs <= 1 else _isolated(fn, jobs))

    run.isolated = isolated
    return run


def run_with_retries(executor: Executor, fn: Callable, jobs: list,
                     on_result: Callable[[int, object], None]) -> dict:
    """Run every job; retry those whose worker died before calling them failed.

    Rounds: all jobs on ``executor``; the jobs whose worker died, again on ``executor`` (a local
    pool broken by the death is replaced by fresh workers; a dead worker also takes the innocent
    jobs queued with it down, and they pass here); the jobs that died again, each alone in a fresh
    process (``executor.isolated``, when the executor has it), so only a job that kills its own
    process twice more is left.

    Parameters
    ----------
    executor : Executor
    fn : callable
        The job function (must be picklable by reference for worker processes).
    jobs : list of tuple
        Arguments of each job.
    on_result : callable(index, result)
        Called once per job that returned (whatever it returned), with the job's index in ``jobs``.

    Returns
    -------
    dict index -> BaseException
        The jobs that never returned: each one's worker died in every round.
    """
    pending = list(range(len(jobs)))
    died: dict = {}
    rounds = [executor, executor]
    isolated = getattr(executor, "isolated", None)
    if isolated is not None:
        rounds.append(isolated)
    for run in rounds:
        if not pending:
            break
        died = {}
        for j, result in run(fn, [jobs[i] for i in pending]):
            i = pending[j]
            if isinstance(result, BaseException):
                died[i] = result
            else:
                on_result(i, result)
        pending = sorted(died)
    return died


def main_guard_problem() -> Optional[str]:
    """Why worker processes cannot be started from here, or None when they can.

    For process starters that import the main script again in every worker (a Dask
    LocalCluster's nanny; :func:`local_executor` does not, see :func:`spawning_without_main`): a
    script that starts them at its top level, without ``if __name__ == "__main__":``, would run
    again in each worker. Detected from the call stack and the script's source, before any worker
    starts.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path or not str(path).endswith(".py"):
        return None  # an interactive session, python -c, a console entry point: nothing re-runs
    frame = sys._getframe(1)
    line = None
    while frame is not None:
        if frame.f_globals is vars(main) and frame.f_code.co_name == "<module>":
            line = frame.f_lineno
        frame = frame.f_back
    if line is None:
        return None
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_main_test(node.test):
            end = max(getattr(n, "end_lineno", n.lineno) for n in node.body)
            if node.body[0].lineno <= line <= end:
                return None
    return (f"{path} runs the extraction at its top level (line {line}) without "
            f"'if __name__ == \"__main__\":'; worker processes would run the script again")


def _is_main_test(test) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names and consts)
