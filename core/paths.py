"""Where the project keeps generated data and the feature cache.

``WORKBENCH_DATA_DIR`` (default ``<repo>/data``) and ``WORKBENCH_CACHE_DIR`` (default
``<data dir>/cache``) override the locations; the test suite points both at a temporary folder
so no test writes into ``data/``.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Folder for shipped and generated datasets (``data/``)."""
    return Path(os.environ.get("WORKBENCH_DATA_DIR", REPO_ROOT / "data"))


def cache_dir() -> Path:
    """Folder for the on-disk feature cache (``data/cache/``, git-ignored)."""
    env = os.environ.get("WORKBENCH_CACHE_DIR")
    return Path(env) if env else data_dir() / "cache"


def default_synthetic_dir() -> Path:
    """Where the built-in synthetic song set is generated (``data/synthetic/``)."""
    return data_dir() / "synthetic"
