"""Internal scores: silhouette, Calinski-Harabasz and Davies-Bouldin in one fixed space.

Pipeline position: clustering -> **metrics** -> views and ablations (always; no labels needed).

Distances are Euclidean in the space given (the reference space and each modality's embedding
have unit rows, so distances there lie in [0, 2]). Silhouette is in [-1, 1] (higher is better), Calinski-Harabasz is a
variance ratio >= 0 (higher is better), Davies-Bouldin >= 0 (lower is better); all NaN with
fewer than 3 tracks, fewer than 2 clusters or as many clusters as tracks. Noise (``-1``) counts
as a cluster. Silhouette is O(m^2): above ``sample_size`` tracks it uses a fixed seeded
subsample, and says so. :class:`InternalScorer` precomputes the space's float64 copy and the
subsample's distances once; :func:`internal_metrics` scores once.

:func:`reference_space` is the equal-weight fused space (:data:`REFERENCE_SPACE`), one space
for every weighting; the experiments score per modality instead (:mod:`core.metrics.neutral`).
Settings are declared in :data:`METRIC_CONSTRAINTS`.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from core.errors import check_param
from core.fusion.blas import hot_path
from core.fusion.concat import _fuse_concat_into
from core.fusion.embeddings import Embeddings
from core.fusion.weights import _effective
from core.metrics.labels import _encode_int, _RemembersLastPartition
from core.params import Interval, validate_params

__all__ = ["REFERENCE_SPACE", "METRIC_CONSTRAINTS", "INTERNAL_KEYS", "reference_space",
           "InternalScorer", "internal_metrics"]

#: Name of the space internal metrics are computed in (returned as ``"space"``).
REFERENCE_SPACE = ("equal-weight fused space [a/sqrt2, l/sqrt2] "
                   "(tracks with one usable modality: that modality at unit length)")

#: Constraints of :func:`internal_metrics` / :class:`InternalScorer`.
METRIC_CONSTRAINTS = {
    "sample_size": [Interval(Integral, 3, None, closed="left")],
    "seed": [Interval(Integral, 0, 2**32 - 1, closed="both")],
}

_NAN = float("nan")
INTERNAL_KEYS = ("silhouette", "calinski_harabasz", "davies_bouldin")


def reference_space(emb: Embeddings) -> np.ndarray:
    """The fixed space internal metrics are computed in (see :data:`REFERENCE_SPACE`).

    Returns
    -------
    float32 (n, 2 * d)
        ``fuse_concat(emb, 0.5)``: unit rows ``[a, l] / sqrt(2)``; ``[a, 0]`` where lyrics are
        missing, ``[0, l]`` where audio is missing.
    """
    n, d = emb.n_tracks, emb.width
    w = _effective(emb, np.full(n, 0.5, np.float32))
    return _fuse_concat_into(emb.audio, emb.lyrics, w, np.empty((n, 2 * d), np.float32))


class InternalScorer(_RemembersLastPartition):
    """Silhouette, Calinski-Harabasz and Davies-Bouldin in one fixed space, for many labelings.

    The space does not change between slider moves, so its float64 copy, row norms and the
    silhouette subsample's distance matrix are computed once here; a call with the same labels
    as the previous one returns the previous result.

    Parameters
    ----------
    X_ref : float (n, D)
        Usually :func:`reference_space` of the embeddings.
    sample_size : int, default 2000
        Silhouette uses every track up to this many, else a fixed seeded subsample of this size.
    seed : int, default 0
        Seed of the subsample.
    space : str
        Name reported as ``"space"``.

    Attributes
    ----------
    sample_ : int64 (m,)
        Rows the silhouette uses (sorted).
    """

    def __init__(self, X_ref, sample_size: int = 2000, seed: int = 0,
                 space: str = REFERENCE_SPACE):
        validate_params("InternalScorer", METRIC_CONSTRAINTS,
                        {"sample_size": sample_size, "seed": seed})
        X = np.asarray(X_ref)
        check_param("InternalScorer", "X_ref", f"array of shape {X.shape}",
                    "a 2-d array (n_tracks, n_dims)", X.ndim == 2)
        check_param("InternalScorer", "X_ref", "an array with non-finite values", "finite",
                    bool(np.isfinite(X).all()))
        self.space = space
        self.sample_size = sample_size
        self.seed = seed
        self.X64_ = np.ascontiguousarray(X, dtype=np.float64)
        self.n_tracks_ = X.shape[0]
        self.sq_norms_ = np.einsum("ij,ij->i", self.X64_, self.X64_)
        self.mean_ = self.X64_.mean(axis=0) if self.n_tracks_ else np.zeros(X.shape[1])
        n = self.n_tracks_
        if n > sample_size:
            rng = np.random.default_rng(seed)
            self.sample_ = np.sort(rng.choice(n, sample_size, replace=False))
        else:
            self.sample_ = np.arange(n)
        xs = self.X64_[self.sample_]
        sq = self.sq_norms_[self.sample_]
        d2 = sq[:, None] + sq[None, :] - 2.0 * (xs @ xs.T)
        np.maximum(d2, 0.0, out=d2)
        dist = np.sqrt(d2)
        np.fill_diagonal(dist, 0.0)
        self.dist_ = dist.astype(np.float32)
        self._last = None  # (labels, result) of the previous call

    @property
    def subsampled(self) -> bool:
        return len(self.sample_) < self.n_tracks_

    def __call__(self, labels) -> dict:
        """Internal scores of ``labels`` int (n,); -1 (noise) counts as a cluster.

        Returns
        -------
        dict
            ``silhouette`` in [-1, 1] (higher is better), ``calinski_harabasz`` >= 0 (higher
            is better), ``davies_bouldin`` >= 0 (lower is better), NaN in degenerate cases;
            ``space`` (name), ``silhouette_sample_size``, ``silhouette_subsampled``,
            ``n_clusters`` (noise included), ``n_noise``, ``noise_as_cluster``.
        """
        lab = self._check_partition("InternalScorer", "labels", labels)
        again = self._repeat(lab)
        if again is not None:
            return again
        n = self.n_tracks_
        uniq, codes = _encode_int(lab)
        k = len(uniq)
        n_noise = int(np.count_nonzero(lab < 0))
        out = {"space": self.space, "silhouette_sample_size": int(len(self.sample_)),
               "silhouette_subsampled": self.subsampled, "n_clusters": int(k),
               "n_noise": n_noise, "noise_as_cluster": bool(n_noise > 0)}
        if n < 3 or k < 2 or k > n - 1:
            out.update({key: _NAN for key in INTERNAL_KEYS})
        else:
            with hot_path():
                out["silhouette"] = self._silhouette(codes[self.sample_])
                out.update(self._ch_db(codes, k))
        out = {**{key: out[key] for key in INTERNAL_KEYS}, **out}
        self._last = (lab.copy(), out)
        return dict(out)

    def _silhouette(self, codes: np.ndarray) -> float:
        m = len(codes)
        uniq, codes = _encode_int(codes)
        k = len(uniq)
        if m < 3 or k < 2 or k > m - 1:
            return _NAN
        onehot = np.zeros((m, k), np.float32)
        onehot[np.arange(m), codes] = 1.0
        sums = (self.dist_ @ onehot).astype(np.float64)  # (m, k) summed distances per cluster
        counts = np.bincount(codes, minlength=k).astype(np.float64)
        own = counts[codes]
        a = sums[np.arange(m), codes] / np.maximum(own - 1.0, 1.0)
        mean_other = sums / counts[None, :]
        mean_other[np.arange(m), codes] = np.inf
        b = mean_other.min(axis=1)
        denom = np.maximum(a, b)
        s = np.where((own > 1) & (denom > 0), (b - a) / np.where(denom > 0, denom, 1.0), 0.0)
        return float(np.mean(s))

    def _ch_db(self, codes: np.ndarray, k: int) -> dict:
        n = self.n_tracks_
        X = self.X64_
        counts = np.bincount(codes, minlength=k).astype(np.float64)
        onehot = np.zeros((k, n), np.float64)
        onehot[codes, np.arange(n)] = 1.0
        centroids = (onehot @ X) / counts[:, None]
        c_sq = np.einsum("ij,ij->i", centroids, centroids)
        # Calinski-Harabasz
        extra = float(np.sum(counts * np.sum((centroids - self.mean_) ** 2, axis=1)))
        within_sq = self.sq_norms_ - 2.0 * np.einsum("ij,ij->i", X, centroids[codes]) + c_sq[codes]
        np.maximum(within_sq, 0.0, out=within_sq)
        intra = float(within_sq.sum())
        ch = 1.0 if intra == 0.0 else extra * (n - k) / (intra * (k - 1.0))
        # Davies-Bouldin
        s = np.bincount(codes, weights=np.sqrt(within_sq), minlength=k) / counts
        cd2 = c_sq[:, None] + c_sq[None, :] - 2.0 * centroids @ centroids.T
        cdist = np.sqrt(np.maximum(cd2, 0.0))
        np.fill_diagonal(cdist, 0.0)
        if np.allclose(s, 0) or np.allclose(cdist, 0):
            db = 0.0
        else:
            cdist[cdist == 0] = np.inf
            db = float(np.mean(np.max((s[:, None] + s[None, :]) / cdist, axis=1)))
        return {"calinski_harabasz": float(ch), "davies_bouldin": db}


def internal_metrics(X_ref, labels, *, sample_size: int = 2000, seed: int = 0,
                     space: str = REFERENCE_SPACE) -> dict:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin of ``labels`` in ``X_ref``.

    Parameters
    ----------
    X_ref : float (n, D)
        The fixed comparison space, normally :func:`reference_space` (its name is the default
        ``space``; pass another name if you score another space).
    labels : int (n,)
        Cluster labels; -1 (noise) counts as a cluster of its own.
    sample_size : int, default 2000
        Above this many tracks the silhouette uses a fixed seeded subsample of this size.
    seed : int, default 0

    Returns
    -------
    dict
        See :meth:`InternalScorer.__call__`. For repeated calls on one space, build an
        :class:`InternalScorer` once.
    """
    return InternalScorer(X_ref, sample_size=sample_size, seed=seed, space=space)(labels)
