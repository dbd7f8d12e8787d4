"""core.views.instant: what the instant map sends the browser, and when it cannot run."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from core.datasets import load_dataset
from core.errors import ParameterError
from core.experiments import prepare
from core.features.extract import extract_features
from core.loop import default_experiment_config
from core.rules import DEFAULT_RULES
from core.views import instant


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    from bench.feature_file import write_feature_file
    path = write_feature_file(tmp_path_factory.mktemp("instant") / "f.parquet", 90, n_genres=3, d_audio=8, d_lyrics=8)
    fs, _ = extract_features(load_dataset(path))
    return prepare(fs, default_experiment_config())


def test_unavailable_says_why_for_each_view_it_cannot_run():
    assert instant.instant_unavailable(1000, "kmeans", "concat", 2) == ""
    assert "k-means on the scaled concatenation" in instant.instant_unavailable(1000, "gmm", "concat", 2)
    assert "k-means on the scaled concatenation" in instant.instant_unavailable(1000, "kmeans", "weighted", 2)
    assert "2-D" in instant.instant_unavailable(1000, "kmeans", "concat", 3)
    assert "20,000" in instant.instant_unavailable(instant.INSTANT_MAX_TRACKS + 1, "kmeans", "concat", 2)


def test_truth_codes_follow_the_external_scorer_and_mark_missing_labels():
    codes, names = instant.truth_codes(np.array(["rock", "jazz", "", None, "rock"], dtype=object))
    assert codes.tolist() == [1, 0, -1, -1, 1] and names == ["jazz", "rock"]


def test_dataset_payload_round_trips_and_refuses_too_many_tracks(prepared, monkeypatch):
    key = instant.dataset_key("somewhere", prepared)
    assert key != instant.dataset_key("elsewhere", prepared)  # another path or level choice: another key
    genres = np.array(["a", "b", "c"] * (prepared.n_tracks // 3) + ["a"] * (prepared.n_tracks % 3), dtype=object)
    data = instant.dataset_payload(key, prepared, genres)
    n, d = prepared.n_tracks, prepared.embeddings.width
    lyrics = np.frombuffer(base64.b64decode(data["lyrics"]), "<f4").reshape(n, d)
    np.testing.assert_array_equal(lyrics, prepared.embeddings.lyrics)
    ok = np.frombuffer(base64.b64decode(data["lyrics_ok"]), np.uint8).astype(bool)
    np.testing.assert_array_equal(ok, prepared.embeddings.lyrics_ok)
    assert data["samples"] == {"audio": None, "lyrics": None}  # 90 tracks: the silhouette uses every one
    assert data["genres"] == ["a", "b", "c"]
    monkeypatch.setattr(instant, "INSTANT_MAX_TRACKS", n - 1)
    with pytest.raises(ParameterError, match="at most"):
        instant.dataset_payload(key, prepared, genres)


def test_setting_payload_names_the_setting_and_bounds_every_soft_rule():
    centers = np.ones((4, 6), np.float32)
    s = instant.setting_payload(DEFAULT_RULES, "poor_audio", algorithm="kmeans", fusion="concat", n_clusters=4,
                                seed=2, centers=centers, epoch=3)
    assert s["setting"] == "kmeans|concat|4|2|3" and s["rule"] == "poor_audio"
    assert set(s["sliders"]) == set(DEFAULT_RULES.rule_names)
    assert all(v["min"] <= r.threshold <= v["max"] for r in DEFAULT_RULES.rules for v in [s["sliders"][r.name]])
    np.testing.assert_array_equal(np.frombuffer(base64.b64decode(s["centers"]), "<f4").reshape(4, 6), centers)
    with pytest.raises(ParameterError, match="rule"):
        instant.setting_payload(DEFAULT_RULES, "no such rule", algorithm="kmeans", fusion="concat", n_clusters=4,
                                seed=0, centers=None)
