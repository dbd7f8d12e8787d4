"""The interface every clustering algorithm shares (:class:`ClusterAlgorithm`), and the checks and
helpers the algorithms use: fused-matrix buffer, warnings recorded while fitting.

An algorithm is one class: its name, the fusions it takes (the first is its default), its own
options declared as constraints with their defaults, and how it fits the fused matrix
(:meth:`ClusterAlgorithm._fit_fused`) and/or the mixed affinity
(:meth:`ClusterAlgorithm._fit_affinity`). :meth:`ClusterAlgorithm.fit` does the rest the same
way for all: trivial partitions, fusion, recording and re-issuing warnings, the collapsed-
clustering warning, the :class:`~core.clustering.result.ClusterResult`. The registry in
:mod:`core.clustering` lists the classes; adding an algorithm is adding a class there.
"""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import Optional

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from core.clustering.result import ClusterResult
from core.errors import ParameterError, check_param
from core.fusion import Embeddings, ModalityGraphs, build_graphs, fuse_affinity
from core.fusion.concat import _check_out, _fuse_concat_into
from core.fusion.weights import _effective
from core.params import Interval

FUSIONS = ("concat", "weighted", "affinity")

_SEED = [Interval(Integral, 0, 2**32 - 1, closed="both")]
_N_CLUSTERS = [Interval(Integral, 1, None, closed="left")]
_N_NEIGHBORS = [Interval(Integral, 2, None, closed="left")]


class ClusterAlgorithm:
    """One clustering algorithm behind :func:`core.clustering.cluster`, scikit-learn style:
    settings stored in ``__init__`` as given, everything learned comes out of :meth:`fit`.

    Class attributes (what a subclass declares)
    -------------------------------------------
    name : str
        The ``algorithm=`` value.
    fusions : tuple of str
        Fusions it takes, the first being its default.
    options : dict
        Its own options: name -> list of constraints (:mod:`core.params`).
    defaults : dict
        Default of every option.
    takes_init : bool
        Whether ``init=`` (centres to warm-start from) applies.
    finds_k : bool
        True when the algorithm finds its own number of clusters (``n_clusters`` ignored).

    Parameters
    ----------
    n_clusters, seed, fusion
        As :func:`core.clustering.cluster` takes them (checked there).
    owner : str
        Names the call in error messages.
    **options
        The algorithm's options; missing ones take :attr:`defaults`.
    """

    name: str = ""
    fusions: tuple = ("concat",)
    options: dict = {}
    defaults: dict = {}
    takes_init = False
    finds_k = False

    def __init__(self, n_clusters: int = 8, seed: int = 0, fusion: Optional[str] = None,
                 owner: str = "cluster", **options):
        self.n_clusters = n_clusters
        self.seed = seed
        self.fusion = fusion if fusion is not None else self.fusions[0]
        self.owner = owner
        self.opts = {**self.defaults, **options}

    # -- what a subclass implements --------------------------------------------------------
    def _fit_fused(self, X: np.ndarray, init) -> tuple:
        """Labels (n,), centres or None, iterations, on the fused float32 matrix ``X`` (n, D)."""
        raise NotImplementedError(f"{self.name} does not cluster a fused matrix")

    def _fit_affinity(self, affinity: np.ndarray) -> np.ndarray:
        """Labels (n,) from the mixed affinity ``affinity`` float32 (n, n) in [0, 1]."""
        raise NotImplementedError(f"{self.name} does not cluster an affinity")

    # -- the shared steps ------------------------------------------------------------------
    def fit(self, emb: Embeddings, w: np.ndarray, init=None,
            graphs: Optional[ModalityGraphs] = None,
            out: Optional[np.ndarray] = None) -> ClusterResult:
        """Cluster the tracks of ``emb`` with (checked) audio weights ``w`` float (n,)."""
        messages: list = []
        trivial = self._trivial(emb, w, out, messages)
        if trivial is not None:
            return trivial
        centers, n_iter = None, 0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if self.fusion == "affinity":
                if graphs is None:
                    graphs = build_graphs(emb, n_neighbors=self.opts["n_neighbors"])
                labels = self._fit_affinity(fuse_affinity(emb, w, graphs=graphs))
            else:
                labels, centers, n_iter = self._fit_fused(_fused(emb, w, out), init)
        _reissue(caught, messages)
        labels = np.asarray(labels, dtype=np.int64)
        self._check_labels(labels, messages)
        return self._result(labels, centers, n_iter, messages)

    def _result(self, labels, centers, n_iter, messages, **extra) -> ClusterResult:
        return ClusterResult(labels=labels, centers=centers, n_iter=n_iter, warnings=messages,
                             algorithm=self.name, fusion=self.fusion,
                             n_clusters=self.n_clusters, **extra)

    def _trivial(self, emb, w, out, messages) -> Optional[ClusterResult]:
        """One cluster, or one cluster per track, without fitting (spectral's eigensolver and
        HDBSCAN need at least two tracks and fewer clusters than tracks)."""
        n, k = emb.n_tracks, self.n_clusters
        if k != 1 and k != n:
            return None
        labels = np.zeros(n, np.int64) if k == 1 else np.arange(n, dtype=np.int64)
        return self._result(labels, self._trivial_centers(emb, w, out), 0, messages)

    def _trivial_centers(self, emb, w, out) -> Optional[np.ndarray]:
        return None

    def _check_labels(self, labels: np.ndarray, messages: list) -> None:
        """Warn (and note) a clustering with fewer distinct clusters than requested; the warning
        points at the caller of :func:`core.clustering.cluster`."""
        _warn_collapsed(int(np.unique(labels).size), self.n_clusters, messages, stacklevel=5)


def _check_init(owner, init, k, dim):
    if init is None or (isinstance(init, str) and init == "k-means++"):
        return None
    if isinstance(init, str):
        check_param(owner, "init", init, "'k-means++', None or an array of centres", False)
    arr = np.asarray(init)
    check_param(owner, "init", f"array of shape {arr.shape}",
                f"an array of centres of shape ({k}, {dim})",
                arr.ndim == 2 and arr.shape == (k, dim))
    check_param(owner, "init", "an array with non-finite values", "finite",
                bool(np.isfinite(arr).all()))
    return arr.astype(np.float32)


def _warn_collapsed(found, k, messages, stacklevel=4):
    if found < k:
        msg = (f"Number of distinct clusters ({found}) found smaller than n_clusters ({k}). "
               "Possibly due to duplicate points or too few tracks with usable data.")
        messages.append(msg)
        warnings.warn(msg, ConvergenceWarning, stacklevel=stacklevel)


def _check_n_clusters(owner, k, n):
    if k > n:
        raise ParameterError(
            f"The 'n_clusters' parameter of {owner} must be at most the number of tracks "
            f"(n_tracks={n}). Got n_clusters={k} instead.")


def _fused(emb: Embeddings, w: np.ndarray, out: Optional[np.ndarray]) -> np.ndarray:
    out = _check_out("cluster", out, emb.n_tracks, 2 * emb.width)
    return _fuse_concat_into(emb.audio, emb.lyrics, _effective(emb, w), out)


def _reissue(caught, messages):
    """Re-issue warnings recorded while fitting, once each, and keep their messages."""
    seen = set()
    for c in caught:
        text = str(c.message)
        if text in seen:
            continue
        seen.add(text)
        messages.append(text)
        warnings.warn_explicit(c.message, c.category, c.filename, c.lineno)
