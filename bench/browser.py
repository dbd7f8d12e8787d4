"""Benchmark in a real browser: a control released to the page updated, at 1,000 tracks.

Prints medians and spreads measured with Playwright in headless Debian Chromium; asserts nothing.
Run from the repository root (after ``bench/app.py`` has built and extracted the 1,000-track set,
or it builds it):

    .venv/bin/python bench/browser.py --moves 15

* Rules page: the base-weight slider moved one step with the keyboard (a release), until the
  mean-weight figure shows the new value and Streamlit reports the run finished (weights,
  histogram, rule table, NMI and silhouette all redrawn in that run).
* Clusters page (PCA map): the base-weight slider of "Move a rule here" moved one step, until the
  map's points carry the new weights and the run finished (weights, warm k-means, map, metric
  table and contingency redrawn).
* Clusters page (PCA map): the seed stepped with the sidebar's "+" button (a cold clustering and
  three new baseline clusterings for the table, not a slider move), until the run finished.
Issue 7's target: p50 <= 300 ms at 1,000 tracks.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')"""


def stats(v):
    v = sorted(v)
    return (f"p50 {statistics.median(v):7.1f} ms   p90 {v[int(0.9 * (len(v) - 1))]:7.1f} ms   "
            f"min {v[0]:7.1f}   max {v[-1]:7.1f}   (n={len(v)})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracks-per-genre", type=int, default=100)
    ap.add_argument("--clip-seconds", type=float, default=5.0)
    ap.add_argument("--moves", type=int, default=15)
    args = ap.parse_args(argv)
    sys.argv = [sys.argv[0]]
    from bench.app import build  # the same 1,000-track set as bench/app.py
    from tests.browser import browser_page, streamlit_server
    path = build(args.tracks_per_genre, args.clip_seconds)
    rules_ms, map_ms, clusters_ms = [], [], []
    with streamlit_server({}) as url, browser_page() as page:
        page.goto(f"{url}/rules?ds={path}", wait_until="domcontentloaded")
        page.get_by_text("Mean audio weight").first.wait_for(timeout=300_000)
        page.wait_for_function(IDLE, timeout=120_000)
        slider = page.get_by_role("slider").first
        for i in range(args.moves):
            before = page.locator('[data-testid="stMetric"]').filter(has_text="Mean audio weight").first.inner_text()
            slider.focus()
            t0 = time.perf_counter()
            page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            page.wait_for_function(
                """(b) => { const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
                      .find(e => e.innerText.includes('Mean audio weight'));
                      return m && m.innerText !== b; }""", arg=before, timeout=60_000)
            page.wait_for_function(IDLE, timeout=60_000)
            rules_ms.append((time.perf_counter() - t0) * 1e3)
        page.goto(f"{url}/clusters?ds={path}&proj=pca", wait_until="domcontentloaded")
        page.wait_for_selector(".js-plotly-plot", timeout=300_000)
        page.wait_for_function(IDLE, timeout=120_000)
        page.get_by_text("Move a rule here").first.click()
        page.wait_for_function(IDLE, timeout=60_000)
        weights = """() => { const gd = document.querySelector('.js-plotly-plot');
            if (!gd || !gd._fullData) return null; let s = 0;
            for (const t of gd._fullData) for (const c of (t.customdata || [])) s += Number(c[3]) || 0;
            return s.toFixed(6); }"""
        map_slider = page.get_by_role("slider").last
        for i in range(args.moves):
            before = page.evaluate(weights)
            map_slider.focus()
            t0 = time.perf_counter()
            page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            page.wait_for_function(f"() => {{ const f = {weights}; const v = f(); return v !== null && v !== {before!r}; }}",
                                   timeout=60_000)
            page.wait_for_function(IDLE, timeout=60_000)
            map_ms.append((time.perf_counter() - t0) * 1e3)
        plus = page.locator('[data-testid="stNumberInput"]').filter(has_text="Seed").locator("button").last
        for i in range(args.moves):
            t0 = time.perf_counter()
            plus.click()
            page.get_by_text(f"seed {i + 1},").first.wait_for(timeout=60_000)
            page.wait_for_function(IDLE, timeout=60_000)
            clusters_ms.append((time.perf_counter() - t0) * 1e3)
    print(f"\nbrowser, {path.name}: Rules page, base slider released -> page updated:      {stats(rules_ms)}")
    print(f"browser, {path.name}: Clusters page (PCA), base slider released -> map + table: {stats(map_ms)}")
    print(f"browser, {path.name}: Clusters page (PCA), seed stepped -> map + table updated: {stats(clusters_ms)}")
    print("target: p50 <= 300 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
