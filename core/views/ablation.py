"""Data behind the "Ablation" page and report: the metric against the static weight with its
95 % band and the dynamic result, the paired tests, and the degradation slices."""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pandas as pd

from core.errors import check_param
from core.experiments.config import static_name
from core.views.tables import METRIC_NAMES

#: The conditions in the words the Rules page's metric table uses ("static_0.5" is "static 0.5").
_CONDITION_WORDS = {"audio_only": "audio only", "lyrics_only": "lyrics only", "dynamic": "dynamic (rules)",
                    "shuffled": "shuffled (the dynamic weights among tracks)"}


def condition_words(name: str) -> str:
    """A condition's name in words: ``static_0.5`` -> ``static 0.5``, ``audio_only`` -> ``audio only``,
    ``dynamic`` -> ``dynamic (rules)`` (as on the Rules page), ``shuffled`` -> ``shuffled (...)``."""
    if name.startswith("static_"):
        return "static " + name[len("static_"):]
    return _CONDITION_WORDS.get(name, name.replace("_", " "))


def metric_words(metric: str) -> str:
    """A metric's display name with the direction that is better (``nmi`` -> ``NMI ↑``)."""
    return METRIC_NAMES.get(metric, metric)


def ablation_conditions_table(result) -> pd.DataFrame:
    """The condition x metric table of :meth:`AblationResult.table` in words, ready to show.

    Returns
    -------
    DataFrame
        Index ``condition`` in words (:func:`condition_words`; the best static weight marked
        "(best static, picked with the labels: oracle)" or "(best static, picked post hoc)"),
        one column per metric named by :func:`metric_words`, cells ``"mean ± std [ci_low, ci_high]"``.
    """
    table = result.table()
    best = static_name(result.best_static_weight)
    marker = (" (best static, picked with the labels: oracle)" if result.oracle
              else " (best static, picked post hoc)")
    table.index = [condition_words(c) + (marker if c == best else "") for c in result.conditions]
    table.index.name = "condition"
    return table.rename(columns={m: metric_words(m) for m in table.columns})


def ablation_curve(result, metric: str) -> tuple:
    """The metric against the static audio weight, with its 95 % interval, and the dynamic result.

    Parameters
    ----------
    result : AblationResult
    metric : str
        One of ``result.metrics``.

    Returns
    -------
    static : DataFrame
        ``weight`` (sorted, in [0, 1]), ``mean``, ``std``, ``ci_low``, ``ci_high``, ``n``
        (seeds), ``best`` (True on the best static weight for this metric, chosen with the
        scores: with the labels for an external metric).
    dynamic : dict
        ``mean``, ``std``, ``ci_low``, ``ci_high``, ``n`` of the dynamic condition.
    singles : dict
        ``audio_only`` / ``lyrics_only`` -> the same fields (when present).
    """
    check_param("ablation_curve", "metric", metric, f"one of {list(result.metrics)}",
                metric in tuple(result.metrics))
    s = result.summary[result.summary.metric == metric]
    fields = ["mean", "std", "ci_low", "ci_high", "n"]
    rows = []
    best = result.best_static.get(metric, math.nan)
    for name in result.conditions:
        info = result.condition_info[name]
        if info["kind"] != "static":
            continue
        r = s[s.condition == name]
        if not len(r):
            continue
        r = r.iloc[0]
        w = float(info["weight"])
        rows.append({"weight": w, **{f: float(r[f]) for f in fields},
                     "best": bool(np.isfinite(best) and abs(w - best) < 1e-9)})
    static = pd.DataFrame(rows, columns=["weight"] + fields + ["best"]).sort_values("weight")
    static["n"] = static["n"].astype(int)

    def one(name):
        r = s[s.condition == name]
        if not len(r):
            return None
        out = {f: float(r.iloc[0][f]) for f in fields}
        out["n"] = int(out["n"])
        return out

    dynamic = one("dynamic")
    singles = {c: v for c in ("audio_only", "lyrics_only") if (v := one(c)) is not None}
    return static.reset_index(drop=True), dynamic, singles


def ablation_tests_table(result) -> pd.DataFrame:
    """The paired Wilcoxon tests of dynamic against static weights, ready to show.

    Returns
    -------
    DataFrame
        ``metric``, ``comparison``, ``static weight`` (the other condition, marked "picked with
        the labels (oracle)" when the best static weight was chosen with the labels, "picked
        post hoc" without labels), ``mean diff`` (dynamic - static; for Davies-Bouldin lower is
        better), ``dynamic better / worse / tied`` (seeds), ``p value``, ``Holm p`` (adjusted for
        every test of the table), ``note``. The shuffled control's row names the shuffled
        weights instead of a static weight.
    """
    t = result.tests
    rows = []
    for _, r in t.iterrows():
        other = (f"{float(r['other_weight']):g}" if pd.notna(r["other_weight"])
                 else "the dynamic weights shuffled among tracks")
        if r["oracle"]:
            other += " (best static, picked with the labels: oracle)"
        elif r.get("selected_post_hoc", False):
            other += " (best static, picked post hoc without labels)"
        rows.append({"metric": metric_words(r["metric"]), "comparison": r["comparison"], "static weight": other,
                     "mean diff": float(r["mean_diff"]),
                     "dynamic better / worse / tied": f"{int(r['wins'])} / {int(r['losses'])} / {int(r['ties'])}",
                     "p value": float(r["p_value"]), "Holm p": float(r.get("p_holm", np.nan)),
                     "note": r["note"]})
    return pd.DataFrame(rows, columns=["metric", "comparison", "static weight", "mean diff",
                                       "dynamic better / worse / tied", "p value", "Holm p", "note"])


def ablation_slices_table(result) -> Optional[pd.DataFrame]:
    """Degradation slices as rows slice x condition: tracks, accuracy and NMI (mean ± std).

    Returns
    -------
    DataFrame or None
        ``slice``, ``condition`` (in words, :func:`condition_words`), ``tracks``, ``accuracy``,
        ``accuracy std``, ``NMI``, ``NMI std``; None when the ablation has no slices (no ground truth or no labels).
    """
    sl = getattr(result, "slices", None)
    if sl is None or not len(sl):
        return None
    rows = []
    for (name, cond), g in sl.groupby(["slice", "condition"], sort=False):
        row = {"slice": name, "condition": condition_words(cond), "tracks": int(g["n_tracks"].iloc[0])}
        for metric in ("accuracy", "nmi"):
            m = g[g.metric == metric]
            word = "NMI" if metric == "nmi" else metric
            row[word] = float(m["mean"].iloc[0]) if len(m) else math.nan
            row[f"{word} std"] = float(m["std"].iloc[0]) if len(m) else math.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["slice", "condition", "tracks", "accuracy", "accuracy std",
                                       "NMI", "NMI std"])
