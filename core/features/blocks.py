"""Balancing feature blocks: standardise columns over the tracks that have the modality and scale
each block by 1/sqrt(its width), so no block dominates by its width."""

from __future__ import annotations

import numpy as np


def standardise_blocks(x: np.ndarray, rows: np.ndarray, blocks: dict) -> np.ndarray:
    """Standardise columns over ``rows`` and scale each block by 1/sqrt(its width).

    Parameters
    ----------
    x : float array (n, d)
        Raw features; NaN entries (missing modality, undefined value) are allowed.
    rows : bool (n,)
        Tracks that have the modality; statistics come from these rows only.
    blocks : dict str -> list of int
        Column indices per block.

    Returns
    -------
    float32 (n, d)
        Each column has mean 0 and variance 1 over ``rows`` (constant columns become 0); each block
        then has total variance 1 whatever its width. NaN inside ``rows`` becomes 0 (the mean);
        rows outside ``rows`` are 0.
    """
    out = np.zeros(x.shape, dtype=np.float32)
    if not rows.any() or x.shape[1] == 0:
        return out
    sub = x[rows].astype(np.float64)
    known = ~np.isnan(sub)
    count = known.sum(axis=0)
    seen = np.maximum(count, 1)  # a column unknown on every row (e.g. words/s without audio) becomes 0
    mean = np.where(known, sub, 0.0).sum(axis=0) / seen
    std = np.sqrt(np.where(known, (sub - mean) ** 2, 0.0).sum(axis=0) / seen)
    std = np.where((count == 0) | ~np.isfinite(std) | (std < 1e-8), np.inf, std)
    z = (sub - mean) / std
    z = np.where(np.isnan(z), 0.0, z)
    for cols in blocks.values():
        if len(cols):
            z[:, cols] /= np.sqrt(len(cols))
    out[rows] = z.astype(np.float32)
    return out
