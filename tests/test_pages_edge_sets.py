"""Pages on datasets at the edges, through AppTest: a set without lyrics (GTZAN's layout), a set without genre
labels, and tracks without lyrics whose audio is unusable. What a page says must match what it ran."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from core.datasets import load_dataset
from core.experiments import DEFAULT_STATIC_GRID, prepare, rule_switches
from core.features.extract import extract_features
from core.paths import REPO_ROOT
from core.rules import DEFAULT_RULES
from tests.audio_fixtures import make_gtzan

APP = str(REPO_ROOT / "app.py")


def _extract(root, cache):
    old = os.environ.get("WORKBENCH_CACHE_DIR")
    os.environ["WORKBENCH_CACHE_DIR"] = str(cache)
    try:
        ds = load_dataset(root)
        fs, _ = extract_features(ds, n_jobs=1)
    finally:
        if old is None:
            os.environ.pop("WORKBENCH_CACHE_DIR", None)
        else:
            os.environ["WORKBENCH_CACHE_DIR"] = old
    return ds, fs


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("pages-edge-cache")


@pytest.fixture(scope="module")
def gtzan(tmp_path_factory, cache):
    """A GTZAN-shaped folder (genre folders of audio, no lyrics), extracted once into the module cache."""
    root = make_gtzan(tmp_path_factory.mktemp("gtzan") / "gtzan")
    ds, fs = _extract(root, cache)
    return SimpleNamespace(path=root, ds=ds, fs=fs)


@pytest.fixture
def use_cache(cache, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))


def open_page(path, page: str, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(path)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


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
