"""Dataset page: what the chosen dataset holds, its extraction status and its problems."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import WorkbenchError
from ui import cached
from ui.state import dataset_location, dataset_path

st.title("Dataset")
location = dataset_location()
if not location:
    st.info("Enter the path of a folder or a CSV manifest in the sidebar.")
    st.stop()
path = str(dataset_path())

try:
    ds = cached.load(path)
except WorkbenchError as exc:
    st.error(f"Cannot load this dataset: {exc}")
    st.stop()

summary = ds.summary()
cols = st.columns(4)
cols[0].metric("Tracks", summary["tracks"])
cols[1].metric("Genres", len(summary.get("genres", {})) if ds.has_labels else "unlabelled")
cols[2].metric("Lyrics coverage", f"{summary['lyrics_coverage']:.0%}" if ds.has_lyrics else "none")
cols[3].metric("Problems", summary["problems"])
st.caption(f"{ds.kind} dataset at `{ds.root}`")
if not ds.has_lyrics:
    st.warning("This dataset has no lyrics: fusion is off, and every track gets audio weight 1. "
               "Results are audio-only.")
if ds.has_labels:
    st.subheader("Tracks per genre")
    counts = pd.Series(summary["genres"], name="tracks")
    st.bar_chart(counts)
else:
    st.info("No genre labels: only internal metrics (silhouette, Calinski-Harabasz, Davies-Bouldin) apply.")

st.subheader("Features")
status = cached.status(path)
if status["complete"]:
    fs, rep = cached.load_features(path)
    st.success(f"Features ready for {fs.n_tracks} tracks: {int(fs.audio_ok.sum())} with audio features, "
               f"{int(fs.lyrics_ok.sum())} with lyrics features.")
    problems = list(ds.problems) + [p for p in rep.problems]
else:
    st.write(f"Audio: {status['audio_cached']} of {status['audio_total']} clips extracted; "
             f"lyrics: {status['lyrics_cached']} of {status['lyrics_total']} embedded.")
    problems = list(ds.problems)
    if st.button("Extract features", type="primary"):
        bar = st.progress(0.0, text="Starting...")

        def progress(done, total, message=""):
            bar.progress(min(done / max(total, 1), 1.0), text=f"{done}/{total} {message}")

        try:
            fs, rep = cached.load_features(path, progress=progress)
        except WorkbenchError as exc:
            st.error(f"Extraction failed: {exc}")
            st.stop()
        st.rerun()

st.subheader("Problems")
if problems:
    st.dataframe(pd.DataFrame([{"file": p.path, "problem": p.reason, "what happens": p.hint, "stage": p.stage}
                               for p in problems]), hide_index=True, width="stretch")
else:
    st.write("No problems found.")
