"""End to end in a real headless Chromium: the app served by `streamlit run`, opened as a user would."""

from __future__ import annotations

import shutil

import pytest

from core.datasets import load_dataset
from core.features.extract import extract_features
from tests.browser import browser_page, screenshot, streamlit_server


@pytest.fixture
def served_builtin(tiny_synth_dir, _isolated_data_dirs):
    """The tiny synthetic set installed as the built-in set, features extracted, app running."""
    target = _isolated_data_dirs / "synthetic"
    shutil.copytree(tiny_synth_dir, target)
    extract_features(load_dataset(target), n_jobs=1)
    env = {"WORKBENCH_DATA_DIR": str(_isolated_data_dirs), "WORKBENCH_CACHE_DIR": str(_isolated_data_dirs / "cache"),
           "HF_HUB_OFFLINE": "1"}
    with streamlit_server(env) as url:
        yield url, load_dataset(target)


def test_home_page_shows_the_builtin_dataset(served_builtin):
    url, ds = served_builtin
    with browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("Features ready for").wait_for(timeout=60_000)
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="Tracks")
        assert metric.locator('[data-testid="stMetricValue"]').inner_text().strip() == str(ds.n_tracks)
        assert "ds=builtin" in page.url
        assert page.get_by_text("Traceback").count() == 0
        shot = screenshot(page, "dataset.png")
        assert shot.stat().st_size > 10_000
