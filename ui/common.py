"""Small pieces every analysis page uses: get the prepared dataset or explain what is missing,
run the loop for the current settings, and say plainly when fusion is off."""

from __future__ import annotations

from typing import Callable, Optional

import streamlit as st

from core.errors import WorkbenchError
from core.loop import LoopResult
from ui import cached
from ui.state import current_view, dataset_location, dataset_path


def require_ready() -> cached.Ready:
    """The prepared dataset, or a message with a link to the Dataset page and ``st.stop()``."""
    loc = dataset_location()
    if not loc:
        st.info("Choose a dataset in the sidebar.")
        st.stop()
    path = str(dataset_path())
    key = (path, cached.stamp(path), *cached.levels_choice(), cached.lyrics_choice(), cached.gloss_choice())
    if st.session_state.get("_ready_key") == key:  # checked earlier this session: skip the file scan
        return cached.ready(path)
    try:
        cached.load(path)
    except WorkbenchError as exc:
        st.error(f"Cannot load this dataset: {exc}")
        st.stop()
    if not cached.features_ready(path):
        st.info("Features are not extracted for this dataset yet.")
        st.page_link("app_pages/dataset.py", label="Extract them on the Dataset page", icon=":material/folder_open:")
        st.stop()
    try:
        ready = cached.ready(path)
    except WorkbenchError as exc:
        st.error(str(exc))
        st.stop()
    st.session_state["_ready_key"] = key
    return ready


def fusion_note(ready: cached.Ready) -> None:
    """Say it when the dataset has no lyrics: fusion is off and results are audio-only."""
    if not ready.prepared.has_lyrics:
        st.warning("This dataset has no lyrics: fusion is off. Every track gets audio weight 1 (hard rule "
                   "'no lyrics'), so the results below are audio-only.", icon=":material/music_off:")


def resolved_k(ready: cached.Ready) -> int:
    view = current_view()
    labels = ready.dataset.labels
    n_genres = len(set(labels)) if labels is not None else None
    return view.resolved_k(n_genres, ready.prepared.n_tracks)


def run_current(before_stop: Optional[Callable[[], None]] = None) -> tuple[cached.Ready, LoopResult]:
    """Run the interactive loop for the current settings (fast; warm-started per session).

    If clustering fails the error is shown and the run stops; ``before_stop`` is called first (the
    Clusters page draws its sliders after the loop, and they must stay on the page to undo the move)."""
    ready = require_ready()
    view = current_view()
    loop = cached.loop(str(dataset_path()))
    try:
        result = loop.run(view.ruleset, algorithm=view.algorithm, fusion=view.fusion,
                          n_clusters=resolved_k(ready), seed=view.seed)
    except WorkbenchError as exc:
        st.error(f"Clustering failed: {exc}")
        if before_stop is not None:
            before_stop()
        st.stop()
    st.session_state["_last_result"] = result
    return ready, result
