"""Choosing the audio levels in the app (Dataset page): the learned level is extracted on demand, only where the
cache lacks it, and every page then clusters on the chosen levels. AppTest on the tiny synthetic set (real wav
files), starting from its cached hand-crafted features."""

from __future__ import annotations

import shutil

import numpy as np
from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT
from core.rules import DEFAULT_RULES, apply_rules, rule_counts

APP = str(REPO_ROOT / "app.py")


def _ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _overview(at):
    frames = [d.value for d in at.dataframe if "nan_share" in d.value.columns]
    assert frames, "no indicator overview"
    return frames[0].set_index("indicator")


def _app_on_a_copy(synth_dir, app_cache, cache, monkeypatch):
    """The app opened on the tiny set, with a copy of its cached features (hand-crafted audio levels and the
    default lyrics, already extracted) as the feature cache, run once."""
    shutil.copytree(app_cache, cache)
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(synth_dir)
    at.run()
    _ok(at)
    return at


def test_choosing_the_learned_level_extracts_it_and_every_page_uses_it(tiny_synth_dir, tiny_app_cache, tmp_path,
                                                                       monkeypatch):
    cache = tmp_path / "cache"
    at = _app_on_a_copy(tiny_synth_dir, tiny_app_cache, cache, monkeypatch)
    assert at.multiselect(key="audio_levels").value == ["low", "mid", "high"]
    assert at.selectbox(key="learned_model").disabled
    assert any("Features ready" in s.value for s in at.success)
    assert np.isnan(_overview(at).loc["vocal_presence_learned", "median"])  # learned level off: unknown

    at.multiselect(key="audio_levels").select("learned").run()
    _ok(at)
    assert not any("Features ready" in s.value for s in at.success)
    assert any("cached for 20 of 20 clips" in c.value for c in at.caption)  # only the learned level is missing
    assert not at.selectbox(key="learned_model").disabled
    at.button[[b.label for b in at.button].index("Extract features")].click().run()
    _ok(at)
    assert any("Features ready" in s.value for s in at.success)
    learned = _overview(at).loc["vocal_presence_learned"]
    assert learned["nan_share"] == 0.0 and 0.0 <= learned["min"] <= learned["max"] <= 1.0

    # another page clusters on the chosen levels: its loop was built from features with the learned block
    at.switch_page("app_pages/rules.py").run()
    _ok(at)
    (key, loop), = at.session_state["_loops"].items()
    assert key[2:4] == (("low", "mid", "high", "learned"), "MTT_musicnn")
    assert loop.prepared.feature_meta["audio_config"]["learned_model"] == "MTT_musicnn"

    # a rule reads the learned voice estimate: the Rules page lets the user pick it, and counts what core counts
    at.selectbox(key="i.voice_present").set_value("vocal_presence_learned").run()
    _ok(at)
    rs = DEFAULT_RULES.replace_rule("voice_present", indicator="vocal_presence_learned")
    (key, loop), = at.session_state["_loops"].items()
    fired = rule_counts(apply_rules(loop.prepared.indicators, rs))["voice_present"]
    condition = rs.get_rule("voice_present").condition()  # "vocal_presence_learned > <the default threshold>"
    assert condition.startswith("vocal_presence_learned > ")
    assert any(f"**voice_present** · {condition} →" in m.value and f"fired on **{fired}** tracks"
               in m.value for m in at.markdown)
    assert at.query_params["i.voice_present"] in (["vocal_presence_learned"], "vocal_presence_learned")  # shareable

    # the learned level alone: no extraction needed, the page clusters on it only
    at.switch_page("app_pages/dataset.py").run()
    at.multiselect(key="audio_levels").set_value(["learned"]).run()
    _ok(at)
    assert any("Features ready" in s.value for s in at.success)
    at.switch_page("app_pages/rules.py").run()
    _ok(at)
    (key, loop), = at.session_state["_loops"].items()
    assert key[2] == ("learned",) and loop.prepared.feature_meta["audio_levels"] == ["learned"]


def test_the_indicator_a_rule_reads_round_trips_through_the_url():
    import dataclasses

    from core.views import indicator_choices
    from core.views.viewstate import ViewSettings, from_query, to_query
    rs = DEFAULT_RULES.replace_rule("voice_present", indicator="vocal_presence_learned")
    query = to_query(dataclasses.replace(ViewSettings(), ruleset=rs))
    assert query["i.voice_present"] == "vocal_presence_learned" and "i.loud" not in query
    view, warnings = from_query(query)
    assert view.ruleset == rs and not warnings
    view, warnings = from_query({**query, "i.voice_present": "nope", "i.ghost": "vocal_presence"})
    assert view.ruleset.get_rule("voice_present").indicator == "vocal_presence" and len(warnings) == 2
    voice = DEFAULT_RULES.get_rule("voice_present")
    assert "vocal_presence_learned" in indicator_choices(voice) and "loudness_dbfs" not in indicator_choices(voice)
    assert indicator_choices(DEFAULT_RULES.get_rule("loud")) == ["loudness_dbfs"]


def test_the_audio_levels_round_trip_through_the_url():
    import dataclasses

    from core.views.viewstate import ViewSettings, from_query, to_query
    view = dataclasses.replace(ViewSettings(), audio_levels=("low", "learned"), learned_model="MSD_musicnn")
    query = to_query(view)
    assert query["levels"] == "low,learned" and query["model"] == "MSD_musicnn"
    assert "levels" not in to_query(ViewSettings()) and "model" not in to_query(ViewSettings())
    assert from_query(query) == (view, [])
    back, warnings = from_query({"levels": "low,timbre", "model": "VGG"})
    assert back.audio_levels == ("low", "mid", "high") and back.learned_model == "MTT_musicnn" and len(warnings) == 2


def test_a_link_with_levels_opens_the_app_on_them(tiny_synth_dir, tiny_app_cache, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tiny_app_cache))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["ds"] = str(tiny_synth_dir)
    at.query_params["levels"] = "low,high"
    at.run()
    _ok(at)
    assert at.multiselect(key="audio_levels").value == ["low", "high"]
    assert any("Features ready" in s.value for s in at.success)  # a subset of the cached levels: nothing to extract
    assert at.query_params["levels"] in (["low,high"], "low,high")


def test_choosing_the_multilingual_lyrics_level_extracts_it_once_and_the_pages_cluster_on_it(
        tiny_synth_dir, tiny_app_cache, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    at = _app_on_a_copy(tiny_synth_dir, tiny_app_cache, cache, monkeypatch)
    assert "multilingual" in at.multiselect(key="lyrics_levels").options
    assert any("Features ready" in s.value for s in at.success)
    at.multiselect(key="lyrics_levels").select("multilingual").run()
    _ok(at)
    assert not any("Features ready" in s.value for s in at.success)  # its vectors are not cached yet
    at.button[[b.label for b in at.button].index("Extract features")].click().run()
    _ok(at)
    assert any("Features ready" in s.value for s in at.success)
    assert list((cache).rglob("*")) and any("lyrics_multilingual" in p.parts for p in cache.rglob("*"))
    at.switch_page("app_pages/clusters.py").run()
    _ok(at)
    (key, loop), = at.session_state["_loops"].items()
    assert key[-2] == ("semantic", "multilingual")
    assert loop.prepared.feature_meta["lyrics_config"]["multilingual"] is True


def _audio_entries(cache) -> int:
    return len(list((cache / "audio").rglob("*.npz")))


def _layer_box(at):
    boxes = [b for b in at.selectbox if b.key == "learned_layer"]
    return boxes[0] if boxes else None


def _url(at, key):
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def test_choosing_the_learned_layer_extracts_only_the_learned_block_and_every_page_uses_it(
        tiny_synth_dir, tiny_app_cache, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    at = _app_on_a_copy(tiny_synth_dir, tiny_app_cache, cache, monkeypatch)
    assert _layer_box(at) is None  # shown only while the learned level is chosen
    at.multiselect(key="audio_levels").select("learned").run()
    _ok(at)
    assert _layer_box(at).value == "penultimate" and "default" in _layer_box(at).help
    assert _url(at, "layer") is None  # the default is left out of the link
    widths = {}
    for layer, words in (("penultimate", "MTT_musicnn, penultimate layer"), ("midend", "MTT_musicnn, mid-end layer"),
                         ("both", "MTT_musicnn, penultimate and mid-end layers")):
        if layer != "penultimate":
            _layer_box(at).set_value(layer).run()
            _ok(at)
            assert _url(at, "layer") == layer
        assert not any("Features ready" in s.value for s in at.success)  # this layer's block is not cached yet
        # the hand-crafted levels are cached: only the learned block is computed, and the page says which one
        assert any("cached for 20 of 20 clips" in c.value and f"only the learned level ({words})" in c.value
                   for c in at.caption)
        before = _audio_entries(cache)
        at.button[[b.label for b in at.button].index("Extract features")].click().run()
        _ok(at)
        assert _audio_entries(cache) == before + 20  # one learned entry a clip, no hand-crafted one again
        ready, = [s.value for s in at.success if "Features ready" in s.value]
        assert f"The learned level: {words}, " in ready
        widths[layer] = int(ready.split(f"{words}, ")[1].split(" columns")[0].replace(",", ""))
    assert widths == {"penultimate": 450, "midend": 3062, "both": 3462}

    # another page clusters on the chosen layer, and its link keeps it
    at.switch_page("app_pages/rules.py").run()
    _ok(at)
    (key, loop), = at.session_state["_loops"].items()
    assert key[2:5] == (("low", "mid", "high", "learned"), "MTT_musicnn", "both")
    assert loop.prepared.feature_meta["audio_config"]["learned_layer"] == "both"
    assert _url(at, "layer") == "both"
    at.switch_page("app_pages/export.py").run()  # its settings name the layer (audio_levels_words, below)
    _ok(at)


def test_the_learned_layer_round_trips_through_the_url():
    import dataclasses

    from core.views.viewstate import ViewSettings, audio_levels_words, from_query, to_query
    view = dataclasses.replace(ViewSettings(), audio_levels=("low", "learned"), learned_layer="midend")
    query = to_query(view)
    assert query["layer"] == "midend" and "layer" not in to_query(ViewSettings())
    assert from_query(query) == (view, [])
    back, warnings = from_query({"levels": "low,learned", "layer": "deep"})
    assert back.learned_layer == "penultimate" and back.audio_levels == ("low", "learned")
    assert len(warnings) == 1 and "'deep'" in warnings[0] and "layer must be one of" in warnings[0]
    assert audio_levels_words(view) == "low, learned (MTT_musicnn, mid-end layer)"  # the export's settings
    assert audio_levels_words(ViewSettings()) == "low, mid, high"


def _open_with_layer(layer, tiny_synth_dir, tiny_app_cache, monkeypatch):
    """The app opened by a link with the learned level on and ``layer=<layer>``."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tiny_app_cache))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["ds"] = str(tiny_synth_dir)
    at.query_params["levels"] = "low,mid,high,learned"
    at.query_params["layer"] = layer
    at.run()
    return at


def test_a_link_with_a_learned_layer_opens_the_app_on_it(tiny_synth_dir, tiny_app_cache, monkeypatch):
    at = _open_with_layer("both", tiny_synth_dir, tiny_app_cache, monkeypatch)
    _ok(at)
    assert _layer_box(at).value == "both" and not at.warning
    assert any("only the learned level (MTT_musicnn, penultimate and mid-end layers)" in c.value for c in at.caption)
    assert _url(at, "layer") == "both"


def test_a_link_with_a_bad_learned_layer_says_so_and_opens_on_the_default(tiny_synth_dir, tiny_app_cache,
                                                                          monkeypatch):
    at = _open_with_layer("last", tiny_synth_dir, tiny_app_cache, monkeypatch)
    _ok(at)
    assert any("layer" in w.value and "'last'" in w.value and "penultimate, midend, both" in w.value.replace("'", "")
               .replace("(", "").replace(")", "") for w in at.sidebar.warning)
    assert _layer_box(at).value == "penultimate" and _url(at, "layer") is None
