"""``st.cache_*`` wrappers around ``core``: slow work runs once per input and is shared.

* ``st.cache_data`` for values a page may modify (the Dataset, the extraction status);
* ``st.cache_resource`` for big read-only state shared by every session (the FeatureSet and the
  Prepared embeddings/scorers), keyed by the dataset path and its folder's modification time;
* the :class:`~core.loop.InteractiveLoop` (warm-start centres, buffers) is per session, in
  ``st.session_state``, because two sessions moving different sliders must not share centres.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Optional

import streamlit as st

from core.datasets import load_dataset
from core.errors import WorkbenchError
from core.experiments import Prepared, prepare
from core.features.extract import ExtractConfig, ExtractionReport, cached_status, extract_features
from core.features.featureset import FeatureSet
from core.features.levels import audio_config_for, select_audio_levels, select_lyrics_levels
from core.loop import InteractiveLoop
from core.tracks import Dataset


def stamp(path: str) -> float:
    """Modification time of ``path`` (a rebuilt or edited dataset gets a new cache key); for a folder, the latest
    of it and its sub-folders' (a clip added to ``<folder>/<genre>/`` changes only the genre folder's time)."""
    try:
        st_ = os.stat(path)
        latest = st_.st_mtime
        # a folder's link count is 2 + its sub-folders on Linux file systems (1 where it is not counted): a
        # flat folder of many files is not scanned on every page run
        if os.path.isdir(path) and st_.st_nlink != 2:
            with os.scandir(path) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        latest = max(latest, entry.stat(follow_symlinks=False).st_mtime)
        return latest
    except OSError:
        return 0.0


@st.cache_data(show_spinner="Reading the dataset...", max_entries=8)
def _dataset(path: str, stamp: float) -> Dataset:
    return load_dataset(path)


def load(path: str) -> Dataset:
    """The Dataset at ``path`` (folder or manifest)."""
    return _dataset(path, stamp(path))


def levels_choice() -> tuple:
    """``(audio levels, learned model)`` this session uses (the Dataset page's choice; :mod:`ui.levels`)."""
    from ui.levels import current_levels
    return current_levels()


def lyrics_choice() -> tuple:
    """The lyrics levels this session clusters on (the Dataset page's choice; :mod:`ui.levels`)."""
    from ui.levels import current_lyrics_levels
    return current_lyrics_levels()


def gloss_choice() -> str:
    """How this session turns Spanish lyrics into English: "dictionary" or "apertium" (:mod:`ui.levels`)."""
    from ui.levels import current_gloss_engine
    return current_gloss_engine()


def extract_config(levels: tuple, model: str, lyrics: tuple = (), gloss: str = "dictionary") -> ExtractConfig:
    """What to extract for ``levels``: the learned level (``model``) only when it is listed, the
    multilingual lyrics block only when ``lyrics`` lists it, Spanish lyrics through ``gloss``."""
    from core.features.lyrics import LyricsConfig
    return ExtractConfig(audio=audio_config_for(levels, model),
                         lyrics=LyricsConfig(multilingual="multilingual" in tuple(lyrics), gloss_engine=gloss))


def status(path: str) -> dict:
    """How much of the dataset is already extracted for the chosen levels (no extraction)."""
    return cached_status(load(path), extract_config(*levels_choice(), lyrics_choice(), gloss_choice()))


@dataclass(eq=False)
class Ready:
    """Everything the analysis pages need for one dataset."""

    dataset: Dataset
    features: FeatureSet
    report: ExtractionReport
    prepared: Prepared


def _prepared(ds: Dataset, fs: FeatureSet, rep: ExtractionReport, levels: tuple, lyrics: tuple) -> Ready:
    """The features restricted to the chosen audio and lyrics levels, prepared: what every page clusters."""
    fs = select_lyrics_levels(select_audio_levels(fs, levels), lyrics)
    try:
        prepared = prepare(fs)
    except WorkbenchError as exc:  # e.g. nothing usable to cluster: the page lists why, file by file
        exc.problems = tuple(rep.problems)
        raise
    return Ready(dataset=ds, features=fs, report=rep, prepared=prepared)


@st.cache_resource(show_spinner="Preparing embeddings and scorers...", max_entries=4)
def _ready(path: str, stamp: float, levels: tuple, model: str, lyrics: tuple, gloss: str) -> Ready:
    ds = load_dataset(path)
    fs, rep = extract_features(ds, extract_config(levels, model, lyrics, gloss))
    return _prepared(ds, fs, rep, levels, lyrics)


def ready(path: str, progress=None) -> Ready:
    """Dataset, features (extracting them if needed, with ``progress``) and prepared state.

    With ``progress`` the extraction runs first, outside the cached function: a cached function
    must not draw into elements created outside it (Streamlit replays what it drew, and a progress
    bar from another run is gone: CacheReplayClosureError). The cached call then reads the
    finished features from the disk cache.
    """
    levels, model = levels_choice()
    lyrics, gloss = lyrics_choice(), gloss_choice()
    if progress is not None:
        ds = load_dataset(path)
        fs, rep = extract_features(ds, extract_config(levels, model, lyrics, gloss), progress=progress)
        if not rep.stored:  # a worker crashed on some clip: nothing was cached, and the next run retries
            return _remember(path, _prepared(ds, fs, rep, levels, lyrics))
    return _remember(path, _ready(path, stamp(path), levels, model, lyrics, gloss))


def _remember(path: str, r: Ready) -> Ready:
    """Keep the features' health for :func:`feature_problem` (the sidebar reads it on every page)."""
    st.session_state.setdefault("_feature_health", {})[path] = r.report.health_problem()
    return r


def feature_problem(path: str) -> Optional[str]:
    """Why the features of ``path`` are not ready (too many clips failed), as last extracted or
    loaded in this session; None when they are fine or were not looked at yet."""
    return st.session_state.get("_feature_health", {}).get(path)


def loop(path: str) -> InteractiveLoop:
    """This session's interactive loop for the dataset at ``path`` (created on first use)."""
    r = ready(path)
    loops = st.session_state.setdefault("_loops", {})
    key = (path, stamp(path), *levels_choice(), lyrics_choice(), gloss_choice())
    if key not in loops or loops[key].prepared is not r.prepared:
        loops.clear()
        loops[key] = InteractiveLoop(r.prepared, r.dataset.labels)
    return loops[key]


def features_ready(path: str) -> bool:
    """True when pages can run without an extraction step: the whole FeatureSet is cached, or every
    clip's and lyric's entry is (then only the assembly runs, a second or two; this happens after an
    upgrade whose feature-set key changed, e.g. a new lyrics option, while no clip needs extracting)."""
    try:
        s = status(path)
    except Exception:
        return False
    every_entry = s["audio_cached"] == s["audio_total"] and s["lyrics_cached"] == s["lyrics_total"]
    return bool(s["complete"] or (every_entry and s["audio_total"] + s["lyrics_total"] > 0))


@st.cache_data(show_spinner="Checking the indicators against the truth...", max_entries=4)
def _indicator_report(path: str, stamp: float, levels: tuple, model: str, _r: Ready):
    from core.views.indicator_checks import indicator_report, truth_table
    p = _r.prepared
    return (indicator_report(p.indicators, _r.dataset.ground_truth, p.track_ids),
            truth_table(_r.dataset.ground_truth, p.track_ids))


def indicator_report(path: str):
    """``(IndicatorReport with the default rules, canonical truth or None)`` of the dataset at ``path``."""
    return _indicator_report(path, stamp(path), *levels_choice(), ready(path))


def ready_or_none(path: str) -> Optional[Ready]:
    return ready(path) if features_ready(path) else None


@st.cache_resource(show_spinner=False)
def start_map_warm_up() -> threading.Thread:
    """Compile UMAP's numba kernels in a background thread, once per server process.

    A new server process spends 4-15 s loading or compiling them (:func:`core.projection.warm_up`);
    started here when the first page opens, that happens while the user reads the Dataset page, not
    when they first open the map. The map page's own call then waits for, or skips, the same work
    (``warm_up`` is thread-safe and idempotent).
    """
    from core.projection import warm_up

    thread = threading.Thread(target=warm_up, name="umap-warm-up", daemon=True)
    thread.start()
    return thread
