"""The Clusters page's instant panel in a real headless Chromium: its sliders move the map and the live
metric row in the browser; what it shows agrees with core's loop run through the same steps; a release
reaches the server (the link and the Metrics table follow); a setting it cannot run says why."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from core.datasets import load_dataset
from core.experiments import prepare
from core.features.extract import extract_features
from core.loop import InteractiveLoop, default_experiment_config
from core.rules import DEFAULT_RULES
from tests.browser import browser_page, screenshot

IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')"""
#: The panel's root inside the component's shadow root.
ROOT = """() => { for (const el of document.querySelectorAll('*')) { const r = el.shadowRoot &&
    el.shadowRoot.querySelector('.instant'); if (r) return r; } return document.querySelector('.instant'); }"""
DRAWN = f"() => {{ const r = ({ROOT})(); return r ? Number(r.parentElement.dataset.drawn || 0) : 0; }}"
#: How many canvas pixels are not blank (the points drawn).
INKED = f"""() => {{ const c = ({ROOT})().querySelector('canvas'); const d = c.getContext('2d')
    .getImageData(0, 0, c.width, c.height).data; let k = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) k++;
    return k; }}"""
#: A point drawn on the canvas: page coordinates of the first inked pixel found scanning from the centre out.
INKED_AT = f"""() => {{ const c = ({ROOT})().querySelector('canvas'); const r = c.getBoundingClientRect();
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, sx = c.width / r.width;
    for (let y = Math.floor(c.height / 2); y < c.height; y += 2) for (let x = 0; x < c.width; x += 2)
        if (d[(y * c.width + x) * 4 + 3] > 200) return {{x: r.left + x / sx, y: r.top + y / sx}};
    return null; }}"""
#: The Metrics table under the panel (the server's: every row clustered afresh).
SERVER_TABLE = """() => { const t = document.querySelector('[data-testid="stTable"]'); return t ? t.innerText : ''; }"""


def _wait_idle(page) -> None:
    page.wait_for_function(IDLE, timeout=120_000)
    page.wait_for_timeout(400)
    page.wait_for_function(IDLE, timeout=120_000)


def _live_row(page) -> dict:
    """The panel's live row: metric name -> shown text."""
    table = page.locator("table.live")
    heads = [h.strip() for h in table.locator("thead th").all_inner_texts()][1:]
    cells = [c.strip() for c in table.locator("tbody tr").first.locator("td").all_inner_texts()][1:]
    return dict(zip(heads, cells))


def _mean_weight(page) -> str:
    return re.search(r"mean audio weight ([0-9]+\.[0-9]+)", page.locator("p.status").inner_text()).group(1)


def test_instant_panel_steps_agree_with_core_and_reach_the_server(tmp_path, server):
    from bench.feature_file import write_feature_file
    path = write_feature_file(tmp_path / "catalogue.parquet", 400, n_genres=4, d_audio=24, d_lyrics=16, seed=3)
    with browser_page() as page:
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server}/clusters?ds={path}&proj=pca&instant=1", wait_until="domcontentloaded")
        page.wait_for_function(f"() => ({DRAWN})() > 0", timeout=180_000)
        _wait_idle(page)
        assert page.evaluate(INKED) > 400  # 400 points drawn on the canvas
        assert "400 tracks" in page.locator("p.status").inner_text()
        assert page.get_by_text("Move a rule here").count() == 0  # the panel holds the sliders
        server_before = page.evaluate(SERVER_TABLE)
        base = page.locator('input[data-role="base"]')
        for _ in range(3):  # 0.55 -> 0.58, each step answered by the server before the next
            drawn = page.evaluate(DRAWN)
            base.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"(d) => ({DRAWN})() > d", arg=drawn, timeout=10_000)
            _wait_idle(page)
        page.wait_for_function("() => location.search.includes('base=0.58')", timeout=30_000)
        shown, weight = _live_row(page), _mean_weight(page)
        assert page.locator("table.live tbody tr").count() == 2  # the live row and its change since the last step
        assert page.evaluate(SERVER_TABLE) != server_before  # the server followed the release
        screenshot(page, "instant-panel.png")
        at = page.evaluate(INKED_AT)  # a click on a point: the page names it and links the inspector
        page.mouse.click(at["x"], at["y"])
        page.get_by_text("in the Track inspector").first.wait_for(timeout=30_000)
        picked = parse_qs(urlparse(page.url).query).get("track", [""])[0]
        assert picked and page.get_by_text(f"Selected {picked}").count() == 1
        assert not errors, errors

    # core's loop through the same steps: cold start at the defaults, then warm steps 0.56, 0.57, 0.58
    ds = load_dataset(path)
    fs, _ = extract_features(ds)
    loop = InteractiveLoop(prepare(fs, default_experiment_config()), ds.labels)
    res = loop.run(DEFAULT_RULES, n_clusters=4, seed=0)
    for b in (0.56, 0.57, 0.58):
        res = loop.run(DEFAULT_RULES.with_changes(base_weight=b), n_clusters=4, seed=0)
    assert weight == f"{float(res.weights.mean()):.3f}"
    assert shown["NMI ↑"] == f"{res.metrics['nmi']:.3f}" and shown["ARI ↑"] == f"{res.metrics['ari']:.3f}"
    assert shown["AMI ↑"] == f"{res.metrics['ami']:.3f}" and shown["accuracy ↑"] == f"{res.metrics['accuracy']:.3f}"
    assert shown["silhouette ↑"] == f"{res.metrics['silhouette']:.3f}"
    assert shown["Davies-Bouldin ↓"] == f"{res.metrics['davies_bouldin']:.3f}"


def test_instant_panel_link_keeps_it_and_a_3d_map_says_why_it_is_off(tmp_path, server):
    from bench.feature_file import write_feature_file
    path = write_feature_file(tmp_path / "small.parquet", 120, n_genres=3, d_audio=8, d_lyrics=8, seed=1)
    with browser_page() as page:
        page.goto(f"{server}/clusters?ds={path}&proj=pca&instant=1&dims=3", wait_until="domcontentloaded")
        page.get_by_text("The instant map is off here: it draws a 2-D map only").wait_for(timeout=180_000)
        assert page.evaluate(f"() => ({ROOT})() === null")  # no panel: the server's 3-D map
        query = parse_qs(urlparse(page.url).query)
        assert query.get("instant") == ["1"]  # the choice stays in the link
