"""The rule engine on hand-made tracks whose weights can be checked on paper."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import core.rules as rules_module
from core.errors import ParameterError
from core.features.featureset import FeatureSet
from core.indicators import GROUPS, INDICATORS, Indicators, compute_indicators
from core.rules import (
    A_PRIORI_RULES,
    DEFAULT_RULES,
    HARD_RULES,
    Rule,
    RuleResult,
    RuleSet,
    apply_rules,
    explain,
    explain_text,
    rule_counts,
)

HARD = tuple(h[0] for h in HARD_RULES)
#: A healthy track: lyrics, audio, good quality, audible voice. No hard rule applies.
HEALTHY = dict(lyrics_available=1.0, audio_available=1.0, audio_quality=1.0, lyrics_quality=1.0,
               vocal_presence=0.8, loudness_dbfs=-12.0, percussive_ratio=0.3, dynamic_range_db=12.0,
               instrumental_density=0.5)


def tracks(*rows):
    """Indicators for hand-made tracks: each row overrides HEALTHY."""
    names = list(HEALTHY)
    for r in rows:
        names += [k for k in r if k not in names]
    return Indicators.from_columns({n: [r.get(n, HEALTHY.get(n, np.nan)) for r in rows] for n in names})


def check_trace(res: RuleResult):
    np.testing.assert_allclose(res.trace.sum(axis=1, dtype=np.float64), res.weights, atol=1e-6)
    assert res.weights.dtype == np.float32 and res.trace.dtype == np.float32
    assert ((res.weights >= 0) & (res.weights <= 1)).all()
    assert res.trace.shape == (res.n_tracks, len(res.columns))
    assert res.fired.shape == (res.n_tracks, len(res.rule_names))


# -- a worked example --------------------------------------------------------------------------

LOUD = Rule("loud", "loudness_dbfs", ">", -20.0, 0.2, description="hot master")
VOICE = Rule("voice", "vocal_presence", ">", 0.5, -0.3, description="sung words")
POOR = Rule("poor_audio", "audio_quality", "<", 0.5, -0.3, description="noisy")
EXAMPLE = RuleSet(base_weight=0.5, rules=(LOUD, VOICE, POOR), clip=(0.1, 0.9))


def test_three_tracks_worked_out_by_hand():
    ind = tracks(
        dict(loudness_dbfs=-10.0, vocal_presence=0.9, audio_quality=0.9),   # loud, sung, clean
        dict(loudness_dbfs=-10.0, vocal_presence=0.3, audio_quality=0.9),   # loud, voice faint
        dict(loudness_dbfs=-30.0, vocal_presence=0.9, audio_quality=0.3),   # quiet, sung, noisy
    )
    res = apply_rules(ind, EXAMPLE)
    check_trace(res)
    assert res.columns == ("base", "loud", "voice", "poor_audio", "clip") + HARD
    # 0.5 + 0.2 - 0.3 = 0.4 ; 0.5 + 0.2 = 0.7 ; 0.5 - 0.3 - 0.3 = -0.1 -> clipped up to 0.1 (+0.2)
    np.testing.assert_allclose(res.weights, [0.4, 0.7, 0.1], atol=1e-6)
    np.testing.assert_allclose(res.trace, [
        [0.5, 0.2, -0.3, 0.0, 0.0, 0, 0, 0],
        [0.5, 0.2, 0.0, 0.0, 0.0, 0, 0, 0],
        [0.5, 0.0, -0.3, -0.3, 0.2, 0, 0, 0],
    ], atol=1e-6)
    np.testing.assert_array_equal(res.fired, [
        [True, True, False, False, False, False],
        [True, False, False, False, False, False],
        [False, True, True, False, False, False],
    ])
    assert rule_counts(res) == {"loud": 2, "voice": 2, "poor_audio": 1,
                                "no_lyrics": 0, "unusable_audio": 0, "no_voice": 0}
    why = explain(res, 2)
    assert [w.split(":")[0] for w, _ in why] == ["base audio weight", "voice", "poor_audio", "clipped to [0.1, 0.9]"]
    assert sum(a for _, a in why) == pytest.approx(0.1, abs=1e-6)
    assert "audio_quality = 0.3" in why[2][0] and "toward lyrics" in why[2][0]
    text = explain_text(res, 0)
    assert "loudness_dbfs = -10 dBFS (> -20 dBFS)" in text and text.endswith("=0.400  audio weight")


# -- hard rules --------------------------------------------------------------------------------


def test_hard_rules_win_over_soft_rules_in_the_documented_order():
    push_audio = RuleSet(rules=(Rule("up", "loudness_dbfs", ">", -60.0, 0.5),), clip=(0.2, 0.8))
    push_lyrics = RuleSet(rules=(Rule("down", "loudness_dbfs", ">", -60.0, -0.5),), clip=(0.2, 0.8))
    ind = tracks(
        dict(),                                              # 0 soft only
        dict(lyrics_available=0.0),                          # 1 no lyrics -> 1
        dict(audio_quality=0.05),                            # 2 unusable audio -> 0
        dict(audio_available=0.0, audio_quality=np.nan, loudness_dbfs=np.nan),  # 3 no audio -> 0
        dict(vocal_presence=0.05),                           # 4 no voice -> 1
        dict(lyrics_available=0.0, audio_available=0.0, audio_quality=np.nan),  # 5 nothing -> 1, flagged
        dict(audio_quality=0.05, vocal_presence=0.05),       # 6 unusable audio beats no voice -> 0
        dict(lyrics_available=0.0, vocal_presence=0.0),      # 7 no lyrics beats no voice -> 1
    )
    for rs in (push_audio, push_lyrics):
        res = apply_rules(ind, rs)
        check_trace(res)
        np.testing.assert_array_equal(res.weights[1:], [1, 0, 0, 1, 1, 0, 1])
        np.testing.assert_array_equal(res.flagged, [0, 0, 0, 0, 0, 1, 0, 0])
        assert list(res.decided_by) == ["", "no_lyrics", "unusable_audio", "unusable_audio", "no_voice",
                                        "no_lyrics", "unusable_audio", "no_lyrics"]
        # on decided tracks the soft rule and the clip have no effect, the override carries it all
        assert (res.trace[1:, 1:3] == 0).all()
        assert not res.fired[1:, 0].any() and res.fired[0, 0]
        np.testing.assert_allclose(res.column("unusable_audio")[[2, 3, 6]], -0.5)
        np.testing.assert_allclose(res.column("no_lyrics")[[1, 5, 7]], 0.5)
    assert apply_rules(ind, push_audio).weights[0] == pytest.approx(0.8)   # clipped soft weight
    assert apply_rules(ind, push_lyrics).weights[0] == pytest.approx(0.2)
    why = explain(apply_rules(ind, push_audio), 5)
    assert why[-1][0].startswith("hard rule no_lyrics") and "flagged" in why[-1][0]


def test_hard_rule_is_explained_even_when_it_changes_nothing():
    res = apply_rules(tracks(dict(lyrics_available=0.0)), RuleSet(base_weight=1.0))
    assert res.weights[0] == 1.0 and res.column("no_lyrics")[0] == 0.0
    assert [w.split(":")[0] for w, _ in explain(res, 0)] == ["base audio weight", "hard rule no_lyrics"]


def test_hard_rule_switches_and_floors():
    ind = tracks(dict(lyrics_available=0.0), dict(audio_quality=0.3), dict(vocal_presence=0.3))
    assert list(apply_rules(ind, RuleSet()).weights) == [1.0, 0.5, 0.5]
    floors = RuleSet(audio_quality_floor=0.4, voice_floor=0.4)
    assert list(apply_rules(ind, floors).weights) == [1.0, 0.0, 1.0]
    off = floors.with_changes(no_lyrics_rule=False, unusable_audio_rule=False, no_voice_rule=False)
    res = apply_rules(ind, off)
    assert list(res.weights) == [0.5, 0.5, 0.5] and not res.fired.any()
    # with the hard rules off, their indicators are not needed
    only_loud = Indicators.from_columns({"loudness_dbfs": [-5.0]})
    assert apply_rules(only_loud, off.with_changes(rules=(LOUD,))).weights[0] == pytest.approx(0.7)
    with pytest.raises(ParameterError, match=r"'ind' parameter of apply_rules.*audio_quality"):
        apply_rules(only_loud, RuleSet())


# -- clipping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("clip", [(0.0, 1.0), (0.3, 0.6), (0.5, 0.5), (0.9, 1.0)])
def test_clipping_bounds_respected_and_shown_in_trace(clip):
    rs = RuleSet(base_weight=0.5, clip=clip, rules=(
        Rule("a", "loudness_dbfs", ">", -20.0, 0.4), Rule("b", "vocal_presence", ">", 0.5, -0.45)))
    ind = tracks(dict(loudness_dbfs=-10.0, vocal_presence=0.2), dict(loudness_dbfs=-30.0, vocal_presence=0.9),
                 dict(loudness_dbfs=-10.0, vocal_presence=0.9), dict(loudness_dbfs=-30.0, vocal_presence=0.2))
    res = apply_rules(ind, rs)
    check_trace(res)
    raw = np.array([0.9, 0.05, 0.45, 0.5])
    np.testing.assert_allclose(res.weights, np.clip(raw, *clip), atol=1e-6)
    np.testing.assert_allclose(res.column("clip"), np.clip(raw, *clip) - raw, atol=1e-6)
    assert (res.weights >= np.float32(clip[0])).all() and (res.weights <= np.float32(clip[1])).all()


# -- soft ramps --------------------------------------------------------------------------------


def test_soft_ramp_is_continuous_and_monotone_in_the_threshold():
    ind = tracks(dict(loudness_dbfs=-18.0), dict(loudness_dbfs=np.nan))
    thresholds = np.linspace(-40.0, 0.0, 801)  # slider steps of 0.05 dB
    base = RuleSet(soft=True, rules=(Rule("loud", "loudness_dbfs", ">", -20.0, 0.3, soft_width=6.0),))
    w = np.array([apply_rules(ind, base.replace_rule("loud", threshold=float(t))).weights for t in thresholds])
    assert (np.diff(w[:, 0]) <= 1e-7).all()                     # raising the threshold never raises w
    # logistic slope at most delta * 8 / width / 4 = 0.1 per dB -> at most 0.005 per 0.05 dB step
    assert np.abs(np.diff(w[:, 0])).max() <= 0.3 * 8 / 6.0 / 4 * 0.05 + 1e-6
    assert w[0, 0] == pytest.approx(0.8, abs=1e-6) and w[-1, 0] == pytest.approx(0.5, abs=1e-6)
    assert w[thresholds.searchsorted(-18.0), 0] == pytest.approx(0.65, abs=1e-6)  # at threshold: half
    np.testing.assert_array_equal(w[:, 1], 0.5)                # NaN: never fires, ramp or not
    # the hard step, by contrast, jumps by the whole delta
    hard = base.with_changes(soft=False)
    jump = [apply_rules(ind, hard.replace_rule("loud", threshold=t)).weights[0] for t in (-18.05, -17.95)]
    assert jump == pytest.approx([0.8, 0.5])


def test_soft_ramp_tends_to_the_hard_step():
    x = np.array([-30.0, -20.5, -20.01, -19.99, -19.5, -5.0])
    ind = tracks(*[dict(loudness_dbfs=v) for v in x])
    hard = apply_rules(ind, RuleSet(rules=(Rule("loud", "loudness_dbfs", ">", -20.0, 0.3, 1e-4),)))
    errors = []
    for width in (4.0, 1.0, 0.1, 1e-4):
        soft = apply_rules(ind, RuleSet(soft=True, rules=(Rule("loud", "loudness_dbfs", ">", -20.0, 0.3, width),)))
        check_trace(soft)
        errors.append(np.abs(soft.weights - hard.weights).max())
        np.testing.assert_array_equal(soft.fired, hard.fired)   # "fired" is the condition either way
    assert errors == sorted(errors, reverse=True) and errors[0] > 0.01
    assert errors[-1] < 1e-6
    np.testing.assert_allclose(hard.weights, [0.5, 0.5, 0.5, 0.8, 0.8, 0.8])


def test_soft_switch_off_ignores_widths():
    rs = RuleSet(rules=(Rule("loud", "loudness_dbfs", ">", -20.0, 0.3, soft_width=10.0),))
    res = apply_rules(tracks(dict(loudness_dbfs=-21.0)), rs)
    assert res.weights[0] == 0.5
    assert apply_rules(tracks(dict(loudness_dbfs=-21.0)), rs.with_changes(soft=True)).weights[0] > 0.5


def test_nan_indicator_does_not_fire():
    rs = RuleSet(rules=(Rule("poor_lyrics", "lyrics_quality", "<", 0.5, 0.2, 0.2),
                        Rule("loud", "loudness_dbfs", ">", -20.0, 0.1)))
    ind = tracks(dict(lyrics_quality=np.nan, loudness_dbfs=np.nan), dict(lyrics_quality=0.1, loudness_dbfs=-5.0))
    for soft in (False, True):
        res = apply_rules(ind, rs.with_changes(soft=soft))
        check_trace(res)
        assert res.weights[0] == 0.5 and not res.fired[0].any()
        assert (res.trace[0, 1:] == 0).all() and np.isnan(res.inputs[0]).all()
        assert res.weights[1] > 0.75
    # NaN audio quality or vocal presence never triggers a hard rule either
    res = apply_rules(tracks(dict(audio_quality=np.nan, vocal_presence=np.nan)), RuleSet())
    assert res.weights[0] == 0.5 and not res.fired.any()


# -- property: the trace always sums to the weight ---------------------------------------------

NUMERIC = ["vocal_presence", "percussive_ratio", "loudness_dbfs", "dynamic_range_db", "audio_quality",
           "lyrics_quality", "snr_db", "word_count"]


def random_case(seed, n=200):
    rng = np.random.default_rng(seed)
    cols = {name: rng.uniform(INDICATORS[name].lo, INDICATORS[name].hi, n) for name in NUMERIC}
    for name in NUMERIC:
        cols[name][rng.random(n) < 0.1] = np.nan
    cols["lyrics_available"] = (rng.random(n) < 0.8).astype(float)
    cols["audio_available"] = (rng.random(n) < 0.9).astype(float)
    rules = []
    for j in range(int(rng.integers(0, 8))):
        name = str(rng.choice(NUMERIC))
        spec = INDICATORS[name]
        rules.append(Rule(f"r{j}", name, str(rng.choice([">", "<"])), float(rng.uniform(spec.lo, spec.hi)),
                          float(rng.uniform(-1, 1)), float(rng.choice([0.0, rng.uniform(0, spec.hi - spec.lo)]))))
    lo, hi = sorted(rng.uniform(0, 1, 2))
    rs = RuleSet(base_weight=float(rng.uniform(0, 1)), rules=tuple(rules), clip=(float(lo), float(hi)),
                 soft=bool(rng.random() < 0.5), no_lyrics_rule=bool(rng.random() < 0.8),
                 unusable_audio_rule=bool(rng.random() < 0.8), audio_quality_floor=float(rng.uniform(0, 0.5)),
                 no_voice_rule=bool(rng.random() < 0.8), voice_floor=float(rng.uniform(0, 0.5)))
    return Indicators.from_columns(cols), rs


@pytest.mark.parametrize("seed", range(40))
def test_trace_sums_to_weight_for_random_rule_sets(seed):
    ind, rs = random_case(seed)
    res = apply_rules(ind, rs)
    check_trace(res)
    hard = res.fired[:, len(rs.rules):].any(axis=1)
    assert (res.fired[:, len(rs.rules):].sum(axis=1) <= 1).all()          # at most one hard rule decides
    soft_w = res.weights[~hard]
    assert ((soft_w >= np.float32(rs.clip[0])) & (soft_w <= np.float32(rs.clip[1]))).all()
    assert set(np.unique(res.weights[hard])) <= {0.0, 1.0}
    for i in range(0, ind.n_tracks, 37):
        assert sum(a for _, a in explain(res, i)) == pytest.approx(float(res.weights[i]), abs=1e-5)
    counts = rule_counts(res)
    assert list(counts) == list(res.rule_names) and sum(counts[h] for h in HARD) == int(hard.sum())


def test_weights_do_not_depend_on_other_tracks():
    ind, rs = random_case(7, n=300)
    full = apply_rules(ind, rs)
    perm = np.random.default_rng(0).permutation(ind.n_tracks)
    shuffled = apply_rules(Indicators(values=ind.values[perm], names=ind.names), rs)
    np.testing.assert_array_equal(shuffled.weights, full.weights[perm])
    np.testing.assert_array_equal(shuffled.trace, full.trace[perm])


# -- RuleSet as a value ------------------------------------------------------------------------


def test_ruleset_is_hashable_and_equal_by_value():
    a = RuleSet(base_weight=0.5, rules=[LOUD, VOICE], clip=[0.1, 0.9])
    b = RuleSet(base_weight=0.5, rules=(Rule("loud", "loudness_dbfs", ">", -20, 0.2, description="hot master"),
                                         Rule("voice", "vocal_presence", ">", 0.5, -0.3, description="sung words")),
                clip=(np.float64(0.1), 0.9))
    assert a == b and hash(a) == hash(b)
    assert isinstance(a.rules, tuple) and isinstance(a.clip, tuple)
    cache = {a: "result"}
    assert cache[b] == "result"
    assert a != a.with_changes(base_weight=0.6)
    assert hash(DEFAULT_RULES) == hash(dataclasses.replace(DEFAULT_RULES))
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.base_weight = 0.3


def test_with_changes_and_replace_rule_return_new_validated_values():
    moved = DEFAULT_RULES.replace_rule("loud", threshold=-18.0)
    assert moved.get_rule("loud").threshold == -18.0 and DEFAULT_RULES.get_rule("loud").threshold == -20.0
    assert moved.rule_names == DEFAULT_RULES.rule_names and moved != DEFAULT_RULES
    assert moved.replace_rule("loud", threshold=-20.0) == DEFAULT_RULES
    soft = DEFAULT_RULES.with_changes(soft=True, clip=(0.2, 0.8))
    assert soft.soft and soft.clip == (0.2, 0.8) and not DEFAULT_RULES.soft
    with pytest.raises(ParameterError, match="'base_weight' parameter of RuleSet"):
        DEFAULT_RULES.with_changes(base_weight=1.5)
    with pytest.raises(ParameterError, match="'delta' parameter of Rule"):
        DEFAULT_RULES.replace_rule("loud", delta=2.0)
    with pytest.raises(ParameterError, match="'name' parameter of RuleSet.get_rule"):
        DEFAULT_RULES.replace_rule("nope", threshold=1.0)
    with pytest.raises(ParameterError, match="'changes' parameter of RuleSet.with_changes"):
        DEFAULT_RULES.with_changes(threshold=1.0)
    with pytest.raises(ParameterError, match="'changes' parameter of RuleSet.replace_rule"):
        DEFAULT_RULES.replace_rule("loud", base_weight=1.0)


# -- reserved rule names (the declared constraints are walked in tests/test_params.py) ------------

VALID_RULE = dict(name="r", indicator="loudness_dbfs", op=">", threshold=-20.0, delta=0.1)


@pytest.mark.parametrize("reserved", ("base", "clip") + HARD)
def test_reserved_rule_names_are_rejected(reserved):
    Rule(**VALID_RULE)  # the baseline is valid
    with pytest.raises(ParameterError, match=r"^The 'name' parameter of Rule must be not one of .+\. Got .+ instead\.$"):
        Rule(**{**VALID_RULE, "name": reserved})


def test_engine_entry_points_reject_wrong_types():
    ind = tracks(dict())
    with pytest.raises(ParameterError, match="'ind' parameter of apply_rules"):
        apply_rules(ind.values, DEFAULT_RULES)
    with pytest.raises(ParameterError, match="'ruleset' parameter of apply_rules"):
        apply_rules(ind, {"base_weight": 0.5})
    res = apply_rules(ind, DEFAULT_RULES)
    with pytest.raises(ParameterError, match="'i' parameter of explain"):
        explain(res, 1)
    with pytest.raises(ParameterError, match="'name' parameter of RuleResult.column"):
        res.column("loud_rule")


# -- the default rule set ----------------------------------------------------------------------


def test_a_priori_rules_cover_presence_energy_and_quality():
    groups = {INDICATORS[r.indicator].group for r in A_PRIORI_RULES.rules}
    assert groups == {"instrument presence", "energy", "quality"} and groups <= set(GROUPS)
    for r in A_PRIORI_RULES.rules:
        spec = INDICATORS[r.indicator]
        assert spec.lo <= r.threshold <= spec.hi and r.description
        assert r.soft_width > 0 and r.delta != 0
    assert A_PRIORI_RULES.get_rule("loud").threshold == -20.0           # dBFS alignment level
    assert A_PRIORI_RULES.get_rule("voice_present").delta < 0            # voice -> toward lyrics
    assert A_PRIORI_RULES.get_rule("poor_audio").delta < 0 < A_PRIORI_RULES.get_rule("poor_lyrics").delta
    assert 0 < A_PRIORI_RULES.clip[0] <= A_PRIORI_RULES.base_weight <= A_PRIORI_RULES.clip[1] < 1


def test_default_rules_move_weight_only_by_rules_with_a_truth_target():
    from core.validation.checks import RULE_TARGETS
    # the same rules, so every slider of the a-priori set is still there
    assert DEFAULT_RULES.rule_names == A_PRIORI_RULES.rule_names
    for r in DEFAULT_RULES.rules:
        spec = INDICATORS[r.indicator]
        assert spec.lo <= r.threshold <= spec.hi and r.description and r.soft_width > 0
        # a rule whose indicator cannot be checked against any truth moves nothing
        assert (r.delta != 0) == (r.indicator in RULE_TARGETS), r.name
    assert DEFAULT_RULES.get_rule("voice_present").delta < 0            # voice -> toward lyrics
    assert DEFAULT_RULES.get_rule("poor_audio").delta < 0 < DEFAULT_RULES.get_rule("poor_lyrics").delta
    assert 0 < DEFAULT_RULES.clip[0] <= DEFAULT_RULES.base_weight <= DEFAULT_RULES.clip[1] < 1
    assert not DEFAULT_RULES.no_voice_rule  # fires on no track with the current indicators


# -- from FeatureSet to weights: GTZAN and label blindness --------------------------------------

AUDIO_STATS = ("duration_s", "usable_duration_s", "loudness_dbfs", "dynamic_range_db", "silence_ratio",
               "clipping_ratio", "snr_db", "percussive_ratio", "vocal_presence", "onset_rate",
               "instrumental_density", "bandwidth_hz")
LYRICS_STATS = ("word_count", "line_count", "type_token_ratio", "line_repetition", "junk_token_share",
                "unknown_token_share", "mean_word_length")


def random_featureset(n, seed, has_lyrics=True):
    rng = np.random.default_rng(seed)
    dur = rng.uniform(2, 30, n)
    audio = np.column_stack([
        dur, dur * rng.uniform(0.05, 1, n), rng.uniform(-40, -3, n), rng.uniform(2, 30, n), rng.uniform(0, 0.6, n),
        rng.uniform(0, 0.06, n), rng.uniform(0, 50, n), rng.uniform(0, 1, n), rng.uniform(0, 1, n),
        rng.uniform(0, 8, n), rng.uniform(0, 1, n), rng.uniform(1000, 11025, n)]).astype(np.float32)
    lyrics = np.column_stack([
        rng.uniform(0, 300, n), rng.uniform(1, 40, n), rng.uniform(0.05, 0.9, n), rng.uniform(0, 1, n),
        rng.uniform(0, 0.5, n), rng.uniform(0, 0.5, n), rng.uniform(3, 6, n)]).astype(np.float32)
    audio_ok = rng.random(n) > 0.1
    audio_ok[:2] = False
    lyrics_ok = (rng.random(n) > 0.2) & has_lyrics
    audio[~audio_ok] = np.nan
    lyrics[~lyrics_ok] = np.nan
    return FeatureSet(
        track_ids=[f"t{i:03d}" for i in range(n)],
        audio=np.zeros((n, 2), np.float32), audio_names=["a0", "a1"], audio_blocks={"low": [0, 1]},
        audio_ok=audio_ok, audio_stats=audio, audio_stat_names=list(AUDIO_STATS),
        lyrics=np.zeros((n, 2), np.float32), lyrics_names=["l0", "l1"], lyrics_blocks={"stylistic": [0, 1]},
        lyrics_ok=lyrics_ok, lyrics_stats=lyrics, lyrics_stat_names=list(LYRICS_STATS),
        has_lyrics=has_lyrics, semantic=np.zeros((n, 384), np.float32),
    )


def test_gtzan_like_featureset_gets_audio_weight_one_by_the_named_hard_rule():
    fs = random_featureset(30, seed=1, has_lyrics=False)
    for rs in (DEFAULT_RULES, DEFAULT_RULES.with_changes(soft=True, base_weight=0.0, clip=(0.0, 0.2))):
        res = apply_rules(compute_indicators(fs), rs)
        check_trace(res)
        np.testing.assert_array_equal(res.weights, 1.0)
        assert rule_counts(res)["no_lyrics"] == 30
        assert set(res.decided_by) == {"no_lyrics"}
        np.testing.assert_allclose(res.column("no_lyrics"), 1.0 - rs.base_weight)
        assert "hard rule no_lyrics" in explain_text(res, 0)
    # tracks whose audio is unusable too (missing, or quality under the floor) are kept at 1 and flagged,
    # with the hard rule 'unusable audio' on (the a-priori set) or off (the defaults): the flag reads the
    # indicators, so the default rules do not hide it (it was never set with the rule off)
    quality = compute_indicators(fs).column("audio_quality")
    expected = ~fs.audio_ok | (quality < A_PRIORI_RULES.audio_quality_floor)
    assert 2 <= expected.sum() < 30
    res = apply_rules(compute_indicators(fs), A_PRIORI_RULES)
    np.testing.assert_array_equal(res.flagged, expected)
    off = apply_rules(compute_indicators(fs), A_PRIORI_RULES.with_changes(unusable_audio_rule=False))
    np.testing.assert_array_equal(off.flagged, expected)
    assert np.all(off.weights == 1.0)
    assert not DEFAULT_RULES.unusable_audio_rule
    np.testing.assert_array_equal(apply_rules(compute_indicators(fs), DEFAULT_RULES).flagged,
                                  ~fs.audio_ok | (quality < DEFAULT_RULES.audio_quality_floor))


FORBIDDEN = {"label", "labels", "genre", "genres", "ground_truth", "truth", "y", "y_true", "target"}


def test_rule_entry_points_take_no_labels():
    assert set(inspect.signature(apply_rules).parameters) == {"ind", "ruleset"}
    assert set(inspect.signature(compute_indicators).parameters) == {"fs", "config"}
    tree = ast.parse(Path(rules_module.__file__).read_text())
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    used |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    assert not used & FORBIDDEN


def test_permuting_labels_and_ground_truth_changes_no_weight():
    n = 40
    fs = random_featureset(n, seed=5)
    labels = np.array([f"genre{i % 5}" for i in range(n)])
    truth = pd.DataFrame({"track_id": fs.track_ids, "genre": labels,
                          "degraded": np.where(np.arange(n) % 3 == 0, "audio", "none")})
    before = apply_rules(compute_indicators(fs), DEFAULT_RULES)
    rng = np.random.default_rng(11)
    for _ in range(3):
        labels = labels[rng.permutation(n)]
        truth = truth.assign(genre=truth["genre"].to_numpy()[rng.permutation(n)],
                             degraded=truth["degraded"].to_numpy()[rng.permutation(n)])
        after = apply_rules(compute_indicators(fs), DEFAULT_RULES)
        np.testing.assert_array_equal(after.weights, before.weights)
        np.testing.assert_array_equal(after.trace, before.trace)
    # the weights are not constant: the check above can see a change
    assert np.unique(before.weights).size > 3
    # whereas permuting the tracks themselves permutes the weights with them
    perm = rng.permutation(n)
    moved = dataclasses.replace(fs, audio_stats=fs.audio_stats[perm], audio_ok=fs.audio_ok[perm],
                                lyrics_stats=fs.lyrics_stats[perm], lyrics_ok=fs.lyrics_ok[perm])
    np.testing.assert_array_equal(apply_rules(compute_indicators(moved), DEFAULT_RULES).weights,
                                  before.weights[perm])
