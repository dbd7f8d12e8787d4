"""Projection: 2-D or 3-D coordinates of the fused tracks for the map views (UMAP or PCA).

Pipeline position: fusion -> clustering -> metrics, and **projection** -> views.

One entry, :func:`project`, takes the fused matrix ``X`` float32 (n_tracks, d) (e.g.
:func:`core.fusion.fuse_concat`) and a frozen :class:`ProjectionConfig`, and returns a
:class:`Projection` whose ``coords`` are float32 (n_tracks, n_components), rows in ``X``'s order.

``method="umap"``
    umap-learn, seeded. The neighbour graph is an exact k-nearest-neighbour search done here in
    numpy (:func:`knn_graph`, about 10-30 ms at 1,000 tracks) and handed to umap as
    ``precomputed_knn``: umap's own small-data path (below 4,096 rows) computes all pairwise
    distances through a Python-level callable and alone costs 1-2 s at 1,000 tracks. Above
    :data:`EXACT_KNN_MAX_TRACKS` tracks umap's approximate search (pynndescent) is used instead.

    *Cold fit* (``init=None``): spectral initialisation and ``n_epochs`` epochs (umap's default,
    500 below 10,000 tracks, when ``n_epochs`` is None).

    *Warm refresh* (``init=`` the previous coordinates): the layout is optimised from exactly
    those coordinates, in their own frame, for ``warm_epochs`` epochs (default 100) starting at
    learning rate ``warm_learning_rate`` (default 0.25), so points move instead of jumping. umap's
    ``init=array`` first min-max rescales every axis to [0, 10], which would stretch the layout
    by its aspect ratio on every refresh; the warm path therefore runs umap's own layout
    optimiser (``umap.layouts.optimize_layout_euclidean``) on the untouched coordinates, through
    the ``_fit_embed_data`` hook that umap documents for subclasses. Graph construction stays
    umap's. The result is then shifted and scaled (uniformly) back to the previous map's centre
    and RMS radius, so the view does not zoom out while a slider is dragged.

    What a warm refresh keeps and what it does not: each track's neighbours on the map follow
    the new ``X`` as faithfully as a cold fit's (``bench/umap_refresh.py``: 15-NN kept 0.315 warm vs
    0.321 cold at 1,000 tracks), but the *arrangement* of the clusters is inherited from the
    previous map. After a drastic change (audio-only to lyrics-only) a cold fit may arrange the
    clusters differently; offer a "new layout" action that calls :func:`project` without
    ``init``.

    Figures at 1,000 tracks x 64 on the shared two-core machine (``bench/umap_refresh.py``): warm
    refresh median 0.15 s, cold fit 0.75 s (JIT warm), plain ``umap.UMAP`` cold 3.1 s.

``method="pca"``
    Principal axes of the centred ``X`` (deterministic sign: the largest loading of each axis is
    positive). With ``init=`` the new coordinates are turned by the orthogonal Procrustes
    rotation/reflection (no scaling) that best matches the previous coordinates, so the map does
    not flip or spin when the weights move.

Determinism: a seed gives the same coordinates on every run. umap with a ``random_state`` runs
its optimiser on one thread (``n_jobs=1``) by design: that is the price of reproducibility (umap
would otherwise say "n_jobs overridden to 1"). On these shared two-core machines the cost is
small.

Small inputs never crash: ``n_neighbors >= n_tracks`` is cut to ``n_tracks - 1`` with a warning
(as umap does), and three tracks or fewer get a trivial PCA layout (zeros for one track) with a
warning. Every warning is issued through :mod:`warnings` and returned in
``Projection.warnings`` so a page can show it.

Reusing a neighbour graph (``knn=``): the graph depends on ``X``, and ``X`` changes whenever the
weights change (the fused rows are re-scaled per track), so a graph from before a weight change
is stale and must not be reused; :func:`project` spot-checks a passed graph against ``X`` and
recomputes it, with a warning, when the distances disagree. Reuse pays when ``X`` is unchanged:
switching 2-D/3-D, changing ``min_dist`` or the seed, or re-running. ``Projection.knn`` holds the
graph a UMAP run used, ready to pass back.

numba: umap compiles its kernels on first use: the first projection in a fresh process took
4 s with numba's on-disk cache filled and ~15 s without it. Call :func:`warm_up` once at app
start, in a background thread.

BLAS runs on one thread inside :func:`project` (:func:`core.fusion.hot_path`): the products
here are small, and spinning BLAS threads on shared cores made the neighbour search and PCA up
to 10x slower.
"""

from __future__ import annotations

import threading
import time
import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Optional, Tuple

import numpy as np

from core.errors import ParameterError, check_param
from core.fusion import hot_path
from core.params import Interval, StrOptions, validate_fields

__all__ = [
    "METHODS",
    "METRICS",
    "PROJECTION_CONSTRAINTS",
    "EXACT_KNN_MAX_TRACKS",
    "ProjectionConfig",
    "Projection",
    "project",
    "knn_graph",
    "procrustes_align",
    "warm_up",
]

METHODS = ("umap", "pca")
METRICS = ("euclidean", "cosine")

#: Up to this many tracks the neighbour graph is an exact numpy search (O(n^2 d), chunked);
#: above it umap's approximate pynndescent search is used.
EXACT_KNN_MAX_TRACKS = 20_000

#: Below this many tracks UMAP is not attempted: the map is a trivial PCA layout.
MIN_UMAP_TRACKS = 4

#: Constraints of :class:`ProjectionConfig` (checked by :func:`project`).
PROJECTION_CONSTRAINTS = {
    "method": [StrOptions(METHODS)],
    "n_components": [Interval(Integral, 2, 3, closed="both")],
    "n_neighbors": [Interval(Integral, 2, None, closed="left")],
    "min_dist": [Interval(Real, 0, 1, closed="both")],
    "metric": [StrOptions(METRICS)],
    "seed": [Interval(Integral, 0, 2**32 - 1, closed="both")],
    "n_epochs": [Interval(Integral, 1, None, closed="left"), None],
    "warm_epochs": [Interval(Integral, 1, None, closed="left")],
    "warm_learning_rate": [Interval(Real, 0, None, closed="neither")],
}


@dataclass(frozen=True)
class ProjectionConfig:
    """Settings of a projection (hashable: usable as a cache key).

    Parameters
    ----------
    method : {"umap", "pca"}, default "umap"
    n_components : {2, 3}, default 2
        Dimensions of the map.
    n_neighbors : int >= 2, default 15
        umap's neighbourhood size; cut to ``n_tracks - 1`` with a warning when too large.
    min_dist : float in [0, 1], default 0.1
        umap's minimum distance between embedded points (umap's ``spread`` is 1).
    metric : {"euclidean", "cosine"}, default "euclidean"
        Distance in ``X`` for the neighbour graph. Rows of :func:`core.fusion.fuse_concat` have
        unit length, so both give the same neighbours there.
    seed : int in [0, 2**32 - 1], default 0
        umap's ``random_state``; the same seed gives the same map.
    n_epochs : int >= 1 or None, default None
        Epochs of a cold umap fit; None is umap's default (500 below 10,000 tracks, else 200).
    warm_epochs : int >= 1, default 100
        Epochs of a warm refresh (``init=`` given). Fewer epochs keep points closer to where
        they were; 100 re-converges a layout after a slider move at 1,000 tracks
        (``bench/umap_refresh.py``).
    warm_learning_rate : float > 0, default 0.25
        Initial learning rate of a warm refresh (umap's cold default is 1.0); it decays to 0
        over ``warm_epochs``. At 1,000 tracks 0.25 kept each track's map neighbours as well as
        a cold fit did and moved points least (``bench/umap_refresh.py``); 1.0 shuffles points inside
        their clusters.
    """

    method: str = "umap"
    n_components: int = 2
    n_neighbors: int = 15
    min_dist: float = 0.1
    metric: str = "euclidean"
    seed: int = 0
    n_epochs: Optional[int] = None
    warm_epochs: int = 100
    warm_learning_rate: float = 0.25


@dataclass(frozen=True, eq=False)
class Projection:
    """What :func:`project` computed.

    Attributes
    ----------
    coords : float32 (n_tracks, n_components), read-only
        Map coordinates, rows in ``X``'s order. Units: umap's layout units, or the units of
        ``X`` for PCA.
    method : {"umap", "pca"}
        What actually ran: ``"pca"`` also for the trivial layout of three tracks or fewer.
    warnings : list of str
        Everything worth telling the user (cut ``n_neighbors``, trivial layout, ignored
        ``init`` or ``knn``, ...); also issued through :mod:`warnings`.
    seconds : float
        Wall time of the call, s.
    warm : bool
        True when the result started from ``init`` (umap warm refresh, or PCA aligned to it).
    n_neighbors : int
        Neighbours umap used (after any cut); 0 for PCA.
    n_epochs : int
        Optimiser epochs run; 0 for PCA.
    knn : (int64 (n, k), float32 (n, k)) or None
        Neighbour indices and distances umap used (column 0 is the track itself, distance 0);
        pass it back as ``knn=`` while ``X`` is unchanged. None for PCA.
    """

    coords: np.ndarray
    method: str
    warnings: list = field(default_factory=list)
    seconds: float = 0.0
    warm: bool = False
    n_neighbors: int = 0
    n_epochs: int = 0
    knn: Optional[Tuple[np.ndarray, np.ndarray]] = None


# ------------------------------------------------------------------------------------------
# Input checks
# ------------------------------------------------------------------------------------------
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


# ------------------------------------------------------------------------------------------
# Exact k-nearest neighbours
# ------------------------------------------------------------------------------------------
def _row_distances(X: np.ndarray, a: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    """Distances between rows ``X[a]`` and ``X[b]`` (broadcast index arrays), float32."""
    xa, xb = X[a].astype(np.float64), X[b].astype(np.float64)
    if metric == "euclidean":
        return np.sqrt(np.sum((xa - xb) ** 2, axis=-1)).astype(np.float32)
    na, nb = np.linalg.norm(xa, axis=-1), np.linalg.norm(xb, axis=-1)
    dot = np.sum(xa * xb, axis=-1)
    both0 = (na == 0) & (nb == 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where((na > 0) & (nb > 0), dot / (na * nb), 0.0)
    return np.where(both0, 0.0, np.clip(1.0 - cos, 0.0, 2.0)).astype(np.float32)


def knn_graph(X, n_neighbors: int = 15, metric: str = "euclidean",
              chunk: int = 1024) -> Tuple[np.ndarray, np.ndarray]:
    """Exact k-nearest neighbours of every row, in umap's ``precomputed_knn`` layout.

    Brute force in float32 blocks of ``chunk`` rows (O(n^2 d) time, O(chunk n) memory), then the
    chosen neighbours' distances are recomputed exactly in float64 and sorted.

    Parameters
    ----------
    X : float (n, d)
        Finite rows.
    n_neighbors : int
        Neighbours per row, the row itself included (umap's convention); capped at ``n``.
    metric : {"euclidean", "cosine"}
    chunk : int
        Rows per block.

    Returns
    -------
    indices : int64 (n, k)
        Column 0 is the row itself.
    distances : float32 (n, k)
        Ascending along each row; column 0 is 0. Euclidean in the units of ``X``; cosine
        distance ``1 - cos`` in [0, 2].
    """
    with hot_path():
        return _knn_graph(np.ascontiguousarray(X, dtype=np.float32), n_neighbors, metric, chunk)


def _knn_graph(X, n_neighbors, metric, chunk):
    n = X.shape[0]
    k = int(min(n_neighbors, n))
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        Z = np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)
    else:
        Z = X
    sq = np.einsum("ij,ij->i", Z, Z)
    idx = np.empty((n, k), np.int64)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        block = Z[start:stop] @ Z.T  # (b, n)
        if metric == "euclidean":
            block *= -2.0
            block += sq[start:stop, None]
            block += sq[None, :]
        else:
            np.subtract(1.0, block, out=block)
        r = np.arange(stop - start)
        block[r, start + r] = -np.inf  # the row itself first
        if k < n:
            part = np.argpartition(block, k - 1, axis=1)[:, :k]
        else:
            part = np.broadcast_to(np.arange(n), (stop - start, n)).copy()
        idx[start:stop] = part
    dist = _row_distances(X, np.arange(n)[:, None], idx, metric)
    dist[idx == np.arange(n)[:, None]] = -1.0  # keep self at column 0 even among duplicates
    order = np.argsort(dist, axis=1, kind="stable")
    idx = np.take_along_axis(idx, order, axis=1)
    dist = np.maximum(np.take_along_axis(dist, order, axis=1), 0.0)
    return idx, dist.astype(np.float32)


# ------------------------------------------------------------------------------------------
# PCA and Procrustes
# ------------------------------------------------------------------------------------------
def _pca(X: np.ndarray, n_components: int) -> Tuple[np.ndarray, int]:
    """Centred principal-axis coordinates, zero-padded to ``n_components``; also the number of
    axes with non-zero variance. Deterministic signs (largest loading positive)."""
    n, d = X.shape
    out = np.zeros((n, n_components), np.float32)
    if n < 2:
        return out, 0
    Xc = X.astype(np.float64) - X.mean(axis=0, dtype=np.float64)
    if d <= n:
        vals, vecs = np.linalg.eigh(Xc.T @ Xc)
        order = np.argsort(vals)[::-1]
        vals, comps = vals[order], vecs[:, order].T
    else:
        _, s, vt = np.linalg.svd(Xc, full_matrices=False)
        vals, comps = s**2, vt
    tol = max(vals[0], 0.0) * max(n, d) * np.finfo(np.float64).eps * 10 if len(vals) else 0.0
    rank = int(np.count_nonzero(vals > max(tol, 1e-30)))
    m = min(n_components, rank)
    if m:
        comps = comps[:m]
        top = np.argmax(np.abs(comps), axis=1)
        comps = comps * np.sign(comps[np.arange(m), top])[:, None]
        out[:, :m] = Xc @ comps.T
    return out, rank


def procrustes_align(Y, ref) -> np.ndarray:
    """Rotate/reflect ``Y`` to best match ``ref`` (orthogonal Procrustes, no scaling).

    Parameters
    ----------
    Y, ref : float (n, c)
        Same shape.

    Returns
    -------
    float32 (n, c)
        ``(Y - mean(Y)) @ R + mean(ref)`` with the orthogonal ``R`` minimising
        ``|(Y - mean(Y)) @ R - (ref - mean(ref))|``.
    """
    Y = np.asarray(Y, np.float64)
    ref = np.asarray(ref, np.float64)
    Yc = Y - Y.mean(axis=0)
    mu = ref.mean(axis=0)
    u, _, vt = np.linalg.svd(Yc.T @ (ref - mu))
    return (Yc @ (u @ vt) + mu).astype(np.float32)


# ------------------------------------------------------------------------------------------
# UMAP
# ------------------------------------------------------------------------------------------
_UMAP_CLASSES: dict = {}
_UMAP_LOCK = threading.RLock()


def _umap_classes():
    """Import umap lazily (3 s and numba) and build the warm-refresh subclass once."""
    if _UMAP_CLASSES:
        return _UMAP_CLASSES["cold"], _UMAP_CLASSES["warm"]
    import umap

    if not hasattr(umap, "UMAP"):  # e.g. bench/umap_refresh.py first on sys.path (a script in bench/)
        raise ImportError(
            f"'import umap' found {getattr(umap, '__file__', umap)!r}, not umap-learn: a file "
            "named umap.py shadows the package. Run from the repository root, or drop the "
            "script's folder from sys.path.")
    from umap.layouts import optimize_layout_euclidean
    from umap.umap_ import INT32_MAX, INT32_MIN, make_epochs_per_sample

    class _WarmUMAP(umap.UMAP):
        """umap whose layout step starts from ``init`` as given (no [0, 10] rescale)."""

        def _fit_embed_data(self, X, n_epochs, init, random_state, **kwargs):
            graph = self.graph_.tocoo(copy=True)
            graph.sum_duplicates()
            if n_epochs > 10:  # as simplicial_set_embedding: drop edges too weak to be sampled
                graph.data[graph.data < graph.data.max() / float(n_epochs)] = 0.0
            graph.eliminate_zeros()
            emb = np.array(init, dtype=np.float32, order="C")
            _separate_duplicates(emb, random_state)
            epochs_per_sample = make_epochs_per_sample(graph.data, n_epochs)
            rng_state = random_state.randint(INT32_MIN, INT32_MAX, 3).astype(np.int64)
            emb = optimize_layout_euclidean(
                emb, emb, graph.row, graph.col, n_epochs, graph.shape[1], epochs_per_sample,
                self._a, self._b, rng_state, self.repulsion_strength, self._initial_alpha,
                self.negative_sample_rate, parallel=False, verbose=False, densmap=False,
                densmap_kwds={}, tqdm_kwds=self.tqdm_kwds, move_other=True)
            return emb, {}

    _UMAP_CLASSES["cold"], _UMAP_CLASSES["warm"] = umap.UMAP, _WarmUMAP
    return umap.UMAP, _WarmUMAP


def _separate_duplicates(emb: np.ndarray, random_state) -> None:
    """Nudge coincident rows apart in place (coincident points never separate in the
    optimiser), by 0.1 % of the mean nearest-neighbour distance, as umap does for ``init``."""
    _, first, counts = np.unique(emb, axis=0, return_index=True, return_counts=True)
    if (counts == 1).all():
        return
    span = float(np.max(emb.max(axis=0) - emb.min(axis=0))) or 1.0
    scale = 1e-3 * span / max(1.0, np.sqrt(len(emb)))
    emb += random_state.normal(scale=scale, size=emb.shape).astype(np.float32)


#: umap warnings that say nothing to a user here: the first two follow from passing our own
#: neighbour graph and choosing one thread; the third is the normal case of well-separated
#: genres (umap then lays the components out one by one, which is what we want).
_EXPECTED_UMAP_WARNINGS = (
    "knn_search_index",
    "n_jobs value",
    "Graph is not fully connected",
)


def _run_umap(X, cfg: ProjectionConfig, k: int, init, knn, messages: list):
    cold_cls, warm_cls = _umap_classes()
    idx, dist = knn if knn is not None else (None, None)
    common = dict(n_neighbors=k, n_components=cfg.n_components, min_dist=cfg.min_dist,
                  metric=cfg.metric, random_state=cfg.seed, n_jobs=1, verbose=False)
    if idx is not None:
        # copies: umap marks disconnected neighbours in place
        common["precomputed_knn"] = (idx.copy(), dist.copy())
    if init is None:
        # spectral needs n_components + 1 eigenvectors of an n x n graph: too few tracks for it
        # below n_components + 3, so those tiny maps start from seeded random positions.
        start = "spectral" if X.shape[0] > cfg.n_components + 2 else "random"
        model = cold_cls(n_epochs=cfg.n_epochs, init=start, **common)
    else:
        model = warm_cls(n_epochs=cfg.warm_epochs, init=init,
                         learning_rate=cfg.warm_learning_rate, **common)
    # catch_warnings swaps process-wide state: one fit at a time, so two sessions' fits (or a
    # fit and warm_up) never restore each other's filters.
    with _UMAP_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        coords = model.fit_transform(X)
    for w in caught:
        text = str(w.message)
        if any(part in text for part in _EXPECTED_UMAP_WARNINGS):
            continue
        _warn(messages, f"umap: {text}")
    n_epochs = (cfg.warm_epochs if init is not None
                else cfg.n_epochs or (500 if X.shape[0] <= 10_000 else 200))
    used_knn = (np.asarray(model._knn_indices, np.int64), np.asarray(model._knn_dists,
                                                                     np.float32))
    return np.asarray(coords, np.float32), n_epochs, used_knn


def _keep_size(coords: np.ndarray, init: np.ndarray) -> np.ndarray:
    """Shift and scale (uniformly, about the centroid) a warm layout back to the previous map's
    centroid and RMS radius. The optimiser expands a layout a little on every refresh (about 1 %
    per 100 epochs); without this the map would slowly zoom out while a slider is dragged."""
    c, c0 = coords.mean(axis=0), init.mean(axis=0)
    r = np.sqrt(np.mean(np.sum((coords - c) ** 2, axis=1)))
    r0 = np.sqrt(np.mean(np.sum((init - c0) ** 2, axis=1)))
    if not (r > 0 and np.isfinite(r)):
        return coords
    return ((coords - c) * np.float32(r0 / r) + c0).astype(np.float32)


def _fill_disconnected(coords: np.ndarray, knn, messages: list) -> np.ndarray:
    """umap gives NaN to tracks with no edge left; put them at their neighbours' mean (or at
    the centre of the map) so every track stays drawable."""
    bad = ~np.isfinite(coords).all(axis=1)
    if not bad.any():
        return coords
    good_mean = coords[~bad].mean(axis=0) if (~bad).any() else np.zeros(coords.shape[1])
    for i in np.flatnonzero(bad):
        nb = [j for j in knn[0][i] if j != i and j >= 0 and not bad[j]] if knn else []
        coords[i] = coords[nb].mean(axis=0) if nb else good_mean
    _warn(messages, f"{int(bad.sum())} tracks had no neighbour left in the graph (far from all "
                    f"others); they are drawn at the mean of their nearest neighbours.")
    return coords


# ------------------------------------------------------------------------------------------
# The entry
# ------------------------------------------------------------------------------------------
def project(X, config: Optional[ProjectionConfig] = None, init=None, knn=None) -> Projection:
    """Map the tracks to 2-D or 3-D with UMAP or PCA.

    Parameters
    ----------
    X : float (n_tracks, d)
        Fused features, rows = tracks (e.g. :func:`core.fusion.fuse_concat`). Finite: rows with
        NaN or inf are rejected with their row numbers. Cast to float32.
    config : ProjectionConfig, optional
        Default ``ProjectionConfig()`` (2-D UMAP, 15 neighbours, seed 0).
    init : float (n_tracks, n_components), optional
        The previous map's coordinates. UMAP: a warm refresh that starts from them, in their
        frame, for ``config.warm_epochs`` epochs, so points move smoothly. PCA: the new map is
        rotated/reflected onto them (:func:`procrustes_align`). A shape that does not fit (other
        track count or dimension) is ignored with a warning and the layout starts fresh.
    knn : (indices int (n, k), distances float (n, k)), optional
        A neighbour graph to reuse (``Projection.knn`` of an earlier UMAP run on the same ``X``),
        column 0 the track itself, ``k >= n_neighbors``. Checked against ``X`` on a few rows and
        recomputed (with a warning) when stale, e.g. after a weight change. Ignored by PCA.

    Returns
    -------
    Projection
        ``coords`` float32 (n_tracks, n_components).

    Raises
    ------
    ParameterError
        A bad setting, a non-2-d ``X``, NaN/inf rows in ``X`` or ``init``.

    Notes
    -----
    Seeded UMAP is single-threaded (umap's rule for reproducibility); the same ``X``, config and
    ``init`` give the same coordinates. Three tracks or fewer give a trivial PCA layout with a
    warning; ``n_neighbors >= n_tracks`` is cut to ``n_tracks - 1`` with a warning.
    """
    t0 = time.perf_counter()
    with hot_path():  # one BLAS thread: spinning BLAS threads cost 10x on shared cores
        return _project(X, config, init, knn, t0)


def _project(X, config, init, knn, t0, quiet: bool = False) -> Projection:
    cfg = ProjectionConfig() if config is None else config
    check_param("project", "config", type(cfg).__name__, "a ProjectionConfig",
                isinstance(cfg, ProjectionConfig))
    validate_fields("ProjectionConfig", cfg, PROJECTION_CONSTRAINTS)
    X = _check_X(X)
    n = X.shape[0]
    messages = _Messages()
    messages.emit = not quiet
    init = _check_init(init, n, cfg.n_components, messages)

    if cfg.method == "pca" or n < MIN_UMAP_TRACKS:
        if n < MIN_UMAP_TRACKS:
            _warn(messages, f"Only {n} track{'s' if n != 1 else ''}: too few for a map; showing "
                            f"a trivial PCA layout.")
        coords, rank = _pca(X, cfg.n_components)
        if rank == 0 and n >= MIN_UMAP_TRACKS:
            _warn(messages, "All tracks have identical features: every point sits at the origin.")
        warm = init is not None and n >= 2
        if warm:
            coords = procrustes_align(coords, init)
        return _done(coords, "pca", messages, t0, warm=warm)

    k = int(cfg.n_neighbors)
    if n <= k:
        k = n - 1
        _warn(messages, f"n_neighbors={cfg.n_neighbors} is not below the {n} tracks; using "
                        f"n_neighbors={k}.")
    if np.ptp(X, axis=0).max() == 0:
        _warn(messages, "All tracks have identical features: every point sits at the origin.")
        return _done(np.zeros((n, cfg.n_components), np.float32), "umap", messages, t0,
                     warm=False, n_neighbors=k)
    if init is not None and np.ptp(init, axis=0).min() == 0:
        _warn(messages, "The previous map is flat along an axis; starting a fresh layout.")
        init = None

    knn = _check_knn(knn, X, k, cfg.metric, messages)
    if knn is None and n <= EXACT_KNN_MAX_TRACKS:
        knn = knn_graph(X, k, cfg.metric)
    coords, n_epochs, used_knn = _run_umap(X, cfg, k, init, knn, messages)
    coords = _fill_disconnected(coords, used_knn, messages)
    if init is not None:
        coords = _keep_size(coords, init)
    return _done(coords, "umap", messages, t0, warm=init is not None, n_neighbors=k,
                 n_epochs=n_epochs, knn=used_knn)


def _done(coords, method, messages, t0, **extra) -> Projection:
    coords = np.ascontiguousarray(coords, dtype=np.float32)
    coords.setflags(write=False)
    return Projection(coords=coords, method=method, warnings=list(messages),
                      seconds=time.perf_counter() - t0, **extra)


# ------------------------------------------------------------------------------------------
# JIT warm-up
# ------------------------------------------------------------------------------------------
_WARM_LOCK = threading.Lock()
_WARMED = {"done": False}


def warm_up() -> None:
    """Compile umap's numba kernels once, on tiny data (a cold and a warm 2-D fit of 60 points).

    Takes 3-4 s in a fresh process when numba's on-disk cache is filled (~15 s the very first
    time), nothing afterwards.
    Thread-safe and idempotent: call it at app start in a background thread; a :func:`project`
    running meanwhile simply waits for the same compilations.
    """
    with _WARM_LOCK:
        if _WARMED["done"]:
            return
        rng = np.random.default_rng(0)
        X = rng.normal(size=(60, 8)).astype(np.float32)
        X[30:] += 4.0
        cfg = ProjectionConfig(n_neighbors=10, n_epochs=20, warm_epochs=5)
        with hot_path():  # quiet: no warnings.catch_warnings here (process-wide, not thread-safe)
            first = _project(X, cfg, None, None, time.perf_counter(), quiet=True)
            _project(X, cfg, first.coords, first.knn, time.perf_counter(), quiet=True)
        _WARMED["done"] = True
