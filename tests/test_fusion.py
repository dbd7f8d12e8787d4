"""Fusion: per-modality reduction, scaled concatenation, weighted design, affinity mixing.

Hand-made tracks whose fused vectors can be checked on paper, plus small seeded blobs.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import ParameterError
from core.features.featureset import FeatureSet
from core.fusion import (
    Embeddings,
    ModalityReducer,
    build_graphs,
    effective_weights,
    embed_features,
    fuse_affinity,
    fuse_concat,
    fuse_weighted,
)

S = np.sqrt(0.5)


def hand_embeddings() -> Embeddings:
    """Four tracks, width 2. Track 2 has no lyrics, track 3 no audio."""
    audio = np.array([[1, 0], [0, 1], [1, 0], [0, 0]], np.float32)
    lyrics = np.array([[0, 1], [1, 0], [0, 0], [0, 1]], np.float32)
    return Embeddings(audio=audio, lyrics=lyrics,
                      audio_ok=np.array([True, True, True, False]),
                      lyrics_ok=np.array([True, True, False, True]))


@pytest.mark.parametrize("w, expected", [
    (0.0, [[0, 0, 0, 1], [0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]]),
    (0.5, [[S, 0, 0, S], [0, S, S, 0], [1, 0, 0, 0], [0, 0, 0, 1]]),
    (1.0, [[1, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]),
], ids=["w=0", "w=0.5", "w=1"])
def test_fuse_concat_by_hand(w, expected):
    emb = hand_embeddings()
    fused = fuse_concat(emb, np.full(4, w))
    assert fused.dtype == np.float32 and fused.shape == (4, 4)
    np.testing.assert_allclose(fused, np.array(expected), atol=1e-7)
    # every fused row of a track with data has unit length
    np.testing.assert_allclose(np.linalg.norm(fused, axis=1), 1.0, atol=1e-6)


def test_missing_modalities_are_enforced_whatever_w_says():
    emb = hand_embeddings()
    w = np.array([0.3, 0.7, 0.0, 1.0])
    np.testing.assert_allclose(effective_weights(emb, w), [0.3, 0.7, 1.0, 0.0], atol=1e-7)
    fused = fuse_concat(emb, w)
    # track 2 (no lyrics) asked for w=0 but gets pure audio; track 3 (no audio) pure lyrics
    np.testing.assert_allclose(fused[2], [1, 0, 0, 0])
    np.testing.assert_allclose(fused[3], [0, 0, 0, 1])


def test_fuse_concat_writes_into_the_given_buffer():
    emb = hand_embeddings()
    buf = np.full((4, 4), np.nan, np.float32)
    w = np.array([0.25, 0.5, 0.5, 0.5])
    got = fuse_concat(emb, w, out=buf)
    assert got is buf
    np.testing.assert_allclose(buf[0], [0.5, 0, 0, np.sqrt(0.75)], atol=1e-7)
    np.testing.assert_array_equal(buf, fuse_concat(emb, w))


def test_fuse_weighted_by_hand():
    emb = hand_embeddings()
    got = fuse_weighted(emb, np.array([0.25, 0.5, 0.0, 1.0]))
    np.testing.assert_allclose(got, [[0.25, 0, 0, 0.75], [0, 0.5, 0.5, 0], [1, 0, 0, 0],
                                     [0, 0, 0, 1]], atol=1e-7)


@pytest.mark.parametrize("fn", [fuse_concat, fuse_weighted, effective_weights],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("w, match", [
    (np.full(3, 0.5), r"'w' parameter of \w+ must be a 1-d array of shape \(4,\)"),
    (np.array([0.5, 0.5, 1.5, 0.5]), r"must be finite values in \[0, 1\]\. Got 'values in"),
    (np.array([0.5, np.nan, 0.5, 0.5]), r"must be finite values in \[0, 1\]"),
    (np.array([-0.1, 0.5, 0.5, 0.5]), r"must be finite values in \[0, 1\]"),
    (np.array(["a", "b", "c", "d"]), r"must be a real-valued array"),
], ids=["shape", "above-1", "nan", "negative", "strings"])
def test_bad_weights_are_rejected(fn, w, match):
    with pytest.raises(ParameterError, match=match):
        fn(hand_embeddings(), w)


def test_bad_out_buffer_is_rejected():
    emb = hand_embeddings()
    with pytest.raises(ParameterError, match="'out' parameter of fuse_concat must be a "
                                             r"C-contiguous float32 array of shape \(4, 4\)"):
        fuse_concat(emb, np.full(4, 0.5), out=np.empty((4, 4), np.float64))


def test_embeddings_are_read_only_and_checked():
    emb = hand_embeddings()
    with pytest.raises(ValueError):
        emb.audio[0, 0] = 3.0
    with pytest.raises(ParameterError, match="'lyrics' parameter of Embeddings"):
        Embeddings(audio=np.zeros((3, 2), np.float32), lyrics=np.zeros((3, 3), np.float32),
                   audio_ok=np.ones(3, bool), lyrics_ok=np.ones(3, bool))


# --------------------------------------------------------------------------------------------
# ModalityReducer
# --------------------------------------------------------------------------------------------
def blob_features(n_per=10, seed=0, d_audio=12, d_lyrics=20, dtype=np.float32):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n_per)
    audio = rng.normal(size=(3, d_audio))[y] + 0.3 * rng.normal(size=(len(y), d_audio))
    lyrics = rng.normal(size=(3, d_lyrics))[y] + 0.3 * rng.normal(size=(len(y), d_lyrics))
    return audio.astype(dtype), lyrics.astype(dtype), y


def test_reducer_unit_rows_zero_missing_rows_and_rank_cap():
    audio, lyrics, _ = blob_features()
    lyrics_ok = np.ones(30, bool)
    lyrics_ok[[3, 17]] = False
    red = ModalityReducer(n_components=32).fit(audio, lyrics, None, lyrics_ok)
    # rank cap: audio min(30-1, 12) = 12, lyrics min(28-1, 20) = 20 -> width 20
    assert red.width_ == 20
    assert red.audio_components_.shape == (12, 12)
    assert red.lyrics_components_.shape == (20, 20)
    emb = red.transform(audio, lyrics, None, lyrics_ok)
    assert emb.audio.shape == emb.lyrics.shape == (30, 20)
    assert emb.audio.dtype == emb.lyrics.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb.audio, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(emb.lyrics[lyrics_ok], axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(emb.lyrics[~lyrics_ok], 0.0)
    # the lower-rank audio block is zero-padded, not stretched
    np.testing.assert_array_equal(emb.audio[:, 12:], 0.0)


def test_reducer_ignores_whatever_sits_in_unusable_rows():
    audio, lyrics, _ = blob_features()
    lyrics_ok = np.ones(30, bool)
    lyrics_ok[:4] = False
    clean = lyrics.copy()
    clean[~lyrics_ok] = 0.0
    junk = lyrics.copy()
    junk[~lyrics_ok] = 1e6
    a = ModalityReducer(8).fit_transform(audio, clean, None, lyrics_ok)
    b = ModalityReducer(8).fit_transform(audio, junk, None, lyrics_ok)
    np.testing.assert_array_equal(a.lyrics, b.lyrics)
    np.testing.assert_array_equal(a.audio, b.audio)


def test_reducer_is_deterministic_and_accepts_float64():
    audio, lyrics, _ = blob_features(dtype=np.float64)
    a = ModalityReducer(6, seed=3).fit_transform(audio, lyrics)
    b = ModalityReducer(6, seed=3).fit_transform(audio, lyrics)
    assert a.width == 6 and a.audio.dtype == np.float32
    np.testing.assert_array_equal(a.audio, b.audio)
    np.testing.assert_array_equal(a.lyrics, b.lyrics)


def test_reducer_errors_name_the_parameter():
    audio, lyrics, _ = blob_features()
    with pytest.raises(ParameterError, match="'n_components' parameter of ModalityReducer"):
        ModalityReducer(n_components=0).fit(audio, lyrics)
    with pytest.raises(ParameterError, match="'lyrics' parameter of ModalityReducer must be "
                                             "a 2-d array .* with 30 rows"):
        ModalityReducer().fit(audio, lyrics[:5])
    with pytest.raises(ParameterError, match="not fitted"):
        ModalityReducer().transform(audio, lyrics)
    with pytest.raises(ParameterError, match="at least two usable tracks"):
        ModalityReducer().fit(audio[:1], lyrics[:1])


def test_embed_features_without_lyrics_is_audio_only():
    audio, _, _ = blob_features()
    n = len(audio)
    fs = FeatureSet(
        track_ids=[f"t{i}" for i in range(n)], audio=audio,
        audio_names=[f"a{i}" for i in range(12)],
        audio_blocks={"low": list(range(12))}, audio_ok=np.ones(n, bool),
        audio_stats=np.zeros((n, 0), np.float32), audio_stat_names=[],
        lyrics=np.zeros((n, 0), np.float32), lyrics_names=[], lyrics_blocks={},
        lyrics_ok=np.zeros(n, bool), lyrics_stats=np.zeros((n, 0), np.float32),
        lyrics_stat_names=[], has_lyrics=False, semantic=np.zeros((n, 384), np.float32))
    emb = embed_features(fs, n_components=4)
    assert emb.width == 4 and not emb.has_lyrics
    np.testing.assert_array_equal(emb.lyrics, 0.0)
    # whatever the weights, fusion is audio-only
    fused = fuse_concat(emb, np.zeros(n))
    np.testing.assert_allclose(fused[:, :4], emb.audio)
    np.testing.assert_array_equal(fused[:, 4:], 0.0)


# --------------------------------------------------------------------------------------------
# Affinity fusion
# --------------------------------------------------------------------------------------------
def test_affinity_by_hand_on_three_tracks():
    c = np.float32(np.cos(0.3))
    s = np.float32(np.sin(0.3))
    audio = np.array([[1, 0], [c, s], [0, 1]], np.float32)
    lyrics = np.array([[1, 0], [0, 1], [0, 0]], np.float32)
    emb = Embeddings(audio=audio, lyrics=lyrics, audio_ok=np.ones(3, bool),
                     lyrics_ok=np.array([True, True, False]))
    graphs = build_graphs(emb, n_neighbors=2)
    sa = graphs.modality("audio").toarray()
    sl = graphs.modality("lyrics").toarray()
    # audio: cosines clipped at 0, no self-loops
    np.testing.assert_allclose(sa, [[0, c, 0], [c, 0, s], [0, s, 0]], atol=1e-6)
    # lyrics: only tracks 0 and 1 have lyrics, and they are orthogonal
    np.testing.assert_array_equal(sl, 0.0)
    w = np.array([0.25, 1.0, 0.0])  # track 2 has no lyrics: its w becomes 1
    A = fuse_affinity(emb, w, graphs=graphs).toarray()
    np.testing.assert_allclose(A[0, 1], np.sqrt(0.25 * 1.0) * c, atol=1e-6)
    np.testing.assert_allclose(A[1, 2], np.sqrt(1.0 * 1.0) * s, atol=1e-6)
    np.testing.assert_allclose(A, A.T)
    np.testing.assert_array_equal(np.diag(A), 0.0)


def test_affinity_mixing_endpoints_and_reuse():
    audio, lyrics, _ = blob_features(n_per=8)
    lyrics_ok = np.ones(24, bool)
    lyrics_ok[5] = False
    emb = ModalityReducer(6).fit_transform(audio, lyrics, None, lyrics_ok)
    graphs = build_graphs(emb, n_neighbors=4)
    n = emb.n_tracks
    sa = graphs.modality("audio").toarray()
    sl = graphs.modality("lyrics").toarray()
    # a track without lyrics has no lyrics edge
    assert not sl[5].any() and not sl[:, 5].any()
    # every track with audio has at least n_neighbors audio edges (symmetrised by max)
    assert ((sa > 0).sum(axis=1) >= 4).all()
    np.testing.assert_allclose(fuse_affinity(emb, np.ones(n), graphs=graphs).toarray(), sa,
                               atol=1e-6)
    # all-lyrics weights: track 5 is forced to audio, so its row comes from... nothing shared
    A0 = fuse_affinity(emb, np.zeros(n), graphs=graphs).toarray()
    keep = lyrics_ok
    np.testing.assert_allclose(A0[np.ix_(keep, keep)], sl[np.ix_(keep, keep)], atol=1e-6)
    assert not A0[5].any()
    w = np.random.default_rng(0).random(n)
    again = fuse_affinity(emb, w, n_neighbors=4).toarray()
    np.testing.assert_allclose(fuse_affinity(emb, w, graphs=graphs).toarray(), again)


def test_affinity_rejects_graphs_of_another_dataset():
    audio, lyrics, _ = blob_features(n_per=8)
    emb = ModalityReducer(6).fit_transform(audio, lyrics)
    small = ModalityReducer(6).fit_transform(audio[:10], lyrics[:10])
    with pytest.raises(ParameterError, match="'graphs' parameter of fuse_affinity"):
        fuse_affinity(emb, np.full(24, 0.5), graphs=build_graphs(small, 3))
    with pytest.raises(ParameterError, match="'n_neighbors' parameter of build_graphs"):
        build_graphs(emb, n_neighbors=0)


def test_hot_path_limits_blas_threads_and_restores_them():
    from threadpoolctl import threadpool_info

    import core.fusion as fusion

    def blas_threads():  # numpy's BLAS: the one the hot paths' matrix products run on
        return sorted({i["num_threads"] for i in threadpool_info()
                       if i["user_api"] == "blas" and "numpy" in i["filepath"]})

    before = blas_threads()
    assert fusion.HOT_PATH_BLAS_THREADS == 1
    with fusion.hot_path():
        assert blas_threads() == [1]
        with fusion.hot_path():  # re-entrant
            assert blas_threads() == [1]
        assert blas_threads() == [1]
    assert blas_threads() == before


def test_hot_path_reads_the_setting_on_core_fusion_at_run_time(monkeypatch):
    # bench/loop.py sets core.fusion.HOT_PATH_BLAS_THREADS; hot_path lives in core.fusion.blas
    # and must see the new value, not a copy taken at import.
    import core.fusion as fusion
    from core.fusion import blas

    monkeypatch.setattr(fusion, "HOT_PATH_BLAS_THREADS", None)
    with fusion.hot_path():
        assert blas._HOT_STATE["limiter"] is None  # BLAS left alone
    monkeypatch.setattr(fusion, "HOT_PATH_BLAS_THREADS", 1)
    with fusion.hot_path():
        assert blas._HOT_STATE["limiter"] is not None
    assert blas._HOT_STATE["limiter"] is None
