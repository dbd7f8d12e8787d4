"""Choosing the default rules on a development set (core.experiments.selection) and checking them on
held-out sets (core.experiments.heldout, `python -m core choose-rules` / `heldout`)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.__main__ import main
from core.experiments import ExperimentConfig, prepare, run_ablation
from core.experiments.heldout import (HELDOUT_SETS, format_targets, moving_rule_checks, target_rows)
from core.experiments.selection import (choose_rules, eligibility, search_space, set_values, switch_off,
                                        untruthful)
from core.indicators import Indicators
from core.rules import A_PRIORI_RULES, DEFAULT_RULES, Rule, RuleSet, apply_rules
from core.validation import read_truth


def _truth(n_clean: int, n_noise: int, n_garbled: int, n_instr: int) -> pd.DataFrame:
    rows = []
    for i in range(n_clean):
        rows.append((f"c{i}", "pop", True, "none", "", "none"))
    for i in range(n_noise):
        rows.append((f"n{i}", "pop", True, "noise", 3.0, "none"))
    for i in range(n_garbled):
        rows.append((f"g{i}", "pop", True, "none", "", "garbled"))
    for i in range(n_instr):
        rows.append((f"i{i}", "ambient", False, "none", "", "instrumental"))
    t = pd.DataFrame(rows, columns=["track_id", "genre", "has_voice", "audio_degradation",
                                    "audio_degradation_param", "lyrics_degradation"])
    return read_truth(t, t.track_id.tolist())


# 60 clean sung tracks, 10 with noisy audio, 10 with garbled lyrics, 20 instrumentals
TRUTH = _truth(60, 10, 10, 20)
N = len(TRUTH)
_noisy = TRUTH.audio_kind.to_numpy() == "noise"
_garbled = TRUTH.lyrics_kind.to_numpy() == "garbled"
_instr = TRUTH.lyrics_kind.to_numpy() == "instrumental"
IND = Indicators.from_columns({
    "audio_quality": np.where(_noisy, 0.3, 0.9),
    "lyrics_quality": np.where(_garbled, 0.2, np.where(_instr, np.nan, 0.95)),
    "vocal_presence": np.where(_instr, 0.0, 0.8),
    "loudness_dbfs": np.linspace(-30, -10, N),
    "lyrics_available": (~_instr).astype(float),
    "audio_available": np.ones(N),
})
BASE = RuleSet(base_weight=0.5, rules=(
    Rule("poor_audio", "audio_quality", "<", 0.5, -0.2),
    Rule("poor_lyrics", "lyrics_quality", "<", 0.5, 0.2),
    Rule("loud", "loudness_dbfs", ">", -20.0, 0.1),
), clip=(0.1, 0.9), unusable_audio_rule=False, no_voice_rule=False)


def test_truthful_rules_pass_and_each_kind_of_untruth_is_named():
    assert untruthful(IND, BASE.replace_rule("loud", delta=0.0), TRUTH) == {}
    # a rule without a truth target that moves weight: nothing shows it tells the truth
    assert untruthful(IND, BASE, TRUTH) == {"loud": "no truth target"}
    # a threshold above the clean tracks' quality fires on them: precision falls
    why = untruthful(IND, BASE.replace_rule("loud", delta=0.0).replace_rule("poor_audio", threshold=0.95), TRUTH)
    assert list(why) == ["poor_audio"] and why["poor_audio"] == "precision 0.12 < 0.9"  # 10 noisy of the 80 sung tracks it fires on
    # a threshold nothing passes: fires on under 2 % of the tracks
    why = untruthful(IND, BASE.replace_rule("loud", delta=0.0).replace_rule("poor_audio", threshold=0.1), TRUTH)
    assert list(why) == ["poor_audio"] and "< 2%" in why["poor_audio"]
    # a hard rule switched on that never fires is untruthful too; switched off it is fine
    rs = BASE.replace_rule("loud", delta=0.0).with_changes(no_voice_rule=True, voice_floor=0.1)
    assert list(untruthful(IND, rs, TRUTH)) == ["no_voice"]
    assert untruthful(IND, switch_off(rs, "no_voice"), TRUTH) == {}
    # a delta of 0 moves nothing, so the rule is not held to the targets
    assert untruthful(IND, switch_off(BASE, "loud"), TRUTH) == {}


def test_joint_coordinates_set_threshold_and_delta_together():
    rs = set_values(BASE, ("poor_audio.threshold", "poor_audio.delta"), (0.6, -0.4))
    assert rs.get_rule("poor_audio").threshold == 0.6 and rs.get_rule("poor_audio").delta == -0.4
    rs = set_values(BASE, ("clip_lo", "clip_hi"), (0.05, 0.95))
    assert rs.clip == (0.05, 0.95)


@pytest.fixture(scope="module")
def tiny_prepared(tiny_features):
    ds, fs = tiny_features
    prepared = prepare(fs, ExperimentConfig(seeds=(0, 1)))
    return ds, prepared, read_truth(ds.ground_truth, prepared.track_ids)


def test_choose_rules_on_a_real_set_returns_a_truthful_rule_set_no_worse_than_its_start(tiny_prepared):
    ds, prepared, truth = tiny_prepared
    res = choose_rules(prepared, ds.labels, truth, A_PRIORI_RULES, seeds=(0, 1), max_rounds=1)
    # rules on indicators without a truth target move nothing; the others kept their sliders
    assert res.best.rule_names == A_PRIORI_RULES.rule_names
    elig = res.eligibility.set_index("rule")
    for name in ("percussive", "loud", "compressed", "dense_mix"):
        assert not elig.loc[name, "eligible"] and res.best.get_rule(name).delta == 0.0
        assert name in res.switched_off
    # every accepted change raised the objective by more than the tolerance, in order
    objs = [res.start_objective] + res.steps.objective.tolist()
    assert res.objective == pytest.approx(objs[-1]) if len(res.steps) else True
    assert all(b > a for a, b in zip(objs[1:], objs[2:]))
    assert untruthful(prepared.indicators, res.best, truth) == {}
    # the candidate thresholds come from the indicator's own distribution on this set
    space = {c.name: c for c in search_space(prepared, res.best, set(elig.index[elig.eligible]))}
    for name in elig.index[elig.eligible]:
        if name in res.best.rule_names:
            thresholds = {v[0] for v in space[f"{name}.threshold + {name}.delta"].values}
            x = prepared.indicators.column(res.best.get_rule(name).indicator)
            assert min(thresholds) >= float(np.nanmin(x)) - 1e-6 or res.best.get_rule(name).threshold in thresholds


def test_eligibility_reads_the_checks_of_the_development_set(tiny_prepared):
    ds, prepared, truth = tiny_prepared
    elig = eligibility(prepared, A_PRIORI_RULES, truth).set_index("rule")
    assert elig.loc["poor_audio", "target"] == "audio_degraded"
    assert elig.loc["loud", "target"] == "" and np.isnan(elig.loc["loud", "auc"])
    assert bool(elig.loc["poor_audio", "eligible"]) == (elig.loc["poor_audio", "auc"] >= 0.95)


def test_target_rows_follow_the_ablation_they_read(tiny_prepared):
    ds, prepared, truth = tiny_prepared
    results = {f: run_ablation(prepared.with_config(prepared.config.with_changes(fusion=f)),
                               labels=ds.labels, ground_truth=ds.ground_truth) for f in ("concat", "weighted")}
    rules = moving_rule_checks(prepared.indicators, DEFAULT_RULES, truth)
    rows = pd.DataFrame(target_rows("tiny", results, rules))
    for fusion, r in results.items():
        t = r.tests[(r.tests.comparison == "dynamic vs static 0.5") & (r.tests.metric == "nmi")].iloc[0]
        row = rows[(rows.fusion == fusion) & rows.target.str.startswith("dynamic > static 0.5 (NMI")].iloc[0]
        assert row.passes == bool(t.mean_diff > 0 and t.p_value < 0.01)
    # only rules that move weight are held to the rule targets
    moving = set(rules.rule[rules.moves])
    checked = {t.split()[1].rstrip(":") for t in rows.target if t.startswith("rule ")}
    assert checked == moving
    assert "FAIL" in format_targets(rows) or "PASS" in format_targets(rows)
    assert format_targets(rows).splitlines()[-1] == f"{int(rows.passes.sum())} of {len(rows)} target checks pass"


def test_heldout_sets_never_include_the_development_seed():
    assert all(hs.seed != 0 for hs in HELDOUT_SETS) and len({hs.seed for hs in HELDOUT_SETS}) >= 4
    changed = [hs for hs in HELDOUT_SETS if hs.degrade is not None]
    assert changed and changed[0].synth_config().audio_noise_rate > 0.06


def test_cli_heldout_and_choose_rules_end_to_end(tmp_path, capsys):
    rules = tmp_path / "chosen.json"
    assert main(["choose-rules", "--tracks-per-genre", "2", "--clip-seconds", "3", "--seeds", "2",
                 "--out", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "step 1, indicator checks" in out and "chosen rule set" in out
    chosen = json.loads(rules.read_text())
    assert "ruleset" in chosen
    assert main(["heldout", "--rules", str(rules), "--tracks-per-genre", "2", "--clip-seconds", "3",
                 "--seeds", "2", "--out", str(tmp_path / "ho")]) == 0
    out = capsys.readouterr().out
    assert "Targets:" in out and "target checks pass" in out
    report = (tmp_path / "ho" / "report.md").read_text()
    assert "python -m core heldout --rules" in report
    assert report.startswith("# Rules from chosen.json on held-out generated sets")  # not "Default rules"
    targets = pd.read_csv(tmp_path / "ho" / "targets.csv")
    assert set(targets.set.str.split().str[0]) == {hs.name for hs in HELDOUT_SETS}
    # the lyrics levels a held-out run clusters on are part of the command that regenerates it
    # (one generated set and the changed one are enough for that)
    assert main(["heldout", "--rules", str(rules), "--tracks-per-genre", "2", "--clip-seconds", "3",
                 "--seeds", "2", "--data-seeds", "5", "--lyrics-levels", "semantic,lexical",
                 "--out", str(tmp_path / "ho2")]) == 0
    capsys.readouterr()
    report2 = (tmp_path / "ho2" / "report.md").read_text()
    assert "--lyrics-levels semantic,lexical" in report2 and "--data-seeds 5" in report2


def test_heldout_sets_for_fresh_generator_seeds():
    from core.errors import ParameterError
    from core.experiments.heldout import heldout_sets
    assert heldout_sets() == HELDOUT_SETS  # the defaults are unchanged
    sets = heldout_sets([5, 6, 7], 8)
    assert [(hs.name, hs.seed) for hs in sets] == [("synthetic-seed-5", 5), ("synthetic-seed-6", 6),
                                                   ("synthetic-seed-7", 7), ("changed-seed-8", 8)]
    assert all(hs.degrade is None and not hs.genres for hs in sets[:3])
    old_changed = [hs for hs in HELDOUT_SETS if hs.degrade is not None][0]
    assert (sets[3].degrade, sets[3].genres) == (old_changed.degrade, old_changed.genres)
    # each option replaces only its own part
    assert heldout_sets([9])[1:] == tuple(hs for hs in HELDOUT_SETS if hs.degrade is not None)
    assert heldout_sets(None, 8)[:3] == HELDOUT_SETS[:3]
    with pytest.raises(ParameterError, match="development seed"):
        heldout_sets([0, 5])
    with pytest.raises(ParameterError):
        heldout_sets([5, 5])


def test_cli_heldout_data_seeds_pick_the_sets(monkeypatch, tmp_path):
    """--data-seeds / --changed-seed reach the set list (stopped before anything is generated)."""
    import core.experiments.heldout as heldout

    picked = []

    class Stop(Exception):
        pass

    def fake(data_seeds=None, changed_seed=None):
        picked.append(heldout.heldout_sets.__wrapped__(data_seeds, changed_seed))
        raise Stop

    fake.__wrapped__ = heldout.heldout_sets
    monkeypatch.setattr(heldout, "heldout_sets", fake)
    with pytest.raises(Stop):
        main(["heldout", "--data-seeds", "5", "6,7", "--changed-seed", "8", "--out", str(tmp_path / "ho")])
    assert [hs.name for hs in picked[-1]] == ["synthetic-seed-5", "synthetic-seed-6", "synthetic-seed-7",
                                              "changed-seed-8"]
    with pytest.raises(Stop):
        main(["heldout", "--out", str(tmp_path / "ho2")])
    assert picked[-1] == HELDOUT_SETS
