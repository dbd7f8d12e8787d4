"""Choosing the lyrics levels: which blocks of the lyrics representation fusion and clustering see, the way the
audio levels are chosen (``select_lyrics_levels``, ``--lyrics-levels``, the Dataset page's "Lyrics levels" box and
the URL's ``lyrics``). Every lyrics level is extracted whatever the choice."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.__main__ import main
from core.errors import ParameterError
from core.features.levels import (DEFAULT_LYRICS_LEVELS, PREVIOUS_DEFAULT_LYRICS_LEVELS, lyrics_levels_for,
                                  parse_lyrics_levels, select_lyrics_levels)
from core.paths import REPO_ROOT

APP = str(REPO_ROOT / "app.py")


def test_select_lyrics_levels_keeps_the_chosen_blocks_with_their_balanced_values(tiny_features):
    _, fs = tiny_features
    assert list(fs.lyrics_blocks) == ["semantic", "lexical", "stylistic"]
    sem, lex = fs.lyrics_blocks["semantic"], fs.lyrics_blocks["lexical"]
    kept = select_lyrics_levels(fs, ("semantic", "lexical"))
    assert list(kept.lyrics_blocks) == ["semantic", "lexical"]
    assert kept.lyrics_blocks == {"semantic": list(range(len(sem))),
                                  "lexical": list(range(len(sem), len(sem) + len(lex)))}
    np.testing.assert_array_equal(kept.lyrics, fs.lyrics[:, sem + lex])  # values as balanced at extraction
    assert kept.lyrics_names == [fs.lyrics_names[i] for i in sem + lex]
    assert kept.meta["lyrics_levels"] == ["semantic", "lexical"]
    np.testing.assert_array_equal(kept.audio, fs.audio)  # the audio side is untouched
    only = select_lyrics_levels(fs, ("stylistic",))
    assert only.lyrics.shape == (fs.n_tracks, len(fs.lyrics_blocks["stylistic"]))
    assert select_lyrics_levels(fs, PREVIOUS_DEFAULT_LYRICS_LEVELS) is fs  # every block: the FeatureSet as extracted
    default = select_lyrics_levels(fs, DEFAULT_LYRICS_LEVELS)  # the default: the semantic block alone
    assert DEFAULT_LYRICS_LEVELS == ("semantic",) and list(default.lyrics_blocks) == ["semantic"]
    np.testing.assert_array_equal(default.lyrics, fs.lyrics[:, sem])


def test_a_missing_lyrics_level_is_named_with_what_the_set_has(tiny_features):
    _, fs = tiny_features
    with pytest.raises(ParameterError, match=r"no character lyrics level \(it has semantic, lexical, stylistic\)"):
        select_lyrics_levels(fs, ("semantic", "character"))
    with pytest.raises(ParameterError, match="lyrics_levels"):
        parse_lyrics_levels("semantic,rhymes")
    assert parse_lyrics_levels("stylistic, semantic") == ("semantic", "stylistic")  # canonical order


def test_a_features_file_embedding_is_returned_unchanged_and_char_ngrams_join_the_default(tiny_features):
    _, fs = tiny_features
    given = dataclasses.replace(fs, lyrics_blocks={"embedding": list(range(fs.lyrics.shape[1]))})
    assert select_lyrics_levels(given, ("semantic",)) is given
    with_char = dataclasses.replace(fs, lyrics_blocks={**fs.lyrics_blocks, "character": [0]})
    assert lyrics_levels_for(with_char, DEFAULT_LYRICS_LEVELS) == ("semantic", "character")
    assert lyrics_levels_for(with_char, ("semantic", "lexical")) == ("semantic", "lexical")


def test_ablate_lyrics_levels_clusters_on_them_and_the_report_says_so(tiny_synth_dir, tiny_app_cache, tmp_path,
                                                                      monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tiny_app_cache))
    runs = {}
    for name, flags in (("all", ["--lyrics-levels", "semantic,lexical,stylistic"]), ("default", [])):
        out = tmp_path / name
        assert main(["ablate", str(tiny_synth_dir), *flags, "--seeds", "2", "--fusion", "concat", "--no-autotune",
                     "--jobs", "1", "--out", str(out)]) == 0
        runs[name] = (out / "report.md").read_text(encoding="utf-8")
    capsys.readouterr()
    assert "- lyrics levels: semantic, lexical, stylistic\n" in runs["all"]
    assert "--lyrics-levels semantic,lexical,stylistic" in runs["all"]  # the command that regenerates it
    assert "- lyrics levels: semantic\n" in runs["default"]
    assert "--lyrics-levels" not in runs["default"]
    # lyrics only per lyrics level, like the audio per-level table; "all levels" is the ablation's lyrics only row
    import pandas as pd
    levels = pd.read_csv(tmp_path / "all" / "lyrics_levels.csv")
    assert list(dict.fromkeys(levels["level"])) == ["semantic", "lexical", "stylistic", "all levels"]
    nmi = levels[levels.metric == "nmi"].set_index("level")
    summary = pd.read_csv(tmp_path / "all" / "summary.csv")
    lyrics_only = summary[(summary.condition == "lyrics_only") & (summary.metric == "nmi")]["mean"].iloc[0]
    assert nmi.loc["all levels", "mean"] == pytest.approx(lyrics_only, abs=1e-9)
    assert "## Lyrics only, per lyrics level" in runs["all"]
    assert "all together (semantic+lexical+stylistic)" in runs["all"]
    assert list(pd.read_csv(tmp_path / "default" / "lyrics_levels.csv")["level"].unique()) == ["all levels"]
    with pytest.raises(SystemExit):
        main(["ablate", str(tiny_synth_dir), "--lyrics-levels", "rhymes"])
    assert "lyrics_levels" in capsys.readouterr().err


def test_the_lyrics_levels_round_trip_through_the_url():
    from core.views.viewstate import ViewSettings, from_query, to_query
    view = dataclasses.replace(ViewSettings(), lyrics_levels=("semantic", "lexical"))
    query = to_query(view)
    assert query["lyrics"] == "semantic,lexical" and "lyrics" not in to_query(ViewSettings())
    assert from_query(query) == (view, [])
    back, warnings = from_query({"lyrics": "semantic,rhymes"})
    assert back.lyrics_levels == DEFAULT_LYRICS_LEVELS and len(warnings) == 1


def test_the_lyrics_level_box_changes_what_the_pages_cluster_and_goes_into_the_url(tiny_synth_dir, tiny_app_cache,
                                                                                   tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    shutil.copytree(tiny_app_cache, cache)
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(tiny_synth_dir)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="lyrics_levels").value == list(DEFAULT_LYRICS_LEVELS)
    at.switch_page("app_pages/rules.py").run()
    assert not at.exception, [e.value for e in at.exception]
    (key, loop), = at.session_state["_loops"].items()
    assert key[-2:] == (DEFAULT_LYRICS_LEVELS, "dictionary")
    assert loop.prepared.feature_meta["lyrics_levels"] == ["semantic"]

    at.switch_page("app_pages/dataset.py").run()
    at.multiselect(key="lyrics_levels").set_value(["semantic", "stylistic"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Features ready" in s.value for s in at.success)  # nothing to extract
    at.switch_page("app_pages/rules.py").run()
    assert not at.exception, [e.value for e in at.exception]
    (key, loop), = at.session_state["_loops"].items()
    assert key[-2:] == (("semantic", "stylistic"), "dictionary")
    assert loop.prepared.feature_meta["lyrics_levels"] == ["semantic", "stylistic"]
    assert at.query_params["lyrics"] in (["semantic,stylistic"], "semantic,stylistic")  # shareable
