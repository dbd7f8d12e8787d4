"""Clustering of fused tracks: seeded k-means (default), agglomerative, spectral, GMM, HDBSCAN.

Pipeline position: fusion -> **clustering** -> metrics.

One entry, :func:`cluster`, takes the :class:`~core.fusion.Embeddings` and the per-track audio
weights and returns a :class:`ClusterResult`. Three ways to fuse:

``"concat"``
    Any algorithm on the scaled concatenation ``[sqrt(w) * a, sqrt(1 - w) * l]``
    (:func:`core.fusion.fuse_concat`).
``"weighted"``
    k-means only: the per-track weighted-distance k-means of the design note
    (:class:`WeightedKMeans`). Track ``i``'s distance to centre ``c`` is
    ``w_i * |a_i - c_a|^2 + (1 - w_i) * |l_i - c_l|^2`` and each centre part is the
    weight-weighted mean of its members, so a track without lyrics adds nothing to any lyrics
    centre instead of pulling clusters toward a zero lyrics vector.
``"affinity"``
    Spectral, agglomerative (average linkage on ``1 - A``) and HDBSCAN (on ``1 - A``) on the
    mixed kNN affinity of :func:`core.fusion.fuse_affinity`.

k-means is the slider-loop algorithm: float32, our own vectorised Lloyd iterations (sklearn's
per-call overhead alone is close to the loop budget), ``n_init=1`` with a fixed seed, and a warm
start from the previous centres through ``init=``. A clustering with fewer distinct clusters than
requested issues a ``ConvergenceWarning`` (its message is also in ``ClusterResult.warnings``)
and still returns labels. HDBSCAN labels noise ``-1``; ``core.metrics`` treats noise as a
cluster of its own and says so.

Parameters are declared as data (:data:`SHARED_CONSTRAINTS`, extended per algorithm in
:data:`CLUSTER_CONSTRAINTS`) and checked once at the entry.

One class an algorithm (:mod:`core.clustering.algorithms`, interface in
:class:`~core.clustering.base.ClusterAlgorithm`): each declares its name, the fusions it takes,
its options with their constraints and defaults, and how it fits the fused matrix and/or the
affinity. This module lists them in :data:`REGISTRY`, derives the tables the app and the checks
read (:data:`ALGORITHMS`, :data:`ALGORITHM_FUSIONS`, :data:`CLUSTER_CONSTRAINTS`,
:data:`DEFAULT_OPTIONS`) and holds the one entry, :func:`cluster`. Adding an algorithm is
adding a class to :data:`REGISTRY`. The k-means estimators live in :mod:`core.clustering.kmeans`.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from core.clustering.algorithms import HDBSCAN, Agglomerative, GaussianMixture, KMeans, Spectral
from core.clustering.base import _N_CLUSTERS, _SEED, FUSIONS, ClusterAlgorithm, _check_n_clusters
from core.clustering.kmeans import FusedKMeans, WeightedKMeans
from core.clustering.result import ClusterResult
from core.errors import check_param
from core.fusion import Embeddings, ModalityGraphs
from core.fusion.weights import _check_weights
from core.params import StrOptions, validate_params

__all__ = [
    "ALGORITHMS",
    "FUSIONS",
    "SHARED_CONSTRAINTS",
    "CLUSTER_CONSTRAINTS",
    "ClusterResult",
    "FusedKMeans",
    "WeightedKMeans",
    "cluster",
]

#: The algorithms :func:`cluster` knows, by name, in menu order.
REGISTRY: dict[str, type[ClusterAlgorithm]] = {
    cls.name: cls for cls in (KMeans, Agglomerative, Spectral, GaussianMixture, HDBSCAN)}

ALGORITHMS = tuple(REGISTRY)
#: Which fusions each algorithm takes, the first being its default (the app's menus and the
#: experiment configs read this one table).
ALGORITHM_FUSIONS = {name: cls.fusions for name, cls in REGISTRY.items()}

#: Keys every algorithm accepts through :func:`cluster`.
SHARED_CONSTRAINTS = {
    "algorithm": [StrOptions(ALGORITHMS)],
    "n_clusters": _N_CLUSTERS,
    "seed": _SEED,
    "fusion": [StrOptions(FUSIONS)],
}

#: Per algorithm: the shared keys, with ``fusion`` narrowed, plus the algorithm's own options.
CLUSTER_CONSTRAINTS = {
    name: {**SHARED_CONSTRAINTS, "fusion": [StrOptions(set(cls.fusions))], **cls.options}
    for name, cls in REGISTRY.items()}

#: Defaults of the per-algorithm options.
DEFAULT_OPTIONS = {name: dict(cls.defaults) for name, cls in REGISTRY.items()}

#: Constraints of :class:`FusedKMeans` and :class:`WeightedKMeans` (checked in ``fit``): the
#: k-means entries of :data:`CLUSTER_CONSTRAINTS` that the estimators take.
_KMEANS_CONSTRAINTS = FusedKMeans._constraints


def _validate_cluster_call(algorithm, params, options):
    validate_params("cluster", {"algorithm": SHARED_CONSTRAINTS["algorithm"]},
                    {"algorithm": algorithm})
    owner = f"cluster(algorithm={algorithm!r})"
    opts = {**DEFAULT_OPTIONS[algorithm], **options}
    validate_params(owner, CLUSTER_CONSTRAINTS[algorithm], {**params, **options})
    return owner, opts


def cluster(emb: Embeddings, w, algorithm: str = "kmeans", n_clusters: int = 8, seed: int = 0,
            fusion: str = "concat", init=None, *, graphs: Optional[ModalityGraphs] = None,
            out: Optional[np.ndarray] = None, **options) -> ClusterResult:
    """Cluster tracks from their embeddings and per-track audio weights.

    Parameters
    ----------
    emb : Embeddings
        Both modalities at width ``d`` (:class:`core.fusion.ModalityReducer`).
    w : float (n,)
        Audio weight per track in [0, 1] (from ``core.rules``); missing modalities enforced.
    algorithm : {"kmeans", "agglomerative", "spectral", "gmm", "hdbscan"}, default "kmeans"
    n_clusters : int, default 8
        At most the number of tracks. Ignored by HDBSCAN, which finds its own number.
    seed : int, default 0
        Every random choice (k-means++ seeding, spectral eigensolver, GMM init) uses it.
    fusion : {"concat", "weighted", "affinity"}, default "concat"
        "weighted" is k-means only; "affinity" is for spectral, agglomerative and HDBSCAN;
        GMM takes "concat" only.
    init : None, "k-means++" or float (n_clusters, 2 * d) array
        k-means and GMM: centres (means) to warm-start from, e.g. ``previous.centers``.
    graphs : ModalityGraphs, optional
        Prebuilt kNN graphs for ``fusion="affinity"`` (reuse across slider moves).
    out : float32 (n, 2 * d), optional
        Buffer for the fused matrix (``"concat"``, ``"weighted"``); reuse across slider moves.
    **options
        Per-algorithm options, declared in :data:`CLUSTER_CONSTRAINTS` with defaults in
        :data:`DEFAULT_OPTIONS`: k-means ``n_init``, ``max_iter``, ``tol``; agglomerative
        ``linkage`` (default "ward" for concat, "average" for affinity), ``n_neighbors``;
        spectral ``n_neighbors``; GMM ``covariance_type`` (default "diag"), ``max_iter``,
        ``reg_covar``; HDBSCAN ``min_cluster_size``, ``min_samples``, ``n_neighbors``.

    Returns
    -------
    ClusterResult

    Raises
    ------
    ParameterError
        A parameter outside its declared constraint, a fusion the algorithm does not take,
        or ``n_clusters`` larger than the number of tracks (the message names both).

    Warns
    -----
    ConvergenceWarning
        Fewer distinct clusters than requested (labels are still returned); warnings raised by
        scikit-learn while fitting are re-issued and listed in ``ClusterResult.warnings``.
    """
    check_param("cluster", "emb", type(emb).__name__, "an Embeddings instance",
                isinstance(emb, Embeddings))
    params = {"algorithm": algorithm, "n_clusters": n_clusters, "seed": seed, "fusion": fusion}
    owner, opts = _validate_cluster_call(algorithm, params, options)
    algo = REGISTRY[algorithm]
    n = emb.n_tracks
    w = _check_weights(owner, w, n)
    if not algo.finds_k:
        _check_n_clusters(owner, n_clusters, n)
    if init is not None and not algo.takes_init:
        check_param(owner, "init", init if isinstance(init, str) else
                    f"array of shape {np.shape(init)}", "None (only k-means and GMM take init)",
                    False)
    estimator = algo(n_clusters=n_clusters, seed=seed, fusion=fusion, owner=owner, **opts)
    return estimator.fit(emb, w, init=init, graphs=graphs, out=out)
