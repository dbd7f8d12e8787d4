"""Streamlit glue for the A/B comparison: the "Pin as A" bar every rule-driven page draws, the
session's comparison cache, and the two figures of the Compare page (overlaid histograms, map) as
plotly figures and as the Vega-Lite specs the page draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.compare import Comparer, diff_words, ruleset_diff
from ui.state import current_ruleset, pin_a, unpin_a

COMPARE_PAGE = "app_pages/compare.py"
_COLORS = {"A": "#1f77b4", "B": "#ff7f0e", "cluster changed": "#d62728", "weight moved": "#ff7f0e",
           "unchanged": "#c7c7c7"}


def pin_bar(key: str, *, note: bool = True):
    """"Pin as A" (or what A is and how B differs), with a link to the Compare page, in one row that wraps
    in a narrow window (in columns, at 800 px the buttons read "P..." and "U..."). Returns the row, so a
    page can add its own button to it.

    With ``note=False`` the bar leaves out the one part that follows the sliders ("B differs in ...")
    for :func:`pin_note` to draw: the Clusters page keeps the bar outside the fragment a slider reruns
    (every element in that fragment is sent and redrawn on every move) and the note inside it."""
    a = st.session_state.get("ruleset_a")
    bar = st.container(horizontal=True, vertical_alignment="center")
    bar.button("Pin as A", key=f"pin_{key}", on_click=pin_a, icon=":material/push_pin:", width="content",
               help="Keep the current rule set as A; move the sliders to make B, then open Compare.")
    if a is None:
        bar.caption("Nothing pinned: pin the current rules as A, move sliders (B) and compare.")
        return bar
    bar.button("Unpin A", key=f"unpin_{key}", on_click=unpin_a, icon=":material/close:", width="content")
    bar.page_link(COMPARE_PAGE, label="Compare A and B", icon=":material/compare_arrows:", width="content")
    if note:
        with bar:
            pin_note()
    return bar


def pin_note() -> None:
    """How B (the sliders) differs from the pinned A, as one caption; nothing when nothing is pinned."""
    a = st.session_state.get("ruleset_a")
    if a is None:
        return
    diff = ruleset_diff(a, current_ruleset())
    st.caption("A is pinned; B (the sliders) is the same as A." if diff.empty else
               f"A is pinned; B differs in {len(diff)} setting(s): "
               + ", ".join(diff_words(diff)))


def comparer() -> Comparer:
    """This session's comparison cache (per (A, B, setting): the seeds run once)."""
    return st.session_state.setdefault("_comparer", Comparer())


def overlay_figure(overlay: pd.DataFrame) -> go.Figure:
    mids = (overlay["left"] + overlay["right"]).to_numpy() / 2
    width = float((overlay["right"] - overlay["left"]).iloc[0])
    fig = go.Figure()
    for side in ("A", "B"):
        fig.add_trace(go.Bar(x=mids, y=overlay[side], width=width, name=f"rule set {side}", opacity=0.55,
                             marker_color=_COLORS[side]))
    fig.update_layout(barmode="overlay", height=320, margin=dict(l=10, r=10, t=40, b=10),
                      title=dict(text="Audio weight per track: A and B overlaid", x=0.0, font=dict(size=14)),
                      legend=dict(orientation="h", y=-0.25))
    fig.update_xaxes(title="audio weight", range=[-0.02, 1.02])
    fig.update_yaxes(title="tracks")
    return fig


def overlay_spec(overlay: pd.DataFrame) -> tuple:
    """:func:`overlay_figure` as a Vega-Lite spec and its table (what the Compare page draws: a plotly
    re-render cost the browser more than the rest of the page; bench/browser.py).

    Returns
    -------
    data : DataFrame
        One row per (bin, rule set): ``left``, ``right`` (audio weight), ``side`` ("rule set A"/"rule set B"),
        ``tracks``.
    spec : dict
        Vega-Lite: overlaid bars per bin, A blue, B orange, both at 55 % opacity.
    """
    parts = [pd.DataFrame({"left": overlay["left"].to_numpy(float), "right": overlay["right"].to_numpy(float),
                           "side": f"rule set {side}", "tracks": overlay[side].to_numpy()}) for side in ("A", "B")]
    data = pd.concat(parts, ignore_index=True)
    spec = {
        "height": 320,
        "title": {"text": "Audio weight per track: A and B overlaid", "anchor": "start", "fontSize": 14},
        "mark": {"type": "rect", "opacity": 0.55},
        "encoding": {
            "x": {"field": "left", "type": "quantitative", "title": "audio weight",
                  "scale": {"domain": [-0.02, 1.02], "nice": False}},
            "x2": {"field": "right"},
            "y": {"field": "tracks", "type": "quantitative", "title": "tracks", "stack": None},
            "color": {"field": "side", "type": "nominal", "title": None,
                      "scale": {"domain": ["rule set A", "rule set B"], "range": [_COLORS["A"], _COLORS["B"]]},
                      "legend": {"orient": "bottom"}},
            "tooltip": [{"field": "side", "type": "nominal"}, {"field": "left", "type": "quantitative",
                                                                 "format": ".2f", "title": "from"},
                        {"field": "right", "type": "quantitative", "format": ".2f", "title": "to"},
                        {"field": "tracks", "type": "quantitative"}],
        },
    }
    return data, spec


def highlight_spec(frame: pd.DataFrame) -> tuple:
    """:func:`highlight_figure` as a Vega-Lite spec and its table (a canvas above 500 points).

    Returns
    -------
    data : DataFrame
        ``frame``'s ``track_id``, ``x``, ``y``, ``cluster A``, ``cluster B``, ``weight A``, ``weight B``
        and ``change`` as ``"<change> (<count>)"``; unchanged tracks first, so changed ones are drawn on top.
    spec : dict
        Vega-Lite: changed cluster red, moved weight orange, the rest grey and smaller.
    """
    counts = frame["change"].value_counts()
    order = [c for c in ("unchanged", "weight moved", "cluster changed") if counts.get(c, 0)]
    names = {c: f"{c} ({int(counts[c])})" for c in order}
    rank = {c: i for i, c in enumerate(order)}
    data = pd.DataFrame({"track_id": frame["track_id"].astype(str).to_numpy(),
                         "x": frame["x"].to_numpy(float), "y": frame["y"].to_numpy(float),
                         "cluster A": frame["cluster A"].astype(str).to_numpy(),
                         "cluster B": frame["cluster B"].astype(str).to_numpy(),
                         "weight A": frame["weight A"].to_numpy(float), "weight B": frame["weight B"].to_numpy(float),
                         "change": frame["change"].map(names).to_numpy(),
                         "_rank": frame["change"].map(rank).to_numpy()})
    data = data.sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True)
    axis = {"type": "quantitative", "axis": None, "scale": {"zero": False, "nice": False, "padding": 14}}
    spec = {
        "height": 480,
        "title": {"text": "Where the changed tracks sit (PCA of B's fused tracks)", "anchor": "start", "fontSize": 14},
        "mark": {"type": "circle", "stroke": "white", "strokeWidth": 0.5, "opacity": 0.9},
        "encoding": {
            "x": {"field": "x", **axis}, "y": {"field": "y", **axis},
            "color": {"field": "change", "type": "nominal", "title": None, "sort": [names[c] for c in order],
                      "scale": {"domain": [names[c] for c in order], "range": [_COLORS[c] for c in order]},
                      "legend": {"orient": "bottom"}},
            "size": {"field": "change", "type": "nominal", "legend": None,
                     "scale": {"domain": [names[c] for c in order],
                               "range": [36 if c == "unchanged" else 100 for c in order]}},
            "tooltip": [{"field": "track_id", "type": "nominal", "title": "track"},
                        {"field": "cluster A", "type": "nominal"}, {"field": "cluster B", "type": "nominal"},
                        {"field": "weight A", "type": "quantitative", "format": ".2f"},
                        {"field": "weight B", "type": "quantitative", "format": ".2f"}],
        },
    }
    if len(data) > 500:  # as the Clusters page's map (ui.figures_map.SVG_POINT_LIMIT)
        spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
        spec["config"] = {"mark": {"aria": False}}
    return data, spec


def highlight_figure(frame: pd.DataFrame) -> go.Figure:
    """The tracks on a map: changed cluster in red, moved weight in orange, the rest grey."""
    fig = go.Figure()
    for change in ("unchanged", "weight moved", "cluster changed"):
        part = frame[frame["change"] == change]
        if part.empty:
            continue
        custom = np.stack([part["track_id"], part["cluster A"], part["cluster B"], part["weight A"],
                           part["weight B"]], axis=1)
        fig.add_trace(go.Scattergl(
            x=part["x"], y=part["y"], mode="markers", name=f"{change} ({len(part)})", customdata=custom,
            marker=dict(color=_COLORS[change], size=6 if change == "unchanged" else 10,
                        line=dict(width=0.5, color="white")),
            hovertemplate="%{customdata[0]}<br>cluster %{customdata[1]} → %{customdata[2]}<br>"
                          "weight %{customdata[3]:.2f} → %{customdata[4]:.2f}<extra></extra>"))
    fig.update_layout(height=480, margin=dict(l=10, r=10, t=40, b=10),
                      title=dict(text="Where the changed tracks sit (PCA of B's fused tracks)", x=0.0,
                                 font=dict(size=14)), legend=dict(orientation="h", y=-0.08))
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    return fig
