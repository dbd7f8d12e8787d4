"""Weight distributions per group and accuracy per degradation slice (evaluation only).

Pipeline position: runs of the ablation -> **slices** -> tables. Ground truth enters here and
never goes back to rules, fusion or clustering.
"""

from __future__ import annotations

import math
from typing import Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import check_param
from core.experiments.conditions import _Run
from core.experiments.config import HIST_BINS
from core.experiments.preparation import Prepared
from core.experiments.stats import _ci95
from core.metrics import contingency, external_metrics


def _hist_columns() -> list:
    edges = HIST_BINS
    names = [f"[{edges[i]:.1f},{edges[i + 1]:.1f})" for i in range(len(edges) - 2)]
    names.append(f"[{edges[-2]:.1f},{edges[-1]:.1f}]")
    return names


def weight_distributions(weights, groups, group_type: str) -> pd.DataFrame:
    """Summary statistics and histogram counts of audio weights per group.

    Parameters
    ----------
    weights : float (n,)
        Audio weights in [0, 1] (NaN entries are left out and counted in ``n_missing``).
    groups : (n,)
        Group of every track (cluster id or genre).
    group_type : str
        "cluster" or "genre" (written in the ``group_type`` column).

    Returns
    -------
    DataFrame
        One row per group (sorted): ``group_type``, ``group``, ``n``, ``mean``, ``std``,
        ``min``, ``q25``, ``median``, ``q75``, ``max``, then the counts of the 10 fixed bins
        over [0, 1] (:data:`HIST_BINS`; columns ``[0.0,0.1)`` ... ``[0.9,1.0]``), which sum
        to ``n``.
    """
    w = np.asarray(weights, np.float64)
    g = np.asarray(groups)
    check_param("weight_distributions", "groups", f"array of shape {g.shape}",
                f"a 1-d array of shape {w.shape} like 'weights'", g.shape == w.shape)
    cols = _hist_columns()
    rows = []
    for grp in sorted(set(g.tolist()), key=lambda x: (str(type(x)), x)):
        x = w[g == grp]
        miss = int(np.isnan(x).sum())
        x = x[np.isfinite(x)]
        counts, _ = np.histogram(x, bins=HIST_BINS)
        row = {"group_type": group_type, "group": grp, "n": int(len(x)), "n_missing": miss}
        if len(x):
            q = np.quantile(x, [0.0, 0.25, 0.5, 0.75, 1.0])
            row.update(mean=float(x.mean()), std=float(x.std(ddof=0)), min=float(q[0]),
                       q25=float(q[1]), median=float(q[2]), q75=float(q[3]), max=float(q[4]))
        else:
            row.update({k: math.nan for k in ("mean", "std", "min", "q25", "median", "q75", "max")})
        row.update({c: int(v) for c, v in zip(cols, counts)})
        rows.append(row)
    return pd.DataFrame(rows, columns=["group_type", "group", "n", "n_missing", "mean", "std",
                                       "min", "q25", "median", "q75", "max"] + cols)


def _slice_masks(truth: pd.DataFrame) -> dict:
    a = truth["audio_degradation"].fillna("none").astype(str)
    lyr = truth["lyrics_degradation"].fillna("none").astype(str)
    return {
        "clean (sung, no degradation)": ((a == "none") & (lyr == "none")).to_numpy(),
        "degraded audio": (a != "none").to_numpy(),
        "degraded lyrics (truncated/garbled/missing)": lyr.isin(
            ["truncated", "garbled", "missing"]).to_numpy(),
        "instrumental": (lyr == "instrumental").to_numpy(),
    }


def degradation_slices(prepared: Prepared, runs: Mapping[str, Sequence[_Run]], labels,
                       ground_truth: pd.DataFrame) -> Optional[pd.DataFrame]:
    """Evaluation only: accuracy and NMI per degradation slice of the synthetic ground truth.

    For each condition and seed, clusters are matched to genres one-to-one (Hungarian) on the
    whole subsample; a slice's ``accuracy`` is the share of its tracks whose cluster maps to
    their genre, and its ``nmi`` the NMI of the partition restricted to the slice.

    Returns
    -------
    DataFrame or None
        ``slice``, ``condition``, ``n_tracks`` (in the slice, all kept tracks), ``metric``,
        ``n`` (seeds), ``mean``, ``std``, ``ci_low``, ``ci_high``; None without ground truth.
    """
    if ground_truth is None or labels is None:
        return None
    need = {"track_id", "audio_degradation", "lyrics_degradation"}
    if not need.issubset(ground_truth.columns):
        return None
    truth = ground_truth.set_index(ground_truth["track_id"].astype(str))
    ids = [str(t) for t in prepared.track_ids]
    if not set(ids).issubset(truth.index):
        return None
    truth = truth.loc[ids].reset_index(drop=True)
    masks = _slice_masks(truth)
    lab = prepared.align(labels)
    from scipy.optimize import linear_sum_assignment

    rows = []
    for cond, cond_runs in runs.items():
        per = {s: {"accuracy": [], "nmi": []} for s in masks}
        for run in cond_runs:
            t = lab[run.idx].astype(str)
            p = run.labels
            ct = contingency(t, p)
            r, c = linear_sum_assignment(ct.table, maximize=True)
            mapped = {int(ct.clusters[j]): str(ct.classes[i]) for i, j in zip(r, c)}
            hit = np.array([mapped.get(int(x)) == y for x, y in zip(p, t)])
            for name, mask in masks.items():
                ms = mask[run.idx]
                if not ms.any():
                    continue
                per[name]["accuracy"].append(float(hit[ms].mean()))
                per[name]["nmi"].append(float(external_metrics(t[ms], p[ms])["nmi"])
                                        if ms.sum() >= 3 else math.nan)
        for name, mask in masks.items():
            for metric in ("accuracy", "nmi"):
                n, mean, std, lo, hi = _ci95(np.array(per[name][metric]))
                rows.append({"slice": name, "condition": cond, "n_tracks": int(mask.sum()),
                             "metric": metric, "n": n, "mean": mean, "std": std,
                             "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)
