"""Settings and result of a projection: :class:`ProjectionConfig` (with its declared bounds) and
:class:`Projection`."""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import ClassVar, Optional, Tuple

import numpy as np

from core.params import Interval, StrOptions

METHODS = ("umap", "pca")
METRICS = ("euclidean", "cosine")

#: Up to this many tracks the neighbour graph is an exact numpy search (O(n^2 d), chunked);
#: above it umap's approximate pynndescent search is used.
EXACT_KNN_MAX_TRACKS = 20_000

#: Below this many tracks UMAP is not attempted: the map is a trivial PCA layout.
MIN_UMAP_TRACKS = 4


@dataclass(frozen=True)
class ProjectionConfig:
    """Settings of a projection (hashable: usable as a cache key).

    Parameters
    ----------
    method : {"umap", "pca"}, default "umap"
    n_components : {2, 3}, default 2
        Dimensions of the map.
    n_neighbors : int >= 2, default 15
        umap's neighbourhood size; cut to ``n_tracks - 1`` with a warning when too large.
    min_dist : float in [0, 1], default 0.1
        umap's minimum distance between embedded points (umap's ``spread`` is 1).
    metric : {"euclidean", "cosine"}, default "euclidean"
        Distance in ``X`` for the neighbour graph. Rows of :func:`core.fusion.fuse_concat` have
        unit length, so both give the same neighbours there.
    seed : int in [0, 2**32 - 1], default 0
        umap's ``random_state``; the same seed gives the same map.
    n_epochs : int >= 1 or None, default None
        Epochs of a cold umap fit; None is umap's default (500 below 10,000 tracks, else 200).
    warm_epochs : int >= 1, default 100
        Epochs of a warm refresh (``init=`` given). Fewer epochs keep points closer to where
        they were; 100 re-converges a layout after a slider move at 1,000 tracks
        (``bench/umap_refresh.py``).
    warm_learning_rate : float > 0, default 0.25
        Initial learning rate of a warm refresh (umap's cold default is 1.0); it decays to 0
        over ``warm_epochs``. At 1,000 tracks 0.25 kept each track's map neighbours as well as
        a cold fit did and moved points least (``bench/umap_refresh.py``); 1.0 shuffles points inside
        their clusters.
    """

    method: str = "umap"
    n_components: int = 2
    n_neighbors: int = 15
    min_dist: float = 0.1
    metric: str = "euclidean"
    seed: int = 0
    n_epochs: Optional[int] = None
    warm_epochs: int = 100
    warm_learning_rate: float = 0.25

    #: Bounds of every field, checked by :func:`~core.projection.project`
    #: (``core.projection.PROJECTION_CONSTRAINTS`` is this table).
    _constraints: ClassVar[dict] = {
        "method": [StrOptions(METHODS)],
        "n_components": [Interval(Integral, 2, 3, closed="both")],
        "n_neighbors": [Interval(Integral, 2, None, closed="left")],
        "min_dist": [Interval(Real, 0, 1, closed="both")],
        "metric": [StrOptions(METRICS)],
        "seed": [Interval(Integral, 0, 2**32 - 1, closed="both")],
        "n_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "warm_epochs": [Interval(Integral, 1, None, closed="left")],
        "warm_learning_rate": [Interval(Real, 0, None, closed="neither")],
    }


@dataclass(frozen=True, eq=False)
class Projection:
    """What :func:`project` computed.

    Attributes
    ----------
    coords : float32 (n_tracks, n_components), read-only
        Map coordinates, rows in ``X``'s order. Units: umap's layout units, or the units of
        ``X`` for PCA.
    method : {"umap", "pca"}
        What actually ran: ``"pca"`` also for the trivial layout of three tracks or fewer.
    warnings : list of str
        Everything worth telling the user (cut ``n_neighbors``, trivial layout, ignored
        ``init`` or ``knn``, ...); also issued through :mod:`warnings`.
    seconds : float
        Wall time of the call, s.
    warm : bool
        True when the result started from ``init`` (umap warm refresh, or PCA aligned to it).
    n_neighbors : int
        Neighbours umap used (after any cut); 0 for PCA.
    n_epochs : int
        Optimiser epochs run; 0 for PCA.
    knn : (int64 (n, k), float32 (n, k)) or None
        Neighbour indices and distances umap used (column 0 is the track itself, distance 0);
        pass it back as ``knn=`` while ``X`` is unchanged. None for PCA.
    """

    coords: np.ndarray
    method: str
    warnings: list = field(default_factory=list)
    seconds: float = 0.0
    warm: bool = False
    n_neighbors: int = 0
    n_epochs: int = 0
    knn: Optional[Tuple[np.ndarray, np.ndarray]] = None
