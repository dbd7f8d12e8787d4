"""Shared fixtures. An autouse fixture points the data and cache folders at a temporary
directory, so no test can write into the repository's ``data/``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property-based tests (tests/test_fuzz.py): "ci" keeps each test to a few derandomised examples so
# the whole fuzz set stays within its share of `make test`; `--hypothesis-profile=long` explores.
settings.register_profile("ci", max_examples=12, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _isolated_data_dirs(tmp_path_factory, monkeypatch):
    root = tmp_path_factory.mktemp("workbench-data")
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(root))
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(root / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    yield root


@pytest.fixture(scope="session")
def tiny_synth_dir(tmp_path_factory):
    """A tiny seeded synthetic set on disk (two 3 s tracks per genre), built once per test run; generator v1,
    whose readable ids (`pop_000`) the page tests name."""
    from core.datasets.synthetic import SynthConfig, generate
    out = tmp_path_factory.mktemp("synth") / "tiny"
    generate(SynthConfig(version=1, tracks_per_genre=2, clip_seconds=3.0, seed=7), out, n_jobs=2)
    return out


@pytest.fixture(scope="session")
def lyrics_model():
    """The real packaged sentence-transformers model, loaded once."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from core.features.lyrics import load_model
    return load_model()


@pytest.fixture(scope="session")
def tiny_features(tiny_synth_dir, tmp_path_factory):
    """(Dataset, FeatureSet) of the tiny synthetic set, extracted once into a session cache."""
    from core.datasets import load_dataset
    from core.features.cache import FeatureCache
    from core.features.extract import extract_features
    ds = load_dataset(tiny_synth_dir)
    fs, _ = extract_features(ds, cache=FeatureCache(tmp_path_factory.mktemp("session-cache")), n_jobs=2)
    return ds, fs


@pytest.fixture(scope="session")
def tiny_app_cache(tiny_synth_dir, tmp_path_factory):
    """A feature-cache folder holding the tiny set's features, for AppTest runs that open the tiny set
    (point WORKBENCH_CACHE_DIR at it with monkeypatch); extracted once per test run."""
    from core.datasets import load_dataset
    from core.features.cache import FeatureCache
    from core.features.extract import extract_features
    cache = tmp_path_factory.mktemp("tiny-app-cache")
    extract_features(load_dataset(tiny_synth_dir), cache=FeatureCache(cache), n_jobs=1)
    return cache


@pytest.fixture(scope="session")
def copy_tiny_cache(tiny_app_cache):
    """``copy(dest)``: a writable copy of ``tiny_app_cache`` at ``dest`` (returned as a Path). The cache keys do not
    depend on where the set lies, so a test or module that needs a cache of its own (an app that writes into it,
    the set copied elsewhere) starts with every clip and lyric of the tiny set cached: its extraction is a read."""
    def copy(dest) -> Path:
        shutil.copytree(tiny_app_cache, dest, dirs_exist_ok=True)
        return Path(dest)
    return copy


@pytest.fixture
def server(_isolated_data_dirs):
    """``streamlit run app.py`` on a free port over this test's empty data folders; yields its base URL."""
    from tests.browser import streamlit_server
    env = {"WORKBENCH_DATA_DIR": str(_isolated_data_dirs), "WORKBENCH_CACHE_DIR": str(_isolated_data_dirs / "cache"),
           "HF_HUB_OFFLINE": "1"}
    with streamlit_server(env) as url:
        yield url
