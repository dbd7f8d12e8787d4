"""The algorithms behind :func:`core.clustering.cluster`, one class each (see
:class:`~core.clustering.base.ClusterAlgorithm` for the interface): k-means, agglomerative,
spectral, Gaussian mixture and HDBSCAN."""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Optional

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from core.clustering.base import (
    _N_NEIGHBORS,
    ClusterAlgorithm,
    _check_init,
    _fused,
    _reissue,
)
from core.clustering.kmeans import _KMEANS_OPTIONS, FusedKMeans, WeightedKMeans
from core.clustering.result import ClusterResult
from core.errors import check_param
from core.fusion import Embeddings, ModalityGraphs, affinity_to_distance
from core.params import Interval, StrOptions


class KMeans(ClusterAlgorithm):
    """Seeded float32 Lloyd k-means (:class:`~core.clustering.kmeans.FusedKMeans` on the scaled
    concatenation, :class:`~core.clustering.kmeans.WeightedKMeans` for ``"weighted"``),
    warm-started from ``init`` centres. Never trivial: k-means handles k = 1 and k = n itself."""

    name = "kmeans"
    fusions = ("concat", "weighted")
    options = _KMEANS_OPTIONS
    defaults = {"n_init": 1, "max_iter": 100, "tol": 0.0}
    takes_init = True

    def fit(self, emb: Embeddings, w: np.ndarray, init=None,
            graphs: Optional[ModalityGraphs] = None,
            out: Optional[np.ndarray] = None) -> ClusterResult:
        messages: list = []
        est_cls = WeightedKMeans if self.fusion == "weighted" else FusedKMeans
        est = est_cls(n_clusters=self.n_clusters, init="k-means++" if init is None else init,
                      n_init=self.opts["n_init"], max_iter=self.opts["max_iter"],
                      tol=self.opts["tol"], seed=self.seed)
        est._owner = self.owner
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if self.fusion == "weighted":
                est.fit(emb, w, out=out)
            else:
                est.fit(_fused(emb, w, out))
        _reissue(caught, messages)
        return self._result(est.labels_, est.cluster_centers_, int(est.n_iter_), messages,
                            inertia=float(est.inertia_))


class Agglomerative(ClusterAlgorithm):
    """Agglomerative clustering: Ward linkage on the fused matrix, average linkage on ``1 - A``."""

    name = "agglomerative"
    fusions = ("concat", "affinity")
    options = {
        "linkage": [StrOptions({"ward", "average", "complete", "single"}), None],
        "n_neighbors": _N_NEIGHBORS,
    }
    defaults = {"linkage": None, "n_neighbors": 15}

    def _linkage(self) -> str:
        return self.opts["linkage"] or ("average" if self.fusion == "affinity" else "ward")

    def _fit_fused(self, X, init):
        from sklearn.cluster import AgglomerativeClustering

        model = AgglomerativeClustering(n_clusters=self.n_clusters, linkage=self._linkage())
        return model.fit_predict(X), None, 0

    def _fit_affinity(self, affinity):
        from sklearn.cluster import AgglomerativeClustering

        linkage = self._linkage()
        check_param(self.owner, "linkage", linkage,
                    "'average', 'complete' or 'single' with fusion 'affinity'",
                    linkage != "ward")
        model = AgglomerativeClustering(n_clusters=self.n_clusters, metric="precomputed",
                                        linkage=linkage)
        return model.fit_predict(affinity_to_distance(affinity))


class Spectral(ClusterAlgorithm):
    """Spectral clustering (``cluster_qr`` labels): a kNN graph of the fused matrix, or the
    mixed affinity itself."""

    name = "spectral"
    fusions = ("concat", "affinity")
    options = {"n_neighbors": _N_NEIGHBORS}
    defaults = {"n_neighbors": 15}

    def _fit_fused(self, X, init):
        from sklearn.cluster import SpectralClustering

        model = SpectralClustering(n_clusters=self.n_clusters, affinity="nearest_neighbors",
                                   n_neighbors=min(self.opts["n_neighbors"], X.shape[0] - 1),
                                   random_state=self.seed, assign_labels="cluster_qr")
        return model.fit_predict(X), None, 0

    def _fit_affinity(self, affinity):
        from sklearn.cluster import SpectralClustering

        model = SpectralClustering(n_clusters=self.n_clusters, affinity="precomputed",
                                   random_state=self.seed, assign_labels="cluster_qr")
        return model.fit_predict(affinity.astype(np.float64))


class GaussianMixture(ClusterAlgorithm):
    """Gaussian mixture on the fused matrix (diagonal covariances by default), warm-started from
    ``init`` means."""

    name = "gmm"
    fusions = ("concat",)
    options = {
        "covariance_type": [StrOptions({"full", "tied", "diag", "spherical"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "reg_covar": [Interval(Real, 0, None, closed="neither")],
    }
    defaults = {"covariance_type": "diag", "max_iter": 100, "reg_covar": 1e-4}
    takes_init = True

    def _trivial_centers(self, emb, w, out):
        X = _fused(emb, w, out)
        return X.mean(axis=0, keepdims=True) if self.n_clusters == 1 else X.copy()

    def _fit_fused(self, X, init):
        from sklearn.mixture import GaussianMixture as SkGaussianMixture

        means_init = _check_init(self.owner, init, self.n_clusters, X.shape[1])
        model = SkGaussianMixture(n_components=self.n_clusters,
                                  covariance_type=self.opts["covariance_type"],
                                  max_iter=self.opts["max_iter"], reg_covar=self.opts["reg_covar"],
                                  means_init=means_init, random_state=self.seed)
        labels = model.fit(X).predict(X)
        return labels, model.means_.astype(np.float32), int(model.n_iter_)


class HDBSCAN(ClusterAlgorithm):
    """HDBSCAN on the fused matrix or on ``1 - A``; finds its own number of clusters and labels
    noise ``-1``."""

    name = "hdbscan"
    fusions = ("concat", "affinity")
    options = {
        "min_cluster_size": [Interval(Integral, 2, None, closed="left")],
        "min_samples": [Interval(Integral, 1, None, closed="left"), None],
        "n_neighbors": _N_NEIGHBORS,
    }
    defaults = {"min_cluster_size": 5, "min_samples": None, "n_neighbors": 15}
    finds_k = True

    def _sizes(self, n: int) -> tuple:
        mcs = min(self.opts["min_cluster_size"], max(n, 2))
        ms = self.opts["min_samples"]
        return mcs, min(ms if ms is not None else mcs, max(n - 1, 1))

    def _trivial(self, emb, w, out, messages):
        if emb.n_tracks >= 2:
            return None
        msg = "HDBSCAN needs at least two tracks: every track is labelled noise (-1)."
        messages.append(msg)
        warnings.warn(msg, ConvergenceWarning, stacklevel=4)  # at the caller of cluster()
        return self._result(np.full(emb.n_tracks, -1, np.int64), None, 0, messages)

    def _fit_fused(self, X, init):
        from sklearn.cluster import HDBSCAN as SkHDBSCAN

        mcs, ms = self._sizes(X.shape[0])
        return SkHDBSCAN(min_cluster_size=mcs, min_samples=ms, copy=True).fit_predict(X), None, 0

    def _fit_affinity(self, affinity):
        from sklearn.cluster import HDBSCAN as SkHDBSCAN

        mcs, ms = self._sizes(affinity.shape[0])
        model = SkHDBSCAN(min_cluster_size=mcs, min_samples=ms, metric="precomputed", copy=True)
        return model.fit_predict(affinity_to_distance(affinity))

    def _check_labels(self, labels, messages):
        if not (labels >= 0).any():
            msg = ("HDBSCAN found no cluster: every track is labelled noise (-1). Try a smaller "
                   "'min_cluster_size'.")
            messages.append(msg)
            warnings.warn(msg, ConvergenceWarning, stacklevel=4)  # at the caller of cluster()
