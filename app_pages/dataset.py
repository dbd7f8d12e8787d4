"""Dataset page: build or upload a dataset, see what it holds, extract its features, list problems.

Reads the dataset choice from the sidebar (``dataset_source`` / ``dataset_path``), calls ``core``
through ``ui.cached`` and draws. The built-in set's generator knobs live in a form (one build at
a time across sessions); a zip upload is unpacked in a callback, which then points the sidebar at
the unpacked folder (widget keys can only be set before their widget is drawn).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from core.datasets.scan import audio_size_limit, format_bytes
from core.datasets.synthetic import SynthConfig, generate, read_config
from core.datasets.upload import UploadLimits, unpack_zip
from core.errors import WorkbenchError
from core.indicators import compute_indicators
from core.paths import data_dir, default_synthetic_dir
from core.views.indicator_overview import indicator_overview
from core.views.silent_rules import silent_rules_text
from core.views.viewstate import BUILTIN, learned_words
from ui import cached
from ui.levels import current_lyrics_levels, levels_picker
from ui.state import dataset_location, dataset_path
from ui.synth_form import form_config, generator_inputs

UPLOAD_LIMITS = UploadLimits()


@st.cache_resource
def _build_lock() -> threading.Lock:
    """One lock for the whole server: two sessions must not rebuild the built-in set at once."""
    return threading.Lock()


def _current_synth_config() -> SynthConfig:
    """The built-in set's settings as recorded (v1 records have no version), or the defaults."""
    record = read_config(default_synthetic_dir()) or {}
    try:
        return SynthConfig.from_dict(record) if record else SynthConfig()
    except (WorkbenchError, TypeError):
        return SynthConfig()


def _generator_form(missing: bool) -> None:
    """The built-in set's knobs (every SynthConfig field, at the current set's values) and a
    "Regenerate" button (progress bar, one build at a time)."""
    current = _current_synth_config()
    label = "Build the built-in synthetic set" if missing else "Built-in set: generator settings"
    with st.expander(label, expanded=missing):
        if not missing:
            st.caption(f"Current set: generator v{current.version}, {len(current.genres)} genres x "
                       f"{current.tracks_per_genre} tracks, {current.clip_seconds:g} s clips, "
                       f"seed {current.seed}.")
        with st.form("synth_form"):
            values = generator_inputs(current)
            submitted = st.form_submit_button("Regenerate" if not missing else "Build", type="primary")
        if submitted:
            _regenerate(values)


def _regenerate(values: dict) -> None:
    try:
        config = form_config(values)
    except WorkbenchError as exc:
        st.error(f"These settings cannot build a set: {exc}")
        return
    lock = _build_lock()
    if not lock.acquire(blocking=False):
        st.warning("Another session is building the built-in set right now. Wait until it is done, "
                   "then reload this page.")
        return
    try:
        bar = st.progress(0.0, text=f"Generating {config.n_tracks} tracks...")

        def progress(done, total, message=""):
            bar.progress(min(done / max(total, 1), 1.0), text=f"Generating: {done}/{total} {message}")

        generate(config, default_synthetic_dir(), n_jobs=2 if config.n_tracks >= 16 else 1,
                 progress=progress)
    except WorkbenchError as exc:
        st.error(f"Building the set failed: {exc}")
        return
    finally:
        lock.release()
    # the folder's modification time keys the feature caches; drop this session's loop and the
    # dataset tables so nothing shows the old set
    st.cache_data.clear()
    st.session_state.pop("_loops", None)
    st.session_state.pop("_ablation", None)
    st.session_state["_synth_built"] = config.n_tracks
    st.rerun()


def _on_upload() -> None:
    """Unpack the uploaded zip and point the sidebar at it (runs before the next script run)."""
    uploaded = st.session_state.get("upload_zip")
    st.session_state.pop("_upload_error", None)
    if uploaded is None:
        return
    try:
        folder, problems = unpack_zip(uploaded.getvalue(), data_dir() / "uploads", UPLOAD_LIMITS,
                                      archive_name=uploaded.name)
    except WorkbenchError as exc:
        st.session_state["_upload_error"] = f"Cannot use {uploaded.name}: {exc}"
        return
    st.session_state["dataset_source"] = "path"
    st.session_state["dataset_path"] = str(folder)
    st.session_state["_upload"] = {"name": uploaded.name, "folder": str(folder),
                                   "problems": [(p.path, p.reason, p.hint) for p in problems]}


def _upload_section() -> None:
    with st.expander("Upload your own music (zip)", expanded=False):
        st.write("A zip of a folder `<genre>/<name>.wav` (or .flac, .ogg, .mp3, .au) with optional "
                 "`<name>.txt` lyrics beside each file, or of a CSV manifest with `audio_path` and "
                 "`lyrics` or `lyrics_path` columns (optional `genre`).")
        st.caption(f"Limits: {UPLOAD_LIMITS.describe()}; at most {format_bytes(audio_size_limit())} per audio "
                   "file. Members with absolute paths, `..` or symbolic links are skipped and listed; a zip bomb "
                   "is refused whole; a manifest may only point at files inside the zip.")
        st.file_uploader("Zip archive", type=["zip"], key="upload_zip", on_change=_on_upload,
                         max_upload_size=max(1, UPLOAD_LIMITS.max_upload_bytes // 2**20))
    error = st.session_state.get("_upload_error")
    if error:
        st.error(error)


def _on_features_upload() -> None:
    """Store the uploaded features file (Parquet or CSV) and point the sidebar at it."""
    from core.datasets.upload import save_features_upload
    uploaded = st.session_state.get("upload_features")
    st.session_state.pop("_upload_error", None)
    if uploaded is None:
        return
    try:
        path = save_features_upload(uploaded.getvalue(), uploaded.name, data_dir() / "uploads")
        cached.load(str(path))  # read and checked before it replaces the dataset in use (memoised: read once)
    except WorkbenchError as exc:
        st.session_state["_upload_error"] = f"Cannot use {uploaded.name}: {exc} The dataset in use is unchanged."
        return
    st.session_state["dataset_source"] = "path"
    st.session_state["dataset_path"] = str(path)


def _features_upload_section() -> None:
    with st.expander("Upload your own features (Parquet or CSV)", expanded=False):
        st.write("A table of precomputed per-track embeddings: columns `audio_0 ..` and/or `lyrics_0 ..` "
                 "(any names with those prefixes), optional `track_id`, `title`, `genre` or `label`, "
                 "indicator columns such as `loudness_dbfs` or `audio_quality`, and `audio_path` for a play "
                 "button. The README's \"Your own features\" lists every column.")
        st.file_uploader("Features file", type=["parquet", "csv"], key="upload_features",
                         on_change=_on_features_upload,
                         max_upload_size=max(1, UPLOAD_LIMITS.max_upload_bytes // 2**20))


def _upload_problems(path: str) -> list:
    info = st.session_state.get("_upload")
    if not info or info["folder"] != path:
        return []
    return [{"file": f, "problem": r, "what happens": h, "stage": "upload"} for f, r, h in info["problems"]]


def _learned_note(fs) -> str:
    """" The learned level: MTT_musicnn, mid-end layer, 3,062 columns." when the features hold it, else ""."""
    width = len(fs.audio_blocks.get("learned", ()))
    audio = (fs.meta or {}).get("audio_config") or {}
    if not width or not audio.get("learned_model"):
        return ""
    words = learned_words(audio["learned_model"], audio.get("learned_layer", "penultimate"))
    return f" The learned level: {words}, {width:,} columns."


st.title("Dataset")
location = dataset_location()
if not location:
    st.info("Enter the path of a folder, a CSV manifest or a features file in the sidebar, or upload a zip "
            "or a features file below.")
    _upload_section()
    _features_upload_section()
    st.stop()
path = str(dataset_path())
builtin = location == BUILTIN
builtin_missing = builtin and not (default_synthetic_dir() / "synth_config.json").is_file()

if builtin:
    _generator_form(builtin_missing)
    built = st.session_state.pop("_synth_built", None)
    if built:
        st.success(f"Built {built} tracks. Extract their features below.")
_upload_section()
_features_upload_section()
upload = st.session_state.get("_upload")
if upload and upload["folder"] == path:
    st.success(f"Using the upload {upload['name']} (unpacked to `{upload['folder']}`).")
    if upload["problems"]:
        st.warning("In the archive: " + "; ".join(f"`{f}`: {r} ({h})" for f, r, h in upload["problems"][:10])
                   + (f"; and {len(upload['problems']) - 10} more (see Problems below)"
                      if len(upload["problems"]) > 10 else ""))

if builtin_missing:
    st.info("The built-in synthetic set is not built yet: choose its settings above and press Build "
            "(or run `python -m core synth` in a terminal).")
    st.stop()

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
problem_count = cols[3].empty()  # filled below, from the same rows as the Problems table (load and extraction)
st.caption(f"{ds.kind} dataset at `{ds.root}`")
if not ds.has_lyrics:
    st.warning("This dataset has no lyrics: fusion is off, and every track gets audio weight 1. "
               "Results are audio-only.")
elif summary["with_audio"] == 0:
    st.warning("This dataset has no audio: fusion is off, and every track gets lyrics weight 1. "
               "Results are lyrics-only.")
if ds.kind == "features":
    st.info(f"A features file: embeddings are read from `{ds.source.name}`, nothing is extracted. "
            f"{summary['playable']} of {summary['tracks']} tracks have an audio file to play "
            "(the others have no play button).")
if ds.has_labels:
    st.subheader("Tracks per genre")
    counts = pd.Series(summary["genres"], name="tracks")
    st.bar_chart(counts)
    if len(counts) == 1:
        st.warning(f"Every track has the same genre ({counts.index[0]}): the metrics that compare clusters with "
                   "the genres (NMI, ARI, purity, ...) cannot tell one clustering from another here; the internal "
                   "ones (silhouette, ...) still can. Clusters = 0 means 2 clusters on this set.")
else:
    why = {"manifest": " (the manifest has no `genre` column)",
           "features": " (the file has no `genre` or `label` column)"}.get(ds.kind, "")
    blank = next((p.reason for p in ds.problems if p.reason.endswith("rows have no genre")), None)
    if ds.kind == "manifest" and blank:  # the column is there, with blank cells
        why = f" (the manifest's `genre` column is blank in {blank.split(' rows')[0]} rows; every row needs one)"
    if ds.kind == "folder":
        loose = sum(Path(str(p)).parent == Path(ds.root) for p in ds.tracks["audio_path"] if p)
        why = (f" ({loose} of {summary['tracks']} audio files sit directly in `{Path(ds.root).name}`, not in a "
               "folder per genre: `<folder>/<genre>/<file>`)")
        if upload and upload["folder"] == path:
            why += (". A zip that holds one folder is read from inside it, so a zip of one genre's folder is "
                    "unlabelled: zip one folder per genre, at least two")
    st.info(f"No genre labels{why}: only internal metrics (silhouette, Calinski-Harabasz, Davies-Bouldin) apply.")

st.subheader("Features")
if ds.kind == "features":
    st.caption("A features file's embeddings are used as given: the audio and lyrics levels and the extraction "
               "do not apply to it.")
else:
    levels_picker()
status = cached.status(path)
ready = None
failed_problems = []  # what the extraction said about each file, when the features cannot be used
if status["complete"]:
    try:
        ready = cached.ready(path)
    except WorkbenchError as exc:
        st.error(f"The features cannot be prepared: {exc}")
        failed_problems = list(exc.problems)
if ready is not None:
    fs, rep = ready.features, ready.report
    health = rep.health_problem()
    if health:
        st.error(health)
    else:
        st.success(f"Features ready for {fs.n_tracks} tracks: {int(fs.audio_ok.sum())} with audio features, "
                   f"{int(fs.lyrics_ok.sum())} with lyrics features." + _learned_note(fs))
    languages = (fs.meta or {}).get("semantic_languages", {}).get("message")
    if languages:  # the English sentence model reads other languages through the dictionary gloss
        hint = "" if "multilingual" in current_lyrics_levels() else (
            " The **multilingual** lyrics level (Lyrics levels above) reads them as written, in 16 languages: on "
            "five-language synthetic sets it lifted lyrics-only NMI from 0.50 to 0.64 (README, 'The multilingual "
            "block').")
        st.caption(f"Lyrics in other languages: {languages}.{hint}")
    problems = list(ds.problems) + [p for p in rep.problems]
elif ds.kind == "features":  # nothing to extract: the error above says what is wrong with the file
    problems = list(ds.problems) + failed_problems
else:
    st.write(f"Audio: {status['audio_cached']} of {status['audio_total']} clips extracted; "
             f"lyrics: {status['lyrics_cached']} of {status['lyrics_total']} embedded.")
    if 0 < status["audio_cached"] < status["audio_total"]:  # e.g. a reload stopped an extraction part way
        st.info(f"Part of this set is extracted already ({status['audio_cached']} of {status['audio_total']} clips): "
                "an earlier extraction stopped before the end (a page reload or a closed tab stops it), or files "
                "were added since. What is done is kept: **Extract features** does only the rest.")
    levels, model, layer = cached.levels_choice()
    if "learned" in levels:
        hand = cached.cached_status(ds, cached.extract_config(("low", "mid", "high"), model))["audio_cached"]
        st.caption(f"The hand-crafted levels are cached for {hand} of {status['audio_total']} clips: for those "
                   f"only the learned level ({learned_words(model, layer)}) is computed.")
    problems = list(ds.problems) + failed_problems
    if cached.feature_problem(path):  # the last extraction in this session: a crash left clips to retry
        st.error(cached.feature_problem(path))
    if st.button("Extract features", type="primary"):
        bar = st.progress(0.0, text="Starting...")

        def progress(done, total, message=""):
            # the message names the counts ("400 of 400 clips, 12 of 259 lyrics: ..."): a bare done/total mixed them
            bar.progress(min(done / max(total, 1), 1.0), text=f"Extracting: {message}")

        try:
            cached.ready(path, progress=progress)
        except WorkbenchError as exc:  # the Problems table below names each file and what went wrong
            bar.empty()
            st.error(f"Extraction failed: {exc} The files and what is wrong with each are listed under Problems.")
            problems = list(ds.problems) + list(exc.problems)
        else:
            st.rerun()

st.subheader("Problems")
rows = _upload_problems(path) + [{"file": p.path, "problem": p.reason, "what happens": p.hint,
                                  "stage": p.stage} for p in problems]
problem_count.metric("Problems", len(rows))
if rows:
    st.dataframe(pd.DataFrame(rows, columns=["file", "problem", "what happens", "stage"]),
                 hide_index=True, width="stretch")
else:
    st.write("No problems found.")

if ready is not None:
    st.subheader("Indicators")
    st.caption("What the rules read, per track: median and range over the tracks where the value is "
               "known, and the share of tracks where it is unknown (the modality it needs is missing).")
    indicators = compute_indicators(ready.features)
    silent = silent_rules_text(indicators)
    if silent:
        st.warning(silent)
    overview = indicator_overview(indicators)
    st.dataframe(overview, hide_index=True, width="stretch",
                 column_config={
                     "median": st.column_config.NumberColumn(format="%.3g"),
                     "min": st.column_config.NumberColumn(format="%.3g"),
                     "max": st.column_config.NumberColumn(format="%.3g"),
                     "nan_share": st.column_config.ProgressColumn("unknown", format="percent",
                                                                  min_value=0.0, max_value=1.0),
                     "n_known": st.column_config.NumberColumn("tracks known"),
                 })
