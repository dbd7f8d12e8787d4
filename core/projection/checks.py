"""Input checks of :func:`~core.projection.project`: the matrix, the previous map (``init``) and a
reused neighbour graph (``knn``), with the warnings a page shows."""

from __future__ import annotations

import warnings
from typing import Optional

import numpy as np

from core.errors import ParameterError, check_param
from core.projection.knn import _row_distances


class _Messages(list):
    """The warnings of one call; ``emit=False`` collects them without issuing them."""

    emit = True


def _warn(messages: list, text: str) -> None:
    messages.append(text)
    if getattr(messages, "emit", True):
        warnings.warn(text, UserWarning, stacklevel=3)


def _check_X(X) -> np.ndarray:
    """A finite float32 C-contiguous (n, d) copy-or-view of ``X``; ParameterError otherwise."""
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ParameterError(
            f"The 'X' parameter of project must be a 2-d numeric array (n_tracks, n_features). "
            f"Got an object numpy cannot read as an array ({exc}) instead.") from None
    check_param("project", "X", f"an array of shape {arr.shape} and dtype {arr.dtype}",
                "a 2-d numeric array (n_tracks, n_features) with at least one row and one column",
                arr.ndim == 2 and arr.shape[0] >= 1 and arr.shape[1] >= 1
                and (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool)
                and not np.iscomplexobj(arr))
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    finite = np.isfinite(arr).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        shown = ", ".join(str(i) for i in bad[:10]) + (", ..." if len(bad) > 10 else "")
        raise ParameterError(
            "The 'X' parameter of project must be finite (no NaN or inf; drop or repair those "
            f"tracks upstream). Got {len(bad)} of {arr.shape[0]} rows with NaN or inf "
            f"(rows {shown}) instead.")
    return arr


def _check_init(init, n: int, n_components: int, messages: list) -> Optional[np.ndarray]:
    """The previous coordinates as float32 (n, n_components), or None (with a warning) when
    they cannot seed this run (other track count or dimension)."""
    if init is None:
        return None
    arr = np.asarray(init)
    check_param("project", "init", f"an array of shape {arr.shape} and dtype {arr.dtype}",
                "None or a 2-d numeric array of previous coordinates (n_tracks, n_components)",
                arr.ndim == 2 and np.issubdtype(arr.dtype, np.number))
    if arr.shape != (n, n_components):
        _warn(messages, f"The previous map has shape {arr.shape} but this one is "
                        f"({n}, {n_components}); starting a fresh layout instead of moving the "
                        f"old one.")
        return None
    arr = np.array(arr, dtype=np.float32, order="C")  # own copy: the optimiser writes in place
    check_param("project", "init", "coordinates with NaN or inf", "finite coordinates",
                bool(np.isfinite(arr).all()))
    return arr


def _check_knn(knn, X: np.ndarray, k: int, metric: str, messages: list):
    """A passed neighbour graph, trimmed to ``k`` columns, or None (with a warning) when it does
    not fit ``X`` and must be recomputed."""
    if knn is None:
        return None
    ok_pair = isinstance(knn, (tuple, list)) and len(knn) in (2, 3)
    check_param("project", "knn", type(knn).__name__,
                "None or a pair (indices (n, k), distances (n, k)) like Projection.knn", ok_pair)
    idx, dist = np.asarray(knn[0]), np.asarray(knn[1])
    check_param("project", "knn", f"indices of shape {idx.shape} and distances of shape "
                f"{dist.shape}", "a pair of 2-d arrays of one shape, integer indices",
                idx.ndim == 2 and idx.shape == dist.shape and np.issubdtype(idx.dtype, np.integer)
                and np.issubdtype(dist.dtype, np.number))
    n = X.shape[0]
    if idx.shape[0] != n:
        _warn(messages, f"The neighbour graph given covers {idx.shape[0]} tracks, not {n}; it "
                        f"was recomputed.")
        return None
    if idx.shape[1] < k:
        _warn(messages, f"The neighbour graph given has {idx.shape[1]} neighbours per track, "
                        f"fewer than n_neighbors={k}; it was recomputed.")
        return None
    idx = np.ascontiguousarray(idx[:, :k], dtype=np.int64)
    dist = np.ascontiguousarray(dist[:, :k], dtype=np.float32)
    if idx.min() < 0 or idx.max() >= n or not np.isfinite(dist).all():
        _warn(messages, "The neighbour graph given has out-of-range indices or non-finite "
                        "distances; it was recomputed.")
        return None
    # Spot check: the stored distances must be the distances in this X (a graph from before a
    # weight change fails here).
    rows = np.unique(np.linspace(0, n - 1, num=min(n, 32)).astype(np.int64))
    expect = _row_distances(X, rows[:, None], idx[rows], metric)
    if not np.allclose(expect, dist[rows], rtol=1e-3, atol=1e-4):
        _warn(messages, "The neighbour graph given does not match X (it was built for other "
                        "data, e.g. before the weights changed); it was recomputed.")
        return None
    return idx, dist
