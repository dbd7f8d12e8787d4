"""UMAP maps: umap-learn imported lazily, a subclass whose layout step starts from the previous
coordinates as given (the warm refresh), and the fixes around a fit (umap's expected warnings,
tracks left without a neighbour, the map's size kept across refreshes)."""

from __future__ import annotations

import threading
import warnings

import numpy as np

from core.projection.checks import _warn
from core.projection.config import ProjectionConfig


_UMAP_CLASSES: dict = {}
_UMAP_LOCK = threading.RLock()


def _umap_classes():
    """Import umap lazily (3 s and numba) and build the warm-refresh subclass once."""
    if _UMAP_CLASSES:
        return _UMAP_CLASSES["cold"], _UMAP_CLASSES["warm"]
    import umap

    if not hasattr(umap, "UMAP"):  # e.g. bench/umap_refresh.py first on sys.path (a script in bench/)
        raise ImportError(
            f"'import umap' found {getattr(umap, '__file__', umap)!r}, not umap-learn: a file "
            "named umap.py shadows the package. Run from the repository root, or drop the "
            "script's folder from sys.path.")
    from umap.layouts import optimize_layout_euclidean
    from umap.umap_ import INT32_MAX, INT32_MIN, make_epochs_per_sample

    class _WarmUMAP(umap.UMAP):
        """umap whose layout step starts from ``init`` as given (no [0, 10] rescale)."""

        def _fit_embed_data(self, X, n_epochs, init, random_state, **kwargs):
            graph = self.graph_.tocoo(copy=True)
            graph.sum_duplicates()
            if n_epochs > 10:  # as simplicial_set_embedding: drop edges too weak to be sampled
                graph.data[graph.data < graph.data.max() / float(n_epochs)] = 0.0
            graph.eliminate_zeros()
            emb = np.array(init, dtype=np.float32, order="C")
            _separate_duplicates(emb, random_state)
            epochs_per_sample = make_epochs_per_sample(graph.data, n_epochs)
            rng_state = random_state.randint(INT32_MIN, INT32_MAX, 3).astype(np.int64)
            emb = optimize_layout_euclidean(
                emb, emb, graph.row, graph.col, n_epochs, graph.shape[1], epochs_per_sample,
                self._a, self._b, rng_state, self.repulsion_strength, self._initial_alpha,
                self.negative_sample_rate, parallel=False, verbose=False, densmap=False,
                densmap_kwds={}, tqdm_kwds=self.tqdm_kwds, move_other=True)
            return emb, {}

    _UMAP_CLASSES["cold"], _UMAP_CLASSES["warm"] = umap.UMAP, _WarmUMAP
    return umap.UMAP, _WarmUMAP


def _separate_duplicates(emb: np.ndarray, random_state) -> None:
    """Nudge coincident rows apart in place (coincident points never separate in the
    optimiser), by 0.1 % of the mean nearest-neighbour distance, as umap does for ``init``."""
    _, first, counts = np.unique(emb, axis=0, return_index=True, return_counts=True)
    if (counts == 1).all():
        return
    span = float(np.max(emb.max(axis=0) - emb.min(axis=0))) or 1.0
    scale = 1e-3 * span / max(1.0, np.sqrt(len(emb)))
    emb += random_state.normal(scale=scale, size=emb.shape).astype(np.float32)


#: umap warnings that say nothing to a user here: the first two follow from passing our own
#: neighbour graph and choosing one thread; the third is the normal case of well-separated
#: genres (umap then lays the components out one by one, which is what we want).
_EXPECTED_UMAP_WARNINGS = (
    "knn_search_index",
    "n_jobs value",
    "Graph is not fully connected",
)


def _run_umap(X, cfg: ProjectionConfig, k: int, init, knn, messages: list):
    cold_cls, warm_cls = _umap_classes()
    idx, dist = knn if knn is not None else (None, None)
    common = dict(n_neighbors=k, n_components=cfg.n_components, min_dist=cfg.min_dist,
                  metric=cfg.metric, random_state=cfg.seed, n_jobs=1, verbose=False)
    if idx is not None:
        # copies: umap marks disconnected neighbours in place
        common["precomputed_knn"] = (idx.copy(), dist.copy())
    if init is None:
        # spectral needs n_components + 1 eigenvectors of an n x n graph: too few tracks for it
        # below n_components + 3, so those tiny maps start from seeded random positions.
        start = "spectral" if X.shape[0] > cfg.n_components + 2 else "random"
        model = cold_cls(n_epochs=cfg.n_epochs, init=start, **common)
    else:
        model = warm_cls(n_epochs=cfg.warm_epochs, init=init,
                         learning_rate=cfg.warm_learning_rate, **common)
    # catch_warnings swaps process-wide state: one fit at a time, so two sessions' fits (or a
    # fit and warm_up) never restore each other's filters.
    with _UMAP_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        coords = model.fit_transform(X)
    for w in caught:
        text = str(w.message)
        if any(part in text for part in _EXPECTED_UMAP_WARNINGS):
            continue
        _warn(messages, f"umap: {text}")
    n_epochs = (cfg.warm_epochs if init is not None
                else cfg.n_epochs or (500 if X.shape[0] <= 10_000 else 200))
    used_knn = (np.asarray(model._knn_indices, np.int64), np.asarray(model._knn_dists,
                                                                     np.float32))
    return np.asarray(coords, np.float32), n_epochs, used_knn


def _keep_size(coords: np.ndarray, init: np.ndarray) -> np.ndarray:
    """Shift and scale (uniformly, about the centroid) a warm layout back to the previous map's
    centroid and RMS radius. The optimiser expands a layout a little on every refresh (about 1 %
    per 100 epochs); without this the map would slowly zoom out while a slider is dragged."""
    c, c0 = coords.mean(axis=0), init.mean(axis=0)
    r = np.sqrt(np.mean(np.sum((coords - c) ** 2, axis=1)))
    r0 = np.sqrt(np.mean(np.sum((init - c0) ** 2, axis=1)))
    if not (r > 0 and np.isfinite(r)):
        return coords
    return ((coords - c) * np.float32(r0 / r) + c0).astype(np.float32)


def _fill_disconnected(coords: np.ndarray, knn, messages: list) -> np.ndarray:
    """umap gives NaN to tracks with no edge left; put them at their neighbours' mean (or at
    the centre of the map) so every track stays drawable."""
    bad = ~np.isfinite(coords).all(axis=1)
    if not bad.any():
        return coords
    good_mean = coords[~bad].mean(axis=0) if (~bad).any() else np.zeros(coords.shape[1])
    for i in np.flatnonzero(bad):
        nb = [j for j in knn[0][i] if j != i and j >= 0 and not bad[j]] if knn else []
        coords[i] = coords[nb].mean(axis=0) if nb else good_mean
    _warn(messages, f"{int(bad.sum())} tracks had no neighbour left in the graph (far from all "
                    f"others); they are drawn at the mean of their nearest neighbours.")
    return coords
