"""Clustering quality: external scores against labels, internal scores in one fixed space.

Pipeline position: clustering -> **metrics** -> views and ablations.

External (only where labels exist): adjusted Rand index, normalised and adjusted mutual
information, V-measure, purity and cluster accuracy (Hungarian matching), all from one
contingency table (:func:`contingency`). Internal (always): silhouette, Calinski-Harabasz and
Davies-Bouldin.

**Neutral space.** The experiments and the live metric table score internal metrics with
:class:`NeutralScorer`: each modality's own embedding scores the partition (audio among tracks
with audio, lyrics among tracks with lyrics) and the two scores are averaged (each is reported
apart too). The fused reference space below is the fusion at w = 0.5, so the k-means partition
at w = 0.5 minimises its within-cluster sum of squares and Calinski-Harabasz there prefers
w = 0.5 by construction; per-modality spaces do not contain any weight. See
:data:`NEUTRAL_SPACE`.

**Reference space.** The equal-weight fused space (still available): one space that does not depend on the
weights, so conditions with different weights (audio only, static 0.3, dynamic, ...) are
comparable: the equal-weight scaled concatenation ``[a / sqrt(2), l / sqrt(2)]``, i.e.
:func:`core.fusion.fuse_concat` with ``w = 0.5``; a track without lyrics keeps its audio row at
full (unit) length ``[a, 0]`` and a track without audio ``[0, l]``, so every usable row has unit
length. Scoring a weighted condition in its own fused space would reward the weights for
shrinking distances, not for finding structure. The name is in every result (``"space"``).

**Noise.** HDBSCAN's noise label ``-1`` is treated as one more cluster by every metric (results
say so with ``noise_as_cluster`` and ``n_noise``).

**Degenerate cases** never raise and never warn: fewer than 3 scored tracks give NaN for every
score; internal scores are NaN when there are fewer than 2 clusters (noise included) or as many
clusters as tracks. External scores of a one-cluster partition keep their defined values
(ARI 0, NMI 0 when the truth has several classes, purity = majority share).

**Speed.** Everything is numpy. Silhouette is O(m^2): above ``sample_size`` tracks (default
2,000) it runs on a fixed seeded subsample (sklearn's ``sample_size`` semantics), and the result
says so. :class:`InternalScorer` and :class:`ExternalScorer` precompute what does not change
between slider moves (the subsample's distance matrix, the label encoding), so the loop pays
only for what the new labels change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral
from typing import Optional

import numpy as np

from core.errors import check_param
from core.fusion import Embeddings, _effective, _fuse_concat_into, hot_path
from core.params import Interval, validate_params

__all__ = [
    "REFERENCE_SPACE",
    "METRIC_CONSTRAINTS",
    "Contingency",
    "contingency",
    "external_metrics",
    "internal_metrics",
    "reference_space",
    "NEUTRAL_SPACE",
    "ExternalScorer",
    "InternalScorer",
    "NeutralScorer",
]

#: Name of the space internal metrics are computed in (returned as ``"space"``).
REFERENCE_SPACE = ("equal-weight fused space [a/sqrt2, l/sqrt2] "
                   "(tracks with one usable modality: that modality at unit length)")

#: Where the experiments and the live table compute internal metrics (:class:`NeutralScorer`).
NEUTRAL_SPACE = ("each modality's own space, averaged: silhouette, Calinski-Harabasz and "
                 "Davies-Bouldin on the audio embedding (tracks with audio) and on the lyrics "
                 "embedding (tracks with lyrics), then the mean of the two (the one there is when a "
                 "modality is absent); no fused space, so no audio weight is favoured")

#: Constraints of :func:`internal_metrics` / :class:`InternalScorer`.
METRIC_CONSTRAINTS = {
    "sample_size": [Interval(Integral, 3, None, closed="left")],
    "seed": [Interval(Integral, 0, 2**32 - 1, closed="both")],
}

_NAN = float("nan")
EXTERNAL_KEYS = ("ari", "nmi", "ami", "v_measure", "homogeneity", "completeness", "purity",
                 "accuracy")
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


# ------------------------------------------------------------------------------------------
# External
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Contingency:
    """Counts of tracks per (true class, predicted cluster).

    Attributes
    ----------
    table : int64 (n_classes, n_clusters)
    classes : (n_classes,) the sorted distinct true labels (rows)
    clusters : (n_clusters,) the sorted distinct predicted labels (columns; -1 is noise)
    """

    table: np.ndarray
    classes: np.ndarray
    clusters: np.ndarray

    @property
    def n(self) -> int:
        return int(self.table.sum())


def _missing_mask(labels: np.ndarray) -> np.ndarray:
    """True where a true label is missing (None, NaN, empty string)."""
    if labels.dtype.kind == "f":
        return np.isnan(labels)
    if labels.dtype.kind in "OUS":
        return np.array([x is None or (isinstance(x, float) and math.isnan(x))
                         or (isinstance(x, (str, bytes)) and len(x) == 0) for x in labels], bool)
    return np.zeros(labels.shape, bool)


def _encode(labels: np.ndarray):
    """Sorted distinct values and the index of each entry among them."""
    if labels.dtype == object:
        labels = labels.astype(str)
    if labels.dtype.kind in "iu":
        return _encode_int(labels)
    return np.unique(labels, return_inverse=True)


def _encode_int(labels: np.ndarray):
    """Like ``np.unique(labels, return_inverse=True)`` for integer labels, in O(n) when their
    range is small (cluster labels): a ``bincount`` and a lookup table instead of a sort."""
    if labels.size == 0:
        return np.unique(labels, return_inverse=True)
    lo, hi = int(labels.min()), int(labels.max())
    if hi - lo > 4 * labels.size + 1024:
        return np.unique(labels, return_inverse=True)
    shifted = labels - lo if lo else labels
    counts = np.bincount(shifted)
    present = np.flatnonzero(counts)
    lut = np.zeros(len(counts), np.int64)
    lut[present] = np.arange(len(present))
    return (present + lo).astype(labels.dtype), lut[shifted]


def _prepare(owner, labels_true, labels_pred):
    t = np.asarray(labels_true)
    p = np.asarray(labels_pred)
    check_param(owner, "labels_pred", f"array of shape {p.shape}",
                f"a 1-d array of shape {t.shape} like 'labels_true'",
                p.ndim == 1 and t.ndim == 1 and p.shape == t.shape)
    keep = ~_missing_mask(t)
    return t[keep], p[keep], int(np.count_nonzero(~keep))


def contingency(labels_true, labels_pred) -> Contingency:
    """Contingency table of true classes (rows) against predicted clusters (columns).

    Tracks whose true label is missing (None, NaN, "") are left out.
    """
    t, p, _ = _prepare("contingency", labels_true, labels_pred)
    classes, ti = _encode(t)
    clusters, pj = _encode(p)
    return Contingency(_table(ti, pj, len(classes), len(clusters)), classes, clusters)


def _table(ti, pj, r, c) -> np.ndarray:
    return np.bincount(ti * c + pj, minlength=r * c).reshape(r, c).astype(np.int64)


def _entropy(counts: np.ndarray, n: int) -> float:
    p = counts[counts > 0] / n
    return float(-np.sum(p * np.log(p)))


_LOG_FACTORIALS = {"n": -1, "table": np.zeros(0)}


def _log_factorials(n: int) -> np.ndarray:
    """``log(k!)`` for k = 0 .. n, float64 (n + 1,); the last table is kept for reuse."""
    if _LOG_FACTORIALS["n"] < n:
        from scipy.special import gammaln

        _LOG_FACTORIALS["table"] = gammaln(np.arange(n + 1, dtype=np.float64) + 1.0)
        _LOG_FACTORIALS["n"] = n
    return _LOG_FACTORIALS["table"]


def _expected_mutual_info(a: np.ndarray, b: np.ndarray, n: int) -> float:
    """Expected mutual information (nats) of two random partitions with these cluster sizes.

    Vinh, Epps and Bailey (2010), eq. 24 (the hypergeometric model sklearn's AMI uses),
    vectorised over every (class, cluster, n_ij) term with a log-factorial table. Only the terms
    within ``sqrt(40 min(a_i, b_j))`` of the mean ``a_i b_j / n`` are summed: by Hoeffding's bound
    for the hypergeometric law the rest carry probability below ``2 exp(-80)`` (1e-34), and at
    100,000 tracks in 10 clusters this sums 8x fewer terms (the AMI was a quarter of the slider loop).
    """
    a = a[a > 0].astype(np.int64)
    b = b[b > 0].astype(np.int64)
    ai = np.repeat(a, len(b))
    bj = np.tile(b, len(a))
    mean = ai * (bj / n)
    half = np.ceil(np.sqrt(40.0 * np.minimum(ai, bj))) + 1.0
    start = np.maximum(np.maximum(1, ai + bj - n), np.floor(mean - half).astype(np.int64))
    stop = np.minimum(np.minimum(ai, bj) + 1, np.ceil(mean + half).astype(np.int64) + 1)
    lengths = np.maximum(stop - start, 0)
    total = int(lengths.sum())
    if total == 0:
        return 0.0
    pair = np.repeat(np.arange(len(ai)), lengths)
    offset = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    nij = start[pair] + offset
    A, B = ai[pair], bj[pair]
    lf = _log_factorials(n)
    log_p = (lf[A] + lf[B] + lf[n - A] + lf[n - B] - lf[n] - lf[nij] - lf[A - nij]
             - lf[B - nij] - lf[n - A - B + nij])
    term = (nij / n) * (np.log(n * nij.astype(np.float64)) - np.log(A * B.astype(np.float64)))
    return float(np.sum(term * np.exp(log_p)))


def _scores_from_table(table: np.ndarray) -> dict:
    """Every external score from one contingency table (sklearn's definitions)."""
    from scipy.optimize import linear_sum_assignment

    n = int(table.sum())
    a = table.sum(axis=1)
    b = table.sum(axis=0)
    out = {}

    # adjusted Rand index (pair counting)
    comb = lambda x: x * (x - 1) / 2.0  # noqa: E731
    sum_ij = float(comb(table.astype(np.float64)).sum())
    sum_a, sum_b = float(comb(a.astype(np.float64)).sum()), float(comb(b.astype(np.float64)).sum())
    expected = sum_a * sum_b / comb(float(n))
    max_index = (sum_a + sum_b) / 2.0
    out["ari"] = 1.0 if max_index == expected else (sum_ij - expected) / (max_index - expected)

    # mutual information family
    h_true, h_pred = _entropy(a, n), _entropy(b, n)
    nz = table > 0
    nij = table[nz].astype(np.float64)
    outer = np.outer(a, b).astype(np.float64)[nz]
    mi = float(np.sum(nij / n * (np.log(nij) + math.log(n) - np.log(outer))))
    mi = max(mi, 0.0)
    single = (len(a) == len(b) == 1)
    out["nmi"] = 1.0 if single else mi / max((h_true + h_pred) / 2.0, np.finfo(np.float64).eps)
    homogeneity = 1.0 if h_true == 0 else mi / h_true
    completeness = 1.0 if h_pred == 0 else mi / h_pred
    out["homogeneity"], out["completeness"] = homogeneity, completeness
    hc = homogeneity + completeness
    out["v_measure"] = 0.0 if hc == 0 else 2.0 * homogeneity * completeness / hc
    if single:
        out["ami"] = 1.0
    else:
        emi = _expected_mutual_info(a, b, n)
        denom = (h_true + h_pred) / 2.0 - emi
        eps = np.finfo(np.float64).eps
        denom = min(denom, -eps) if denom < 0 else max(denom, eps)
        out["ami"] = (mi - emi) / denom

    # purity and Hungarian-matched accuracy
    out["purity"] = float(table.max(axis=0).sum()) / n
    r, c = linear_sum_assignment(table, maximize=True)
    out["accuracy"] = float(table[r, c].sum()) / n
    return {k: float(out[k]) for k in EXTERNAL_KEYS}


def _external_result(scores: dict, n: int, n_unlabelled: int, n_noise: int) -> dict:
    res = dict(scores)
    res.update(n_scored=n, n_unlabelled=n_unlabelled, n_noise=n_noise,
               noise_as_cluster=bool(n_noise > 0))
    return res


def external_metrics(labels_true, labels_pred) -> dict:
    """Scores of a clustering against known labels.

    Parameters
    ----------
    labels_true : (n,) any hashable labels (e.g. genre names); missing ones (None, NaN, "")
        are left out and counted in ``n_unlabelled``.
    labels_pred : int (n,)
        Cluster labels; ``-1`` (noise) counts as a cluster of its own.

    Returns
    -------
    dict
        ``ari``, ``nmi`` (arithmetic normalisation), ``ami``, ``v_measure``, ``homogeneity``,
        ``completeness``, ``purity``, ``accuracy`` (Hungarian one-to-one matching of clusters to
        classes; unmatched clusters count as errors), all floats in [0, 1] (ARI, AMI may dip
        below 0); NaN when fewer than 3 tracks are scored. Plus ``n_scored``,
        ``n_unlabelled``, ``n_noise`` and ``noise_as_cluster``.
    """
    t, p, n_unl = _prepare("external_metrics", labels_true, labels_pred)
    n_noise = int(np.count_nonzero(p.astype(np.int64) < 0)) if p.dtype.kind in "iu" else 0
    if len(t) < 3:
        return _external_result({k: _NAN for k in EXTERNAL_KEYS}, len(t), n_unl, n_noise)
    classes, ti = _encode(t)
    clusters, pj = _encode(p)
    table = _table(ti, pj, len(classes), len(clusters))
    return _external_result(_scores_from_table(table), len(t), n_unl, n_noise)


class _RemembersLastPartition:
    """A scorer that checks each partition and returns the previous result for the same one
    (slider moves often leave the partition unchanged). Needs ``n_tracks_`` and ``_last``."""

    def _check_partition(self, owner: str, name: str, labels) -> np.ndarray:
        arr = np.asarray(labels)
        check_param(owner, name, f"array of shape {arr.shape}",
                    f"a 1-d integer array of shape ({self.n_tracks_},)",
                    arr.shape == (self.n_tracks_,) and arr.dtype.kind in "iu")
        return arr

    def _repeat(self, labels: np.ndarray) -> Optional[dict]:
        """A copy of the previous result when ``labels`` equals the previous call's, else None."""
        last = self._last
        if last is not None and np.array_equal(labels, last[0]):
            return dict(last[1])
        return None


class ExternalScorer(_RemembersLastPartition):
    """External scores against fixed labels, for many clusterings (the slider loop).

    Encodes ``labels_true`` once; each call then costs one ``bincount`` for the table plus the
    expected mutual information of AMI. A call with the same labels as the previous one returns
    the previous result (slider moves often leave the partition unchanged).

    Parameters
    ----------
    labels_true : (n,) labels; missing ones are left out of every score.
    """

    def __init__(self, labels_true):
        t = np.asarray(labels_true)
        check_param("ExternalScorer", "labels_true", f"array of shape {t.shape}",
                    "a 1-d array", t.ndim == 1)
        self.n_tracks_ = len(t)
        self.keep_ = ~_missing_mask(t)
        self.classes_, self.codes_ = _encode(t[self.keep_])
        self._last = None  # (labels, result) of the previous call

    def __call__(self, labels_pred) -> dict:
        """Same output as :func:`external_metrics`."""
        p = self._check_partition("ExternalScorer", "labels_pred", labels_pred)
        again = self._repeat(p)
        if again is not None:
            return again
        full = p
        p = p[self.keep_]
        n_unl = self.n_tracks_ - len(p)
        n_noise = int(np.count_nonzero(p < 0))
        if len(p) < 3:
            out = _external_result({k: _NAN for k in EXTERNAL_KEYS}, len(p), n_unl, n_noise)
        else:
            clusters, pj = _encode_int(p)
            table = _table(self.codes_, pj, len(self.classes_), len(clusters))
            out = _external_result(_scores_from_table(table), len(p), n_unl, n_noise)
        self._last = (full.copy(), out)
        return dict(out)


# ------------------------------------------------------------------------------------------
# Internal
# ------------------------------------------------------------------------------------------
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


class NeutralScorer:
    """Internal scores that favour no audio weight: each modality's own space, then the mean.

    For a partition of the tracks, silhouette, Calinski-Harabasz and Davies-Bouldin are computed
    in the audio embedding among the tracks with usable audio, and in the lyrics embedding among
    the tracks with usable lyrics; the reported ``silhouette`` (etc.) is the mean of the two, or
    the one there is when a modality has fewer than 3 usable tracks (or its score is NaN). No
    fused space enters, so no weight is built into the yardstick (see :data:`NEUTRAL_SPACE`).

    Parameters
    ----------
    emb : core.fusion.Embeddings
        Unit rows per modality (``audio_ok`` / ``lyrics_ok`` say which rows are usable).
    sample_size, seed : int
        As :class:`InternalScorer` (per modality).

    Attributes
    ----------
    parts_ : tuple of (name, rows int64, InternalScorer)
        One entry per modality with at least 3 usable tracks.
    """

    MODALITIES = ("audio", "lyrics")

    def __init__(self, emb: Embeddings, sample_size: int = 2000, seed: int = 0):
        validate_params("NeutralScorer", METRIC_CONSTRAINTS,
                        {"sample_size": sample_size, "seed": seed})
        self.space = NEUTRAL_SPACE
        self.n_tracks_ = int(emb.n_tracks)
        parts = []
        for name, X, ok in (("audio", emb.audio, emb.audio_ok), ("lyrics", emb.lyrics, emb.lyrics_ok)):
            rows = np.flatnonzero(np.asarray(ok, bool)).astype(np.int64)
            if len(rows) >= 3:
                parts.append((name, rows, InternalScorer(np.asarray(X)[rows], sample_size, seed,
                                                         space=f"{name} embedding")))
        self.parts_ = tuple(parts)
        self._last = None

    @property
    def subsampled(self) -> bool:
        return any(sc.subsampled for _, _, sc in self.parts_)

    def __call__(self, labels) -> dict:
        """Scores of ``labels`` int (n,): the means (``silhouette``, ``calinski_harabasz``,
        ``davies_bouldin``), each modality apart (``silhouette_audio``, ``silhouette_lyrics``,
        ...; NaN where a modality is missing), ``space``, ``n_clusters``, ``n_noise``,
        ``noise_as_cluster``, ``silhouette_subsampled``, ``silhouette_sample_size`` (the larger
        modality's)."""
        lab = np.asarray(labels)
        check_param("NeutralScorer", "labels", f"array of shape {lab.shape}",
                    f"a 1-d integer array of shape ({self.n_tracks_},)",
                    lab.shape == (self.n_tracks_,) and lab.dtype.kind in "iu")
        last = self._last
        if last is not None and np.array_equal(lab, last[0]):
            return dict(last[1])
        per = {f"{key}_{m}": _NAN for key in INTERNAL_KEYS for m in self.MODALITIES}
        for name, rows, scorer in self.parts_:
            res = scorer(lab[rows])
            per.update({f"{key}_{name}": res[key] for key in INTERNAL_KEYS})
        out = {}
        for key in INTERNAL_KEYS:
            vals = [per[f"{key}_{m}"] for m in self.MODALITIES if np.isfinite(per[f"{key}_{m}"])]
            out[key] = float(np.mean(vals)) if vals else _NAN
        n_noise = int(np.count_nonzero(lab < 0))
        out.update(per)
        out.update({"space": self.space, "silhouette_subsampled": self.subsampled,
                    "silhouette_sample_size": max((len(sc.sample_) for _, _, sc in self.parts_),
                                                  default=0),
                    "n_clusters": int(len(np.unique(lab))), "n_noise": n_noise,
                    "noise_as_cluster": bool(n_noise > 0)})
        self._last = (lab.copy(), out)
        return dict(out)
