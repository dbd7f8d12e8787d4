"""The Dask executor: connect to a scheduler (or start a LocalCluster), check it, run jobs.

Pipeline position: features -> extraction on a Dask cluster (:mod:`core.features.distributed`).

:func:`dask_executor` checks its settings (timeouts in s, worker counts) and returns a
:class:`DaskExecutor`, the :data:`~core.features.extract.Executor` that
:func:`~core.features.extract.extract_features` takes as ``executor=``. It connects on first
use, checks that the workers run this project's feature version, submits each job with
``retries`` and yields ``(index, result)`` in completion order; a lost scheduler is a
:class:`~core.errors.WorkbenchError`. The jobs themselves are in
:mod:`core.features.distributed.jobs`.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
import warnings
from typing import Callable, Iterator, Optional

from core.errors import WorkbenchError, check_param
from core.features import audio as audio_mod
from core.features.distributed.address import _ADDRESS, parse_scheduler
from core.features.distributed.jobs import _SPLIT, _probe
from core.features.pool import main_guard_problem

__all__ = ["DaskExecutor", "dask_executor"]

#: Dask settings for the LocalCluster this module starts. Dask's nanny sets MALLOC_TRIM_THRESHOLD_
#: in every worker, which fixes glibc's mmap threshold at 128 KiB: each large numpy temporary is then
#: a fresh mmap and page faults, and extraction ran 1.5-2x slower (measured on 10 s clips). Workers
#: here live for one extraction, so returning memory to the OS eagerly buys nothing.
_LOCAL_CLUSTER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


def _restore_environ(saved: dict) -> None:
    """Undo what Dask's nanny wrote into this process's environment while spawning workers
    (OMP_NUM_THREADS=1, PYTHONHASHSEED, ...), which would otherwise reach torch and later pools."""
    for k in set(os.environ) - set(saved):
        del os.environ[k]
    for k, v in saved.items():
        if os.environ.get(k) != v:
            os.environ[k] = v


class DaskExecutor:
    """An :data:`~core.features.extract.Executor` backed by a Dask cluster.

    Build it with :func:`dask_executor`. It connects on :meth:`start` (or ``with``, or the first
    call) and stays connected until :meth:`close`, so several extractions share one cluster.

    Attributes
    ----------
    address : str or None
        The scheduler address as given (``None``: a LocalCluster).
    scheduler_address_ : str
        The scheduler's address once connected (the LocalCluster's loopback address for ``None``).
    n_workers_ : int
        Workers the scheduler has now (asked on each access).
    """

    def __init__(self, address: Optional[str] = None, n_workers: int = 2, *, retries: int = 1,
                 connect_timeout: float = 10.0, worker_timeout: float = 30.0):
        self.address = address
        self.n_workers = n_workers
        self.retries = retries
        self.connect_timeout = connect_timeout
        self.worker_timeout = worker_timeout
        self._client = None
        self._cluster = None

    # lifecycle
    def start(self) -> "DaskExecutor":
        """Connect to the scheduler (or start the LocalCluster) and check the workers.

        Raises
        ------
        WorkbenchError
            The scheduler cannot be reached, has no worker within ``worker_timeout`` seconds, or
            its workers cannot import this project's code (or run another feature version).
        """
        if self._client is not None:
            return self
        from distributed import Client, LocalCluster
        if self.address is None:
            problem = main_guard_problem()
            if problem:  # each local worker would run the script again (and start a cluster of its own)
                raise WorkbenchError(f"{problem}. A local Dask cluster cannot start from there: put the "
                                     "script's top-level code under 'if __name__ == \"__main__\":'.")
            import dask
            environ = dict(os.environ)
            try:
                with warnings.catch_warnings(), dask.config.set(_LOCAL_CLUSTER_CONFIG):
                    # the scheduler's HTTP endpoint (no dashboard) falls back to a free port: not news
                    warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
                    self._cluster = LocalCluster(n_workers=self.n_workers, threads_per_worker=1,
                                                 processes=True, host="127.0.0.1", dashboard_address=None,
                                                 silence_logs=logging.ERROR)
                self._client = Client(self._cluster, set_as_default=False)
            except Exception as exc:  # noqa: BLE001 - ports, resources: say what failed
                self.close()
                raise WorkbenchError(f"Cannot start a local Dask cluster of {self.n_workers} worker processes: "
                                     f"{type(exc).__name__}: {exc}") from None
            finally:
                _restore_environ(environ)
        else:
            self._check_reachable()
            try:
                self._client = Client(self.address, timeout=self.connect_timeout, set_as_default=False)
            except Exception as exc:  # noqa: BLE001
                raise WorkbenchError(f"Cannot reach the Dask scheduler at {self.address}: {_reason(exc)}. "
                                     "Check that `dask scheduler` runs there and the port is open, or use "
                                     "--scheduler local.") from None
        try:
            self._check_workers()
        except BaseException:
            self.close()
            raise
        return self

    def _check_reachable(self) -> None:
        """A plain TCP connect first: Dask's own error says only "timed out", this says why."""
        m = _ADDRESS.match(self.address)
        if m.group("scheme") not in ("tcp", "tls"):
            return
        host = m.group("host").strip("[]")
        try:
            with socket.create_connection((host, int(m.group("port"))), timeout=self.connect_timeout):
                pass
        except OSError as exc:
            raise WorkbenchError(f"Cannot reach the Dask scheduler at {self.address}: {_reason(exc)}. "
                                 "Check that `dask scheduler` runs there and the port is open, or use "
                                 "--scheduler local.") from None

    def _check_workers(self) -> None:
        try:
            self._client.wait_for_workers(1, timeout=self.worker_timeout)
        except Exception:  # noqa: BLE001 - TimeoutError and friends
            raise WorkbenchError(f"The Dask scheduler at {self.scheduler_address_} has no worker after "
                                 f"{self.worker_timeout:g} s; start some with `dask worker "
                                 f"{self.scheduler_address_}`.") from None
        try:
            info = self._client.run(_probe)
        except Exception as exc:  # noqa: BLE001 - ModuleNotFoundError on the worker, mostly
            raise WorkbenchError(f"The workers of the Dask scheduler at {self.scheduler_address_} cannot run "
                                 f"this project's code ({_reason(exc)}); start each worker with the project folder "
                                 "on PYTHONPATH, in the same environment: PYTHONPATH=/path/to/project dask "
                                 f"worker {self.scheduler_address_}") from None
        wrong = {w: i["feature_version"] for w, i in info.items()
                 if i["feature_version"] != audio_mod.FEATURE_VERSION}
        if wrong:
            raise WorkbenchError(f"Workers of {self.scheduler_address_} run another feature version "
                                 f"({', '.join(f'{w}: {v}' for w, v in sorted(wrong.items()))}; here "
                                 f"{audio_mod.FEATURE_VERSION}); update the project on every worker.")

    def wait_for_workers(self, n: int, timeout: float = 60.0) -> "DaskExecutor":
        """Connect, then block until the scheduler has at least ``n`` workers that have imported the
        extraction code (benchmarks use it to time warm workers only).

        Raises
        ------
        WorkbenchError
            Fewer than ``n`` workers after ``timeout`` seconds.
        """
        self.start()
        try:
            self._client.wait_for_workers(n, timeout=timeout)
        except Exception:  # noqa: BLE001
            raise WorkbenchError(f"The Dask scheduler at {self.scheduler_address_} has fewer than {n} workers "
                                 f"after {timeout:g} s.") from None
        self._client.run(_probe)
        return self

    def close(self) -> None:
        """Disconnect; shut the LocalCluster down if this executor started it."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        # a client whose scheduler is gone logs its cancelled reconnection with a traceback: mute it
        log = logging.getLogger("distributed.client")
        level = log.level
        if client is not None and client.status != "running":
            log.setLevel(logging.CRITICAL)
        try:
            for thing in (client, cluster):
                if thing is not None:
                    try:
                        thing.close()
                    except Exception:  # noqa: BLE001 - closing is best effort
                        pass
        finally:
            log.setLevel(level)

    def __enter__(self) -> "DaskExecutor":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def scheduler_address_(self) -> str:
        if self._client is None:
            raise AttributeError("scheduler_address_ is set once the executor is connected (start())")
        return self._client.scheduler.address

    @property
    def n_workers_(self) -> int:
        if self._client is None:
            raise AttributeError("n_workers_ is set once the executor is connected (start())")
        return len(self._client.scheduler_info(n_workers=-1)["workers"])

    def describe(self) -> str:
        """One line for logs: where the work runs."""
        kind = "local Dask cluster" if self.address is None else "Dask scheduler"
        if self._client is None:
            return f"{kind} {self.address or ''} (not connected)".replace("  ", " ")
        return f"{kind} at {self.scheduler_address_}, {self.n_workers_} workers"

    # the Executor protocol
    def __call__(self, fn: Callable, jobs: list) -> Iterator[tuple]:
        """Run ``fn(*args)`` for each tuple of ``jobs`` on the cluster.

        Yields
        ------
        (index, result)
            In completion order; ``result`` is what ``fn`` returned, or the exception that stopped
            the job (e.g. ``KilledWorker`` after repeated worker deaths).

        Raises
        ------
        WorkbenchError
            The connection to the scheduler is lost mid-run.
        """
        return self._run(fn, list(jobs))

    def _run(self, fn, jobs):
        if not jobs:
            return
        self.start()
        from distributed import as_completed
        remote, store, fix = _SPLIT.get(fn, (fn, None, None))
        if fix is not None:
            jobs = [fix(args) for args in jobs]
        run_id = uuid.uuid4().hex[:12]
        name = getattr(remote, "__name__", "job")
        futures = [self._client.submit(remote, *args, key=f"{name}-{run_id}-{i}", retries=self.retries,
                                       pure=False)
                   for i, args in enumerate(jobs)]
        index = {f.key: i for i, f in enumerate(futures)}
        pending = set(index)
        try:
            for fut in as_completed(futures, loop=self._client.loop):
                i = index[fut.key]
                pending.discard(fut.key)
                try:
                    result = fut.result()
                except Exception as exc:  # noqa: BLE001 - reported per track by the caller
                    if fut.status == "cancelled" and self._client.status != "running":
                        raise WorkbenchError(f"Lost the connection to the Dask scheduler at "
                                             f"{self.address or 'the local cluster'} with {len(pending) + 1} "
                                             "clips unfinished; finished clips are cached, run the extraction "
                                             "again to resume.") from None
                    yield i, exc
                    continue
                finally:
                    fut.release()
                if store is not None:
                    result = store(jobs[i], result)
                yield i, result
        finally:
            left = [f for f in futures if f.key in pending]
            if left and self._client is not None:
                try:
                    self._client.cancel(left)
                except Exception:  # noqa: BLE001
                    pass


def _reason(exc: BaseException) -> str:
    """The most specific message in an exception chain (Dask wraps the OS error in a timeout)."""
    seen, best = exc, None
    while seen is not None:
        text = str(seen).strip()
        if text:
            best = best or text
            if isinstance(seen, OSError) and getattr(seen, "strerror", None):
                return seen.strerror
        seen = seen.__cause__ or seen.__context__
    return best or type(exc).__name__


def dask_executor(address: Optional[str] = None, n_workers: int = 2, *, retries: int = 1,
                  connect_timeout: float = 10.0, worker_timeout: float = 30.0) -> DaskExecutor:
    """An executor that runs audio extraction on Dask.

    Parameters
    ----------
    address : str or None
        ``None`` (or ``"local"``): start a LocalCluster of ``n_workers`` worker processes on this
        machine (one thread each, loopback only, no dashboard), shut down on :meth:`DaskExecutor.close`.
        ``"tcp://HOST:PORT"``: connect to a running ``dask scheduler``; its workers must import this
        project and see the audio files at the same paths (see the module docstring).
    n_workers : int >= 1
        Worker processes of the LocalCluster (ignored for an existing scheduler).
    retries : int >= 0
        Extra attempts of a job that raised on a worker (a worker's death is handled by the
        scheduler on top of this).
    connect_timeout : float > 0
        Seconds to wait for the scheduler, s.
    worker_timeout : float > 0
        Seconds to wait for the first worker to join, s.

    Returns
    -------
    DaskExecutor
        Not yet connected: use it as a context manager, call :meth:`~DaskExecutor.start`, or let
        the first extraction connect it.

    Raises
    ------
    ParameterError
        A malformed address or an out-of-range number.
    """
    address = parse_scheduler(address)
    owner = "dask_executor"
    check_param(owner, "n_workers", n_workers, "an int >= 1",
                isinstance(n_workers, int) and not isinstance(n_workers, bool) and n_workers >= 1)
    check_param(owner, "retries", retries, "an int >= 0",
                isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0)
    for name, value in (("connect_timeout", connect_timeout), ("worker_timeout", worker_timeout)):
        check_param(owner, name, value, "a number > 0 (s)",
                    isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0)
    return DaskExecutor(address, n_workers, retries=retries, connect_timeout=float(connect_timeout),
                        worker_timeout=float(worker_timeout))
