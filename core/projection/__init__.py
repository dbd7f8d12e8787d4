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
start, in a background thread; :func:`is_warm` says (without waiting) whether it has finished.

Modules: ``config`` (settings and result), ``checks`` (inputs and warnings), ``knn`` (exact
neighbour graph), ``pca`` (PCA and the Procrustes warm start), ``umap_layout`` (umap cold fit
and warm refresh), ``entry`` (:func:`project` and :func:`warm_up`).

BLAS runs on one thread inside :func:`project` (:func:`core.fusion.hot_path`): the products
here are small, and spinning BLAS threads on shared cores made the neighbour search and PCA up
to 10x slower.
"""

from __future__ import annotations

from core.projection.config import (
    EXACT_KNN_MAX_TRACKS,
    METHODS,
    METRICS,
    MIN_UMAP_TRACKS,  # noqa: F401  (public constant, not in __all__, as before)
    Projection,
    ProjectionConfig,
)
from core.projection.entry import is_warm, project, warm_up
from core.projection.knn import knn_graph
from core.projection.pca import procrustes_align

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
    "is_warm",
]

#: Constraints of :class:`ProjectionConfig` (checked by :func:`project`).
PROJECTION_CONSTRAINTS = ProjectionConfig._constraints
