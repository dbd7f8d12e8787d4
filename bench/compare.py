"""Benchmark of the A/B comparison (core.compare): the paired metrics over 10 seeds, the full-track
clusterings of A and B, the moved-track tables and the PCA map, cold and from the session cache.

Prints figures, asserts nothing. Run from the repository root on a dataset whose features are cached:

    .venv/bin/python bench/compare.py                       # the built-in set (data/synthetic)
    .venv/bin/python bench/compare.py /music/gtzan --tracks 1000
    .venv/bin/python bench/compare.py --tracks 1000          # the built-in set's tracks repeated (with a
                                                             # little noise) up to 1,000 tracks

The issue's target: the Compare view with 10 seeds updates within 1 s at 1,000 tracks.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.compare import CompareSettings, Comparer, comparison_map  # noqa: E402
from core.datasets import load_dataset  # noqa: E402
from core.experiments import prepare  # noqa: E402
from core.features.extract import extract_features  # noqa: E402
from core.paths import default_synthetic_dir  # noqa: E402
from core.presets import PRESETS  # noqa: E402

_ROWS = ("audio", "audio_ok", "audio_stats", "lyrics", "lyrics_ok", "lyrics_stats", "semantic")


def grow(fs, labels, n: int, seed: int = 0):
    """The FeatureSet's tracks repeated (feature rows jittered by 5 % of their spread) up to ``n``."""
    if n <= fs.n_tracks:
        return fs, labels
    rng = np.random.default_rng(seed)
    reps = int(np.ceil(n / fs.n_tracks))
    idx = np.tile(np.arange(fs.n_tracks), reps)[:n]
    out = {}
    for name in _ROWS:
        a = np.asarray(getattr(fs, name))[idx]
        if a.dtype.kind == "f" and name in ("audio", "lyrics"):
            a = a + (0.05 * np.nanstd(a, axis=0) * rng.standard_normal(a.shape)).astype(a.dtype)
        out[name] = a
    ids = [f"{fs.track_ids[i]}~{k // fs.n_tracks}" for k, i in enumerate(idx)]
    lab = None if labels is None else np.asarray(labels)[idx]
    return dataclasses.replace(fs, track_ids=ids, **out), lab


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", nargs="?", default=None, help="dataset path (default: the built-in set)")
    ap.add_argument("--tracks", type=int, default=0, help="grow the set to this many tracks (default: as is)")
    ap.add_argument("--runs", type=int, default=3, help="cold runs (default 3)")
    args = ap.parse_args(argv)
    ds = load_dataset(args.dataset or default_synthetic_dir())
    fs, _ = extract_features(ds)
    fs, labels = grow(fs, ds.labels, args.tracks)
    prepared = prepare(fs)
    k = len(set(labels)) if labels is not None else 8
    a, b = PRESETS["defaults"], PRESETS["trust lyrics"]
    settings = CompareSettings(n_clusters=k)
    cold, maps = [], []
    for _ in range(args.runs):
        comparer = Comparer()
        t0 = time.perf_counter()
        c = comparer(prepared, a, b, labels, settings)
        cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        comparison_map(prepared, c)
        maps.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    comparer(prepared, a, b, labels, settings)
    hit = time.perf_counter() - t0
    print(f"{prepared.n_tracks} tracks, k = {k}, {len(settings.seeds)} seeds x 2 rule sets "
          f"(n_init {settings.n_init}, subsample {settings.subsample:g}) + 2 full clusterings")
    print(f"compare (cold): median {statistics.median(cold):.2f} s  (runs: {', '.join(f'{t:.2f}' for t in cold)})")
    print(f"PCA map:        median {statistics.median(maps) * 1e3:.0f} ms")
    print(f"cached (same A, B, setting): {hit * 1e3:.2f} ms")
    print(f"tracks whose weight moved: {c.summary['n_weight_moved']}, changed cluster: {c.summary['n_cluster_changed']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
