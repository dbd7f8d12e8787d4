"""Metrics: hand-checked tables and point sets, agreement with scikit-learn's definitions, the
reference space, the silhouette subsample, noise and degenerate cases (NaN, no warnings)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from core.errors import ParameterError
from core.fusion import Embeddings, fuse_concat
from core.metrics import (
    REFERENCE_SPACE,
    ExternalScorer,
    InternalScorer,
    contingency,
    external_metrics,
    internal_metrics,
    reference_space,
)


# --------------------------------------------------------------------------------------------
# External, by hand
# --------------------------------------------------------------------------------------------
def test_contingency_table_by_hand():
    c = contingency(["rock", "rock", "jazz", "rock", "rock", "jazz"], [0, 0, 0, 1, 1, 1])
    assert list(c.classes) == ["jazz", "rock"]
    assert list(c.clusters) == [0, 1]
    np.testing.assert_array_equal(c.table, [[1, 1], [2, 2]])
    assert c.n == 6


def test_purity_accuracy_and_ari_on_a_hand_checked_table():
    # table (rows a, b; columns 0, 1): a: [2, 2], b: [1, 1]
    true = ["a", "a", "b", "a", "a", "b"]
    pred = [0, 0, 0, 1, 1, 1]
    m = external_metrics(true, pred)
    # purity: each cluster's majority is 'a' (2 of 3) -> (2 + 2) / 6
    assert m["purity"] == pytest.approx(4 / 6)
    # accuracy: one-to-one matching, 0 -> a (2) and 1 -> b (1) -> 3 / 6
    assert m["accuracy"] == pytest.approx(3 / 6)
    # ARI: sum C(nij,2) = 2; rows C(4,2)+C(2,2) = 7; columns 3+3 = 6; C(6,2) = 15
    # expected 7*6/15 = 2.8, max (7+6)/2 = 6.5 -> (2 - 2.8) / (6.5 - 2.8)
    assert m["ari"] == pytest.approx(-0.8 / 3.7)
    # the table's rows are proportional: no mutual information at all
    assert m["nmi"] == pytest.approx(0.0, abs=1e-12)
    assert m["v_measure"] == pytest.approx(0.0, abs=1e-12)
    assert m["n_scored"] == 6 and m["n_noise"] == 0 and not m["noise_as_cluster"]


def test_a_permuted_perfect_clustering_scores_one():
    true = np.repeat(["x", "y", "z"], 4)
    pred = np.repeat([2, 0, 1], 4)
    m = external_metrics(true, pred)
    for key in ("ari", "nmi", "ami", "v_measure", "purity", "accuracy"):
        assert m[key] == pytest.approx(1.0), key


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_external_scores_match_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    n = 300
    true = rng.integers(0, 5, n)
    pred = np.where(rng.random(n) < 0.6, true, rng.integers(0, 7, n))
    m = external_metrics(true, pred)
    assert m["ari"] == pytest.approx(skm.adjusted_rand_score(true, pred), abs=1e-12)
    assert m["nmi"] == pytest.approx(skm.normalized_mutual_info_score(true, pred), abs=1e-12)
    assert m["ami"] == pytest.approx(skm.adjusted_mutual_info_score(true, pred), abs=1e-10)
    assert m["v_measure"] == pytest.approx(skm.v_measure_score(true, pred), abs=1e-12)
    assert m["homogeneity"] == pytest.approx(skm.homogeneity_score(true, pred), abs=1e-12)
    # the scorer for the slider loop gives the same numbers
    assert ExternalScorer(true)(pred) == m


def test_missing_true_labels_are_left_out_and_counted():
    true = np.array(["a", "a", None, "b", "b", "", "a"], dtype=object)
    pred = np.array([0, 0, 1, 1, 1, 0, 0])
    m = external_metrics(true, pred)
    assert m["n_scored"] == 5 and m["n_unlabelled"] == 2
    assert m["ari"] == pytest.approx(1.0)
    assert ExternalScorer(true)(pred)["n_unlabelled"] == 2
    nan_true = np.array([0.0, 0.0, np.nan, 1.0, 1.0])
    assert external_metrics(nan_true, [5, 5, 0, 7, 7])["n_unlabelled"] == 1


def test_noise_counts_as_its_own_cluster_and_is_reported():
    true = np.repeat([0, 1, 2], 4)
    pred = np.array([0, 0, 0, -1, 1, 1, 1, -1, -1, -1, -1, -1])
    m = external_metrics(true, pred)
    assert m["noise_as_cluster"] and m["n_noise"] == 6
    c = contingency(true, pred)
    assert list(c.clusters) == [-1, 0, 1]
    # noise is one column: purity = (noise column majority 4 + 3 + 3) / 12
    assert m["purity"] == pytest.approx(10 / 12)
    assert m["ari"] == pytest.approx(skm.adjusted_rand_score(true, pred))


def test_label_shape_mismatch_is_a_parameter_error():
    with pytest.raises(ParameterError, match="'labels_pred' parameter of external_metrics"):
        external_metrics([0, 1, 1], [0, 1])


# --------------------------------------------------------------------------------------------
# Internal
# --------------------------------------------------------------------------------------------
def test_internal_scores_by_hand_on_four_points():
    X = np.array([[0.0], [1.0], [4.0], [5.0]])
    m = internal_metrics(X, np.array([0, 0, 1, 1]), space="1-d line")
    # silhouette: x=0 -> a=1, b=4.5; x=1 -> a=1, b=3.5; symmetric for the other cluster
    assert m["silhouette"] == pytest.approx(((3.5 / 4.5) + (2.5 / 3.5)) / 2)
    # CH: between 2*(2^2)*2 = 16 over 1; within 4 * 0.25 = 1 over n-k = 2 -> 16 * 2 / 1
    assert m["calinski_harabasz"] == pytest.approx(32.0)
    # DB: spreads 0.5 and 0.5, centroid distance 4 -> 0.25
    assert m["davies_bouldin"] == pytest.approx(0.25)
    assert m["space"] == "1-d line" and m["n_clusters"] == 2


@pytest.mark.parametrize("seed", [0, 1])
def test_internal_scores_match_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(150, 6)).astype(np.float32)
    labels = rng.integers(0, 4, 150)
    X[labels == 1] += 2.0
    m = internal_metrics(X, labels)
    assert m["silhouette"] == pytest.approx(skm.silhouette_score(X, labels), rel=1e-5)
    assert m["calinski_harabasz"] == pytest.approx(skm.calinski_harabasz_score(X, labels),
                                                   rel=1e-6)
    assert m["davies_bouldin"] == pytest.approx(skm.davies_bouldin_score(X, labels), rel=1e-6)
    assert not m["silhouette_subsampled"] and m["silhouette_sample_size"] == 150
    assert m["space"] == REFERENCE_SPACE


def test_silhouette_subsample_is_fixed_seeded_and_said():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 5))
    labels = rng.integers(0, 3, 400)
    X[labels == 2] += 3.0
    scorer = InternalScorer(X, sample_size=120, seed=5)
    m = scorer(labels)
    assert m["silhouette_subsampled"] and m["silhouette_sample_size"] == 120
    idx = scorer.sample_
    assert len(np.unique(idx)) == 120
    assert m["silhouette"] == pytest.approx(skm.silhouette_score(X[idx], labels[idx]), rel=1e-5)
    # the same seed picks the same tracks; CH and DB always use every track
    np.testing.assert_array_equal(InternalScorer(X, sample_size=120, seed=5).sample_, idx)
    assert m["calinski_harabasz"] == pytest.approx(skm.calinski_harabasz_score(X, labels))


def test_noise_in_internal_scores():
    X = np.array([[0.0], [0.1], [5.0], [5.1], [20.0], [40.0]])
    m = internal_metrics(X, np.array([0, 0, 1, 1, -1, -1]))
    assert m["noise_as_cluster"] and m["n_noise"] == 2 and m["n_clusters"] == 3
    assert m["silhouette"] == pytest.approx(
        skm.silhouette_score(X, [0, 0, 1, 1, -1, -1]))


@pytest.mark.parametrize("X, labels", [
    (np.zeros((2, 3)), np.array([0, 1])),                     # n < 3
    (np.eye(4), np.array([0, 0, 0, 0])),                      # one cluster
    (np.eye(4), np.array([-1, -1, -1, -1])),                  # all noise
    (np.eye(4), np.array([0, 1, 2, 3])),                      # as many clusters as tracks
    (np.zeros((0, 3)), np.zeros(0, np.int64)),                # nothing at all
], ids=["n<3", "one-cluster", "all-noise", "k=n", "empty"])
def test_degenerate_cases_give_nan_without_warnings(X, labels):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = internal_metrics(X, labels)
        e = external_metrics(np.arange(len(labels)) % 2, labels)
    for key in ("silhouette", "calinski_harabasz", "davies_bouldin"):
        assert np.isnan(m[key]), key
    if len(labels) < 3:
        assert all(np.isnan(e[k]) for k in ("ari", "nmi", "ami", "purity", "accuracy"))


def test_one_cluster_keeps_defined_external_scores():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = external_metrics([0, 0, 1, 1, 2, 2], [0] * 6)
    assert m["ari"] == 0.0 and m["nmi"] == 0.0
    assert m["purity"] == pytest.approx(2 / 6)


# --------------------------------------------------------------------------------------------
# Reference space
# --------------------------------------------------------------------------------------------
def test_reference_space_is_equal_weight_with_full_length_single_modalities():
    audio = np.array([[1, 0], [0, 1], [1, 0], [0, 0]], np.float32)
    lyrics = np.array([[0, 1], [1, 0], [0, 0], [0, 1]], np.float32)
    emb = Embeddings(audio=audio, lyrics=lyrics,
                     audio_ok=np.array([True, True, True, False]),
                     lyrics_ok=np.array([True, True, False, True]))
    X = reference_space(emb)
    s = np.sqrt(0.5)
    np.testing.assert_allclose(X, [[s, 0, 0, s], [0, s, s, 0], [1, 0, 0, 0], [0, 0, 0, 1]],
                               atol=1e-7)
    np.testing.assert_array_equal(X, fuse_concat(emb, np.full(4, 0.5)))
    assert "equal-weight" in REFERENCE_SPACE


def test_scorers_reuse_the_previous_result_only_for_the_same_partition():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 4))
    true = np.repeat([0, 1, 2], 20)
    a = true.copy()
    b = true.copy()
    b[:5] = 1
    internal, external = InternalScorer(X), ExternalScorer(true)
    first = internal(a)
    first["silhouette"] = 99.0  # the caller's copy; the scorer's memory is untouched
    assert internal(a)["silhouette"] == pytest.approx(skm.silhouette_score(X, a))
    assert internal(b)["silhouette"] == pytest.approx(skm.silhouette_score(X, b))
    assert external(a)["ari"] == 1.0
    assert external(b)["ari"] == pytest.approx(skm.adjusted_rand_score(true, b))
    assert external(a)["ari"] == 1.0
