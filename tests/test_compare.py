"""A/B comparison of two rule sets: core (paired metrics, moved tracks, cluster matching, the URL) on
hand-made values and the tiny synthetic set, and the Compare page through AppTest (pin A, move a
slider, the page shows A's and B's metrics exactly as core computes them)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.compare import (CompareSettings, compare, diff_words, match_clusters, paired_metrics, ruleset_diff,
                          weight_moves)
from core.datasets import load_dataset
from core.errors import ParameterError
from core.experiments import prepare, run_condition
from core.features.cache import FeatureCache
from core.features.extract import extract_features
from core.features.levels import DEFAULT_LYRICS_LEVELS, select_lyrics_levels
from core.paths import REPO_ROOT
from core.rules import DEFAULT_RULES, apply_rules
from core.views.viewstate import ViewSettings, from_query, to_query

APP = str(REPO_ROOT / "app.py")
B_RULES = DEFAULT_RULES.with_changes(no_voice_rule=not DEFAULT_RULES.no_voice_rule).replace_rule("poor_audio", delta=-0.4)


def test_match_clusters_ignores_a_renumbering_and_names_new_groups():
    ref = np.array([0, 0, 1, 1, 2, 2])
    assert match_clusters(ref, np.array([5, 5, 3, 3, 4, 4])).tolist() == ref.tolist()
    # one track moved from group 1 to group 2; a fourth group gets a fresh id above every ref id
    assert match_clusters(ref, np.array([7, 7, 8, 9, 9, 9])).tolist() == [0, 0, 1, 2, 2, 2]
    assert match_clusters(np.array([0, 0, 1]), np.array([0, 1, 2])).tolist()[0] == 0
    assert max(match_clusters(np.array([0, 0, 1]), np.array([0, 1, 2]))) == 2


def test_ruleset_diff_lists_exactly_what_changed():
    d = ruleset_diff(DEFAULT_RULES, B_RULES)
    assert set(d["setting"]) == {"no_voice_rule", "poor_audio.delta"}
    meaning = dict(zip(d["setting"], d["what it is"]))                  # and says it in the page's words
    assert meaning["no_voice_rule"] == "hard rule: no voice -> audio weight 1"
    assert meaning["poor_audio.delta"] == "poor_audio: shift of the audio weight when it fires"
    assert ruleset_diff(DEFAULT_RULES, DEFAULT_RULES).empty


def test_the_pin_note_says_what_changed_in_words_not_field_names():
    b = B_RULES.with_changes(base_weight=0.4)
    words = diff_words(ruleset_diff(DEFAULT_RULES, b))
    voice = "off → on" if not DEFAULT_RULES.no_voice_rule else "on → off"
    old_delta = f"{DEFAULT_RULES.get_rule('poor_audio').delta:g}"
    assert words == [f"base audio weight {DEFAULT_RULES.base_weight:g} → 0.4", f"hard rule 'no voice' {voice}",
                     f"poor_audio's shift {old_delta} → -0.4"], words
    assert not any("_rule" in w or "base_weight" in w or "True" in w for w in words)


def test_a_pinned_rule_set_round_trips_through_the_url_beside_b():
    a = DEFAULT_RULES.replace_rule("loud", threshold=-14.0).with_changes(base_weight=0.4)
    view = ViewSettings(ruleset=B_RULES, ruleset_a=a, seed=3)
    q = to_query(view)
    assert q["pin"] == "1" and q["A.t.loud"] == "-14" and q["A.base"] == "0.4"
    back, problems = from_query(q)
    assert problems == []
    assert back.ruleset_a == a and back.ruleset == B_RULES and back.seed == 3
    # nothing pinned: no A keys, and None back
    assert not any(k.startswith("A.") or k == "pin" for k in to_query(ViewSettings()))
    assert from_query(to_query(ViewSettings()))[0].ruleset_a is None
    # a bad A value is named with its prefix and ignored, B unaffected
    back, problems = from_query({**q, "A.base": "7"})
    assert back.ruleset_a.base_weight == DEFAULT_RULES.base_weight and any("A.base" in p or "base_weight" in p for p in problems)


def test_compare_specs_are_valid_vega_lite_and_keep_every_track_and_bin():
    import altair as alt
    import pandas as pd

    from ui.compare import highlight_spec, overlay_spec
    overlay = pd.DataFrame({"left": [0.0, 0.5], "right": [0.5, 1.0], "A": [3, 1], "B": [1, 3]})
    data, spec = overlay_spec(overlay)
    alt.Chart.from_dict({**spec, "data": {"values": data.to_dict("records")}})
    assert data.groupby("side")["tracks"].sum().to_dict() == {"rule set A": 4, "rule set B": 4}
    frame = pd.DataFrame({"track_id": ["a", "b", "c", "d"], "x": [0.0, 1, 2, 3], "y": [1.0, 0, 1, 0],
                          "change": ["cluster changed", "unchanged", "weight moved", "unchanged"],
                          "cluster A": [0, 1, 1, 0], "cluster B": [1, 1, 1, 0], "weight A": [0.2, 0.5, 0.4, 0.9],
                          "weight B": [0.6, 0.5, 0.7, 0.9]})
    data, spec = highlight_spec(frame)
    alt.Chart.from_dict({**spec, "data": {"values": data.to_dict("records")}})
    assert data["track_id"].tolist() == ["b", "d", "c", "a"]             # changed tracks drawn last, on top
    assert data["change"].tolist() == ["unchanged (2)", "unchanged (2)", "weight moved (1)", "cluster changed (1)"]
    assert spec["encoding"]["color"]["scale"]["range"] == ["#c7c7c7", "#ff7f0e", "#d62728"]
    assert "usermeta" not in spec                                         # four points: SVG


def test_compare_settings_need_at_least_two_seeds():
    with pytest.raises(ParameterError, match="seeds"):
        CompareSettings(seeds=(0,))


@pytest.fixture(scope="module")
def tiny(tiny_features):
    ds, fs = tiny_features
    return SimpleNamespace(ds=ds, prepared=prepare(fs), k=len(set(ds.labels)))


def test_paired_metrics_equal_run_condition_seed_by_seed(tiny):
    settings = CompareSettings(n_clusters=tiny.k, seeds=(0, 1, 2))
    table, scores = paired_metrics(tiny.prepared, DEFAULT_RULES, B_RULES, tiny.prepared.align(tiny.ds.labels),
                                   settings)
    config = settings.experiment(tiny.prepared)
    lab = tiny.prepared.align(tiny.ds.labels)
    wa = apply_rules(tiny.prepared.indicators, DEFAULT_RULES).weights
    wb = apply_rules(tiny.prepared.indicators, B_RULES).weights
    a = [run_condition(tiny.prepared, wa, s, lab, config=config)["nmi"] for s in (0, 1, 2)]
    b = [run_condition(tiny.prepared, wb, s, lab, config=config)["nmi"] for s in (0, 1, 2)]
    row = table.loc["nmi"]
    assert row["A"] == pytest.approx(np.mean(a)) and row["B"] == pytest.approx(np.mean(b))
    assert row["B - A"] == pytest.approx(np.mean(np.subtract(b, a)))
    assert row["ci_low"] <= row["B - A"] <= row["ci_high"] and row["n"] == 3


def test_same_rules_give_zero_differences_and_no_moved_tracks(tiny):
    c = compare(tiny.prepared, DEFAULT_RULES, DEFAULT_RULES, tiny.ds.labels,
                CompareSettings(n_clusters=tiny.k, seeds=(0, 1)))
    assert (c.metrics["B - A"].fillna(0) == 0).all()
    assert c.moved.empty and c.changed.empty and c.summary["n_weight_moved"] == 0


def test_moved_tracks_are_sorted_by_change_and_explained_by_their_trace(tiny):
    ra = apply_rules(tiny.prepared.indicators, DEFAULT_RULES)
    rb = apply_rules(tiny.prepared.indicators, DEFAULT_RULES.with_changes(base_weight=0.3))
    moved = weight_moves(tiny.prepared.track_ids, ra, rb, top=50)
    assert (np.abs(moved["change"]).diff().dropna() <= 1e-9).all()
    assert np.allclose(moved["weight B"] - moved["weight A"], moved["change"])
    # a soft-rule track moved by the base (-0.2) says so; a hard-rule track does not move at all
    assert moved["why"].str.contains("base").all()
    decided = ra.decided_by != ""
    ids = set(np.asarray(tiny.prepared.track_ids)[decided])
    assert not ids & set(moved["track_id"])


# --- the page ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synth(tiny_synth_dir, tiny_app_cache):
    ds = load_dataset(tiny_synth_dir)
    fs, _ = extract_features(ds, cache=FeatureCache(tiny_app_cache), n_jobs=1)  # cached: a read
    prepared = prepare(select_lyrics_levels(fs, DEFAULT_LYRICS_LEVELS))  # what the pages cluster by default
    return SimpleNamespace(path=tiny_synth_dir, ds=ds, prepared=prepared, k=len(set(ds.labels)), cache=tiny_app_cache)


def test_pin_a_move_a_slider_and_compare_shows_core_metrics(synth, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(synth.cache))
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(synth.path)
    at.run()
    at.switch_page("app_pages/rules.py").run()
    assert not at.exception, [e.value for e in at.exception]
    next(b for b in at.button if b.label == "Pin as A").click().run()
    assert at.session_state["ruleset_a"] == DEFAULT_RULES
    at.slider(key="base_weight").set_value(0.3).run()
    assert at.query_params["pin"] == "1" and at.query_params["base"] == "0.3"
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    b = dataclasses.replace(DEFAULT_RULES, base_weight=0.3)
    expected = compare(synth.prepared, DEFAULT_RULES, b, synth.ds.labels, CompareSettings(n_clusters=synth.k))
    shown = next(d.value for d in at.dataframe if "B - A" in d.value.columns)
    for metric in ("nmi", "silhouette"):
        for col in ("A", "B", "B - A", "ci_low", "ci_high"):
            assert shown.loc[metric, col] == pytest.approx(expected.metrics.loc[metric, col], abs=1e-9), (metric, col)
    diff = next(d.value for d in at.dataframe if "setting" in d.value.columns)
    assert diff["setting"].tolist() == ["base_weight"]
    assert diff["what it is"].tolist() == ["base audio weight: where every track starts"]
    assert "genres" in shown.loc["nmi", "what it measures"] and "no labels" in shown.loc["silhouette", "what it measures"]
    assert {m.label: m.value for m in at.metric}["Tracks whose weight moved"].startswith(
        str(expected.summary["n_weight_moved"]))
    charts = at.get("vega_lite_chart")                                   # overlay, then the map
    assert len(charts) == 2 and not at.get("plotly_chart")
    import json

    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
    bars, points = (convert_arrow_bytes_to_pandas_df(c.proto.data.data or c.proto.datasets[0].data.data)
                    for c in charts)
    assert int(bars.loc[bars["side"] == "rule set A", "tracks"].sum()) == synth.prepared.n_tracks
    assert sorted(points["track_id"]) == sorted(map(str, synth.prepared.track_ids))
    moved = expected.summary["n_cluster_changed"]
    assert (points["change"] == f"cluster changed ({moved})").sum() == moved or moved == 0
    assert json.loads(charts[1].proto.spec)["encoding"]["color"]["scale"]["range"][0] == "#c7c7c7"

    # presets on the Rules page: loading one sets the sliders (A stays pinned); saving adds it to the list
    at.switch_page("app_pages/rules.py").run()
    at.selectbox(key="preset_choice").set_value("trust lyrics").run()
    next(b for b in at.button if b.label == "Load").click().run()
    assert not at.exception, [e.value for e in at.exception]
    from core.presets import PRESETS
    from ui.state import RULESET_KEYS  # noqa: F401  (the keys the sliders use)
    assert at.session_state["base_weight"] == PRESETS["trust lyrics"].base_weight
    assert at.session_state["no_voice_rule"] is False and at.session_state["d.voice_present"] == -0.25
    assert at.session_state["ruleset_a"] == DEFAULT_RULES
    at.text_input(key="preset_name").set_value("mine").run()
    next(b for b in at.button if b.label == "Save").click().run()
    assert "mine" in at.selectbox(key="preset_choice").options
