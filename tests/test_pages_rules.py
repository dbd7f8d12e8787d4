"""The "Rules and weights", "Weights per cluster" and "Track inspector" pages through AppTest, on the
tiny synthetic set: what a page shows must equal what core computes for the same settings."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from core import views
from core.experiments import prepare
from core.features.levels import DEFAULT_LYRICS_LEVELS, select_lyrics_levels
from core.loop import InteractiveLoop
from core.paths import REPO_ROOT
from core.rules import DEFAULT_RULES, apply_rules, rule_counts
from tests.audio_fixtures import make_gtzan
from tests.pages import extract_in_cache, open_page

APP = str(REPO_ROOT / "app.py")


def _extract(root, cache):
    ds, fs = extract_in_cache(root, cache)
    return ds, prepare(select_lyrics_levels(fs, DEFAULT_LYRICS_LEVELS))  # what the pages cluster by default


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("pages-rules-cache")


@pytest.fixture(scope="module")
def synth(tiny_synth_dir, cache):
    """The tiny synthetic set, extracted once for this module into its own cache."""
    ds, prepared = _extract(tiny_synth_dir, cache)
    return SimpleNamespace(path=tiny_synth_dir, ds=ds, prepared=prepared, k=len(set(ds.labels)))


@pytest.fixture(scope="module")
def gtzan(tmp_path_factory, cache):
    root = make_gtzan(tmp_path_factory.mktemp("gtzan") / "gtzan")
    ds, prepared = _extract(root, cache)
    return SimpleNamespace(path=root, ds=ds, prepared=prepared, k=len(set(ds.labels)))


@pytest.fixture
def use_cache(cache, monkeypatch):
    """Point this test's cache at the module's (the autouse fixture set a fresh one first)."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))


def replay(data, *rulesets):
    """What the page's loop computed: a fresh InteractiveLoop run through the same rule sets in order
    (the loop warm-starts from its previous centres, so the sequence matters)."""
    loop = InteractiveLoop(data.prepared, data.ds.labels)
    for rs in rulesets:
        result = loop.run(rs, algorithm="kmeans", fusion="concat", n_clusters=data.k, seed=0)
    return result


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def frame_with(at, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with a {column!r} column"
    return found[0]


def _decode(obj):
    """Plotly JSON with its typed binary arrays ({"dtype", "bdata"}) turned back into numpy."""
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"])
            shape = obj.get("shape")
            if isinstance(shape, str):
                shape = tuple(int(x) for x in shape.split(","))
            return arr.reshape(shape) if shape is not None else arr
        return {k: _decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    return obj


def charts(at) -> list:
    """The page's plotly figures as go.Figure objects."""
    return [go.Figure(_decode(json.loads(c.proto.spec))) for c in at.get("plotly_chart")]


def check_rules_page(at, data, rs, *history):
    """The rules page shows the weights, counts and metrics core computes for ``rs``."""
    rr = apply_rules(data.prepared.indicators, rs)
    shown = metrics(at)
    assert shown["Mean audio weight"] == f"{rr.weights.astype(np.float64).mean():.3f}"
    n_hard = int((rr.decided_by != "").sum())
    assert shown["Decided by hard rules"] == f"{n_hard} of {rr.n_tracks}"
    counts = rule_counts(rr)
    table = frame_with(at, "fired")
    assert dict(zip(table["rule"], table["fired"])) == {n: counts[n] for n in rs.rule_names}
    assert list(table["condition"]) == [r.condition() for r in rs.rules]
    hard = frame_with(at, "decided")
    assert dict(zip(hard["rule"], hard["decided"])) == {n: counts[n] for n in hard["rule"]}
    result = replay(data, *history, rs)
    assert shown["NMI"] == f"{result.metrics['nmi']:.3f}"
    assert shown["Silhouette"] == f"{result.metrics['silhouette']:.3f}"
    bars = [t for t in charts(at)[0].data if t.type == "bar"]
    assert sum(int(np.sum(t.y)) for t in bars) == rr.n_tracks
    return rr


# -- Rules and weights ---------------------------------------------------------------------------
def test_rules_page_shows_what_the_default_rules_compute(synth, use_cache):
    at = open_page(synth.path, "rules")
    check_rules_page(at, synth, DEFAULT_RULES)
    assert len(at.slider) == 2 * len(DEFAULT_RULES.rules) + 4   # thresholds, deltas, base, clip, 2 floors
    assert at.slider(key="clip").value == DEFAULT_RULES.clip
    loud = at.slider(key="t.loud")
    assert (loud.min, loud.max, loud.value) == (-60.0, 0.0, -20.0)
    assert "dBFS" in loud.label


def test_moving_a_threshold_updates_weights_counts_metrics_and_the_url(synth, use_cache):
    at = open_page(synth.path, "rules")
    before = frame_with(at, "fired").set_index("rule")["fired"]["voice_present"]
    assert DEFAULT_RULES.get_rule("voice_present").threshold < 0.7
    at.slider(key="t.voice_present").set_value(0.7).run()
    assert not at.exception
    moved = DEFAULT_RULES.replace_rule("voice_present", threshold=0.7)
    rr = check_rules_page(at, synth, moved, DEFAULT_RULES)
    assert rule_counts(rr)["voice_present"] < before            # the slider really changed something
    assert at.query_params["t.voice_present"] in (["0.7"], "0.7")


def test_soft_switch_hard_toggle_and_clip_move_the_weights(synth, use_cache):
    at = open_page(synth.path, "rules")
    at.toggle(key="soft").set_value(True).run()
    soft = DEFAULT_RULES.with_changes(soft=True)
    check_rules_page(at, synth, soft, DEFAULT_RULES)
    at.toggle(key="no_voice_rule").set_value(False).run()
    no_voice_off = soft.with_changes(no_voice_rule=False)
    check_rules_page(at, synth, no_voice_off, DEFAULT_RULES, soft)
    at.slider(key="clip").set_value((0.3, 0.6)).run()
    clipped = no_voice_off.with_changes(clip=(0.3, 0.6))
    rr = check_rules_page(at, synth, clipped, DEFAULT_RULES, soft, no_voice_off)
    assert metrics(at)["Clipped"] == str(int((np.abs(rr.column("clip")) > 1e-7).sum()))
    assert metrics(at)["Clipped"] != "0"


def test_reset_button_puts_every_rule_setting_back(synth, use_cache):
    at = open_page(synth.path, "rules")
    at.slider(key="t.loud").set_value(-30.0).run()
    at.slider(key="d.poor_audio").set_value(0.4).run()
    at.slider(key="base_weight").set_value(0.3).run()
    default_mean = apply_rules(synth.prepared.indicators, DEFAULT_RULES).weights.astype(np.float64).mean()
    assert metrics(at)["Mean audio weight"] != f"{default_mean:.3f}"
    next(b for b in at.button if b.label == "Reset to defaults").click().run()
    assert not at.exception
    assert at.slider(key="t.loud").value == -20.0
    assert at.slider(key="d.poor_audio").value == pytest.approx(DEFAULT_RULES.get_rule("poor_audio").delta)
    assert at.slider(key="base_weight").value == DEFAULT_RULES.base_weight
    moved = DEFAULT_RULES.replace_rule("loud", threshold=-30.0)
    moved2 = moved.replace_rule("poor_audio", delta=0.4)
    check_rules_page(at, synth, DEFAULT_RULES, DEFAULT_RULES, moved, moved2, moved2.with_changes(base_weight=0.3))
    assert "t.loud" not in at.query_params


def test_switching_what_a_rule_reads_moves_a_threshold_the_new_indicator_cannot_take(synth, use_cache):
    """compressed: dynamic_range_db < 6 dB; read high_band_db (at most 0 dB) instead: the threshold becomes
    0 dB, so the rule can fire and the page's link carries it (a link with 6 would be refused)."""
    from core.views.viewstate import from_query

    at = open_page(synth.path, "rules")
    at.selectbox(key="i.compressed").set_value("high_band_db").run()
    assert not at.exception
    assert at.slider(key="t.compressed").value == 0.0
    view, warnings = from_query({k: at.query_params[k] for k in at.query_params})
    assert warnings == [] and view.ruleset.get_rule("compressed").indicator == "high_band_db"
    assert view.ruleset.get_rule("compressed").threshold == 0.0
    at.selectbox(key="i.compressed").set_value("snr_db").run()  # within what snr_db can take: kept
    assert at.slider(key="t.compressed").value == 0.0


def test_indicator_histogram_draws_the_chosen_rules_threshold(synth, use_cache):
    at = open_page(synth.path, "rules")
    at.selectbox(key="rules_focus").set_value("loud").run()
    at.slider(key="t.loud").set_value(-15.0).run()
    assert not at.exception
    figure = charts(at)[1]
    lines = [s for s in figure.layout.shapes if s.type == "line"]
    assert lines[0].x0 == -15.0
    loudness = synth.prepared.indicators.column("loudness_dbfs")
    n_past = int((loudness > -15.0).sum())
    assert f"{n_past} tracks past the threshold" in figure.layout.title.text
    bars = next(t for t in figure.data if t.type == "bar")
    assert int(np.sum(bars.y)) == int(np.isfinite(loudness).sum())


def test_a_link_restores_the_rule_sliders(synth, use_cache):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["ds"] = str(synth.path)
    at.query_params["t.loud"] = "-12.5"
    at.query_params["soft"] = "1"
    at.run()
    at.switch_page("app_pages/rules.py").run()
    assert not at.exception
    assert at.slider(key="t.loud").value == -12.5 and at.toggle(key="soft").value
    rs = DEFAULT_RULES.replace_rule("loud", threshold=-12.5).with_changes(soft=True)
    check_rules_page(at, synth, rs)


# -- Weights per cluster -------------------------------------------------------------------------
def test_weights_page_sentence_and_tables_follow_the_current_rules(synth, use_cache):
    state = {"t.voice_present": 0.7, "no_voice_rule": False}   # as if moved on the rules page
    at = open_page(synth.path, "weights", state)
    rs = DEFAULT_RULES.replace_rule("voice_present", threshold=0.7).with_changes(no_voice_rule=False)
    result = replay(synth, rs)
    lean = views.cluster_leaning(result.weights, result.labels)
    assert lean.sentence in [i.value for i in at.info]
    shown_lean = frame_with(at, "leans")
    assert list(shown_lean["mean"]) == pytest.approx(list(lean.table["mean"]))
    assert metrics(at)["Lean on audio"] == str(int((lean.table["leans"] == "audio").sum()))
    genres = synth.prepared.align(synth.ds.labels)
    means, _ = views.cluster_genre_weights(result.weights, result.labels, genres)
    shown = [d.value for d in at.dataframe if list(d.value.columns) == list(means.columns)][0]
    np.testing.assert_allclose(shown.to_numpy(float), means.to_numpy(float), equal_nan=True)
    by_genre = frame_with(at, "genre").set_index("genre")
    for g in set(genres):
        assert by_genre.loc[g, "mean"] == pytest.approx(float(result.weights[genres == g].mean()), abs=1e-6)
    assert len(at.get("plotly_chart")) == 3


# -- Track inspector -----------------------------------------------------------------------------
def test_inspector_explains_the_chosen_tracks_weight(synth, use_cache):
    state = {"track": "pop_000", "base_weight": 0.4}             # as if clicked on the map
    at = open_page(synth.path, "inspector", state)
    assert at.selectbox(key="track").value == "pop_000"
    rs = DEFAULT_RULES.with_changes(base_weight=0.4)
    result = replay(synth, rs)
    i = list(result.track_ids).index("pop_000")
    shown = metrics(at)
    assert shown["Audio weight"] == f"{result.weights[i]:.3f}"
    assert shown["Lyrics weight"] == f"{1 - result.weights[i]:.3f}"
    assert shown["Cluster"] == str(result.labels[i])
    why = frame_with(at, "running_total")
    expected = views.explain_table(result.rules, i)
    assert list(why["step"]) == list(expected["step"])
    assert why["contribution"].sum() == pytest.approx(float(result.weights[i]), abs=1e-6)
    assert why["step"].iloc[0] == "base audio weight" and why["contribution"].iloc[0] == pytest.approx(0.4)
    indicators = frame_with(at, "read_by").set_index("indicator")
    assert indicators.loc["loudness_dbfs", "value"] == pytest.approx(
        float(synth.prepared.indicators.column("loudness_dbfs")[i]))
    nn = views.neighbour_tables(synth.prepared.embeddings, result.weights, i, result.track_ids, k=5)
    shown_nn = [d.value for d in at.dataframe if "distance" in d.value.columns]
    assert [list(t["track_id"]) for t in shown_nn] == [list(nn[s]["track_id"]) for s in ("fused", "audio", "lyrics")]
    assert len(at.get("audio")) == 1
    lyrics = synth.ds.tracks.set_index("track_id").loc["pop_000", "lyrics"]
    assert [t.value.strip() for t in at.text] == [lyrics.strip()]
    water = charts(at)[0].data[0]
    assert water.type == "waterfall" and water.y[-1] == pytest.approx(float(result.weights[i]))


def test_inspector_on_an_instrumental_says_no_lyrics_and_changes_track(synth, use_cache):
    at = open_page(synth.path, "inspector", {"track": "ambient_000"})
    assert "No lyrics for this track." in [i.value for i in at.info]
    assert metrics(at)["Decided by"] == "no lyrics"                 # it said the code name 'no_lyrics'
    assert any("no lyrics: no neighbours" in c.value for c in at.caption)
    at.selectbox(key="track").set_value("metal_001").run()
    assert not at.exception
    result = replay(synth, DEFAULT_RULES, DEFAULT_RULES)
    i = list(result.track_ids).index("metal_001")
    assert metrics(at)["Audio weight"] == f"{result.weights[i]:.3f}"
    assert at.query_params["track"] in (["metal_001"], "metal_001")


def test_inspector_defaults_to_the_first_track_for_an_unknown_id(synth, use_cache):
    at = open_page(synth.path, "inspector", {"track": "no-such-track"})
    assert at.selectbox(key="track").value == synth.ds.track_ids[0]


def test_the_inspectors_default_track_stays_out_of_the_address(synth, use_cache):
    """Opening the inspector pushed two browser history entries (/inspector, then /inspector?track=<first>),
    so Back from it landed on the inspector again. A track the user picks is written, as before."""
    at = open_page(synth.path, "inspector")
    first, second = synth.ds.track_ids[:2]
    assert at.selectbox(key="track").value == first
    assert "track" not in at.query_params
    at.selectbox(key="track").set_value(second).run()
    assert at.query_params["track"] in ([second], second)
    at.selectbox(key="track").set_value(first).run()              # picked by the user now: written too
    assert at.query_params["track"] in ([first], first)


@pytest.fixture(scope="module")
def unlabelled(synth, tmp_path_factory, cache):
    """The same tracks through a CSV manifest without a genre column (features come from the cache)."""
    rows = synth.ds.tracks[["track_id", "audio_path", "lyrics_path"]].fillna("")
    path = tmp_path_factory.mktemp("manifest") / "manifest.csv"
    rows.to_csv(path, index=False)
    ds, prepared = _extract(path, cache)
    assert ds.labels is None
    return SimpleNamespace(path=path, ds=ds, prepared=prepared, k=8)


def test_unlabelled_set_works_without_genres(unlabelled, use_cache):
    at = open_page(unlabelled.path, "rules")
    shown = metrics(at)
    assert "NMI" not in shown
    assert shown["Mean audio weight"] == (
        f"{apply_rules(unlabelled.prepared.indicators, DEFAULT_RULES).weights.astype(np.float64).mean():.3f}")
    at.switch_page("app_pages/weights.py").run()
    assert not at.exception
    assert any("no genre labels" in i.value for i in at.info)
    result = replay(unlabelled, DEFAULT_RULES, DEFAULT_RULES)
    assert views.cluster_leaning(result.weights, result.labels).sentence in [i.value for i in at.info]
    at.switch_page("app_pages/inspector.py").run()
    assert not at.exception
    assert metrics(at)["Genre"] == "unlabelled"


# -- datasets without lyrics, and nothing extracted ------------------------------------------------
def test_gtzan_pages_say_fusion_is_off_and_every_weight_is_one(gtzan, use_cache):
    at = open_page(gtzan.path, "rules")
    assert any("fusion is off" in w.value for w in at.warning)
    assert metrics(at)["Mean audio weight"] == "1.000"
    assert metrics(at)["Decided by hard rules"] == f"{gtzan.prepared.n_tracks} of {gtzan.prepared.n_tracks}"
    at.switch_page("app_pages/weights.py").run()
    assert not at.exception
    assert any("fusion is off" in w.value for w in at.warning)
    assert any(i.value.endswith("lean on audio (mean audio weight above 0.6).") or
               "leans on audio" in i.value for i in at.info)
    at.switch_page("app_pages/inspector.py").run()
    assert not at.exception
    assert "No lyrics: this dataset has none." in [i.value for i in at.info]
    assert metrics(at)["Audio weight"] == "1.000"


@pytest.mark.parametrize("page", ["rules", "weights", "inspector"])
def test_pages_explain_missing_features_and_bad_paths_without_a_traceback(page, tmp_path):
    at = open_page(make_gtzan(tmp_path / "fresh"), page)       # this test's empty cache: nothing extracted
    assert any("not extracted" in i.value for i in at.info)
    at = open_page(tmp_path / "does-not-exist", page)
    assert any("Cannot load this dataset" in e.value for e in at.error)


def test_rules_page_checks_indicators_and_the_current_rules_against_the_truth(synth, gtzan, use_cache):
    from core.validation import validate_indicators
    at = open_page(synth.path, "rules")
    checks = frame_with(at, "auc")
    expected = validate_indicators(synth.prepared.indicators, apply_rules(synth.prepared.indicators, DEFAULT_RULES),
                                   synth.ds.ground_truth, synth.prepared.track_ids).checks
    np.testing.assert_allclose(checks["auc"].to_numpy(float), expected["auc"].to_numpy(float))
    rules = frame_with(at, "precision").set_index("rule")
    assert rules.loc["voice_present", "fires"] == rule_counts(apply_rules(synth.prepared.indicators,
                                                                          DEFAULT_RULES))["voice_present"]
    at.slider(key="t.voice_present").set_value(0.95).run()      # the rules table follows the slider
    moved = apply_rules(synth.prepared.indicators, DEFAULT_RULES.replace_rule("voice_present", threshold=0.95))
    assert frame_with(at, "precision").set_index("rule").loc["voice_present", "fires"] == \
        rule_counts(moved)["voice_present"]
    # GTZAN: no truth, and the page says so
    at = open_page(gtzan.path, "rules")
    assert any("No ground truth is available" in i.value for i in at.info)
    assert not [d for d in at.dataframe if "auc" in d.value.columns]
