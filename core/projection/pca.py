"""PCA maps and their warm start: principal axes with a deterministic sign, and the orthogonal
Procrustes alignment that keeps a new map from flipping or spinning against the previous one."""

from __future__ import annotations

from typing import Tuple

import numpy as np


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
