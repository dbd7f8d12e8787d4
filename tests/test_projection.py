"""Tests of core.projection: UMAP/PCA maps, warm refreshes, small inputs, validation.

Real umap-learn (numba-compiled once per run through ``warm_up``), small Gaussian blobs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import silhouette_score
from sklearn.neighbors import NearestNeighbors

from core.errors import ParameterError
from core.fusion import ModalityReducer, fuse_concat
from core.params import invalid_values
from core.projection import (
    PROJECTION_CONSTRAINTS,
    Projection,
    ProjectionConfig,
    is_warm,
    knn_graph,
    procrustes_align,
    project,
    warm_up,
)


def _blobs(n=240, d=16, k=4, spread=8.0, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % k
    centres = rng.normal(scale=spread, size=(k, d))
    X = centres[labels] + rng.normal(size=(n, d))
    return X.astype(np.float32), labels


def _quiet(X, config=None, **kw) -> Projection:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return project(X, config, **kw)


def _mean_disp(a, b) -> float:
    """Mean displacement of the rows, relative to the RMS radius of ``b``."""
    radius = np.sqrt(np.mean(np.sum((b - b.mean(0)) ** 2, axis=1)))
    return float(np.mean(np.linalg.norm(a - b, axis=1)) / radius)


def _knn_overlap(X, coords, k=10) -> float:
    """Mean share of each track's k nearest neighbours in X that are among its k nearest on
    the map."""
    a = knn_graph(X, k + 1)[0][:, 1:]
    b = knn_graph(coords, k + 1)[0][:, 1:]
    return float(np.mean([np.isin(a[i], b[i]).mean() for i in range(len(a))]))


@pytest.fixture(scope="module", autouse=True)
def _jit():
    warm_up()  # compile umap's kernels once for the module
    warm_up()  # idempotent: returns at once


def test_is_warm_answers_at_once_while_a_warm_up_runs(monkeypatch):
    """The Clusters page asks is_warm() while the app's warm-up thread compiles: it must say "no" at once
    (not wait on the warm-up's lock), then "yes" when that warm-up has finished."""
    import threading

    from core.projection import entry

    assert is_warm()                                     # the module fixture warmed up
    monkeypatch.setitem(entry._WARMED, "done", False)    # as in a fresh process, ...
    with entry._WARM_LOCK:                               # ... with a warm-up under way (it holds the lock)
        answers = []
        asker = threading.Thread(target=lambda: answers.append(is_warm()))
        asker.start()
        asker.join(timeout=30)
        assert answers == [False], "is_warm() waited for the running warm-up"
        running = threading.Thread(target=warm_up)
        running.start()                                  # blocks on the lock like the app's thread
        assert not is_warm()
    running.join(timeout=300)
    assert not running.is_alive() and is_warm()


@pytest.fixture(scope="module")
def blobs():
    return _blobs()


@pytest.fixture(scope="module")
def fused():
    """Fused tracks from core.fusion: 6 genres, audio and lyrics blobs, 300 tracks."""
    rng = np.random.default_rng(3)
    n, g = 300, 6
    genre = np.arange(n) % g
    audio = rng.normal(scale=3.0, size=(g, 24))[genre] + rng.normal(size=(n, 24))
    lyrics = rng.normal(scale=3.0, size=(g, 24))[genre] + rng.normal(size=(n, 24))
    emb = ModalityReducer(n_components=12, seed=0).fit_transform(audio, lyrics)
    w = np.full(n, 0.6, np.float32)
    return emb, w, genre


# ------------------------------------------------------------------------------------------
# Shapes, dtype, separation
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n_components", [2, 3], ids=["2d", "3d"])
@pytest.mark.parametrize("method", ["umap", "pca"])
def test_shapes_and_dtype(blobs, method, n_components):
    X, _ = blobs
    p = project(X, ProjectionConfig(method=method, n_components=n_components))
    assert isinstance(p, Projection)
    assert p.method == method
    assert p.coords.shape == (len(X), n_components)
    assert p.coords.dtype == np.float32
    assert np.isfinite(p.coords).all()
    assert not p.coords.flags.writeable
    assert p.warnings == []
    assert p.seconds > 0
    if method == "umap":
        assert p.n_neighbors == 15 and p.n_epochs == 500 and not p.warm
        assert p.knn[0].shape == (len(X), 15)
    else:
        assert p.knn is None and p.n_epochs == 0


def test_float64_input_gives_float32(blobs):
    X, _ = blobs
    p = project(X.astype(np.float64), ProjectionConfig(method="pca"))
    assert p.coords.dtype == np.float32


@pytest.mark.parametrize("method", ["umap", "pca"])
def test_blobs_stay_separated(blobs, method):
    X, labels = blobs
    p = project(X, ProjectionConfig(method=method, seed=0))
    assert silhouette_score(p.coords, labels) > 0.5
    # every track's 10 nearest map neighbours share its blob
    nn = NearestNeighbors(n_neighbors=11).fit(p.coords).kneighbors(p.coords)[1][:, 1:]
    assert np.mean(labels[nn] == labels[:, None]) > 0.95


def test_umap_keeps_local_neighbourhoods(blobs):
    """Within-blob structure: a track's map neighbours overlap its neighbours in X far more
    than chance (10 of 60 blob-mates would give ~0.17)."""
    X, _ = blobs
    assert _knn_overlap(X, project(X, ProjectionConfig(seed=0)).coords) > 0.3


def test_cosine_metric(blobs):
    X, labels = blobs
    p = project(X, ProjectionConfig(metric="cosine"))
    assert silhouette_score(p.coords, labels) > 0.5


# ------------------------------------------------------------------------------------------
# Warm refresh
# ------------------------------------------------------------------------------------------
def test_warm_start_moves_less_than_a_cold_fit(fused):
    emb, w, genre = fused
    X0 = fuse_concat(emb, w)
    first = project(X0, ProjectionConfig(seed=0))
    X1 = fuse_concat(emb, np.clip(w + 0.05, 0, 1))  # a small slider move
    warm = project(X1, ProjectionConfig(seed=0), init=first.coords)
    cold = project(X1, ProjectionConfig(seed=1))
    assert warm.warm and warm.n_epochs == ProjectionConfig().warm_epochs
    d_warm = _mean_disp(warm.coords, first.coords)
    d_cold = _mean_disp(procrustes_align(cold.coords, first.coords), first.coords)
    assert d_warm < 0.5 * d_cold, (d_warm, d_cold)
    assert d_warm < 0.25
    # and the refreshed map still shows the genres
    assert silhouette_score(warm.coords, genre) > 0.5


def test_warm_start_keeps_frame(blobs):
    """Same data, warm refresh: the map keeps its centre and size (no zooming out)."""
    X, _ = blobs
    first = project(X)
    again = project(X, init=first.coords)
    c0, c1 = first.coords.mean(0), again.coords.mean(0)
    np.testing.assert_allclose(c1, c0, atol=1e-3)
    r0 = np.sqrt(np.mean(np.sum((first.coords - c0) ** 2, axis=1)))
    r1 = np.sqrt(np.mean(np.sum((again.coords - c1) ** 2, axis=1)))
    assert r1 == pytest.approx(r0, rel=1e-4)
    assert _mean_disp(again.coords, first.coords) < 0.2


def test_warm_start_follows_a_large_weight_change():
    """Audio-only to lyrics-only: the warm map must show the new neighbourhoods as well as a
    cold fit does (the arrangement of the clusters is inherited, their content is not)."""
    rng = np.random.default_rng(0)
    n = 240
    audio_group = np.arange(n) % 3
    lyrics_group = (np.arange(n) // 3) % 4
    audio = rng.normal(scale=4.0, size=(3, 16))[audio_group] + rng.normal(size=(n, 16))
    lyrics = rng.normal(scale=4.0, size=(4, 16))[lyrics_group] + rng.normal(size=(n, 16))
    emb = ModalityReducer(n_components=8, seed=0).fit_transform(audio, lyrics)
    first = project(fuse_concat(emb, np.ones(n, np.float32)))
    assert silhouette_score(first.coords, audio_group) > 0.5
    X1 = fuse_concat(emb, np.zeros(n, np.float32))
    warm = project(X1, init=first.coords)
    cold = project(X1)
    kept_old, kept_warm, kept_cold = (_knn_overlap(X1, c) for c in
                                      (first.coords, warm.coords, cold.coords))
    assert kept_old < 0.1 < 0.3 < kept_warm
    assert kept_warm > 0.85 * kept_cold, (kept_warm, kept_cold)
    assert silhouette_score(warm.coords, lyrics_group) > 0.4
    assert silhouette_score(warm.coords, audio_group) < 0.2


def test_init_of_other_shape_starts_fresh_with_a_warning(blobs):
    X, _ = blobs
    cfg3 = ProjectionConfig(n_components=3)
    old2d = project(X).coords
    with pytest.warns(UserWarning, match="starting a fresh layout"):
        p = project(X, cfg3, init=old2d)
    assert not p.warm and p.coords.shape == (len(X), 3)
    np.testing.assert_array_equal(p.coords, _quiet(X, cfg3).coords)


def test_init_with_nan_is_rejected(blobs):
    X, _ = blobs
    init = np.zeros((len(X), 2), np.float32)
    init[4] = np.nan
    with pytest.raises(ParameterError, match="'init' parameter of project"):
        project(X, init=init)


# ------------------------------------------------------------------------------------------
# Small inputs
# ------------------------------------------------------------------------------------------
def test_n_neighbors_cut_with_warning():
    X, _ = _blobs(n=10, d=6, k=2)
    with pytest.warns(UserWarning, match="n_neighbors=15 is not below the 10 tracks"):
        p = project(X, ProjectionConfig(n_neighbors=15))
    assert p.method == "umap" and p.n_neighbors == 9
    assert any("n_neighbors=9" in m for m in p.warnings)
    assert p.coords.shape == (10, 2) and np.isfinite(p.coords).all()


@pytest.mark.parametrize("n_components", [2, 3])
@pytest.mark.parametrize("n", [4, 5])
def test_few_tracks_still_project_with_umap(n, n_components):
    X, _ = _blobs(n=n, d=6, k=2)
    p = _quiet(X, ProjectionConfig(n_components=n_components))
    assert p.method == "umap" and p.coords.shape == (n, n_components)
    assert np.isfinite(p.coords).all()


@pytest.mark.parametrize("method", ["umap", "pca"])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_tiny_n_gives_trivial_layout(n, method):
    X, _ = _blobs(n=n, d=5, k=1)
    with pytest.warns(UserWarning, match=f"Only {n} track"):
        p = project(X, ProjectionConfig(method=method, n_components=3))
    assert p.method == "pca" and p.coords.shape == (n, 3) and p.coords.dtype == np.float32
    assert np.isfinite(p.coords).all()
    if n == 1:
        np.testing.assert_array_equal(p.coords, 0)
    else:  # distinct tracks get distinct points
        assert len(np.unique(p.coords, axis=0)) == n
    assert p.warnings and "trivial" in p.warnings[0]


def test_identical_tracks_sit_at_the_origin():
    X = np.ones((20, 4), np.float32)
    with pytest.warns(UserWarning, match="identical features"):
        p = project(X)
    np.testing.assert_array_equal(p.coords, 0)


def test_duplicate_tracks_are_finite():
    X, _ = _blobs(n=12, d=4, k=3)
    X = np.repeat(X, 8, axis=0)  # every track eight times
    p = _quiet(X)
    q = _quiet(X, init=p.coords)
    assert np.isfinite(p.coords).all() and np.isfinite(q.coords).all()


# ------------------------------------------------------------------------------------------
# Determinism, PCA alignment
# ------------------------------------------------------------------------------------------
def test_same_seed_same_map(blobs):
    X, _ = blobs
    a = project(X, ProjectionConfig(seed=7))
    b = project(X, ProjectionConfig(seed=7))
    np.testing.assert_array_equal(a.coords, b.coords)
    c = project(X, ProjectionConfig(seed=8))
    assert not np.array_equal(a.coords, c.coords)
    wa = project(X * 1.01, ProjectionConfig(seed=7), init=a.coords)
    wb = project(X * 1.01, ProjectionConfig(seed=7), init=a.coords)
    np.testing.assert_array_equal(wa.coords, wb.coords)


def test_pca_aligns_signs_to_previous_map(blobs):
    X, _ = blobs
    cfg = ProjectionConfig(method="pca")
    first = project(X, cfg)
    flipped = project(-X, cfg)  # same geometry, every axis flips
    assert _mean_disp(flipped.coords, first.coords) > 1.0
    aligned = project(-X, cfg, init=first.coords)
    assert aligned.warm
    np.testing.assert_allclose(aligned.coords, first.coords, atol=1e-3 * np.abs(first.coords).max())


def test_pca_alignment_undoes_an_axis_swap():
    """Two nearly equal principal variances that trade places (as a weight change can make
    them): unaligned, the map's axes swap; aligned to the previous map, it stays put."""
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(200, 6))
    Z -= Z.mean(0)
    Z = np.linalg.qr(Z)[0] * np.sqrt(200)  # exactly uncorrelated columns of equal variance
    X = Z * np.array([3.0, 2.9, 0.3, 0.3, 0.3, 0.3])
    X2 = Z * np.array([2.9, 3.0, 0.3, 0.3, 0.3, 0.3])
    cfg = ProjectionConfig(method="pca")
    first = project(X, cfg)
    assert _mean_disp(project(X2, cfg).coords, first.coords) > 0.5
    aligned = project(X2, cfg, init=first.coords)
    assert _mean_disp(aligned.coords, first.coords) < 0.05


def test_pca_is_principal_axes(blobs):
    X, _ = blobs
    p = project(X, ProjectionConfig(method="pca", n_components=3))
    from sklearn.decomposition import PCA
    ref = PCA(n_components=3).fit_transform(X.astype(np.float64))
    np.testing.assert_allclose(np.abs(p.coords), np.abs(ref), atol=1e-3 * np.abs(ref).max())
    # variance decreasing along the axes
    v = p.coords.var(axis=0)
    assert v[0] >= v[1] >= v[2]


# ------------------------------------------------------------------------------------------
# Neighbour graph reuse
# ------------------------------------------------------------------------------------------
def test_knn_graph_is_exact(blobs):
    X, _ = blobs
    idx, dist = knn_graph(X, 8)
    ref_d, ref_i = NearestNeighbors(n_neighbors=8).fit(X).kneighbors(X)
    np.testing.assert_array_equal(idx[:, 0], np.arange(len(X)))
    np.testing.assert_allclose(dist, ref_d, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(np.sort(idx, axis=1), np.sort(ref_i, axis=1))
    _, cos = knn_graph(X, 8, metric="cosine")
    ref_c = NearestNeighbors(n_neighbors=8, metric="cosine").fit(X).kneighbors(X)[0]
    np.testing.assert_allclose(cos, ref_c, atol=1e-5)


def test_knn_reuse_on_same_X_gives_same_map(blobs):
    X, _ = blobs
    first = project(X, ProjectionConfig(n_neighbors=10))
    again = project(X, ProjectionConfig(n_neighbors=10), knn=first.knn)
    assert again.warnings == []
    np.testing.assert_array_equal(again.coords, first.coords)
    # a larger graph is trimmed to n_neighbors
    big = knn_graph(X, 20)
    trimmed = project(X, ProjectionConfig(n_neighbors=10), knn=big)
    np.testing.assert_array_equal(trimmed.coords, first.coords)


def test_stale_knn_is_recomputed_with_a_warning(fused):
    emb, w, _ = fused
    X0 = fuse_concat(emb, w)
    X1 = fuse_concat(emb, np.clip(w - 0.3, 0, 1))  # the weights changed: X changed
    old = project(X0)
    with pytest.warns(UserWarning, match="does not match X"):
        p = project(X1, knn=old.knn)
    np.testing.assert_array_equal(p.coords, project(X1).coords)


def test_knn_with_too_few_neighbours_is_recomputed(blobs):
    X, _ = blobs
    with pytest.warns(UserWarning, match="fewer than n_neighbors=15"):
        project(X, knn=knn_graph(X, 5))


def test_malformed_knn_is_rejected(blobs):
    X, _ = blobs
    with pytest.raises(ParameterError, match="'knn' parameter of project"):
        project(X, knn=np.zeros((len(X), 15)))


# ------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------
def test_nan_and_inf_rows_are_rejected_by_row(blobs):
    X, _ = blobs
    X = X.copy()
    X[3, 1] = np.nan
    X[7, 0] = np.inf
    with pytest.raises(ParameterError, match=r"Got 2 of 240 rows with NaN or inf \(rows 3, 7\)"):
        project(X)


@pytest.mark.parametrize("X", [np.zeros(5), np.zeros((0, 3)), np.zeros((4, 0)),
                               np.array([["a", "b"]])], ids=["1d", "no-rows", "no-cols", "str"])
def test_bad_X_shape_is_rejected(X):
    with pytest.raises(ParameterError, match="The 'X' parameter of project must be"):
        project(X)


_CASES = [(name, bad) for name, allowed in PROJECTION_CONSTRAINTS.items()
          for bad in invalid_values(allowed)]


@pytest.mark.parametrize("name,bad", _CASES, ids=[f"{n}={b!r}" for n, b in _CASES])
def test_every_declared_constraint_is_enforced(name, bad):
    X = np.random.default_rng(0).normal(size=(12, 3)).astype(np.float32)
    cfg = ProjectionConfig(**{name: bad})
    with pytest.raises(ParameterError, match=f"The '{name}' parameter of ProjectionConfig must be"):
        project(X, cfg)


def test_config_must_be_a_projection_config():
    with pytest.raises(ParameterError, match="'config' parameter of project"):
        project(np.zeros((5, 2)), {"method": "pca"})


def test_concurrent_projections_match_sequential_ones(blobs):
    """Two sessions projecting at once (Streamlit runs each in its own thread) get the same maps
    as one after the other, and the process-wide warning filters are left as they were."""
    import threading

    X, _ = blobs
    cfgs = [ProjectionConfig(seed=s, n_components=c) for s, c in ((0, 2), (1, 3))]
    expected = [project(X, c).coords for c in cfgs]
    filters_before = list(warnings.filters)
    got = [None, None]

    def run(i):
        got[i] = project(X, cfgs[i]).coords

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    assert list(warnings.filters) == filters_before
