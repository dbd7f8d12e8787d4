"""core.views (data behind the rules, weights and inspector pages) and ui.figures, on hand-made tracks
whose numbers can be checked on paper."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from core import views
from core.errors import ParameterError
from core.fusion import Embeddings
from core.indicators import INDICATORS, Indicators
from core.rules import A_PRIORI_RULES as DEFAULT_RULES, Rule, apply_rules, explain, rule_counts
from ui import figures

# Four hand-made tracks:
#   0 loud, voiced song            -> base 0.5, loud +0.1, voice -0.15          = 0.45
#   1 quiet instrumental, no lyrics -> hard rule no_lyrics                       = 1
#   2 voiced, terrible audio       -> hard rule unusable_audio (quality < 0.1)  = 0
#   3 loud, compressed, no voice   -> hard rule no_voice (vocal < 0.1)          = 1
#   4 loud, percussive, dense, compressed, voiced: 0.5+0.1+0.1+0.05+0.05-0.15 = 0.65
COLUMNS = {
    "vocal_presence":       [0.8, 0.0, 0.6, 0.05, 0.6],
    "lyrics_available":     [1.0, 0.0, 1.0, 1.0, 1.0],
    "audio_available":      [1.0, 1.0, 1.0, 1.0, 1.0],
    "percussive_ratio":     [0.3, 0.2, 0.3, 0.4, 0.7],
    "loudness_dbfs":        [-12.0, -30.0, -15.0, -10.0, -10.0],
    "dynamic_range_db":     [10.0, 20.0, 10.0, 4.0, 4.0],
    "instrumental_density": [0.5, 0.3, 0.5, 0.6, 0.9],
    "audio_quality":        [0.9, 0.9, 0.05, 0.9, 0.9],
    "lyrics_quality":       [0.9, np.nan, 0.9, 0.9, 0.9],
}
EXPECTED = np.array([0.45, 1.0, 0.0, 1.0, 0.65], np.float32)


@pytest.fixture
def ind():
    return Indicators.from_columns(COLUMNS)


@pytest.fixture
def result(ind):
    return apply_rules(ind, DEFAULT_RULES)


def test_hand_made_tracks_get_the_weights_worked_out_on_paper(result):
    np.testing.assert_allclose(result.weights, EXPECTED, atol=1e-6)
    assert list(result.decided_by) == ["", "no_lyrics", "unusable_audio", "no_voice", ""]


# -- rules and weights ---------------------------------------------------------------------------
def test_weight_summary_counts_hard_and_clipped_tracks(result, ind):
    s = views.weight_summary(result)
    assert s["n_tracks"] == 5
    assert s["mean"] == pytest.approx(EXPECTED.mean(), abs=1e-6)
    assert s["median"] == pytest.approx(0.65, abs=1e-6)
    assert (s["n_hard"], s["n_no_lyrics"], s["n_unusable_audio"], s["n_no_voice"]) == (3, 1, 1, 1)
    assert s["n_clipped"] == 0
    clipped = views.weight_summary(apply_rules(ind, DEFAULT_RULES.with_changes(clip=(0.5, 0.6))))
    assert clipped["n_clipped"] == 2  # 0.45 -> 0.5 and 0.65 -> 0.6


def test_weight_histogram_stacks_tracks_by_what_decided_them(result):
    hist = views.weight_histogram(result.weights, result.decided_by)
    assert hist["count"].sum() == 5
    assert set(hist["decided_by"]) == set(views.DECIDED_ORDER)  # every group, so colours stay put
    got = {(r.decided_by, round(r.bin_lo, 2)): r.count for r in hist.itertuples() if r.count}
    # weight 1 falls in the last (closed) bin, 0 in the first
    assert got == {("soft rules", 0.45): 1, ("soft rules", 0.65): 1, ("no_lyrics", 0.95): 1,
                   ("unusable_audio", 0.0): 1, ("no_voice", 0.95): 1}


def test_weight_histogram_rejects_bad_input():
    with pytest.raises(ParameterError, match="'weights' parameter of weight_histogram"):
        views.weight_histogram([0.5, 1.5])
    with pytest.raises(ParameterError, match="'decided_by' parameter of weight_histogram"):
        views.weight_histogram([0.5, 0.5], ["", "a rule that does not exist"])
    with pytest.raises(ParameterError, match="'decided_by'"):
        views.weight_histogram([0.5, 0.5], [""])


@pytest.mark.parametrize("soft", [False, True], ids=["hard-steps", "ramps"])
def test_mean_contributions_add_up_to_the_mean_weight(ind, soft):
    rr = apply_rules(ind, DEFAULT_RULES.with_changes(soft=soft))
    means = views.mean_contributions(rr)
    assert list(means.index) == list(rr.columns)
    assert means.sum() == pytest.approx(float(rr.weights.mean()), abs=1e-6)


def test_rules_table_counts_and_contributions(result):
    table = views.rules_table(result)
    assert list(table["rule"]) == list(DEFAULT_RULES.rule_names)
    counts = rule_counts(result)
    assert dict(zip(table["rule"], table["fired"])) == {n: counts[n] for n in DEFAULT_RULES.rule_names}
    loud = table.set_index("rule").loc["loud"]
    assert loud["condition"] == "loudness_dbfs > -20 dBFS"
    assert loud["fired"] == 2                       # tracks 0 and 4 (track 3 is decided by a hard rule)
    assert loud["mean_contribution"] == pytest.approx(2 * 0.1 / 5)
    assert loud["share"] == pytest.approx(2 / 5)


def test_hard_rules_table_shows_floors_switches_and_counts(ind):
    rs = DEFAULT_RULES.with_changes(audio_quality_floor=0.2, no_voice_rule=False)
    table = views.hard_rules_table(apply_rules(ind, rs)).set_index("rule")
    assert list(table.index) == ["no_lyrics", "unusable_audio", "no_voice"]
    assert table.loc["unusable_audio", "condition"] == "audio_available = 0 or audio_quality < 0.2"
    assert not table.loc["no_voice", "enabled"]
    assert table.loc["no_voice", "decided"] == 0
    assert table.loc["no_lyrics", "decided"] == 1
    assert table.loc["unusable_audio", "mean_contribution"] == pytest.approx(-0.5 / 5)


@pytest.mark.parametrize("rule", DEFAULT_RULES.rules, ids=lambda r: r.name)
def test_threshold_slider_bounds_come_from_the_indicator_registry(rule):
    spec = views.threshold_slider(rule)
    ind = INDICATORS[rule.indicator]
    assert (spec.min_value, spec.max_value) == (ind.lo, ind.hi)
    assert spec.min_value <= rule.threshold <= spec.max_value
    assert 0 < spec.step <= (ind.hi - ind.lo) / 100
    assert (ind.unit or "0–1") in spec.label
    assert rule.description in spec.help and ind.description in spec.help


def test_slider_bounds_widen_to_hold_a_value_from_a_link():
    loud = DEFAULT_RULES.get_rule("loud")
    spec = views.threshold_slider(loud, current=5.0)          # above the registry's 0 dBFS
    assert spec.max_value == 5.0 and spec.min_value == -60.0
    assert (spec.step, spec.format) == (0.5, "%.1f")
    delta = views.delta_slider(loud, current=-0.8)
    assert (delta.min_value, delta.max_value, delta.step) == (-0.8, 0.5, 0.01)
    with pytest.raises(ParameterError, match="'current' parameter of threshold_slider"):
        views.threshold_slider(loud, current=float("nan"))


def test_indicator_histogram_counts_missing_and_past_values():
    rule = DEFAULT_RULES.get_rule("poor_lyrics")            # lyrics_quality < 0.5
    values = np.array([0.1, 0.2, 0.6, 0.9, np.nan, np.nan])
    h = views.indicator_histogram(values, rule, bins=10)
    assert h.counts.sum() + h.n_missing == values.size
    assert (h.n_missing, h.n_past, h.threshold, h.op) == (2, 2, 0.5, "<")
    assert (h.edges[0], h.edges[-1]) == (0.0, 1.0)
    wide = views.indicator_histogram(np.array([-70.0, -5.0]), DEFAULT_RULES.get_rule("loud"))
    assert wide.edges[0] == -70.0 and wide.edges[-1] == 0.0   # widened to the data


def test_rule_response_is_the_engine_step_or_ramp():
    rule = DEFAULT_RULES.get_rule("loud")                      # > -20 dBFS: +0.10, width 6 dB
    x = np.array([-40.0, -20.0, -19.9, 0.0])
    np.testing.assert_allclose(views.rule_response(rule, False, x), [0.0, 0.0, 0.1, 0.1], atol=1e-7)
    ramp = views.rule_response(rule, True, np.linspace(-40, 0, 41))
    assert np.all(np.diff(ramp) >= 0)
    assert views.rule_response(rule, True, [-20.0])[0] == pytest.approx(0.05, abs=1e-6)
    assert views.rule_response(rule, True, [-23.0])[0] == pytest.approx(0.1 / (1 + np.exp(4)), abs=1e-6)


# -- weights per cluster ---------------------------------------------------------------------------
def test_cluster_leaning_says_which_clusters_lean_where():
    w = [0.9, 0.8, 0.1, 0.2, 0.5, 0.5, 1.0]
    c = [0, 0, 1, 1, 2, 2, -1]
    lean = views.cluster_leaning(w, c)
    assert list(lean.table["cluster"]) == [-1, 0, 1, 2]
    assert list(lean.table["leans"]) == ["audio", "audio", "lyrics", "both"]
    assert lean.table.set_index("cluster").loc[0, "mean"] == pytest.approx(0.85)
    assert lean.sentence == ("Noise (mean 1.00, 1 track) and cluster 0 (mean 0.85, 2 tracks) lean on audio "
                             "(mean audio weight above 0.6); cluster 1 (mean 0.15, 2 tracks) leans on lyrics "
                             "(below 0.4); cluster 2 (mean 0.50, 2 tracks) uses both.")
    strict = views.cluster_leaning(w, c, audio_above=0.95, lyrics_below=0.05)
    assert list(strict.table["leans"]) == ["audio", "both", "both", "both"]
    with pytest.raises(ParameterError, match="'lyrics_below' parameter of cluster_leaning"):
        views.cluster_leaning(w, c, audio_above=0.3, lyrics_below=0.5)
    with pytest.raises(ParameterError, match="'clusters'"):
        views.cluster_leaning(w, c[:-1])


def test_cluster_genre_weights_means_and_counts():
    w = [0.9, 0.7, 0.2, 0.4, 1.0]
    c = [1, 1, 0, 0, 1]
    g = ["rock", "rock", "folk", "rock", "folk"]
    means, counts = views.cluster_genre_weights(w, c, g)
    assert list(means.index) == [0, 1] and list(means.columns) == ["folk", "rock"]
    assert means.loc[1, "rock"] == pytest.approx(0.8)
    assert means.loc[0, "folk"] == pytest.approx(0.2)
    assert counts.loc[1, "rock"] == 2 and counts.loc[1, "folk"] == 1
    assert counts.to_numpy().sum() == 5
    full = views.cluster_genre_weights([0.5], [0], ["a"])[0]
    assert full.loc[0, "a"] == 0.5
    m2, c2 = views.cluster_genre_weights([0.3, 0.6], [0, 1], ["a", "b"])
    assert np.isnan(m2.loc[0, "b"]) and c2.loc[0, "b"] == 0


def test_weights_frame(result):
    frame = views.weights_frame(["a", "b", "c", "d", "e"], result.weights, [0, 1, 0, 1, 0],
                                ["x", "y", "x", "y", "x"], result.decided_by)
    assert list(frame.columns) == ["track_id", "cluster", "genre", "audio_weight", "decided_by"]
    assert frame.loc[0, "decided_by"] == "soft rules" and frame.loc[1, "decided_by"] == "no_lyrics"
    with pytest.raises(ParameterError, match="'genres' parameter of weights_frame"):
        views.weights_frame(["a"], [0.5], [0], ["x", "y"])


# -- track inspector -------------------------------------------------------------------------------
def test_track_labels_show_genre_and_dropped_tracks():
    labels = views.track_labels(["a", "b", "c"], ["a", "c"], ["rock", "jazz", "pop"])
    assert labels == {"a": "a · rock", "b": "b · jazz · not clustered", "c": "c · pop"}
    assert views.track_labels(["a"], ["a"]) == {"a": "a"}


@pytest.mark.parametrize("soft", [False, True], ids=["hard-steps", "ramps"])
def test_explain_table_sums_to_every_tracks_weight(ind, soft):
    rr = apply_rules(ind, DEFAULT_RULES.with_changes(soft=soft))
    for i in range(rr.n_tracks):
        table = views.explain_table(rr, i)
        assert table["contribution"].sum() == pytest.approx(float(rr.weights[i]), abs=1e-6)
        assert table["running_total"].iloc[-1] == pytest.approx(float(rr.weights[i]), abs=1e-6)
        assert table["step"].iloc[0] == "base audio weight"


def test_explain_table_lists_what_explain_says(result, ind):
    table = views.explain_table(result, 4)
    assert [s.split(":")[0] for s in table["step"]] == ["base audio weight", "voice_present", "percussive",
                                                         "loud", "compressed", "dense_mix"]
    assert list(table["contribution"]) == pytest.approx([a for _, a in explain(result, 4)])
    hard = views.explain_table(result, 1)
    assert hard["step"].iloc[-1].startswith("hard rule no_lyrics")
    assert hard["contribution"].iloc[-1] == pytest.approx(0.5)
    ramps = views.explain_table(apply_rules(ind, DEFAULT_RULES.with_changes(soft=True)), 0)
    assert any(s.startswith("other rules, each under") for s in ramps["step"])  # tiny ramp tails lumped


def test_indicator_table_units_values_and_readers(ind):
    table = views.indicator_table(ind, 1, DEFAULT_RULES).set_index("indicator")
    assert table.loc["loudness_dbfs", "value"] == pytest.approx(-30.0)
    assert table.loc["loudness_dbfs", "unit"] == "dBFS"
    assert table.loc["loudness_dbfs", "read_by"] == "loud"
    assert table.loc["vocal_presence", "read_by"] == "voice_present, no_voice"
    assert table.loc["audio_quality", "read_by"] == "poor_audio, unusable_audio"
    assert np.isnan(table.loc["lyrics_quality", "value"])
    with pytest.raises(ParameterError, match="'i' parameter of indicator_table"):
        views.indicator_table(ind, 9)


def test_nearest_neighbours_on_a_line():
    X = np.array([[0.0], [1.0], [3.0], [-1.0], [10.0]])
    idx, dist = views.nearest_neighbours(X, 0, k=3)
    assert list(idx) == [1, 3, 2]                           # tie 1 / 3 broken by row order
    np.testing.assert_allclose(dist, [1.0, 1.0, 3.0])
    idx, _ = views.nearest_neighbours(X, 0, k=10, ok=[True, False, True, True, False])
    assert list(idx) == [3, 2]
    idx, dist = views.nearest_neighbours(X, 1, k=2, ok=[True, False, True, True, True])
    assert idx.size == 0 and dist.size == 0                 # the query lacks this modality
    with pytest.raises(ParameterError, match="'k' parameter of nearest_neighbours"):
        views.nearest_neighbours(X, 0, k=0)


def test_neighbour_tables_in_the_fused_space_and_each_modality():
    audio = np.array([[1, 0], [1, 0], [0, 1], [0.6, 0.8]], np.float32)
    lyrics = np.array([[1, 0], [0, 1], [1, 0], [0, 0]], np.float32)
    emb = Embeddings(audio=audio, lyrics=lyrics, audio_ok=np.ones(4, bool),
                     lyrics_ok=np.array([True, True, True, False]))
    w = np.array([0.8, 0.5, 0.2, 0.3], np.float32)
    tables = views.neighbour_tables(emb, w, 0, ["a", "b", "c", "d"], k=3, clusters=[0, 0, 1, 1],
                                    genres=["x", "x", "y", "y"])
    w_eff = np.array([0.8, 0.5, 0.2, 1.0])                  # d has no lyrics: all audio
    fused = np.hstack([np.sqrt(w_eff)[:, None] * audio, np.sqrt(1 - w_eff)[:, None] * lyrics])
    dist = {t: float(np.linalg.norm(fused[0] - fused[j])) for j, t in enumerate("abcd") if j}
    expected = sorted(dist.items(), key=lambda kv: kv[1])
    assert list(tables["fused"]["track_id"]) == [t for t, _ in expected]
    assert list(tables["fused"]["distance"]) == pytest.approx([d for _, d in expected], abs=1e-6)
    assert list(tables["fused"]["cluster"]) == [{"b": 0, "c": 1, "d": 1}[t] for t, _ in expected]
    assert list(tables["audio"]["track_id"][:1]) == ["b"] and tables["audio"]["distance"][0] == pytest.approx(0)
    assert list(tables["lyrics"]["track_id"]) == ["c", "b"]   # d has no lyrics: not a lyrics neighbour
    assert list(tables["lyrics"].columns) == ["track_id", "distance", "cluster", "genre"]
    none = views.neighbour_tables(emb, w, 3, ["a", "b", "c", "d"], k=2)
    assert none["lyrics"].empty and len(none["audio"]) == 2


def test_audio_status_for_present_missing_and_absent_files(tmp_path):
    path = tmp_path / "clip.wav"
    sf.write(str(path), np.zeros(2205, np.float32), 22050)
    assert views.audio_status(str(path)) == (True, "")
    ok, message = views.audio_status(str(tmp_path / "gone.wav"))
    assert not ok and "missing" in message and "gone.wav" in message
    assert views.audio_status(None) == (False, "This track has no audio file.")


# -- figures ---------------------------------------------------------------------------------------
def test_weight_histogram_figure_stacks_every_track(result):
    fig = figures.weight_histogram_figure(views.weight_histogram(result.weights, result.decided_by))
    assert fig.layout.barmode == "stack"
    assert sum(int(np.sum(t.y)) for t in fig.data) == 5
    assert [t.marker.color for t in fig.data] == [figures.DECIDED_COLORS[n] for n in views.DECIDED_ORDER]


def test_indicator_histogram_figure_draws_the_threshold():
    rule = Rule("loud", "loudness_dbfs", ">", -15.0, 0.1, 6.0)
    h = views.indicator_histogram(np.array([-30.0, -10.0, -5.0]), rule)
    xs = np.linspace(-60, 0, 50)
    fig = figures.indicator_histogram_figure(h, (xs, views.rule_response(rule, True, xs)), "loud")
    spec = json.loads(fig.to_json())
    lines = [s for s in spec["layout"]["shapes"] if s.get("type") == "line"]
    assert lines and lines[0]["x0"] == -15.0 and lines[0]["x1"] == -15.0
    assert "2 tracks past the threshold" in spec["layout"]["title"]["text"]
    assert spec["data"][1]["yaxis"] == "y2"


def test_distribution_heatmap_and_waterfall_figures(result):
    frame = views.weights_frame(list("abcde"), result.weights, [0, 1, 0, 1, -1], list("xyxyx"))
    fig = figures.weight_distribution_figure(frame, "cluster")
    assert [t.name for t in fig.data] == ["noise", "cluster 0", "cluster 1"]
    assert sum(len(t.y) for t in fig.data) == 5
    means, counts = views.cluster_genre_weights(result.weights, [0, 1, 0, 1, 0], list("xyxyx"))
    heat = figures.cluster_genre_heatmap(means, counts)
    np.testing.assert_allclose(np.asarray(heat.data[0].z, float), means.to_numpy(), equal_nan=True)
    table = views.explain_table(result, 4)
    water = figures.waterfall_figure(table, float(result.weights[4]))
    assert list(water.data[0].measure)[-1] == "total"
    assert water.data[0].y[-1] == pytest.approx(0.65)
    assert sum(water.data[0].y[:-1]) == pytest.approx(0.65, abs=1e-6)
