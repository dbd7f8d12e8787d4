"""Fusion: put both modalities on equal footing, then mix them with per-track audio weights.

Pipeline position: features (cached) -> indicators -> rules -> **fusion** -> clustering -> metrics.

Two stages with very different costs:

* **Once per dataset** (slow-ish, cacheable, independent of the weights):
  :class:`ModalityReducer` reduces each modality with PCA, fitted on the tracks where that
  modality is usable, to a common width ``d`` (default 32, capped by the data's rank), then
  L2-normalises every row, giving :class:`Embeddings`. :func:`build_graphs` builds the cosine
  k-nearest-neighbour graph of each modality once, as :class:`ModalityGraphs`.
* **Every slider move** (fast, float32, no needless copies): :func:`fuse_concat` builds
  ``[sqrt(w) * audio, sqrt(1 - w) * lyrics]`` into a preallocated buffer, and
  :func:`fuse_affinity` mixes the two prebuilt graphs with per-pair weights.

**What a weight means in each fusion.** In the scaled concatenation a track's weight scales its
*vector*, not its distances. With unit rows, ``|x_i - c|^2 = 1 - 2 x_i . c + |c|^2``, so track
``i`` goes to the centre ``c = [c_a, c_l]`` that maximises
``sqrt(w_i) * (a_i . c_a) + sqrt(1 - w_i) * (l_i . c_l) - |c|^2 / 2``: its audio and lyrics
similarities count as ``sqrt(w) : sqrt(1 - w)``. A weight of 0.8 acts like 2 : 1 on the
track's assignment, not 4 : 1 (only between two tracks of the *same* weight is the squared
distance ``w |a_i - a_j|^2 + (1 - w) |l_i - l_j|^2``). The weighted-distance k-means
(:func:`fuse_weighted`, ``fusion="weighted"``) scores track ``i`` against a centre by
``w_i |a_i - c_a|^2 + (1 - w_i) |l_i - c_l|^2``: there w means what it says (0.8 is 4 : 1).

Missing modalities are enforced here, not trusted to the caller (:func:`effective_weights`): a
track without usable lyrics gets audio weight 1 whatever ``w`` says, so it never contributes
lyrics and is never pulled toward a zero lyrics vector; a track without usable audio gets
audio weight 0. A track with neither is a zero row (drop such tracks upstream).

Settings are declared as constraint tables (:data:`REDUCER_CONSTRAINTS`,
:data:`GRAPH_CONSTRAINTS`) and checked at the public entry by :mod:`core.params`.
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Integral
from typing import Optional

import numpy as np
import scipy.sparse as sp

from core.errors import ParameterError, check_param
from core.params import Interval, validate_params

__all__ = [
    "hot_path",
    "HOT_PATH_BLAS_THREADS",
    "Embeddings",
    "ModalityReducer",
    "embed_features",
    "effective_weights",
    "fuse_concat",
    "fuse_weighted",
    "ModalityGraphs",
    "build_graphs",
    "fuse_affinity",
    "affinity_to_distance",
    "REDUCER_CONSTRAINTS",
    "GRAPH_CONSTRAINTS",
]


# ------------------------------------------------------------------------------------------
# BLAS threads in the slider-loop hot paths
# ------------------------------------------------------------------------------------------
#: BLAS threads inside the slider-loop hot paths (Lloyd steps of k-means, the metric scorers).
#: Their matrix products are small (n x 64 by 64 x k): a second thread gains nothing, and on
#: shared cores a spinning OpenBLAS thread made the 1,000-track loop 5-10x slower
#: (bench/loop.py, ``--threads``). Results do not depend on it. ``None`` leaves BLAS alone.
HOT_PATH_BLAS_THREADS: Optional[int] = 1

_HOT_LOCK = threading.Lock()
_HOT_STATE = {"depth": 0, "limiter": None, "controller": None}


@contextmanager
def hot_path():
    """Limit BLAS to :data:`HOT_PATH_BLAS_THREADS` threads while the block runs (~10 us).

    Re-entrant and thread-safe: the first caller in sets the limit, the last one out restores
    the previous setting (the limit is process-wide, as BLAS thread pools are). It covers the
    BLAS libraries loaded when it is first used, numpy's among them.
    """
    if HOT_PATH_BLAS_THREADS is None:
        yield
        return
    with _HOT_LOCK:
        if _HOT_STATE["depth"] == 0:
            if _HOT_STATE["controller"] is None:
                from threadpoolctl import ThreadpoolController

                _HOT_STATE["controller"] = ThreadpoolController()
            _HOT_STATE["limiter"] = _HOT_STATE["controller"].limit(
                limits=HOT_PATH_BLAS_THREADS, user_api="blas")
        _HOT_STATE["depth"] += 1
    try:
        yield
    finally:
        with _HOT_LOCK:
            _HOT_STATE["depth"] -= 1
            if _HOT_STATE["depth"] == 0 and _HOT_STATE["limiter"] is not None:
                _HOT_STATE["limiter"].restore_original_limits()
                _HOT_STATE["limiter"] = None


def _check_weights(owner: str, w, n: int) -> np.ndarray:
    """Validate per-track audio weights: finite floats in [0, 1], shape (n,). Returns float32."""
    w = np.asarray(w)
    check_param(owner, "w", f"array of shape {w.shape}", f"a 1-d array of shape ({n},)",
                w.ndim == 1 and w.shape[0] == n)
    check_param(owner, "w", f"array of dtype {w.dtype}", "a real-valued array",
                np.issubdtype(w.dtype, np.number)
                and not np.issubdtype(w.dtype, np.complexfloating))
    w = w.astype(np.float32, copy=False)
    if n:
        lo, hi = float(np.min(w)), float(np.max(w))
        check_param(owner, "w", f"values in [{lo:g}, {hi:g}]", "finite values in [0, 1]",
                    math.isfinite(lo) and math.isfinite(hi) and lo >= 0.0 and hi <= 1.0)
    return w


# ------------------------------------------------------------------------------------------
# Per-modality reduction: PCA to a common width, then unit rows
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Embeddings:
    """Both modalities reduced to a common width ``d`` and L2-normalised, rows in Dataset order.

    The constructor marks the arrays read-only, so a cached instance can be shared safely.

    Attributes
    ----------
    audio : float32 (n, d)
        Unit-length rows where ``audio_ok``; zero rows elsewhere.
    lyrics : float32 (n, d)
        Unit-length rows where ``lyrics_ok``; zero rows elsewhere (a missing lyric is a mask,
        never a vector that takes part in fusion).
    audio_ok, lyrics_ok : bool (n,)
        Which tracks have a usable modality.
    """

    audio: np.ndarray
    lyrics: np.ndarray
    audio_ok: np.ndarray
    lyrics_ok: np.ndarray

    def __post_init__(self):
        n = self.audio.shape[0]
        for name in ("audio", "lyrics"):
            arr = getattr(self, name)
            check_param("Embeddings", name, f"array of shape {arr.shape} and dtype {arr.dtype}",
                        f"a float32 array of shape ({n}, d) like 'audio'",
                        arr.dtype == np.float32 and arr.ndim == 2 and arr.shape == self.audio.shape)
        for name in ("audio_ok", "lyrics_ok"):
            arr = getattr(self, name)
            check_param("Embeddings", name, f"array of shape {arr.shape} and dtype {arr.dtype}",
                        f"a bool array of shape ({n},)", arr.dtype == bool and arr.shape == (n,))
        for name in ("audio", "lyrics", "audio_ok", "lyrics_ok"):
            getattr(self, name).setflags(write=False)

    @property
    def n_tracks(self) -> int:
        return int(self.audio.shape[0])

    @property
    def width(self) -> int:
        """Common width ``d`` of each modality block."""
        return int(self.audio.shape[1])

    @property
    def has_lyrics(self) -> bool:
        """False when no track has usable lyrics (fusion is then audio-only)."""
        return bool(self.lyrics_ok.any())


#: Constraints of :class:`ModalityReducer` (checked in ``fit``).
REDUCER_CONSTRAINTS = {
    "n_components": [Interval(Integral, 1, None, closed="left")],
    "seed": [Interval(Integral, 0, 2**32 - 1, closed="both")],
}


def _l2_rows(x: np.ndarray) -> np.ndarray:
    """Divide rows by their norm in place; rows with zero norm stay zero."""
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    np.divide(x, norms[:, None], out=x, where=norms[:, None] > 0)
    return x


class ModalityReducer:
    """Per-modality PCA to a common width, then L2-normalised rows.

    Fit once per dataset (deterministic for a seed) and cache the result; nothing here depends
    on the weights.

    Parameters
    ----------
    n_components : int, default 32
        Requested common width ``d``. The fitted width ``width_`` is
        ``min(n_components, max(rank_audio, rank_lyrics))`` where a modality's rank is
        ``min(n_ok - 1, n_features)``. A modality of lower rank keeps all its components and is
        zero-padded to ``width_`` (padding changes no norm and no distance).
    seed : int, default 0
        Seed for the randomized SVD that PCA may choose on large inputs.

    Attributes
    ----------
    width_ : int
        Common width ``d``.
    audio_mean_, lyrics_mean_ : float32 (d_audio,), (d_lyrics,)
        Means of the usable rows.
    audio_components_, lyrics_components_ : float32 (k_m, d_m)
        Principal axes (rows), ``k_m <= width_``.
    explained_variance_ratio_ : dict str -> float
        Share of each modality's variance kept.
    """

    def __init__(self, n_components: int = 32, seed: int = 0):
        self.n_components = n_components
        self.seed = seed

    # -- fitting ---------------------------------------------------------------------------
    @staticmethod
    def _check_block(name: str, x, ok, n: Optional[int]):
        x = np.asarray(x)
        if x.ndim == 1 and x.size == 0 and n is not None:
            x = x.reshape(n, 0)
        check_param("ModalityReducer", name, f"array of shape {x.shape}",
                    "a 2-d array (n_tracks, n_features)" + ("" if n is None else f" with {n} rows"),
                    x.ndim == 2 and (n is None or x.shape[0] == n))
        n = x.shape[0]
        ok = np.ones(n, bool) if ok is None else np.asarray(ok)
        check_param("ModalityReducer", name + "_ok", f"array of shape {ok.shape}",
                    f"a bool array of shape ({n},)", ok.shape == (n,) and ok.dtype == bool)
        x = x.astype(np.float32, copy=False)
        if ok.any():
            check_param("ModalityReducer", name, "non-finite values in usable rows",
                        "finite where usable", bool(np.isfinite(x[ok]).all()))
        return x, ok

    def _fit_block(self, x: np.ndarray, ok: np.ndarray, k: int):
        rows = x[ok]
        mean = rows.mean(axis=0) if len(rows) else np.zeros(x.shape[1], np.float32)
        if k == 0:
            return mean.astype(np.float32), np.zeros((0, x.shape[1]), np.float32), 0.0
        from sklearn.decomposition import PCA

        pca = PCA(n_components=k, svd_solver="auto", random_state=self.seed).fit(rows)
        return (pca.mean_.astype(np.float32), pca.components_.astype(np.float32),
                float(np.sum(pca.explained_variance_ratio_)))

    def fit(self, audio, lyrics, audio_ok=None, lyrics_ok=None) -> "ModalityReducer":
        """Fit the PCA of each modality on its usable rows.

        Parameters
        ----------
        audio : float (n, d_audio)
        lyrics : float (n, d_lyrics); ``d_lyrics`` may be 0 (no lyrics at all)
        audio_ok, lyrics_ok : bool (n,), optional
            Usable rows; default all True.
        """
        validate_params("ModalityReducer", REDUCER_CONSTRAINTS,
                        {"n_components": self.n_components, "seed": self.seed})
        audio, audio_ok = self._check_block("audio", audio, audio_ok, None)
        lyrics, lyrics_ok = self._check_block("lyrics", lyrics, lyrics_ok, audio.shape[0])
        ranks = {}
        for name, x, ok in (("audio", audio, audio_ok), ("lyrics", lyrics, lyrics_ok)):
            ranks[name] = max(0, min(int(ok.sum()) - 1, x.shape[1]))
        width = min(self.n_components, max(ranks.values()))
        if width == 0:
            raise ParameterError(
                "ModalityReducer needs at least two usable tracks with non-empty features in one "
                f"modality. Got {int(audio_ok.sum())} usable audio rows of width {audio.shape[1]} "
                f"and {int(lyrics_ok.sum())} usable lyrics rows of width {lyrics.shape[1]} "
                "instead.")
        self.width_ = width
        self.audio_mean_, self.audio_components_, ev_a = self._fit_block(
            audio, audio_ok, min(width, ranks["audio"]))
        self.lyrics_mean_, self.lyrics_components_, ev_l = self._fit_block(
            lyrics, lyrics_ok, min(width, ranks["lyrics"]))
        self.explained_variance_ratio_ = {"audio": ev_a, "lyrics": ev_l}
        self.n_features_in_ = {"audio": audio.shape[1], "lyrics": lyrics.shape[1]}
        return self

    # -- transforming ----------------------------------------------------------------------
    def _project(self, x, ok, mean, comps) -> np.ndarray:
        out = np.zeros((x.shape[0], self.width_), np.float32)
        if comps.shape[0] and ok.any():
            out[ok, : comps.shape[0]] = (x[ok] - mean) @ comps.T
        return _l2_rows(out)

    def transform(self, audio, lyrics, audio_ok=None, lyrics_ok=None) -> Embeddings:
        """Project both modalities, L2-normalise rows, zero the unusable ones.

        Returns
        -------
        Embeddings
            ``audio`` and ``lyrics`` float32 (n, ``width_``).
        """
        if not hasattr(self, "width_"):
            raise ParameterError("This ModalityReducer is not fitted yet; call fit first.")
        audio, audio_ok = self._check_block("audio", audio, audio_ok, None)
        lyrics, lyrics_ok = self._check_block("lyrics", lyrics, lyrics_ok, audio.shape[0])
        for name, x in (("audio", audio), ("lyrics", lyrics)):
            want = self.n_features_in_[name]
            check_param("ModalityReducer", name, f"{x.shape[1]} features",
                        f"{want} features as in fit", x.shape[1] == want)
        return Embeddings(
            audio=self._project(audio, audio_ok, self.audio_mean_, self.audio_components_),
            lyrics=self._project(lyrics, lyrics_ok, self.lyrics_mean_, self.lyrics_components_),
            audio_ok=audio_ok.copy(),
            lyrics_ok=lyrics_ok.copy(),
        )

    def fit_transform(self, audio, lyrics, audio_ok=None, lyrics_ok=None) -> Embeddings:
        return self.fit(audio, lyrics, audio_ok, lyrics_ok).transform(audio, lyrics, audio_ok,
                                                                      lyrics_ok)


def embed_features(features, n_components: int = 32, seed: int = 0) -> Embeddings:
    """Embeddings of a :class:`core.features.featureset.FeatureSet` (or anything with the
    attributes ``audio``, ``audio_ok``, ``lyrics``, ``lyrics_ok``, ``has_lyrics``).

    When ``has_lyrics`` is False every lyrics row is marked unusable, so fusion is audio-only.
    """
    lyrics_ok = np.asarray(features.lyrics_ok, bool)
    if not getattr(features, "has_lyrics", True):
        lyrics_ok = np.zeros_like(lyrics_ok)
    return ModalityReducer(n_components=n_components, seed=seed).fit_transform(
        features.audio, features.lyrics, np.asarray(features.audio_ok, bool), lyrics_ok)


# ------------------------------------------------------------------------------------------
# Feature-level fusion: scaled concatenation
# ------------------------------------------------------------------------------------------
def effective_weights(emb: Embeddings, w) -> np.ndarray:
    """The audio weights fusion actually uses, float32 (n,) in [0, 1].

    ``w`` where both modalities are usable; 1 where lyrics are missing (audio only); 0 where
    audio is missing but lyrics are usable (lyrics only). A track with neither gets 1 and a
    zero audio row.
    """
    w = _check_weights("effective_weights", w, emb.n_tracks)
    return _effective(emb, w)


def _effective(emb: Embeddings, w: np.ndarray) -> np.ndarray:
    out = np.where(emb.lyrics_ok, w, np.float32(1.0))
    np.copyto(out, np.float32(0.0), where=~emb.audio_ok & emb.lyrics_ok)
    return out.astype(np.float32, copy=False)


def fuse_concat(emb: Embeddings, w, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Scaled concatenation ``[sqrt(w) * audio, sqrt(1 - w) * lyrics]``.

    With unit-length blocks every fused row has unit length, and the squared distance between
    two tracks with the same weight is ``w * |a_i - a_j|^2 + (1 - w) * |l_i - l_j|^2``.

    Parameters
    ----------
    emb : Embeddings
        ``d = emb.width``.
    w : float (n,)
        Audio weight per track in [0, 1]; missing modalities are enforced
        (see :func:`effective_weights`).
    out : float32 (n, 2 * d), C-contiguous, optional
        Buffer to write into (reuse it across slider moves); a new one is allocated if None.

    Returns
    -------
    float32 (n, 2 * d)
        ``out`` if given.
    """
    n, d = emb.n_tracks, emb.width
    w = _check_weights("fuse_concat", w, n)
    out = _check_out("fuse_concat", out, n, 2 * d)
    return _fuse_concat_into(emb.audio, emb.lyrics, _effective(emb, w), out)


def _check_out(owner: str, out, n: int, dim: int) -> np.ndarray:
    """A caller's buffer for a fused matrix, checked (C-contiguous float32 (n, dim)); or a new one."""
    if out is None:
        return np.empty((n, dim), np.float32)
    check_param(owner, "out", f"array of shape {getattr(out, 'shape', None)} and dtype "
                f"{getattr(out, 'dtype', None)}",
                f"a C-contiguous float32 array of shape ({n}, {dim})",
                isinstance(out, np.ndarray) and out.shape == (n, dim)
                and out.dtype == np.float32 and out.flags.c_contiguous)
    return out

def _fuse_concat_into(audio: np.ndarray, lyrics: np.ndarray, w_eff: np.ndarray,
                      out: np.ndarray) -> np.ndarray:
    """Hot path: clean float32 inputs assumed. Two broadcasts straight into ``out``."""
    d = audio.shape[1]
    sa = np.sqrt(w_eff)
    sl = np.sqrt(np.float32(1.0) - w_eff)
    np.multiply(audio, sa[:, None], out=out[:, :d])
    np.multiply(lyrics, sl[:, None], out=out[:, d:])
    return out


def fuse_weighted(emb: Embeddings, w, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Design matrix ``[w * audio, (1 - w) * lyrics]`` of the weighted-distance k-means.

    Its inner product with a centre ``[c_a, c_l]`` is ``w * a.c_a + (1 - w) * l.c_l``, which is
    all the per-track distance ``w * |a - c_a|^2 + (1 - w) * |l - c_l|^2`` needs besides the
    centre norms (see :class:`core.clustering.WeightedKMeans`). A track without lyrics has an
    all-zero lyrics half, so it adds nothing to any lyrics centre.

    Parameters
    ----------
    emb : Embeddings
    w : float (n,)
        Audio weights in [0, 1]; missing modalities are enforced.
    out : float32 (n, 2 * d), C-contiguous, optional

    Returns
    -------
    float32 (n, 2 * d)
    """
    n, d = emb.n_tracks, emb.width
    w = _check_weights("fuse_weighted", w, n)
    out = _check_out("fuse_weighted", out, n, 2 * d)
    w_eff = _effective(emb, w)
    np.multiply(emb.audio, w_eff[:, None], out=out[:, :d])
    np.multiply(emb.lyrics, (np.float32(1.0) - w_eff)[:, None], out=out[:, d:])
    return out


# ------------------------------------------------------------------------------------------
# Affinity-level fusion: two kNN graphs, mixed with per-pair weights
# ------------------------------------------------------------------------------------------
#: Constraints of :func:`build_graphs` / :func:`fuse_affinity`.
GRAPH_CONSTRAINTS = {
    "n_neighbors": [Interval(Integral, 1, None, closed="left")],
}


@dataclass(frozen=True, eq=False)
class ModalityGraphs:
    """Cosine k-nearest-neighbour graphs of both modalities on one shared sparsity pattern.

    Built once per dataset by :func:`build_graphs`; nothing here depends on the weights.

    Attributes
    ----------
    n_tracks : int
    n_neighbors : int
        Neighbours per track in each modality (before symmetrisation).
    indptr : int64 (n + 1,), indices : int32 (nnz,)
        CSR pattern of the union of both symmetrised graphs (no self-loops).
    rows : int32 (nnz,)
        Row index of every stored entry (``indices`` gives the column).
    audio, lyrics : float32 (nnz,)
        Similarity ``max(cos, 0)`` of the pair in that modality on the shared pattern, 0 where
        the pair is not an edge of that modality's graph. Tracks without a usable modality have
        no edge in its graph.
    """

    n_tracks: int
    n_neighbors: int
    indptr: np.ndarray
    indices: np.ndarray
    rows: np.ndarray
    audio: np.ndarray
    lyrics: np.ndarray

    def modality(self, name: str) -> sp.csr_matrix:
        """One modality's graph as a CSR matrix (n, n)."""
        data = {"audio": self.audio, "lyrics": self.lyrics}[name]
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(self.n_tracks,) * 2)


def _knn_edges(x: np.ndarray, ok: np.ndarray, k: int, chunk: int = 1024):
    """Top-k cosine neighbours (self excluded) among the usable unit rows.

    Returns directed edges as (rows int64, cols int64, similarities float32 clipped at 0)."""
    idx = np.flatnonzero(ok)
    m = len(idx)
    k = min(k, m - 1)
    if k <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    xs = np.ascontiguousarray(x[idx])
    rows_out, cols_out, vals_out = [], [], []
    for start in range(0, m, chunk):
        block = xs[start:start + chunk] @ xs.T  # cosine: rows are unit length
        r = np.arange(block.shape[0])
        block[r, start + r] = -np.inf  # no self-loops
        nn = np.argpartition(-block, k - 1, axis=1)[:, :k]
        rows_out.append(np.repeat(idx[start + r], k))
        cols_out.append(idx[nn].ravel())
        vals_out.append(np.take_along_axis(block, nn, axis=1).ravel())
    rows = np.concatenate(rows_out).astype(np.int64)
    cols = np.concatenate(cols_out).astype(np.int64)
    vals = np.maximum(np.concatenate(vals_out), 0.0).astype(np.float32)
    return rows, cols, vals


def _symmetric_keys(rows, cols, vals, n):
    """Symmetrise a directed kNN graph by the maximum; return sorted linear keys and values."""
    keys = np.concatenate([rows * n + cols, cols * n + rows])
    vals = np.concatenate([vals, vals])
    order = np.lexsort((-vals, keys))  # per key, largest value first
    keys, vals = keys[order], vals[order]
    first = np.ones(len(keys), bool)
    first[1:] = keys[1:] != keys[:-1]
    return keys[first], vals[first]


def build_graphs(emb: Embeddings, n_neighbors: int = 15) -> ModalityGraphs:
    """Build the cosine kNN graph of each modality once (exact, chunked, O(n^2 d) time).

    Parameters
    ----------
    emb : Embeddings
    n_neighbors : int, default 15
        Neighbours per track (capped at the number of usable tracks minus one). The graph is
        symmetrised by the maximum, so a track may have more than ``n_neighbors`` edges.

    Returns
    -------
    ModalityGraphs
    """
    validate_params("build_graphs", GRAPH_CONSTRAINTS, {"n_neighbors": n_neighbors})
    n = emb.n_tracks
    parts = {}
    for name in ("audio", "lyrics"):
        r, c, v = _knn_edges(getattr(emb, name), getattr(emb, name + "_ok"), n_neighbors)
        parts[name] = _symmetric_keys(r, c, v, n) if len(r) else (np.zeros(0, np.int64),
                                                                  np.zeros(0, np.float32))
    keys = np.union1d(parts["audio"][0], parts["lyrics"][0])
    values = {}
    for name, (k, v) in parts.items():
        full = np.zeros(len(keys), np.float32)
        full[np.searchsorted(keys, k)] = v
        values[name] = full
    rows = (keys // n).astype(np.int32)
    indices = (keys % n).astype(np.int32)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    for arr in (rows, indices, indptr, values["audio"], values["lyrics"]):
        arr.setflags(write=False)
    return ModalityGraphs(n_tracks=n, n_neighbors=int(n_neighbors), indptr=indptr,
                          indices=indices, rows=rows, audio=values["audio"],
                          lyrics=values["lyrics"])


def fuse_affinity(emb: Embeddings, w, n_neighbors: int = 15,
                  graphs: Optional[ModalityGraphs] = None) -> sp.csr_matrix:
    """Mix the two modality graphs with per-pair weights into one affinity matrix.

    ``A_ij = sqrt(w_i * w_j) * S^audio_ij + sqrt((1 - w_i) * (1 - w_j)) * S^lyrics_ij``

    The per-pair weights are geometric means, chosen because they are exactly the weights in
    the inner product of two scaled-concatenation vectors (:func:`fuse_concat`): the affinity
    is the kNN-sparsified cosine kernel of the concatenated space. Consequences: a track without
    lyrics (``w = 1``) takes nothing from the lyrics graph; two tracks with equal weights mix
    the graphs with weights summing to 1; the two weights never sum to more than 1, and reach 0
    for a pure-audio track against a pure-lyrics track (they share no common ground).

    Parameters
    ----------
    emb : Embeddings
    w : float (n,)
        Audio weights in [0, 1]; missing modalities are enforced.
    n_neighbors : int, default 15
        Used only when ``graphs`` is None.
    graphs : ModalityGraphs, optional
        Prebuilt graphs (:func:`build_graphs`); reuse them across slider moves.

    Returns
    -------
    scipy.sparse.csr_matrix float32 (n, n)
        Symmetric, values in [0, 1], zero diagonal; usable as ``affinity="precomputed"``.
    """
    n = emb.n_tracks
    w = _check_weights("fuse_affinity", w, n)
    if graphs is None:
        graphs = build_graphs(emb, n_neighbors=n_neighbors)
    else:
        check_param("fuse_affinity", "graphs", f"graphs over {graphs.n_tracks} tracks",
                    f"graphs over the {n} tracks of 'emb'", graphs.n_tracks == n)
    w_eff = _effective(emb, w)
    wr, wc = w_eff[graphs.rows], w_eff[graphs.indices]
    data = np.sqrt(wr * wc) * graphs.audio
    data += np.sqrt((1.0 - wr) * (1.0 - wc)) * graphs.lyrics
    return sp.csr_matrix((data, graphs.indices, graphs.indptr), shape=(n, n))


def affinity_to_distance(affinity) -> np.ndarray:
    """Dense distances ``1 - A`` (zero diagonal) for algorithms that take precomputed distances
    (average-linkage agglomerative, HDBSCAN). Non-edges get the maximum distance 1.

    Returns
    -------
    float64 (n, n)
        Dense: O(n^2) memory, meant for up to a few thousand tracks.
    """
    a = affinity.toarray() if sp.issparse(affinity) else np.asarray(affinity)
    dist = 1.0 - np.clip(a.astype(np.float64), 0.0, 1.0)
    np.fill_diagonal(dist, 0.0)
    return dist
