"""Indicator validation: AUC against the truth, curves over the degradation parameter, rule precision and
recall, the truth adapter, and ``python -m core indicators`` (text and --json) with and without truth."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest

from core.__main__ import main
from core.errors import ParameterError
from core.indicators import Indicators
from core.rules import DEFAULT_RULES, Rule, RuleSet, apply_rules
from core.validation import read_truth, validate_indicators
from core.validation.checks import auc
from core.validation.text import report_text


def _truth(rows):
    return pd.DataFrame(rows, columns=["track_id", "genre", "has_voice", "audio_degradation",
                                       "audio_degradation_param", "lyrics_degradation"])


# Six hand-made tracks: two clean, noise at 2 and 5 dB, a low-pass at 1000 Hz, an instrumental.
TRUTH = _truth([
    ("a", "pop", True, "none", "", "none"),
    ("b", "pop", True, "none", "", "garbled"),
    ("c", "pop", True, "noise", 2.0, "none"),
    ("d", "pop", True, "noise", 5.0, "truncated"),
    ("e", "pop", True, "lowpass", 1000.0, "missing"),
    ("f", "ambient", False, "none", "", "instrumental"),
])
IND = Indicators.from_columns({
    "snr_db": [30.0, 25.0, 1.0, 27.0, 28.0, 40.0],          # catches the 2 dB noise, misses the 5 dB one
    "high_band_db": [-20.0, -25.0, -15.0, -18.0, -80.0, -30.0],
    "vocal_presence": [0.9, 0.8, 0.7, 0.6, 0.0, 0.0],
    "lyrics_available": [1, 1, 1, 1, 0, 0],
    "audio_available": [1, 1, 1, 1, 1, 1],
    "audio_quality": [1.0, 1.0, 0.05, 0.9, 0.0, 1.0],
    "lyrics_quality": [1.0, 0.2, 1.0, 0.3, np.nan, np.nan],
})
RULES = RuleSet(base_weight=0.5, rules=(
    Rule("poor_lyrics", "lyrics_quality", "<", 0.5, 0.2),
    Rule("noisy", "snr_db", "<", 10.0, -0.2),
    Rule("band", "high_band_db", ">", -50.0, 0.1),   # fires on full-band audio: targets "not audio_lowpass"
), no_voice_rule=True, voice_floor=0.1, unusable_audio_rule=False)


def test_the_truth_adapter_reads_v1_columns_in_the_asked_order():
    t = read_truth(TRUTH, ["f", "c", "a"])
    assert list(t["has_voice"]) == [False, True, True]
    assert list(t["audio_kind"]) == ["none", "noise", "none"]
    assert t["audio_param"].iloc[1] == 2.0 and math.isnan(t["audio_param"].iloc[0])
    assert list(t["lyrics_kind"]) == ["instrumental", "none", "none"]
    assert read_truth(None, ["a"]) is None
    assert read_truth(TRUTH.drop(columns=["has_voice"]), ["a"]) is None
    # a v2-style name maps through the same adapter
    assert read_truth(TRUTH.rename(columns={"audio_degradation": "audio_degradation_kind"}), ["c"])[
        "audio_kind"].iloc[0] == "noise"
    with pytest.raises(ParameterError, match="no row for 1 track"):
        read_truth(TRUTH, ["a", "zzz"])


def test_auc_per_kind_by_hand():
    rep = validate_indicators(IND, apply_rules(IND, RULES), TRUTH, list("abcdef"))
    checks = rep.checks.set_index(["indicator", "target"])
    # noise vs clean (a, b, f): snr 1 is below all clean, 27 is below 30 and 40 but above 25 -> 5/6
    assert checks.loc[("snr_db", "audio_noise"), "auc"] == pytest.approx(5 / 6)
    assert checks.loc[("snr_db", "audio_noise"), ["n_pos", "n_neg"]].tolist() == [2, 3]
    assert checks.loc[("high_band_db", "audio_lowpass"), "auc"] == 1.0
    # voice: f (0) below every voiced track but e (0, a tie counted half) -> (4 + 0.5) / 5
    assert checks.loc[("vocal_presence", "has_voice"), "auc"] == pytest.approx(0.9)
    # garbled (b) vs clean lyrics (a, c): 0.2 below both; truncated (d) vs clean: 0.3 below both
    assert checks.loc[("lyrics_quality", "lyrics_garbled"), "auc"] == 1.0
    assert checks.loc[("lyrics_quality", "lyrics_truncated"), "auc"] == 1.0
    assert checks.loc[("lyrics_available", "lyrics_missing"), "auc"] == 1.0
    assert not checks.loc[("snr_db", "audio_noise"), "passes"]
    assert any("snr_db vs audio_noise" in f for f in rep.failures)


def test_the_curve_over_the_parameter_shows_where_detection_fails():
    rep = validate_indicators(IND, apply_rules(IND, RULES), TRUTH, list("abcdef"))
    c = rep.curves[rep.curves["indicator"] == "snr_db"]
    assert list(c["param_lo"]) == [2.0, 5.0]  # harshest (lowest SNR) first
    assert list(c["auc"]) == [1.0, pytest.approx(2 / 3)]
    assert list(c["mildest"]) == [False, True]
    assert any(f.startswith("snr_db on noise") and "5-5" in f for f in rep.failures)


def test_rule_precision_and_recall_against_their_targets():
    rep = validate_indicators(IND, apply_rules(IND, RULES), TRUTH, list("abcdef"))
    r = rep.rules.set_index("rule")
    # poor_lyrics fires on b and d (both poor: truncated or garbled) -> precision 1, recall 1
    assert r.loc["poor_lyrics", ["fires", "precision", "recall"]].tolist() == [2, 1.0, 1.0]
    # noisy fires on c only: precision 1, recall 1/2 (d, noise at 5 dB, is missed)
    assert r.loc["noisy", ["fires", "precision", "recall"]].tolist() == [1, 1.0, 0.5]
    assert r.loc["noisy", "target"] == "audio_noise"
    # band fires where high_band_db > -50 and no hard rule decides: a, b, c, d -> all "not audio_lowpass"
    assert r.loc["band", "target"] == "not audio_lowpass" and r.loc["band", "precision"] == 1.0
    # no_lyrics decides e and f; its target (missing or instrumental) is exactly those
    assert r.loc["no_lyrics", ["fires", "precision", "recall"]].tolist() == [2, 1.0, 1.0]
    # no_voice never fires on a track with lyrics here: no precision, recall 0 of f (decided by no_lyrics)
    assert r.loc["no_voice", "fires"] == 0 and math.isnan(r.loc["no_voice", "precision"])
    assert r.loc["no_voice", "recall"] == 0.0


def test_without_truth_only_firing_rates_and_distributions():
    rep = validate_indicators(IND, apply_rules(IND, RULES))
    assert not rep.has_truth and rep.checks.empty and rep.curves.empty
    assert rep.rules["precision"].isna().all() and rep.rules["fires"].sum() > 0
    d = rep.distributions.set_index("indicator")
    assert d.loc["snr_db", "median"] == pytest.approx(27.5) and d.loc["lyrics_quality", "known"] == 4
    assert "no ground truth is available" in report_text(rep)
    doc = rep.to_json()
    json.dumps(doc, allow_nan=False)
    assert doc["checks"] == [] and doc["rules"][0]["precision"] is None


def test_bad_input_is_named():
    res = apply_rules(IND, RULES)
    with pytest.raises(ParameterError, match="track_ids"):
        validate_indicators(IND, res, TRUTH)
    with pytest.raises(ParameterError, match="RuleResult"):
        validate_indicators(IND, "weights", TRUTH, list("abcdef"))
    with pytest.raises(ParameterError, match="no row"):
        validate_indicators(IND, res, TRUTH, list("abcdeX"))
    a, n_pos, n_neg = auc([1.0, 2.0], [True, True], [True, True], +1)
    assert math.isnan(a) and (n_pos, n_neg) == (2, 0)


def test_the_truth_enters_the_report_only():
    # a scrambled truth changes the scores of the rules, never how often they fire
    res = apply_rules(IND, RULES)
    shuffled = TRUTH.assign(has_voice=~TRUTH["has_voice"], audio_degradation="none")
    honest = validate_indicators(IND, res, TRUTH, list("abcdef")).rules
    scrambled = validate_indicators(IND, res, shuffled, list("abcdef")).rules
    np.testing.assert_array_equal(honest["fires"], scrambled["fires"])
    assert honest.set_index("rule").loc["noisy", "precision"] == 1.0
    assert scrambled.set_index("rule").loc["noisy", "precision"] == 0.0


def test_cli_indicators_json_on_a_set_with_truth(tiny_synth_dir, tiny_features, capsys, tmp_path):
    cache = tmp_path / "cache"
    assert main(["indicators", str(tiny_synth_dir), "--json", "--cache", str(cache)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["has_truth"] is True and doc["n_tracks"] == 20
    assert {"indicator", "target", "auc"} <= set(doc["checks"][0])
    assert {"rule", "fires", "precision", "recall"} <= set(doc["rules"][0])
    by = {(c["indicator"], c["target"]): c for c in doc["checks"]}
    voice = by[("vocal_presence", "has_voice")]
    assert voice["n_pos"] == 16 and voice["n_neg"] == 4 and 0.0 <= voice["auc"] <= 1.0
    rules = {r["rule"] for r in doc["rules"]}
    assert set(DEFAULT_RULES.rule_names) <= rules and {"no_lyrics", "no_voice"} <= rules
    assert main(["indicators", str(tiny_synth_dir), "--cache", str(cache)]) == 0
    text = capsys.readouterr().out
    assert "ROC AUC against the generator's truth" in text and "no ground truth" not in text


def test_cli_indicators_on_a_set_without_truth(tiny_synth_dir, capsys, tmp_path):
    root = tmp_path / "music" / "pop"
    root.mkdir(parents=True)
    for name in ("pop_000", "pop_001", "metal_000"):
        shutil.copy(tiny_synth_dir / "audio" / f"{name}.wav", root / f"{name}.wav")
        shutil.copy(tiny_synth_dir / "lyrics" / f"{name}.txt", root / f"{name}.txt")
    assert main(["indicators", str(tmp_path / "music"), "--cache", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    assert "no ground truth is available" in out and "fires" in out
    assert main(["indicators", str(tmp_path / "nowhere")]) == 1


def test_pooling_sets_keeps_each_tracks_truth():
    from core.validation import pool_sets
    ind, truth, ids = pool_sets([(IND, TRUTH, list("abcdef")), (IND, TRUTH, list("abcdef"))])
    assert ind.n_tracks == 12 and ids[:2] == ["0/a", "0/b"] and ids[6] == "1/a"
    rep = validate_indicators(ind, apply_rules(ind, RULES), truth, ids)
    checks = rep.checks.set_index(["indicator", "target"])
    assert checks.loc[("snr_db", "audio_noise"), ["n_pos", "n_neg"]].tolist() == [4, 6]
    assert checks.loc[("snr_db", "audio_noise"), "auc"] == pytest.approx(5 / 6)
    assert pool_sets([(IND, None, list("abcdef")), (IND, TRUTH, list("abcdef"))])[1] is None


def test_auc_is_sklearns_roc_auc_score_with_ties():
    from sklearn.metrics import roc_auc_score
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.integers(0, 6, 40).astype(float)  # many ties
        y = rng.random(40) < 0.3
        x[rng.random(40) < 0.1] = np.nan
        keep = np.isfinite(x)
        ours, _, _ = auc(x, y, np.ones(40, bool), -1)
        assert ours == pytest.approx(roc_auc_score(y[keep], -x[keep]), abs=1e-12)


def test_quiet_target_reads_the_true_level_and_checks_loudness_and_the_learned_estimate():
    truth = TRUTH.assign(loudness_dbfs=[-10.0, -25.0, -12.0, -30.0, np.nan, -21.0])
    t = read_truth(truth, list("abcdef"))
    from core.validation.truth import target
    pos, pop = target(t, "quiet")
    # quiet = below -20 dBFS among the tracks with a known level (e has none)
    assert pos.tolist() == [False, True, False, True, False, True]
    assert pop.tolist() == [True, True, True, True, False, True]
    ind = Indicators.from_columns({**{k: IND.column(k) for k in IND.names},
                                   "loudness_dbfs": [-11.0, -24.0, -8.0, -29.0, -15.0, -22.0],
                                   # the learned estimate ranks b (quiet) below a (loud): 5 of 6 pairs right
                                   "quiet_learned": [0.5, 0.4, 0.1, 0.9, 0.3, 0.7]})
    checks = validate_indicators(ind, apply_rules(ind, RULES), truth, list("abcdef")).checks
    checks = checks.set_index(["indicator", "target"])
    assert checks.loc[("loudness_dbfs", "quiet"), "auc"] == 1.0
    assert checks.loc[("quiet_learned", "quiet"), "auc"] == pytest.approx(5 / 6)
    assert checks.loc[("quiet_learned", "quiet"), ["n_pos", "n_neg"]].tolist() == [3, 2]
    # generator v1 records no level: the check has no tracks, and says so with NaN
    v1 = validate_indicators(ind, apply_rules(ind, RULES), TRUTH, list("abcdef")).checks
    row = v1[(v1.indicator == "quiet_learned") & (v1.target == "quiet")].iloc[0]
    assert math.isnan(row["auc"]) and row["n_pos"] == 0 and not row["passes"]
