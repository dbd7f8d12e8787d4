"""Values that go into a report: the versions of the libraries, and objects made JSON-ready."""

from __future__ import annotations

import math
import platform
from pathlib import Path

import numpy as np
import pandas as pd

_VERSION_PACKAGES = ("numpy", "scipy", "scikit-learn", "pandas", "librosa", "soundfile",
                     "sentence-transformers", "torch")


def versions() -> dict:
    """Python, platform and the versions of the packages the results depend on."""
    from importlib import metadata

    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in _VERSION_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def to_jsonable(obj):
    """Plain JSON data: numpy scalars and arrays unwrapped, NaN and infinities -> None."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, pd.DataFrame):
        return to_jsonable(obj.to_dict(orient="records"))
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, (str, int)):
        return obj
    return str(obj)
