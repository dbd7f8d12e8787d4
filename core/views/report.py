"""Tables the HTML report (``ui/figures_report.py``) draws: the weight histogram by deciding rule,
weights per cluster, and the rule set."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import check_param
from core.indicators import INDICATORS


def weight_histogram(weights, decided_by=None, bins: int = 20) -> pd.DataFrame:
    """Counts of audio weights in equal bins over [0, 1], split by what decided the weight.

    Parameters
    ----------
    weights : float (n,)
        Audio weights in [0, 1]; NaN entries are left out.
    decided_by : (n,) of str, optional
        The hard rule that decided each track, "" when the soft rules did (``RuleResult.decided_by``).
    bins : int >= 1
        Number of equal-width bins; the last bin is closed (1.0 falls in it).

    Returns
    -------
    DataFrame
        Long form: ``bin_lo``, ``bin_hi``, ``decided_by`` ("soft rules" or the hard rule's
        name), ``count``; every (bin, group) pair present, so the counts of each group sum to
        its number of tracks and all counts sum to the number of finite weights.
    """
    w = np.asarray(weights, np.float64).reshape(-1)
    check_param("weight_histogram", "bins", bins, "an int >= 1",
                isinstance(bins, (int, np.integer)) and not isinstance(bins, bool) and bins >= 1)
    groups = (np.full(w.shape, "", dtype=object) if decided_by is None
              else np.asarray(decided_by, dtype=object).reshape(-1))
    check_param("weight_histogram", "decided_by", f"array of shape {groups.shape}",
                f"an array of shape {w.shape} like 'weights'", groups.shape == w.shape)
    edges = np.linspace(0.0, 1.0, int(bins) + 1)
    names = np.array(["soft rules" if not g else str(g) for g in groups], dtype=object)
    order = ["soft rules"] + sorted(set(names.tolist()) - {"soft rules"})
    rows = []
    ok = np.isfinite(w)
    for name in order:
        sel = ok & (names == name)
        if name != "soft rules" and not sel.any():
            continue
        counts, _ = np.histogram(np.clip(w[sel], 0.0, 1.0), bins=edges)
        for i, c in enumerate(counts):
            rows.append({"bin_lo": float(edges[i]), "bin_hi": float(edges[i + 1]),
                         "decided_by": name, "count": int(c)})
    return pd.DataFrame(rows, columns=["bin_lo", "bin_hi", "decided_by", "count"])


def cluster_weight_table(weights, clusters) -> pd.DataFrame:
    """Audio-weight statistics per cluster (:func:`core.experiments.weight_distributions`).

    Parameters
    ----------
    weights : float (n,)
    clusters : int (n,)

    Returns
    -------
    DataFrame
        ``cluster``, ``n``, ``mean``, ``std``, ``min``, ``q25``, ``median``, ``q75``, ``max``
        and the counts of the 10 fixed bins over [0, 1].
    """
    from core.experiments import weight_distributions

    df = weight_distributions(weights, np.asarray(clusters), "cluster")
    return df.drop(columns=["group_type", "n_missing"]).rename(columns={"group": "cluster"})


def ruleset_table(ruleset) -> pd.DataFrame:
    """The soft rules of a RuleSet as rows: name, indicator (with unit), condition, delta."""
    rows = []
    for r in ruleset.rules:
        unit = INDICATORS[r.indicator].unit if r.indicator in INDICATORS else ""
        rows.append({"rule": r.name, "indicator": r.indicator,
                     "condition": f"{r.indicator} {r.op} {r.threshold:g}" + (f" {unit}" if unit else ""),
                     "threshold": float(r.threshold), "delta": float(r.delta)})
    return pd.DataFrame(rows, columns=["rule", "indicator", "condition", "threshold", "delta"])
