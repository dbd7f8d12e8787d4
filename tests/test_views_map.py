"""core.views.map, .tables and .sensitivity (map, tables, sensitivity and auto-tune data) and ui.figures_map (the plotly figures),
on hand-made inputs whose answers can be checked on paper."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core.errors import ParameterError
from core.experiments import DEFAULT_AUTOTUNE_GRID
from core.indicators import INDICATORS, Indicators
from core.rules import DEFAULT_RULES
from core.views.map import (MapLayout, chart_selection, color_label, color_options, genres_for, map_frame,
                            resolve_color_by, selected_tracks, warm_start, weights_key)
from core.views.sensitivity import (autotune_grid, autotune_table, best_cell, cell_value, grid_values,
                                    slider_updates, threshold_specs)
from core.views.tables import contingency_frame, metric_table, metric_text
from ui.figures_grids import contingency_figure, contingency_spec, sensitivity_figure
from ui.figures_map import MAP_SELECTIONS, PALETTE, SVG_POINT_LIMIT, UNKNOWN_COLOR, map_figure, map_spec
from ui.state import rule_key

IDS = ("a", "b", "c", "d")
COORDS = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
LABELS = np.array([1, 0, 1, -1])
WEIGHTS = np.array([0.5, 1.0, 0.25, 0.0])
GENRES = np.array(["rock", "jazz", "rock", "pop"], dtype=object)


def _indicators():
    return Indicators.from_columns({"loudness_dbfs": [-10.0, -20.0, np.nan, -30.0],
                                    "vocal_presence": [0.1, 0.9, 0.5, 0.0]})


# ---------------------------------------------------------------------------------------------- colouring
def test_color_options_put_fixed_colourings_first_and_drop_genre_without_labels():
    names = ("vocal_presence", "loudness_dbfs")
    assert color_options(names, labelled=True) == ["cluster", "genre", "weight", "vocal_presence", "loudness_dbfs"]
    assert color_options(names, labelled=False) == ["cluster", "weight", "vocal_presence", "loudness_dbfs"]
    assert resolve_color_by("genre", color_options(names, labelled=False)) == "cluster"
    assert resolve_color_by("loudness_dbfs", color_options(names, labelled=False)) == "loudness_dbfs"
    assert color_label("loudness_dbfs") == "loudness_dbfs (dBFS)"
    assert color_label("weight") == "audio weight"


def test_genres_are_looked_up_by_id_not_by_row():
    # the dataset has a dropped track ("x") and another order than the drawn tracks
    got = genres_for(["c", "a", "zz"], ["a", "x", "c"], np.array(["rock", "jazz", "pop"]))
    assert list(got) == ["pop", "rock", ""]
    assert genres_for(["a"], ["a"], None) is None
    with pytest.raises(ParameterError, match="'labels' parameter of genres_for"):
        genres_for(["a"], ["a", "b"], np.array(["rock"]))


# ---------------------------------------------------------------------------------------------- map frame
def test_map_frame_by_cluster_has_one_row_per_track_and_named_clusters():
    df = map_frame(IDS, COORDS, LABELS, WEIGHTS, genres=GENRES, color_by="cluster")
    assert list(df["track_id"]) == list(IDS)
    assert list(df["cluster"]) == ["cluster 1", "cluster 0", "cluster 1", "noise"]
    assert list(df["color"]) == list(df["cluster"])
    np.testing.assert_array_equal(df[["x", "y"]].to_numpy(), COORDS)
    np.testing.assert_array_equal(df["fusion_weight"], WEIGHTS)  # default: the rules' weights
    assert df.attrs["color_kind"] == "categorical" and df.attrs["dims"] == 2 and "z" not in df


@pytest.mark.parametrize("color_by, expected, kind", [
    ("genre", list(GENRES), "categorical"),
    ("weight", list(WEIGHTS), "continuous"),
    ("loudness_dbfs", [-10.0, -20.0, np.nan, -30.0], "continuous"),
])
def test_map_frame_colours_by_what_was_asked(color_by, expected, kind):
    df = map_frame(IDS, COORDS, LABELS, WEIGHTS, effective=np.array([0.5, 1.0, 0.25, 1.0]), genres=GENRES,
                   indicators=_indicators(), color_by=color_by)
    assert df.attrs["color_kind"] == kind
    if kind == "continuous":
        np.testing.assert_array_equal(df["color"].to_numpy(dtype=float), np.array(expected, dtype=float))
    else:
        assert list(df["color"]) == expected
    assert df["fusion_weight"].iloc[3] == 1.0


def test_map_frame_3d_and_its_errors():
    xyz = np.arange(12, dtype=float).reshape(4, 3)
    df = map_frame(IDS, xyz, LABELS, WEIGHTS)
    np.testing.assert_array_equal(df["z"], xyz[:, 2])
    assert set(df["genre"]) == {""}
    with pytest.raises(ParameterError, match="'color_by' parameter of map_frame"):
        map_frame(IDS, COORDS, LABELS, WEIGHTS, color_by="genre")          # no labels
    with pytest.raises(ParameterError, match="'color_by'"):
        map_frame(IDS, COORDS, LABELS, WEIGHTS, color_by="snr_db")         # no such indicator given
    with pytest.raises(ParameterError, match="'coords' parameter of map_frame must be an array of shape"):
        map_frame(IDS, COORDS[:3], LABELS, WEIGHTS)


# ---------------------------------------------------------------------------------------------- cache key, warm start
def test_weights_key_ignores_moves_below_half_a_step_and_sees_larger_ones():
    w = np.array([0.1, 0.5, 0.9, 0.95], np.float32)
    key, rounded = weights_key(w)
    assert weights_key(w + np.float32(0.003))[0] == key
    assert weights_key(w + np.array([0, 0.02, 0, 0], np.float32))[0] != key
    np.testing.assert_allclose(rounded, [0.1, 0.5, 0.9, 0.95], atol=1e-7)
    assert rounded.dtype == np.float32
    _, coarse = weights_key(np.array([0.33, 0.77]), step=0.5)
    np.testing.assert_allclose(coarse, [0.5, 1.0])
    with pytest.raises(ParameterError, match="'weights' parameter of weights_key"):
        weights_key(np.array([0.5, 1.5]))


def test_warm_start_reuses_only_the_same_tracks_method_and_dims():
    prev = MapLayout(track_ids=IDS, method="umap", dims=2, coords=COORDS.astype(np.float32))
    np.testing.assert_array_equal(warm_start(prev, IDS, "umap", 2), COORDS)
    assert warm_start(prev, IDS, "pca", 2) is None
    assert warm_start(prev, IDS, "umap", 3) is None
    assert warm_start(prev, IDS[::-1], "umap", 2) is None
    assert warm_start(None, IDS, "umap", 2) is None


# ---------------------------------------------------------------------------------------------- selection
def test_selected_tracks_reads_ids_from_customdata_in_order_without_repeats():
    event = {"selection": {"points": [
        {"curve_number": 1, "point_index": 0, "customdata": ["c", "rock", "cluster 1", 0.25]},
        {"curve_number": 0, "point_index": 0, "customdata": ["b", "jazz", "cluster 0", 1.0]},
        {"curve_number": 1, "point_index": 0, "customdata": ["c", "rock", "cluster 1", 0.25]},
    ], "point_indices": [0, 0], "box": [], "lasso": []}}
    assert selected_tracks(event) == ["c", "b"]
    assert selected_tracks({"selection": {"points": []}}) == []
    assert selected_tracks(None) == []


def test_selected_tracks_falls_back_on_trace_rows_when_no_customdata():
    event = {"selection": {"points": [{"curve_number": 1, "point_index": 1}]}}
    # trace 0 drew rows [1], trace 1 drew rows [0, 2]: point 1 of trace 1 is row 2, "c"
    assert selected_tracks(event, IDS, trace_rows=[[1], [0, 2]]) == ["c"]
    assert selected_tracks(event, IDS) == ["b"]               # one trace: point_index is the row
    assert selected_tracks(event) == []                        # nothing to resolve it with


def test_a_point_clicked_on_the_real_figure_resolves_to_its_track():
    """The customdata of the figure's traces is what a click returns: take point k of trace t."""
    df = map_frame(IDS, COORDS, LABELS, WEIGHTS, genres=GENRES, color_by="genre")
    fig = map_figure(df)
    for t, trace in enumerate(fig.data):
        for k, custom in enumerate(trace.customdata):
            event = {"selection": {"points": [{"curve_number": t, "point_index": k, "customdata": list(custom)}]}}
            tid = selected_tracks(event)[0]
            row = df.set_index("track_id").loc[tid]
            assert (row["x"], row["y"]) == (trace.x[k], trace.y[k])


def test_chart_selection_reads_clicks_then_the_box_in_frame_order_without_repeats():
    df = map_frame(IDS, COORDS, LABELS, WEIGHTS, genres=GENRES)     # a (0,0) b (1,0) c (0,1) d (1,1)
    assert chart_selection(None, df) == [] and chart_selection({"selection": {}}, df) == []
    assert chart_selection({"selection": {"pick": [{"track_id": "c"}, {"track_id": "a"}]}}, df) == ["c", "a"]
    # a box includes its edges, and either corner order is a box
    assert chart_selection({"selection": {"box": {"x": [1.0, -0.5], "y": [-0.5, 0.0]}}}, df) == ["a", "b"]
    both = {"selection": {"pick": [{"track_id": "d"}], "box": {"x": [-1, 2], "y": [0.5, 2]}}}
    assert chart_selection(both, df) == ["d", "c"]                  # the click first, d not twice
    junk = {"selection": {"pick": [{"track_id": "zz"}, "x", {}], "box": {"x": [0, "?"], "y": [0, 1]}}}
    assert chart_selection(junk, df) == []                          # unknown ids and malformed parts


def test_a_point_clicked_on_the_2d_map_resolves_to_its_track():
    """A click returns the clicked datum's ``track_id`` field: every drawn row maps back to itself."""
    df = map_frame(IDS, COORDS, LABELS, WEIGHTS, genres=GENRES, color_by="genre")
    data, spec = map_spec(df)
    pick = next(p for p in spec["params"] if p["name"] == "pick")
    assert pick["select"]["fields"] == ["track_id"]
    for _, row in data.iterrows():
        assert chart_selection({"selection": {"pick": [{"track_id": row["track_id"]}]}}, df) == [row["track_id"]]


# ---------------------------------------------------------------------------------------------- tables
def test_metric_table_renames_headers_and_keeps_values():
    table = pd.DataFrame({"nmi": [0.5, 0.4], "davies_bouldin": [1.2, 1.5]},
                         index=pd.Index(["dynamic (rules)", "static 0.5"], name="condition"))
    out = metric_table(table)
    assert list(out.columns) == ["NMI ↑", "Davies-Bouldin ↓"]
    np.testing.assert_array_equal(out.to_numpy(), table.to_numpy())
    assert list(out.index) == list(table.index)


def test_metric_text_shows_three_decimals_and_nothing_for_a_missing_metric():
    table = pd.DataFrame({"NMI ↑": [0.51249, np.nan], "n": [3, 4]}, index=["dynamic (rules)", "static 0.5"])
    out = metric_text(table)
    assert out["NMI ↑"].tolist() == ["0.512", ""] and out["n"].tolist() == [3, 4]
    assert list(out.index) == list(table.index) and table["NMI ↑"].iloc[0] == 0.51249   # the input is kept
    assert metric_text(table, digits=1)["NMI ↑"].iloc[0] == "0.5"


def test_contingency_frame_counts_genres_by_cluster():
    out = contingency_frame(GENRES, LABELS)
    assert list(out.index) == ["jazz", "pop", "rock"]
    assert list(out.columns) == ["noise", "cluster 0", "cluster 1"]
    np.testing.assert_array_equal(out.to_numpy(), [[0, 1, 0], [1, 0, 0], [0, 0, 2]])
    assert int(contingency_frame(np.array(["rock", "", "rock"], dtype=object), [0, 1, 0]).to_numpy().sum()) == 2


# ---------------------------------------------------------------------------------------------- sensitivity
def test_threshold_specs_take_ranges_from_the_indicator_registry():
    specs = threshold_specs(DEFAULT_RULES)
    assert list(specs)[:len(DEFAULT_RULES.rules)] == list(DEFAULT_RULES.rule_names)
    loud = specs["loud"]
    assert (loud.lo, loud.hi, loud.unit, loud.current) == (INDICATORS["loudness_dbfs"].lo,
                                                           INDICATORS["loudness_dbfs"].hi, "dBFS", -20.0)
    assert (specs["voice_floor"].lo, specs["voice_floor"].hi, specs["voice_floor"].current) == (0.0, 1.0, 0.1)
    wide = threshold_specs(DEFAULT_RULES.replace_rule("loud", threshold=-80.0))["loud"]
    assert wide.lo == -80.0                                     # widened to hold the current value


def test_grid_values_span_the_range_evenly():
    assert grid_values(-60.0, 0.0, 7) == (-60.0, -50.0, -40.0, -30.0, -20.0, -10.0, 0.0)
    vals = grid_values(0.0, 1.0, 4)
    assert len(vals) == 4 and vals[0] == 0.0 and vals[-1] == 1.0 and vals[1] == pytest.approx(1 / 3, abs=1e-3)
    assert grid_values(0.5, 0.5, 5) == (0.5,)
    with pytest.raises(ParameterError, match="'hi' parameter of grid_values"):
        grid_values(1.0, 0.0, 3)


def test_best_cell_and_cell_value_on_a_hand_grid():
    grid = pd.DataFrame([[0.1, 0.7], [0.9, np.nan], [0.3, 0.9]], index=pd.Index([0.2, 0.5, 0.8], name="a"),
                        columns=pd.Index([-30.0, -10.0], name="b"))
    assert best_cell(grid) == (0.5, -30.0, 0.9)                # first of the tied 0.9 cells
    assert best_cell(grid, lower_is_better=True) == (0.2, -30.0, 0.1)
    assert cell_value(grid, 0.75, -12.0) == 0.9                # nearest cell (0.8, -10)
    assert all(math.isnan(v) for v in best_cell(grid * np.nan))


# ---------------------------------------------------------------------------------------------- auto-tune
def test_autotune_grid_keeps_the_default_grid_and_centres_others_on_the_current_value():
    rs = DEFAULT_RULES.replace_rule("loud", threshold=-50.0)
    grid = autotune_grid(["voice_present", "loud"], rs, DEFAULT_AUTOTUNE_GRID)
    assert grid["voice_present"] == DEFAULT_AUTOTUNE_GRID["voice_present"]
    assert grid["loud"] == (-60.0, -50.0, -35.0)               # -50 -+ 15 (a quarter of 60), clipped at -60
    with pytest.raises(ParameterError, match="'names' parameter of autotune_grid"):
        autotune_grid(["nope"], rs)


def test_slider_updates_use_the_dashboards_widget_keys():
    out = slider_updates({"loud": -25, "voice_floor": 0.2}, DEFAULT_RULES, rule_key)
    assert out == {"t.loud": -25.0, "voice_floor": 0.2}
    with pytest.raises(ParameterError, match="'thresholds' parameter of slider_updates"):
        slider_updates({"base": 0.5}, DEFAULT_RULES, rule_key)


def test_autotune_table_puts_the_chosen_row_first_then_by_score():
    table = pd.DataFrame({"loud": [-30.0, -20.0, -10.0], "stability": [0.8, 0.9, 0.85],
                          "silhouette": [0.1, 0.2, 0.3], "score": [0.8, 0.9, 0.85],
                          "n_changed": [1, 0, 1], "relative_change": [0.5, 0.0, 0.5],
                          "mean_weight": [0.5, 0.6, 0.7], "is_default": [False, True, False],
                          "is_best": [False, True, False]})
    out = autotune_table(table, ("loud",), "score")
    assert list(out["loud"]) == [-20.0, -10.0, -30.0]
    assert list(out.columns) == ["loud", "stability", "silhouette", "mean audio weight", "changed", "start",
                                 "chosen"]
    assert out["chosen"].tolist() == [True, False, False]


# ---------------------------------------------------------------------------------------------- figures
def test_map_figure_2d_is_webgl_with_one_trace_per_cluster_and_every_track_once():
    df = map_frame(IDS, COORDS, LABELS, WEIGHTS, genres=GENRES)
    fig = map_figure(df)
    assert all(isinstance(t, go.Scattergl) for t in fig.data)
    assert [t.name for t in fig.data] == ["cluster 0", "cluster 1", "noise"]
    drawn = sorted(c[0] for t in fig.data for c in t.customdata)
    assert drawn == sorted(IDS)
    assert "genre" in fig.data[0].hovertemplate and "audio weight" in fig.data[0].hovertemplate


def test_map_figure_continuous_colours_are_the_values_and_unknown_is_grey():
    df = map_frame(IDS, COORDS, LABELS, WEIGHTS, genres=GENRES, indicators=_indicators(), color_by="loudness_dbfs")
    fig = map_figure(df, highlight="b")
    unknown, known, selected = fig.data
    assert unknown.name == "unknown" and unknown.marker.color == UNKNOWN_COLOR
    assert [c[0] for c in unknown.customdata] == ["c"]
    np.testing.assert_array_equal(known.marker.color, [-10.0, -20.0, -30.0])
    assert known.marker.colorbar.title.text == "loudness_dbfs (dBFS)"
    assert selected.name == "selected" and [c[0] for c in selected.customdata] == ["b"]


def _valid_vega_lite(data, spec) -> dict:
    """The spec with its data inline, validated against the Vega-Lite JSON schema Altair ships."""
    import altair as alt
    full = {**spec, "data": {"values": data.astype(object).where(data.notna(), None).to_dict("records")}}
    alt.Chart.from_dict(full)  # raises on anything the schema rejects
    return full


def test_map_spec_2d_draws_every_track_once_in_legend_colours_with_the_ring_on_top():
    df = map_frame(IDS, COORDS, LABELS, WEIGHTS, genres=GENRES)
    data, spec = map_spec(df, highlight="a")
    _valid_vega_lite(data, spec)
    assert sorted(data["track_id"]) == sorted(IDS)
    assert list(data["track_id"])[-1] == "a" and data["ring"].tolist() == [False, False, False, True]
    row = data.set_index("track_id").loc["b"]
    assert (row["x"], row["y"], row["audio_weight"], row["cluster"]) == (1.0, 0.0, 1.0, "cluster 0")
    color = spec["encoding"]["color"]
    assert color["scale"]["domain"] == ["cluster 0", "cluster 1", "noise"]
    assert color["scale"]["range"] == list(PALETTE[:3])
    names = [p["name"] for p in spec["params"]]
    assert set(MAP_SELECTIONS) <= set(names) and "zoom" in names and "legend" in names
    assert {t["title"] for t in spec["encoding"]["tooltip"]} >= {"track", "genre", "audio weight"}


def test_map_spec_continuous_colours_use_the_value_range_and_grey_for_unknown():
    df = map_frame(IDS, COORDS, LABELS, WEIGHTS, genres=GENRES, indicators=_indicators(), color_by="loudness_dbfs")
    data, spec = map_spec(df)
    _valid_vega_lite(data, spec)
    color = spec["encoding"]["color"]
    assert color["value"] == UNKNOWN_COLOR and color["condition"]["scale"]["domain"] == [-30.0, -10.0]
    assert np.isnan(data.set_index("track_id").loc["c", "color"])
    assert "legend" not in [p["name"] for p in spec["params"]]
    by_weight = map_spec(map_frame(IDS, COORDS, LABELS, WEIGHTS, color_by="weight"))[1]
    assert by_weight["encoding"]["color"]["condition"]["scale"]["domain"] == [0.0, 1.0]


def test_map_spec_asks_the_browser_for_per_point_work_only_where_it_is_needed():
    ringed = map_spec(map_frame(IDS, COORDS, LABELS, WEIGHTS, genres=GENRES), highlight="a")[1]
    assert ringed["encoding"]["size"]["condition"]["test"] == "datum.ring"
    plain = map_spec(map_frame(IDS, COORDS, LABELS, WEIGHTS, genres=GENRES))[1]
    assert not {"size", "stroke", "strokeWidth"} & set(plain["encoding"])     # constants on the mark
    assert (plain["mark"]["size"], plain["mark"]["stroke"]) == (64, "white")
    assert "usermeta" not in plain                                           # a small map stays SVG
    n = SVG_POINT_LIMIT + 1
    rng = np.random.default_rng(0)
    big = map_spec(map_frame([f"t{i}" for i in range(n)], rng.normal(size=(n, 2)), np.zeros(n, dtype=int),
                             np.full(n, 0.5)))[1]
    assert big["usermeta"]["embedOptions"]["renderer"] == "canvas" and big["config"]["mark"]["aria"] is False
    assert big["mark"]["strokeWidth"] == 0                                   # no outline per point either
    _valid_vega_lite(*map_spec(map_frame(IDS, COORDS, LABELS, WEIGHTS, genres=GENRES)))


def test_map_spec_refuses_a_3d_frame():
    df = map_frame(IDS, np.arange(12.0).reshape(4, 3), LABELS, WEIGHTS)
    with pytest.raises(ParameterError, match="map_spec"):
        map_spec(df)


def test_map_figure_3d_uses_scatter3d():
    df = map_frame(IDS, np.arange(12.0).reshape(4, 3), LABELS, WEIGHTS, color_by="weight")
    fig = map_figure(df)
    assert len(fig.data) == 1 and isinstance(fig.data[0], go.Scatter3d)
    assert (fig.data[0].marker.cmin, fig.data[0].marker.cmax) == (0.0, 1.0)
    np.testing.assert_array_equal(fig.data[0].z, [2.0, 5.0, 8.0, 11.0])


def test_contingency_spec_draws_every_cell_of_the_table_in_order():
    cont = contingency_frame(GENRES, LABELS)
    data, spec = contingency_spec(cont)
    _valid_vega_lite(data, spec)
    assert len(data) == cont.size
    back = data.pivot(index="genre", columns="cluster", values="tracks")
    back = back.loc[[str(g) for g in cont.index], [str(c) for c in cont.columns]]
    np.testing.assert_array_equal(back.to_numpy(), cont.to_numpy())
    assert spec["encoding"]["y"]["sort"] == [str(g) for g in cont.index]
    assert spec["encoding"]["x"]["sort"] == [str(c) for c in cont.columns]
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "text"]


def test_contingency_spec_is_the_same_for_other_counts_of_the_same_genres_and_clusters():
    """Streamlit re-embeds a chart whose spec changed; new counts alone must only change the data."""
    cont = contingency_frame(GENRES, LABELS)
    more = cont * 7 + 1
    (d1, s1), (d2, s2) = contingency_spec(cont), contingency_spec(more)
    assert json.dumps(s1, sort_keys=True) == json.dumps(s2, sort_keys=True)
    assert d2["tracks"].max() == 15 and d1["tracks"].max() == 2
    _valid_vega_lite(d2, s2)


def test_contingency_and_sensitivity_figures_draw_their_tables():
    cont = contingency_frame(GENRES, LABELS)
    hm = contingency_figure(cont).data[0]
    np.testing.assert_array_equal(np.asarray(hm.z), cont.to_numpy())
    assert list(hm.y) == list(cont.index) and list(hm.x) == list(cont.columns)
    grid = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=[0.2, 0.8], columns=[-30.0, -10.0])
    fig = sensitivity_figure(grid, current=(0.5, -20.0), lower_is_better=True, chosen=(0.8, -10.0))
    heat, current, chosen = fig.data
    np.testing.assert_array_equal(np.asarray(heat.z), grid.to_numpy())
    assert heat.reversescale is True
    assert (current.x[0], current.y[0]) == (-20.0, 0.5)         # x: threshold B, y: threshold A
    assert (chosen.x[0], chosen.y[0]) == (-10.0, 0.8)


def test_the_map_colours_by_the_lyrics_language_when_one_is_known():
    from core.views.map import has_languages
    names = ("vocal_presence",)
    ind = Indicators(values=_indicators().values, names=_indicators().names, languages=("de", "en", "", "es"))
    assert has_languages(ind) and not has_languages(_indicators()) and not has_languages(None)
    assert color_options(names, labelled=False, languages=True) == ["cluster", "weight", "language", "vocal_presence"]
    df = map_frame(IDS, COORDS, LABELS, WEIGHTS, indicators=ind, color_by="language")
    assert list(df["color"]) == ["de", "en", "none", "es"] and df.attrs["color_kind"] == "categorical"
    with pytest.raises(ParameterError, match="'color_by'"):
        map_frame(IDS, COORDS, LABELS, WEIGHTS, indicators=_indicators(), color_by="language")
    with pytest.raises(ParameterError, match="'languages'"):
        Indicators(values=_indicators().values, names=_indicators().names, languages=("de",))
