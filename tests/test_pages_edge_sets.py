"""Pages on datasets at the edges, through AppTest: a set without lyrics (GTZAN's layout), a set without genre
labels, and tracks without lyrics whose audio is unusable. What a page says must match what it ran."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from core.datasets import load_dataset
from core.experiments import DEFAULT_STATIC_GRID, prepare, rule_switches
from core.rules import DEFAULT_RULES
from tests.audio_fixtures import make_gtzan, write_clip
from tests.pages import extract_in_cache, open_page

SILENT = "blues.00009"                      # the silent clip the gtzan fixture adds


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("pages-edge-cache")


@pytest.fixture(scope="module")
def gtzan(tmp_path_factory, cache):
    """A GTZAN-shaped folder (genre folders of audio, no lyrics) with one silent clip (audio quality 0),
    extracted once into the module cache."""
    root = make_gtzan(tmp_path_factory.mktemp("gtzan") / "gtzan")
    write_clip(root / "blues" / f"{SILENT}.wav", np.zeros(2 * 22050, np.float32), subtype="PCM_16")
    ds, fs = extract_in_cache(root, cache)
    return SimpleNamespace(path=root, ds=ds, fs=fs)


@pytest.fixture
def use_cache(cache, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))


# -- 1. no lyrics: the Sensitivity page draws no flat grid, the Ablation caption lists what it runs --------
def test_without_lyrics_sensitivity_says_why_once_and_draws_no_flat_grid(gtzan, use_cache):
    at = open_page(gtzan.path, "sensitivity")
    said = [i.value for i in at.info if "no lyrics" in i.value]
    assert len(said) == 1 and "same clustering" in said[0], [i.value for i in at.info]
    assert not at.get("plotly_chart")                          # no heatmap whose every cell is alike
    assert not [b for b in at.button if b.label in ("Run the auto-tune", "Set the sliders to this cell")]


def test_without_lyrics_the_ablation_caption_lists_only_the_conditions_it_runs(gtzan, use_cache):
    at = open_page(gtzan.path, "ablation")
    caption = next(c.value for c in at.caption if "conditions (" in c.value)
    assert "lyrics only" not in caption.split("conditions (")[1].split(")")[0], caption
    n = 1 + len(DEFAULT_STATIC_GRID) + 2 + len(rule_switches(DEFAULT_RULES))   # audio only, static, dynamic, shuffled
    assert f"{n} conditions (" in caption, caption
    at.number_input(key="abl.seeds").set_value(2).run()
    next(b for b in at.button if b.label == "Run ablation").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = next(d.value for d in at.dataframe if "NMI ↑" in d.value.columns)
    assert "lyrics only" not in shown.index and "audio only" in shown.index
    assert f"{n} conditions (" in next(c.value for c in at.caption if "conditions (" in c.value)
    assert len(shown) + len(rule_switches(DEFAULT_RULES)) == n     # the table has what the caption counted
    assert prepare(gtzan.fs).has_lyrics is False


# -- 2. no genre labels: the auto-tune caption says where k came from -------------------------------------
@pytest.fixture(scope="module")
def unlabelled(tiny_synth_dir, tmp_path_factory, cache):
    """The tiny synthetic set as a manifest without a genre column (audio and lyrics, no labels)."""
    import pandas as pd
    tracks = load_dataset(tiny_synth_dir).tracks
    manifest = tmp_path_factory.mktemp("unlabelled") / "manifest.csv"
    pd.DataFrame({"track_id": tracks["track_id"], "audio_path": tracks["audio_path"],
                  "lyrics": tracks["lyrics"].fillna("")}).to_csv(manifest, index=False)
    ds, fs = extract_in_cache(manifest, cache)
    assert ds.labels is None
    return SimpleNamespace(path=manifest, ds=ds, fs=fs)


def _autotune_caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Searches a small grid"))


def test_unlabelled_autotune_caption_says_k_is_the_default_not_the_number_of_genres(unlabelled, use_cache):
    at = open_page(unlabelled.path, "sensitivity")
    caption = _autotune_caption(at)
    assert "k = 8 (automatic: this dataset has no genre labels, so the default 8)" in caption, caption
    assert "number of genres" not in caption
    at = open_page(unlabelled.path, "sensitivity", {"n_clusters": 5})
    assert "k = 5 (the sidebar's)" in _autotune_caption(at)


def test_k_source_names_the_genre_count_the_default_and_the_bounds():
    """The words the caption takes, for the cases the tiny sets do not reach: k from the genre count, and k
    changed by the bounds of ViewSettings.resolved_k (at least 2, at most the track count)."""
    from core.views.sensitivity import k_source
    assert k_source(0, 3, 6) == "automatic: the number of genres, a count, no per-track label"
    assert k_source(0, None, 5) == "automatic: this dataset has no genre labels, so the default 8, cut to the 5 tracks"
    assert k_source(1, 3, 6) == "the sidebar's, raised to 2 (one cluster separates nothing)"
    assert k_source(4, None, 40) == "the sidebar's"


# -- 4. no lyrics and unusable audio: counted and said, with the default rules ------------------------------
def test_a_silent_track_without_lyrics_is_counted_on_the_rules_page_and_said_in_the_inspector(gtzan, use_cache):
    assert not DEFAULT_RULES.unusable_audio_rule                   # the case: the flag's own hard rule is off
    prepared = prepare(gtzan.fs)
    quality = prepared.indicators.column("audio_quality")
    silent = list(prepared.track_ids).index(SILENT)
    assert quality[silent] == 0.0 and (np.delete(quality, silent) > 0.5).all()
    at = open_page(gtzan.path, "rules")
    notes = [w.value for w in at.warning if "unusable audio" in w.value]
    assert len(notes) == 1 and notes[0].startswith(f"1 of {len(quality)} tracks has no lyrics and unusable audio")
    assert SILENT in notes[0] and "nothing about it is reliable" in notes[0]
    at = open_page(gtzan.path, "inspector", {"track": SILENT})
    lines = [w.value for w in at.warning if "unusable audio" in w.value]
    assert len(lines) == 1 and "audio_quality = 0, below the floor 0.1" in lines[0], [w.value for w in at.warning]
    at = open_page(gtzan.path, "inspector", {"track": "rock.00001"})      # a track with sound: no such line
    assert not [w.value for w in at.warning if "unusable audio" in w.value]
