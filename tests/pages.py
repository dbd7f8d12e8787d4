"""Open a page of the app in AppTest on a dataset path, the way the page tests do."""

from __future__ import annotations

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
