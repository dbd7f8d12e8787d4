"""Benchmark: a generated features file of 1,000 / 10,000 / 100,000 tracks through the real path
the app takes (server side): open (read + check + prepare), then the slider loop.

Prints figures, asserts nothing. Run from the repository root:

    .venv/bin/python bench/features_scale.py                       # 1,000, 10,000, 100,000 tracks
    .venv/bin/python bench/features_scale.py --sizes 100000 --moves 20
    .venv/bin/python bench/features_scale.py --sizes 100000 --profile

Per size: the file is written by :func:`bench.feature_file.write_feature_file` (10 genres, 128-d
audio and 96-d lyrics embeddings, instrumentals and degraded tracks, 7 indicator columns) unless
it exists under ``--dir``; then

* **open**, once: ``load_dataset`` + ``extract_features`` (reads the table) + ``prepare``
  (per-modality PCA + L2, indicators, scorers), as ``ui.cached.ready`` does;
* **loop**, per base-slider position (0.30, 0.31, ... up and back down): what the Clusters page
  runs on a slider release: :meth:`core.loop.InteractiveLoop.run` (rules -> weights -> fusion ->
  warm k-means -> metrics) and, apart, the live metric table's dynamic row
  (:meth:`InteractiveLoop.comparison_table`: a cold clustering with the table's protocol per weighting),
  and the map's input (the fused matrix of the drawn sample, :func:`core.views.map_sample.map_rows`)
  projected by PCA.

Issue 14's target: loop <= 300 ms p50 server side at 100,000 tracks.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))


def stats(v) -> str:
    v = sorted(v)
    return (f"p50 {statistics.median(v):8.1f} ms   p90 {v[int(0.9 * (len(v) - 1))]:8.1f} ms   "
            f"min {v[0]:8.1f}   max {v[-1]:8.1f}   (n={len(v)})")


def features_file(n: int, folder: Path) -> Path:
    from bench.feature_file import write_feature_file
    path = folder / f"features-{n}.parquet"
    if not path.is_file():
        t0 = time.perf_counter()
        write_feature_file(path, n, seed=0)
        print(f"  wrote {path} in {time.perf_counter() - t0:.1f} s ({path.stat().st_size / 2**20:.0f} MiB)")
    return path


def run_size(n: int, folder: Path, moves: int, profile: bool, table: bool = True) -> None:
    import numpy as np

    from core.datasets import load_dataset
    from core.experiments import prepare
    from core.features.extract import extract_features
    from core.fusion import fuse_concat
    from core.loop import InteractiveLoop, default_experiment_config
    from core.projection import ProjectionConfig, project
    from core.rules import DEFAULT_RULES
    from core.views.map_sample import map_rows

    path = features_file(n, folder)
    t0 = time.perf_counter()
    ds = load_dataset(path)
    t1 = time.perf_counter()
    fs, _ = extract_features(ds)
    t2 = time.perf_counter()
    prepared = prepare(fs, default_experiment_config())
    t3 = time.perf_counter()
    print(f"\n{n:,} tracks ({path.name}): open {t3 - t0:.2f} s = load {t1 - t0:.2f} + features {t2 - t1:.2f} "
          f"+ prepare {t3 - t2:.2f}")
    loop = InteractiveLoop(prepared, ds.labels)
    k = len(set(ds.labels))
    loop.run(DEFAULT_RULES, n_clusters=k, seed=0)  # cold start (k-means++), not timed
    positions = [round(0.30 + 0.01 * i, 2) for i in range(moves)]
    positions += positions[::-1]
    runs, tables, maps = [], [], []
    prof = cProfile.Profile() if profile else None
    rows = map_rows(prepared.track_ids)
    for base in positions:
        rs = DEFAULT_RULES.with_changes(base_weight=base)
        if prof:
            prof.enable()
        a = time.perf_counter()
        res = loop.run(rs, n_clusters=k, seed=0)
        b = time.perf_counter()
        if prof:
            prof.disable()
        if table:
            loop.comparison_table(res, "kmeans", "concat", 0)
        c = time.perf_counter()
        X = fuse_concat(prepared.embeddings, res.weights)[rows]
        project(X, ProjectionConfig(method="pca", n_components=2, seed=0))
        d = time.perf_counter()
        runs.append(1e3 * (b - a))
        tables.append(1e3 * (c - b))
        maps.append(1e3 * (d - c))
    print(f"  loop (rules -> weights -> fusion -> warm k-means -> metrics)  {stats(runs)}")
    if table:
        print(f"  metric table, dynamic row (cold, per weighting)               {stats(tables)}")
    print(f"  map input: fused rows of the {len(rows):,} drawn tracks + PCA       {stats(maps)}")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--moves", type=int, default=15, help="slider positions each way")
    ap.add_argument("--dir", default=str(ROOT / "data" / "bench"), help="where the generated files are kept")
    ap.add_argument("--profile", action="store_true", help="cProfile of the loop (the last size)")
    ap.add_argument("--no-table", dest="table", action="store_false", help="skip the metric table's dynamic row")
    args = ap.parse_args(argv)
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    for n in args.sizes:
        run_size(n, folder, args.moves, args.profile, args.table)
    print("\ntarget: loop p50 <= 300 ms server side at 100,000 tracks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
