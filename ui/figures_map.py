"""The track map of the "Clusters and map" page, as Vega-Lite and as plotly (no streamlit).

Each function takes the table a :mod:`core.views.map` (or :mod:`core.views.tables`) builder produced and returns a
``plotly.graph_objects.Figure``, so the figures are tested without a browser.

* :func:`map_spec`: the 2-D track map as a Vega-Lite spec and its table: click a point or drag a box
  to select, scroll to zoom, shift-drag to pan, click a legend entry to fade the others. Streamlit
  updates a keyed selection chart *in place* when only its data change, so a slider move redraws
  the points without re-creating the chart (a plotly chart with selections is re-mounted on every
  data change: a new WebGL context each time, ~350 ms of browser time at 1,000 tracks, measured
  with ``bench/browser.py``).
* :func:`map_figure`: the track map as plotly, 2-D as WebGL ``Scattergl``, 3-D as ``Scatter3d``
  (the page's 3-D view); one trace per category (legend) or one continuous trace with a colour
  bar; every point carries ``customdata = [track_id, genre, cluster, audio weight, fusion weight,
  colour value]`` so a selection resolves to a track id.

The two grid heatmaps of these pages (genre x cluster counts, a metric over two thresholds) are in
:mod:`ui.figures_grids`.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from core.errors import check_param
from core.views.map import MAP_BOX, MAP_PICK

__all__ = ["PALETTE", "UNKNOWN_COLOR", "MAP_SELECTIONS", "map_spec", "map_figure", "contingency_figure",
           "contingency_spec", "sensitivity_figure"]

#: The 2-D map's selection parameters that make Streamlit rerun (zoom and legend fading do not).
MAP_SELECTIONS = (MAP_PICK, MAP_BOX)

#: Categorical colours (cycled when there are more categories).
PALETTE = tuple(qualitative.Plotly) + tuple(qualitative.D3) + tuple(qualitative.Alphabet)
#: Colour of points whose indicator is unknown (NaN: the modality it needs is missing).
UNKNOWN_COLOR = "#b0b0b0"

_HOVER = ("<b>%{customdata[0]}</b><br>genre: %{customdata[1]}<br>%{customdata[2]}"
          "<br>audio weight: %{customdata[3]:.3f} (fusion used %{customdata[4]:.3f})")


def _custom(df: pd.DataFrame) -> np.ndarray:
    color = df["color"].astype(object).to_numpy()
    return np.stack([df["track_id"].astype(str).to_numpy(dtype=object),
                     df["genre"].astype(str).replace("", "(none)").to_numpy(dtype=object),
                     df["cluster"].astype(str).to_numpy(dtype=object),
                     df["audio_weight"].to_numpy(dtype=np.float64),
                     df["fusion_weight"].to_numpy(dtype=np.float64), color], axis=1)


def _category_order(values) -> list:
    def key(v):
        s = str(v)
        if s == "noise":
            return (1, 0, s)
        if s.startswith("cluster "):
            try:
                return (0, int(s.split(" ", 1)[1]), s)
            except ValueError:
                pass
        return (0, math.inf, s)
    return sorted({str(v) for v in values}, key=key)


def _chart_data(frame: pd.DataFrame, highlight: Optional[str]) -> pd.DataFrame:
    """The columns the 2-D chart draws; the ringed track last, so it is drawn on top.

    Built from numpy, with the repeated strings (genre, cluster, a categorical colour) as pandas
    categoricals: they reach the browser as Arrow dictionaries, one copy of each name instead of one
    per track, and converting them costs the server little (this table is rebuilt on every slider move).
    The ``color`` column is left out when the colouring is the cluster or the genre (the spec colours
    by that column; one column fewer for the browser to decode per move), and ``ring`` is there only
    when a track is ringed."""
    ids = frame["track_id"].to_numpy(dtype=object).astype(str)
    genre = frame["genre"].to_numpy(dtype=object).astype(str)
    genre[genre == ""] = "(none)"
    data = {"track_id": ids,
            "x": frame["x"].to_numpy(dtype=np.float64), "y": frame["y"].to_numpy(dtype=np.float64),
            "genre": pd.Categorical(genre),
            "cluster": pd.Categorical(frame["cluster"].to_numpy(dtype=object).astype(str)),
            "audio_weight": frame["audio_weight"].to_numpy(dtype=np.float64),
            "fusion_weight": frame["fusion_weight"].to_numpy(dtype=np.float64)}
    field = _color_field(frame)
    if field == "color":
        if frame.attrs.get("color_kind", "categorical") == "categorical":
            data["color"] = pd.Categorical(frame["color"].to_numpy(dtype=object).astype(str))
        else:
            data["color"] = frame["color"].to_numpy(dtype=np.float64)
    ring = ids == (str(highlight) if highlight is not None else None)
    df = pd.DataFrame(data)
    if ring.any():
        df["ring"] = ring
        df = df.iloc[np.argsort(ring, kind="stable")].reset_index(drop=True)
    return df


def _color_field(frame: pd.DataFrame) -> str:
    """The chart's column the colour reads: ``cluster`` or ``genre`` when colouring by them, else ``color``."""
    by = frame.attrs.get("color_by")
    return by if by in ("cluster", "genre") and frame.attrs.get("color_kind", "categorical") == "categorical" \
        else "color"


#: Above this many points the map is drawn on a canvas without per-point accessibility labels (Streamlit
#: itself switches at 2,000 and drops the labels at 5,000): at 1,000 points an SVG redraw with labels cost
#: the browser about twice the canvas redraw per slider move (bench/browser.py). Small maps stay SVG, so
#: their points remain elements a screen reader (and the browser test) can find.
SVG_POINT_LIMIT = 500


def map_spec(frame: pd.DataFrame, highlight: Optional[str] = None, height: int = 560) -> tuple:
    """The 2-D track map as a Vega-Lite spec and the table it draws.

    A plain dict, not an Altair chart: Altair validates every chart against the Vega-Lite JSON
    schema when it is serialised, which took ~70 % of the page's server time per slider move.

    Parameters
    ----------
    frame : DataFrame
        From :func:`core.views.map.map_frame` with 2-D coordinates (its ``attrs`` give the colouring).
    highlight : str, optional
        A track id to ring in black (the track open in the inspector).
    height : int, px

    Returns
    -------
    data : DataFrame
        One row per row of ``frame``: ``track_id``, ``x``, ``y``, ``genre`` ("(none)" when
        unlabelled; categorical), ``cluster`` (categorical), ``audio_weight``, ``fusion_weight``;
        ``color`` (categorical or float) unless the colouring is the cluster or the genre (then
        the spec colours by that column); ``ring`` (bool) only when a track is ringed, that track
        last, so it is drawn on top.
    spec : dict
        Vega-Lite: one circle per row. It holds nothing computed from the rows but the category
        names, the continuous colour range and whether a track is ringed, so a slider move that keeps
        those sends new data to an unchanged spec, which Streamlit's frontend applies to the Vega
        view it has instead of embedding a new one. Categorical colourings: a colour per category in legend
        order (:data:`PALETTE`). Continuous: Viridis over the values' range (0-1 for weights),
        :data:`UNKNOWN_COLOR` for NaN. Tooltips: track id, genre, cluster, both weights (and the
        colour value). Selection parameters :data:`~core.views.map.MAP_PICK` (click; ``track_id``)
        and :data:`~core.views.map.MAP_BOX` (drag; ``x`` and ``y``), read back with
        :func:`core.views.map.chart_selection`; ``zoom``, bound to the scales (wheel to zoom,
        shift-drag to pan), and, for categories, ``legend`` (click an entry to fade the others).
        The ring's per-point size and stroke conditions are in the spec only when a track is
        ringed; above :data:`SVG_POINT_LIMIT` points the spec asks for a canvas and no per-point
        aria labels (``usermeta.embedOptions.renderer``, ``config.mark.aria``), and, when nothing is
        ringed, no white outline around each point.

    Raises
    ------
    ParameterError
        ``frame`` has 3-D coordinates (use :func:`map_figure`).
    """
    dims = int(frame.attrs.get("dims", 3 if "z" in frame.columns else 2))
    check_param("map_spec", "frame", f"{dims}-D coordinates", "2-D coordinates (map_figure draws 3-D)", dims == 2)
    kind = frame.attrs.get("color_kind", "categorical")
    title = frame.attrs.get("color_title", "") or "colour"
    data = _chart_data(frame, highlight)
    field = _color_field(frame)
    drag = "[pointerdown[{}event.shiftKey], window:pointerup] > window:pointermove!"
    params = [
        {"name": MAP_PICK, "select": {"type": "point", "fields": ["track_id"], "on": "click", "clear": "dblclick"}},
        {"name": MAP_BOX, "select": {"type": "interval", "encodings": ["x", "y"], "on": drag.format("!"),
                                     "translate": False, "zoom": False, "clear": "dblclick"}},
        {"name": "zoom", "bind": "scales", "select": {"type": "interval", "encodings": ["x", "y"],
                                                      "translate": drag.format(""), "zoom": "wheel!",
                                                      "clear": False}},
    ]
    tooltip = [{"field": "track_id", "type": "nominal", "title": "track"},
               {"field": "genre", "type": "nominal", "title": "genre"},
               {"field": "cluster", "type": "nominal", "title": "cluster"},
               {"field": "audio_weight", "type": "quantitative", "title": "audio weight", "format": ".3f"},
               {"field": "fusion_weight", "type": "quantitative", "title": "fusion used", "format": ".3f"}]
    if kind == "categorical":
        order = _category_order(data[field].cat.categories)  # the names present, not one per track
        color = {"field": field, "type": "nominal", "title": title,
                 "scale": {"domain": order, "range": [PALETTE[i % len(PALETTE)] for i in range(len(order))]},
                 "legend": {"symbolType": "circle", "symbolOpacity": 1}}
        params.append({"name": "legend", "bind": "legend", "select": {"type": "point", "fields": [field]}})
        opacity = {"condition": {"param": "legend", "value": 0.85}, "value": 0.08}
    else:
        values = data["color"].to_numpy(dtype=np.float64)
        known = np.isfinite(values)
        if frame.attrs.get("color_by") == "weight" or not known.any():
            lo, hi = 0.0, 1.0
        else:
            lo, hi = float(values[known].min()), float(values[known].max())
        hi = hi if hi > lo else lo + 1e-9
        color = {"condition": {"test": "isValid(datum.color) && isFinite(datum.color)", "field": "color",
                               "type": "quantitative", "title": title,
                               "scale": {"scheme": "viridis", "domain": [lo, hi]}},
                 "value": UNKNOWN_COLOR}
        opacity = {"value": 0.85}
        tooltip.append({"field": "color", "type": "quantitative", "title": title, "format": ".3g"})
    axis = {"type": "quantitative", "axis": None, "scale": {"zero": False, "nice": False, "padding": 14}}  # px
    spec = {
        "height": height,
        "mark": {"type": "circle", "stroke": "white"},
        "params": params,
        "encoding": {
            "x": {"field": "x", **axis}, "y": {"field": "y", **axis},
            "color": color, "opacity": opacity, "tooltip": tooltip,
        },
    }
    if "ring" in data.columns:  # per-point conditions only when a track is ringed: the browser evaluates
        spec["encoding"].update({  # each one per point on every redraw, through an interpreter
            "size": {"condition": {"test": "datum.ring", "value": 260}, "value": 64},
            "stroke": {"condition": {"test": "datum.ring", "value": "black"}, "value": "white"},
            "strokeWidth": {"condition": {"test": "datum.ring", "value": 3}, "value": 0.5}})
    else:
        spec["mark"].update(size=64, strokeWidth=0.5)
    if len(data) > SVG_POINT_LIMIT:
        spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
        spec["config"] = {"mark": {"aria": False}}
        if "stroke" not in spec["encoding"]:  # no white outline per point (nothing ringed): stroking each
            spec["mark"]["strokeWidth"] = 0    # circle was ~1/3 of the canvas redraw at 5,000 points
    return data, spec


def map_figure(frame: pd.DataFrame, highlight: Optional[str] = None, height: int = 560) -> go.Figure:
    """The track map.

    Parameters
    ----------
    frame : DataFrame
        From :func:`core.views.map.map_frame` (its ``attrs`` give the colouring and dims).
    highlight : str, optional
        A track id to ring (the track open in the inspector).
    height : int, px

    Returns
    -------
    Figure
        2-D: ``Scattergl`` traces; 3-D: ``Scatter3d``. Categorical colourings: one trace per
        category, named after it. Continuous: one trace with a colour bar titled with the unit,
        plus a grey "unknown" trace for NaN values. Hover shows track id, genre, cluster and
        weights. The highlighted track is a last trace named "selected".
    """
    dims = int(frame.attrs.get("dims", 3 if "z" in frame.columns else 2))
    kind = frame.attrs.get("color_kind", "categorical")
    title = frame.attrs.get("color_title", "")
    three = dims == 3
    trace_cls = go.Scatter3d if three else go.Scattergl
    marker_size = 4 if three else 8

    def coords(df):
        out = {"x": df["x"].to_numpy(), "y": df["y"].to_numpy()}
        if three:
            out["z"] = df["z"].to_numpy()
        return out

    fig = go.Figure()
    if kind == "categorical":
        for i, cat in enumerate(_category_order(frame["color"])):
            part = frame[frame["color"].astype(str) == cat]
            fig.add_trace(trace_cls(
                mode="markers", name=cat, **coords(part), customdata=_custom(part),
                hovertemplate=_HOVER + "<extra></extra>",
                marker=dict(size=marker_size, color=PALETTE[i % len(PALETTE)],
                            line=dict(width=0.5, color="white"))))
    else:
        values = frame["color"].to_numpy(dtype=np.float64)
        known = np.isfinite(values)
        is_weight = frame.attrs.get("color_by") == "weight"
        if (~known).any():
            part = frame[~known]
            fig.add_trace(trace_cls(
                mode="markers", name="unknown", **coords(part), customdata=_custom(part),
                hovertemplate=_HOVER + f"<br>{title}: unknown<extra></extra>",
                marker=dict(size=marker_size, color=UNKNOWN_COLOR)))
        part = frame[known]
        cmin, cmax = (0.0, 1.0) if is_weight else (
            (float(values[known].min()), float(values[known].max())) if known.any() else (0.0, 1.0))
        fig.add_trace(trace_cls(
            mode="markers", name=title, **coords(part), customdata=_custom(part),
            hovertemplate=_HOVER + f"<br>{title}: %{{customdata[5]:.3g}}<extra></extra>",
            marker=dict(size=marker_size, color=values[known], colorscale="Viridis",
                        cmin=cmin, cmax=cmax if cmax > cmin else cmin + 1e-9, showscale=True,
                        colorbar=dict(title=dict(text=title)))))
    if highlight is not None and (frame["track_id"] == str(highlight)).any():
        part = frame[frame["track_id"] == str(highlight)]
        fig.add_trace(trace_cls(
            mode="markers", name="selected", **coords(part), customdata=_custom(part),
            hovertemplate=_HOVER + "<extra>selected</extra>",
            marker=dict(size=marker_size * 2.2, color="rgba(0,0,0,0)",
                        line=dict(width=3, color="black"))))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10),
                      legend=dict(title=dict(text=title), itemsizing="constant"),
                      clickmode="event+select", dragmode="pan" if not three else "orbit",
                      uirevision="map")
    if three:
        axis = dict(title="", showticklabels=False)
        fig.update_layout(scene=dict(xaxis=axis, yaxis=axis, zaxis=axis))
    else:
        fig.update_xaxes(showticklabels=False, title=None, zeroline=False, showgrid=False)
        fig.update_yaxes(showticklabels=False, title=None, zeroline=False, showgrid=False, scaleanchor="x")
    return fig
