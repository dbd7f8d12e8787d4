"""Serving the app the way `make app` does (`streamlit run app.py --server.port P`, the repository's
.streamlit/config.toml): nothing asks the internet for anything at start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

from core.paths import REPO_ROOT
from tests.browser import free_port, stop


def test_make_apps_server_start_asks_no_external_service(tmp_path):
    """Headless Streamlit printed an "External URL" found by asking checkip.amazonaws.com; offline it logged
    "Did not auto detect external IP. Please go to https://docs.streamlit.io/ for debugging hints" instead."""
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
                                cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ},
                                start_new_session=True)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
            assert proc.poll() is None, log.read_text()
        time.sleep(4)  # the banner (and its lookups, 1 s timeout each) follows the health answer
    finally:
        stop(proc)
    text = log.read_text()
    assert "external IP" not in text and "External URL" not in text, text
