"""``python -m core ablate`` reports audio-only scores of each audio level alone and of all of them together,
in the same run and report as the fusion ablation (issue 16: what each level buys on the user's music)."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from core.__main__ import main


def test_ablate_reports_audio_only_nmi_per_level_and_for_the_combination(tiny_synth_dir, tiny_app_cache, tmp_path,
                                                                         monkeypatch, capsys):
    cache = tmp_path / "cache"
    shutil.copytree(tiny_app_cache, cache)  # hand-crafted levels cached: only the learned level is computed
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))
    out = tmp_path / "ablation"
    code = main(["ablate", str(tiny_synth_dir), "--audio-levels", "low,mid,high,learned", "--learned-patches", "1",
                 "--seeds", "2", "--fusion", "concat", "--no-autotune", "--jobs", "1", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0 and "audio only, per feature level" in text
    levels = pd.read_csv(out / "audio_levels.csv")
    assert list(dict.fromkeys(levels["level"])) == ["low", "mid", "high", "learned", "all levels"]
    nmi = levels[levels.metric == "nmi"].set_index("level")
    assert ((nmi["mean"] >= 0) & (nmi["mean"] <= 1)).all() and (nmi["n"] == 2).all()
    scores = pd.read_csv(out / "audio_levels_scores.csv")
    assert len(scores[(scores.metric == "nmi")]) == 5 * 2  # five rows of levels x two seeds
    # the combination is the audio-only condition of the fusion ablation itself: same seeds, same numbers
    summary = pd.read_csv(out / "summary.csv")
    audio_only = summary[(summary.condition == "audio_only") & (summary.metric == "nmi")]["mean"].iloc[0]
    assert nmi.loc["all levels", "mean"] == pytest.approx(audio_only, abs=1e-9)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Audio only, per audio level" in md and "all together (low+mid+high+learned)" in md
    assert "--audio-levels low,mid,high,learned --learned-patches 1" in md  # the command that regenerates it
    doc = json.loads((out / "result.json").read_text())
    assert {r["level"] for r in doc["audio_levels"]["summary"]} == set(nmi.index)
