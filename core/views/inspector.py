"""Data behind the "Track inspector" page: labels, "why this weight", indicators against the
thresholds that read them, nearest neighbours in each space, and whether the audio can be played."""

from __future__ import annotations

import math
import os
from numbers import Integral, Real
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import check_param
from core.fusion import Embeddings, fuse_concat
from core.indicators import Indicators
from core.rules import RuleResult, RuleSet, explain
from core.views.checks import _check_result, _same_length, _weights


def flagged_line(ind: Indicators, i: int, floor: float) -> str:
    """The Track inspector's line for a flagged track (no lyrics and unusable audio), from its indicators.

    Parameters
    ----------
    ind : Indicators
        The prepared tracks' indicators.
    i : int
        The track's row.
    floor : float in [0, 1]
        ``RuleSet.audio_quality_floor``.

    Returns
    -------
    str
        E.g. "No lyrics (lyrics_available = 0) and unusable audio (audio_quality = 0, below the floor 0.1):
        ..."
    """
    check_param("flagged_line", "i", i, f"a row of the indicators (0..{ind.n_tracks - 1})",
                isinstance(i, Integral) and 0 <= int(i) < ind.n_tracks)
    available = float(ind.column("audio_available")[i]) if "audio_available" in ind else math.nan
    quality = float(ind.column("audio_quality")[i]) if "audio_quality" in ind else math.nan
    audio = ("audio_available = 0: no usable audio" if available < 0.5 else
             f"audio_quality = {quality:.3g}, below the floor {floor:g}")
    return (f"No lyrics (lyrics_available = 0) and unusable audio ({audio}): this track is kept at audio "
            "weight 1, but nothing about it is reliable, its cluster and neighbours included.")


def track_labels(track_ids: Sequence[str], kept_ids: Sequence[str], genres=None) -> dict:
    """``{track_id: label}`` for a track picker, in ``track_ids`` order.

    The label is the id, its genre when known, and "not clustered" for a track that is not in
    ``kept_ids`` (dropped for having no usable audio or lyrics).
    """
    ids = [str(t) for t in track_ids]
    kept = {str(t) for t in kept_ids}
    if genres is not None:
        genres = _same_length("track_labels", "genres", genres, len(ids)).astype(str)
    out = {}
    for j, tid in enumerate(ids):
        parts = [tid]
        if genres is not None:
            parts.append(genres[j])
        if tid not in kept:
            parts.append("not clustered")
        out[tid] = " · ".join(parts)
    return out


def explain_table(result: RuleResult, i: int, atol: float = 5e-4) -> pd.DataFrame:
    """"Why this weight": :func:`core.rules.explain` for track ``i`` as a table.

    Every non-zero contribution is listed except those smaller than ``atol``, which are summed
    into one "other rules" row (soft ramps contribute a little everywhere), so the
    ``contribution`` column always sums to the track's weight (to float32 rounding).

    Returns
    -------
    DataFrame
        ``step`` (what happened, in words), ``contribution`` (to the audio weight),
        ``running_total`` (ends at the weight).
    """
    _check_result("explain_table", result)
    check_param("explain_table", "atol", atol, "a float >= 0",
                isinstance(atol, Real) and not isinstance(atol, bool) and atol >= 0)
    items = explain(result, i, atol=0.0)
    shown, small = [], []
    for what, amount in items:
        keep = what == "base audio weight" or what.startswith("hard rule") or abs(amount) >= atol
        (shown if keep else small).append((what, amount))
    if small:
        hard_at = next((k for k, (w, _) in enumerate(shown) if w.startswith("hard rule")), len(shown))
        shown.insert(hard_at, (f"other rules, each under ±{atol:g} ({len(small)})",
                               float(sum(a for _, a in small))))
    df = pd.DataFrame(shown, columns=["step", "contribution"])
    df["running_total"] = df["contribution"].cumsum()
    return df


def indicator_table(indicators: Indicators, i: int, ruleset: Optional[RuleSet] = None) -> pd.DataFrame:
    """Track ``i``'s indicators with their units and meaning.

    Returns
    -------
    DataFrame, one row per indicator (registry order)
        ``indicator``, ``group``, ``value`` (float, NaN: unknown), ``unit``, ``read_by`` (the
        rules of ``ruleset`` that read it, ", "-joined; hard rules included), ``meaning``.
    """
    check_param("indicator_table", "indicators", type(indicators).__name__, "an Indicators",
                isinstance(indicators, Indicators))
    n = indicators.n_tracks
    check_param("indicator_table", "i", i, f"a track index in [0, {n})",
                isinstance(i, (Integral, np.integer)) and not isinstance(i, bool) and -n <= i < n)
    readers: dict = {}
    if ruleset is not None:
        for r in ruleset.rules:
            readers.setdefault(r.indicator, []).append(r.name)
        if ruleset.no_lyrics_rule:
            readers.setdefault("lyrics_available", []).append("no_lyrics")
        if ruleset.unusable_audio_rule:
            readers.setdefault("audio_available", []).append("unusable_audio")
            readers.setdefault("audio_quality", []).append("unusable_audio")
        if ruleset.no_voice_rule:
            readers.setdefault("vocal_presence", []).append("no_voice")
    row = indicators.values[int(i)]
    rows = []
    for j, (name, spec) in enumerate(zip(indicators.names, indicators.specs)):
        rows.append({"indicator": name, "group": spec.group, "value": float(row[j]), "unit": spec.unit,
                     "read_by": ", ".join(readers.get(name, [])), "meaning": spec.description})
    return pd.DataFrame(rows, columns=["indicator", "group", "value", "unit", "read_by", "meaning"])


def nearest_neighbours(X, i: int, k: int = 5, ok=None) -> tuple:
    """The ``k`` rows of ``X`` nearest to row ``i`` (Euclidean), ``i`` itself left out.

    Parameters
    ----------
    X : float (n, d)
    i : int
        Query row.
    k : int >= 1
        At most this many neighbours (fewer when fewer rows are eligible).
    ok : bool (n,), optional
        Only these rows are eligible (e.g. tracks that have lyrics). If the query row is not
        eligible itself, there are no neighbours in this space.

    Returns
    -------
    idx : int64 (m,), m <= k
        Rows, nearest first (ties broken by row order).
    dist : float64 (m,)
        Euclidean distances, in the unit of ``X``.
    """
    X = np.asarray(X, np.float64)
    check_param("nearest_neighbours", "X", f"array of shape {X.shape}", "a 2-d array", X.ndim == 2)
    n = X.shape[0]
    check_param("nearest_neighbours", "i", i, f"a row index in [0, {n})",
                isinstance(i, (Integral, np.integer)) and not isinstance(i, bool) and -n <= i < n)
    check_param("nearest_neighbours", "k", k, "an int >= 1",
                isinstance(k, (Integral, np.integer)) and not isinstance(k, bool) and k >= 1)
    i = int(i) % n
    mask = np.ones(n, bool) if ok is None else _same_length("nearest_neighbours", "ok", ok, n).astype(bool)
    if not mask[i]:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    mask = mask.copy()
    mask[i] = False
    cand = np.flatnonzero(mask)
    dist = np.sqrt(np.maximum(((X[cand] - X[i]) ** 2).sum(axis=1), 0.0))
    order = np.argsort(dist, kind="stable")[: int(k)]
    return cand[order].astype(np.int64), dist[order]


#: Spaces :func:`neighbour_tables` searches, with what each means.
NEIGHBOUR_SPACES = {
    "fused": "fused space of the current weights: [sqrt(w) audio, sqrt(1 - w) lyrics]",
    "audio": "audio embedding alone",
    "lyrics": "lyrics embedding alone",
}


def neighbour_tables(emb: Embeddings, weights, i: int, track_ids: Sequence[str], k: int = 5,
                     clusters=None, genres=None) -> dict:
    """Nearest neighbours of track ``i`` in the fused space and in each modality.

    Parameters
    ----------
    emb : Embeddings
        The prepared embeddings (unit rows per modality).
    weights : float (n,)
        Current audio weights (``LoopResult.weights``); missing modalities are enforced as in
        the fusion (:func:`core.fusion.effective_weights`).
    i : int
        Row of the track (prepared order).
    track_ids : str (n,)
    k : int >= 1
    clusters, genres : (n,), optional
        Added as columns when given.

    Returns
    -------
    dict ``{"fused" | "audio" | "lyrics": DataFrame}``
        Columns ``track_id``, ``distance`` (Euclidean; unit rows, so 0..2), then ``cluster`` and
        ``genre`` when given. Empty when the track lacks that modality.
    """
    check_param("neighbour_tables", "emb", type(emb).__name__, "an Embeddings", isinstance(emb, Embeddings))
    n = emb.n_tracks
    ids = _same_length("neighbour_tables", "track_ids", [str(t) for t in track_ids], n)
    w = _weights("neighbour_tables", weights)
    _same_length("neighbour_tables", "weights", w, n)
    spaces = {"fused": (fuse_concat(emb, w.astype(np.float32)), None),
              "audio": (emb.audio, emb.audio_ok),
              "lyrics": (emb.lyrics, emb.lyrics_ok)}
    extra = {}
    if clusters is not None:
        extra["cluster"] = _same_length("neighbour_tables", "clusters", clusters, n)
    if genres is not None:
        extra["genre"] = _same_length("neighbour_tables", "genres", genres, n).astype(str)
    out = {}
    for name, (X, ok) in spaces.items():
        idx, dist = nearest_neighbours(X, i, k, ok)
        df = pd.DataFrame({"track_id": ids[idx].astype(str), "distance": dist})
        for col, values in extra.items():
            df[col] = values[idx]
        out[name] = df
    return out


def audio_status(path) -> tuple:
    """Whether a track's audio can be played: ``(playable, message)``.

    ``(True, "")`` when ``path`` names an existing file; otherwise False and a sentence saying
    why (no audio path, or the file is missing at that path).
    """
    if path is None or (isinstance(path, float) and math.isnan(path)) or str(path).strip() == "":
        return False, "This track has no audio file."
    if not os.path.isfile(str(path)):
        return False, f"The audio file is missing: {path}"
    return True, ""
