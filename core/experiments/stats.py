"""Statistics over seeds: mean, std and t-based 95 % intervals; the paired Wilcoxon test.

Pipeline position: scores of :mod:`~core.experiments.conditions` -> **stats** -> tables.
"""

from __future__ import annotations

import math
import warnings
from typing import Mapping

import numpy as np
import pandas as pd

from core.errors import check_param
from core.experiments.config import LOWER_IS_BETTER


def _ci95(values: np.ndarray):
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = float(v.mean())
    if n == 1:
        return 1, mean, math.nan, math.nan, math.nan
    from scipy.stats import t

    std = float(v.std(ddof=1))
    half = float(t.ppf(0.975, n - 1)) * std / math.sqrt(n)
    return n, mean, std, mean - half, mean + half


def summarize(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean, std (ddof 1) and t-based 95 % CI over seeds, per condition and metric.

    Parameters
    ----------
    scores : DataFrame
        Tidy, with columns ``condition``, ``seed``, ``metric``, ``value`` (plus any others).

    Returns
    -------
    DataFrame
        ``condition``, ``metric``, ``n``, ``mean``, ``std``, ``ci_low``, ``ci_high`` in the order
        conditions and metrics first appear.
    """
    rows = []
    conds = list(dict.fromkeys(scores["condition"]))
    metrics = list(dict.fromkeys(scores["metric"]))
    groups = scores.groupby(["condition", "metric"], sort=False)["value"]
    for c in conds:
        for m in metrics:
            try:
                v = groups.get_group((c, m)).to_numpy()
            except KeyError:
                continue
            n, mean, std, lo, hi = _ci95(v)
            rows.append({"condition": c, "metric": m, "n": n, "mean": mean, "std": std,
                         "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["condition", "metric", "n", "mean", "std", "ci_low",
                                       "ci_high"])


def paired_test(a, b, metric: str = "") -> dict:
    """Two-sided Wilcoxon signed-rank test of paired samples ``a`` (dynamic) vs ``b``.

    Zero differences are dropped (``zero_method="wilcox"``). If every difference is 0 the test
    is not run: ``p_value = 1`` and ``note = "identical"``. Differences are ``a - b``; ``better``
    says which side wins on average given the metric's direction.

    Returns
    -------
    dict
        ``n``, ``n_nonzero``, ``mean_diff``, ``median_diff``, ``wins``, ``losses``, ``ties`` (from
        ``a``'s side, direction-aware), ``statistic``, ``p_value``, ``better``, ``note``.
    """
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    check_param("paired_test", "b", f"array of shape {b.shape}", f"shape {a.shape} like 'a'",
                a.shape == b.shape and a.ndim == 1)
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    good = d * sign
    out = {"n": int(len(d)), "n_nonzero": int(np.count_nonzero(d)),
           "mean_diff": float(d.mean()) if len(d) else math.nan,
           "median_diff": float(np.median(d)) if len(d) else math.nan,
           "wins": int((good > 0).sum()), "losses": int((good < 0).sum()),
           "ties": int((d == 0).sum()), "statistic": math.nan, "p_value": math.nan,
           "better": "", "note": ""}
    if len(d) == 0:
        out["note"] = "no paired values"
        return out
    if not np.any(d != 0):
        out.update(statistic=0.0, p_value=1.0, better="neither", note="identical")
        return out
    from scipy.stats import wilcoxon

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = wilcoxon(d, zero_method="wilcox", alternative="two-sided")
    out["statistic"] = float(res.statistic)
    out["p_value"] = float(res.pvalue)
    m = float(np.mean(good))
    out["better"] = "dynamic" if m > 0 else ("other" if m < 0 else "neither")
    if out["n_nonzero"] < 6:
        out["note"] = (f"only {out['n_nonzero']} non-zero differences: p cannot fall below "
                       f"{2.0 / 2 ** out['n_nonzero']:.3g}")
    return out


def _best(means: Mapping[float, float], metric: str) -> float:
    items = [(w, v) for w, v in means.items() if np.isfinite(v)]
    if not items:
        return math.nan
    if metric in LOWER_IS_BETTER:
        return min(items, key=lambda t: (t[1], abs(t[0] - 0.5)))[0]
    return max(items, key=lambda t: (t[1], -abs(t[0] - 0.5)))[0]


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (controls the family-wise error rate).

    Sort the ``m`` finite p-values ascending, multiply the ``i``-th smallest (0-based) by
    ``m - i``, carry the running maximum forward (adjusted values never decrease with rank) and
    cap at 1. Valid under any dependence between the tests. NaN entries stay NaN and are not
    counted in ``m``.

    Parameters
    ----------
    p_values : float (m,)

    Returns
    -------
    float64 (m,)
        Adjusted p-values in the input order.
    """
    p = np.asarray(p_values, np.float64).ravel()
    out = np.full(p.shape, math.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if not len(ok):
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    scaled = p[order] * (m - np.arange(m))
    out[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return out


def with_holm(tests: pd.DataFrame) -> pd.DataFrame:
    """``tests`` with a ``p_holm`` column right after ``p_value``: Holm over every row (one family)."""
    t = tests.copy()
    if "p_value" not in t.columns:
        return t
    adjusted = holm(t["p_value"].to_numpy(np.float64)) if len(t) else np.array([])
    t.insert(t.columns.get_loc("p_value") + 1, "p_holm", adjusted)
    return t
