"""Input checks and small naming helpers shared by the view builders (package-internal)."""

from __future__ import annotations

import math
import numbers
from numbers import Integral, Real

import numpy as np

from core.errors import check_param
from core.rules import RuleResult


def _check_result(owner: str, result) -> RuleResult:
    check_param(owner, "result", type(result).__name__, "a RuleResult", isinstance(result, RuleResult))
    return result


def _weights(owner: str, weights, name: str = "weights") -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    check_param(owner, name, f"array of shape {w.shape}", "a 1-d array of audio weights", w.ndim == 1)
    finite = w[np.isfinite(w)]
    check_param(owner, name, f"values in [{finite.min() if finite.size else math.nan:g}, "
                f"{finite.max() if finite.size else math.nan:g}]", "audio weights in [0, 1]",
                bool(np.all((finite >= 0.0) & (finite <= 1.0))))
    return w


def _same_length(owner: str, name: str, values, n: int) -> np.ndarray:
    arr = np.asarray(values)
    check_param(owner, name, f"array of shape {arr.shape}", f"a 1-d array of length {n} like 'weights'",
                arr.ndim == 1 and arr.shape[0] == n)
    return arr


def _group_key(x):
    """Sort clusters numerically and genres alphabetically, whatever their type."""
    return (0, float(x), "") if isinstance(x, (Integral, Real)) and not isinstance(x, bool) else (1, 0.0, str(x))


def _cluster_name(c) -> str:
    return "noise" if isinstance(c, (Integral, np.integer)) and int(c) == -1 else f"cluster {c}"


def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_)) and math.isfinite(x)
