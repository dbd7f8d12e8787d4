"""Seeded Lloyd k-means in float32, the slider-loop algorithm: :class:`FusedKMeans` on a fused
matrix (``"concat"``) and :class:`WeightedKMeans` with per-track weighted distances (``"weighted"``).

Our own vectorised Lloyd iterations (sklearn's per-call overhead alone is close to the loop
budget), ``n_init=1`` with a fixed seed, and a warm start from the previous centres through
``init=``. A clustering with fewer distinct clusters than requested issues a
``ConvergenceWarning`` and still returns labels.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Optional

import numpy as np

from core.clustering.base import (
    _N_CLUSTERS,
    _SEED,
    _check_init,
    _check_n_clusters,
    _warn_collapsed,
)
from core.errors import check_param
from core.fusion import Embeddings, hot_path
from core.fusion.concat import _check_out, _fuse_concat_into
from core.fusion.weights import _check_weights, _effective
from core.params import Interval, validate_params

#: The k-means options (shared by the estimators and the ``"kmeans"`` entry of the registry).
_KMEANS_OPTIONS = {
    "n_init": [Interval(Integral, 1, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
}


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
    #: Checked in ``fit`` (``core.clustering._KMEANS_CONSTRAINTS`` is this table).
    _constraints = {"n_clusters": _N_CLUSTERS, "seed": _SEED, **_KMEANS_OPTIONS}

    def __init__(self, n_clusters=8, init="k-means++", n_init=1, max_iter=100, tol=0.0, seed=0):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed

    def _validate(self, n, dim):
        validate_params(self._owner, self._constraints, {
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
