"""Rule-set presets and their JSON file: round trip, clear messages naming the field for bad files, the
CLI reading the same file (`ablate --rules`), `ablate` on a lyrics-free set, and terminal progress in a
non-interactive run (tqdm: no \\r-joined lines in a log)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from core.__main__ import main
from core.paths import REPO_ROOT
from core.presets import (PRESETS, PREVIOUS_DEFAULTS, PresetError, read_ruleset_file, ruleset_from_json,
                          ruleset_to_json, write_ruleset_file)
from core.rules import DEFAULT_RULES, PREVIOUS_DEFAULT_RULES
from tests.audio_fixtures import make_gtzan


def test_at_least_three_shipped_presets_differ_and_round_trip():
    assert {"defaults", "trust lyrics", "distrust degraded audio"} <= set(PRESETS)
    assert PRESETS["defaults"] == DEFAULT_RULES
    assert len(set(PRESETS.values())) == len(PRESETS)  # no two presets are the same rule set
    for name, rs in PRESETS.items():
        back, got_name, _ = ruleset_from_json(ruleset_to_json(rs, name, "why"))
        assert back == rs and got_name == name
        # the app's sliders can hold every shipped preset (the default rules, by name)
        assert rs.rule_names == DEFAULT_RULES.rule_names


def test_the_shipped_rule_files_are_the_frozen_defaults_old_and_new():
    # the file the README's commands pass with --rules is the rule set the code ships, field for field
    assert read_ruleset_file(REPO_ROOT / "docs/experiments/rules-semantic.json") == DEFAULT_RULES
    assert read_ruleset_file(REPO_ROOT / "docs/experiments/rules-v2-all-blocks.json") == PREVIOUS_DEFAULT_RULES
    assert PRESETS[PREVIOUS_DEFAULTS] == PREVIOUS_DEFAULT_RULES != DEFAULT_RULES


def test_the_stance_presets_lean_the_way_their_names_say_against_the_defaults():
    d = DEFAULT_RULES
    lyr, aud, deg = PRESETS["trust lyrics"], PRESETS["trust audio"], PRESETS["distrust degraded audio"]
    assert lyr.base_weight < d.base_weight and lyr.get_rule("voice_present").delta < d.get_rule("voice_present").delta
    assert aud.base_weight > d.base_weight and aud.clip[1] >= d.clip[1]
    assert aud.get_rule("poor_lyrics").threshold > d.get_rule("poor_lyrics").threshold
    assert aud.get_rule("poor_lyrics").delta > d.get_rule("poor_lyrics").delta
    # fires on more damaged audio, pulls harder toward the lyrics, and the hard floor is on
    assert deg.get_rule("poor_audio").threshold > d.get_rule("poor_audio").threshold
    assert deg.get_rule("poor_audio").delta < d.get_rule("poor_audio").delta and deg.unusable_audio_rule


def test_a_file_with_only_the_changes_fills_the_rest_from_the_defaults(tmp_path):
    doc = {"format": "workbench-ruleset", "version": 1,
           "ruleset": {"base_weight": 0.4, "rules": [{"name": r} for r in DEFAULT_RULES.rule_names[:-1]]
                       + [{"name": "poor_lyrics", "threshold": 0.3}]}}
    p = tmp_path / "r.json"
    p.write_text(json.dumps(doc))
    rs = read_ruleset_file(p)
    assert rs == DEFAULT_RULES.with_changes(base_weight=0.4).replace_rule("poor_lyrics", threshold=0.3)


def _doc(**ruleset):
    return {"format": "workbench-ruleset", "version": 1, "ruleset": ruleset}


@pytest.mark.parametrize("doc, field", [
    (_doc(base_weight=1.5), "ruleset.base_weight"),
    (_doc(base_weight="half"), "ruleset.base_weight"),
    (_doc(clip=[0.9, 0.1]), "ruleset.clip"),
    (_doc(soft="yes"), "ruleset.soft"),
    (_doc(rules=[{"name": "loud", "delta": 2}]), "ruleset.rules[0].delta"),
    (_doc(rules=[{"name": "loud", "indicator": "tempo"}]), "ruleset.rules[0].indicator"),
    (_doc(rules=[{"name": "new_rule", "threshold": 1}]), "ruleset.rules[0].indicator"),
    (_doc(rules=[{"name": "loud"}, {"name": "loud"}]), "ruleset.rules"),
    (_doc(rules=[{"threshold": 1}]), "ruleset.rules[0].name"),
    (_doc(treshold=1), "ruleset.treshold"),
    # thresholds outside what the indicator can take: the rule would never or always fire
    (_doc(rules=[{"name": "poor_audio", "threshold": 7.5}]), "ruleset.rules[0].threshold"),
    (_doc(rules=[{"name": "poor_audio", "threshold": 1e300}]), "ruleset.rules[0].threshold"),
    (_doc(rules=[{"name": "loud", "threshold": 3}]), "ruleset.rules[0].threshold"),
    (_doc(rules=[{"name": "poor_audio", "indicator": "snr_db", "threshold": -1e7}]), "ruleset.rules[0].threshold"),
    ({"format": "workbench-ruleset", "version": 2, "ruleset": {}}, "version"),
    ({"version": 1, "ruleset": {}}, "format"),
    ({"format": "workbench-ruleset", "version": 1}, "ruleset"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_a_malformed_or_out_of_range_file_names_the_field(doc, field):
    with pytest.raises(PresetError, match="Field '" + re.escape(field) + "'"):
        ruleset_from_json(json.dumps(doc))


def test_an_out_of_range_threshold_is_refused_with_the_indicator_and_its_range_in_words():
    with pytest.raises(PresetError) as err:
        ruleset_from_json(json.dumps(_doc(rules=[{"name": "poor_audio", "threshold": 7.5}])))
    assert "within the values audio_quality can take (0 to 1" in str(err.value) and "7.5" in str(err.value)
    assert "Field 'ruleset.rules[0].threshold' (rule 'poor_audio') must be" in str(err.value)  # named, not counted
    with pytest.raises(PresetError, match=r"loudness_dbfs can take \(at most 0 dBFS"):
        ruleset_from_json(json.dumps(_doc(rules=[{"name": "loud", "threshold": 3}])))
    # at the edges and beyond the typical (slider) range but within what the indicator can take: accepted
    rs, _, _ = ruleset_from_json(json.dumps(_doc(rules=[{"name": "poor_audio", "threshold": 1.0},
                                                          {"name": "loud", "threshold": -90}])))
    assert rs.get_rule("poor_audio").threshold == 1.0 and rs.get_rule("loud").threshold == -90


def test_not_json_and_missing_file_say_so(tmp_path):
    with pytest.raises(PresetError, match="not valid JSON"):
        ruleset_from_json("{oops", source="mine.json")
    with pytest.raises(PresetError, match="Cannot read"):
        read_ruleset_file(tmp_path / "nowhere.json")


def test_a_bad_field_in_a_rule_set_file_names_the_file(tmp_path):
    """`ablate --rules bad.json` said only "Field 'format' must be ..." without naming the file."""
    bad = tmp_path / "downloaded rules.json"
    bad.write_text(json.dumps({**json.loads(ruleset_to_json(DEFAULT_RULES)), "format": "nope"}))
    with pytest.raises(PresetError) as info:
        read_ruleset_file(bad)
    assert str(info.value).startswith(f"Rule-set file {bad}: Field 'format'"), str(info.value)
    (tmp_path / "oops.json").write_text("{oops")
    with pytest.raises(PresetError) as info:                  # already named once: not twice
        read_ruleset_file(tmp_path / "oops.json")
    assert str(info.value).count("oops.json") == 1


def test_cli_ablate_reads_the_rules_file(tiny_synth_dir, tiny_app_cache, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tiny_app_cache))  # features extracted once per test run
    rules = write_ruleset_file(tmp_path / "trust.json", PRESETS["trust lyrics"], "trust lyrics")
    out = tmp_path / "run"
    code = main(["ablate", str(tiny_synth_dir), "--rules", str(rules), "--seeds", "2", "--fusion", "concat",
                 "--no-autotune", "--jobs", "1", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    # the log says which rule set the dynamic condition used, and how many tracks have features
    assert f"rules: {rules.absolute()} (differs from the defaults in" in captured.out
    assert "base_weight 0.55 -> 0.35" in captured.out
    assert re.search(r"features: \d+ tracks, \d+ with audio features \(0 clips failed\)", captured.out)
    doc = json.loads((out / "result.json").read_text())
    used = doc["results"]["concat"]["config"]["ruleset"]
    assert used["base_weight"] == 0.35 and used["no_voice_rule"] is False
    assert f"--rules {rules.absolute()}" in (out / "report.md").read_text()
    # a bad file: exit 2, the field named, no traceback, nothing written
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_doc(voice_floor=-1)))
    assert main(["ablate", str(tiny_synth_dir), "--rules", str(bad), "--out", str(tmp_path / "no")]) == 2
    err = capsys.readouterr().err
    assert "Field 'ruleset.voice_floor'" in err and "Traceback" not in err
    assert not (tmp_path / "no").exists()


def test_cli_ablate_on_a_lyrics_free_set_says_fusion_is_off_once_and_shows_audio_levels(tmp_path, capsys):
    root = make_gtzan(tmp_path / "gtzan", per_genre=3)
    out = tmp_path / "run"
    assert main(["ablate", str(root), "--seeds", "2", "--jobs", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.count("fusion is off") == 1
    assert "audio only, per feature level" in text and "all levels" in text
    assert "static_" not in text and "paired tests" not in text
    assert not re.search(r"^\s*(static|lyrics.only|dynamic|shuffled)", text, re.M | re.I)  # no condition rows
    for level in ("low", "mid", "high"):
        assert f"\n{level} " in text
    assert "fusion is off" in (out / "report.md").read_text()


def test_progress_in_a_log_has_no_carriage_return_spam(tmp_path):
    """`synth` with stderr going to a file (not a TTY): tqdm is off, one summary line is written."""
    log = tmp_path / "log.txt"
    with open(log, "wb") as f:
        proc = subprocess.run([sys.executable, "-m", "core", "synth", "--out", str(tmp_path / "s"),
                               "--tracks-per-genre", "1", "--clip-seconds", "1", "--genres", "metal,ballad,techno"],
                              cwd=REPO_ROOT, stdout=f, stderr=subprocess.STDOUT, timeout=120)
    assert proc.returncode == 0
    text = log.read_text()
    assert "\r" not in text
    assert text.count("synth: 3/3") == 1
