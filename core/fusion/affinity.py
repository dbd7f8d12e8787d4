"""Affinity-level fusion: one cosine kNN graph per modality, mixed with per-pair weights.

Pipeline position: embeddings -> **graphs** (once per dataset) -> affinity (every slider
move) -> spectral, agglomerative and HDBSCAN clustering.

:func:`build_graphs` builds both graphs once on one shared sparsity pattern
(:class:`ModalityGraphs`: similarities ``max(cos, 0)`` in [0, 1], float32 per stored pair);
:func:`fuse_affinity` mixes them with the tracks' audio weights into a symmetric sparse
affinity float32 (n_tracks, n_tracks) in [0, 1]; :func:`affinity_to_distance` turns it into
dense distances ``1 - A`` for the algorithms that take distances. Settings are declared in
:data:`GRAPH_CONSTRAINTS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import Optional

import numpy as np
import scipy.sparse as sp

from core.errors import check_param
from core.fusion.embeddings import Embeddings
from core.fusion.weights import _check_weights, _effective
from core.params import Interval, validate_params

__all__ = ["GRAPH_CONSTRAINTS", "ModalityGraphs", "build_graphs", "fuse_affinity",
           "affinity_to_distance"]


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
