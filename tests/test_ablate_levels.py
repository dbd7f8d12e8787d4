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


def test_levels_across_datasets_counts_the_sets_each_level_beat_the_hand_crafted_combination():
    import numpy as np

    from core.experiments.audio_levels import ALL_LEVELS, HAND_CRAFTED, levels_across_datasets

    def summary(values):  # level -> (nmi, davies_bouldin) of one set, the mean over its clustering seeds
        return pd.DataFrame([{"level": lv, "metric": m, "n": 3, "mean": v, "std": 0.0, "ci_low": v, "ci_high": v}
                             for lv, pair in values.items() for m, v in zip(("nmi", "davies_bouldin"), pair)])

    sets = {4: summary({"low": (0.2, 2.0), "learned": (0.6, 1.0), HAND_CRAFTED: (0.4, 1.5), ALL_LEVELS: (0.5, 1.2)}),
            7: summary({"low": (0.5, 1.0), "learned": (0.3, 2.0), HAND_CRAFTED: (0.4, 1.5), ALL_LEVELS: (0.7, 1.1)})}
    table = levels_across_datasets(sets).set_index(["level", "metric"])
    assert list(dict.fromkeys(table.index.get_level_values(0))) == ["low", "learned", HAND_CRAFTED, ALL_LEVELS]
    assert (table["reference"] == HAND_CRAFTED).all() and (table["n_sets"] == 2).all()
    assert table.loc[("learned", "nmi"), "mean"] == pytest.approx(0.45)
    assert table.loc[("learned", "nmi"), ["data_seed_4", "data_seed_7"]].tolist() == [0.6, 0.3]
    # higher NMI beats; lower Davies-Bouldin beats
    assert table.loc[("low", "nmi"), "beat_hand_crafted"] == 1 and table.loc[("low", "davies_bouldin"), "beat_hand_crafted"] == 1
    assert table.loc[("learned", "nmi"), "beat_hand_crafted"] == 1
    assert table.loc[(ALL_LEVELS, "nmi"), "beat_hand_crafted"] == 2 and table.loc[(ALL_LEVELS, "davies_bouldin"), "beat_hand_crafted"] == 2
    assert np.isnan(table.loc[(HAND_CRAFTED, "nmi"), "beat_hand_crafted"])  # the reference itself


def test_ablate_data_seeds_reports_audio_only_per_level_per_set_and_over_the_sets(tmp_path, capsys):
    import numpy as np

    from core.paths import data_dir

    out = tmp_path / "run"
    assert main(["ablate", "--data-seeds", "0,1", "--tracks-per-genre", "2", "--clip-seconds", "2",
                 "--genres", "metal,ballad,ambient", "--seeds", "2", "--fusion", "concat", "--jobs", "1",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.count("audio only, per feature level (mean ± std over seeds)") == 2  # one table a set
    assert "audio only, per feature level, over 2 generated sets (data seeds 0, 1)" in text
    levels = ["low", "mid", "high", "all levels"]
    table = pd.read_csv(out / "audio_levels.csv")
    for metric, lo, hi in (("nmi", 0, 1), ("ari", -1, 1), ("silhouette", -1, 1)):
        rows = table[table.metric == metric]
        assert list(rows.level) == levels and (rows.n_sets == 2).all()
        for col in ("mean", "data_seed_0", "data_seed_1"):
            assert rows[col].between(lo, hi).all(), (metric, col)
        np.testing.assert_allclose(rows["mean"], (rows.data_seed_0 + rows.data_seed_1) / 2)
        # without the learned level, the hand-crafted combination is "all levels"
        ref = rows[rows.level == "all levels"].iloc[0]
        assert (rows.reference == "all levels").all() and np.isnan(ref.beat_hand_crafted)
        for _, r in rows[rows.level != "all levels"].iterrows():
            assert r.beat_hand_crafted == sum(r[f"data_seed_{s}"] > ref[f"data_seed_{s}"] for s in (0, 1))
    by_level = table[table.metric == "nmi"].set_index("level")
    for s in (0, 1):
        per_set = pd.read_csv(out / f"data-seed-{s}" / "audio_levels.csv")  # the set's own report, as ablate writes it
        nmi = per_set[per_set.metric == "nmi"].set_index("level")
        assert list(nmi.index) == levels and (nmi["n"] == 2).all()
        np.testing.assert_allclose(by_level.loc[levels, f"data_seed_{s}"], nmi.loc[levels, "mean"])
        # all levels together is the fusion ablation's own audio-only condition: same seeds, same numbers
        summ = pd.read_csv(out / f"data-seed-{s}" / "summary.csv")
        audio_only = summ[(summ.condition == "audio_only") & (summ.metric == "nmi")]["mean"].iloc[0]
        assert nmi.loc["all levels", "mean"] == pytest.approx(audio_only, abs=1e-9)
        assert "## Audio only, per audio level" in (out / f"data-seed-{s}" / "report.md").read_text(encoding="utf-8")
    assert "over 2 generated sets" in (out / "report.md").read_text(encoding="utf-8")
    # a plain ablate of one of the generated sets prints and writes the same per-level table
    plain = tmp_path / "plain"
    assert main(["ablate", str(data_dir() / "synthetic-seed-1-t2-c2-g3-metal-ballad-ambient"), "--seeds", "2",
                 "--fusion", "concat", "--no-autotune", "--jobs", "1", "--out", str(plain)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(plain / "audio_levels.csv"),
                                  pd.read_csv(out / "data-seed-1" / "audio_levels.csv"))


def test_the_hand_crafted_combination_gets_its_own_row_only_beside_another_level(tiny_features):
    import dataclasses

    import numpy as np

    from core.experiments import ExperimentConfig
    from core.experiments.audio_levels import ALL_LEVELS, HAND_CRAFTED, audio_level_ablation

    ds, fs = tiny_features
    config = ExperimentConfig(seeds=(0, 1), n_clusters=3)
    plain, _ = audio_level_ablation(fs, ds.labels, config, hand_crafted=True)  # low, mid, high: no extra row
    assert list(dict.fromkeys(plain["level"])) == ["low", "mid", "high", ALL_LEVELS]
    # a stand-in learned block beside them (a copy of the mid block, so the combination differs from all levels)
    mid = fs.audio_blocks["mid"]
    wider = dataclasses.replace(fs, audio=np.hstack([fs.audio, fs.audio[:, mid]]),
                                audio_names=list(fs.audio_names) + [f"learned.{j}" for j in range(len(mid))],
                                audio_blocks={**fs.audio_blocks,
                                              "learned": list(range(fs.audio.shape[1], fs.audio.shape[1] + len(mid)))})
    with_learned, _ = audio_level_ablation(wider, ds.labels, config, hand_crafted=True)
    assert list(dict.fromkeys(with_learned["level"])) == ["low", "mid", "high", "learned", HAND_CRAFTED, ALL_LEVELS]
    # the hand-crafted row clusters exactly what "all levels" clustered without the learned block
    got = with_learned[with_learned.level == HAND_CRAFTED].set_index("metric")["mean"]
    want = plain[plain.level == ALL_LEVELS].set_index("metric")["mean"]
    pd.testing.assert_series_equal(got, want, check_names=False)
    assert list(audio_level_ablation(wider, ds.labels, config)[0]["level"].unique()) == [
        "low", "mid", "high", "learned", ALL_LEVELS]  # off by default: a plain ablate's table is unchanged
