"""Data behind the map on the "Clusters and map" page: what it can be coloured by, one row per
drawn track, the weights a projection is cached on, the previous layout a refresh starts from, and
the tracks a click or a drag selects."""

from __future__ import annotations

import hashlib
import math
import numbers
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import check_param
from core.indicators import INDICATORS, Indicators
from core.views.checks import _is_real

#: Colourings that are not indicators, in menu order ("genre" only when labelled).
FIXED_COLORS = ("cluster", "genre", "weight")


#: The categorical colouring by the lyrics' language (:attr:`core.indicators.Indicators.languages`).
LANGUAGE = "language"
#: What the language colouring calls a track whose lyrics have no identified language (or none).
NO_LANGUAGE = "none"


def color_options(indicator_names: Sequence[str], labelled: bool, languages: bool = False) -> list:
    """What the map can be coloured by: ``cluster``, ``genre`` (when labelled), ``weight``,
    ``language`` (when ``languages``: some track's lyrics have an identified language), then every
    indicator in ``indicator_names`` (their order).

    Returns
    -------
    list of str
    """
    fixed = [c for c in FIXED_COLORS if labelled or c != "genre"] + ([LANGUAGE] if languages else [])
    return fixed + [n for n in indicator_names if n not in fixed]


def has_languages(indicators: Optional[Indicators]) -> bool:
    """True when ``indicators`` carry a language for at least one track (the map offers the colouring)."""
    return indicators is not None and any(indicators.languages)


def resolve_color_by(value, options: Sequence[str]) -> str:
    """``value`` if it is one of ``options``, else ``"cluster"`` (e.g. "genre" from a shared link
    opened on an unlabelled dataset, or an indicator the dataset lacks)."""
    return value if value in options else "cluster"


def color_label(name: str) -> str:
    """Menu label of a colouring: ``"audio weight"``, ``"loudness_dbfs (dBFS)"``, ..."""
    if name == "weight":
        return "audio weight"
    spec = INDICATORS.get(name)
    if spec is not None and spec.unit:
        return f"{name} ({spec.unit})"
    return name


def genres_for(track_ids: Sequence[str], dataset_ids: Sequence[str], labels) -> Optional[np.ndarray]:
    """Genre of each of ``track_ids``, looked up by id in the dataset's ids and labels.

    Parameters
    ----------
    track_ids : sequence of str, length n
        The tracks drawn (e.g. ``Prepared.track_ids``; some dataset tracks may be dropped).
    dataset_ids : sequence of str, length N
        ``Dataset.track_ids``.
    labels : (N,) or None
        ``Dataset.labels``.

    Returns
    -------
    object (n,) of str, or None when ``labels`` is None
        ``""`` for an id the dataset does not know.
    """
    if labels is None:
        return None
    labels = np.asarray(labels)
    check_param("genres_for", "labels", f"array of length {len(labels)}",
                f"an array of length {len(dataset_ids)} (one label per dataset track)",
                labels.ndim == 1 and len(labels) == len(dataset_ids))
    lookup = {str(t): ("" if g is None else str(g)) for t, g in zip(dataset_ids, labels)}
    return np.array([lookup.get(str(t), "") for t in track_ids], dtype=object)


def _cluster_names(labels: np.ndarray) -> np.ndarray:
    return np.array(["noise" if c < 0 else f"cluster {int(c)}" for c in labels], dtype=object)


def map_frame(track_ids: Sequence[str], coords, labels, weights, *, effective=None, genres=None,
              indicators: Optional[Indicators] = None, color_by: str = "cluster") -> pd.DataFrame:
    """One row per drawn track: what the map plots, colours by and shows on hover.

    Parameters
    ----------
    track_ids : sequence of str, length n
    coords : float (n, 2) or (n, 3)
        Map coordinates (:attr:`core.projection.Projection.coords`), rows in ``track_ids`` order.
    labels : int (n,)
        Cluster per track (-1: noise).
    weights : float (n,)
        Audio weight the rules set, in [0, 1].
    effective : float (n,), optional
        Audio weight the fusion used (missing modalities enforced); default ``weights``.
    genres : (n,) of str, optional
        From :func:`genres_for`; required for ``color_by="genre"``.
    indicators : Indicators, optional
        Rows in ``track_ids`` order; required to colour by an indicator.
    color_by : str
        ``"cluster"``, ``"genre"``, ``"weight"``, ``"language"`` (the lyrics' ISO 639 code,
        :data:`NO_LANGUAGE` where none; needs ``indicators`` with languages) or an indicator name.

    Returns
    -------
    DataFrame (n rows)
        ``track_id``, ``x``, ``y`` (and ``z`` for 3-D), ``cluster`` (str: "cluster 3" or
        "noise"), ``genre`` (str, "" when unlabelled), ``audio_weight``, ``fusion_weight``,
        ``color`` (str for categorical colourings, float for continuous ones; NaN where an
        indicator is unknown). ``attrs``: ``color_by``, ``color_kind`` ("categorical" or
        "continuous"), ``color_title`` (with the unit), ``dims``.
    """
    own = "map_frame"
    ids = [str(t) for t in track_ids]
    n = len(ids)
    xy = np.asarray(coords, dtype=np.float64)
    check_param(own, "coords", f"array of shape {xy.shape}", f"an array of shape ({n}, 2) or ({n}, 3)",
                xy.ndim == 2 and xy.shape[0] == n and xy.shape[1] in (2, 3))
    lab = np.asarray(labels)
    check_param(own, "labels", f"array of shape {lab.shape}", f"an int array of shape ({n},)",
                lab.shape == (n,) and (n == 0 or lab.dtype.kind in "iu"))
    w = np.asarray(weights, dtype=np.float64)
    check_param(own, "weights", f"array of shape {w.shape}", f"a float array of shape ({n},)", w.shape == (n,))
    eff = w if effective is None else np.asarray(effective, dtype=np.float64)
    check_param(own, "effective", f"array of shape {eff.shape}", f"a float array of shape ({n},)",
                eff.shape == (n,))
    if genres is not None:
        genres = np.asarray(genres, dtype=object)
        check_param(own, "genres", f"array of shape {genres.shape}", f"None or an array of shape ({n},)",
                    genres.shape == (n,))
    allowed = list(FIXED_COLORS) + ([LANGUAGE] if has_languages(indicators) else []) + \
        (list(indicators.names) if indicators is not None else [])
    check_param(own, "color_by", color_by, f"one of {allowed}", color_by in allowed)
    check_param(own, "color_by", color_by, "a colouring other than 'genre' when there are no labels",
                not (color_by == "genre" and genres is None))
    if indicators is not None:
        check_param(own, "indicators", f"Indicators of {indicators.n_tracks} tracks",
                    f"Indicators of {n} tracks", indicators.n_tracks == n)

    data = {"track_id": ids, "x": xy[:, 0], "y": xy[:, 1]}
    if xy.shape[1] == 3:
        data["z"] = xy[:, 2]
    clusters = _cluster_names(lab)
    data["cluster"] = clusters
    data["genre"] = genres if genres is not None else np.full(n, "", dtype=object)
    data["audio_weight"] = w
    data["fusion_weight"] = eff
    if color_by == "cluster":
        color, kind = clusters, "categorical"
    elif color_by == "genre":
        color, kind = genres, "categorical"
    elif color_by == "weight":
        color, kind = w, "continuous"
    elif color_by == LANGUAGE:
        color = np.array([code or NO_LANGUAGE for code in indicators.languages], dtype=object)
        kind = "categorical"
    else:
        color, kind = np.asarray(indicators.column(color_by), dtype=np.float64), "continuous"
    data["color"] = color
    df = pd.DataFrame(data)
    df.attrs.update(color_by=color_by, color_kind=kind, color_title=color_label(color_by),
                    dims=int(xy.shape[1]))
    return df


def weights_key(weights, step: float = 0.01) -> tuple:
    """Round the weights to ``step`` and hash them: the key a map is cached on.

    A threshold move that changes no weight by more than about ``step / 2`` hits the same cached
    map (a soft ramp moves every weight a little on each slider step).

    Parameters
    ----------
    weights : float (n,)
        Audio weights in [0, 1].
    step : float in (0, 1]

    Returns
    -------
    key : str
        Hex digest of the rounded weights (and their count).
    rounded : float32 (n,)
        The rounded weights, in [0, 1]: project THESE so the cached map matches its key.
    """
    check_param("weights_key", "step", step, "a float in (0, 1]", _is_real(step) and 0 < step <= 1)
    w = np.asarray(weights, dtype=np.float64)
    span = f" with values in [{np.nanmin(w):g}, {np.nanmax(w):g}]" if w.ndim == 1 and w.size else ""
    check_param("weights_key", "weights", f"array of shape {w.shape}{span}",
                "a 1-d array of finite weights in [0, 1]",
                w.ndim == 1 and bool(np.all(np.isfinite(w))) and (w.size == 0 or (w.min() >= 0 and w.max() <= 1)))
    q = np.rint(w / step).astype(np.int64)
    rounded = np.clip(q * step, 0.0, 1.0).astype(np.float32)
    digest = hashlib.sha1(q.tobytes() + f"|{step:g}|{w.size}".encode()).hexdigest()
    return digest, rounded


@dataclass(frozen=True, eq=False)
class MapLayout:
    """A map as last drawn, kept so that the next one can start from it.

    Attributes
    ----------
    track_ids : tuple of str
    method : {"umap", "pca"}
    dims : {2, 3}
    coords : float32 (n, dims)
    key : tuple
        The cache key it was computed for (dataset, weights key, method, dims, seed).
    """

    track_ids: tuple
    method: str
    dims: int
    coords: np.ndarray
    key: tuple = ()


def warm_start(previous: Optional[MapLayout], track_ids: Sequence[str], method: str,
               dims: int) -> Optional[np.ndarray]:
    """The coordinates a new map should start from, or None for a fresh layout.

    The previous layout is reused only for the same tracks (same ids, same order), the same
    method and the same number of dimensions: then UMAP refreshes from it and PCA is rotated
    onto it (:func:`core.projection.project` with ``init=``), so points move instead of jumping.

    Returns
    -------
    float32 (n, dims) or None
    """
    if previous is None:
        return None
    same = (previous.method == method and int(previous.dims) == int(dims)
            and tuple(previous.track_ids) == tuple(str(t) for t in track_ids)
            and previous.coords.shape == (len(track_ids), int(dims))
            and bool(np.all(np.isfinite(previous.coords))))
    return np.array(previous.coords, dtype=np.float32) if same else None


def selected_tracks(event, track_ids: Optional[Sequence[str]] = None,
                    trace_rows: Optional[Sequence[Sequence[int]]] = None) -> list:
    """Track ids of the points selected on a plotly chart, in selection order, without repeats.

    Parameters
    ----------
    event : mapping or None
        What ``st.plotly_chart(..., on_select="rerun")`` returns:
        ``{"selection": {"points": [{"curve_number", "point_index", "customdata", ...}, ...]}}``
        (a bare ``{"points": [...]}`` selection is accepted too).
    track_ids : sequence of str, optional
        Fallback when a point carries no ``customdata``: ids of the frame rows.
    trace_rows : sequence of sequences of int, optional
        Fallback: for each trace (``curve_number``), the frame rows it drew, so ``point_index``
        maps to a row; without it ``point_index`` is taken as a row of ``track_ids``.

    Returns
    -------
    list of str
        Empty when nothing is selected. Points without a resolvable id are skipped.
    """
    if not event:
        return []
    selection = event.get("selection", event) if hasattr(event, "get") else None
    points = (selection or {}).get("points", []) if hasattr(selection, "get") else []
    out, seen = [], set()
    for p in points or []:
        if not hasattr(p, "get"):
            continue
        tid = None
        custom = p.get("customdata")
        if isinstance(custom, (list, tuple)) and custom:
            tid = custom[0]
        elif isinstance(custom, str):
            tid = custom
        if tid is None and track_ids is not None:
            idx = p.get("point_index", p.get("point_number"))
            curve = p.get("curve_number", 0)
            if isinstance(idx, numbers.Integral):
                row = None
                if trace_rows is not None:
                    if isinstance(curve, numbers.Integral) and 0 <= curve < len(trace_rows) \
                            and 0 <= idx < len(trace_rows[curve]):
                        row = int(trace_rows[curve][idx])
                elif 0 <= idx < len(track_ids):
                    row = int(idx)
                if row is not None and 0 <= row < len(track_ids):
                    tid = track_ids[row]
        if tid is None:
            continue
        tid = str(tid)
        if tid not in seen:
            seen.add(tid)
            out.append(tid)
    return out


#: Names of the 2-D map's selection parameters: a clicked point (by ``track_id``) and a dragged box
#: (over the ``x`` and ``y`` fields). :func:`ui.figures_map.map_spec` declares them.
MAP_PICK = "pick"
MAP_BOX = "box"


def _interval(value) -> Optional[tuple]:
    """``[a, b]`` (either order) -> ``(lo, hi)`` of finite floats, else None."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    try:
        a, b = float(value[0]), float(value[1])
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(a) and math.isfinite(b)):
        return None
    return (min(a, b), max(a, b))


def chart_selection(event, frame: pd.DataFrame) -> list:
    """Track ids selected on the 2-D map (a Vega-Lite chart), in selection order, without repeats.

    Parameters
    ----------
    event : mapping or None
        What ``st.vega_lite_chart(..., on_select="rerun")`` returns:
        ``{"selection": {"pick": [{"track_id": ...}, ...], "box": {"x": [x0, x1], "y": [y0, y1]}}}``.
        Either parameter may be missing or empty; malformed parts are ignored.
    frame : DataFrame
        The map's rows (:func:`map_frame`): ``track_id``, ``x``, ``y``. A box selects every row
        inside it on both axes (bounds included); ids not in ``frame`` are dropped.

    Returns
    -------
    list of str
        Clicked tracks first, then the box's tracks in ``frame`` order; empty when nothing is selected.
    """
    if not event or not hasattr(event, "get"):
        return []
    selection = event.get("selection", event)
    if not hasattr(selection, "get"):
        return []
    ids = frame["track_id"].astype(str).to_numpy()
    known = set(ids)
    out, seen = [], set()

    def add(tid) -> None:
        tid = str(tid)
        if tid in known and tid not in seen:
            seen.add(tid)
            out.append(tid)

    picked = selection.get(MAP_PICK) or []
    if isinstance(picked, (list, tuple)):
        for point in picked:
            if hasattr(point, "get") and point.get("track_id") is not None:
                add(point["track_id"])
    box = selection.get(MAP_BOX) or {}
    if hasattr(box, "get"):
        xr, yr = _interval(box.get("x")), _interval(box.get("y"))
        if xr is not None and yr is not None:
            x = frame["x"].to_numpy(dtype=np.float64)
            y = frame["y"].to_numpy(dtype=np.float64)
            inside = (x >= xr[0]) & (x <= xr[1]) & (y >= yr[0]) & (y <= yr[1])
            for tid in ids[inside]:
                add(tid)
    return out
