"""End to end in a real headless Chromium: the app served by `streamlit run`, used as a person would:
open every page, move a slider, click a map point, follow the link to the inspector."""

from __future__ import annotations

import re
import shutil
from urllib.parse import parse_qs, urlparse

import pytest

from core.datasets import load_dataset
from core.experiments import prepare
from core.features.extract import extract_features
from core.rules import DEFAULT_RULES, apply_rules
from tests.browser import browser_page, screenshot, streamlit_server

PAGES = ["Rules and weights", "Clusters and map", "Weights per cluster", "Ablation", "Track inspector",
         "Sensitivity", "Export"]


@pytest.fixture
def served_builtin(tiny_synth_dir, _isolated_data_dirs):
    """The tiny synthetic set installed as the built-in set, features extracted, app running."""
    target = _isolated_data_dirs / "synthetic"
    shutil.copytree(tiny_synth_dir, target)
    fs, _ = extract_features(load_dataset(target), n_jobs=1)
    env = {"WORKBENCH_DATA_DIR": str(_isolated_data_dirs), "WORKBENCH_CACHE_DIR": str(_isolated_data_dirs / "cache"),
           "HF_HUB_OFFLINE": "1"}
    with streamlit_server(env) as url:
        yield url, load_dataset(target), fs


def _no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Traceback").count() == 0


def _query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_home_page_shows_the_builtin_dataset(served_builtin):
    url, ds, _ = served_builtin
    with browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("Features ready for").wait_for(timeout=90_000)
        assert _metric(page, "Tracks") == str(ds.n_tracks)
        page.wait_for_url(re.compile(r"[?&]ds=builtin"), timeout=30_000)   # the address names the dataset
        _no_error(page)
        assert screenshot(page, "dataset.png").stat().st_size > 10_000


def test_every_page_a_slider_and_a_map_click(served_builtin):
    url, ds, fs = served_builtin
    indicators = prepare(fs).indicators
    with browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("Features ready for").wait_for(timeout=90_000)
        for title in PAGES:                                    # every page opens without an error
            page.get_by_role("link", name=title).first.click()
            page.get_by_role("heading", name=title).first.wait_for(timeout=120_000)
            page.wait_for_timeout(1500)
            _no_error(page)
            screenshot(page, re.sub(r"\W+", "-", title.lower()) + ".png")

        # Rules: move the base-weight slider with the keyboard; the mean weight shown follows core
        page.get_by_role("link", name="Rules and weights").first.click()
        page.get_by_role("heading", name="Rules and weights").first.wait_for(timeout=60_000)
        before = _metric(page, "Mean audio weight")
        thumb = page.get_by_role("slider").first
        thumb.focus()
        for _ in range(10):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => !document.body.innerText.includes('Mean audio weight\\n{before}')",
                               timeout=30_000)
        page.wait_for_url(re.compile(r"[?&]base="), timeout=30_000)  # the address follows the slider
        base = float(_query(page)["base"])
        assert base > DEFAULT_RULES.base_weight
        expected = apply_rules(indicators, DEFAULT_RULES.with_changes(base_weight=base)).weights.mean()
        assert _metric(page, "Mean audio weight") == f"{expected:.3f}"
        _no_error(page)

        # Clusters: click a point of the map -> that track is selected and the inspector opens on it
        page.get_by_role("link", name="Clusters and map").first.click()
        link = None
        for attempt in range(5):  # the map may be redrawn (new weights, UMAP refresh) while we aim
            page.wait_for_function("""() => { const gd = document.querySelector('.js-plotly-plot');
                return gd && gd._fullLayout && gd._fullData && gd._fullData.length && gd._fullData[0].x.length; }""",
                                   timeout=180_000)
            page.wait_for_timeout(2000)
            pos = page.evaluate("""() => {
                const gd = document.querySelector('.js-plotly-plot');
                if (!gd || !gd._fullLayout) return null;
                const fl = gd._fullLayout, t = gd._fullData[0], r = gd.getBoundingClientRect();
                return {x: r.left + fl.xaxis._offset + fl.xaxis.l2p(t.x[0]),
                        y: r.top + fl.yaxis._offset + fl.yaxis.l2p(t.y[0]), id: String(t.customdata[0][0])};
            }""")
            if pos is None:
                continue
            page.mouse.click(pos["x"], pos["y"])
            candidate = page.get_by_role("link", name=f"Open {pos['id']} in the Track inspector")
            try:
                candidate.wait_for(timeout=30_000)
            except Exception:
                continue
            link = candidate
            break
        assert link is not None, "clicking a map point never selected its track"
        page.wait_for_url(re.compile(rf"[?&]track={re.escape(pos['id'])}(&|$)"), timeout=30_000)
        screenshot(page, "clusters-clicked.png")
        link.click()
        page.get_by_role("heading", name="Track inspector").first.wait_for(timeout=60_000)
        page.get_by_text("Why this weight").first.wait_for(timeout=60_000)
        assert pos["id"] in page.inner_text("body")
        _no_error(page)
