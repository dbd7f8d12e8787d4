"""Benchmark in a real browser: a fresh server, the Clusters page opened first, time to the first map.

A teacher's link (``/clusters?ds=...``) to a server that has just started: UMAP's numba kernels are
not compiled yet (``core.projection.warm_up`` runs in a thread app.py starts with the first page).
For each of ``--starts`` fresh ``streamlit run`` processes, opened at once on the Clusters page in
headless Debian Chromium (Playwright), in the page's own clock from ``page.goto``:

* **first map**: until the 2-D map's points are in the page (SVG symbols of the Vega-Lite chart);
* **note**: whether "UMAP is compiling ..." was shown with that first map;
* **UMAP map**: until the map's caption says UMAP and the note is gone (the same as "first map" on a
  checkout without the PCA fallback).

Prints every start, p50 and p90, and the 1-minute load average before and after. Asserts nothing.
Run from the repository root; ``--repo`` times another checkout's app.py (e.g. main) with this
script and this Python::

    .venv/bin/python bench/first_map.py --starts 3
    .venv/bin/python bench/first_map.py --starts 3 --repo /work/main

``--features`` is a features file opened by path (default ``data/bench/features-1000.parquet``,
written by ``bench/feature_file.py``); data and feature cache go to a temporary folder.
``--fresh-numba-cache`` points ``NUMBA_CACHE_DIR`` at an empty folder for each start (numba's
on-disk cache empty: the very first start after an install, the slowest compile).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.paths import REPO_ROOT  # noqa: E402

NOTE = "UMAP is compiling (once per server start); showing PCA until it is ready."
SYMBOLS = '[data-testid="stVegaLiteChart"] path[role="graphics-symbol"]'
UMAP_SHOWN = f"""() => !document.body.innerText.includes({NOTE!r})
    && document.body.innerText.includes('UMAP of the scaled concatenation')"""


def _serve(repo: Path, env: dict, log: Path) -> tuple:
    """``(process, url)`` of ``streamlit run <repo>/app.py`` once its health check answers."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "streamlit", "run", str(repo / "app.py"), "--server.port", str(port),
           "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=repo, env={**os.environ, **env}, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"streamlit did not start (log: {log})")
        time.sleep(0.3)


def one_start(repo: Path, features: Path, fresh_numba: bool, page) -> dict:
    from tests.browser import stop
    with tempfile.TemporaryDirectory(prefix="first-map-") as tmp:
        env = {"WORKBENCH_DATA_DIR": tmp, "WORKBENCH_CACHE_DIR": str(Path(tmp) / "cache"), "HF_HUB_OFFLINE": "1"}
        if fresh_numba:
            env["NUMBA_CACHE_DIR"] = str(Path(tmp) / "numba")
        proc, url = _serve(repo, env, Path(tmp) / "server.log")
        try:
            t0 = time.perf_counter()
            page.goto(f"{url}/clusters?ds={quote(str(features))}", wait_until="domcontentloaded")
            page.wait_for_selector(SYMBOLS, timeout=300_000)
            first = time.perf_counter() - t0
            note = page.get_by_text(NOTE).count() > 0
            page.wait_for_function(UMAP_SHOWN, timeout=300_000, polling=100)
            umap = time.perf_counter() - t0
            errors = page.locator('[data-testid="stException"]').count()
        finally:
            stop(proc)
    return {"first": first, "note": note, "umap": umap, "errors": errors}


def stats(v) -> str:
    q = statistics.quantiles(v, n=10, method="inclusive") if len(v) > 1 else [v[0]] * 9
    return f"p50 {statistics.median(v):.1f} s, p90 {q[8]:.1f} s (n={len(v)})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=3)
    ap.add_argument("--repo", type=Path, default=REPO_ROOT, help="checkout whose app.py is served")
    ap.add_argument("--features", type=Path, default=REPO_ROOT / "data" / "bench" / "features-1000.parquet")
    ap.add_argument("--fresh-numba-cache", action="store_true")
    args = ap.parse_args(argv)
    if not args.features.exists():
        sys.exit(f"{args.features} not found: build it with bench/feature_file.py")
    from tests.browser import browser_page
    rows = []
    print(f"app: {args.repo.resolve()}  features: {args.features}  load before: {os.getloadavg()[0]:.2f}")
    with browser_page() as page:
        for i in range(args.starts):
            r = one_start(args.repo.resolve(), args.features.resolve(), args.fresh_numba_cache, page)
            rows.append(r)
            print(f"start {i + 1}: first map {r['first']:.1f} s (note shown: {r['note']}), UMAP map {r['umap']:.1f} s,"
                  f" exceptions {r['errors']}, load {os.getloadavg()[0]:.2f}", flush=True)
    print(f"first map: {stats([r['first'] for r in rows])}")
    print(f"UMAP map:  {stats([r['umap'] for r in rows])}")
    print(f"load after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
