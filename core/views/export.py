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
from typing import Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import check_param

#: The downloadable per-track tables and what each holds (:func:`split_tracks_table`).
EXPORT_TABLES = {
    "assignments": "cluster of every track (and its genre when labelled)",
    "weights": "audio and lyrics weight per track, the weight the fusion used, the hard rule that "
               "decided it and the rules that fired",
    "indicators": "indicator values per track (NaN where the modality they need is missing)",
    "traces": "contribution of every rule step to each track's audio weight (rows sum to it)",
}


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
        data[f"trace_{col}"] = np.asarray(rr.trace[:, j], np.float32) + np.float32(0.0)  # -0.0 (a rule that did
        # not fire: 0 x its negative delta) would be written "-0.0" in a spreadsheet
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
