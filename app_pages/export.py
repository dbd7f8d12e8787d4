"""Export page: per-track tables (CSV and JSON) and a standalone HTML report of what is on screen.

Runs the loop for the current settings (``ui.common.run_current``), shapes its result with
``core.views.export`` and offers the files through download buttons. Files are built when a
button is pressed (deferred downloads), so moving a slider elsewhere costs nothing here.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

from core.errors import WorkbenchError
from core.experiments import ruleset_to_dict
from core.fusion import fuse_concat
from core.projection import ProjectionConfig, project
from core.report import versions
from core.rules import rule_counts
from core.views.export import EXPORT_TABLES, dropped_track_ids, split_tracks_table, tracks_json, tracks_table
from core.views.viewstate import audio_levels_words, clustering_words, to_query
from ui import cached
from ui.common import fusion_note, run_current
from ui.figures_report import build_html_report
from ui.state import current_view, dataset_location, dataset_path


def _stored_map(track_ids, path: str):
    """``(coords, description)`` of the map the Clusters page last drew for these tracks, or None."""
    layout = st.session_state.get("_map_layout")           # core.views.map.MapLayout
    coords = getattr(layout, "coords", None)
    if coords is None or tuple(getattr(layout, "track_ids", ())) != tuple(track_ids):
        return None
    key = getattr(layout, "key", ())
    if key and str(key[0]) != path:
        return None
    method, dims = str(getattr(layout, "method", "")).upper(), getattr(layout, "dims", "")
    return np.asarray(coords), f"the {method} {dims}-D map as last drawn on the Clusters and map page"


st.title("Export")
ready, result = run_current()
fusion_note(ready)
view = current_view()
ds = ready.dataset
labelled = ds.labels is not None
loop = cached.loop(str(dataset_path()))

table = tracks_table(ready.prepared, result, ds.labels)
tables = split_tracks_table(table)
dropped = dropped_track_ids(ready.prepared, ready.features.track_ids)
settings = {"dataset": dataset_location(), "algorithm": view.algorithm, "fusion": view.fusion,
            "clusters (k)": result.n_clusters, "seed": view.seed, "audio levels": audio_levels_words(view),
            "link parameters": "?" + urlencode(to_query(view))}
dataset_info = {**ds.summary(), "root": str(ds.root)}
stem = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in ds.name) or "dataset"

st.write(f"The clustering on screen: **{len(table)} tracks**, {clustering_words(view.algorithm, view.fusion)}, "
         f"k = {result.n_clusters}, seed {view.seed}, the rules as set on the "
         "Rules page. Every file below describes exactly this result.")
if dropped:
    st.info(f"{len(dropped)} track(s) have neither usable audio nor usable lyrics and are in no file's "
            f"rows (listed under `dropped` in the JSON): {', '.join(dropped[:10])}"
            + (" ..." if len(dropped) > 10 else ""))

st.subheader("Metrics")
try:
    metric_table = loop.comparison_table(result, view.algorithm, view.fusion, view.seed)
except WorkbenchError as exc:
    st.error(f"The comparison conditions could not be computed: {exc}")
    metric_table = None
if metric_table is not None:
    if not labelled:
        st.caption("No labels: internal metrics only.")
    st.dataframe(metric_table, width="stretch")

st.subheader("Per-track tables")
json_text = lambda: tracks_json(table, dataset=dataset_info, settings=settings,  # noqa: E731
                                metrics=result.metrics, ruleset=ruleset_to_dict(view.ruleset),
                                dropped=dropped)
left, right = st.columns(2)
left.download_button("All tables as one JSON file", data=json_text, file_name=f"{stem}-tracks.json",
                     mime="application/json", key="dl.json", on_click="ignore", width="stretch",
                     help="Settings, metrics, rule set, dropped tracks and one record per track.")
right.download_button("All columns as one CSV file", data=lambda: table.to_csv(index=False),
                      file_name=f"{stem}-tracks.csv", mime="text/csv", key="dl.all_csv", on_click="ignore",
                      width="stretch", help="The same columns as `python -m core export` writes.")
tabs = st.tabs(list(tables))
for tab, (name, frame) in zip(tabs, tables.items()):
    with tab:
        st.caption(f"{name}: {EXPORT_TABLES[name]}. {len(frame)} rows, {frame.shape[1]} columns.")
        st.download_button(f"{name}.csv", data=lambda frame=frame: frame.to_csv(index=False),
                           file_name=f"{stem}-{name}.csv", mime="text/csv", key=f"dl.{name}",
                           on_click="ignore")
        st.dataframe(frame, hide_index=True, width="stretch", height=260)

st.subheader("HTML report")
st.write("One self-contained page (plotly inline, opens offline): the settings and rules, the metric "
         "table, the weight histogram, the weight per cluster, the map and, if you ran one, the ablation.")
stored = _stored_map(result.track_ids, str(dataset_path()))
coords, map_note = stored if stored is not None else (
    None, "a PCA map of the fused features (no map drawn for these tracks yet)")
include_map = st.checkbox(f"Include {map_note}", value=True, key="export.map")
ablation = st.session_state.get("_ablation")
ablation_results = None
if ablation and ablation["settings"].get("path") == str(dataset_path()):
    if st.checkbox("Include the last ablation run", value=True, key="export.ablation"):
        ablation_results = ablation["results"]

notes = []
if not ready.prepared.has_lyrics:
    notes.append("This dataset has no lyrics: fusion is off. Every track gets audio weight 1, so the "
                 "results are audio-only.")
if not labelled:
    notes.append("No genre labels: internal metrics only.")
if result.warnings:
    notes += [f"Clustering warning: {w}" for w in result.warnings]


def _report() -> str:
    try:
        return _build_report()
    except Exception as exc:  # a deferred download has no page to show an error on
        return (f"<!DOCTYPE html><html><body><h1>The report could not be built</h1>"
                f"<p>{html.escape(type(exc).__name__ + ': ' + str(exc))}</p></body></html>")


def _build_report() -> str:
    map_coords = None
    if include_map:
        map_coords = coords
        if map_coords is None:
            fused = fuse_concat(ready.prepared.embeddings, result.weights)
            map_coords = project(fused, ProjectionConfig(method="pca", n_components=2, seed=view.seed)).coords
    return build_html_report(
        dataset=dataset_info, settings=settings,
        metric_table=metric_table if metric_table is not None else pd.DataFrame(),
        weights=result.weights, clusters=result.labels, track_ids=result.track_ids,
        decided_by=result.rules.decided_by, genres=table["genre"].tolist() if "genre" in table else None,
        coords=map_coords, ruleset=view.ruleset, rule_counts=rule_counts(result.rules), notes=notes,
        ablation=ablation_results, versions=versions())


st.download_button("Download the HTML report", data=_report, file_name=f"{stem}-report.html",
                   mime="text/html", key="dl.html", on_click="ignore", type="primary")
