"""Data behind the "Clusters and map" and "Sensitivity" pages: pure, numpy/pandas in and out.

Pipeline position: ... clustering -> metrics -> projection -> **views**. Every function here
takes what :mod:`core.loop`, :mod:`core.projection`, :mod:`core.metrics` and
:mod:`core.experiments` produced and turns it into the table or array a page draws, so that
what a page shows can be tested without Streamlit. Nothing here clusters, projects or reads
labels for anything but display.

Map (Embedding-Projector style)
    :func:`color_options` / :func:`resolve_color_by` (what the map can be coloured by),
    :func:`genres_for` (labels mapped to the prepared tracks *by id*),
    :func:`map_frame` (one row per drawn track: coordinates, cluster, genre, weights, colour),
    :func:`weights_key` (the rounded weights a projection is cached on),
    :class:`MapLayout` / :func:`warm_start` (the previous layout a refresh starts from),
    :func:`selected_tracks` (a plotly selection event -> track ids, the 3-D map),
    :func:`chart_selection` (a Vega-Lite selection event -> track ids, the 2-D map).
Tables
    :func:`metric_table` (the comparison table with readable headers),
    :func:`contingency_frame` (genres x clusters counts).
Sensitivity and auto-tune
    :func:`threshold_specs` (which thresholds can be swept, their unit and slider range),
    :func:`grid_values`, :func:`best_cell`, :func:`cell_value`,
    :func:`autotune_grid`, :func:`autotune_table`, :func:`slider_updates` (threshold values ->
    the widget keys of the rule sliders).
"""

from __future__ import annotations

import hashlib
import math
import numbers
from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import check_param
from core.indicators import INDICATORS, Indicators
from core.metrics import contingency
from core.rules import RuleSet

__all__ = [
    "FIXED_COLORS",
    "METRIC_NAMES",
    "LOWER_IS_BETTER",
    "NO_LABELS_NOTE",
    "color_options",
    "resolve_color_by",
    "color_label",
    "genres_for",
    "map_frame",
    "weights_key",
    "MapLayout",
    "warm_start",
    "selected_tracks",
    "MAP_PICK",
    "MAP_BOX",
    "chart_selection",
    "metric_table",
    "contingency_frame",
    "ThresholdSpec",
    "threshold_specs",
    "grid_values",
    "best_cell",
    "cell_value",
    "autotune_grid",
    "autotune_table",
    "slider_updates",
]

#: Colourings that are not indicators, in menu order ("genre" only when labelled).
FIXED_COLORS = ("cluster", "genre", "weight")

#: Display names of the metrics (with the direction that is better).
METRIC_NAMES = {
    "nmi": "NMI ↑",
    "ari": "ARI ↑",
    "ami": "AMI ↑",
    "v_measure": "V-measure ↑",
    "purity": "purity ↑",
    "accuracy": "accuracy ↑",
    "silhouette": "silhouette ↑",
    "calinski_harabasz": "Calinski-Harabasz ↑",
    "davies_bouldin": "Davies-Bouldin ↓",
    "mean_weight": "mean audio weight",
}
#: Metrics where lower is better.
LOWER_IS_BETTER = frozenset({"davies_bouldin"})
#: What the pages say when a dataset has no genre labels.
NO_LABELS_NOTE = "no labels: internal metrics only"

#: RuleSet fields (besides soft-rule thresholds) that can be swept; both are in [0, 1].
_FLOORS = {
    "voice_floor": ("vocal_presence", "hard rule no_voice: vocal presence floor"),
    "audio_quality_floor": ("audio_quality", "hard rule unusable_audio: audio quality floor"),
}


def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_)) and math.isfinite(x)


# ----------------------------------------------------------------------------------------------
# Colouring
# ----------------------------------------------------------------------------------------------
def color_options(indicator_names: Sequence[str], labelled: bool) -> list:
    """What the map can be coloured by: ``cluster``, ``genre`` (when labelled), ``weight``, then
    every indicator in ``indicator_names`` (their order).

    Returns
    -------
    list of str
    """
    fixed = [c for c in FIXED_COLORS if labelled or c != "genre"]
    return fixed + [n for n in indicator_names if n not in fixed]


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
        ``"cluster"``, ``"genre"``, ``"weight"`` or an indicator name.

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
    allowed = list(FIXED_COLORS) + (list(indicators.names) if indicators is not None else [])
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
    else:
        color, kind = np.asarray(indicators.column(color_by), dtype=np.float64), "continuous"
    data["color"] = color
    df = pd.DataFrame(data)
    df.attrs.update(color_by=color_by, color_kind=kind, color_title=color_label(color_by),
                    dims=int(xy.shape[1]))
    return df


# ----------------------------------------------------------------------------------------------
# Projection cache key and warm start
# ----------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------
def metric_table(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table (:meth:`core.loop.InteractiveLoop.comparison_table`) with readable
    headers (``"NMI ↑"``, ``"Davies-Bouldin ↓"``); values unchanged, rows unchanged."""
    check_param("metric_table", "table", type(table).__name__, "a DataFrame",
                isinstance(table, pd.DataFrame))
    out = table.rename(columns={c: METRIC_NAMES.get(c, c) for c in table.columns})
    out.index.name = table.index.name or "condition"
    return out


def contingency_frame(genres, clusters) -> pd.DataFrame:
    """Tracks per genre (rows) and cluster (columns), from :func:`core.metrics.contingency`.

    Parameters
    ----------
    genres : (n,) str
        Labels; missing ones ("" or None) are left out.
    clusters : int (n,)

    Returns
    -------
    DataFrame of int64 (n_genres, n_clusters)
        Index named "genre" (sorted), columns "cluster 0", ... ("noise" for -1).
    """
    genres = np.asarray(genres, dtype=object)
    clusters = np.asarray(clusters)
    ct = contingency(genres, clusters)
    return pd.DataFrame(ct.table, index=pd.Index([str(c) for c in ct.classes], name="genre"),
                        columns=pd.Index(list(_cluster_names(np.asarray(ct.clusters))), name="cluster"))


# ----------------------------------------------------------------------------------------------
# Sensitivity grid
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ThresholdSpec:
    """A threshold a sensitivity grid or the auto-tune can move.

    Attributes
    ----------
    name : str
        A soft-rule name, or ``"voice_floor"`` / ``"audio_quality_floor"``.
    label : str
        Menu label: the condition in words.
    indicator : str
        The indicator compared with the threshold.
    unit : str
    lo, hi : float
        Slider range, from :data:`core.indicators.INDICATORS` (``lo``/``hi``) or [0, 1].
    current : float
        The threshold in the given rule set.
    """

    name: str
    label: str
    indicator: str
    unit: str
    lo: float
    hi: float
    current: float


def threshold_specs(ruleset: RuleSet) -> dict:
    """Every threshold of ``ruleset`` that can be swept, with its range and current value.

    Returns
    -------
    dict str -> ThresholdSpec
        Soft rules in rule order, then the two hard-rule floors. The range is the indicator's
        typical range, widened to include the current value.
    """
    check_param("threshold_specs", "ruleset", type(ruleset).__name__, "a RuleSet",
                isinstance(ruleset, RuleSet))
    out = {}
    for r in ruleset.rules:
        spec = INDICATORS[r.indicator]
        unit = f" {spec.unit}" if spec.unit else ""
        out[r.name] = ThresholdSpec(
            name=r.name, label=f"{r.name}: {r.indicator} {r.op} t{unit}", indicator=r.indicator,
            unit=spec.unit, lo=float(min(spec.lo, r.threshold)), hi=float(max(spec.hi, r.threshold)),
            current=float(r.threshold))
    for name, (indicator, words) in _FLOORS.items():
        value = float(getattr(ruleset, name))
        out[name] = ThresholdSpec(name=name, label=f"{name}: {words}", indicator=indicator, unit="",
                                  lo=0.0, hi=1.0, current=value)
    return out


def grid_values(lo: float, hi: float, n: int) -> tuple:
    """``n`` evenly spaced thresholds from ``lo`` to ``hi`` (inclusive), rounded to 4 significant
    digits of the span so axis labels read cleanly.

    Returns
    -------
    tuple of float, length n (one value when ``lo == hi``)
    """
    own = "grid_values"
    check_param(own, "lo", lo, "a finite number", _is_real(lo))
    check_param(own, "hi", hi, f"a finite number >= lo ({lo!r})", _is_real(hi) and hi >= lo)
    check_param(own, "n", n, "an int >= 2", isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 2)
    if hi == lo:
        return (float(lo),)
    span = hi - lo
    decimals = max(0, 3 - int(math.floor(math.log10(span))))
    vals = np.round(np.linspace(lo, hi, int(n)), decimals)
    return tuple(float(v) for v in dict.fromkeys(vals.tolist()))


def best_cell(grid: pd.DataFrame, lower_is_better: bool = False) -> tuple:
    """The best cell of a sensitivity grid (:func:`core.experiments.sensitivity_grid`).

    Ties go to the first cell in row-major order. NaN cells are ignored.

    Returns
    -------
    (a, b, value) : (float, float, float)
        Row value (threshold A), column value (threshold B) and the metric there; all NaN when
        every cell is NaN.
    """
    check_param("best_cell", "grid", type(grid).__name__, "a DataFrame", isinstance(grid, pd.DataFrame))
    z = grid.to_numpy(dtype=np.float64)
    if z.size == 0 or not np.isfinite(z).any():
        return math.nan, math.nan, math.nan
    score = np.where(np.isfinite(z), -z if lower_is_better else z, -np.inf)
    i, j = np.unravel_index(int(np.argmax(score)), z.shape)
    return float(grid.index[i]), float(grid.columns[j]), float(z[i, j])


def cell_value(grid: pd.DataFrame, a: float, b: float) -> float:
    """The metric in the cell nearest to thresholds ``(a, b)`` (rows A, columns B)."""
    check_param("cell_value", "grid", type(grid).__name__, "a non-empty DataFrame",
                isinstance(grid, pd.DataFrame) and grid.size > 0)
    i = int(np.argmin(np.abs(np.asarray(grid.index, np.float64) - float(a))))
    j = int(np.argmin(np.abs(np.asarray(grid.columns, np.float64) - float(b))))
    return float(grid.iat[i, j])


# ----------------------------------------------------------------------------------------------
# Auto-tune
# ----------------------------------------------------------------------------------------------
def autotune_grid(names: Sequence[str], ruleset: RuleSet,
                  defaults: Optional[Mapping[str, Sequence[float]]] = None) -> dict:
    """The auto-tune grid for the chosen thresholds: 3 values each.

    A name in ``defaults`` (e.g. :data:`core.experiments.DEFAULT_AUTOTUNE_GRID`) keeps its
    values; any other threshold gets its current value and the values a quarter of its slider
    range (:func:`threshold_specs`) below and above, clipped to the range.

    Returns
    -------
    dict str -> tuple of float
    """
    specs = threshold_specs(ruleset)
    check_param("autotune_grid", "names", list(names), f"a non-empty list of {list(specs)}",
                len(names) > 0 and all(n in specs for n in names))
    defaults = dict(defaults or {})
    out = {}
    for name in names:
        if name in defaults:
            out[name] = tuple(float(v) for v in defaults[name])
            continue
        s = specs[name]
        step = (s.hi - s.lo) / 4.0
        vals = [min(s.hi, max(s.lo, s.current + d)) for d in (-step, 0.0, step)]
        out[name] = tuple(dict.fromkeys(round(v, 6) for v in vals))
    return out


def autotune_table(table: pd.DataFrame, keys: Sequence[str], criterion: str) -> pd.DataFrame:
    """:attr:`core.experiments.AutotuneResult.table` for display: best first.

    Columns: the swept thresholds, ``stability``, ``silhouette``, ``mean audio weight``,
    ``changed`` (thresholds differing from the start), ``start`` and ``chosen`` flags. Sorted by
    the criterion (descending), the chosen row first.
    """
    check_param("autotune_table", "table", type(table).__name__, "a DataFrame",
                isinstance(table, pd.DataFrame))
    check_param("autotune_table", "criterion", criterion, f"a column of the table ({list(table.columns)})",
                criterion in table.columns)
    cols = list(keys) + ["stability", "silhouette", "mean_weight", "n_changed", "is_default", "is_best"]
    view = table[[c for c in cols if c in table.columns]].copy()
    view["_order"] = table[criterion].fillna(-np.inf)
    view = view.sort_values(["is_best", "_order"], ascending=[False, False], kind="stable")
    view = view.drop(columns="_order").rename(columns={
        "mean_weight": "mean audio weight", "n_changed": "changed", "is_default": "start",
        "is_best": "chosen"})
    return view.reset_index(drop=True)


def slider_updates(thresholds: Mapping[str, float], ruleset: RuleSet,
                   rule_key: Callable[[str, str], str]) -> dict:
    """Widget keys and values that put ``thresholds`` on the rule sliders.

    Parameters
    ----------
    thresholds : mapping str -> float
        Soft-rule name or "voice_floor" / "audio_quality_floor" -> threshold.
    ruleset : RuleSet
        Knows which names are soft rules.
    rule_key : callable(rule, "t") -> str
        The dashboard's widget key of a rule's threshold (``ui.state.rule_key``).

    Returns
    -------
    dict str -> float
        ``{rule_key(name, "t"): value}`` for soft rules, ``{name: value}`` for the floors (their
        widget keys are the RuleSet field names).
    """
    specs = threshold_specs(ruleset)
    out = {}
    for name, value in thresholds.items():
        check_param("slider_updates", "thresholds", name, f"one of {list(specs)}", name in specs)
        check_param("slider_updates", "thresholds", value, "finite numbers", _is_real(float(value)))
        key = rule_key(name, "t") if name in ruleset.rule_names else name
        out[key] = float(value)
    return out
