"""Clustering: every algorithm x dtype on small blobs, hand-checked weighted k-means, seeds,
warm starts, errors and warnings (the declared constraints are walked in tests/test_params.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score

from core.clustering import (
    ClusterResult,
    FusedKMeans,
    WeightedKMeans,
    cluster,
)
from core.errors import ParameterError
from core.fusion import (
    Embeddings,
    ModalityReducer,
    fuse_concat,
)

N_PER = 15


def blobs(dtype=np.float32, seed=0, complementary=False):
    """3 genres x N_PER tracks; 16-d audio and 24-d lyrics; two tracks without lyrics.

    complementary=True: genres 0 and 1 sound alike (same audio centre) and genres 1 and 2 share
    lyric themes (same lyrics centre), so only the two modalities together separate all three.
    """
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), N_PER)
    ca = rng.normal(size=(3, 16))
    cl = rng.normal(size=(3, 24))
    if complementary:
        ca[1] = ca[0]
        cl[2] = cl[1]
    audio = ca[y] + 0.25 * rng.normal(size=(len(y), 16))
    lyrics = cl[y] + 0.25 * rng.normal(size=(len(y), 24))
    lyrics_ok = np.ones(len(y), bool)
    lyrics_ok[[4, 33]] = False
    lyrics[~lyrics_ok] = 0.0
    emb = ModalityReducer(n_components=8, seed=0).fit_transform(
        audio.astype(dtype), lyrics.astype(dtype), None, lyrics_ok)
    return emb, y


ALGO_FUSIONS = [("kmeans", "concat"), ("kmeans", "weighted"), ("agglomerative", "concat"),
                ("agglomerative", "affinity"), ("spectral", "concat"), ("spectral", "affinity"),
                ("gmm", "concat"), ("hdbscan", "concat"), ("hdbscan", "affinity")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("algorithm, fusion", ALGO_FUSIONS,
                         ids=[f"{a}-{f}" for a, f in ALGO_FUSIONS])
def test_every_algorithm_finds_the_blobs(algorithm, fusion, dtype):
    emb, y = blobs(dtype)
    w = np.full(emb.n_tracks, 0.5, dtype=dtype)
    with warnings.catch_warnings():
        # a kNN graph of well separated blobs is disconnected; sklearn says so, and that is fine
        warnings.filterwarnings("ignore", message="Graph is not fully connected")
        res = cluster(emb, w, algorithm=algorithm, n_clusters=3, seed=0, fusion=fusion,
                      **({"min_cluster_size": 5} if algorithm == "hdbscan" else {}))
    assert isinstance(res, ClusterResult)
    assert res.labels.shape == (emb.n_tracks,) and res.labels.dtype == np.int64
    assert (res.algorithm, res.fusion) == (algorithm, fusion)
    assert adjusted_rand_score(y, res.labels) > 0.9
    if algorithm in ("kmeans", "gmm"):
        assert res.centers.shape == (3, 2 * emb.width) and res.centers.dtype == np.float32
        assert res.n_iter >= 1
    else:
        assert res.centers is None


@pytest.mark.parametrize("algorithm, fusion", ALGO_FUSIONS,
                         ids=[f"{a}-{f}" for a, f in ALGO_FUSIONS])
def test_same_seed_same_labels(algorithm, fusion):
    emb, _ = blobs(seed=1)
    w = np.random.default_rng(2).random(emb.n_tracks)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Graph is not fully connected")
        a = cluster(emb, w, algorithm, 4, seed=7, fusion=fusion)
        b = cluster(emb, w, algorithm, 4, seed=7, fusion=fusion)
    np.testing.assert_array_equal(a.labels, b.labels)


def test_fusion_separates_what_no_single_modality_can():
    emb, y = blobs(complementary=True)
    n = emb.n_tracks
    audio_only = cluster(emb, np.ones(n), n_clusters=3, seed=0)
    lyrics_only = cluster(emb, np.zeros(n), n_clusters=3, seed=0)
    both = {f: cluster(emb, np.full(n, 0.5), n_clusters=3, seed=0, fusion=f)
            for f in ("concat", "weighted")}
    assert adjusted_rand_score(y, audio_only.labels) < 0.7
    assert adjusted_rand_score(y, lyrics_only.labels) < 0.7
    for res in both.values():
        assert adjusted_rand_score(y, res.labels) > 0.9


# --------------------------------------------------------------------------------------------
# Weighted-distance k-means, by hand
# --------------------------------------------------------------------------------------------
def hand_tracks():
    """Three tracks, width 2; track 2 has no lyrics."""
    audio = np.array([[1, 0], [0, 1], [1, 0]], np.float32)
    lyrics = np.array([[1, 0], [0, 1], [0, 0]], np.float32)
    return Embeddings(audio=audio, lyrics=lyrics, audio_ok=np.ones(3, bool),
                      lyrics_ok=np.array([True, True, False]))


def test_weighted_centres_are_weight_weighted_means_by_hand():
    emb = hand_tracks()
    w = np.array([0.5, 0.25, 0.2])  # track 2 has no lyrics: its weight becomes 1
    km = WeightedKMeans(n_clusters=1, seed=0).fit(emb, w)
    # audio part: (0.5*[1,0] + 0.25*[0,1] + 1*[1,0]) / 1.75 = [6/7, 1/7]
    # lyrics part: (0.5*[1,0] + 0.75*[0,1]) / 1.25 = [0.4, 0.6]; track 2 adds nothing
    np.testing.assert_allclose(km.cluster_centers_, [[6 / 7, 1 / 7, 0.4, 0.6]], atol=1e-6)
    # inertia: sum_i w_i |a_i - c_a|^2 + (1 - w_i) |l_i - c_l|^2
    ca, cl = np.array([6 / 7, 1 / 7]), np.array([0.4, 0.6])
    we = [0.5, 0.25, 1.0]
    expect = sum(we[i] * np.sum((emb.audio[i] - ca) ** 2)
                 + (1 - we[i]) * np.sum((emb.lyrics[i] - cl) ** 2) for i in range(3))
    assert km.inertia_ == pytest.approx(expect, rel=1e-5)


def test_a_track_without_lyrics_does_not_move_any_lyrics_centre():
    emb = hand_tracks()
    w = np.array([0.5, 0.25, 0.9])
    with_it = WeightedKMeans(n_clusters=1).fit(emb, w).cluster_centers_
    without = WeightedKMeans(n_clusters=1).fit(
        Embeddings(audio=emb.audio[:2].copy(), lyrics=emb.lyrics[:2].copy(),
                   audio_ok=np.ones(2, bool), lyrics_ok=np.ones(2, bool)), w[:2]).cluster_centers_
    np.testing.assert_allclose(with_it[:, 2:], without[:, 2:], atol=1e-7)
    # whereas in the scaled concatenation its zero lyrics half drags the centre toward zero
    concat = FusedKMeans(n_clusters=1).fit(fuse_concat(emb, w)).cluster_centers_
    assert np.linalg.norm(concat[0, 2:]) < np.linalg.norm(
        FusedKMeans(n_clusters=1).fit(fuse_concat(
            Embeddings(audio=emb.audio[:2].copy(), lyrics=emb.lyrics[:2].copy(),
                       audio_ok=np.ones(2, bool), lyrics_ok=np.ones(2, bool)), w[:2])
        ).cluster_centers_[0, 2:])


def test_weighted_assignment_uses_only_the_modalities_a_track_has():
    # Tracks 0 and 1 have the same audio [1,0] and lyrics [0,1]; track 0 leans on audio
    # (w=0.9), track 1 on lyrics (w=0.1). Track 2 has audio [1,0] and no lyrics (asks w=0).
    # Tracks 3 and 4 anchor two centres: A (audio [1,0], lyrics [1,0]) and B ([0,1], [0,1]).
    # By hand, the partition {0, 2, 3} / {1, 4} is stable: e.g. track 0 is at
    # 0.1 * |[0,1] - [5/6,1/6]|^2 = 0.139 from A and 0.9 * |[1,0] - [1/6,5/6]|^2 = 1.25 from B.
    audio = np.array([[1, 0], [1, 0], [1, 0], [1, 0], [0, 1]], np.float32)
    lyrics = np.array([[0, 1], [0, 1], [0, 0], [1, 0], [0, 1]], np.float32)
    emb = Embeddings(audio=audio, lyrics=lyrics, audio_ok=np.ones(5, bool),
                     lyrics_ok=np.array([True, True, False, True, True]))
    init = np.array([[1, 0, 1, 0], [0, 1, 0, 1]], np.float32)
    km = WeightedKMeans(n_clusters=2, init=init).fit(emb, [0.9, 0.1, 0.0, 0.5, 0.5])
    np.testing.assert_array_equal(km.labels_, [0, 1, 0, 0, 1])
    np.testing.assert_allclose(km.cluster_centers_,
                               [[1, 0, 5 / 6, 1 / 6], [1 / 6, 5 / 6, 0, 1]], atol=1e-6)


# --------------------------------------------------------------------------------------------
# Warm starts
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fusion", ["concat", "weighted"])
def test_warm_start_from_own_centres_is_a_fixed_point(fusion):
    emb, _ = blobs(seed=3)
    w = np.random.default_rng(0).uniform(0.2, 0.8, emb.n_tracks)
    cold = cluster(emb, w, n_clusters=4, seed=0, fusion=fusion)
    warm = cluster(emb, w, n_clusters=4, seed=0, fusion=fusion, init=cold.centers)
    assert adjusted_rand_score(cold.labels, warm.labels) == 1.0
    assert warm.n_iter == 1
    np.testing.assert_allclose(warm.centers, cold.centers, atol=1e-6)


@pytest.mark.parametrize("fusion", ["concat", "weighted"])
def test_warm_start_after_a_slider_move_reaches_the_cold_partition(fusion):
    emb, y = blobs(seed=4)
    n = emb.n_tracks
    prev = cluster(emb, np.full(n, 0.5), n_clusters=3, seed=0, fusion=fusion)
    w = np.full(n, 0.55)
    warm = cluster(emb, w, n_clusters=3, seed=0, fusion=fusion, init=prev.centers)
    cold = cluster(emb, w, n_clusters=3, seed=0, fusion=fusion)
    assert adjusted_rand_score(cold.labels, warm.labels) == 1.0
    assert adjusted_rand_score(y, warm.labels) > 0.9


def test_gmm_takes_means_init():
    emb, y = blobs(seed=5)
    w = np.full(emb.n_tracks, 0.5)
    first = cluster(emb, w, "gmm", 3, seed=0)
    again = cluster(emb, w, "gmm", 3, seed=0, init=first.centers)
    assert adjusted_rand_score(first.labels, again.labels) == 1.0


def test_fused_buffer_is_reused():
    emb, _ = blobs()
    buf = np.empty((emb.n_tracks, 2 * emb.width), np.float32)
    w = np.full(emb.n_tracks, 0.3)
    a = cluster(emb, w, n_clusters=3, out=buf)
    np.testing.assert_array_equal(buf, fuse_concat(emb, w))
    b = cluster(emb, w, n_clusters=3)
    np.testing.assert_array_equal(a.labels, b.labels)


# --------------------------------------------------------------------------------------------
# Errors and warnings
# --------------------------------------------------------------------------------------------
def test_more_clusters_than_tracks_names_both_numbers():
    emb = hand_tracks()
    with pytest.raises(ParameterError, match=r"'n_clusters' parameter of cluster\(algorithm="
                                             r"'kmeans'\) must be at most the number of tracks "
                                             r"\(n_tracks=3\)\. Got n_clusters=5 instead\."):
        cluster(emb, np.full(3, 0.5), n_clusters=5)
    with pytest.raises(ParameterError, match=r"n_tracks=3.*n_clusters=4"):
        FusedKMeans(n_clusters=4).fit(np.eye(3))


@pytest.mark.parametrize("fusion", ["concat", "weighted"])
def test_collapsed_clustering_warns_and_still_returns_labels(fusion):
    # six tracks but only two distinct points: three clusters cannot all be filled
    audio = np.array([[1, 0]] * 3 + [[0, 1]] * 3, np.float32)
    emb = Embeddings(audio=audio, lyrics=audio.copy(), audio_ok=np.ones(6, bool),
                     lyrics_ok=np.ones(6, bool))
    with pytest.warns(ConvergenceWarning, match=r"Number of distinct clusters \(2\) found "
                                                r"smaller than n_clusters \(3\)"):
        res = cluster(emb, np.full(6, 0.5), n_clusters=3, fusion=fusion)
    assert res.n_found == 2
    assert any("distinct clusters (2)" in m for m in res.warnings)
    assert adjusted_rand_score([0, 0, 0, 1, 1, 1], res.labels) == 1.0


def test_hdbscan_noise_and_all_noise_warning():
    emb, y = blobs(seed=6)
    w = np.full(emb.n_tracks, 0.5)
    res = cluster(emb, w, "hdbscan", min_cluster_size=5)
    assert res.n_found == 3
    with pytest.warns(ConvergenceWarning, match="HDBSCAN found no cluster"):
        none = cluster(emb, w, "hdbscan", min_cluster_size=emb.n_tracks)
    assert none.n_noise == emb.n_tracks and none.n_found == 0


@pytest.mark.parametrize("kwargs, match", [
    ({"algorithm": "kmeans", "fusion": "affinity"},
     r"'fusion' parameter of cluster\(algorithm='kmeans'\) must be a str among "
     r"\{'concat', 'weighted'\}\. Got 'affinity' instead\."),
    ({"algorithm": "gmm", "fusion": "weighted"},
     r"'fusion' parameter of cluster\(algorithm='gmm'\)"),
    ({"algorithm": "spectral", "init": np.zeros((3, 16))},
     r"'init' parameter .* must be None \(only k-means and GMM take init\)\. "
     r"Got 'array of shape \(3, 16\)' instead\."),
    ({"algorithm": "kmeans", "init": np.zeros((2, 16))},
     r"'init' parameter .* must be an array of centres of shape \(3, 16\)"),
    ({"algorithm": "kmeans", "init": "random"}, r"'init' parameter"),
    ({"algorithm": "agglomerative", "fusion": "affinity", "linkage": "ward"},
     r"'linkage' parameter .* with fusion 'affinity'"),
    ({"algorithm": "kmeans", "linkage": "ward"}, r"unexpected parameter 'linkage'"),
], ids=["kmeans-affinity", "gmm-weighted", "spectral-init", "init-shape", "init-str",
        "ward-on-affinity", "unknown-option"])
def test_invalid_combinations(kwargs, match):
    emb, _ = blobs()
    with pytest.raises(ParameterError, match=match):
        cluster(emb, np.full(emb.n_tracks, 0.5), n_clusters=3, **kwargs)


@pytest.mark.parametrize("algorithm, fusion", ALGO_FUSIONS,
                         ids=[f"{a}-{f}" for a, f in ALGO_FUSIONS])
def test_tiny_inputs_never_crash(algorithm, fusion):
    rng = np.random.default_rng(0)
    for n in (1, 2, 3):
        a = rng.normal(size=(n, 3)).astype(np.float32)
        a /= np.linalg.norm(a, axis=1, keepdims=True)
        emb = Embeddings(audio=a, lyrics=a[::-1].copy(), audio_ok=np.ones(n, bool),
                         lyrics_ok=np.ones(n, bool))
        for k in range(1, n + 1):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                res = cluster(emb, np.full(n, 0.5), algorithm, k, fusion=fusion)
            assert res.labels.shape == (n,)
            if algorithm != "hdbscan":
                assert res.n_found == k
