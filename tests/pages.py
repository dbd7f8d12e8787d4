"""Open a page of the app in AppTest on a dataset path, the way the page tests do."""

from __future__ import annotations

import os

from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT

APP = str(REPO_ROOT / "app.py")


def open_page(path, page: str, state: dict | None = None, timeout: float = 180) -> AppTest:
    """``app.py`` with the dataset at ``path`` and ``state`` in the session, switched to ``app_pages/<page>.py``;
    asserts the page raised nothing."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(path)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def extract_in_cache(root, cache):
    """The dataset at ``root`` and its features, extracted in-process with ``WORKBENCH_CACHE_DIR`` set to
    ``cache`` (the cache the app under test then reads), the variable restored afterwards."""
    from core.datasets import load_dataset
    from core.features.extract import extract_features
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
