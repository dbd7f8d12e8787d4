"""The label-free threshold auto-tune, and the evaluation of rule sets (labels allowed there).

Pipeline position: preparation -> conditions (per grid point and seed) -> **tuning**.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import check_param
from core.experiments.conditions import _run, _score
from core.experiments.config import (DEFAULT_AUTOTUNE_GRID, EXTERNAL_METRICS, INTERNAL_METRICS,
                                     _is_int, _is_real)
from core.experiments.preparation import Prepared, choose_n_clusters, resolve_n_clusters
from core.experiments.stats import summarize
from core.experiments.thresholds import _check_key, _check_values, _get_threshold, _set_threshold
from core.progress import ProgressCallback, report
from core.rules import DEFAULT_RULES, RuleSet, apply_rules


def _stability(partitions: list) -> float:
    """Mean pairwise ARI between partitions ``(idx, labels)`` on the tracks two subsamples share."""
    from sklearn.metrics import adjusted_rand_score

    vals = []
    for i in range(len(partitions)):
        for j in range(i + 1, len(partitions)):
            ia, la = partitions[i]
            ib, lb = partitions[j]
            common, pa, pb = np.intersect1d(ia, ib, assume_unique=True, return_indices=True)
            if len(common) >= 3:
                vals.append(adjusted_rand_score(la[pa], lb[pb]))
    return float(np.mean(vals)) if vals else math.nan


@dataclass(eq=False)
class AutotuneResult:
    """What :func:`autotune` found (labels never involved).

    Attributes
    ----------
    best : RuleSet
        The rule set of the grid with the best criterion (ties and near-ties: the one closest to
        the default).
    default : RuleSet
        The rule set the grid was built around.
    table : DataFrame
        One row per grid point: the swept thresholds, ``stability`` (mean pairwise ARI between
        seeds), ``silhouette`` (mean over seeds, per-modality mean), ``score`` (the criterion),
        ``n_changed`` (thresholds differing from the default), ``mean_weight``, ``is_default``,
        ``is_best``.
    criterion : str
    keys : tuple of str
        The swept thresholds.
    tolerance : float
        Scores within this of the best count as ties.
    description : str
        The criterion and the tie rule in words.
    """

    best: RuleSet
    default: RuleSet
    table: pd.DataFrame
    criterion: str
    keys: tuple
    tolerance: float
    description: str
    n_clusters: int = 0

    @property
    def best_thresholds(self) -> dict:
        return {k: _get_threshold(self.best, k) for k in self.keys}

    @property
    def default_thresholds(self) -> dict:
        return {k: _get_threshold(self.default, k) for k in self.keys}


_CRITERIA = ("stability", "silhouette")


def autotune(prepared: Prepared, ruleset: RuleSet = DEFAULT_RULES, grid: Optional[Mapping] = None,
             *, criterion: str = "stability", seeds: Optional[Sequence[int]] = None,
             n_clusters: Optional[int] = None, tolerance: float = 0.005,
             progress: Optional[ProgressCallback] = None) -> AutotuneResult:
    """Unsupervised threshold auto-tune over a small grid; never touches labels.

    Each grid point is a copy of ``ruleset`` with the swept thresholds set; its dynamic weights
    are clustered once per seed (the seed's subsample and initialisation, as in the ablation).

    Criterion (``criterion``):

    ``"stability"`` (default)
        Mean pairwise adjusted Rand index between the partitions of different seeds, on the
        tracks their subsamples share. A weighting that exposes real structure yields the same
        partition whatever the subsample and initialisation; one that mixes the modalities badly
        gives partitions that depend on chance. It scores the partitions themselves, in no
        particular space, so it does not favour any weight value by construction.
    ``"silhouette"``
        Mean silhouette over seeds, each the mean of the audio space's and the lyrics space's
        silhouette (:class:`core.metrics.NeutralScorer`), so no weight is favoured by the
        yardstick itself. Reported for every grid point either way. (Before, it was scored in the
        equal-weight fused space, where the k-means partition at w = 0.5 is the one that space
        rewards; see :data:`core.metrics.NEUTRAL_SPACE`.)

    Ties: every grid point scoring within ``tolerance`` of the best counts as tied, and the tie
    goes to the point closest to ``ruleset`` (fewest changed thresholds, then the smallest
    relative change); so the defaults are kept unless the data clearly prefer another point.

    Parameters
    ----------
    prepared : Prepared
    ruleset : RuleSet
        The starting (default) rule set.
    grid : mapping str -> sequence of float, optional
        Threshold name (a soft rule of ``ruleset``, or "voice_floor", "audio_quality_floor",
        "base_weight") -> values. Default :data:`DEFAULT_AUTOTUNE_GRID` (27 points).
    criterion : {"stability", "silhouette"}
    seeds : sequence of int, optional
        Default ``prepared.config.seeds`` (at least 2 for stability).
    n_clusters : int, optional
        Default ``prepared.config.n_clusters``, else :func:`choose_n_clusters` (unsupervised).
    tolerance : float >= 0
    progress : callable(done, total, message), optional

    Returns
    -------
    AutotuneResult
    """
    own = "autotune"
    check_param(own, "ruleset", type(ruleset).__name__, "a RuleSet", isinstance(ruleset, RuleSet))
    check_param(own, "criterion", criterion, f"one of {_CRITERIA}", criterion in _CRITERIA)
    check_param(own, "tolerance", tolerance, "a float >= 0", _is_real(tolerance) and tolerance >= 0)
    grid = dict(DEFAULT_AUTOTUNE_GRID if grid is None else grid)
    check_param(own, "grid", grid, "a non-empty mapping of threshold name -> values",
                isinstance(grid, dict) and len(grid) > 0)
    for key, values in grid.items():
        _check_key(own, "grid", ruleset, key)
        grid[key] = _check_values(own, "grid", values)
    config = prepared.config
    seeds = tuple(config.seeds if seeds is None else seeds)
    check_param(own, "seeds", seeds, "a sequence of at least 2 distinct ints >= 0",
                len(seeds) >= 2 and len(set(seeds)) == len(seeds)
                and all(_is_int(s) and s >= 0 for s in seeds))
    if n_clusters is None:
        n_clusters = config.n_clusters if config.n_clusters is not None else \
            choose_n_clusters(prepared, seed=seeds[0])
    check_param(own, "n_clusters", n_clusters, "an int >= 2", _is_int(n_clusters) and n_clusters >= 2)

    keys = tuple(grid)
    default_vals = {k: _get_threshold(ruleset, k) for k in keys}
    points = [dict(zip(keys, combo)) for combo in _product([grid[k] for k in keys])]
    if not any(all(abs(p[k] - default_vals[k]) < 1e-12 for k in keys) for p in points):
        points.append(dict(default_vals))
    total = len(points)
    cache: dict = {}
    rows = []
    for i, point in enumerate(points):
        rs = ruleset
        for key, value in point.items():
            rs = _set_threshold(rs, key, value)
        w = np.asarray(apply_rules(prepared.indicators, rs).weights, np.float32)
        digest = hashlib.sha1(w.tobytes()).hexdigest()
        if digest not in cache:
            parts, sils = [], []
            for seed in seeds:
                run = _run(prepared, "weights", w, seed, int(n_clusters), config)
                parts.append((run.idx, run.labels))
                sils.append(prepared.subset(seed).internal(run.labels)["silhouette"])
            cache[digest] = (_stability(parts), float(np.nanmean(sils)) if len(sils) else math.nan)
        stab, sil = cache[digest]
        changed = [k for k in keys if abs(point[k] - default_vals[k]) > 1e-12]
        rel = sum(abs(point[k] - default_vals[k]) / max(abs(default_vals[k]), 1e-9) for k in keys)
        rows.append({**point, "stability": stab, "silhouette": sil,
                     "score": stab if criterion == "stability" else sil,
                     "n_changed": len(changed), "relative_change": rel,
                     "mean_weight": float(w.mean()), "is_default": not changed,
                     "ruleset": rs})
        report(progress, i + 1, total, "auto-tune " + ", ".join(f"{k}={v:g}" for k, v in point.items()))
    table = pd.DataFrame(rows)
    finite = table["score"].replace([np.inf, -np.inf], np.nan)
    best_score = float(finite.max())
    tied = table[finite >= best_score - tolerance] if np.isfinite(best_score) else table[table.is_default]
    pick = tied.sort_values(["n_changed", "relative_change", "score"],
                            ascending=[True, True, False]).index[0]
    table["is_best"] = False
    table.loc[pick, "is_best"] = True
    best = table.loc[pick, "ruleset"]
    table = table.drop(columns=["ruleset"])
    desc = (f"criterion: {criterion} ("
            + ("mean pairwise ARI between the partitions of different seeds on shared tracks"
               if criterion == "stability" else "mean silhouette, each modality's own space averaged")
            + f"), {len(seeds)} seeds, k = {n_clusters}; grid points within {tolerance:g} of the "
              "best count as ties and the tie goes to the point closest to the defaults; "
              "labels are never used")
    return AutotuneResult(best=best, default=ruleset, table=table, criterion=criterion, keys=keys,
                          tolerance=float(tolerance), description=desc, n_clusters=int(n_clusters))


def _product(lists):
    import itertools

    return itertools.product(*lists)


def evaluate_rulesets(prepared: Prepared, rulesets: Mapping[str, RuleSet],
                      seeds: Optional[Sequence[int]] = None, labels=None,
                      n_clusters: Optional[int] = None) -> pd.DataFrame:
    """Evaluation (labels allowed here): each rule set's dynamic condition over seeds, summarised.

    Used to say, after the fact, what the labels think of the auto-tuned rules versus the
    defaults. Returns :func:`summarize`-shaped rows with a ``ruleset`` column instead of
    ``condition``.
    """
    seeds = tuple(prepared.config.seeds if seeds is None else seeds)
    lab = prepared.align(labels)
    if n_clusters is None:
        n_clusters, _ = resolve_n_clusters(prepared, lab)
    rows = []
    for name, rs in rulesets.items():
        w = np.asarray(apply_rules(prepared.indicators, rs).weights, np.float32)
        for seed in seeds:
            run = _run(prepared, "weights", w, seed, int(n_clusters), prepared.config)
            for metric, value in _score(prepared, run, seed, lab).items():
                rows.append({"condition": name, "seed": seed, "metric": metric, "value": value})
    tidy = pd.DataFrame(rows)
    keep = (EXTERNAL_METRICS if lab is not None else ()) + INTERNAL_METRICS
    out = summarize(tidy[tidy.metric.isin(keep)]).rename(columns={"condition": "ruleset"})
    return out
