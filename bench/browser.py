"""Benchmark in a real browser: a control released to the page updated, at 1,000 tracks.

Prints medians and spreads measured with Playwright in headless Debian Chromium; asserts nothing.
Run from the repository root (after ``bench/app.py`` has built and extracted the 1,000-track set,
or it builds it):

    .venv/bin/python bench/browser.py --moves 15

Each move is one key press on a focused slider (a release: Streamlit sends one value) or one click
of a button. Two times are taken for each, in the page's own clock (``performance.now()``):

* **shown**: until the figure the move changes shows the new value (the Rules page's mean-weight
  metric; the Clusters page's map points carrying the new weights, read from the chart's SVG);
* **settled**: until the page stops changing: Streamlit reports the run finished, and no DOM
  mutation or long task (>= 50 ms of main-thread work) follows for 300 ms. This includes every
  table and chart of the page, not only the one watched.

Moves:

* Rules page: the base-weight slider (weights, histogram, rule table, NMI and silhouette redrawn).
* Clusters page (PCA map): the base-weight slider of "Move a rule here" (weights, warm k-means,
  map, metric table and genre x cluster heatmap redrawn).
* Clusters page (PCA map): the seed stepped with the sidebar's "+" button (a cold clustering and
  three new baseline clusterings for the table, not a slider move).

Issue 7's target: p50 <= 300 ms at 1,000 tracks (slider released -> map and metric table updated).
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

#: Installed before the app loads: the time of the last DOM mutation and the end of the last long task.
WATCH = """
(() => {
  window.__mut = 0; window.__longEnd = 0;
  new MutationObserver(() => { window.__mut = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  new PerformanceObserver((list) => { for (const e of list.getEntries())
      window.__longEnd = Math.max(window.__longEnd, e.startTime + e.duration); })
    .observe({type: 'longtask', buffered: true});
})();
"""

#: The Rules page's mean audio weight as shown.
RULES_SHOWN = """() => { const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
    .find(e => e.innerText.includes('Mean audio weight')); return m ? m.innerText : null; }"""

#: The sum of the audio weights the 2-D map's points carry (their SVG accessibility labels).
MAP_SHOWN = """() => { const c = document.querySelector('[data-testid="stVegaLiteChart"]');
    if (!c) return null; let s = 0, n = 0;
    for (const p of c.querySelectorAll('path[role="graphics-symbol"]')) {
        const m = /audio weight: ([-0-9.]+)/.exec(p.getAttribute('aria-label') || '');
        if (m) { s += Number(m[1]); n++; } }
    return n ? s.toFixed(3) + '/' + n : null; }"""


def stats(v):
    v = sorted(v)
    return (f"p50 {statistics.median(v):7.1f} ms   p90 {v[int(0.9 * (len(v) - 1))]:7.1f} ms   "
            f"min {v[0]:7.1f}   max {v[-1]:7.1f}   (n={len(v)})")


def timed(page, act, shown_js: str | None = None, text: str | None = None) -> tuple:
    """Run ``act()`` and return (shown, settled) in ms after it, in the page's clock.

    ``shown_js`` returns a value that must change; or ``text`` must appear in the page."""
    before = page.evaluate(shown_js) if shown_js else None
    t0 = page.evaluate("() => performance.now()")
    act()
    if shown_js:
        page.wait_for_function(f"""(b) => {{ const v = ({shown_js})();
            if (v !== null && v !== b) {{ window.__shownAt = window.__shownAt || performance.now(); return true; }}
            return false; }}""", arg=before, timeout=60_000, polling="raf")
    else:
        page.wait_for_function(f"""(t) => {{ if (document.body.innerText.includes(t)) {{
            window.__shownAt = window.__shownAt || performance.now(); return true; }} return false; }}""",
                               arg=text, timeout=60_000, polling="raf")
    page.wait_for_function(IDLE, timeout=60_000)
    page.wait_for_function("() => performance.now() - Math.max(window.__mut, window.__longEnd) > 300",
                           timeout=60_000, polling=50)
    shown, mut, long_end = page.evaluate("() => { const s = window.__shownAt; window.__shownAt = 0; "
                                         "return [s, window.__mut, window.__longEnd]; }")
    return shown - t0, max(shown, mut, long_end) - t0


def slider_moves(page, slider, moves: int, shown: str) -> list:
    """Timings of ``moves`` keyboard steps of ``slider``, right and left in turn, each until
    ``shown`` holds (see :func:`timed`)."""
    rows = []
    for i in range(moves):
        slider.focus()
        rows.append(timed(page, lambda: page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft"),
                          shown))
    return rows


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
    out = {}

    def settle(page):
        page.wait_for_function(IDLE, timeout=120_000)
        page.wait_for_function("() => performance.now() - Math.max(window.__mut, window.__longEnd) > 500",
                               timeout=120_000, polling=100)

    with streamlit_server({}) as url, browser_page() as page:
        page.add_init_script(WATCH)
        page.goto(f"{url}/rules?ds={path}", wait_until="domcontentloaded")
        page.get_by_text("Mean audio weight").first.wait_for(timeout=300_000)
        settle(page)
        out["Rules page, base slider released"] = slider_moves(page, page.get_by_role("slider").first,
                                                                args.moves, RULES_SHOWN)

        page.goto(f"{url}/clusters?ds={path}&proj=pca", wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stVegaLiteChart"] path[role="graphics-symbol"]', timeout=300_000)
        settle(page)
        page.get_by_text("Move a rule here").first.click()
        settle(page)
        out["Clusters page (PCA), base slider released"] = slider_moves(
            page, page.get_by_role("slider").last, args.moves, MAP_SHOWN)

        plus = page.locator('[data-testid="stNumberInput"]').filter(has_text="Seed").locator("button").last
        rows = []
        for i in range(args.moves):
            rows.append(timed(page, plus.click, text=f"seed {i + 1},"))
        out["Clusters page (PCA), seed stepped"] = rows

    print(f"\nbrowser, {path.name} (times from the key press or click, in the page's clock):")
    for name, rows in out.items():
        print(f"  {name}:")
        print(f"    shown    {stats([r[0] for r in rows])}")
        print(f"    settled  {stats([r[1] for r in rows])}")
    print("target: p50 <= 300 ms (slider released -> map and metric table updated)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
