"""Take the README's screenshots from the running app on the built-in set, in headless Chromium.

Starts ``streamlit run app.py`` on a free port against the built-in set (``make prepare`` first, or point
``WORKBENCH_DATA_DIR`` at a data folder that holds ``synthetic/`` and its cache), opens each page as a
person would (the Compare page through the README's A/B deep link), waits until the page has stopped
running and its charts are drawn, and writes ``docs/screenshot-<page>.png`` (1500 x 1000)::

    .venv/bin/python tools/screenshots.py            # every page below
    .venv/bin/python tools/screenshots.py rules      # one page

A page that shows an error or a traceback stops the script with the page named, so a broken page is
never committed as a picture.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.paths import REPO_ROOT  # noqa: E402
from tests.browser import browser_page, streamlit_server  # noqa: E402

#: page -> (address below the server's root, a selector that is drawn once the page's content is there)
PAGES = {
    "dataset": ("dataset", '[data-testid="stMetric"]'),
    "rules": ("rules", '[data-testid="stPlotlyChart"]'),
    "clusters": ("clusters", '[data-testid="stVegaLiteChart"]'),
    "compare": ("compare?pin=1&A.hard_novoice=1&base=0.4", '[data-testid="stVegaLiteChart"]'),
    "instant": ("clusters?proj=pca&instant=1", '[data-testid="stTable"]'),  # the panel, then the server's table
}
IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')"""


def shoot(page, url: str, name: str, out: Path) -> Path:
    address, ready = PAGES[name]
    page.goto(f"{url}/{address}")
    page.wait_for_selector(ready, timeout=300_000)
    page.wait_for_function(IDLE, timeout=300_000)
    time.sleep(2.0)  # charts finish their transitions
    if page.locator('[data-testid="stException"]').count() or page.get_by_text("Traceback").count():
        raise SystemExit(f"the {name} page shows an error: not taking its picture")
    if page.get_by_text("Page not found").count():
        raise SystemExit(f"the {name} page was not found at /{address}")
    path = out / f"screenshot-{name}.png"
    page.screenshot(path=str(path))
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pages", nargs="*", help=f"pages to take (default: all of {', '.join(PAGES)})")
    ap.add_argument("--out", default=str(REPO_ROOT / "docs"), help="folder for the PNG files (default: docs/)")
    args = ap.parse_args(argv)
    unknown = [p for p in args.pages if p not in PAGES]
    if unknown:
        ap.error(f"unknown page(s) {', '.join(unknown)}: choose from {', '.join(PAGES)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = {"HF_HUB_OFFLINE": "1", **{k: v for k, v in os.environ.items() if k.startswith("WORKBENCH_")}}
    with streamlit_server(env, timeout=180.0) as url, browser_page(width=1500, height=1000) as page:
        for name in args.pages or list(PAGES):
            t0 = time.perf_counter()
            path = shoot(page, url, name, out)
            print(f"{name}: {path} ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
