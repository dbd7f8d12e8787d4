"""Weights per cluster: how the audio weight is distributed in each cluster and each genre, which
clusters lean on audio and which on lyrics, and the cluster x genre table of mean weights."""

from __future__ import annotations

import streamlit as st

from core import views
from core.experiments import weight_distributions
from ui import figures
from ui.common import fusion_note, run_current

st.title("Weights per cluster")
st.caption("The audio weight the rules give each track (the lyrics weight is 1 − audio weight), grouped by the "
           "cluster it landed in for the current settings, and by genre when the dataset is labelled.")
ready, result = run_current()
fusion_note(ready)
st.page_link("app_pages/rules.py", label="Change the rules", icon=":material/tune:")

genres = ready.prepared.align(ready.dataset.labels) if ready.dataset.has_labels else None
frame = views.weights_frame(result.track_ids, result.weights, result.labels, genres, result.rules.decided_by)
lean = views.cluster_leaning(result.weights, result.labels)

counts = lean.table["leans"].value_counts()
cols = st.columns(4)
cols[0].metric("Clusters", len(lean.table))
cols[1].metric("Lean on audio", int(counts.get("audio", 0)), help=f"Mean audio weight above {lean.audio_above:g}.")
cols[2].metric("Lean on lyrics", int(counts.get("lyrics", 0)), help=f"Mean audio weight below {lean.lyrics_below:g}.")
cols[3].metric("Use both", int(counts.get("both", 0)))
st.info(lean.sentence, icon=":material/balance:")

by_cluster, by_genre, crossed = st.tabs(["Per cluster", "Per genre", "Cluster × genre"])
with by_cluster:
    st.plotly_chart(figures.weight_distribution_figure(frame, "cluster", dict(zip(lean.table["cluster"],
                                                                                  lean.table["leans"]))),
                    width="stretch", key="weights_by_cluster")
    st.caption("Red: the cluster leans on audio; blue: on lyrics; grey: both. The dotted line is 0.5.")
    st.dataframe(lean.table, hide_index=True, width="stretch", key="weights_lean_table",
                 column_config={"mean": st.column_config.NumberColumn("mean audio weight", format="%.3f"),
                                "median": st.column_config.NumberColumn("median", format="%.3f"),
                                "leans": st.column_config.TextColumn("leans on")})
with by_genre:
    if genres is None:
        st.info("This dataset has no genre labels: the per-genre view needs them.")
    else:
        st.plotly_chart(figures.weight_distribution_figure(frame, "genre"), width="stretch", key="weights_by_genre")
        dist = weight_distributions(result.weights, genres, "genre")
        st.dataframe(dist[["group", "n", "mean", "std", "min", "median", "max"]].rename(columns={"group": "genre"}),
                     hide_index=True, width="stretch", key="weights_genre_table",
                     column_config={c: st.column_config.NumberColumn(format="%.3f")
                                    for c in ("mean", "std", "min", "median", "max")})
with crossed:
    if genres is None:
        st.info("This dataset has no genre labels: the cluster × genre table needs them.")
    else:
        means, cell_counts = views.cluster_genre_weights(result.weights, result.labels, genres)
        st.plotly_chart(figures.cluster_genre_heatmap(means, cell_counts), width="stretch",
                        key="weights_heatmap")
        st.dataframe(means, width="stretch", key="weights_crossed_table",
                     column_config={str(c): st.column_config.NumberColumn(format="%.2f") for c in means.columns})
        st.caption("Mean audio weight of the tracks of each genre in each cluster (empty: no such track).")
