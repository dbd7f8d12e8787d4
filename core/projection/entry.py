"""The one entry, :func:`project`: checks, PCA or UMAP (cold or warm), and the JIT warm-up."""

from __future__ import annotations

import threading
import time
from typing import Optional

import numpy as np

from core.errors import check_param
from core.fusion import hot_path
from core.params import validate_fields
from core.projection.checks import _check_init, _check_knn, _check_X, _Messages, _warn
from core.projection.config import EXACT_KNN_MAX_TRACKS, MIN_UMAP_TRACKS, Projection, ProjectionConfig
from core.projection.knn import knn_graph
from core.projection.pca import _pca, procrustes_align
from core.projection.umap_layout import _fill_disconnected, _keep_size, _run_umap


def project(X, config: Optional[ProjectionConfig] = None, init=None, knn=None) -> Projection:
    """Map the tracks to 2-D or 3-D with UMAP or PCA.

    Parameters
    ----------
    X : float (n_tracks, d)
        Fused features, rows = tracks (e.g. :func:`core.fusion.fuse_concat`). Finite: rows with
        NaN or inf are rejected with their row numbers. Cast to float32.
    config : ProjectionConfig, optional
        Default ``ProjectionConfig()`` (2-D UMAP, 15 neighbours, seed 0).
    init : float (n_tracks, n_components), optional
        The previous map's coordinates. UMAP: a warm refresh that starts from them, in their
        frame, for ``config.warm_epochs`` epochs, so points move smoothly. PCA: the new map is
        rotated/reflected onto them (:func:`procrustes_align`). A shape that does not fit (other
        track count or dimension) is ignored with a warning and the layout starts fresh.
    knn : (indices int (n, k), distances float (n, k)), optional
        A neighbour graph to reuse (``Projection.knn`` of an earlier UMAP run on the same ``X``),
        column 0 the track itself, ``k >= n_neighbors``. Checked against ``X`` on a few rows and
        recomputed (with a warning) when stale, e.g. after a weight change. Ignored by PCA.

    Returns
    -------
    Projection
        ``coords`` float32 (n_tracks, n_components).

    Raises
    ------
    ParameterError
        A bad setting, a non-2-d ``X``, NaN/inf rows in ``X`` or ``init``.

    Notes
    -----
    Seeded UMAP is single-threaded (umap's rule for reproducibility); the same ``X``, config and
    ``init`` give the same coordinates. Three tracks or fewer give a trivial PCA layout with a
    warning; ``n_neighbors >= n_tracks`` is cut to ``n_tracks - 1`` with a warning.
    """
    t0 = time.perf_counter()
    with hot_path():  # one BLAS thread: spinning BLAS threads cost 10x on shared cores
        return _project(X, config, init, knn, t0)


def _project(X, config, init, knn, t0, quiet: bool = False) -> Projection:
    cfg = ProjectionConfig() if config is None else config
    check_param("project", "config", type(cfg).__name__, "a ProjectionConfig",
                isinstance(cfg, ProjectionConfig))
    validate_fields("ProjectionConfig", cfg, ProjectionConfig._constraints)
    X = _check_X(X)
    n = X.shape[0]
    messages = _Messages()
    messages.emit = not quiet
    init = _check_init(init, n, cfg.n_components, messages)

    if cfg.method == "pca" or n < MIN_UMAP_TRACKS:
        if n < MIN_UMAP_TRACKS:
            _warn(messages, f"Only {n} track{'s' if n != 1 else ''}: too few for a map; showing "
                            f"a trivial PCA layout.")
        coords, rank = _pca(X, cfg.n_components)
        if rank == 0 and n >= MIN_UMAP_TRACKS:
            _warn(messages, "All tracks have identical features: every point sits at the origin.")
        warm = init is not None and n >= 2
        if warm:
            coords = procrustes_align(coords, init)
        return _done(coords, "pca", messages, t0, warm=warm)

    k = int(cfg.n_neighbors)
    if n <= k:
        k = n - 1
        _warn(messages, f"n_neighbors={cfg.n_neighbors} is not below the {n} tracks; using "
                        f"n_neighbors={k}.")
    if np.ptp(X, axis=0).max() == 0:
        _warn(messages, "All tracks have identical features: every point sits at the origin.")
        return _done(np.zeros((n, cfg.n_components), np.float32), "umap", messages, t0,
                     warm=False, n_neighbors=k)
    if init is not None and np.ptp(init, axis=0).min() == 0:
        _warn(messages, "The previous map is flat along an axis; starting a fresh layout.")
        init = None

    knn = _check_knn(knn, X, k, cfg.metric, messages)
    if knn is None and n <= EXACT_KNN_MAX_TRACKS:
        knn = knn_graph(X, k, cfg.metric)
    coords, n_epochs, used_knn = _run_umap(X, cfg, k, init, knn, messages)
    coords = _fill_disconnected(coords, used_knn, messages)
    if init is not None:
        coords = _keep_size(coords, init)
    return _done(coords, "umap", messages, t0, warm=init is not None, n_neighbors=k,
                 n_epochs=n_epochs, knn=used_knn)


def _done(coords, method, messages, t0, **extra) -> Projection:
    coords = np.ascontiguousarray(coords, dtype=np.float32)
    coords.setflags(write=False)
    return Projection(coords=coords, method=method, warnings=list(messages),
                      seconds=time.perf_counter() - t0, **extra)


_WARM_LOCK = threading.Lock()
_WARMED = {"done": False}


def warm_up() -> None:
    """Compile umap's numba kernels once, on tiny data (a cold and a warm 2-D fit of 60 points).

    Takes 3-4 s in a fresh process when numba's on-disk cache is filled (~15 s the very first
    time), nothing afterwards.
    Thread-safe and idempotent: call it at app start in a background thread; a :func:`project`
    running meanwhile simply waits for the same compilations.
    """
    with _WARM_LOCK:
        if _WARMED["done"]:
            return
        rng = np.random.default_rng(0)
        X = rng.normal(size=(60, 8)).astype(np.float32)
        X[30:] += 4.0
        cfg = ProjectionConfig(n_neighbors=10, n_epochs=20, warm_epochs=5)
        with hot_path():  # quiet: no warnings.catch_warnings here (process-wide, not thread-safe)
            first = _project(X, cfg, None, None, time.perf_counter(), quiet=True)
            _project(X, cfg, first.coords, first.knn, time.perf_counter(), quiet=True)
        _WARMED["done"] = True


def is_warm() -> bool:
    """True once :func:`warm_up` has finished in this process (umap's kernels compiled or loaded).

    Never blocks: it reads a flag and does not take the warm-up's lock, so a page can ask while the
    warm-up runs in another thread (and, e.g., draw a PCA map meanwhile instead of waiting 4-15 s).
    """
    return bool(_WARMED["done"])
