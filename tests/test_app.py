"""App pages driven through streamlit.testing.v1.AppTest, on tiny datasets written by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.datasets import load_dataset
from core.features.extract import extract_features
from core.paths import REPO_ROOT
from tests.audio_fixtures import make_gtzan

APP = str(REPO_ROOT / "app.py")


def _app(path: Path | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if path is not None:
        at.session_state["dataset_source"] = "path"
        at.session_state["dataset_path"] = str(path)
    return at


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_dataset_page_shows_the_summary_and_extraction_status(tiny_synth_dir):
    ds = load_dataset(tiny_synth_dir)
    at = _app(tiny_synth_dir).run()
    assert not at.exception
    shown = _metrics(at)
    assert shown["Tracks"] == str(ds.n_tracks)
    assert shown["Genres"] == str(len(set(ds.labels)))
    assert shown["Lyrics coverage"] == f"{ds.lyrics_mask.mean():.0%}"
    assert any("0 of" in md.value for md in at.markdown)        # nothing extracted yet
    assert at.button[0].label == "Extract features"
    extract_features(ds, n_jobs=1)                               # fills the (test) cache
    at = _app(tiny_synth_dir).run()
    assert not at.exception
    assert any(f"Features ready for {ds.n_tracks} tracks" in s.value for s in at.success)


def test_gtzan_says_fusion_is_off_and_lists_the_bad_file(tmp_path):
    root = make_gtzan(tmp_path / "gtzan")
    at = _app(root).run()
    assert not at.exception
    assert any("no lyrics" in w.value and "fusion is off" in w.value for w in at.warning)
    problems = at.dataframe[0].value
    assert problems["file"].str.contains("jazz.00054.wav").any()


def test_bad_path_shows_a_message_not_a_traceback(tmp_path):
    at = _app(tmp_path / "does-not-exist").run()
    assert not at.exception
    assert any("Cannot load this dataset" in e.value and "not found" in e.value for e in at.error)


def test_dataset_choice_goes_into_the_url_and_comes_back(tiny_synth_dir):
    at = _app(tiny_synth_dir).run()
    assert at.query_params["ds"] in ([str(tiny_synth_dir)], str(tiny_synth_dir))
    at2 = AppTest.from_file(APP, default_timeout=120)
    at2.query_params["ds"] = str(tiny_synth_dir)
    at2.run()
    assert not at2.exception
    assert at2.session_state["dataset_path"] == str(tiny_synth_dir)
    assert _metrics(at2)["Tracks"] == str(load_dataset(tiny_synth_dir).n_tracks)


def test_opening_any_page_starts_compiling_the_map_in_the_background(tiny_synth_dir, monkeypatch):
    """The first page a user opens starts UMAP's warm-up in a thread, so the map page does not pay for it."""
    import threading

    from core.projection import entry
    from ui.cached import start_map_warm_up

    start_map_warm_up.clear()
    monkeypatch.setitem(entry._WARMED, "done", False)  # as in a new server process
    at = _app(tiny_synth_dir).run()                    # the Dataset page: it never draws a map itself
    assert not at.exception
    threads = [t for t in threading.enumerate() if t.name == "umap-warm-up"]
    assert threads or entry._WARMED["done"], "no page started the map's warm-up"
    for t in threads:
        t.join(timeout=300)
    assert entry._WARMED["done"]


def test_dataset_page_says_which_lyrics_languages_were_glossed(tmp_path):
    """A folder set with German and Spanish lyrics: the page names the glossed languages (issue 16)."""
    from tests.audio_fixtures import song_like, write_clip
    from tests.multilingual_lyrics import make_lyrics

    root = tmp_path / "songs"
    for j, lang in enumerate(("de", "es")):
        texts, _ = make_lyrics(lang, per_theme=3, seed=j, theme_every=2)
        for i, text in enumerate(texts):
            genre = ("sea", "war")[i % 2]
            write_clip(root / genre / f"{lang}{i}.wav", song_like(10 * j + i, seconds=1.0))
            (root / genre / f"{lang}{i}.txt").write_text(text, encoding="utf-8")
    extract_features(load_dataset(root), n_jobs=1)
    at = _app(root).run()
    assert not at.exception
    said = [c.value for c in at.caption if c.value.startswith("Lyrics in other languages")]
    assert said and "de " in said[0] and "es " in said[0] and "glossed into English" in said[0], said
    assert "The **multilingual** lyrics level" in said[0]  # points to the level that reads them as written
    at.session_state["lyrics_levels"] = ["semantic", "multilingual"]
    at.run()                                   # chosen: the page offers to extract it and the hint is gone
    assert not at.exception
    assert not any("The **multilingual** lyrics level" in c.value for c in at.caption)


def test_pages_run_when_every_clip_is_cached_but_the_assembled_set_is_not(tiny_synth_dir, copy_tiny_cache,
                                                                           _isolated_data_dirs):
    """After an upgrade that changes the feature set's key (a new lyrics option), every clip and lyric is still
    cached: the pages assemble the set instead of asking the user to extract again."""
    import shutil

    copy_tiny_cache(_isolated_data_dirs / "cache")
    extract_features(load_dataset(tiny_synth_dir), n_jobs=1)
    shutil.rmtree(_isolated_data_dirs / "cache" / "featuresets")  # what an upgrade's new key looks like
    at = AppTest.from_file(str(REPO_ROOT / "app_pages" / "rules.py"), default_timeout=180)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(tiny_synth_dir)
    at.run()
    assert not at.exception
    assert not any("not extracted" in i.value for i in at.info)
    assert any(m.label == "Mean audio weight" for m in at.metric)
