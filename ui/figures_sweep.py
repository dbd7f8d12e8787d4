"""The degradation sweep as one plotly line chart: NMI against the share of degraded tracks."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

_LABELS = {"dynamic": "dynamic (rules)", "shuffled": "shuffled (control)",
           "static_0.5": "static 0.5", "best_static": "best static (oracle)"}
_COLOURS = {"dynamic": "#d62728", "shuffled": "#7f7f7f", "static_0.5": "#1f77b4",
            "best_static": "#2ca02c"}
_DASH = {"concat": "solid", "weighted": "dash", "affinity": "dot"}


def sweep_figure(table: pd.DataFrame) -> go.Figure:
    """One line per condition and fusion: mean NMI over the generated sets against the share of
    degraded tracks, with the 95 % interval as error bars (when there are two sets or more)."""
    fig = go.Figure()
    for fusion in dict.fromkeys(table["fusion"]):
        for cond in _LABELS:
            t = table[(table.fusion == fusion) & (table.condition == cond)].sort_values("degrade")
            if t.empty:
                continue
            err = (t["ci_high"] - t["mean"]).fillna(0.0)
            fig.add_trace(go.Scatter(
                x=t["degrade"].tolist(), y=t["mean"].tolist(), mode="lines+markers",
                name=f"{_LABELS[cond]}, {fusion}",
                line=dict(color=_COLOURS[cond], dash=_DASH.get(fusion, "solid")),
                error_y=dict(type="data", array=err.tolist(), visible=bool((err > 0).any()))))
    fig.update_layout(xaxis_title="share of degraded tracks per modality",
                      yaxis_title="NMI (mean over generated sets, 95 % CI)",
                      legend_title_text="condition, fusion", height=420,
                      margin=dict(l=10, r=10, t=30, b=10))
    return fig
