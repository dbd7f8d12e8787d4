"""Exact k-nearest neighbours in numpy, in umap's ``precomputed_knn`` layout."""

from __future__ import annotations

from typing import Tuple

import numpy as np

from core.fusion import hot_path


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
