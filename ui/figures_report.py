"""Plotly figures of the Dataset, Ablation and Export pages, and the standalone HTML report.

Plotly only (no streamlit import), so every figure and the report can be built and checked in a
test. The data comes from :mod:`core.views.report` and :mod:`core.views.ablation`; the functions here only draw it.

Figures carry plain lists (never numpy arrays, which plotly would encode as base64), so the
numbers in a figure's JSON are readable by a person and by a test.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from typing import Mapping, Optional, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.views.ablation import (ablation_conditions_table, ablation_curve, ablation_slices_table,
                                 ablation_tests_table, metric_words)
from core.views.report import cluster_weight_table, ruleset_table, weight_histogram

__all__ = [
    "weight_histogram_figure",
    "cluster_weight_figure",
    "map_figure",
    "ablation_figure",
    "build_html_report",
]

_HARD_COLOURS = {"soft rules": "#4C78A8", "no_lyrics": "#F58518", "unusable_audio": "#E45756",
                 "no_voice": "#72B7B2"}
_PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2",
            "#FF9DA6", "#9D755D", "#BAB0AC")


def _floats(x) -> list:
    """Plain Python floats, NaN -> None (JSON null)."""
    return [None if v is None or not math.isfinite(float(v)) else float(v)
            for v in np.asarray(x, np.float64).reshape(-1)]


def _colour(i: int) -> str:
    return _PALETTE[i % len(_PALETTE)]


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------
def weight_histogram_figure(hist: pd.DataFrame, title: str = "Audio weight per track") -> go.Figure:
    """Stacked bars of :func:`core.views.report.weight_histogram`: one colour per deciding rule.

    Parameters
    ----------
    hist : DataFrame
        ``bin_lo``, ``bin_hi``, ``decided_by``, ``count``.

    Returns
    -------
    plotly Figure
        One ``bar`` trace per ``decided_by`` group (name = the group), x = bin centres.
    """
    fig = go.Figure()
    for name, g in hist.groupby("decided_by", sort=False):
        centres = ((g["bin_lo"] + g["bin_hi"]) / 2).round(6)
        width = float((g["bin_hi"] - g["bin_lo"]).iloc[0]) if len(g) else 0.05
        label = name if name == "soft rules" else f"hard rule: {name}"
        fig.add_trace(go.Bar(x=_floats(centres), y=[int(c) for c in g["count"]], name=label,
                             width=width * 0.95, marker_color=_HARD_COLOURS.get(name),
                             hovertemplate="%{y} tracks<br>weight %{x:.2f}<extra>" + label + "</extra>"))
    fig.update_layout(barmode="stack", title=title, xaxis_title="audio weight (lyrics = 1 - audio)",
                      yaxis_title="tracks", xaxis_range=[-0.03, 1.03], legend_title="decided by",
                      margin=dict(l=40, r=20, t=50, b=40), height=360)
    return fig


def cluster_weight_figure(weights, clusters, title: str = "Audio weight per cluster") -> go.Figure:
    """Box plot of the audio weight per cluster (every track drawn as a point).

    Parameters
    ----------
    weights : float (n,)
        Audio weights in [0, 1].
    clusters : int (n,)
        Cluster per track (-1: noise).

    Returns
    -------
    plotly Figure
        One ``box`` trace per cluster, named ``"cluster <c>"``, sorted by cluster id.
    """
    w = np.asarray(weights, np.float64)
    c = np.asarray(clusters)
    fig = go.Figure()
    for i, k in enumerate(sorted(set(c.tolist()))):
        name = "noise" if k == -1 else f"cluster {k}"
        fig.add_trace(go.Box(y=_floats(w[c == k]), name=name, boxpoints="all", jitter=0.4,
                             pointpos=0, marker_color=_colour(i), boxmean=True))
    fig.update_layout(title=title, yaxis_title="audio weight", yaxis_range=[-0.02, 1.02],
                      showlegend=False, margin=dict(l=40, r=20, t=50, b=40), height=360)
    return fig


def map_figure(coords, clusters, track_ids, genres=None, weights=None,
               title: str = "Map of the tracks") -> go.Figure:
    """Scatter of a 2-D (WebGL) or 3-D projection, one trace per cluster.

    Parameters
    ----------
    coords : float (n, 2) or (n, 3)
    clusters : int (n,)
    track_ids : sequence of str (n,)
    genres, weights : (n,), optional
        Shown on hover.

    Returns
    -------
    plotly Figure
        ``scattergl`` traces in 2-D, ``scatter3d`` in 3-D, named ``"cluster <c>"``.
    """
    xy = np.asarray(coords, np.float64)
    c = np.asarray(clusters)
    ids = [str(t) for t in track_ids]
    n = len(ids)
    if xy.ndim != 2 or xy.shape[0] != n or xy.shape[1] not in (2, 3) or c.shape != (n,):
        raise ValueError(f"map_figure needs coords (n, 2|3), clusters (n,) and n ids; got "
                         f"{xy.shape}, {c.shape}, {n}")
    hover = []
    for i in range(n):
        parts = [ids[i]]
        if genres is not None:
            parts.append(f"genre {genres[i]}")
        parts.append(f"cluster {c[i]}")
        if weights is not None:
            parts.append(f"audio weight {float(weights[i]):.2f}")
        hover.append("<br>".join(html.escape(p) for p in parts))
    fig = go.Figure()
    for i, k in enumerate(sorted(set(c.tolist()))):
        m = c == k
        name = "noise" if k == -1 else f"cluster {k}"
        text = [h for h, keep in zip(hover, m) if keep]
        kw = dict(mode="markers", name=name, text=text, hovertemplate="%{text}<extra></extra>",
                  marker=dict(color=_colour(i), size=6))
        if xy.shape[1] == 2:
            fig.add_trace(go.Scattergl(x=_floats(xy[m, 0]), y=_floats(xy[m, 1]), **kw))
        else:
            kw["marker"]["size"] = 3
            fig.add_trace(go.Scatter3d(x=_floats(xy[m, 0]), y=_floats(xy[m, 1]),
                                       z=_floats(xy[m, 2]), **kw))
    fig.update_layout(title=title, legend_title="cluster", margin=dict(l=20, r=20, t=50, b=20),
                      height=480)
    return fig


def ablation_figure(result, metric: str) -> go.Figure:
    """The metric against the static audio weight, its 95 % interval band, and the dynamic line.

    ``result`` (an AblationResult) and ``metric`` (one of ``result.metrics``) are those of
    :func:`core.views.ablation.ablation_curve`, which supplies the data.

    Returns
    -------
    plotly Figure
        Traces, by name: ``"static weight: 95 % CI"`` (band), ``"static weight"`` (mean curve),
        ``"dynamic: 95 % CI"`` (band), ``"dynamic (rules)"`` (horizontal line at its mean),
        ``"audio only"`` / ``"lyrics only"`` (dotted lines) and the best static weight marked
        ``"best static (oracle: picked with the labels)"`` or ``"best static (post hoc)"``.
    """
    static, dynamic, singles = ablation_curve(result, metric)
    x = _floats(static["weight"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x + x[::-1], y=_floats(static["ci_high"]) + _floats(static["ci_low"])[::-1],
                             fill="toself", fillcolor="rgba(76,120,168,0.2)", line=dict(width=0), mode="lines",
                             name="static weight: 95 % CI", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=_floats(static["mean"]), mode="lines+markers",
                             name="static weight", line=dict(color="#4C78A8"),
                             hovertemplate="static %{x:.1f}: %{y:.3f}<extra></extra>"))
    if dynamic is not None:
        fig.add_trace(go.Scatter(x=[0, 1, 1, 0], y=_floats([dynamic["ci_high"], dynamic["ci_high"],
                                                            dynamic["ci_low"], dynamic["ci_low"]]),
                                 fill="toself", fillcolor="rgba(228,87,86,0.15)", line=dict(width=0), mode="lines",
                                 name="dynamic: 95 % CI", hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=[0, 1], y=_floats([dynamic["mean"], dynamic["mean"]]), mode="lines",
                                 name="dynamic (rules)", line=dict(color="#E45756", width=3),
                                 hovertemplate="dynamic: %{y:.3f}<extra></extra>"))
    for cond, colour in (("audio_only", "#54A24B"), ("lyrics_only", "#B279A2")):
        if cond in singles:
            v = singles[cond]["mean"]
            fig.add_trace(go.Scatter(x=[0, 1], y=_floats([v, v]), mode="lines",
                                     name=cond.replace("_", " "),
                                     line=dict(color=colour, dash="dot"),
                                     hovertemplate=cond.replace("_", " ") + ": %{y:.3f}<extra></extra>"))
    best = static[static["best"]]
    if len(best):
        label = ("best static (oracle: picked with the labels)" if result.oracle
                 else "best static (post hoc)")
        fig.add_trace(go.Scatter(x=_floats(best["weight"]), y=_floats(best["mean"]), mode="markers",
                                 name=label, marker=dict(symbol="star", size=14, color="#F58518")))
    name = metric_words(metric)  # "NMI ↑", "Davies-Bouldin ↓": the arrow says which way is better
    fig.update_layout(title=f"{name} against the static audio weight (mean over seeds)",
                      xaxis_title="static audio weight (every track; lyrics weight = 1 − audio weight)",
                      yaxis_title=name,
                      xaxis_range=[-0.02, 1.02], margin=dict(l=40, r=20, t=50, b=40), height=420)
    return fig


# ----------------------------------------------------------------------------------------------
# The standalone HTML report
# ----------------------------------------------------------------------------------------------
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
.note { background: #fff6e0; border-left: 4px solid #f0b400; padding: 0.5em 0.8em; margin: 0.6em 0; }
.figure { width: 100%; min-height: 360px; }
footer { margin-top: 3em; font-size: 0.8em; color: #666; }
"""


def _table(df: pd.DataFrame, table_id: str, index: bool = False, digits: int = 3) -> str:
    def fmt(v):
        if isinstance(v, (float, np.floating)):
            return "" if not math.isfinite(float(v)) else f"{float(v):.{digits}f}"
        return v
    shown = df.copy()
    for col in shown.columns:
        if shown[col].dtype.kind == "f":
            shown[col] = shown[col].map(fmt).astype(object)
    return shown.to_html(index=index, table_id=table_id, escape=True, border=0, na_rep="")


def _figure_html(fig: go.Figure, fig_id: str) -> str:
    """A div and the figure's JSON in a <script type="application/json"> the page plots."""
    data = fig.to_json().replace("</", "<\\/")
    return (f'<div id="{fig_id}" class="figure"></div>\n'
            f'<script type="application/json" id="{fig_id}-data">{data}</script>\n'
            f'<script>Plotly.newPlot("{fig_id}", JSON.parse(document.getElementById("{fig_id}-data")'
            f'.textContent));</script>\n')


def _kv_table(items: Mapping, table_id: str) -> str:
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in items.items())
    return f'<table id="{table_id}">{rows}</table>'


def build_html_report(*, dataset: Mapping, settings: Mapping, metric_table: pd.DataFrame,
                      weights, clusters, track_ids, decided_by=None, genres=None, coords=None,
                      ruleset=None, rule_counts: Optional[Mapping] = None,
                      notes: Sequence[str] = (), ablation: Optional[Mapping] = None,
                      versions: Optional[Mapping] = None, created: Optional[str] = None,
                      title: str = "Audio-lyrics fusion workbench: report",
                      plotlyjs: Optional[str] = None) -> str:
    """A standalone HTML page (plotly.js inline, works offline) with the current results.

    Parameters
    ----------
    dataset : mapping
        Shown as a list (e.g. :meth:`Dataset.summary` plus ``root``).
    settings : mapping
        Algorithm, fusion, k, seed ... shown as a table.
    metric_table : DataFrame
        Condition x metric (:meth:`core.loop.InteractiveLoop.comparison_table`), index = condition.
    weights : float (n,)
        Audio weight per track, in [0, 1].
    clusters : int (n,)
        Cluster per track.
    track_ids : sequence of str (n,)
    decided_by : (n,) of str, optional
        Hard rule that decided each weight ("" for soft rules); splits the histogram.
    genres : (n,), optional
    coords : float (n, 2) or (n, 3), optional
        A projection; the map section appears only when given.
    ruleset : RuleSet, optional
        Its soft rules are listed, with ``rule_counts`` (tracks each fired on) when given.
    notes : sequence of str
        Plain statements shown at the top (fusion off, no labels ...).
    ablation : mapping fusion -> AblationResult, optional
        Adds the ablation tables and curve (primary metric).
    versions : mapping, optional
        Package versions for the footer.
    created : str, optional
        Timestamp shown; default now (ISO, seconds).
    plotlyjs : str, optional
        The plotly.js source to inline; default the bundled one (:func:`plotly.offline.get_plotlyjs`).

    Returns
    -------
    str
        The HTML document. Sections have ids ``settings``, ``metrics``, ``weights``,
        ``cluster-weights``, ``map`` (when coords), ``ablation`` (when given); each figure's data
        is in a ``<script type="application/json" id="<figure id>-data">`` block (figure ids
        ``fig-weights``, ``fig-cluster-weights``, ``fig-map``, ``fig-ablation-<fusion>``) and
        tables have ids (``table-settings``, ``table-metrics``, ``table-rules``,
        ``table-cluster-weights``, ...). No external resource is referenced.
    """
    w = np.asarray(weights, np.float64).reshape(-1)
    c = np.asarray(clusters).reshape(-1)
    ids = [str(t) for t in track_ids]
    if not (w.shape[0] == c.shape[0] == len(ids)):
        raise ValueError(f"build_html_report needs one weight, cluster and id per track; got "
                         f"{w.shape[0]}, {c.shape[0]}, {len(ids)}")
    if plotlyjs is None:
        from plotly.offline import get_plotlyjs

        plotlyjs = get_plotlyjs()
    created = created or _dt.datetime.now().isoformat(timespec="seconds")
    esc = html.escape
    parts = [f"<h1>{esc(title)}</h1>",
             f"<p>Created {esc(created)}. Every figure and table below describes the clustering "
             f"on screen when the report was made; regenerate it from the Export page.</p>"]
    parts.append('<section id="dataset"><h2>Dataset</h2>')
    parts.append(_kv_table({k: v for k, v in dataset.items() if not isinstance(v, Mapping)},
                           "table-dataset"))
    parts.append("</section>")
    for note in notes:
        parts.append(f'<p class="note">{esc(str(note))}</p>')

    parts.append('<section id="settings"><h2>Settings</h2>')
    parts.append(_kv_table(settings, "table-settings"))
    if ruleset is not None:
        rt = ruleset_table(ruleset)
        if rule_counts is not None:
            rt["tracks fired on"] = [int(rule_counts.get(r, 0)) for r in rt["rule"]]
        parts.append(f"<p>Base audio weight {ruleset.base_weight:g}, clipped to "
                     f"[{ruleset.clip[0]:g}, {ruleset.clip[1]:g}]; "
                     f"{'soft (ramped)' if ruleset.soft else 'hard (step)'} rules.</p>")
        parts.append(_table(rt, "table-rules"))
        if rule_counts is not None:
            hard = {k: v for k, v in rule_counts.items() if k not in set(rt["rule"])}
            if hard:
                parts.append("<p>Hard rules, tracks each decided: "
                             + esc(", ".join(f"{k} {v}" for k, v in hard.items())) + ".</p>")
    parts.append("</section>")

    parts.append('<section id="metrics"><h2>Metrics</h2>')
    parts.append("<p>The dynamic (rule-weighted) clustering beside audio only, lyrics only and "
                 "static 0.5, on every track.</p>")
    mt = metric_table.copy()
    mt.index.name = mt.index.name or "condition"
    parts.append(_table(mt.reset_index(), "table-metrics"))
    parts.append("</section>")

    hist = weight_histogram(w, decided_by, bins=20)
    parts.append('<section id="weights"><h2>Audio weights</h2>')
    parts.append(f"<p>{len(ids)} tracks; mean audio weight {np.nanmean(w):.3f}. The lyrics weight "
                 "of a track is 1 minus its audio weight.</p>" if len(ids) else "<p>No tracks.</p>")
    parts.append(_figure_html(weight_histogram_figure(hist), "fig-weights"))
    parts.append("</section>")

    parts.append('<section id="cluster-weights"><h2>Audio weight per cluster</h2>')
    parts.append(_figure_html(cluster_weight_figure(w, c), "fig-cluster-weights"))
    cw = cluster_weight_table(w, c)
    parts.append(_table(cw[["cluster", "n", "mean", "std", "min", "q25", "median", "q75", "max"]],
                        "table-cluster-weights"))
    parts.append("</section>")

    if coords is not None:
        parts.append('<section id="map"><h2>Map</h2>')
        parts.append(_figure_html(map_figure(coords, c, ids, genres=genres, weights=w), "fig-map"))
        parts.append("</section>")

    if ablation:
        parts.append('<section id="ablation"><h2>Ablation</h2>')
        for fusion, res in ablation.items():
            slug = "".join(ch if ch.isalnum() else "-" for ch in str(fusion))
            parts.append(f"<h3>{esc(res.config.algorithm)}, fusion {esc(str(fusion))}: "
                         f"k = {res.n_clusters}, {res.coverage['n_seeds']} seeds</h3>")
            for note in res.notes:
                parts.append(f'<p class="note">{esc(note)}</p>')
            parts.append(_figure_html(ablation_figure(res, res.primary_metric), f"fig-ablation-{slug}"))
            tab = ablation_conditions_table(res)
            parts.append(_table(tab.reset_index(), f"table-ablation-{slug}"))
            parts.append(_table(ablation_tests_table(res), f"table-tests-{slug}", digits=4))
            sl = ablation_slices_table(res)
            if sl is not None:
                parts.append("<p>Degradation slices (synthetic ground truth; evaluation only):</p>")
                parts.append(_table(sl, f"table-slices-{slug}"))
        parts.append("</section>")

    if versions:
        parts.append("<footer>" + esc(", ".join(f"{k} {v}" for k, v in versions.items() if v))
                     + "</footer>")
    body = "\n".join(parts)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(title)}</title><style>{_CSS}</style>"
            f"<script>{plotlyjs}</script></head>\n<body>\n{body}\n</body></html>\n")
