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
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Optional

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from core.errors import ParameterError, check_param
from core.fusion import (
    Embeddings,
    ModalityGraphs,
    _check_weights,
    _effective,
    _fuse_concat_into,
    affinity_to_distance,
    build_graphs,
    fuse_affinity,
    hot_path,
)
from core.params import Interval, StrOptions, validate_params

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

ALGORITHMS = ("kmeans", "agglomerative", "spectral", "gmm", "hdbscan")
FUSIONS = ("concat", "weighted", "affinity")
#: Which fusions each algorithm takes, the first being its default (the app's menus and the
#: experiment configs read this one table).
ALGORITHM_FUSIONS = {
    "kmeans": ("concat", "weighted"),
    "agglomerative": ("concat", "affinity"),
    "spectral": ("concat", "affinity"),
    "gmm": ("concat",),
    "hdbscan": ("concat", "affinity"),
}

_SEED = [Interval(Integral, 0, 2**32 - 1, closed="both")]
_N_CLUSTERS = [Interval(Integral, 1, None, closed="left")]
_N_NEIGHBORS = [Interval(Integral, 2, None, closed="left")]

#: Keys every algorithm accepts through :func:`cluster`.
SHARED_CONSTRAINTS = {
    "algorithm": [StrOptions(ALGORITHMS)],
    "n_clusters": _N_CLUSTERS,
    "seed": _SEED,
    "fusion": [StrOptions(FUSIONS)],
}

#: Per algorithm: the shared keys, with ``fusion`` narrowed, plus the algorithm's own options.
CLUSTER_CONSTRAINTS = {
    "kmeans": {
        **SHARED_CONSTRAINTS,
        "fusion": [StrOptions({"concat", "weighted"})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    },
    "agglomerative": {
        **SHARED_CONSTRAINTS,
        "fusion": [StrOptions({"concat", "affinity"})],
        "linkage": [StrOptions({"ward", "average", "complete", "single"}), None],
        "n_neighbors": _N_NEIGHBORS,
    },
    "spectral": {
        **SHARED_CONSTRAINTS,
        "fusion": [StrOptions({"concat", "affinity"})],
        "n_neighbors": _N_NEIGHBORS,
    },
    "gmm": {
        **SHARED_CONSTRAINTS,
        "fusion": [StrOptions({"concat"})],
        "covariance_type": [StrOptions({"full", "tied", "diag", "spherical"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "reg_covar": [Interval(Real, 0, None, closed="neither")],
    },
    "hdbscan": {
        **SHARED_CONSTRAINTS,
        "fusion": [StrOptions({"concat", "affinity"})],
        "min_cluster_size": [Interval(Integral, 2, None, closed="left")],
        "min_samples": [Interval(Integral, 1, None, closed="left"), None],
        "n_neighbors": _N_NEIGHBORS,
    },
}

#: Defaults of the per-algorithm options.
DEFAULT_OPTIONS = {
    "kmeans": {"n_init": 1, "max_iter": 100, "tol": 0.0},
    "agglomerative": {"linkage": None, "n_neighbors": 15},
    "spectral": {"n_neighbors": 15},
    "gmm": {"covariance_type": "diag", "max_iter": 100, "reg_covar": 1e-4},
    "hdbscan": {"min_cluster_size": 5, "min_samples": None, "n_neighbors": 15},
}


@dataclass(frozen=True, eq=False)
class ClusterResult:
    """What :func:`cluster` found.

    Attributes
    ----------
    labels : int64 (n,)
        Cluster of every track, ``0 .. k-1``; HDBSCAN marks noise ``-1``.
    centers : float32 (k, 2 * d) or None
        k-means: centres in the fused space, layout ``[audio part | lyrics part]`` (for
        ``"concat"`` the scaled space, for ``"weighted"`` the raw unit space); GMM: means.
        Pass them back as ``init=`` to warm-start the next call. None for the other algorithms.
    n_iter : int
        Iterations run (k-means, GMM); 0 where the algorithm has none.
    warnings : list of str
        Warnings raised while clustering (also issued through :mod:`warnings`).
    algorithm, fusion : str
    n_clusters : int
        Clusters requested (HDBSCAN ignores it).
    inertia : float
        k-means objective (sum of per-track distances to their centre); NaN otherwise.
    """

    labels: np.ndarray
    centers: Optional[np.ndarray]
    n_iter: int
    warnings: list = field(default_factory=list)
    algorithm: str = "kmeans"
    fusion: str = "concat"
    n_clusters: int = 8
    inertia: float = float("nan")

    @property
    def n_found(self) -> int:
        """Distinct clusters found, noise excluded."""
        return int(np.unique(self.labels[self.labels >= 0]).size)

    @property
    def n_noise(self) -> int:
        """Tracks labelled noise (-1)."""
        return int(np.count_nonzero(self.labels < 0))


# ------------------------------------------------------------------------------------------
# Lloyd iterations shared by the two k-means flavours
# ------------------------------------------------------------------------------------------
def _scores(xw, r, blocks, centers):
    """Distances up to a per-row constant, float32 (n, k).

    ``xw`` rows are the data times their block weights, ``r`` (n, B) the block weights (None:
    one block of weight 1). Returns ``sum_b r_ib |c_b|^2 - 2 xw_i . c``.
    """
    s = xw @ centers.T
    s *= np.float32(-2.0)
    if r is None:
        s += np.einsum("kj,kj->k", centers, centers)[None, :]
    else:
        cn = np.stack([np.einsum("kj,kj->k", centers[:, b], centers[:, b]) for b in blocks])
        s += r @ cn
    return s


def _update(xw, r, blocks, labels, centers, k):
    """Centre of every block: weighted mean of its members; keeps the old block if no weight."""
    n = xw.shape[0]
    onehot = np.zeros((k, n), np.float32)
    onehot[labels, np.arange(n)] = 1.0
    sums = onehot @ xw
    den = onehot.sum(axis=1, keepdims=True) if r is None else onehot @ r
    new = centers.copy()
    for bi, b in enumerate(blocks):
        d = den[:, bi:bi + 1]
        np.divide(sums[:, b], d, out=new[:, b], where=d > 0)
    return new, onehot.sum(axis=1)


def _relocate_empty(labels, true_dist, counts, k):
    """Move the farthest points of clusters with >1 member into empty clusters (in place).

    Returns the number of clusters still empty (no point left with a positive distance).
    """
    empty = np.flatnonzero(counts == 0)
    if not len(empty):
        return 0
    counts = counts.astype(np.int64)
    for c in empty:
        order = np.argsort(-true_dist, kind="stable")
        for i in order:
            if true_dist[i] <= 1e-12:
                break
            if counts[labels[i]] > 1:
                counts[labels[i]] -= 1
                labels[i] = c
                counts[c] += 1
                true_dist[i] = 0.0
                break
    return int(np.count_nonzero(counts == 0))


def _lloyd(xw, r, blocks, row_const, centers, max_iter, tol):
    """Vectorised Lloyd k-means on float32 data; returns labels, centers, inertia, n_iter.

    Stops when the labels no longer change, when the squared centre shift is <= ``tol``, or
    after ``max_iter`` update steps. Empty clusters take the farthest point of a cluster with
    more than one member; if no such point exists the cluster stays empty (collapsed).
    """
    k = centers.shape[0]
    centers = np.ascontiguousarray(centers, dtype=np.float32).copy()
    s = _scores(xw, r, blocks, centers)
    labels = s.argmin(axis=1)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        counts = np.bincount(labels, minlength=k)
        if (counts == 0).any():
            true_dist = row_const + s[np.arange(len(labels)), labels]
            _relocate_empty(labels, true_dist, counts, k)
        new_centers, _ = _update(xw, r, blocks, labels, centers, k)
        shift = float(np.sum((new_centers - centers) ** 2))
        centers = new_centers
        s = _scores(xw, r, blocks, centers)
        new_labels = s.argmin(axis=1)
        same = np.array_equal(new_labels, labels)
        labels = new_labels
        if same or shift <= tol:
            break
    best = s[np.arange(len(labels)), labels]
    inertia = float(np.sum(np.maximum(row_const + best, 0.0), dtype=np.float64))
    return labels.astype(np.int64), centers, inertia, n_iter


def _check_init(owner, init, k, dim):
    if init is None or (isinstance(init, str) and init == "k-means++"):
        return None
    if isinstance(init, str):
        check_param(owner, "init", init, "'k-means++', None or an array of centres", False)
    arr = np.asarray(init)
    check_param(owner, "init", f"array of shape {arr.shape}",
                f"an array of centres of shape ({k}, {dim})",
                arr.ndim == 2 and arr.shape == (k, dim))
    check_param(owner, "init", "an array with non-finite values", "finite",
                bool(np.isfinite(arr).all()))
    return arr.astype(np.float32)


def _warn_collapsed(found, k, messages, stacklevel=4):
    if found < k:
        msg = (f"Number of distinct clusters ({found}) found smaller than n_clusters ({k}). "
               "Possibly due to duplicate points or too few tracks with usable data.")
        messages.append(msg)
        warnings.warn(msg, ConvergenceWarning, stacklevel=stacklevel)


def _check_n_clusters(owner, k, n):
    if k > n:
        raise ParameterError(
            f"The 'n_clusters' parameter of {owner} must be at most the number of tracks "
            f"(n_tracks={n}). Got n_clusters={k} instead.")


#: Constraints of :class:`FusedKMeans` and :class:`WeightedKMeans` (checked in ``fit``): the
#: k-means entries of :data:`CLUSTER_CONSTRAINTS` that the estimators take.
_KMEANS_CONSTRAINTS = {k: v for k, v in CLUSTER_CONSTRAINTS["kmeans"].items()
                       if k in ("n_clusters", "seed", "n_init", "max_iter", "tol")}


class FusedKMeans:
    """Seeded Lloyd k-means on a fused float32 matrix (the ``"concat"`` flavour).

    Parameters
    ----------
    n_clusters : int, default 8
    init : "k-means++", or float (n_clusters, D) array
        An array warm-starts from those centres (then one run, whatever ``n_init``).
    n_init : int, default 1
        Seeded k-means++ restarts; the lowest inertia wins.
    max_iter : int, default 100
    tol : float, default 0.0
        Stop when the summed squared centre shift is at most ``tol`` (rows have unit
        length, so this is on an absolute scale); 0 means "until the labels stop changing".
    seed : int, default 0

    Attributes
    ----------
    labels_ : int64 (n,)
    cluster_centers_ : float32 (n_clusters, D)
    inertia_ : float
    n_iter_ : int
    warnings_ : list of str
    """

    _owner = "FusedKMeans"

    def __init__(self, n_clusters=8, init="k-means++", n_init=1, max_iter=100, tol=0.0, seed=0):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed

    def _validate(self, n, dim):
        validate_params(self._owner, _KMEANS_CONSTRAINTS, {
            "n_clusters": self.n_clusters, "seed": self.seed, "n_init": self.n_init,
            "max_iter": self.max_iter, "tol": self.tol})
        _check_n_clusters(self._owner, self.n_clusters, n)
        return _check_init(self._owner, self.init, self.n_clusters, dim)

    def _run(self, xw, r, blocks, row_const, x_seed, init, raw_for_init):
        k = self.n_clusters
        if init is not None:
            runs = [init]
        else:
            from sklearn.cluster import kmeans_plusplus

            rng = np.random.RandomState(self.seed)
            seeds = [self.seed] if self.n_init == 1 else rng.randint(0, 2**31 - 1, self.n_init)
            runs = []
            for s in seeds:
                _, idx = kmeans_plusplus(x_seed, k, random_state=int(s))
                runs.append(raw_for_init[idx])
        best = None
        with hot_path():
            for c0 in runs:
                res = _lloyd(xw, r, blocks, row_const, c0, self.max_iter, self.tol)
                if best is None or res[2] < best[2]:
                    best = res
        self.labels_, self.cluster_centers_, self.inertia_, self.n_iter_ = best
        self.warnings_ = []
        _warn_collapsed(int(np.count_nonzero(np.bincount(self.labels_, minlength=k))), k,
                        self.warnings_)
        return self

    def fit(self, X) -> "FusedKMeans":
        """Cluster the rows of ``X`` float (n, D); converted to float32."""
        X = np.asarray(X)
        check_param(self._owner, "X", f"array of shape {X.shape}", "a 2-d array (n, D)",
                    X.ndim == 2)
        X = np.ascontiguousarray(X, dtype=np.float32)
        init = self._validate(X.shape[0], X.shape[1])
        row_const = np.einsum("ij,ij->i", X, X)
        return self._run(X, None, [slice(0, X.shape[1])], row_const, X, init, X)


class WeightedKMeans(FusedKMeans):
    """Per-track weighted-distance k-means (the ``"weighted"`` flavour).

    Track ``i``'s distance to centre ``c = [c_a, c_l]`` is
    ``w_i * |a_i - c_a|^2 + (1 - w_i) * |l_i - c_l|^2``; the audio part of a centre is the
    ``w``-weighted mean of its members' audio rows and the lyrics part the ``(1 - w)``-weighted
    mean of their lyrics rows. Missing modalities are enforced
    (:func:`core.fusion.effective_weights`), so a track without lyrics never moves a lyrics
    centre. A centre part with no weight at all keeps its previous value. k-means++ seeding runs
    on the scaled concatenation.

    Parameters and attributes as :class:`FusedKMeans`; ``cluster_centers_`` is float32
    (n_clusters, 2 * d) in the unit (unscaled) space, layout ``[c_a | c_l]``.
    """

    _owner = "WeightedKMeans"

    def fit(self, emb: Embeddings, w, out: Optional[np.ndarray] = None) -> "WeightedKMeans":
        """Cluster tracks of ``emb`` with audio weights ``w`` float (n,) in [0, 1].

        ``out`` float32 (n, 2 * d): optional buffer for the design matrix.
        """
        n, d = emb.n_tracks, emb.width
        w = _check_weights(self._owner, w, n)
        init = self._validate(n, 2 * d)
        w_eff = _effective(emb, w)
        xw = _check_out(self._owner, out, n, 2 * d)
        np.multiply(emb.audio, w_eff[:, None], out=xw[:, :d])
        np.multiply(emb.lyrics, (np.float32(1.0) - w_eff)[:, None], out=xw[:, d:])
        r = np.empty((n, 2), np.float32)
        r[:, 0] = w_eff
        r[:, 1] = 1.0 - w_eff
        row_const = (w_eff * np.einsum("ij,ij->i", emb.audio, emb.audio)
                     + r[:, 1] * np.einsum("ij,ij->i", emb.lyrics, emb.lyrics))
        raw = x_seed = None
        if init is None:
            raw = np.hstack([emb.audio, emb.lyrics])
            x_seed = _fuse_concat_into(emb.audio, emb.lyrics, w_eff,
                                       np.empty((n, 2 * d), np.float32))
        return self._run(xw, r, [slice(0, d), slice(d, 2 * d)], row_const, x_seed, init, raw)


# ------------------------------------------------------------------------------------------
# The one entry
# ------------------------------------------------------------------------------------------
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
    n, d = emb.n_tracks, emb.width
    w = _check_weights(owner, w, n)
    if algorithm != "hdbscan":
        _check_n_clusters(owner, n_clusters, n)
    if init is not None and algorithm not in ("kmeans", "gmm"):
        check_param(owner, "init", init if isinstance(init, str) else
                    f"array of shape {np.shape(init)}", "None (only k-means and GMM take init)",
                    False)

    messages: list = []
    common = dict(algorithm=algorithm, fusion=fusion, n_clusters=n_clusters)

    if algorithm == "kmeans":
        est_cls = WeightedKMeans if fusion == "weighted" else FusedKMeans
        est = est_cls(n_clusters=n_clusters, init="k-means++" if init is None else init,
                      n_init=opts["n_init"], max_iter=opts["max_iter"], tol=opts["tol"], seed=seed)
        est._owner = owner
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if fusion == "weighted":
                est.fit(emb, w, out=out)
            else:
                est.fit(_fused(emb, w, out))
        _reissue(caught, messages)
        return ClusterResult(labels=est.labels_, centers=est.cluster_centers_,
                             n_iter=int(est.n_iter_), warnings=messages,
                             inertia=float(est.inertia_), **common)

    # Trivial partitions: one cluster, or one cluster per track (spectral's eigensolver and
    # HDBSCAN need at least two tracks and fewer clusters than tracks).
    if algorithm != "hdbscan" and (n_clusters == 1 or n_clusters == n):
        labels = np.zeros(n, np.int64) if n_clusters == 1 else np.arange(n, dtype=np.int64)
        centers = None
        if algorithm == "gmm":
            X = _fused(emb, w, out)
            centers = (X.mean(axis=0, keepdims=True) if n_clusters == 1 else X.copy())
        return ClusterResult(labels=labels, centers=centers, n_iter=0, warnings=messages, **common)
    if algorithm == "hdbscan" and n < 2:
        msg = "HDBSCAN needs at least two tracks: every track is labelled noise (-1)."
        messages.append(msg)
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        return ClusterResult(labels=np.full(n, -1, np.int64), centers=None, n_iter=0,
                             warnings=messages, **common)

    centers, n_iter = None, 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if fusion == "affinity":
            if graphs is None:
                graphs = build_graphs(emb, n_neighbors=opts["n_neighbors"])
            affinity = fuse_affinity(emb, w, graphs=graphs)
        else:
            X = _fused(emb, w, out)

        if algorithm == "agglomerative":
            from sklearn.cluster import AgglomerativeClustering

            linkage = opts["linkage"] or ("average" if fusion == "affinity" else "ward")
            if fusion == "affinity":
                check_param(owner, "linkage", linkage,
                            "'average', 'complete' or 'single' with fusion 'affinity'",
                            linkage != "ward")
                model = AgglomerativeClustering(n_clusters=n_clusters, metric="precomputed",
                                                linkage=linkage)
                labels = model.fit_predict(affinity_to_distance(affinity))
            else:
                model = AgglomerativeClustering(n_clusters=n_clusters, linkage=linkage)
                labels = model.fit_predict(X)

        elif algorithm == "spectral":
            from sklearn.cluster import SpectralClustering

            if fusion == "affinity":
                model = SpectralClustering(n_clusters=n_clusters, affinity="precomputed",
                                           random_state=seed, assign_labels="cluster_qr")
                labels = model.fit_predict(affinity.astype(np.float64))
            else:
                model = SpectralClustering(n_clusters=n_clusters, affinity="nearest_neighbors",
                                           n_neighbors=min(opts["n_neighbors"], n - 1),
                                           random_state=seed, assign_labels="cluster_qr")
                labels = model.fit_predict(X)

        elif algorithm == "gmm":
            from sklearn.mixture import GaussianMixture

            means_init = _check_init(owner, init, n_clusters, 2 * d)
            model = GaussianMixture(n_components=n_clusters,
                                    covariance_type=opts["covariance_type"],
                                    max_iter=opts["max_iter"], reg_covar=opts["reg_covar"],
                                    means_init=means_init, random_state=seed)
            labels = model.fit(X).predict(X)
            centers = model.means_.astype(np.float32)
            n_iter = int(model.n_iter_)

        else:  # hdbscan
            from sklearn.cluster import HDBSCAN

            mcs = min(opts["min_cluster_size"], max(n, 2))
            ms = opts["min_samples"]
            ms = min(ms if ms is not None else mcs, max(n - 1, 1))
            if fusion == "affinity":
                model = HDBSCAN(min_cluster_size=mcs, min_samples=ms, metric="precomputed",
                                copy=True)
                labels = model.fit_predict(affinity_to_distance(affinity))
            else:
                model = HDBSCAN(min_cluster_size=mcs, min_samples=ms, copy=True)
                labels = model.fit_predict(X)
    _reissue(caught, messages)

    labels = np.asarray(labels, dtype=np.int64)
    if algorithm == "hdbscan":
        if not (labels >= 0).any():
            msg = ("HDBSCAN found no cluster: every track is labelled noise (-1). Try a smaller "
                   "'min_cluster_size'.")
            messages.append(msg)
            warnings.warn(msg, ConvergenceWarning, stacklevel=2)
    else:
        _warn_collapsed(int(np.unique(labels).size), n_clusters, messages, stacklevel=3)
    return ClusterResult(labels=labels, centers=centers, n_iter=n_iter, warnings=messages,
                         **common)


def _check_out(owner: str, out, n: int, dim: int) -> np.ndarray:
    """A caller's buffer for the fused matrix, checked; or a new one."""
    if out is None:
        return np.empty((n, dim), np.float32)
    check_param(owner, "out", f"array of shape {getattr(out, 'shape', None)} and dtype "
                f"{getattr(out, 'dtype', None)}",
                f"a C-contiguous float32 array of shape ({n}, {dim})",
                isinstance(out, np.ndarray) and out.shape == (n, dim)
                and out.dtype == np.float32 and out.flags.c_contiguous)
    return out


def _fused(emb: Embeddings, w: np.ndarray, out: Optional[np.ndarray]) -> np.ndarray:
    out = _check_out("cluster", out, emb.n_tracks, 2 * emb.width)
    return _fuse_concat_into(emb.audio, emb.lyrics, _effective(emb, w), out)


def _reissue(caught, messages):
    """Re-issue warnings recorded while fitting, once each, and keep their messages."""
    seen = set()
    for c in caught:
        text = str(c.message)
        if text in seen:
            continue
        seen.add(text)
        messages.append(text)
        warnings.warn_explicit(c.message, c.category, c.filename, c.lineno)
