"""The learned level's tags as indicators (``vocal_presence_learned``, ``quiet_learned``), and the cache that
lets the learned level be turned on and off without extracting the hand-crafted levels again.

Real audio throughout: four 4 s clips cut from the real recording in ``tests/fixtures/musicnn_clip.flac``
(the same clips ``test_learned.py`` extracts) and the generator's written songs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.errors import ParameterError
from core.features.audio import musicnn
from core.features.audio.learned import TAG_MEASURE_NAMES, TAG_MEASURES, tag_measures
from core.indicators import INDICATORS, Indicators, compute_indicators
from core.rules import DEFAULT_RULES, Rule, apply_rules
from core.validation import validate_indicators
from core.validation.checks import CHECKS, RULE_TARGETS
from tests.test_learned import _real_music_folder


def _tags(model: str, **probs) -> np.ndarray:
    """One row of tag probabilities: 0.02 everywhere, ``probs`` where named (spaces as underscores)."""
    labels = musicnn.labels(model)
    row = np.full(len(labels), 0.02)
    for name, p in probs.items():
        row[labels.index(name.replace("_", " "))] = p
    return row


def test_tag_measures_read_voice_against_no_voice_tags():
    rows = np.stack([_tags("MTT_musicnn", vocals=0.7, male_vocal=0.4),
                     _tags("MTT_musicnn", no_vocals=0.6, no_voice=0.3),
                     _tags("MTT_musicnn", quiet=0.8, soft=0.5),
                     _tags("MTT_musicnn", loud=0.9)])
    m = tag_measures(rows, "MTT_musicnn")
    voice, quiet = m[:, TAG_MEASURE_NAMES.index("learned_voice")], m[:, TAG_MEASURE_NAMES.index("learned_quiet")]
    assert voice[0] > 0.75 and voice[1] < 0.15 and quiet[2] > 0.85 and quiet[3] < 0.15
    # by hand: 15 voice tags at 0.02 against 3 no-voice tags at 0.02 is no evidence either way
    assert voice[2] == pytest.approx(0.5)
    e_for, e_against = (0.7 + 0.4 + 13 * 0.02) / 15, 0.02
    assert voice[0] == pytest.approx(e_for / (e_for + e_against))
    msd = tag_measures(np.stack([_tags("MSD_musicnn", instrumental=0.9)]), "MSD_musicnn")
    assert msd[0, 0] < 0.2 and ((0 <= msd) & (msd <= 1)).all()
    with pytest.raises(ParameterError, match="tags"):
        tag_measures(np.zeros((2, 49)), "MTT_musicnn")
    for measure in TAG_MEASURES.values():  # every named tag is one the model has
        for model, (pro, con) in measure.items():
            assert set(pro + con) <= set(musicnn.labels(model)) and pro and con


def test_learned_indicators_are_registered_checked_and_rule_readable():
    for name in ("vocal_presence_learned", "quiet_learned"):
        spec = INDICATORS[name]
        assert spec.needs == "audio" and (spec.lo, spec.hi) == (0.0, 1.0) and "learned" in spec.description
    assert ("vocal_presence_learned", "has_voice", +1) in CHECKS
    assert RULE_TARGETS["vocal_presence_learned"] == ("has_voice", +1)
    # a rule reads it; NaN (the learned level off) never fires
    rule = Rule("sung", "vocal_presence_learned", ">", 0.5, -0.3)
    rs = DEFAULT_RULES.with_changes(rules=(rule,), no_voice_rule=False, unusable_audio_rule=False,
                                    no_lyrics_rule=False)
    ind = Indicators.from_columns({"vocal_presence_learned": [0.9, 0.2, np.nan]})
    res = apply_rules(ind, rs)
    assert res.fired[:, 0].tolist() == [True, False, False]
    np.testing.assert_allclose(res.weights, [rs.base_weight - 0.3, rs.base_weight, rs.base_weight], atol=1e-6)


def test_learned_check_by_hand_and_nan_when_off():
    truth = pd.DataFrame({"track_id": list("abcd"), "genre": ["x"] * 4, "has_voice": [True, True, False, False],
                          "audio_degradation": ["none"] * 4, "audio_degradation_param": [""] * 4,
                          "lyrics_degradation": ["none"] * 4})
    none = DEFAULT_RULES.with_changes(rules=(), no_voice_rule=False, unusable_audio_rule=False, no_lyrics_rule=False)
    on = Indicators.from_columns({"vocal_presence_learned": [0.8, 0.3, 0.4, 0.1]})
    rep = validate_indicators(on, apply_rules(on, none), truth, list("abcd"))
    row = rep.checks.set_index("indicator").loc["vocal_presence_learned"]
    assert row["auc"] == pytest.approx(0.75) and (row["n_pos"], row["n_neg"]) == (2, 2)  # 3 of 4 pairs ranked
    off = Indicators.from_columns({"vocal_presence_learned": [np.nan] * 4})
    rep = validate_indicators(off, apply_rules(off, none), truth, list("abcd"))
    assert math.isnan(rep.checks.set_index("indicator").loc["vocal_presence_learned", "auc"])
    assert not any("vocal_presence_learned" in f for f in rep.failures)


def test_learned_indicators_on_real_audio_and_cache_reuse(tmp_path, monkeypatch):
    """With the level on: finite 0..1 indicators from real audio. Turning it off extracts nothing; switching
    the model computes only the learned block (the hand-crafted extractor is made to fail to prove it)."""
    from core.datasets import load_dataset
    from core.features import audio as audio_mod
    from core.features.cache import FeatureCache
    from core.features.extract import ExtractConfig, extract_features
    from core.features.levels import audio_config_for

    ds = load_dataset(_real_music_folder(tmp_path / "music"))
    cache = FeatureCache(tmp_path / "cache")
    levels = ("low", "mid", "high", "learned")
    fs, rep = extract_features(ds, ExtractConfig(audio=audio_config_for(levels)), cache=cache, n_jobs=1)
    assert rep.audio_extracted == 4 and fs.audio_stat_names[-2:] == list(TAG_MEASURE_NAMES)
    ind = compute_indicators(fs)
    for name in ("vocal_presence_learned", "quiet_learned"):
        x = ind.column(name)
        assert np.isfinite(x).all() and ((0 <= x) & (x <= 1)).all()
    # the measure is the tags' own: recompute it from the raw tag probabilities of one clip
    raw = audio_mod.extract_clip(ds.tracks["audio_path"].iloc[0], audio_config_for(levels)).features
    tags = raw[[j for j, n in enumerate(audio_mod.feature_names(audio_config_for(levels)))
                if n.startswith("learned.tag.")]]
    assert ind.column("vocal_presence_learned")[0] == pytest.approx(tag_measures(tags[None], "MTT_musicnn")[0, 0],
                                                                     abs=1e-5)

    # off: every hand-crafted clip comes from the cache, and the learned indicators are NaN
    hand, rep = extract_features(ds, ExtractConfig(audio=audio_config_for(("low", "mid", "high"))), cache=cache,
                                 n_jobs=1)
    assert rep.audio_extracted == 0 and rep.audio_cached == 4
    assert np.isnan(compute_indicators(hand).column("vocal_presence_learned")).all()
    np.testing.assert_array_equal(hand.audio_stats, fs.audio_stats[:, :-2])

    # another model: only the learned block is computed (the full extractor would raise here)
    def no_full_extraction(*a, **k):
        raise AssertionError("the hand-crafted levels were extracted again")

    monkeypatch.setattr(audio_mod, "extract_clip", no_full_extraction)
    msd, rep = extract_features(ds, ExtractConfig(audio=audio_config_for(levels, "MSD_musicnn")), cache=cache,
                                n_jobs=1)
    assert rep.audio_extracted == 4 and msd.audio_ok.all() and not rep.problems
    np.testing.assert_array_equal(msd.audio_stats[:, :-2], fs.audio_stats[:, :-2])
    assert not np.array_equal(msd.audio_stats[:, -2:], fs.audio_stats[:, -2:])  # the MSD tags' measures
