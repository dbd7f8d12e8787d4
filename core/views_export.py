"""Data behind the Dataset, Ablation and Export views: plain tables, numpy/pandas in and out.

Pipeline position: the end of the line. Everything here reads results that the loop
(:mod:`core.loop`), the rules (:mod:`core.rules`), the indicators (:mod:`core.indicators`) and the
ablation (:mod:`core.experiments`) already computed, and shapes them into tables a page draws, a
download button serves, or the HTML report (``ui/figures_report.py``) embeds. Nothing here
clusters or fits; nothing imports streamlit.

Rows and ids
------------
:class:`~core.experiments.Prepared` may drop tracks that have neither usable audio nor usable
lyrics (``prepared.keep``). A :class:`~core.loop.LoopResult` has one row per *prepared* track
(``result.track_ids``); every per-track table here follows that order and carries ``track_id``,
so a reader maps rows back to the dataset through the ids, never through positions. The dropped
ids are listed by :func:`dropped_track_ids` and in the JSON export.

The per-track export (:func:`tracks_table`) has exactly the columns of
:func:`core.experiments.track_table`, the table ``python -m core export`` writes, so a file
exported from the app and one from the command line read the same way; the app's table describes
the clustering on screen (the session's loop result) instead of re-clustering.
"""

from __future__ import annotations

import json
import math
from typing import Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import check_param
from core.indicators import INDICATORS, Indicators

__all__ = [
    "INDICATOR_OVERVIEW_COLUMNS",
    "EXPORT_TABLES",
    "indicator_overview",
    "dropped_track_ids",
    "tracks_table",
    "split_tracks_table",
    "tracks_json",
    "weight_histogram",
    "cluster_weight_table",
    "ruleset_table",
    "ablation_curve",
    "ablation_tests_table",
    "ablation_slices_table",
]

#: Columns of :func:`indicator_overview`.
INDICATOR_OVERVIEW_COLUMNS = ("indicator", "group", "unit", "median", "min", "max", "nan_share",
                              "n_known", "description")

#: The downloadable per-track tables and what each holds (:func:`split_tracks_table`).
EXPORT_TABLES = {
    "assignments": "cluster of every track (and its genre when labelled)",
    "weights": "audio and lyrics weight per track, the weight the fusion used, the hard rule that "
               "decided it and the rules that fired",
    "indicators": "indicator values per track (NaN where the modality they need is missing)",
    "traces": "contribution of every rule step to each track's audio weight (rows sum to it)",
}


# ----------------------------------------------------------------------------------------------
# Indicators
# ----------------------------------------------------------------------------------------------
def indicator_overview(ind: Indicators) -> pd.DataFrame:
    """One row per indicator: unit, median and range over tracks, and the share of unknowns.

    Parameters
    ----------
    ind : Indicators
        ``values`` float32 (n_tracks, n_indicators), NaN where unknown.

    Returns
    -------
    DataFrame
        Columns :data:`INDICATOR_OVERVIEW_COLUMNS`, one row per indicator in ``ind.names``
        order: ``median``, ``min``, ``max`` over the tracks where the value is known (NaN when
        no track has it), in the indicator's unit; ``nan_share`` the fraction of tracks in
        [0, 1] where it is unknown (0 for zero tracks); ``n_known`` how many tracks have it.
    """
    check_param("indicator_overview", "ind", type(ind).__name__, "an Indicators",
                isinstance(ind, Indicators))
    values = np.asarray(ind.values, np.float64)
    n = values.shape[0]
    rows = []
    for j, name in enumerate(ind.names):
        spec = INDICATORS[name]
        col = values[:, j]
        known = col[np.isfinite(col)]
        rows.append({
            "indicator": name, "group": spec.group, "unit": spec.unit,
            "median": float(np.median(known)) if known.size else math.nan,
            "min": float(known.min()) if known.size else math.nan,
            "max": float(known.max()) if known.size else math.nan,
            "nan_share": float(1.0 - known.size / n) if n else 0.0,
            "n_known": int(known.size), "description": spec.description,
        })
    return pd.DataFrame(rows, columns=list(INDICATOR_OVERVIEW_COLUMNS))


# ----------------------------------------------------------------------------------------------
# Per-track tables
# ----------------------------------------------------------------------------------------------
def _check_result(owner: str, prepared, result) -> None:
    ids = tuple(getattr(result, "track_ids", ()))
    check_param(owner, "result", f"a result for {len(ids)} tracks",
                f"a LoopResult over the prepared tracks ({prepared.n_tracks}, same ids and order)",
                ids == tuple(prepared.track_ids))


def dropped_track_ids(prepared, track_ids) -> list:
    """Ids of the FeatureSet rows that :func:`core.experiments.prepare` left out.

    Parameters
    ----------
    prepared : Prepared
    track_ids : sequence of str, length ``prepared.keep.size``
        Every FeatureSet row's id (``FeatureSet.track_ids``), in row order.

    Returns
    -------
    list of str
        Tracks without any usable modality; they are in no cluster and in no export row.
    """
    ids = np.asarray([str(t) for t in track_ids], dtype=object)
    keep = np.asarray(prepared.keep, bool)
    check_param("dropped_track_ids", "track_ids", f"{ids.size} ids",
                f"one id per FeatureSet row ({keep.size})", ids.size == keep.size)
    return ids[~keep].tolist()


def tracks_table(prepared, result, labels=None) -> pd.DataFrame:
    """Per-track weights, rule traces, indicators and clusters of one loop result.

    Parameters
    ----------
    prepared : Prepared
        The prepared state the loop ran on.
    result : LoopResult
        Rows follow ``prepared.track_ids``.
    labels : array (n_feature_rows,) or (n_prepared,), optional
        Genres; only fill the ``genre`` column.

    Returns
    -------
    DataFrame, one row per prepared track
        The columns of :func:`core.experiments.track_table`: ``track_id``, ``genre`` (if
        labels), ``cluster`` (int, -1 for HDBSCAN noise), ``audio_weight`` (the rules' weight,
        in [0, 1]), ``lyrics_weight`` (1 - audio_weight), ``fusion_audio_weight`` (after the
        fusion enforced missing modalities), ``decided_by`` (hard rule or ""), ``fired`` (rules
        that fired, ";"-joined), ``flagged``, ``audio_ok``, ``lyrics_ok``, ``trace_<step>``
        (contributions summing to ``audio_weight``), ``ind_<indicator>`` (NaN where unknown).
        ``attrs["n_clusters"]``: the number of clusters requested.
    """
    _check_result("tracks_table", prepared, result)
    rr = result.rules
    w = np.asarray(result.weights, np.float32)
    data = {"track_id": [str(t) for t in result.track_ids]}
    lab = prepared.align(labels)
    if lab is not None:
        data["genre"] = lab.astype(str)
    data["cluster"] = np.asarray(result.labels, np.int64)
    data["audio_weight"] = w
    data["lyrics_weight"] = (1.0 - w).astype(np.float32)
    data["fusion_audio_weight"] = np.asarray(result.effective, np.float32)
    data["decided_by"] = np.asarray(rr.decided_by, dtype=object)
    data["fired"] = [";".join(n for n, f in zip(rr.rule_names, row) if f) for row in rr.fired]
    data["flagged"] = np.asarray(rr.flagged, bool)
    data["audio_ok"] = np.asarray(prepared.embeddings.audio_ok, bool)
    data["lyrics_ok"] = np.asarray(prepared.embeddings.lyrics_ok, bool)
    for j, col in enumerate(rr.columns):
        data[f"trace_{col}"] = np.asarray(rr.trace[:, j], np.float32)
    for name, values in prepared.indicators.as_dict().items():
        data[f"ind_{name}"] = np.asarray(values, np.float32)
    df = pd.DataFrame(data)
    df.attrs.update(n_clusters=int(result.n_clusters))
    return df


def split_tracks_table(table: pd.DataFrame) -> dict:
    """The four downloadable tables of :data:`EXPORT_TABLES`, cut from :func:`tracks_table`.

    Returns
    -------
    dict name -> DataFrame
        Every table starts with ``track_id`` (and ``genre`` when present), rows as in ``table``.
    """
    check_param("split_tracks_table", "table", type(table).__name__,
                "a DataFrame from tracks_table (with a 'track_id' column)",
                isinstance(table, pd.DataFrame) and "track_id" in table.columns)
    key = ["track_id"] + (["genre"] if "genre" in table.columns else [])
    cols = list(table.columns)
    weights = ["audio_weight", "lyrics_weight", "fusion_audio_weight", "decided_by", "fired",
               "flagged", "audio_ok", "lyrics_ok"]
    return {
        "assignments": table[key + ["cluster"]].copy(),
        "weights": table[key + [c for c in weights if c in cols]].copy(),
        "indicators": table[key + [c for c in cols if c.startswith("ind_")]].copy(),
        "traces": table[key + ["audio_weight"] + [c for c in cols if c.startswith("trace_")]].copy(),
    }


def _jsonable(obj):
    from core.report import to_jsonable

    return to_jsonable(obj)


def tracks_json(table: pd.DataFrame, *, dataset: Mapping, settings: Mapping,
                metrics: Optional[Mapping] = None, ruleset: Optional[Mapping] = None,
                dropped: Sequence[str] = ()) -> str:
    """The per-track export as one JSON document (the shape ``python -m core export`` writes).

    Parameters
    ----------
    table : DataFrame
        :func:`tracks_table`.
    dataset : mapping
        ``name``, ``root`` and any summary fields; ``labelled`` is read from it when present.
    settings : mapping
        Algorithm, fusion, k, seed ... of the clustering the table describes.
    metrics : mapping, optional
        The loop result's metrics.
    ruleset : mapping, optional
        :func:`core.experiments.ruleset_to_dict` of the rule set.
    dropped : sequence of str
        Ids of tracks left out (no usable modality).

    Returns
    -------
    str
        JSON (NaN written as null), keys: ``dataset``, ``root``, ``condition`` ("dynamic"),
        ``settings``, ``labelled``, ``n_clusters``, ``n_dropped``, ``dropped``, ``metrics``,
        ``ruleset``, ``columns`` (what each table column means), ``tracks`` (records).
    """
    doc = {
        "dataset": str(dataset.get("name", "")), "root": str(dataset.get("root", "")),
        "condition": "dynamic", "settings": dict(settings),
        "labelled": bool(dataset.get("labelled", "genre" in table.columns)),
        "n_clusters": table.attrs.get("n_clusters"), "n_dropped": len(dropped),
        "dropped": list(dropped), "metrics": dict(metrics or {}), "ruleset": ruleset,
        "columns": dict(EXPORT_TABLES), "tracks": table.to_dict(orient="records"),
    }
    return json.dumps(_jsonable(doc), indent=1, allow_nan=False)


# ----------------------------------------------------------------------------------------------
# Weight distributions
# ----------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------
# Ablation views
# ----------------------------------------------------------------------------------------------
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
        rows.append({"metric": r["metric"], "comparison": r["comparison"], "static weight": other,
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
        ``slice``, ``condition``, ``tracks``, ``accuracy``, ``accuracy std``, ``nmi``,
        ``nmi std``; None when the ablation has no slices (no ground truth or no labels).
    """
    sl = getattr(result, "slices", None)
    if sl is None or not len(sl):
        return None
    rows = []
    for (name, cond), g in sl.groupby(["slice", "condition"], sort=False):
        row = {"slice": name, "condition": cond, "tracks": int(g["n_tracks"].iloc[0])}
        for metric in ("accuracy", "nmi"):
            m = g[g.metric == metric]
            row[metric] = float(m["mean"].iloc[0]) if len(m) else math.nan
            row[f"{metric} std"] = float(m["std"].iloc[0]) if len(m) else math.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["slice", "condition", "tracks", "accuracy", "accuracy std",
                                       "nmi", "nmi std"])
