"""Benchmark: extraction throughput per core, and scaling from 1 to 2 workers (local and Dask).

On the same clips, as the median (and range) of ``--runs`` timed runs after untimed warm-ups:

1. per core, in one process limited to one thread: ``extract_clip`` against the naive
   one-descriptor-at-a-time librosa script of ``bench/extract.py`` (imported from there);
2. ``local_executor(1)`` (in this process) against ``local_executor(2)`` (two spawned processes
   from the warm pool that ``extract_features`` keeps between calls; the first call, which starts
   the pool and pays each worker's imports, is timed apart and printed);
3. process pools of 1 and of 2 workers, warmed before timing: steady-state scaling with the
   same layout (this process submitting, the workers computing) on both sides;
4. a Dask LocalCluster (:func:`core.features.distributed.dask_executor`) of 1 worker against one
   of 2 workers, each started once and warmed up.

Every executor runs the same job, :func:`core.features.distributed.jobs._audio_job` (decode +
extract, no cache), so nothing is ever read from a cache. Targets (issue 7): >= 3x the naive
script per core, >= 1.8x from 1 to 2 workers. The machine's load average is printed before and
after: the figures are only as good as the cores were free. Figures are printed, nothing is
asserted.

Usage::

    .venv/bin/python bench/scaling.py                  # 32 synthetic 20 s clips, 3 runs
    .venv/bin/python bench/scaling.py --clips DIR      # the first 32 audio files of DIR
    .venv/bin/python bench/scaling.py --n 12 --runs 1 --skip-naive   # quicker
"""

from __future__ import annotations

import os

# one BLAS/OpenMP thread per process: set before numpy / scipy / numba load their thread pools
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import as_completed  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import add_clip_arguments, wall_times  # noqa: E402


def _load_bench_extract():
    """bench/extract.py as a module (its clip builder and its naive script)."""
    spec = importlib.util.spec_from_file_location("bench_extract", HERE / "extract.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


class _CpuMeter:
    """CPU seconds used by this process tree and by everything else on the machine, so that a
    figure measured on shared cores says how shared they were."""

    def __init__(self):
        import psutil
        self.psutil = psutil
        self.me = psutil.Process()

    def _own(self) -> float:
        t = self.me.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for child in self.me.children(recursive=True):
            try:
                c = child.cpu_times()
                total += c.user + c.system
            except self.psutil.Error:
                pass
        return total

    def _busy(self) -> float:
        t = self.psutil.cpu_times()
        return sum(t) - t.idle - getattr(t, "iowait", 0.0) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)

    def sample(self) -> tuple:
        return time.perf_counter(), self._own(), self._busy()

    @staticmethod
    def others(a: tuple, b: tuple) -> float:
        """Average number of cores busy with other processes (other helpers, the hypervisor) from a to b."""
        wall = max(b[0] - a[0], 1e-9)
        return max((b[2] - a[2]) - (b[1] - a[1]), 0.0) / wall


METER = None


def _timed(fn, runs: int) -> list:
    """Wall times of ``runs`` calls; the load by other processes of each run goes to ``_OTHERS``."""
    out = []
    for _ in range(runs):
        a = METER.sample()
        out += wall_times(fn, 1)
        _OTHERS.append(_CpuMeter.others(a, METER.sample()))
    return out


_OTHERS: list = []


def _line(name: str, n: int, per_run: list, workers: int) -> float:
    rates = [n / t for t in per_run]
    rate = statistics.median(rates)
    others = _OTHERS[-len(per_run):]
    print(f"  {name:<40} {rate:6.2f} tracks/s ({rate / workers:5.2f} /s/core; median of {len(per_run)}, "
          f"runs {min(rates):.2f}-{max(rates):.2f}; other processes busy {statistics.mean(others):.2f} cores)")
    return rate


def _drain(executor, fn, jobs) -> None:
    bad = [r for _, r in executor(fn, jobs) if isinstance(r, BaseException) or r[0] != "ok"]
    if bad:
        raise RuntimeError(f"{len(bad)} jobs failed: {bad[:2]}")


def _warm_pool_executor(pool):
    """An Executor over an already started pool (the steady state, no start-up in the time)."""

    def run(fn, jobs):
        futures = {pool.submit(fn, *args): i for i, args in enumerate(jobs)}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()

    return run


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_clip_arguments(ap, 32, runs_help="timed runs per measurement (default 3)",
                       naive_help="skip the naive script (the slowest part)")
    ap.add_argument("--skip-dask", action="store_true", help="skip the Dask LocalCluster")
    args = ap.parse_args(argv)

    bx = _load_bench_extract()
    import soundfile as sf
    import numpy as np

    from core.features.audio import AudioConfig, extract_clip
    from core.features.distributed import dask_executor
    from core.features.distributed.jobs import _audio_job
    from core.features.pool import _pool, local_executor

    global METER
    METER = _CpuMeter()
    config = AudioConfig()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {os.cpu_count()} CPUs ({cores} usable by this process); {_load()} at start")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        paths, source = bx.build_clips(args, Path(tmp))
        n = len(paths)
        print(f"clips: {source}; mean length {np.mean([sf.info(str(p)).duration for p in paths]):.1f} s")
        jobs = [(str(p), f"{i:032x}", str(Path(tmp) / "unused-cache"), config) for i, p in enumerate(paths)]

        # 1. per core, one process, one thread
        print("1. one process, one thread (per core):")
        extract_clip(paths[0], config)  # cold: numba compile / cache load, untimed
        extract_clip(paths[1 % n], config)
        results["ours"] = _line("extract_clip", n, _timed(lambda: [extract_clip(p, config) for p in paths],
                                                          args.runs), 1)
        if not args.skip_naive:
            bx.naive(paths[0], config)
            results["naive"] = _line("naive librosa script", n,
                                     _timed(lambda: [bx.naive(p, config) for p in paths], args.runs), 1)

        # 2. local_executor as extract_features uses it (a fresh pool per call)
        print("2. local_executor, as extract_features calls it (its warm pool):")
        results["local1"] = _line("local_executor(1) (in this process)", n,
                                  _timed(lambda: _drain(local_executor(1), _audio_job, jobs), args.runs), 1)
        t0 = time.perf_counter()
        _drain(local_executor(2), _audio_job, jobs[:2])  # starts the pool: spawn + imports + numba cache
        print(f"  first local_executor(2) call (starts the pool, 2 clips): {time.perf_counter() - t0:.1f} s")
        results["local2"] = _line("local_executor(2) (2 spawned processes)", n,
                                  _timed(lambda: _drain(local_executor(2), _audio_job, jobs), args.runs), 2)

        # 3. warm pools: steady state
        print("3. process pools kept warm (start-up excluded):")
        for k in (1, 2):
            with _pool(k) as pool:
                ex = _warm_pool_executor(pool)
                _drain(ex, _audio_job, jobs[: 2 * k])  # every process imports and compiles
                results[f"pool{k}"] = _line(f"{k} warm worker process{'es' if k > 1 else ''}", n,
                                            _timed(lambda: _drain(ex, _audio_job, jobs), args.runs), k)

        # 4. Dask LocalCluster
        if not args.skip_dask:
            print("4. Dask LocalCluster (dask_executor(None, k); cluster start excluded, printed apart):")
            for k in (1, 2):
                t0 = time.perf_counter()
                with dask_executor(None, n_workers=k) as ex:
                    ex.wait_for_workers(k)
                    start = time.perf_counter() - t0
                    _drain(ex, _audio_job, jobs[: 2 * k])
                    results[f"dask{k}"] = _line(f"{k} Dask worker{'s' if k > 1 else ''} "
                                                f"(started in {start:.1f} s)", n,
                                                _timed(lambda: _drain(ex, _audio_job, jobs), args.runs), k)

    print(f"{_load()} at the end")
    print("ratios:")

    def ratio(name, a, b, target=None):
        if a in results and b in results:
            r = results[a] / results[b]
            goal = f"  (target >= {target:g}x: {'met' if r >= target else 'NOT met'})" if target else ""
            print(f"  {name:<52} {r:5.2f}x{goal}")

    ratio("extract_clip / naive script, per core", "ours", "naive", 3)
    if "naive" in results:
        results["local2_core"] = results["local2"] / 2
        results["pool2_core"] = results["pool2"] / 2
    ratio("local_executor(2) per core / naive script per core", "local2_core", "naive", 3)
    ratio("2 warm processes per core / naive script per core", "pool2_core", "naive", 3)
    ratio("local_executor(2) / local_executor(1)", "local2", "local1", 1.8)
    ratio("2 warm processes / 1 warm process", "pool2", "pool1", 1.8)
    ratio("Dask 2 workers / Dask 1 worker", "dask2", "dask1", 1.8)
    ratio("Dask 2 workers / 2 warm processes (Dask overhead)", "dask2", "pool2")


if __name__ == "__main__":
    main()
