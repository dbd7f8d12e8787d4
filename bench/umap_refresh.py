"""Benchmark of the map projection (core.projection): UMAP cold fit, JIT warm-up and warm refresh.

Prints figures, asserts nothing. Run from the repository root:

    .venv/bin/python bench/umap_refresh.py                      # 1,000 tracks, the default
    .venv/bin/python bench/umap_refresh.py --tracks 1000 5000   # several sizes (in-process part)
    .venv/bin/python bench/umap_refresh.py --fresh 0            # skip the fresh-process runs
    .venv/bin/python bench/umap_refresh.py --no-baseline        # skip plain umap.UMAP for comparison

Data: 8 Gaussian genre blobs in 64-d audio and 64-d lyrics features, reduced per modality to 32
(:class:`core.fusion.ModalityReducer`) and fused with per-track audio weights
(:func:`core.fusion.fuse_concat`) into a 64-d float32 matrix, as the dashboard does.

Parts:

1. **Fresh processes** (``--fresh`` child processes, median): import time, the first
   :func:`core.projection.project` (numba compiles umap's kernels), a second cold fit (JIT
   warm), a first warm refresh; and, in separate children, :func:`warm_up` followed by a cold
   fit (what the app sees when it warms the JIT in the background at start).
2. **In one process, JIT warm**: cold fit (median of ``--repeats``, seeds 0, 1, ...); then a
   slider drag: the weights move by +-0.02 per step for ``--steps`` steps and each step is a
   warm refresh from the previous coordinates (the dashboard's case) -- median, p90, max; the
   neighbour-graph part of it timed on its own; PCA for reference.
3. **Quality of the warm refresh**: mean displacement per step against a cold fit from another
   seed (Procrustes-aligned), relative to the map's RMS radius; share of each track's 15
   nearest neighbours in ``X`` kept on the map, warm vs cold.
4. **Baseline** (``--no-baseline`` to skip): plain ``umap.UMAP(random_state=0)`` on the same
   ``X`` (umap's own small-data neighbour search), cold and warm (``init=``, 100 epochs).

Target (issues 5 and 7): UMAP warm refresh at 1,000 tracks <= 2 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# This file is named umap.py: drop its own folder from the path (Python puts it first when the
# file runs as a script), or "import umap" would import this benchmark instead of umap-learn.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))


def make_data(n: int, seed: int = 0):
    """Embeddings (audio, lyrics 32-d each) of ``n`` tracks in 8 genres, and base weights."""
    from core.fusion import ModalityReducer

    rng = np.random.default_rng(seed)
    g = 8
    genre = rng.integers(0, g, n)
    audio = rng.normal(size=(g, 64))[genre] + 0.9 * rng.normal(size=(n, 64))
    lyrics = rng.normal(size=(g, 64))[genre] + 0.9 * rng.normal(size=(n, 64))
    emb = ModalityReducer(n_components=32, seed=seed).fit_transform(audio, lyrics)
    w = np.clip(0.6 + 0.2 * rng.normal(size=n), 0.0, 1.0).astype(np.float32)
    return emb, w, genre


def _stats(xs):
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
    return statistics.median(xs), p90, xs[-1]


def _fmt(xs, unit="s"):
    med, p90, mx = _stats(xs)
    return f"median {med:.3f} {unit}  p90 {p90:.3f}  max {mx:.3f}  (n={len(xs)})"


# ------------------------------------------------------------------------------------------
# 1. fresh processes
# ------------------------------------------------------------------------------------------
def child(n: int, mode: str) -> dict:
    """Run in a fresh interpreter; print one JSON line of timings."""
    t = time.perf_counter()
    from core.fusion import fuse_concat
    from core.projection import ProjectionConfig, project, warm_up
    import umap  # noqa: F401  (the import cost belongs to the first projection)
    out = {"import_s": time.perf_counter() - t}
    emb, w, _ = make_data(n)
    X = fuse_concat(emb, w)
    warnings.simplefilter("ignore")
    if mode == "warm_up":
        t = time.perf_counter()
        warm_up()
        out["warm_up_s"] = time.perf_counter() - t
        out["cold_after_warm_up_s"] = project(X, ProjectionConfig()).seconds
        return out
    out["first_cold_s"] = project(X, ProjectionConfig()).seconds
    p = project(X, ProjectionConfig())
    out["second_cold_s"] = p.seconds
    X2 = fuse_concat(emb, np.clip(w + 0.02, 0, 1))
    out["first_warm_s"] = project(X2, ProjectionConfig(), init=p.coords).seconds
    return out


def fresh_processes(n: int, runs: int) -> None:
    print(f"\n== 1. Fresh processes, {n} tracks ({runs} runs each) ==")
    for mode in ("plain", "warm_up"):
        rows = []
        for _ in range(runs):
            res = subprocess.run([sys.executable, __file__, "--child", str(n), mode],
                                 capture_output=True, text=True, cwd=ROOT, check=True)
            rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
        for key in rows[0]:
            print(f"  [{mode:7s}] {key:22s} {_fmt([r[key] for r in rows])}")


# ------------------------------------------------------------------------------------------
# 2-4. in-process
# ------------------------------------------------------------------------------------------
def _rms(c):
    return float(np.sqrt(np.mean(np.sum((c - c.mean(0)) ** 2, axis=1))))


def in_process(n: int, repeats: int, steps: int, baseline: bool) -> None:
    from core.fusion import fuse_concat
    from core.projection import ProjectionConfig, knn_graph, procrustes_align, project, warm_up

    warnings.simplefilter("ignore")
    t = time.perf_counter()
    warm_up()
    print(f"\n== 2. In one process, {n} tracks, 64-d (warm_up took {time.perf_counter() - t:.1f} s"
          f" here) ==")
    emb, w, _ = make_data(n)
    X = fuse_concat(emb, w).copy()
    cfg = ProjectionConfig()

    colds = [project(X, ProjectionConfig(seed=s)) for s in range(repeats)]
    print(f"  UMAP cold fit (500 epochs)         {_fmt([p.seconds for p in colds])}")
    knn_t = []
    for _ in range(repeats):
        t = time.perf_counter()
        knn_graph(X, 15)
        knn_t.append(time.perf_counter() - t)
    print(f"  exact kNN graph (k=15), alone      {_fmt(knn_t)}")
    pca_t = [project(X, ProjectionConfig(method="pca")).seconds for _ in range(repeats)]
    print(f"  PCA                                {_fmt(pca_t)}")
    c3 = [project(X, ProjectionConfig(n_components=3, seed=s)).seconds for s in range(repeats)]
    print(f"  UMAP cold fit, 3-D                 {_fmt(c3)}")

    # slider drag: +0.02 per step, then back
    prev = colds[0].coords
    refresh, disp_warm, disp_cold, keep_warm, keep_cold = [], [], [], [], []
    ww = w.copy()
    for step in range(steps):
        ww = np.clip(ww + (0.02 if step < steps // 2 else -0.02), 0, 1).astype(np.float32)
        Xs = fuse_concat(emb, ww)
        q = project(Xs, cfg, init=prev)
        refresh.append(q.seconds)
        r = _rms(prev)
        disp_warm.append(float(np.mean(np.linalg.norm(q.coords - prev, axis=1))) / r)
        if step < 3:  # quality probes cost a cold fit each; a few suffice
            other = project(Xs, ProjectionConfig(seed=100 + step))
            disp_cold.append(float(np.mean(np.linalg.norm(
                procrustes_align(other.coords, prev) - prev, axis=1))) / r)
            ref = knn_graph(Xs, 16)[0][:, 1:]
            for coords, out in ((q.coords, keep_warm), (other.coords, keep_cold)):
                got = knn_graph(coords, 16)[0][:, 1:]
                out.append(float(np.mean([np.isin(ref[i], got[i]).mean() for i in range(n)])))
        prev = q.coords
    print(f"  UMAP warm refresh (100 epochs), slider drag of {steps} steps")
    print(f"                                     {_fmt(refresh)}   target <= 2 s")

    print(f"\n== 3. Warm-refresh quality, {n} tracks ==")
    print(f"  mean displacement / RMS radius: warm {statistics.median(disp_warm):.3f} (median over "
          f"steps)  vs cold fit from another seed, aligned {statistics.median(disp_cold):.3f}")
    print(f"  15-NN of X kept on the map:      warm {statistics.median(keep_warm):.3f}  vs cold "
          f"{statistics.median(keep_cold):.3f}")
    print(f"  map RMS radius after the drag / before: {_rms(prev) / _rms(colds[0].coords):.3f}")

    if baseline:
        import umap

        print(f"\n== 4. Baseline: plain umap.UMAP(random_state=0), {n} tracks ==")
        base_cold, base_warm = [], []
        for s in range(max(2, repeats // 2)):
            t = time.perf_counter()
            e = umap.UMAP(random_state=s, n_jobs=1).fit_transform(X)
            base_cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            umap.UMAP(random_state=s, n_jobs=1, init=e, n_epochs=100).fit_transform(
                fuse_concat(emb, np.clip(w + 0.02, 0, 1)))
            base_warm.append(time.perf_counter() - t)
        print(f"  cold fit                           {_fmt(base_cold)}")
        print(f"  init=previous, n_epochs=100        {_fmt(base_warm)}")
        print("  (below 4,096 rows umap computes all pairwise distances through a Python-level "
              "callable; core.projection passes its own exact kNN instead)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tracks", type=int, nargs="+", default=[1000])
    ap.add_argument("--repeats", type=int, default=5, help="cold fits in process")
    ap.add_argument("--steps", type=int, default=20, help="slider steps (warm refreshes)")
    ap.add_argument("--fresh", type=int, default=3, help="fresh processes per mode (0: skip)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--child", nargs=2, metavar=("N", "MODE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1])))
        return 0
    import platform
    from importlib.metadata import version

    print(f"umap-learn {version('umap-learn')}, numpy {np.__version__}, Python "
          f"{platform.python_version()}, {__import__('os').cpu_count()} CPUs")
    if args.fresh:
        fresh_processes(args.tracks[0], args.fresh)
    for n in args.tracks:
        in_process(n, args.repeats, args.steps, not args.no_baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
