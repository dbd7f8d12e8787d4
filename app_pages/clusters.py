"""Clusters and map: the track map (UMAP or PCA, 2-D or 3-D, coloured by anything, clickable),
the metric table (dynamic beside audio only, lyrics only, static 0.5) and the genre x cluster
table. Reads the settings, calls core through ui.cached / ui.common, draws."""

from __future__ import annotations

import warnings

import numpy as np
import streamlit as st

from core import views
from core.errors import WorkbenchError
from core.fusion import fuse_concat
from core.loop import COLD_N_INIT
from core.metrics import NEUTRAL_SPACE
from core.projection import ProjectionConfig, is_warm, project, warm_up
from core.views.map import (MapLayout, chart_selection, color_label, color_options, genres_for, has_languages,
                            map_frame, resolve_color_by, selected_tracks, warm_start, weights_key)
from core.views.instant import instant_unavailable
from core.views.map_sample import map_rows, rows_key, take_rows
from core.views.tables import NO_LABELS_NOTE, contingency_frame, metric_table, metric_text
from core.views.viewstate import PROJECTIONS, clustering_words
from ui import cached
from ui.common import fusion_note, run_current
from ui.compare import pin_bar, pin_note
from ui.figures_grids import contingency_spec
from ui.figures_map import MAP_SELECTIONS, map_figure, map_spec
from ui.instant import instant_panel, reseed
from ui.state import DEFAULT_TRACK, current_view, dataset_path, hold_rule_values, rule_key, write_query_params

st.title("Clusters and map")


def _rule_here() -> None:
    """One rule's threshold and the base weight, here, so the map moves without leaving the page."""
    rules = current_view().ruleset.rules
    names = [r.name for r in rules]
    if st.session_state.get("map_rule") not in names:
        st.session_state["map_rule"] = names[0]
    with st.expander("Move a rule here (the Rules page has them all)", expanded=False):
        st.caption("Each step here is a round trip to the server; the **Instant map** switch above computes "
                   "every step in your browser instead (a PCA map), several times faster.")
        cols = st.columns([1, 2, 2])
        cols[0].selectbox("Rule", names, key="map_rule")
        rule = next(r for r in rules if r.name == st.session_state["map_rule"])
        spec = views.threshold_slider(rule, st.session_state.get(rule_key(rule.name, "t")))
        cols[1].slider(spec.label, min_value=spec.min_value, max_value=spec.max_value, step=spec.step,
                       format=spec.format, key=rule_key(rule.name, "t"), help=spec.help)
        cols[2].slider("Base audio weight (0–1)", min_value=0.0, max_value=1.0, step=0.01, key="base_weight")


@st.cache_resource(max_entries=4, show_spinner=False)
def _ids_and_genres(path: str, stamp: float, _ready) -> tuple:
    """The prepared track ids and their genres, once per dataset (85 ms a slider move at 100,000 tracks)."""
    ids = tuple(str(t) for t in _ready.prepared.track_ids)
    return ids, genres_for(ids, _ready.dataset.track_ids, _ready.dataset.labels)


@st.cache_data(show_spinner=False, max_entries=64)
def _projection(path: str, stamp: float, wkey: str, method: str, dims: int, seed: int,
                _X: np.ndarray, _init) -> dict:
    """The map for (dataset, rounded weights, method, dims, seed); warm-started from ``_init``
    (not part of the key: the first layout computed for a key is kept)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proj = project(_X, ProjectionConfig(method=method, n_components=int(dims), seed=int(seed)), init=_init)
    return {"coords": np.array(proj.coords), "warnings": list(proj.warnings), "method": proj.method,
            "seconds": float(proj.seconds), "warm": bool(proj.warm)}


@st.cache_resource(show_spinner="Compiling UMAP (once per server start, up to ~20 s)...")
def _umap_compiled() -> bool:
    warm_up()  # numba kernels on tiny data; a no-op once done
    return True


COMPILING_NOTE = "UMAP is compiling (once per server start); showing PCA until it is ready."


def _umap_compiling() -> bool:
    """True while the server's background warm-up (app.py) is still compiling UMAP (4-15 s after a
    start, more under load). A warm-up that stopped without finishing (it raised) is not "compiling":
    the map then runs it itself and shows its error, as before."""
    return not is_warm() and cached.start_map_warm_up().is_alive()


@st.fragment(run_every=1.0)
def _compiling_note() -> None:
    """The note over a PCA map drawn while UMAP compiles. Drawn only then, it polls once a second;
    when the compile has ended it reruns the page, which draws the UMAP map and not this note (a full
    run clears the browser's timer, a fragment run sends it a stop: no polling once ready)."""
    if not _umap_compiling():
        st.rerun()  # the whole page: the map is inside the `live` fragment, which a keyed rerun cannot reach
    st.info(COMPILING_NOTE, icon=":material/hourglass_top:")


def _map_controls(where, options: list) -> None:
    """Projection, dimensions and colour, in ``where`` (a container placed above the map)."""
    controls = where.columns([1, 1, 2])
    controls[0].radio("Map", PROJECTIONS, key="projection", horizontal=True,
                      format_func=lambda m: {"umap": "UMAP", "pca": "PCA"}[m])
    controls[1].radio("Dimensions", (2, 3), key="dims", horizontal=True, format_func=lambda d: f"{d}-D")
    controls[2].selectbox("Colour by", options, key="color_by", format_func=color_label)


@st.fragment
def map_panel(path: str, view, prepared, result, track_ids: tuple, genres) -> None:
    """The map and its controls (projection, dimensions, colour): a fragment of its own inside
    :func:`live`, so changing how the map is drawn redraws only the map."""
    labelled = genres is not None
    options = color_options(prepared.indicators.names, labelled, has_languages(prepared.indicators))
    st.session_state["color_by"] = resolve_color_by(st.session_state.get("color_by"), options)
    above = st.container()  # the controls, drawn after the map (they read nothing the map computes):
    method, dims = st.session_state["projection"], int(st.session_state["dims"])  # the map's data first

    wkey, w_rounded = weights_key(result.weights)
    rows = map_rows(track_ids, keep=[st.session_state.get("track") or ""])  # every track up to MAP_POINT_LIMIT
    sampled = len(rows) < len(track_ids)
    drawn = tuple(track_ids[i] for i in rows) if sampled else track_ids
    key = (path, cached.stamp(path), wkey + rows_key(rows, len(track_ids)), method, dims, int(view.seed))
    compiling = method == "umap" and _umap_compiling()  # a first map at once: PCA until UMAP is compiled
    if compiling:  # only what is drawn: the user's choice stays "umap" in the session state and the URL
        method, key = "pca", key[:3] + ("pca",) + key[4:]
    previous = st.session_state.get("_map_layout")
    init = warm_start(previous, drawn, method, dims)
    try:
        X = fuse_concat(prepared.embeddings, w_rounded)
        X = X[rows] if sampled else X
        if method == "umap":
            _umap_compiled()
            with st.spinner("Computing the map..."):
                proj = _projection(*key, _X=X, _init=init)
        else:  # a PCA of the drawn rows takes milliseconds: no spinner (its timer thread and messages
            proj = _projection(*key, _X=X, _init=init)  # cost more than the projection per slider move)
    except WorkbenchError as exc:
        _map_controls(above, options)
        st.error(f"The map could not be computed: {exc}")
        return
    st.session_state["_map_layout"] = MapLayout(track_ids=drawn, method=method, dims=dims,
                                                coords=proj["coords"], key=key)
    if compiling:
        _compiling_note()
    for message in proj["warnings"]:
        st.warning(f"Map: {message}")
    if sampled:
        st.caption(f"The map draws {len(rows):,} of the {len(track_ids):,} tracks (a fixed sample chosen by track "
                   "id, so the same tracks stay while sliders move); clusters and metrics use every track.")

    pick = (lambda a: np.asarray(a)[rows]) if sampled else (lambda a: a)
    frame = map_frame(drawn, proj["coords"], pick(result.labels), pick(result.weights),
                      effective=pick(result.effective), genres=None if genres is None else pick(genres),
                      indicators=take_rows(prepared.indicators, rows) if sampled else prepared.indicators,
                      color_by=st.session_state["color_by"])
    highlight = st.session_state.get("track") or None
    known = set(drawn)
    if dims == 2:  # Vega-Lite: a keyed selection chart is updated in place when only the data change
        data, spec = map_spec(frame, highlight=highlight)
        event = st.vega_lite_chart(data, spec, key="map_chart_2d", on_select="rerun",
                                   selection_mode=MAP_SELECTIONS, width="stretch")
        picked = chart_selection(event, frame)
    else:  # plotly Scatter3d (re-created on every data change; only the 3-D view uses it)
        event = st.plotly_chart(map_figure(frame, highlight=highlight), key="map_chart", on_select="rerun",
                                selection_mode=("points",), width="stretch")
        picked = [t for t in selected_tracks(event) if t in known]  # ids from customdata
    _map_controls(above, options)
    st.caption(f"{proj['method'].upper()} of the scaled concatenation [sqrt(w)·audio, sqrt(1-w)·lyrics] "
               f"with each track's current audio weight (rounded to 0.01); "
               + ("refreshed from the previous layout so points move instead of jumping. "
                  if proj["warm"] else "fresh layout. ")
               + ("Click a point or drag a box to select tracks (double-click clears); scroll to zoom, "
                  "shift-drag to pan; click a legend entry to fade the others." if dims == 2 else
                  "Click a point to select it; drag to turn the map."))
    if picked and picked != st.session_state.get("_map_last_pick"):
        st.session_state["_map_last_pick"] = picked
        st.session_state["track"] = picked[0]
        st.session_state.pop(DEFAULT_TRACK, None)  # a choice now: in the address even if it is the first track
        write_query_params()
        st.rerun()  # a full run: the map rings the track
    write_query_params()  # a fragment rerun skips app.py: put projection / dims / colour in the URL here
    current = st.session_state.get("track")
    if current in known:
        row = frame.set_index("track_id").loc[current]
        st.markdown(f"Selected **{current}**: genre {row['genre'] or '(none)'}, {row['cluster']}, "
                    f"audio weight {row['audio_weight']:.2f}.")
        st.page_link("app_pages/inspector.py", label=f"Open {current} in the Track inspector", icon=":material/search:")
    last = [t for t in st.session_state.get("_map_last_pick", []) if t in known]
    if len(last) > 1:
        st.caption(f"{len(last)} tracks in the last box selection:")
        st.dataframe(frame.set_index("track_id").loc[last, ["genre", "cluster", "audio_weight", "fusion_weight"]],
                     width="stretch")


def _metrics(path: str, view, result, genres) -> None:
    """The metric table: dynamic beside audio only, lyrics only and static 0.5."""
    labelled = genres is not None
    st.subheader("Metrics")
    loop = cached.loop(path)
    try:
        if loop.has_baselines(view.algorithm, view.fusion, result.n_clusters, view.seed):
            table = loop.comparison_table(result, view.algorithm, view.fusion, view.seed)  # no spinner: its
        else:  # timer thread and messages cost a slider move more than the dynamic row at 1,000 tracks
            with st.spinner("Scoring audio only, lyrics only and static 0.5 (once per clustering setting)..."):
                table = loop.comparison_table(result, view.algorithm, view.fusion, view.seed)
    except WorkbenchError as exc:
        st.error(f"The comparison could not be computed: {exc}")
        return
    if not labelled:
        st.info(f"{NO_LABELS_NOTE.capitalize()}: this dataset has no genre labels, so NMI, ARI and "
                "the other external scores cannot be computed.")
    shown = metric_table(table)  # numbers as text: a pandas Styler cost 35 ms a move
    st.table(metric_text(shown))  # static: st.dataframe's grid redrew its accessible copy ~200 ms later
    restarts = table.attrs.get("n_init") or COLD_N_INIT
    st.caption("Dynamic is the rules' per-track weights. Every row is clustered alike: the same algorithm, "
               f"k and seed, every track, k-means++ with {restarts} restart{'s' if restarts > 1 else ''} and "
               "no warm start (the map "
               "above is warm-started from the previous clustering, so it can differ slightly). Internal "
               f"metrics (silhouette, Calinski-Harabasz, Davies-Bouldin): {NEUTRAL_SPACE}.")


def _genres_and_clusters(genres, result) -> None:
    """The genre x cluster counts as a heatmap and, folded, as a table (labelled datasets only)."""
    if genres is None:
        return
    st.subheader("Genres and clusters")
    cont = contingency_frame(genres, result.labels)
    data, spec = contingency_spec(cont)  # Vega-Lite: a plotly heatmap cost the browser ~130 ms a move
    st.vega_lite_chart(data, spec, key="contingency_chart", width="stretch")
    with st.expander("As a table"):
        st.table(cont)  # static, like the metric table: a folded st.dataframe grid was still redrawn each move


INSTANT_HELP = ("Computed in your browser: its own sliders (a rule's threshold, the base weight) move the "
                "weights, the k-means clusters (warm-started), a PCA map and the live metric row at every step, "
                "without waiting for the server. On release the server checks it: the Metrics table below and the "
                "genre x cluster counts follow, and the link keeps the values.")


def _instant_toggle(view, prepared) -> bool:
    """The "Instant map" switch; True when it is on and the panel can run this view (else a note why not)."""
    on = st.toggle("Instant map (computed in your browser)", key="instant", help=INSTANT_HELP)
    if not on:
        return False
    why = instant_unavailable(prepared.n_tracks, view.algorithm, view.fusion, int(st.session_state.get("dims", 2)))
    if why:
        st.info(f"The instant map is off here: {why}. The map below is the server's.", icon=":material/info:")
        return False
    if st.session_state.get("projection") == "umap":
        st.caption("The instant map is a PCA of the fused features (UMAP cannot be recomputed at every step in "
                   "the browser); turn it off for the UMAP map.")
    return True


def _instant_selection(result, track_ids: tuple, genres) -> None:
    """The track clicked on the instant map (or open in the inspector): what the server's loop says of it."""
    current = st.session_state.get("track")
    if not current or current not in track_ids:
        return
    i = track_ids.index(current)
    genre = (genres[i] or "(none)") if genres is not None else "(none)"
    st.markdown(f"Selected **{current}**: genre {genre}, cluster {int(result.labels[i])}, "
                f"audio weight {float(result.effective[i]):.2f}.")
    st.page_link("app_pages/inspector.py", label=f"Open {current} in the Track inspector", icon=":material/search:")


@st.fragment
def live(path: str) -> None:
    """Everything a rule slider here changes, as one fragment: moving "Move a rule here" reruns this
    function only, not app.py, its sidebar and the page's set-up; a widget outside (the sidebar's
    dataset, algorithm, k, seed; the pin bar, the re-seed button) reruns the whole page. A fragment
    rerun skips app.py, so the URL is written here too.

    Streamlit sends and the browser redraws every element of a fragment on every rerun, changed or
    not, in the order the script makes them; so the fragment holds only what a move can change, and
    it sends the map and the metric table first: containers are placed in page order, the map and the
    table filled, then the slider's expander and the captions above them, then the genre x cluster
    heatmap (bench/browser_profile.py shows where a move's time goes)."""
    hold_rule_values()  # the instant map leaves out "Move a rule here": its values must outlive this run
    view = current_view()
    rule_box, note_box = st.container(), st.container()  # page order: sliders, notes, map, tables

    def sliders():
        with rule_box:
            _rule_here()

    ready, result = run_current(before_stop=sliders)  # the sliders stay when clustering fails
    prepared = ready.prepared
    track_ids, genres = _ids_and_genres(path, cached.stamp(path), ready)
    instant = _instant_toggle(view, prepared)
    if instant:  # its own sliders: no "Move a rule here"
        instant_panel(path, view, prepared, result, genres)
        _instant_selection(result, track_ids, genres)
    else:
        map_panel(path, view, prepared, result, track_ids, genres)
    _metrics(path, view, result, genres)
    if not instant:
        sliders()
    with note_box:
        pin_note()
        fusion_note(ready)
        for message in result.warnings:
            st.warning(f"Clustering: {message}")
        if prepared.n_dropped:
            st.info(f"{prepared.n_dropped} track(s) have neither usable audio nor usable lyrics and are not shown.")
        st.caption(f"{clustering_words(view.algorithm, view.fusion)}, k = {result.n_clusters} clusters, seed "
                   f"{view.seed}, {prepared.n_tracks} tracks; weights, fusion and clustering took "
                   f"{result.timings_ms.get('total', 0.0):.0f} ms.")
    _genres_and_clusters(genres, result)
    write_query_params()


_path = str(dataset_path())
# what a slider move leaves as it is: one row that wraps in a narrow window
_bar = pin_bar("clusters", note=False)  # its "B differs in ..." is drawn in live(), which follows the sliders
_bar.button("Re-seed clustering", on_click=reseed, args=(cached.loop(_path),), width="content",
            help="Forget the warm-start centres and cluster from scratch with the seed "
                 "(a warm start can stick in a poor local optimum while sliders move).")
live(_path)
