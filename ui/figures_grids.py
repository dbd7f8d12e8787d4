"""The grid heatmaps of the "Clusters and map" and "Sensitivity" pages (no streamlit).

* :func:`contingency_figure`: genres x clusters counts as an annotated heatmap (plotly);
  :func:`contingency_spec`: the same as a Vega-Lite spec (what the Clusters page draws).
* :func:`sensitivity_figure`: a metric over two thresholds with the current sliders marked.

Each takes the table a :mod:`core.views.tables` (or :mod:`core.views.sensitivity`) builder produced, so
the figures are tested without a browser.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd
import plotly.graph_objects as go


def contingency_figure(table: pd.DataFrame, height: Optional[int] = None) -> go.Figure:
    """Tracks per genre (rows) and cluster (columns) as an annotated heatmap.

    Parameters
    ----------
    table : DataFrame of int
        From :func:`core.views.tables.contingency_frame`.
    """
    z = table.to_numpy()
    fig = go.Figure(go.Heatmap(
        z=z, x=[str(c) for c in table.columns], y=[str(g) for g in table.index],
        text=z, texttemplate="%{text}", colorscale="Blues", showscale=False,
        hovertemplate="genre %{y}, %{x}: %{z} tracks<extra></extra>"))
    fig.update_layout(height=height or max(240, 28 * len(table.index) + 90),
                      margin=dict(l=10, r=10, t=10, b=10),
                      xaxis=dict(title="cluster", side="top"), yaxis=dict(title="genre", autorange="reversed"))
    return fig


def contingency_spec(table: pd.DataFrame, height: Optional[int] = None) -> tuple:
    """Tracks per genre (rows) and cluster (columns) as an annotated Vega-Lite heatmap.

    What the Clusters page draws on every slider move: the same picture as :func:`contingency_figure`
    for a fraction of the browser's work (a plotly heatmap re-render took ~130 ms of the browser's main
    thread per move, more than the 5,000-point map; bench/browser.py, Chrome's profiler).

    Parameters
    ----------
    table : DataFrame of int
        From :func:`core.views.tables.contingency_frame`.
    height : int, px, optional

    Returns
    -------
    data : DataFrame
        One row per (genre, cluster) cell: ``genre``, ``cluster`` (str), ``tracks`` (int), in table order.
    spec : dict
        Vega-Lite: a ``rect`` layer coloured by ``tracks`` (Blues from 0 to the largest count) under a
        ``text`` layer with the count (white on cells above half the largest); genres down in table
        order, clusters across on top. It depends on the genres and clusters only, not on the counts,
        so a slider move that keeps the clusters sends new data to the same spec.
    """
    genres = [str(g) for g in table.index]
    clusters = [str(c) for c in table.columns]
    z = table.to_numpy()
    data = pd.DataFrame({"genre": np.repeat(genres, len(clusters)), "cluster": np.tile(clusters, len(genres)),
                         "tracks": z.reshape(-1).astype(np.int64)})
    enc = {"x": {"field": "cluster", "type": "nominal", "sort": clusters, "title": "cluster",
                 "axis": {"orient": "top", "labelAngle": 0}},
           "y": {"field": "genre", "type": "nominal", "sort": genres, "title": "genre"}}
    spec = {
        "height": height or max(240, 28 * len(genres) + 90),
        "encoding": enc,
        # the largest count is worked out in the browser, not written into the spec: a spec that changes
        # with the counts is re-embedded by Streamlit (parse, compile, draw) instead of getting new data
        "transform": [{"joinaggregate": [{"op": "max", "field": "tracks", "as": "top"}]}],
        "layer": [
            {"mark": {"type": "rect"},
             "encoding": {"color": {"field": "tracks", "type": "quantitative", "legend": None,
                                    "scale": {"scheme": "blues", "zero": True}},
                          "tooltip": [{"field": "genre", "type": "nominal"},
                                      {"field": "cluster", "type": "nominal"},
                                      {"field": "tracks", "type": "quantitative"}]}},
            {"mark": {"type": "text"},
             "encoding": {"text": {"field": "tracks", "type": "quantitative"},
                          "color": {"condition": {"test": "datum.tracks > datum.top / 2", "value": "white"},
                                    "value": "black"}}},
        ],
    }
    return data, spec


def sensitivity_figure(grid: pd.DataFrame, current: Optional[tuple] = None, *, metric_label: str = "",
                       lower_is_better: bool = False, label_a: str = "", label_b: str = "",
                       chosen: Optional[tuple] = None, height: int = 480) -> go.Figure:
    """A metric over a grid of two thresholds, with the current sliders marked.

    Parameters
    ----------
    grid : DataFrame (n_a, n_b)
        From :func:`core.experiments.sensitivity_grid`: rows = threshold A values, columns =
        threshold B values.
    current : (a, b), optional
        The current slider thresholds: a white cross (drawn even between cells).
    metric_label : str
        Colour bar title.
    lower_is_better : bool
        Reverse the colour scale so "better" is the same colour for every metric.
    label_a, label_b : str
        Axis titles (y: A, x: B).
    chosen : (a, b), optional
        A cell picked in the page's selects: a ringed marker.
    """
    x = [float(v) for v in grid.columns]
    y = [float(v) for v in grid.index]
    z = grid.to_numpy(dtype=np.float64)
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=y, colorscale="Viridis", reversescale=bool(lower_is_better),
        colorbar=dict(title=dict(text=metric_label)), text=np.round(z, 3), texttemplate="%{text}",
        hovertemplate=f"{label_b or 'B'} = %{{x:.4g}}<br>{label_a or 'A'} = %{{y:.4g}}"
                      f"<br>{metric_label} = %{{z:.4f}}<extra></extra>", name="grid"))
    if current is not None:
        fig.add_trace(go.Scatter(
            x=[float(current[1])], y=[float(current[0])], mode="markers", name="current sliders",
            marker=dict(symbol="x", size=16, color="white", line=dict(width=1.5, color="black")),
            hovertemplate="current sliders<extra></extra>"))
    if chosen is not None:
        fig.add_trace(go.Scatter(
            x=[float(chosen[1])], y=[float(chosen[0])], mode="markers", name="picked cell",
            marker=dict(symbol="circle-open", size=26, line=dict(width=3, color="red")),
            hovertemplate="picked cell<extra></extra>"))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10),
                      xaxis_title=label_b, yaxis_title=label_a,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig
