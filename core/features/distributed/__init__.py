"""Audio extraction on a Dask cluster: a LocalCluster on this machine, or an existing scheduler.

:func:`dask_executor` returns an :data:`~core.features.extract.Executor` that
:func:`~core.features.extract.extract_features` takes as ``executor=``::

    from core.features.distributed import dask_executor
    with dask_executor("tcp://10.0.0.5:8786") as ex:      # or dask_executor() for a LocalCluster
        features, report = extract_features(dataset, executor=ex)

What the cluster must provide
-----------------------------
- **The project code.** Workers unpickle the job functions by reference, so every worker must
  import this project's ``core`` package, at the same feature version: start each worker in the
  same environment with the project folder on ``PYTHONPATH``
  (``PYTHONPATH=/path/to/project dask worker tcp://HOST:8786``; the worker's current folder is not
  on its path). This is checked when the executor connects.
- **Speed** (optional): Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which made
  extraction 1.5-2x slower here; the LocalCluster started by this module drops it, and workers of
  a cluster of yours can too (``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null``
  in the worker machine's Dask configuration).
- **Bit-identical features** whatever the worker's core count: each worker process limits BLAS to
  one thread (:func:`_one_blas_thread`), since the extractor's last bits depend on it.
- **The audio files, at the same paths** (a shared filesystem: NFS, a cluster volume, the same
  machine). Clips are not shipped through the scheduler; relative paths are made absolute in the
  parent first. A worker that cannot see a file reports it for that track and the run goes on.
- **No write access** to the feature cache. Workers only compute and return the features of a
  clip (a few hundred floats); the parent process writes each per-clip cache entry atomically as
  the result arrives, so an interrupted run resumes from what was already returned.

Failures
--------
- A worker that dies mid-run (killed, out of memory, machine lost) loses no track: the scheduler
  reschedules the tasks it was running or holding on the remaining workers, and each task is
  also submitted with ``retries`` so an error raised while running it is tried again. A clip
  computation is a pure function of the file's bytes and the configuration (idempotent): running
  it twice gives the same features, and the parent's atomic write makes a duplicate harmless.
  A clip that kills ``distributed.scheduler.allowed-failures`` workers in a row (default 3) is
  reported as failed for that track only.
- An unreachable scheduler, a cluster without workers, or workers without the project code raise
  :class:`~core.errors.WorkbenchError` naming the address and the reason (no traceback in the CLI).
- Losing the scheduler mid-run raises :class:`~core.errors.WorkbenchError`; clips already returned
  are cached and the next run resumes from them.

Layout
------
- :mod:`core.features.distributed.address`: :func:`parse_scheduler`, :data:`SCHEMES`;
- :mod:`core.features.distributed.jobs`: the worker half and the parent half of an audio job;
- :mod:`core.features.distributed.executor`: :class:`DaskExecutor`, :func:`dask_executor`.
"""

from __future__ import annotations

from core.features.distributed.address import SCHEMES, parse_scheduler
from core.features.distributed.executor import DaskExecutor, dask_executor
from core.features.distributed.jobs import _audio_job, _one_blas_thread

# _audio_job and _one_blas_thread stay importable here, where bench/scaling.py and readers of
# the single module found them.

__all__ = ["DaskExecutor", "dask_executor", "parse_scheduler"]
