"""Experiments (ablation, auto-tune, sensitivity grid), the report writer and the ablate/export
commands, on real inputs: a tiny synthetic set extracted with the real extractor and the packaged
sentence-transformers model, and hand-made FeatureSets whose structure is known."""

from __future__ import annotations

import inspect
import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from core.__main__ import main
from core.errors import ParameterError, WorkbenchError
from core.experiments import (
    DEFAULT_AUTOTUNE_GRID,
    EXTERNAL_METRICS,
    HIST_BINS,
    INTERNAL_METRICS,
    ExperimentConfig,
    autotune,
    dynamic_weights,
    holm,
    paired_test,
    partition,
    prepare,
    rule_switches,
    run_ablation,
    run_condition,
    sensitivity_grid,
    shuffled_weights,
    summarize,
    track_table,
    weight_distributions,
)
from core.features.audio import STAT_NAMES as AUDIO_STATS
from core.features.featureset import FeatureSet
from core.features.lyrics import STAT_NAMES as LYRICS_STATS
from core.features.lyrics.language import code_number
from core.report import write_report
from core.rules import A_PRIORI_RULES, DEFAULT_RULES, RuleSet

HIST_COLS = ["[0.0,0.1)", "[0.1,0.2)", "[0.2,0.3)", "[0.3,0.4)", "[0.4,0.5)", "[0.5,0.6)",
             "[0.6,0.7)", "[0.7,0.8)", "[0.8,0.9)", "[0.9,1.0]"]


# ----------------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------------
def hand_featureset(seed: int = 0, n_per: int = 12, drop_one: bool = True):
    """3 genres x n_per tracks with known structure, varied indicators, 4 tracks without lyrics
    and (``drop_one``) one track with neither modality. Returns (FeatureSet, labels)."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.array(["rock", "soul", "folk"]), n_per)
    g = np.repeat(np.arange(3), n_per)
    n = len(y)
    ca, cl = rng.normal(size=(3, 12)) * 1.5, rng.normal(size=(3, 10)) * 1.5
    ca[1] = ca[0]  # rock and soul sound alike, soul and folk share lyric themes
    cl[2] = cl[1]
    audio = (ca[g] + 0.6 * rng.normal(size=(n, 12))).astype(np.float32)
    lyrics = (cl[g] + 0.6 * rng.normal(size=(n, 10))).astype(np.float32)
    audio_ok = np.ones(n, bool)
    lyrics_ok = np.ones(n, bool)
    lyrics_ok[[2, 14, 26, 27]] = False
    if drop_one:
        audio_ok[5] = lyrics_ok[5] = False
    audio[~audio_ok] = 0.0
    lyrics[~lyrics_ok] = 0.0
    a = {
        "duration_s": np.full(n, 10.0), "usable_duration_s": rng.uniform(2, 10, n),
        "loudness_dbfs": rng.uniform(-30, -8, n), "dynamic_range_db": rng.uniform(3, 20, n),
        "silence_ratio": rng.uniform(0, 0.3, n), "clipping_ratio": rng.uniform(0, 0.02, n),
        "snr_db": rng.uniform(3, 40, n), "percussive_ratio": rng.uniform(0.2, 0.8, n),
        "vocal_presence": rng.uniform(0, 1, n), "onset_rate": rng.uniform(0.5, 6, n),
        "instrumental_density": rng.uniform(0.3, 0.9, n), "bandwidth_hz": rng.uniform(2e3, 9e3, n),
        "high_band_db": np.full(n, -20.0),  # full-band (a constant: the random stream stays as it was)
    }
    l = {
        "word_count": rng.uniform(10, 200, n), "line_count": rng.uniform(4, 30, n),
        "type_token_ratio": rng.uniform(0.2, 0.7, n), "line_repetition": rng.uniform(0, 0.7, n),
        "junk_token_share": rng.uniform(0, 0.3, n), "unknown_token_share": rng.uniform(0, 0.3, n),
        "mean_word_length": rng.uniform(3, 6, n),
        "language_id": np.full(n, code_number("en")), "language_confidence": np.full(n, 0.99),
    }
    a_stats = np.stack([a[k] for k in AUDIO_STATS], axis=1).astype(np.float32)
    l_stats = np.stack([l[k] for k in LYRICS_STATS], axis=1).astype(np.float32)
    a_stats[~audio_ok] = np.nan
    l_stats[~lyrics_ok] = np.nan
    fs = FeatureSet(
        track_ids=[f"t{i:03d}" for i in range(n)], audio=audio,
        audio_names=[f"a{j}" for j in range(12)], audio_blocks={"low": list(range(12))},
        audio_ok=audio_ok, audio_stats=a_stats, audio_stat_names=list(AUDIO_STATS),
        lyrics=lyrics, lyrics_names=[f"l{j}" for j in range(10)],
        lyrics_blocks={"semantic": list(range(10))}, lyrics_ok=lyrics_ok, lyrics_stats=l_stats,
        lyrics_stat_names=list(LYRICS_STATS), has_lyrics=True,
        semantic=np.zeros((n, 384), np.float32))
    return fs, y


FAST = dict(seeds=(0, 1, 2, 3, 4, 5), n_components=6, n_init=2)


@pytest.fixture(scope="module")
def tiny(tiny_synth_dir, copy_tiny_cache, tmp_path_factory):
    """The tiny synthetic set (10 genres x 2 tracks, 3 s) and its real features, extracted once
    into a module cache folder (a copy of the session's: the extraction is a read)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from core.datasets import load_dataset
    from core.features.cache import FeatureCache
    from core.features.extract import extract_features

    cache = copy_tiny_cache(tmp_path_factory.mktemp("exp-cache"))
    ds = load_dataset(tiny_synth_dir)
    fs, _ = extract_features(ds, cache=FeatureCache(cache), n_jobs=2)
    return ds, fs, cache


@pytest.fixture(scope="module")
def tiny_result(tiny):
    ds, fs, _ = tiny
    p = prepare(fs, ExperimentConfig(seeds=(0, 1, 2, 3, 4), n_components=8))
    return p, run_ablation(p, labels=ds.labels, ground_truth=ds.ground_truth)


# ----------------------------------------------------------------------------------------------
# Configuration
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("field, value", [
    ("algorithm", "kmedoids"), ("fusion", "graph"), ("n_clusters", 1), ("n_clusters", 2.5),
    ("seeds", ()), ("seeds", (0, 0)), ("seeds", (-1,)), ("static_grid", (0.5, 1.5)),
    ("static_grid", ()), ("ruleset", "default"), ("n_components", 0), ("subsample", 0.0),
    ("subsample", 1.2), ("n_init", 0), ("embed_seed", -1),
])
def test_config_rejects_bad_values_naming_the_parameter(field, value):
    with pytest.raises(ParameterError) as err:
        ExperimentConfig(**{field: value})
    msg = str(err.value)
    assert msg.startswith(f"The {field!r} parameter of ExperimentConfig must be ")
    assert "Got" in msg and msg.endswith("instead.")


def test_config_fusion_must_suit_the_algorithm_and_defaults_are_documented():
    with pytest.raises(ParameterError, match="'fusion' parameter of ExperimentConfig"):
        ExperimentConfig(algorithm="spectral", fusion="weighted")
    ExperimentConfig(algorithm="spectral", fusion="affinity")
    c = ExperimentConfig()
    assert c.seeds == tuple(range(10)) and c.algorithm == "kmeans" and c.fusion == "concat"
    assert c.static_grid == tuple(round(0.1 * i, 1) for i in range(11))
    assert c.ruleset == DEFAULT_RULES and c.n_clusters is None
    assert hash(c) == hash(ExperimentConfig())  # frozen, hashable
    with pytest.raises(ParameterError, match="field names"):
        c.with_changes(colour="red")


# ----------------------------------------------------------------------------------------------
# Prepared state, conditions, determinism
# ----------------------------------------------------------------------------------------------
def test_prepare_drops_tracks_with_no_modality_and_counts_the_rest():
    fs, y = hand_featureset()
    p = prepare(fs, ExperimentConfig(**FAST))
    assert p.n_tracks == fs.n_tracks - 1 and p.n_dropped == 1
    assert "t005" not in p.track_ids
    assert p.n_without_lyrics == 4 and p.n_without_audio == 0
    assert p.x_ref.shape == (p.n_tracks, 2 * p.embeddings.width)
    # labels for every FeatureSet row are aligned to the kept rows
    assert list(p.align(y)) == [lab for i, lab in enumerate(y) if i != 5]
    with pytest.raises(ParameterError, match="'labels' parameter of Prepared"):
        p.align(y[:7])
    # prepare takes no labels at all
    assert list(inspect.signature(prepare).parameters) == ["fs", "config"]


def test_nothing_usable_is_a_workbench_error():
    fs, _ = hand_featureset(drop_one=False)
    fs.audio_ok[2:] = False
    fs.lyrics_ok[2:] = False  # two usable tracks left
    with pytest.raises(WorkbenchError, match="Nothing usable"):
        prepare(fs)


def test_run_condition_is_deterministic_for_a_seed_and_seeds_matter():
    fs, y = hand_featureset()
    p = prepare(fs, ExperimentConfig(**FAST))
    w = dynamic_weights(p).weights
    a = run_condition(p, w, seed=3, labels=y)
    b = run_condition(prepare(fs, ExperimentConfig(**FAST)), w, seed=3, labels=y)
    assert a == b
    assert set(EXTERNAL_METRICS + INTERNAL_METRICS) <= set(a)
    runs = {s: partition(p, w, s) for s in range(4)}
    assert len({tuple(idx) for idx, _ in runs.values()}) > 1  # each seed draws its own subsample
    assert all(len(idx) == round(0.8 * p.n_tracks) for idx, _ in runs.values())


def test_single_modality_conditions_never_borrow_the_other_modality():
    fs, y = hand_featureset()
    p = prepare(fs, ExperimentConfig(**FAST, n_clusters=3))
    idx, lab = partition(p, "lyrics_only", seed=1)
    has = p.embeddings.lyrics_ok[idx]
    assert (~has).sum() >= 1
    # every track without lyrics is in one group, which no track with lyrics shares
    group = set(lab[~has])
    assert len(group) == 1 and not group & set(lab[has])
    assert len(set(lab)) <= 3
    res = run_condition(p, "lyrics_only", seed=1, labels=y)
    assert res["n_without_modality"] == int((~has).sum())
    assert {"nmi_covered", "ari_covered", "accuracy_covered"} <= set(res)
    # audio only: every track has audio here, so nobody is set aside
    assert run_condition(p, "audio_only", seed=1, labels=y)["n_without_modality"] == 0
    with pytest.raises(ParameterError, match="'weights' parameter of run_condition"):
        run_condition(p, "video_only", seed=1)


def test_ablation_is_deterministic(tiny):
    ds, fs, _ = tiny
    cfg = ExperimentConfig(seeds=(0, 1, 2), n_components=8, static_grid=(0.0, 0.5, 1.0))
    r1 = run_ablation(prepare(fs, cfg), labels=ds.labels)
    r2 = run_ablation(prepare(fs, cfg), labels=ds.labels)
    pd.testing.assert_frame_equal(r1.scores, r2.scores)
    np.testing.assert_array_equal(r1.reference_labels, r2.reference_labels)
    assert r1.conditions == ("audio_only", "lyrics_only", "static_0.0", "static_0.5",
                             "static_1.0", "dynamic", "shuffled")
    # tidy: one row per condition x seed x metric
    assert len(r1.scores) == len(r1.scores.drop_duplicates(["condition", "seed", "metric"]))
    assert set(r1.scores.seed) == {0, 1, 2}


# ----------------------------------------------------------------------------------------------
# Oracle flag, statistics, paired tests
# ----------------------------------------------------------------------------------------------
def test_oracle_flag_marks_the_argmax_static_weight(tiny_result):
    _, r = tiny_result
    assert r.oracle and r.labelled and r.primary_metric == "nmi"
    s = r.summary
    statics = {float(c.split("_")[1]): s[(s.condition == c) & (s.metric == "nmi")]["mean"].iloc[0]
               for c in r.conditions if c.startswith("static_")}
    best = max(statics.values())
    assert statics[r.best_static["nmi"]] == best
    db = {float(c.split("_")[1]): s[(s.condition == c) & (s.metric == "davies_bouldin")]["mean"].iloc[0]
          for c in r.conditions if c.startswith("static_")}
    assert db[r.best_static["davies_bouldin"]] == min(db.values())  # lower is better
    marked = [i for i in r.table().index if "oracle" in i]
    assert marked == [f"static_{r.best_static['nmi']:.1f}  *oracle best static*"]
    best_rows = r.tests[r.tests.comparison == "dynamic vs best static"]
    assert best_rows.oracle.all() and set(best_rows.metric) == set(EXTERNAL_METRICS)
    assert not r.tests[r.tests.comparison == "dynamic vs static 0.5"].oracle.any()
    assert any(n.startswith("ORACLE") for n in r.notes)


def test_summary_is_mean_std_and_t_interval():
    scores = pd.DataFrame({"condition": "c", "seed": range(5), "metric": "nmi",
                           "value": [0.5, 0.6, 0.7, 0.8, 0.9]})
    row = summarize(scores).iloc[0]
    assert row["n"] == 5 and math.isclose(row["mean"], 0.7)
    assert math.isclose(row["std"], np.std([0.5, 0.6, 0.7, 0.8, 0.9], ddof=1))
    half = 2.7764451051977987 * row["std"] / math.sqrt(5)  # t(0.975, 4)
    assert math.isclose(row["ci_low"], 0.7 - half) and math.isclose(row["ci_high"], 0.7 + half)


def test_paired_test_identical_clear_and_lower_is_better():
    same = paired_test([0.5] * 8, [0.5] * 8, "nmi")
    assert same["p_value"] == 1.0 and same["note"] == "identical" and same["ties"] == 8
    clear = paired_test(np.linspace(0.6, 0.7, 10), np.linspace(0.5, 0.6, 10) - 0.01, "nmi")
    assert clear["p_value"] < 0.01 and clear["better"] == "dynamic" and clear["wins"] == 10
    # Davies-Bouldin: lower is better, so higher values for dynamic are losses
    db = paired_test(np.linspace(2.0, 2.5, 10), np.linspace(1.0, 1.5, 10), "davies_bouldin")
    assert db["better"] == "other" and db["losses"] == 10 and db["p_value"] < 0.01
    few = paired_test([0.6, 0.7, 0.8], [0.5, 0.5, 0.5], "nmi")
    assert "p cannot fall below" in few["note"]


def test_dynamic_equal_to_static_half_gives_identical_not_an_error():
    fs, y = hand_featureset()
    flat = RuleSet(base_weight=0.5, rules=(), no_lyrics_rule=False, unusable_audio_rule=False,
                   no_voice_rule=False)
    cfg = ExperimentConfig(**FAST, ruleset=flat, static_grid=(0.2, 0.5, 0.8), n_clusters=3)
    r = run_ablation(prepare(fs, cfg), labels=y)
    half = r.tests[r.tests.other == "static_0.5"]
    assert len(half) >= len(EXTERNAL_METRICS)
    assert (half.p_value == 1.0).all() and (half.note == "identical").all()
    np.testing.assert_array_equal(r.values("dynamic", "nmi"), r.values("static_0.5", "nmi"))


# ----------------------------------------------------------------------------------------------
# Honesty: labels and ground truth never reach the weights or the partitions
# ----------------------------------------------------------------------------------------------
def test_permuting_labels_and_ground_truth_changes_no_weight_and_no_partition(tiny):
    ds, fs, _ = tiny
    cfg = ExperimentConfig(seeds=(0, 1, 2), n_components=8, static_grid=(0.0, 0.5, 1.0))
    p = prepare(fs, cfg)
    rng = np.random.default_rng(1)
    perm = rng.permutation(ds.n_tracks)
    labels_perm = ds.labels[perm]
    assert (labels_perm != ds.labels).any()
    truth_perm = ds.ground_truth.copy()
    truth_perm["audio_degradation"] = truth_perm["audio_degradation"].to_numpy()[perm]
    truth_perm["lyrics_degradation"] = truth_perm["lyrics_degradation"].to_numpy()[perm]
    a = run_ablation(p, labels=ds.labels, ground_truth=ds.ground_truth)
    b = run_ablation(prepare(fs, cfg), labels=labels_perm, ground_truth=truth_perm)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.reference_labels, b.reference_labels)
    for cond in a.conditions:
        np.testing.assert_array_equal(partition(p, _weights_of(p, a, cond), 1, ds.labels)[1],
                                      partition(p, _weights_of(p, a, cond), 1, labels_perm)[1])
    ia = a.scores[a.scores.metric.isin(INTERNAL_METRICS)].reset_index(drop=True)
    ib = b.scores[b.scores.metric.isin(INTERNAL_METRICS)].reset_index(drop=True)
    pd.testing.assert_frame_equal(ia, ib)  # internal metrics unchanged
    ea = a.scores[a.scores.metric == "nmi"]["value"].to_numpy()
    eb = b.scores[b.scores.metric == "nmi"]["value"].to_numpy()
    assert not np.allclose(ea, eb)  # only the external metrics change
    # the weights come from the indicators alone
    np.testing.assert_array_equal(dynamic_weights(p).weights, a.weights)
    # and the knobs that decide them take no labels
    for fn in (prepare, autotune, dynamic_weights):
        assert not {"labels", "ground_truth", "y"} & set(inspect.signature(fn).parameters)


def _weights_of(p, result, cond):
    info = result.condition_info[cond]
    if info["kind"] in ("audio_only", "lyrics_only"):
        return info["kind"]
    return info["weight"] if info["kind"] == "static" else dynamic_weights(p).weights


def test_degradation_slices_only_with_ground_truth(tiny_result, tiny):
    p, r = tiny_result
    sl = r.slices
    assert sl is not None and set(sl.metric) == {"accuracy", "nmi"}
    assert {"dynamic", "static_0.5", "audio_only", "lyrics_only"} <= set(sl.condition)
    n_instr = int((tiny[0].ground_truth.lyrics_degradation == "instrumental").sum())
    assert (sl[sl.slice == "instrumental"].n_tracks == n_instr).all()
    acc = sl[sl.metric == "accuracy"]["mean"].dropna()
    assert ((acc >= 0) & (acc <= 1)).all()
    r2 = run_ablation(p, labels=tiny[0].labels)  # no ground truth: no slices
    assert r2.slices is None


# ----------------------------------------------------------------------------------------------
# Unlabelled data
# ----------------------------------------------------------------------------------------------
def test_unlabelled_run_gives_internal_metrics_only_and_says_so(tmp_path):
    fs, _ = hand_featureset()
    p = prepare(fs, ExperimentConfig(**FAST))
    r = run_ablation(p)  # no labels
    assert not r.labelled and not r.oracle and r.primary_metric == "silhouette"
    assert set(r.scores.metric) & set(EXTERNAL_METRICS) == set()
    assert set(INTERNAL_METRICS) <= set(r.scores.metric)
    assert set(r.tests.metric) == set(INTERNAL_METRICS)
    assert r.notes[0].startswith("no labels: internal metrics only")
    assert "unsupervised" in r.n_clusters_rule and 2 <= r.n_clusters <= p.n_tracks // 5
    assert set(r.weight_dist.group_type) == {"cluster"}
    paths = write_report(tmp_path, {"concat": r}, dataset={"name": "hand"}, command="cmd")
    md = paths["report.md"].read_text()
    assert "**No labels: internal metrics only**" in md and "oracle" not in md.lower()
    doc = json.loads(paths["result.json"].read_text())
    assert doc["results"]["concat"]["oracle"] is False
    assert doc["results"]["concat"]["notes"][0].startswith("no labels:")


# ----------------------------------------------------------------------------------------------
# Weight distributions
# ----------------------------------------------------------------------------------------------
def test_weight_histograms_sum_to_the_track_counts(tiny_result, tiny):
    p, r = tiny_result
    wd = r.weight_dist
    clusters = wd[wd.group_type == "cluster"]
    assert (clusters[HIST_COLS].sum(axis=1) == clusters.n).all()
    sizes = np.bincount(r.reference_labels)
    assert dict(zip(clusters.group, clusters.n)) == {c: int(s) for c, s in enumerate(sizes) if s}
    genres = wd[wd.group_type == "genre"]
    assert (genres[HIST_COLS].sum(axis=1) == genres.n).all()
    assert genres.n.sum() == p.n_tracks == clusters.n.sum()
    labels, counts = np.unique(tiny[0].labels, return_counts=True)
    assert dict(zip(genres.group, genres.n)) == dict(zip(labels, counts))
    assert ((clusters["median"] >= clusters.q25) & (clusters.q75 >= clusters["median"])).all()


def test_weight_distribution_bins_by_hand():
    w = np.array([0.0, 0.05, 0.1, 0.45, 0.5, 0.99, 1.0, 1.0, np.nan])
    g = np.array(["a", "a", "a", "b", "b", "b", "b", "a", "a"])
    d = weight_distributions(w, g, "genre").set_index("group")
    assert list(d.loc["a", HIST_COLS]) == [2, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert list(d.loc["b", HIST_COLS]) == [0, 0, 0, 0, 1, 1, 0, 0, 0, 2]
    assert d.loc["a", "n"] == 4 and d.loc["a", "n_missing"] == 1
    assert math.isclose(d.loc["b", "median"], 0.745) and np.allclose(HIST_BINS, np.linspace(0, 1, 11))


# ----------------------------------------------------------------------------------------------
# Report files
# ----------------------------------------------------------------------------------------------
def test_report_files_exist_and_parse(tiny_result, tmp_path):
    p, r = tiny_result
    tuned = autotune(p, grid={"voice_present": (0.3, 0.5)}, n_clusters=r.n_clusters)
    paths = write_report(tmp_path / "out", {"concat": r}, dataset={"name": "tiny"},
                         command="python -m core ablate X --out Y", autotune=tuned)
    for name in ("scores.csv", "summary.csv", "tests.csv", "weights.csv", "slices.csv",
                 "autotune.csv", "result.json", "report.md"):
        assert (tmp_path / "out" / name).is_file(), name
    scores = pd.read_csv(paths["scores.csv"])
    assert list(scores.columns) == ["fusion", "algorithm", "condition", "kind", "static_weight",
                                    "seed", "metric", "value"]
    n_metrics = scores.groupby(["condition", "seed"]).size()
    assert n_metrics.min() >= len(EXTERNAL_METRICS + INTERNAL_METRICS)
    assert len(scores) == len(r.scores)
    summary = pd.read_csv(paths["summary.csv"])
    assert {"mean", "std", "ci_low", "ci_high", "oracle_best_static"} <= set(summary.columns)
    flagged = summary[summary.oracle_best_static & (summary.metric == "nmi")]
    assert list(flagged.condition) == [f"static_{r.best_static['nmi']:.1f}"]
    tests = pd.read_csv(paths["tests.csv"])
    assert {"metric", "comparison", "p_value", "statistic", "oracle"} <= set(tests.columns)
    doc = json.loads(paths["result.json"].read_text())
    assert {"dataset", "command", "versions", "results", "autotune"} <= set(doc)
    res = doc["results"]["concat"]
    assert res["oracle"] is True and res["config"]["seeds"] == [0, 1, 2, 3, 4]
    assert {"summary", "tests", "weight_distributions", "slices", "scores", "notes"} <= set(res)
    assert doc["versions"]["numpy"] == np.__version__ and doc["dataset"]["name"] == "tiny"
    assert doc["autotune"]["concat"]["labels_used"] is False
    md = paths["report.md"].read_text()
    lines = md.splitlines()
    assert "python -m core ablate X --out Y" in "\n".join(lines[:6])  # the command at the top
    for heading in ("### Conditions x metrics", "### Paired tests", "### Weight distributions",
                    "### Degradation slices", "## Auto-tune"):
        assert heading in md
    assert "| condition | nmi |" in md and "*oracle best static*" in md
    assert "| cluster | n |" in md and "| genre | n |" in md


# ----------------------------------------------------------------------------------------------
# Auto-tune and sensitivity grid
# ----------------------------------------------------------------------------------------------
def test_autotune_never_receives_labels_and_returns_a_ruleset_from_the_grid():
    params = inspect.signature(autotune).parameters
    assert not {"labels", "ground_truth", "y", "truth"} & set(params)
    fs, _ = hand_featureset()
    p = prepare(fs, ExperimentConfig(**FAST, n_clusters=3))
    grid = {"voice_present": (0.2, 0.5, 0.8), "loud": (-25.0, -20.0, -12.0)}
    res = autotune(p, A_PRIORI_RULES, grid)
    assert isinstance(res.best, RuleSet)
    assert len(res.table) == 9 and res.table.is_best.sum() == 1 and res.table.is_default.sum() == 1
    for key, values in grid.items():
        assert res.best.get_rule(key).threshold in values
    best_row = res.table[res.table.is_best].iloc[0]
    assert best_row.score >= res.table.score.max() - res.tolerance
    again = autotune(p, A_PRIORI_RULES, grid)
    assert again.best == res.best
    pd.testing.assert_frame_equal(again.table, res.table)
    assert set(DEFAULT_AUTOTUNE_GRID) <= set(A_PRIORI_RULES.rule_names)
    with pytest.raises(ParameterError, match="'grid' parameter of autotune"):
        autotune(p, A_PRIORI_RULES, {"no_such_rule": (1.0,)})
    with pytest.raises(ParameterError, match="'criterion' parameter of autotune"):
        autotune(p, DEFAULT_RULES, grid, criterion="nmi")


def test_sensitivity_grid_shape_and_it_moves_only_when_thresholds_matter():
    fs, y = hand_featureset()
    p = prepare(fs, ExperimentConfig(**FAST, n_clusters=3))
    va, vb = (0.1, 0.3, 0.5, 0.7, 0.9), (0.2, 0.5, 0.8)
    g = sensitivity_grid(p, DEFAULT_RULES, "base_weight", "voice_present", va, vb,
                         metric="silhouette", seed=0)
    assert g.shape == (5, 3) and g.index.name == "base_weight" and g.columns.name == "voice_present"
    assert list(g.index) == list(va) and list(g.columns) == list(vb)
    assert np.isfinite(g.to_numpy()).all()
    assert g.to_numpy().std() > 0  # the base weight moves every soft weight
    # thresholds beyond every indicator value: no rule moves, every cell is the same
    flat = sensitivity_grid(p, DEFAULT_RULES, "loud", "compressed", (5.0, 10.0, 20.0),
                            (-5.0, -2.0), metric="nmi", seed=0, labels=y)
    assert flat.shape == (3, 2) and np.unique(flat.to_numpy()).size == 1
    assert flat.attrs["distinct_weightings"] == 1
    mw = sensitivity_grid(p, DEFAULT_RULES, "base_weight", "voice_present", va, vb,
                          metric="mean_weight")
    assert (np.diff(mw.to_numpy(), axis=0) >= 0).all()  # more base weight, more audio
    with pytest.raises(ParameterError, match="'labels' parameter of sensitivity_grid"):
        sensitivity_grid(p, DEFAULT_RULES, "loud", "compressed", va, vb, metric="nmi")
    with pytest.raises(ParameterError, match="'rule_b' parameter of sensitivity_grid"):
        sensitivity_grid(p, DEFAULT_RULES, "loud", "loud", va, vb)


def test_track_table_traces_sum_to_the_weights(tiny):
    ds, fs, _ = tiny
    p = prepare(fs, ExperimentConfig(n_components=8))
    t = track_table(p, seed=0, labels=ds.labels)
    assert len(t) == p.n_tracks and list(t.track_id) == list(p.track_ids)
    trace = t[[c for c in t.columns if c.startswith("trace_")]].sum(axis=1)
    np.testing.assert_allclose(trace, t.audio_weight, atol=1e-5)
    assert set(t.cluster) <= set(range(10)) and "ind_loudness_dbfs" in t.columns
    assert (t.loc[~t.lyrics_ok, "fusion_audio_weight"] == 1.0).all()


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------
def test_cli_ablate_and_export_on_the_tiny_set(tiny, tiny_synth_dir, tmp_path, monkeypatch, capsys):
    _, fs, cache = tiny
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))  # reuse the features extracted above
    out = tmp_path / "ablation"
    code = main(["ablate", str(tiny_synth_dir), "--seeds", "3", "--out", str(out), "--jobs", "1"])
    text = capsys.readouterr().out
    assert code == 0
    assert "fusion: concat" in text and "fusion: weighted" in text  # both by default
    assert "<- oracle best static" in text and "dynamic vs best static" in text
    assert "auto-tuned:" in text and f"report written to {out}" in text
    md = (out / "report.md").read_text()
    assert f"python -m core ablate {Path(tiny_synth_dir).absolute()} --seeds 3" in md
    assert set(pd.read_csv(out / "scores.csv").fusion) == {"concat", "weighted"}

    exp = tmp_path / "export"
    assert main(["export", str(tiny_synth_dir), "--out", str(exp), "--seed", "1",
                 "--jobs", "1"]) == 0
    table = pd.read_csv(exp / "tracks.csv")
    assert len(table) == fs.n_tracks and {"cluster", "audio_weight", "decided_by"} <= set(table.columns)
    doc = json.loads((exp / "tracks.json").read_text())
    assert doc["seed"] == 1 and len(doc["tracks"]) == fs.n_tracks and doc["condition"] == "dynamic"

    # bad usage exits 2 without a traceback
    assert main(["ablate", str(tiny_synth_dir), "--seeds", "0", "--out", str(tmp_path / "x")]) == 2
    assert main(["ablate", str(tiny_synth_dir), "--algorithm", "spectral", "--fusion",
                 "weighted", "--out", str(tmp_path / "y")]) == 2
    assert main(["ablate", str(tiny_synth_dir), "--clusters", "500", "--out",
                 str(tmp_path / "z"), "--no-autotune"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "'seeds' parameter" in err and "'n_clusters' parameter" in err


def test_cli_nothing_usable_exits_1(tmp_path, capsys):
    root = tmp_path / "two"
    for i in range(2):
        (root / "rock").mkdir(parents=True, exist_ok=True)
        t = np.arange(22050) / 22050.0
        sf.write(root / "rock" / f"song{i}.wav", 0.3 * np.sin(2 * np.pi * (220 + 50 * i) * t), 22050)
    code = main(["ablate", str(root), "--out", str(tmp_path / "o"), "--jobs", "1"])
    assert code == 1
    assert "nothing usable" in capsys.readouterr().err


def test_scorers_of_different_subsample_shares_do_not_collide(tiny_features):
    """A loop scoring every track and an ablation on 80 % subsamples share one Prepared."""
    from core.experiments import ExperimentConfig, prepare, run_condition
    ds, fs = tiny_features
    p = prepare(fs)
    full = run_condition(p, 0.5, 0, ds.labels, config=p.config.with_changes(subsample=1.0, n_clusters=3))
    part = run_condition(p.with_config(p.config.with_changes(subsample=0.8)), 0.5, 0, ds.labels,
                         config=p.config.with_changes(subsample=0.8, n_clusters=3))
    again = run_condition(p, 0.5, 0, ds.labels, config=p.config.with_changes(subsample=1.0, n_clusters=3))
    assert full["n_tracks"] > part["n_tracks"]
    assert again == full


# ----------------------------------------------------------------------------------------------
# Controls: shuffled weights, per-rule ablation, Holm, the neutral space of internal metrics
# ----------------------------------------------------------------------------------------------
def test_shuffled_weights_permute_only_tracks_with_both_modalities_and_depend_on_the_seed():
    w = np.arange(10, dtype=np.float32) / 10
    both = np.array([1, 1, 1, 1, 1, 1, 0, 0, 1, 1], bool)
    s0, s0b, s1 = shuffled_weights(w, both, 0), shuffled_weights(w, both, 0), shuffled_weights(w, both, 1)
    np.testing.assert_array_equal(s0, s0b)                            # seeded
    assert not np.array_equal(s0, s1) and not np.array_equal(s0, w)   # the seed matters; it moves
    np.testing.assert_array_equal(s0[~both], w[~both])                # one-modality tracks keep theirs
    np.testing.assert_array_equal(np.sort(s0[both]), np.sort(w[both]))  # same distribution


def test_holm_by_hand():
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> running max
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03, 0.005, np.nan])[:4], [0.03, 0.06, 0.06, 0.02])
    assert np.isnan(holm([0.01, np.nan])[1]) and holm([0.01, np.nan])[0] == pytest.approx(0.01)
    assert holm([0.6, 0.7]).tolist() == [1.0, 1.0]                    # capped at 1


def test_ablation_has_the_shuffled_control_and_holm_beside_every_p(tiny_result):
    p, res = tiny_result
    assert "shuffled" in res.conditions
    t = res.tests
    assert set(t.comparison) == {"dynamic vs best static", "dynamic vs static 0.5", "dynamic vs shuffled"}
    np.testing.assert_allclose(t.p_holm, holm(t.p_value))
    assert (t.p_holm >= t.p_value - 1e-12).all()
    shuffled = t[(t.comparison == "dynamic vs shuffled") & (t.metric == "nmi")].iloc[0]
    expected = paired_test(res.values("dynamic", "nmi"), res.values("shuffled", "nmi"), "nmi")
    assert shuffled["p_value"] == pytest.approx(expected["p_value"]) and not shuffled["oracle"]
    # the shuffle keeps the weight distribution of the tracks with both modalities, per seed
    w_dyn = np.asarray(dynamic_weights(p).weights, np.float32)
    both = p.embeddings.audio_ok & p.embeddings.lyrics_ok
    for seed in res.config.seeds[:2]:
        sh = shuffled_weights(w_dyn, both, seed)
        np.testing.assert_array_equal(np.sort(sh[both]), np.sort(w_dyn[both]))


def test_per_rule_ablation_switches_every_rule_off_once(tiny_result):
    p, res = tiny_result
    # every rule that moves weight, once: soft rules with a delta, hard rules switched on
    assert [name for name, _, _ in rule_switches(A_PRIORI_RULES)] == \
        list(A_PRIORI_RULES.rule_names) + ["no_lyrics", "unusable_audio", "no_voice"]
    switched = [name for name, _, _ in rule_switches(DEFAULT_RULES)]
    assert switched == [r.name for r in DEFAULT_RULES.rules if r.delta != 0] + [
        n for n in ("no_lyrics", "unusable_audio", "no_voice") if getattr(DEFAULT_RULES, f"{n}_rule")]
    for name, kind, rs in rule_switches(DEFAULT_RULES):
        if kind == "soft":
            assert name not in rs.rule_names and len(rs.rules) == len(DEFAULT_RULES.rules) - 1
    t = res.rule_table
    assert list(dict.fromkeys(t.rule)) == switched and set(t.metric) == {"nmi", "ari"}
    np.testing.assert_allclose(t.p_holm, holm(t.p_value))
    for _, row in t.iterrows():                                       # delta = full - rule off, per seed
        full = res.values("dynamic", row["metric"])
        off = res.values(f"without_{row['rule']}", row["metric"])
        assert row["delta"] == pytest.approx(np.mean(full - off))
        if row["n_changed"] == 0:                                     # nothing moves: identical runs
            assert row["note"] == "identical" and row["delta"] == 0
    # no_lyrics is enforced by the fusion anyway: switching it off moves no fused weight
    assert t[t.rule == "no_lyrics"]["n_changed"].iloc[0] == 0


def _noise_in_one_modality(structured: str, seed: int = 2):
    """45 tracks, 3 groups in one modality, isotropic noise in the other; every track has both."""
    import dataclasses

    fs, y = hand_featureset(seed=seed, n_per=15, drop_one=False)
    rng = np.random.default_rng(seed + 100)
    g = np.repeat(np.arange(3), 15)
    signal = (rng.normal(size=(3, 12)) * 0.5)[g] + 0.6 * rng.normal(size=(len(g), 12))
    noise = rng.normal(size=(len(g), 12))
    audio, lyrics = (signal, noise) if structured == "audio" else (noise, signal)
    return dataclasses.replace(fs, audio=audio.astype(np.float32), lyrics=lyrics.astype(np.float32),
                               lyrics_ok=np.ones(len(g), bool)), y


@pytest.mark.parametrize("structured", ["audio", "lyrics"])
def test_internal_metrics_no_longer_favour_half_by_construction(structured):
    """The equal-weight fused space rewards the w = 0.5 partition (k-means at 0.5 minimises exactly
    its within-cluster scatter); the per-modality space does not, so the label-free silhouette
    auto-tune follows the modality with structure instead of settling on 0.5."""
    from core.clustering import cluster
    from core.metrics import InternalScorer, reference_space

    fs, _ = _noise_in_one_modality(structured)
    p = prepare(fs, ExperimentConfig(seeds=(0, 1, 2, 3, 4, 5), n_components=6, n_init=2, n_clusters=3))
    rs = RuleSet(base_weight=0.5, rules=(), clip=(0.0, 1.0), no_voice_rule=False, unusable_audio_rule=False)
    grid = {"base_weight": (0.1, 0.3, 0.5, 0.7, 0.9)}
    tuned = autotune(p, rs, grid, criterion="silhouette", tolerance=0.0).best_thresholds["base_weight"]
    assert tuned > 0.5 if structured == "audio" else tuned < 0.5
    # Calinski-Harabasz by construction: in the fused w = 0.5 space it is highest for the partition
    # k-means finds at w = 0.5 (it minimises that space's within-cluster scatter); per modality, not
    old = InternalScorer(reference_space(p.embeddings))
    parts = {w: cluster(p.embeddings, np.full(p.n_tracks, w, np.float32), n_clusters=3, seed=0,
                        n_init=20).labels for w in grid["base_weight"]}
    old_ch = {w: old(lab)["calinski_harabasz"] for w, lab in parts.items()}
    new_ch = {w: p.internal(lab)["calinski_harabasz"] for w, lab in parts.items()}
    assert max(old_ch, key=old_ch.get) == 0.5
    assert max(new_ch, key=new_ch.get) != 0.5
    # each modality is reported apart, and the headline is their mean
    m = p.internal(cluster(p.embeddings, np.full(p.n_tracks, 0.5, np.float32), n_clusters=3, seed=0).labels)
    assert m["silhouette"] == pytest.approx((m["silhouette_audio"] + m["silhouette_lyrics"]) / 2)


# ----------------------------------------------------------------------------------------------
# Generated-data seeds: the dataset as the unit
# ----------------------------------------------------------------------------------------------
def test_cli_data_seeds_regenerates_per_seed_and_tests_over_datasets(tmp_path, capsys):
    from core.paths import data_dir

    out = tmp_path / "run"
    argv = ["ablate", "--data-seeds", "0,1", "--tracks-per-genre", "2", "--clip-seconds", "2",
            "--genres", "metal,ballad,ambient", "--seeds", "2", "--fusion", "concat", "--jobs", "1",
            "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "unit: generated dataset" in text and "unit clustering seed" in text
    assert "p cannot fall below 0.5" in text                        # 2 datasets: said plainly
    cached = sorted(p.name for p in data_dir().glob("synthetic-seed-*"))
    assert cached == ["synthetic-seed-0-t2-c2-g3-metal-ballad-ambient",
                      "synthetic-seed-1-t2-c2-g3-metal-ballad-ambient"]
    gt = [pd.read_csv(data_dir() / c / "ground_truth.csv") for c in cached]
    assert not gt[0].equals(gt[1])                                  # another generator seed, another set
    per = pd.read_csv(out / "datasets_per_dataset_concat.csv")
    tests = pd.read_csv(out / "datasets_tests_concat.csv")
    for s in (0, 1):                                                # a dataset's value: mean over clustering seeds
        summ = pd.read_csv(out / f"data-seed-{s}" / "summary.csv")
        want = summ[(summ.condition == "dynamic") & (summ.metric == "nmi")]["mean"].iloc[0]
        got = per[(per.data_seed == s) & (per.condition == "dynamic") & (per.metric == "nmi")]["value"].iloc[0]
        assert got == pytest.approx(want)
    assert set(tests.unit) == {"generated dataset"} and (tests.n == 2).all()
    assert {"dynamic vs static 0.5", "dynamic vs shuffled"} <= set(tests.comparison)
    np.testing.assert_allclose(tests.p_holm, holm(tests.p_value))


def test_cli_data_seeds_refuses_a_dataset_and_bad_seeds(tmp_path, capsys):
    assert main(["ablate", str(tmp_path), "--data-seeds", "0,1"]) == 2
    assert "give no DATASET" in capsys.readouterr().err
    assert main(["ablate", "--data-seeds", "3"]) == 2
    assert "at least 2 distinct" in capsys.readouterr().err
