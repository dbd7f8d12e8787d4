"""Plotly figures of the "Rules and weights", "Weights per cluster" and "Track inspector" pages.

Plotly only (no Streamlit), so each figure can be built and checked in a test. Every function
takes the data a :mod:`core.views` function returned and draws it; none computes anything a
test would need to reach.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.views import DECIDED_ORDER, SOFT_DECIDED, IndicatorHistogram

__all__ = [
    "DECIDED_COLORS",
    "weight_histogram_figure",
    "indicator_histogram_figure",
    "LEAN_COLORS",
    "weight_distribution_figure",
    "cluster_genre_heatmap",
    "waterfall_figure",
]

#: Fixed colour per "decided by" group, so colours do not move as sliders move.
DECIDED_COLORS = {
    SOFT_DECIDED: "#4C78A8",
    "no_lyrics": "#F58518",
    "unusable_audio": "#E45756",
    "no_voice": "#72B7B2",
}
_DECIDED_NAMES = {
    SOFT_DECIDED: "soft rules (base + rules + clip)",
    "no_lyrics": "hard rule: no lyrics → 1",
    "unusable_audio": "hard rule: unusable audio → 0",
    "no_voice": "hard rule: no voice → 1",
}
_HEIGHT = 320


def _layout(fig: go.Figure, title: str, height: int = _HEIGHT, **kw) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0.0, font=dict(size=14)), height=height,
                      margin=dict(l=10, r=10, t=40, b=10), **kw)  # Streamlit applies its theme
    return fig


def weight_histogram_figure(hist: pd.DataFrame) -> go.Figure:
    """Stacked histogram of audio weights, one colour per what decided the track.

    Parameters
    ----------
    hist : DataFrame
        From :func:`core.views.weight_histogram` (``bin_lo``, ``bin_hi``, ``decided_by``, ``count``).
    """
    fig = go.Figure()
    for name in DECIDED_ORDER:
        part = hist[hist["decided_by"] == name]
        if part.empty:
            continue
        mids = (part["bin_lo"].to_numpy() + part["bin_hi"].to_numpy()) / 2.0
        widths = part["bin_hi"].to_numpy() - part["bin_lo"].to_numpy()
        fig.add_trace(go.Bar(
            x=mids, y=part["count"].to_numpy(), width=widths, name=_DECIDED_NAMES.get(name, name),
            marker_color=DECIDED_COLORS.get(name), marker_line_width=0.5, marker_line_color="white",
            customdata=np.stack([part["bin_lo"], part["bin_hi"]], axis=1),
            hovertemplate="%{customdata[0]:.2f}–%{customdata[1]:.2f}: %{y} tracks<extra>" + name + "</extra>"))
    fig.update_xaxes(title="audio weight (lyrics weight = 1 − audio weight)", range=[-0.02, 1.02])
    fig.update_yaxes(title="tracks")
    return _layout(fig, "Audio weight per track", height=_HEIGHT + 40, barmode="stack",
                   legend=dict(orientation="h", yanchor="top", y=-0.22, x=0.0, title=None))


def indicator_histogram_figure(h: IndicatorHistogram, response: Optional[tuple] = None,
                               rule_name: str = "") -> go.Figure:
    """Histogram of the indicator a rule reads, with its threshold as a vertical line.

    Parameters
    ----------
    h : IndicatorHistogram
        From :func:`core.views.indicator_histogram`.
    response : (x, shift), optional
        The rule's shift of the audio weight along the indicator axis
        (:func:`core.views.rule_response`), drawn as a line on a second axis.
    rule_name : str
        For the title.
    """
    edges = np.asarray(h.edges)
    mids = (edges[:-1] + edges[1:]) / 2.0
    past = (mids > h.threshold) if h.op == ">" else (mids < h.threshold)
    unit = f" ({h.unit})" if h.unit else ""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=mids, y=h.counts, width=np.diff(edges), name="tracks",
                         marker_color=np.where(past, "#F58518", "#BAB0AC").tolist(),
                         marker_line_width=0.5, marker_line_color="white",
                         hovertemplate="%{x:.3g}: %{y} tracks<extra></extra>"))
    if response is not None:
        x, shift = response
        fig.add_trace(go.Scatter(x=np.asarray(x), y=np.asarray(shift), yaxis="y2", mode="lines",
                                 name="shift of the audio weight", line=dict(color="#4C78A8", width=2),
                                 hovertemplate="%{x:.3g} → %{y:+.3f}<extra></extra>"))
        shift = np.asarray(shift, float)
        lo, hi = min(0.0, float(np.nanmin(shift))), max(0.0, float(np.nanmax(shift)))
        pad = 0.1 * max(hi - lo, 0.01)
        fig.update_layout(yaxis2=dict(title="shift of the audio weight", overlaying="y", side="right",
                                      showgrid=False, zeroline=True, range=[lo - pad, hi + pad],
                                      tickformat="+.2f"))
    fig.add_vline(x=h.threshold, line_color="#E45756", line_width=2, line_dash="dash",
                  annotation_text=f"threshold {h.threshold:g}{unit}", annotation_position="top")
    fig.update_xaxes(title=f"{h.indicator}{unit}")
    fig.update_layout(yaxis_title="tracks")
    title = f"{rule_name}: {h.indicator} {h.op} {h.threshold:g}" if rule_name else h.indicator
    title += f" — {h.n_past} tracks past the threshold"
    if h.n_missing:
        title += f", {h.n_missing} unknown"
    return _layout(fig, title, height=_HEIGHT + 40, showlegend=response is not None,
                   legend=dict(orientation="h", yanchor="top", y=-0.22, x=0.0))


#: Colour of a group by the modality it leans on (red: audio, blue: lyrics, as in the heatmap).
LEAN_COLORS = {"audio": "#E45756", "lyrics": "#4C78A8", "both": "#9D9D9D"}


def weight_distribution_figure(frame: pd.DataFrame, by: str, leans: Optional[dict] = None) -> go.Figure:
    """Distribution of the audio weight per group: a violin with its box and every track as a point.

    Parameters
    ----------
    frame : DataFrame
        From :func:`core.views.weights_frame`.
    by : {"cluster", "genre"}
    leans : dict, optional
        ``{group: "audio" | "lyrics" | "both"}`` (e.g. from :func:`core.views.cluster_leaning`):
        each violin is coloured by what its group leans on.
    """
    fig = go.Figure()
    groups = frame[by].unique().tolist()
    try:
        groups = sorted(groups)
    except TypeError:
        groups = sorted(groups, key=str)
    for g in groups:
        part = frame[frame[by] == g]
        name = ("noise" if g == -1 else f"cluster {g}") if by == "cluster" else str(g)
        color = LEAN_COLORS.get(leans.get(g)) if leans else None
        fig.add_trace(go.Violin(
            y=part["audio_weight"], name=name, line_color=color, box_visible=True, meanline_visible=True, points="all",
            pointpos=0, jitter=0.3, spanmode="hard", scalemode="width", marker=dict(size=4),
            text=part["track_id"], hovertemplate="%{text}: %{y:.3f}<extra>" + name + "</extra>"))
    fig.add_hline(y=0.5, line_color="#BAB0AC", line_dash="dot")
    fig.update_yaxes(title="audio weight", range=[-0.05, 1.05])
    return _layout(fig, f"Audio weight per {by}", showlegend=False)


def cluster_genre_heatmap(means: pd.DataFrame, counts: pd.DataFrame) -> go.Figure:
    """Cluster x genre heatmap of the mean audio weight, each cell labelled with mean and count.

    Parameters
    ----------
    means, counts : DataFrame
        From :func:`core.views.cluster_genre_weights`.
    """
    z = means.to_numpy(dtype=float)
    text = [[("" if math.isnan(m) else f"{m:.2f}<br>n={int(c)}") for m, c in zip(mr, cr)]
            for mr, cr in zip(z, counts.to_numpy())]
    ylabels = [("noise" if c == -1 else f"cluster {c}") for c in means.index]
    fig = go.Figure(go.Heatmap(z=z, x=[str(c) for c in means.columns], y=ylabels, zmin=0.0, zmax=1.0,
                               colorscale="RdBu_r", zmid=0.5, text=text, texttemplate="%{text}",
                               colorbar=dict(title="mean<br>audio<br>weight"),
                               hovertemplate="%{y}, %{x}: %{z:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "Mean audio weight per cluster and genre (blue: lyrics, red: audio)",
                   height=max(_HEIGHT, 40 * len(ylabels) + 120))


def waterfall_figure(table: pd.DataFrame, weight: float) -> go.Figure:
    """"Why this weight" as a waterfall: base, each rule's shift, the clip, a hard rule, the total.

    Parameters
    ----------
    table : DataFrame
        From :func:`core.views.explain_table` (``step``, ``contribution``).
    weight : float
        The track's audio weight (the total bar).
    """
    steps = [str(s) for s in table["step"]]
    short = ["base" if s == "base audio weight" else s.split(":")[0].replace("hard rule ", "hard: ")
             for s in steps]
    amounts = table["contribution"].astype(float).tolist()
    fig = go.Figure(go.Waterfall(
        x=short + ["audio weight"], y=amounts + [float(weight)],
        measure=["absolute"] + ["relative"] * (len(amounts) - 1) + ["total"],
        text=[f"{a:.3f}" for a in amounts[:1]] + [f"{a:+.3f}" for a in amounts[1:]] + [f"{weight:.3f}"],
        textposition="outside", hovertext=steps + ["audio weight"], hoverinfo="text+y",
        increasing=dict(marker=dict(color="#F58518")), decreasing=dict(marker=dict(color="#4C78A8")),
        totals=dict(marker=dict(color="#54A24B")), connector=dict(line=dict(color="#BAB0AC"))))
    running = np.cumsum(amounts) if amounts else np.zeros(1)
    lo, hi = min(0.0, float(running.min())), max(1.0, float(running.max()))
    fig.update_yaxes(title="audio weight", range=[lo - 0.05, hi + 0.15])
    return _layout(fig, "Why this weight (orange: toward audio, blue: toward lyrics)", showlegend=False)
