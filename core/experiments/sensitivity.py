"""A metric over a 2-D grid of two rule thresholds (the Sensitivity page's heatmap).

Pipeline position: preparation -> warm-started clusterings -> **sensitivity** -> heatmap.
"""

from __future__ import annotations

import hashlib
import warnings
from typing import Optional

import numpy as np
import pandas as pd

from core.clustering import cluster
from core.errors import check_param
from core.experiments.conditions import _cluster_call
from core.experiments.config import EXTERNAL_METRICS, INTERNAL_METRICS, _is_int
from core.experiments.preparation import Prepared, resolve_n_clusters
from core.experiments.thresholds import _check_key, _check_values, _set_threshold
from core.fusion import effective_weights, hot_path
from core.rules import RuleSet, apply_rules


def sensitivity_grid(prepared: Prepared, ruleset: RuleSet, rule_a: str, rule_b: str, values_a,
                     values_b, metric: str = "silhouette", seed: int = 0, labels=None, *,
                     n_clusters: Optional[int] = None) -> pd.DataFrame:
    """A metric over a 2-D grid of two thresholds, for a heatmap.

    Every cell sets the two thresholds on ``ruleset``, recomputes the weights and clusters ALL
    prepared tracks (no subsample) with ``seed``. Fast by reuse: one prepared state, weights
    that repeat are scored once, and k-means is warm-started (one Lloyd run, no restarts) from
    the centres of an anchor clustering of ``ruleset`` itself, so every cell starts from the
    same place and the grid does not depend on the order cells are visited.

    Parameters
    ----------
    prepared : Prepared
    ruleset : RuleSet
    rule_a, rule_b : str
        Soft-rule names of ``ruleset`` (their thresholds move), or "voice_floor",
        "audio_quality_floor", "base_weight". Must differ.
    values_a, values_b : sequence of float
        Threshold values (rows, columns).
    metric : str
        An internal metric, or an external one (then ``labels`` are required), or
        "mean_weight" (the mean audio weight: no clustering needed).
    seed : int
    labels : (n,), optional
    n_clusters : int, optional
        Default: as :func:`resolve_n_clusters`.

    Returns
    -------
    DataFrame (len(values_a), len(values_b))
        Index named ``rule_a`` (values_a), columns named ``rule_b`` (values_b); ``attrs`` holds
        ``metric``, ``seed``, ``n_clusters`` and ``distinct_weightings``.
    """
    own = "sensitivity_grid"
    check_param(own, "ruleset", type(ruleset).__name__, "a RuleSet", isinstance(ruleset, RuleSet))
    _check_key(own, "rule_a", ruleset, rule_a)
    _check_key(own, "rule_b", ruleset, rule_b)
    check_param(own, "rule_b", rule_b, f"different from rule_a ({rule_a!r})", rule_b != rule_a)
    va = _check_values(own, "values_a", values_a)
    vb = _check_values(own, "values_b", values_b)
    allowed = EXTERNAL_METRICS + INTERNAL_METRICS + ("mean_weight",)
    check_param(own, "metric", metric, f"one of {allowed}", metric in allowed)
    check_param(own, "seed", seed, "an int in [0, 2**32)", _is_int(seed) and 0 <= seed < 2**32)
    lab = prepared.align(labels)
    if metric in EXTERNAL_METRICS:
        check_param(own, "labels", None, f"labels (metric {metric!r} is external)", lab is not None)
    config = prepared.config
    k = int(n_clusters) if n_clusters is not None else resolve_n_clusters(prepared, lab)[0]
    emb = prepared.embeddings
    anchor_w = np.asarray(apply_rules(prepared.indicators, ruleset).weights, np.float32)
    init = None
    if metric != "mean_weight" and config.algorithm == "kmeans":
        anchor, _ = _cluster_call(emb, anchor_w, k, seed, config)
        init = anchor.centers
    ext = prepared.external_scorer(lab, None) if lab is not None else None
    out = np.full((len(va), len(vb)), np.nan)
    cache: dict = {}
    for i, a in enumerate(va):
        rs_a = _set_threshold(ruleset, rule_a, a)
        for j, b in enumerate(vb):
            rs = _set_threshold(rs_a, rule_b, b)
            w = np.asarray(apply_rules(prepared.indicators, rs).weights, np.float32)
            if metric == "mean_weight":
                out[i, j] = float(effective_weights(emb, w).mean())
                continue
            key = hashlib.sha1(w.tobytes()).hexdigest()
            if key not in cache:
                if init is not None:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        res = cluster(emb, w, algorithm="kmeans", n_clusters=k, seed=seed,
                                      fusion=config.fusion, init=init)
                else:
                    res, _ = _cluster_call(emb, w, k, seed, config)
                with hot_path():
                    if metric in EXTERNAL_METRICS:
                        cache[key] = float(ext(res.labels)[metric])
                    else:
                        cache[key] = float(prepared.internal(res.labels)[metric])
            out[i, j] = cache[key]
    df = pd.DataFrame(out, index=pd.Index(va, name=rule_a), columns=pd.Index(vb, name=rule_b))
    df.attrs.update(metric=metric, seed=int(seed), n_clusters=k,
                    distinct_weightings=len(cache) if metric != "mean_weight" else None)
    return df
