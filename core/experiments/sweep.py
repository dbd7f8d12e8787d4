"""The degradation sweep: where do per-track weights start to pay?

Pipeline position: synthetic generator v2 (one set per degradation share x generator seed,
cached) -> features (cached) -> prepare -> ablation (per set) -> **sweep** (per share: dynamic,
shuffled, static 0.5 and the oracle best static, mean and 95 % CI over the generated sets).

For each share ``d`` of degraded tracks (:meth:`SynthConfig.with_degrade`: ``d`` of each
modality's tracks, split evenly over the kinds), each data seed builds its own set; a condition's
score on a set is its mean over the clustering seeds, and the sweep's figure is the mean over
sets with a t-based 95 % interval (none with one set). Generator v2's songs do not depend on the
degradation share, so clean tracks hit the feature cache across shares.

The oracle best static weight is chosen per share and fusion with the labels (highest mean NMI
over the sets): a ceiling, not a competitor.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import ParameterError
from core.experiments.config import static_name
from core.experiments.stats import _ci95

#: Conditions of the sweep, in the order the chart draws them.
SWEEP_CONDITIONS = ("dynamic", "shuffled", "static_0.5", "best_static")
#: Columns of the sweep table (and of ``sweep.csv``).
SWEEP_COLUMNS = ("degrade", "fusion", "condition", "metric", "n_datasets", "mean", "ci_low",
                 "ci_high", "static_weight")


def parse_shares(text: str) -> tuple:
    """``"0,0.1,0.5"`` -> ``(0.0, 0.1, 0.5)``: distinct shares in [0, 1], at least one."""
    try:
        shares = tuple(float(s) for s in str(text).split(",") if s.strip() != "")
    except ValueError:
        shares = ()
    if not shares or len(set(shares)) != len(shares) or not all(0.0 <= s <= 1.0 for s in shares):
        raise ParameterError("The 'degrade' parameter of sweep must be distinct comma-separated "
                             f"shares in [0, 1], e.g. 0,0.1,0.2. Got {text!r} instead.")
    return tuple(sorted(shares))


def sweep_config(share: float, seed: int, tracks_per_genre: Optional[int] = None,
                 clip_seconds: Optional[float] = None, genres: Optional[Sequence[str]] = None):
    """The v2 generator config of one sweep point: defaults with ``seed``, the given knobs and
    ``share`` of the tracks degraded per modality."""
    from core.experiments.dataseeds import synth_config

    base = synth_config(seed, tracks_per_genre, clip_seconds, genres)
    if base.version != 2:
        base = type(base)(**{**base.to_dict(), "version": 2})
    return base.with_degrade(share)


def sweep_dir(config, root: Optional[Path] = None) -> Path:
    """Where a sweep point's set is cached: ``<data>/sweep/v2-s<seed>-t<tracks>-c<seconds>
    -g<n genres>-d<share>``."""
    from core.paths import data_dir

    share = config.audio_noise_rate * 4
    name = (f"v{config.version}-s{config.seed}-t{config.tracks_per_genre}-"
            f"c{config.clip_seconds:g}-g{len(config.genres)}-d{share:.3f}")
    return Path(root if root is not None else data_dir()) / "sweep" / name


def summarize_sweep(results: Mapping[tuple, object]) -> pd.DataFrame:
    """The sweep table from one AblationResult per ``(share, data seed, fusion)``.

    Parameters
    ----------
    results : mapping (share, data seed, fusion) -> AblationResult
        Labelled results (the sweep is about NMI).

    Returns
    -------
    DataFrame
        :data:`SWEEP_COLUMNS`: per share, fusion and condition of :data:`SWEEP_CONDITIONS`, NMI
        mean over data seeds with its 95 % interval; ``static_weight`` is the weight of the static
        conditions (0.5, or the oracle's pick).
    """
    rows = []
    keys = sorted(results)
    for share in sorted({k[0] for k in keys}):
        for fusion in dict.fromkeys(k[2] for k in keys):
            group = {k[1]: results[k] for k in keys if k[0] == share and k[2] == fusion}
            if not group:
                continue
            first = next(iter(group.values()))
            statics = [(c, first.condition_info[c]["weight"]) for c in first.conditions
                       if first.condition_info[c]["kind"] == "static"]
            means = {w: np.nanmean([r.mean(c, "nmi") for r in group.values()]) for c, w in statics}
            best = max(means, key=lambda w: (means[w], -abs(w - 0.5)))
            for cond in SWEEP_CONDITIONS:
                name, weight = (static_name(best), best) if cond == "best_static" else \
                    (cond, 0.5 if cond == "static_0.5" else math.nan)
                n, mean, _, lo, hi = _ci95(np.array([r.mean(name, "nmi") for r in group.values()]))
                rows.append({"degrade": share, "fusion": fusion, "condition": cond,
                             "metric": "nmi", "n_datasets": n, "mean": mean, "ci_low": lo,
                             "ci_high": hi, "static_weight": weight})
    return pd.DataFrame(rows, columns=list(SWEEP_COLUMNS))


def run_sweep(shares: Sequence[float], data_seeds: Sequence[int], configs: Sequence, *,
              tracks_per_genre: Optional[int] = None, clip_seconds: Optional[float] = None,
              genres: Optional[Sequence[str]] = None, n_jobs: int = 2,
              features: Optional[Callable] = None,
              progress: Optional[Callable] = None) -> pd.DataFrame:
    """Build (or reuse) every sweep set, extract, run the ablation per fusion, summarise.

    Parameters
    ----------
    shares : sequence of float in [0, 1]
        Shares of degraded tracks per modality.
    data_seeds : sequence of int >= 0
        Generator seeds; one set per seed and share.
    configs : sequence of ExperimentConfig
        One per fusion (same clustering seeds).
    tracks_per_genre, clip_seconds, genres : optional
        Generator knobs (default: the built-in set's).
    n_jobs : int
        Worker processes for building and extracting.
    features : callable(Dataset) -> FeatureSet, optional
        How to get features (default :func:`core.features.extract.extract_features`).
    progress : callable(done, total, message), optional
        Called after each set (``done`` of ``len(shares) * len(data_seeds)``).

    Returns
    -------
    DataFrame
        :func:`summarize_sweep`'s table.
    """
    from core.datasets.synthetic import ensure_synthetic
    from core.experiments.ablation import run_ablation
    from core.experiments.preparation import prepare

    if not configs:
        raise ParameterError("The 'configs' parameter of run_sweep must hold at least one "
                             "ExperimentConfig. Got none instead.")
    if not data_seeds or any(int(s) < 0 for s in data_seeds):
        raise ParameterError("The 'data_seeds' parameter of run_sweep must be ints >= 0, at "
                             f"least one. Got {list(data_seeds)!r} instead.")
    if features is None:
        from core.features.extract import extract_features

        def features(ds):
            return extract_features(ds, n_jobs=n_jobs)[0]

    results = {}
    total, done = len(shares) * len(data_seeds), 0
    for share in shares:
        for seed in data_seeds:
            sc = sweep_config(share, int(seed), tracks_per_genre, clip_seconds, genres)
            ds = ensure_synthetic(sc, sweep_dir(sc), n_jobs=n_jobs)
            prepared = prepare(features(ds), configs[0])
            for config in configs:
                results[(share, int(seed), config.fusion)] = run_ablation(
                    prepared.with_config(config), labels=ds.labels,
                    ground_truth=ds.ground_truth)
            done += 1
            if progress is not None:
                progress(done, total, f"degrade {share:g}, data seed {seed}")
    return summarize_sweep(results)


def crossing(table: pd.DataFrame, fusion: str, other: str = "static_0.5") -> Optional[float]:
    """The smallest share at which dynamic's mean NMI is above ``other``'s, or None."""
    t = table[(table.fusion == fusion) & (table.metric == "nmi")]
    for share in sorted(set(t.degrade)):
        at = t[t.degrade == share].set_index("condition")["mean"]
        if other in at and "dynamic" in at and at["dynamic"] > at[other]:
            return float(share)
    return None


def read_sweep(path) -> pd.DataFrame:
    """Read a ``sweep.csv`` written by ``python -m core sweep`` (DatasetError naming the file if
    it is missing or lacks the sweep's columns)."""
    from core.errors import DatasetError

    path = Path(path)
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise DatasetError(f"Cannot read the sweep file {path}: {exc}") from None
    lacking = [c for c in SWEEP_COLUMNS if c not in table.columns]
    if lacking:
        raise DatasetError(f"{path} is not a sweep table (written by `python -m core sweep`): "
                           f"it lacks the columns {lacking}.")
    return table


def latest_sweep(root: Optional[Path] = None) -> Optional[Path]:
    """The newest ``<data>/runs/sweep-*/sweep.csv``, or None."""
    from core.paths import data_dir

    runs = Path(root if root is not None else data_dir()) / "runs"
    found = sorted(runs.glob("sweep-*/sweep.csv"), key=lambda p: p.stat().st_mtime) \
        if runs.is_dir() else []
    return found[-1] if found else None


def format_sweep(table: pd.DataFrame) -> str:
    """The sweep table as text: per fusion, each share's conditions with their 95 % interval,
    then where dynamic first beats static 0.5."""
    lines = []
    for fusion in dict.fromkeys(table.fusion):
        t = table[table.fusion == fusion]
        n = int(t.n_datasets.max()) if len(t) else 0
        lines.append(f"\n== sweep, fusion {fusion}: NMI mean over {n} generated set(s) [95 % CI] ==")
        for _, r in t.iterrows():
            ci = "" if r["n_datasets"] < 2 else f" [{r['ci_low']:.3f}, {r['ci_high']:.3f}]"
            w = "" if r["condition"] != "best_static" else f" (oracle: w = {r['static_weight']:g})"
            lines.append(f"  degrade {r['degrade']:<4g} {r['condition']:<12} {r['mean']:.3f}{ci}{w}")
        cross = crossing(table, fusion)
        lines.append(f"  dynamic above static 0.5 from degrade = {cross:g}" if cross is not None
                     else "  dynamic is not above static 0.5 at any share")
    return "\n".join(lines)
