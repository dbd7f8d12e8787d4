"""Streamlit glue for the A/B comparison: the "Pin as A" bar every rule-driven page draws, the
session's comparison cache, and the two figures of the Compare page (overlaid histograms, map)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.compare import Comparer, ruleset_diff
from ui.state import current_ruleset, pin_a, unpin_a

COMPARE_PAGE = "app_pages/compare.py"
_COLORS = {"A": "#1f77b4", "B": "#ff7f0e", "cluster changed": "#d62728", "weight moved": "#ff7f0e",
           "unchanged": "#c7c7c7"}


def pin_bar(key: str) -> None:
    """"Pin as A" (or what A is and how B differs), with a link to the Compare page."""
    a = st.session_state.get("ruleset_a")
    cols = st.columns([1, 1, 3])
    cols[0].button("Pin as A", key=f"pin_{key}", on_click=pin_a, icon=":material/push_pin:",
                   help="Keep the current rule set as A; move the sliders to make B, then open Compare.")
    if a is None:
        cols[2].caption("Nothing pinned: pin the current rules as A, move sliders (B) and compare.")
        return
    cols[1].button("Unpin A", key=f"unpin_{key}", on_click=unpin_a, icon=":material/close:")
    diff = ruleset_diff(a, current_ruleset())
    with cols[2]:
        st.caption("A is pinned; B (the sliders) is the same as A." if diff.empty else
                   f"A is pinned; B differs in {len(diff)} setting(s): "
                   + ", ".join(f"{r.setting} {r.A} → {r.B}" for r in diff.itertuples()))
        st.page_link(COMPARE_PAGE, label="Compare A and B", icon=":material/compare_arrows:")


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
