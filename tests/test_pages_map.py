"""The "Clusters and map" and "Sensitivity" pages through streamlit.testing AppTest, on the tiny
synthetic set: what each page shows must equal what core computes for the same settings."""

from __future__ import annotations

import base64
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.datasets import load_dataset
from core.experiments import DEFAULT_AUTOTUNE_GRID, autotune, sensitivity_grid
from core.features.extract import extract_features
from core.fusion import fuse_concat
from core.loop import InteractiveLoop
from core.metrics import NEUTRAL_SPACE, external_metrics
from core.paths import REPO_ROOT
from core.projection import ProjectionConfig, is_warm, project, warm_up
from core.rules import DEFAULT_RULES, apply_rules
from core.views.map import genres_for, weights_key
from core.views.sensitivity import autotune_grid, autotune_table, grid_values
from core.views.tables import contingency_frame
from ui import cached

APP = str(REPO_ROOT / "app.py")
K = 4  # clusters on the tiny set (20 tracks, 10 genres): few enough that threshold moves matter


@pytest.fixture(scope="module")
def module_cache(tmp_path_factory, tiny_synth_dir, copy_tiny_cache):
    """The tiny set's features in a cache folder of the module's own (a copy of the session's), which every test
    then points at."""
    cache = copy_tiny_cache(tmp_path_factory.mktemp("pages-map-cache"))
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBENCH_CACHE_DIR", str(cache))
    try:
        ds = load_dataset(tiny_synth_dir)
        extract_features(ds, n_jobs=1)
    finally:
        mp.undo()
    return cache


@pytest.fixture
def ready(module_cache, tiny_synth_dir, _isolated_data_dirs, monkeypatch):
    """The module's cache (set after the autouse fixture), fresh st caches, and core's own view of the set."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(module_cache))
    st.cache_data.clear()
    return cached.ready(str(tiny_synth_dir))


def _app(path, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(path)
    for key, value in state.items():
        at.session_state[key] = value
    return at


def _open(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _charts(at) -> list:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _arr(value):
    """A plotly JSON array: a list, or a typed array ``{"dtype", "bdata"(, "shape")}`` (base64)."""
    if isinstance(value, dict) and "bdata" in value:
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            out = out.reshape([int(s) for s in str(shape).split(",")])
        return out.tolist()
    return value


def _vega_map(at) -> tuple:
    """The 2-D map (a Vega-Lite chart): its spec and the table it draws, decoded from the message."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
    charts = [c for c in at.get("vega_lite_chart") if "params" in json.loads(c.proto.spec)]  # not the heatmap
    assert len(charts) == 1, f"{len(charts)} Vega-Lite maps on the page"
    proto = charts[0].proto
    raw = proto.data.data or proto.datasets[0].data.data
    return json.loads(proto.spec), convert_arrow_bytes_to_pandas_df(raw)


def _map_points(at) -> pd.DataFrame:
    """The map's points as drawn: one row per track (the 2-D Vega-Lite table, or every 3-D plotly
    trace but the 'selected' ring); ``trace`` is the category a point is drawn in."""
    if any("params" in json.loads(c.proto.spec) for c in at.get("vega_lite_chart")):
        spec, data = _vega_map(at)
        color = spec["encoding"]["color"]
        field = color.get("field") or color["condition"]["field"]   # the column the colour reads
        ring = data["ring"] if "ring" in data.columns else False     # the column is there when a track is ringed
        return pd.DataFrame({"track_id": data["track_id"].astype(str), "trace": data[field].astype(str),
                             "type": "vega-lite", "x": data["x"], "y": data["y"], "weight": data["audio_weight"],
                             "color": data[field], "ring": ring}).set_index("track_id")
    spec = _charts(at)[0]
    rows = []
    for trace in spec["data"]:
        if trace.get("name") == "selected":
            continue
        colors = _arr(trace["marker"].get("color"))
        xs, ys = _arr(trace["x"]), _arr(trace["y"])
        for k, custom in enumerate(_arr(trace["customdata"])):
            rows.append({"track_id": custom[0], "trace": trace["name"], "type": trace["type"],
                         "x": xs[k], "y": ys[k], "weight": custom[3],
                         "color": colors[k] if isinstance(colors, list) else colors})
    return pd.DataFrame(rows).set_index("track_id")


def _shown_metrics(at) -> pd.DataFrame:
    """The metric table as shown (a static table of numbers with 3 decimals), as floats."""
    shown = at.table[0].value
    return shown.replace("", np.nan).astype(float)


# ---------------------------------------------------------------------------------------------- clusters
def test_clusters_page_shows_what_the_loop_computes_and_follows_a_threshold(ready, tiny_synth_dir):
    prepared, ds = ready.prepared, ready.dataset
    at = _open(_app(tiny_synth_dir, n_clusters=K, projection="pca"), "clusters")

    loop = InteractiveLoop(prepared, ds.labels)                          # the page's sequence of runs
    first = loop.run(DEFAULT_RULES, n_clusters=K, seed=0)
    expected = loop.comparison_table(first, "kmeans", "concat", 0)
    shown = _shown_metrics(at)
    assert list(shown.index) == ["dynamic (rules)", "audio only", "lyrics only", "static 0.5"]
    np.testing.assert_allclose(shown.to_numpy(float), expected.to_numpy(float), rtol=0, atol=5e-4)  # 3 decimals
    assert any(NEUTRAL_SPACE in c.value for c in at.caption)

    points = _map_points(at)
    assert sorted(points.index) == sorted(prepared.track_ids)            # every prepared track, once
    assert set(points["type"]) == {"vega-lite"}                          # 2-D: updated in place
    spec, _ = _vega_map(at)
    assert {p["name"] for p in spec["params"]} >= {"pick", "box"}         # click and box selections
    assert sorted(at.get("vega_lite_chart")[0].proto.selection_mode) == ["box", "pick"]  # not zoom, legend
    clusters = dict(zip(prepared.track_ids, first.labels))
    assert all(points.loc[t, "trace"] == f"cluster {clusters[t]}" for t in points.index)
    np.testing.assert_allclose(points.loc[list(prepared.track_ids), "weight"], first.weights, atol=1e-6)

    genres = genres_for(prepared.track_ids, ds.track_ids, ds.labels)
    pd.testing.assert_frame_equal(at.table[1].value, contingency_frame(genres, first.labels),  # "As a table"
                                  check_dtype=False, check_names=False)
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
    heat = next(c for c in at.get("vega_lite_chart") if "params" not in json.loads(c.proto.spec))
    cells = convert_arrow_bytes_to_pandas_df(heat.proto.data.data or heat.proto.datasets[0].data.data)
    cont = contingency_frame(genres, first.labels)
    assert int(cells["tracks"].sum()) == prepared.n_tracks and len(cells) == cont.size   # the heatmap: every cell

    # move a threshold (as the Rules page's slider would): the weights on the map follow the rules
    rs = DEFAULT_RULES.replace_rule("voice_present", threshold=0.7)
    assert not np.array_equal(apply_rules(prepared.indicators, rs).weights, first.weights)
    at.session_state["t.voice_present"] = 0.7
    at.run()
    assert not at.exception
    moved = loop.run(rs, n_clusters=K, seed=0)
    points = _map_points(at)
    np.testing.assert_allclose(points.loc[list(prepared.track_ids), "weight"], moved.weights, atol=1e-6)
    np.testing.assert_allclose(_shown_metrics(at).loc["dynamic (rules)"].to_numpy(float),
                               loop.comparison_table(moved, "kmeans", "concat", 0)
                               .loc["dynamic (rules)"].to_numpy(float), rtol=0, atol=5e-4)


def _warm_cold_case(prepared, labels):
    """A (k, rule, threshold) where the warm-started loop and a cold start disagree after the move."""
    for k in (4, 3, 5, 6):
        for rule, t in (("voice_present", 0.7), ("poor_lyrics", 0.8), ("poor_audio", 0.8), ("loud", -30.0)):
            rs = DEFAULT_RULES.replace_rule(rule, threshold=t)
            warm = InteractiveLoop(prepared, labels)
            warm.run(DEFAULT_RULES, n_clusters=k, seed=0)
            w = warm.run(rs, n_clusters=k, seed=0).metrics["nmi"]
            c = InteractiveLoop(prepared, labels).run(rs, n_clusters=k, seed=0).metrics["nmi"]
            if abs(w - c) > 1e-3:  # more than the shown table's 3 decimals can hide
                return k, rule, t, w, c
    pytest.fail("no threshold move on the tiny set makes a warm and a cold start disagree")


def test_reseed_clusters_from_scratch(ready, tiny_synth_dir):
    prepared, ds = ready.prepared, ready.dataset
    k, rule, t, warm_nmi, cold_nmi = _warm_cold_case(prepared, ds.labels)
    at = _open(_app(tiny_synth_dir, n_clusters=k, projection="pca"), "clusters")
    at.session_state[f"t.{rule}"] = t
    at.run()
    genre = dict(zip(prepared.track_ids, prepared.align(ds.labels)))

    def map_nmi():
        points = _map_points(at)                                         # coloured by cluster
        return external_metrics([genre[i] for i in points.index], points["color"].astype(str).to_numpy())["nmi"]

    assert map_nmi() == pytest.approx(warm_nmi)                          # the map follows its warm start
    # the table is like for like: every row clustered afresh, so it shows the cold result already
    assert _shown_metrics(at).loc["dynamic (rules)", "NMI ↑"] == pytest.approx(cold_nmi, abs=5e-4)
    next(b for b in at.button if b.label == "Re-seed clustering").click().run()
    assert not at.exception
    assert map_nmi() == pytest.approx(cold_nmi)
    assert _shown_metrics(at).loc["dynamic (rules)", "NMI ↑"] == pytest.approx(cold_nmi, abs=5e-4)


def test_colour_by_an_indicator_and_3d(ready, tiny_synth_dir):
    prepared = ready.prepared
    at = _open(_app(tiny_synth_dir, n_clusters=K, projection="pca"), "clusters")
    options = at.selectbox(key="color_by").options
    assert "genre" in options and "loudness_dbfs (dBFS)" in options
    at.selectbox(key="color_by").set_value("loudness_dbfs").run()
    assert not at.exception
    points = _map_points(at)
    loud = dict(zip(prepared.track_ids, prepared.indicators.column("loudness_dbfs")))
    known = [t for t in points.index if np.isfinite(loud[t])]
    np.testing.assert_allclose(points.loc[known, "color"].to_numpy(float), [loud[t] for t in known], rtol=1e-6)

    at.radio(key="dims").set_value(3).run()
    assert not at.exception
    spec = _charts(at)[0]
    assert {t["type"] for t in spec["data"]} == {"scatter3d"}
    coords = at.session_state["_map_layout"].coords
    assert coords.shape == (prepared.n_tracks, 3)


def test_a_shared_link_restores_the_map_and_the_page_writes_it_back(ready, tiny_synth_dir):
    prepared = ready.prepared
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"ds": str(tiny_synth_dir), "proj": "pca", "dims": "3", "color": "snr_db", "k": str(K)})
    at.run()
    at.switch_page("app_pages/clusters.py").run()
    assert not at.exception
    assert at.radio(key="projection").value == "pca" and at.radio(key="dims").value == 3
    assert at.selectbox(key="color_by").value == "snr_db"
    spec = _charts(at)[0]
    assert {t["type"] for t in spec["data"] if t["name"] != "unknown"} == {"scatter3d"}
    snr = dict(zip(prepared.track_ids, prepared.indicators.column("snr_db")))
    points = _map_points(at)
    known = [t for t in points.index if np.isfinite(snr[t])]
    np.testing.assert_allclose(points.loc[known, "color"].to_numpy(float), [snr[t] for t in known], rtol=1e-6)
    assert {k: at.query_params[k] for k in ("proj", "dims", "color")} == {"proj": "pca", "dims": "3",
                                                                         "color": "snr_db"}


def test_umap_map_is_warm_started_from_the_previous_layout(ready, tiny_synth_dir):
    prepared = ready.prepared
    warm_up()  # UMAP compiled first: until then the page draws PCA (next test)
    at = _open(_app(tiny_synth_dir, n_clusters=K), "clusters")          # default map: 2-D UMAP
    assert any("fresh layout" in c.value for c in at.caption)
    before = np.array(at.session_state["_map_layout"].coords)
    at.session_state["t.voice_present"] = 0.7
    at.run()
    assert not at.exception
    assert any("refreshed from the previous layout" in c.value for c in at.caption)
    after = np.array(at.session_state["_map_layout"].coords)
    w = apply_rules(prepared.indicators, DEFAULT_RULES.replace_rule("voice_present", threshold=0.7)).weights
    X = fuse_concat(prepared.embeddings, weights_key(w)[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = project(X, ProjectionConfig(method="umap", n_components=2, seed=0), init=before).coords
    np.testing.assert_allclose(after, expected, rtol=1e-5, atol=1e-5)
    points = _map_points(at)
    np.testing.assert_allclose(points.loc[list(prepared.track_ids), ["x", "y"]].to_numpy(float), after, atol=1e-5)


def test_while_umap_compiles_the_page_draws_pca_at_once_then_umap(ready, tiny_synth_dir, monkeypatch):
    """A first visit while the server's warm-up still compiles UMAP: a PCA map with a note, the metrics
    and table too, the user's "UMAP" kept; once compiled, a rerun draws UMAP and no note."""
    import threading

    from core.projection import entry

    note = "UMAP is compiling (once per server start); showing PCA until it is ready."

    warm_up()                                            # numba's kernels loaded, so the release below is quick
    cached.start_map_warm_up.clear()
    monkeypatch.setitem(entry._WARMED, "done", False)    # as in a fresh server process ...
    held, release = threading.Event(), threading.Event()

    def compiling(limit: float = 120.0) -> None:          # ... whose warm-up is still running (holds this lock);
        with entry._WARM_LOCK:                           # let go after `limit` s at most, so a page that waits
            held.set()                                   # for the compile fails this test instead of hanging it
            release.wait(limit)

    holder = threading.Thread(target=compiling, daemon=True)
    holder.start()
    assert held.wait(30)
    try:
        at = _open(_app(tiny_synth_dir, n_clusters=K), "clusters")   # default map: 2-D UMAP
        assert not release.is_set() and holder.is_alive(), "the page waited for the compile"
        warming = [t for t in threading.enumerate() if t.name == "umap-warm-up" and t.is_alive()]
        assert warming and not is_warm()                 # the app's own thread, waiting: still "compiling"
        assert [i.value for i in at.info if i.value == note] == [note]
        assert at.session_state["_map_layout"].method == "pca"
        assert any(c.value.startswith("PCA of the scaled concatenation") for c in at.caption)
        points = _map_points(at)
        assert len(points) == ready.prepared.n_tracks
        X = fuse_concat(ready.prepared.embeddings, weights_key(apply_rules(ready.prepared.indicators,
                                                                           DEFAULT_RULES).weights)[1])
        pca = project(X, ProjectionConfig(method="pca", n_components=2, seed=0)).coords
        np.testing.assert_allclose(points.loc[list(ready.prepared.track_ids), ["x", "y"]].to_numpy(float), pca,
                                   atol=1e-5)
        assert len(_shown_metrics(at)) == 4              # the metric table (dynamic, audio, lyrics, static) too
        assert at.session_state["projection"] == "umap"     # the user's choice, untouched
        assert at.radio(key="projection").value == "umap"
        assert at.query_params.get("proj") in (None, [], ["umap"], "umap")
    finally:
        release.set()
    holder.join(timeout=60)
    for t in warming:
        t.join(timeout=300)
    assert is_warm()
    at.run()                                             # what the note's timer triggers once compiled
    assert not at.exception
    assert not [i for i in at.info if i.value == note]
    assert at.session_state["_map_layout"].method == "umap"
    assert any(c.value.startswith("UMAP of the scaled concatenation") for c in at.caption)
    assert any("fresh layout" in c.value for c in at.caption)   # not "refreshed" from the PCA layout


def test_unlabelled_dataset_says_internal_metrics_only(ready, tiny_synth_dir, tmp_path):
    tracks = ready.dataset.tracks.iloc[:8]                              # 8 tracks: extraction stays quick
    manifest = tmp_path / "unlabelled.csv"
    tracks[["track_id", "audio_path", "lyrics_path"]].to_csv(manifest, index=False)  # no genre column
    extract_features(load_dataset(manifest), n_jobs=1)
    at = _open(_app(manifest, n_clusters=K, projection="pca", color_by="genre"), "clusters")
    assert any("No labels: internal metrics only" in i.value for i in at.info)
    assert list(_shown_metrics(at).columns) == ["silhouette ↑", "Calinski-Harabasz ↑", "Davies-Bouldin ↓"]
    assert "genre" not in at.selectbox(key="color_by").options
    assert at.selectbox(key="color_by").value == "cluster"               # a link's "genre" falls back
    assert len(_charts(at)) == 0 and len(at.get("vega_lite_chart")) == 1  # the map, no genre x cluster heatmap
    assert len(_map_points(at)) == 8                                     # the map: every track


# ---------------------------------------------------------------------------------------------- sensitivity
def _heatmap(at) -> tuple:
    spec = _charts(at)[0]
    heat = next(t for t in spec["data"] if t["type"] == "heatmap")
    marks = {t["name"]: (_arr(t["y"])[0], _arr(t["x"])[0]) for t in spec["data"] if t["type"] == "scatter"}
    grid = pd.DataFrame(_arr(heat["z"]), index=_arr(heat["y"]), columns=_arr(heat["x"]), dtype=float)
    return grid, marks


def test_sensitivity_heatmap_equals_the_grid_core_computes(ready, tiny_synth_dir):
    prepared, ds = ready.prepared, ready.dataset
    at = _open(_app(tiny_synth_dir, n_clusters=K, sens_b="loud"), "sensitivity")
    shown, marks = _heatmap(at)
    va, vb = grid_values(0.0, 1.0, 7), grid_values(-60.0, 0.0, 7)        # voice_present x loud, full ranges
    expected = sensitivity_grid(prepared, DEFAULT_RULES, "voice_present", "loud", va, vb, metric="nmi",
                                seed=0, labels=ds.labels, n_clusters=K)
    np.testing.assert_allclose(shown.to_numpy(), expected.to_numpy(), rtol=1e-9)
    assert list(shown.index) == list(va) and list(shown.columns) == list(vb)
    assert marks["current sliders"] == (DEFAULT_RULES.get_rule("voice_present").threshold,
                                        DEFAULT_RULES.get_rule("loud").threshold)

    # another pair and a metric that varies: the mean audio weight; the marker follows the sliders
    at.selectbox(key="sens_b").set_value("poor_lyrics").run()
    at.selectbox(key="sens_metric").set_value("mean_weight").run()
    at.session_state["t.voice_present"] = 0.3
    at.run()
    assert not at.exception
    shown, marks = _heatmap(at)
    rs = DEFAULT_RULES.replace_rule("voice_present", threshold=0.3)
    expected = sensitivity_grid(prepared, rs, "voice_present", "poor_lyrics", va, grid_values(0.0, 1.0, 7),
                                metric="mean_weight", seed=0, n_clusters=K)
    np.testing.assert_allclose(shown.to_numpy(), expected.to_numpy(), rtol=1e-9)
    assert np.ptp(shown.to_numpy()) > 0
    assert marks["current sliders"] == (0.3, DEFAULT_RULES.get_rule("poor_lyrics").threshold)


def test_the_grid_opens_on_two_thresholds_that_move_weights_and_names_one_that_cannot(ready, tiny_synth_dir):
    """It opened on voice_present x loud, and loud's delta is 0 in the defaults: every column alike, unexplained."""
    at = _open(_app(tiny_synth_dir, n_clusters=K), "sensitivity")
    assert not at.exception
    a, b = at.selectbox(key="sens_a").value, at.selectbox(key="sens_b").value
    assert a == "voice_present" and DEFAULT_RULES.get_rule(b).delta != 0, (a, b)
    assert not any("every column of the grid is alike" in i.value for i in at.info)
    at.selectbox(key="sens_b").set_value("loud").run()
    assert any("loud's delta is 0" in i.value and "every column of the grid is alike" in i.value for i in at.info)


def test_a_best_cell_found_with_the_labels_is_called_an_oracle(ready, tiny_synth_dir):
    """The grid named its best NMI cell and offered 'Set the sliders to this cell' without saying that the
    best cell was picked with this set's genre labels; the Ablation page says so of its best static weight."""
    at = _open(_app(tiny_synth_dir, n_clusters=K), "sensitivity")
    assert at.selectbox(key="sens_metric").value == "nmi"
    assert any("picked with this dataset's genre labels (an oracle)" in w.value for w in at.warning)
    assert "oracle" in at.button(key="sens_apply").help
    at.selectbox(key="sens_metric").set_value("silhouette").run()         # no labels read: no such warning
    assert not at.exception
    assert not any("oracle" in w.value for w in at.warning)
    assert "oracle" not in at.button(key="sens_apply").help


def test_a_picked_cell_goes_to_the_sliders(ready, tiny_synth_dir):
    at = _open(_app(tiny_synth_dir, n_clusters=K, sens_metric="mean_weight", sens_b="loud"), "sensitivity")
    at.selectbox(key="sens_pick_a").set_value(grid_values(0.0, 1.0, 7)[1]).run()
    at.selectbox(key="sens_pick_b").set_value(-40.0).run()
    _, marks = _heatmap(at)
    assert marks["picked cell"] == (grid_values(0.0, 1.0, 7)[1], -40.0)
    at.button(key="sens_apply").click().run()
    assert not at.exception
    assert at.session_state["t.voice_present"] == grid_values(0.0, 1.0, 7)[1]
    assert at.session_state["t.loud"] == -40.0
    _, marks = _heatmap(at)
    assert marks["current sliders"] == (grid_values(0.0, 1.0, 7)[1], -40.0)


def test_autotune_table_equals_core_and_applies_to_the_sliders(ready, tiny_synth_dir):
    prepared = ready.prepared
    at = _open(_app(tiny_synth_dir, n_clusters=K, tune_seeds=2), "sensitivity")
    at.button(key="tune_run").click().run()
    assert not at.exception
    grid = autotune_grid(list(DEFAULT_AUTOTUNE_GRID), DEFAULT_RULES, DEFAULT_AUTOTUNE_GRID)
    res = autotune(prepared, DEFAULT_RULES, grid, seeds=(0, 1), n_clusters=K)   # no labels anywhere
    shown = at.dataframe[0].value
    pd.testing.assert_frame_equal(shown, autotune_table(res.table, res.keys, "score"), check_dtype=False)
    assert len(shown) == 27 and int(shown["chosen"].sum()) == 1

    # move the sliders away from the tuned values, then apply: the sliders come back to them
    for name in res.keys:
        at.session_state[f"t.{name}"] = 0.95
    at.run()
    assert at.dataframe[0].value.equals(shown)                          # the result stays on the page
    at.button(key="tune_apply").click().run()
    assert not at.exception
    for name, value in res.best_thresholds.items():
        assert at.session_state[f"t.{name}"] == value
    _, marks = _heatmap(at)                                              # and the heatmap marker follows
    assert marks["current sliders"][0] == res.best_thresholds["voice_present"]


def test_a_rule_moved_on_the_map_page_moves_the_map_and_the_table(ready, tiny_synth_dir):
    prepared, ds = ready.prepared, ready.dataset
    at = _open(_app(tiny_synth_dir, n_clusters=K, projection="pca"), "clusters")
    loop = InteractiveLoop(prepared, ds.labels)
    loop.run(DEFAULT_RULES, n_clusters=K, seed=0)
    at.selectbox(key="map_rule").set_value("voice_present").run()
    at.slider(key="t.voice_present").set_value(0.7).run()
    assert not at.exception
    moved = loop.run(DEFAULT_RULES.replace_rule("voice_present", threshold=0.7), n_clusters=K, seed=0)
    points = _map_points(at)
    np.testing.assert_allclose(points.loc[list(prepared.track_ids), "weight"], moved.weights, atol=1e-6)
    np.testing.assert_allclose(_shown_metrics(at).loc["dynamic (rules)"].to_numpy(float),
                               loop.comparison_table(moved, "kmeans", "concat", 0)
                               .loc["dynamic (rules)"].to_numpy(float), rtol=0, atol=5e-4)
    assert at.session_state["t.voice_present"] == 0.7          # the Rules page and the URL see the same key


def test_a_slider_move_changes_the_map_data_not_its_spec(ready, tiny_synth_dir):
    """Streamlit's frontend re-embeds a Vega-Lite chart (a new view: parse, compile, draw) when its spec
    changes, and only replaces the data of the view it has when the spec is the same: a rule moved on
    the Clusters page must leave the map's spec (and the heatmap's, at the same clusters) as it was."""
    at = _open(_app(tiny_synth_dir, n_clusters=K, projection="pca"), "clusters")

    def charts():
        out = {}
        for c in at.get("vega_lite_chart"):
            kind = "map" if "params" in json.loads(c.proto.spec) else "heatmap"
            out[kind] = (c.proto.spec, c.proto.data.data or c.proto.datasets[0].data.data)
        return out

    before = charts()
    at.slider(key="base_weight").set_value(0.62).run()
    assert not at.exception
    after = charts()
    assert after["map"][0] == before["map"][0]                        # the same spec, byte for byte
    assert after["map"][1] != before["map"][1]                        # new data: the weights moved
    _, data = _vega_map(at)
    assert "color" not in data.columns and "ring" not in data.columns  # coloured by cluster, nothing ringed
    assert after["heatmap"][0] == before["heatmap"][0]                # the same genres and clusters: same spec


def test_the_page_keeps_its_order_and_the_pinned_note_follows_the_slider(ready, tiny_synth_dir):
    """The fragment a slider reruns sends the map and the metric table first and fills the slider's
    expander and the captions above them afterwards; the page must still read top to bottom as before,
    and the pin bar, now outside that fragment, must still say how B differs once A is pinned."""
    at = _open(_app(tiny_synth_dir, n_clusters=K, projection="pca"), "clusters")

    def order() -> list:
        names = []
        def walk(node):
            for child in getattr(node, "children", {}).values():
                kind = getattr(child, "type", "")
                label = getattr(child, "label", None) or ""
                if kind in ("button", "slider", "radio", "selectbox", "table", "subheader", "vega_lite_chart"):
                    names.append(f"{kind}:{label}" if label else kind)
                walk(child)
        walk(at.main)
        return names

    # top to bottom: pin bar and re-seed, the slider's expander, the map's controls, the map, the metric
    # table, the genre x cluster heatmap and its folded table (a subsequence of what the page holds)
    want = iter(order())
    assert all(any(n.startswith(w) for n in want) for w in (
        "button:Pin as A", "button:Re-seed clustering", "selectbox:Rule", "slider:Base audio weight",
        "radio:Map", "selectbox:Colour by", "vega_lite_chart", "table", "subheader", "vega_lite_chart", "table")), \
        order()
    assert [c.value for c in at.caption if c.value.startswith("k-means")]              # the loop's caption is there
    assert not [c for c in at.caption if c.value.startswith("A is pinned")]            # nothing pinned yet

    next(b for b in at.button if b.label == "Pin as A").click().run()
    assert [c.value for c in at.caption if c.value.startswith("A is pinned; B (the sliders) is the same as A")]
    at.slider(key="base_weight").set_value(0.62).run()
    assert not at.exception
    note = [c.value for c in at.caption if c.value.startswith("A is pinned")]
    assert len(note) == 1 and "differs in 1 setting(s)" in note[0] and "0.62" in note[0]
    assert [b.label for b in at.button].count("Re-seed clustering") == 1
    assert [b.label for b in at.button].count("Unpin A") == 1


def _instant_data(at) -> dict:
    """The instant panel's data as the page sent it (the component's JSON)."""
    panels = at.get("bidi_component")
    assert len(panels) == 1
    return json.loads(panels[0].proto.json)


def test_instant_map_sends_the_prepared_set_once_and_the_rules_every_run(ready, tiny_synth_dir):
    """instant=1: the panel replaces the server's map and "Move a rule here"; it gets every prepared track's
    embeddings and indicators (decoded here to core's arrays), the current rules and the loop's centres; once the
    browser says it holds the set, a run sends the rules only, and they follow the page's keys."""
    prepared = ready.prepared
    at = _app(tiny_synth_dir, n_clusters=K, projection="pca", instant=True)
    _open(at, "clusters")
    assert not [c for c in at.get("vega_lite_chart") if "params" in json.loads(c.proto.spec)]  # no server map
    assert not [e for e in at.get("expander") if "Move a rule here" in e.label]
    data = _instant_data(at)
    ds = data["dataset"]
    n, d = prepared.n_tracks, prepared.embeddings.width
    assert (ds["n"], ds["d"]) == (n, d) and ds["track_ids"] == [str(t) for t in prepared.track_ids]
    audio = np.frombuffer(base64.b64decode(ds["audio"]), "<f4").reshape(n, d)
    np.testing.assert_array_equal(audio, prepared.embeddings.audio)
    snr = np.frombuffer(base64.b64decode(ds["indicators"]["snr_db"]), "<f4")
    np.testing.assert_array_equal(snr, prepared.indicators.column("snr_db"))  # NaN where unknown, as in core
    setting = data["setting"]
    assert setting["k"] == K and setting["ruleset"]["base_weight"] == DEFAULT_RULES.base_weight
    centers = np.frombuffer(base64.b64decode(setting["centers"]), "<f4").reshape(K, 2 * d)
    assert np.isfinite(centers).all()

    at.session_state["_instant_have"] = data["key"]  # what the browser's "have" message sets
    at.run()
    assert "dataset" not in _instant_data(at) and _instant_data(at)["key"] == data["key"]
    at.session_state["base_weight"] = 0.61  # what a release in the panel sets (ui.instant._on_rules)
    at.run()
    assert at.query_params["base"] == "0.61" and _instant_data(at)["setting"]["ruleset"]["base_weight"] == 0.61
    assert "dataset" not in _instant_data(at)
    before = _instant_data(at)["setting"]["setting"]
    next(b for b in at.button if b.label == "Re-seed clustering").click().run()
    assert _instant_data(at)["setting"]["setting"] != before  # the panel drops its warm start too
