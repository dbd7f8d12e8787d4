"""Benchmark of the interactive loop: rules -> weights -> fusion -> k-means -> metrics.

Prints figures, asserts nothing. Run from the repository root:

    .venv/bin/python bench/loop.py                     # 1,000, 10,000 and 100,000 tracks (~2 min)
    .venv/bin/python bench/loop.py --sizes 1000 10000  # quicker
    .venv/bin/python bench/loop.py --profile 10000     # cProfile of the loop at one size
    .venv/bin/python bench/loop.py --hot-path-threads none   # BLAS left at its default

What runs, on cached features (synthetic matrices standing in for them):

* **Setup, once per dataset (not in the loop):** 8 Gaussian genre blobs in 64-d audio and 64-d
  lyrics features, 10 % of tracks without lyrics; per-modality PCA to 32 + L2
  (:class:`core.fusion.ModalityReducer`); the per-modality :class:`NeutralScorer`
  (silhouette subsample distances, one per modality); :class:`ExternalScorer` (label encoding); synthetic
  indicators for the rule engine.
* **The loop, per slider position** (a slider dragged up then back down, ``--steps`` positions
  each way, ``--repeats`` times). Two sliders of the default rule set (soft ramps on): the
  ``voice_present`` threshold stepping 0.30, 0.31, ... (moves the weights of the tracks near
  the threshold), and the base weight stepping 0.30, 0.31, ... (moves every soft weight); then

  - ``rules``      :func:`core.rules.apply_rules` -> weights w (n,)
  - ``fusion``     :func:`core.fusion.fuse_concat` into one reused buffer
  - ``clustering`` k-means warm-started from the previous position's centres
  - ``metrics``    internal (silhouette, CH, DB per modality, averaged) + external (ARI, NMI,
                   AMI, V, purity, accuracy)

  The metric scorers return their previous result when the partition did not change; the
  positions where it did change are also summarised on their own.

Per size and stage: p50, p90 and the spread (IQR = p75 - p25, and max), in ms, over the warm
positions; the cold first position (k-means++ seeding) is printed apart. Targets on 2 cores:
total p50 <= 20 ms at 1,000 tracks, <= 100 ms at 10,000 and <= 1 s at 100,000 (issue 7).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import core.fusion  # noqa: E402
from core.clustering import FusedKMeans, WeightedKMeans  # noqa: E402
from core.fusion import ModalityReducer, fuse_concat  # noqa: E402
from core.metrics import ExternalScorer, NeutralScorer  # noqa: E402

from core.indicators import Indicators  # noqa: E402
from core.rules import DEFAULT_RULES, apply_rules  # noqa: E402

N_GENRES = 8
WIDTH = 32
NOISE = 1.0  # blob spread around each genre centre


def synthetic_features(n: int, seed: int = 0):
    """8 Gaussian genre blobs in 64-d audio and 64-d lyrics; 10 % of tracks without lyrics."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, N_GENRES, n)
    # Genres pair up differently in each modality (2k and 2k+1 sound alike; 2k+1 and 2k+2
    # share lyric themes), so only both together separate all 8 and the weights matter.
    ca = rng.normal(size=(N_GENRES // 2, 64)).astype(np.float32)[np.arange(N_GENRES) // 2]
    cl = rng.normal(size=(N_GENRES // 2, 64)).astype(np.float32)[
        ((np.arange(N_GENRES) + 1) // 2) % (N_GENRES // 2)]
    ca = ca + 0.5 * rng.normal(size=ca.shape).astype(np.float32)
    cl = cl + 0.5 * rng.normal(size=cl.shape).astype(np.float32)
    audio = ca[y] + NOISE * rng.normal(size=(n, 64)).astype(np.float32)
    lyrics = cl[y] + NOISE * rng.normal(size=(n, 64)).astype(np.float32)
    lyrics_ok = rng.random(n) >= 0.10
    lyrics[~lyrics_ok] = 0.0
    return audio, lyrics, np.ones(n, bool), lyrics_ok, y


def synthetic_indicators(n: int, lyrics_ok: np.ndarray, seed: int = 1):
    """Indicator columns with plausible ranges; NaN where the modality is missing."""
    rng = np.random.default_rng(seed)
    voice = rng.random(n)
    lyrics_quality = rng.beta(4, 2, n)
    lyrics_quality[~lyrics_ok] = np.nan
    cols = {
        "vocal_presence": np.where(lyrics_ok, voice, 0.0),
        "lyrics_available": lyrics_ok.astype(float),
        "audio_available": np.ones(n),
        "audio_quality": rng.beta(5, 1.5, n),
        "percussive_ratio": rng.random(n),
        "loudness_dbfs": rng.uniform(-35, -8, n),
        "dynamic_range_db": rng.uniform(2, 20, n),
        "instrumental_density": rng.random(n),
        "lyrics_quality": lyrics_quality,
    }
    return cols, voice


def pct(a, q):
    return float(np.percentile(a, q))


def summarise(times_ms: dict, label: str):
    print(f"  {label}")
    print(f"    {'stage':<12}{'p50':>9}{'p90':>9}{'IQR':>9}{'max':>9}   (ms)")
    for stage, vals in times_ms.items():
        v = np.asarray(vals)
        print(f"    {stage:<12}{pct(v, 50):9.2f}{pct(v, 90):9.2f}"
              f"{pct(v, 75) - pct(v, 25):9.2f}{v.max():9.2f}")


def run_size(n: int, steps: int, repeats: int, seed: int, flavour: str, profile: bool,
             slider: str = "threshold"):
    t0 = time.perf_counter()
    audio, lyrics, audio_ok, lyrics_ok, y = synthetic_features(n, seed)
    emb = ModalityReducer(n_components=WIDTH, seed=seed).fit_transform(audio, lyrics, audio_ok,
                                                                      lyrics_ok)
    t_reduce = time.perf_counter() - t0
    t0 = time.perf_counter()
    internal = NeutralScorer(emb, sample_size=2000, seed=seed)  # what the loop scores with
    external = ExternalScorer(np.array([f"genre{g}" for g in y]))
    t_scorers = time.perf_counter() - t0

    cols, _ = synthetic_indicators(n, lyrics_ok, seed + 1)
    thresholds = np.round(0.30 + 0.01 * np.arange(steps), 2)
    path = np.concatenate([thresholds, thresholds[::-1]])
    path = np.tile(path, repeats)

    ind = Indicators.from_columns(cols)
    base_rules = DEFAULT_RULES.with_changes(soft=True)

    def rules_stage(t):  # a slider move builds a new (validated) RuleSet, then applies it
        if slider == "threshold":
            ruleset = base_rules.replace_rule("voice_present", threshold=float(t))
        else:
            ruleset = base_rules.with_changes(base_weight=float(t))
        return apply_rules(ind, ruleset).weights

    buf = np.empty((n, 2 * emb.width), np.float32)
    stages = {"rules": [], "fusion": [], "clustering": [], "metrics": [], "total": []}
    iters, same = [], []
    prev_labels = None
    centers = None
    cold = None
    prof = cProfile.Profile() if profile else None
    pc = time.perf_counter_ns
    for step, t in enumerate(path):
        if prof:
            prof.enable()
        t_a = pc()
        w = rules_stage(t)
        t_b = pc()
        if flavour == "concat":
            X = fuse_concat(emb, w, out=buf)
            t_c = pc()
            km = FusedKMeans(n_clusters=N_GENRES, init="k-means++" if centers is None else centers,
                             seed=seed).fit(X)
        else:  # weighted: the design matrix is built inside fit, counted as clustering
            t_c = pc()
            km = WeightedKMeans(n_clusters=N_GENRES,
                                init="k-means++" if centers is None else centers,
                                seed=seed).fit(emb, w, out=buf)
        t_d = pc()
        centers = km.cluster_centers_
        scores = internal(km.labels_)
        scores.update(external(km.labels_))
        t_e = pc()
        if prof:
            prof.disable()
        row = {"rules": t_b - t_a, "fusion": t_c - t_b, "clustering": t_d - t_c,
               "metrics": t_e - t_d, "total": t_e - t_a}
        if step == 0:
            cold = row
            prev_labels = km.labels_
            continue
        iters.append(km.n_iter_)
        same.append(prev_labels is not None and np.array_equal(prev_labels, km.labels_))
        prev_labels = km.labels_
        for k, v in row.items():
            stages[k].append(v / 1e6)
    return {
        "stages": stages, "cold": cold, "iters": iters, "unchanged": np.asarray(same),
        "t_reduce": t_reduce, "t_scorers": t_scorers, "last": scores, "profile": prof,
        "w_range": (float(w.min()), float(w.max())),
    }


def report(n, flavour, slider, res):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nn={n:,} tracks, fusion={flavour}, slider={slider}: setup (once) reduce "
          f"{res['t_reduce']:.2f} s, scorers {res['t_scorers'] * 1e3:.0f} ms, "
          f"process peak RSS so far {peak:.0f} MiB")
    print("  cold first position (k-means++): "
          + "  ".join(f"{k} {v / 1e6:.1f}" for k, v in res["cold"].items()) + " ms")
    it = np.asarray(res["iters"])
    lo, hi = res["w_range"]
    summarise(res["stages"], f"warm positions: {len(it)}; Lloyd iterations p50 "
              f"{np.median(it):.0f}, max {it.max()}; partition unchanged "
              f"{res['unchanged'].mean():.0%}; w in [{lo:.2f}, {hi:.2f}]")
    changed = ~res["unchanged"]
    if changed.any():
        parts = "  ".join(f"{k} {pct(np.asarray(v)[changed], 50):.2f}/"
                          f"{pct(np.asarray(v)[changed], 90):.2f}"
                          for k, v in res["stages"].items()
                          if k in ("clustering", "metrics", "total"))
        print(f"    where the partition changed ({changed.sum()}), p50/p90 ms: {parts}")
    s = res["last"]
    print(f"    last: NMI {s['nmi']:.3f}  ARI {s['ari']:.3f}  silhouette "
          f"{s['silhouette']:.3f} (sample {s['silhouette_sample_size']})")
    if res["profile"] is not None:
        out = io.StringIO()
        pstats.Stats(res["profile"], stream=out).sort_stats("tottime").print_stats(18)
        print(f"\n  cProfile, n={n:,}, fusion={flavour}, slider={slider}, sorted by own time:")
        print("\n".join("    " + line for line in out.getvalue().splitlines()[:40]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--steps", type=int, default=50, help="slider positions each way")
    ap.add_argument("--repeats", type=int, default=2, help="up-and-down sweeps")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--flavour", choices=("concat", "weighted", "both"), default="both")
    ap.add_argument("--slider", choices=("threshold", "base", "both"), default="both",
                    help="what the slider moves: the voice_present threshold (a few weights "
                         "change) or the base weight (every soft weight changes)")
    ap.add_argument("--hot-path-threads", default="1",
                    help="BLAS threads inside the hot paths (core.fusion.HOT_PATH_BLAS_THREADS); "
                         "'none' leaves BLAS at its default")
    ap.add_argument("--profile", type=int, default=None, metavar="N",
                    help="cProfile the loop at this size and print the top functions")
    args = ap.parse_args(argv)

    hot = None if args.hot_path_threads.lower() == "none" else int(args.hot_path_threads)
    core.fusion.HOT_PATH_BLAS_THREADS = hot
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']}:{i['num_threads']}" for i in threadpool_info())
    except Exception:
        blas = "unknown"
    print(f"loop benchmark  cores={os.cpu_count()}  default threads[{blas}]  hot-path BLAS "
          f"threads={hot or 'default'}  steps={args.steps} x2 x{args.repeats}  seed={args.seed}")
    print("RULES STAGE: core.rules.apply_rules on DEFAULT_RULES with soft ramps on")

    flavours = ["concat", "weighted"] if args.flavour == "both" else [args.flavour]
    sizes = list(args.sizes)
    if args.profile and args.profile not in sizes:
        sizes.append(args.profile)
    sliders = ["threshold", "base"] if args.slider == "both" else [args.slider]
    combos = [(f, sl) for sl in sliders for f in flavours]
    for n in sizes:
        for flavour, slider in combos:
            res = run_size(n, args.steps, args.repeats, args.seed, flavour,
                           profile=(n == args.profile and (flavour, slider) == combos[0]),
                           slider=slider)
            report(n, flavour, slider, res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
