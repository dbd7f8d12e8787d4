"""What a clustering returns: :class:`ClusterResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np


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
