"""The learned audio block's weight against the hand-crafted levels (``weight_learned_block``, issue 16): 1 is
today's balance bit for bit, ``w`` gives the block total variance ``w``, a bad value is a clear error. On the
tiny synthetic set's real features with the real packaged musicnn model (one patch a clip)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.errors import ParameterError
from core.features.levels import weight_learned_block


@pytest.fixture(scope="module")
def learned_features(tiny_synth_dir, tmp_path_factory):
    from core.datasets import load_dataset
    from core.features.cache import FeatureCache
    from core.features.extract import ExtractConfig, extract_features
    from core.features.levels import audio_config_for
    ds = load_dataset(tiny_synth_dir)
    config = ExtractConfig(audio=audio_config_for(("low", "mid", "high", "learned"), patches=1))
    fs, _ = extract_features(ds, config, cache=FeatureCache(tmp_path_factory.mktemp("weight-cache")), n_jobs=1)
    return ds, fs


def _total_variance(fs, level) -> float:
    x = fs.audio[np.asarray(fs.audio_ok, bool)][:, fs.audio_blocks[level]].astype(np.float64)
    return float(x.var(axis=0).sum())


def test_weight_one_is_todays_feature_set_itself(learned_features):
    _, fs = learned_features
    assert weight_learned_block(fs, 1.0) is fs
    assert weight_learned_block(fs, 1) is fs


@pytest.mark.parametrize("weight", [0.5, 2.0, 3.0])
def test_weight_is_the_learned_blocks_total_variance_against_one_hand_crafted_level(learned_features, weight):
    _, fs = learned_features
    out = weight_learned_block(fs, weight)
    for level in ("low", "mid", "high"):
        assert _total_variance(fs, level) == pytest.approx(1.0, rel=1e-4)  # the extractor's balance
        np.testing.assert_array_equal(out.audio[:, out.audio_blocks[level]], fs.audio[:, fs.audio_blocks[level]])
    # at most 1: columns constant over the tracks (here, with one patch, a max over patches equal to the mean
    # where the clip is short) are zeroed by the standardisation; the weight multiplies what is there
    base = _total_variance(fs, "learned")
    assert 0.9 < base <= 1.0 + 1e-4
    assert _total_variance(out, "learned") == pytest.approx(weight * base, rel=1e-4)
    shares = {lv: _total_variance(out, lv) for lv in out.audio_blocks}
    hand = sum(v for lv, v in shares.items() if lv != "learned")
    assert shares["learned"] / sum(shares.values()) == pytest.approx(weight * base / (hand + weight * base), rel=1e-4)
    assert hand == pytest.approx(3.0, rel=1e-3)
    assert out.audio_names == fs.audio_names and out.audio_blocks == fs.audio_blocks
    assert out.meta["learned_weight"] == weight and "learned_weight" not in fs.meta
    assert not np.shares_memory(out.audio, fs.audio)  # the input is left as it was
    assert _total_variance(fs, "learned") == base


def test_the_weight_reaches_the_combination_not_the_learned_block_alone(learned_features):
    from core.experiments import ExperimentConfig
    from core.experiments.audio_levels import audio_level_ablation
    from core.fusion import embed_features

    ds, fs = learned_features
    heavy = weight_learned_block(fs, 3.0)
    # all four levels: the learned block now pulls the shared PCA space its way
    before, after = embed_features(fs, 8).audio, embed_features(heavy, 8).audio
    assert np.abs(np.abs(before) - np.abs(after)).max() > 1e-2
    # the learned block alone and the hand-crafted levels clustered the same at any weight
    config = ExperimentConfig(seeds=(0, 1), n_clusters=3)
    a, _ = audio_level_ablation(fs, ds.labels, config, hand_crafted=True)
    b, _ = audio_level_ablation(heavy, ds.labels, config, hand_crafted=True)
    for level in ("low", "learned", "hand-crafted levels"):
        got = b[(b.level == level) & (b.metric == "nmi")]["mean"].iloc[0]
        want = a[(a.level == level) & (a.metric == "nmi")]["mean"].iloc[0]
        assert got == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("bad", [0, 0.0, -1.0, math.nan, math.inf, "3", None, True])
def test_a_bad_weight_is_a_clear_error(learned_features, bad):
    _, fs = learned_features
    with pytest.raises(ParameterError, match="'learned_weight' parameter must be a finite number > 0"):
        weight_learned_block(fs, bad)


def test_a_weight_without_a_learned_block_is_a_clear_error(tiny_features):
    _, fs = tiny_features  # low, mid, high only
    assert weight_learned_block(fs, 1.0) is fs
    with pytest.raises(ParameterError, match="no learned audio level"):
        weight_learned_block(fs, 2.0)
