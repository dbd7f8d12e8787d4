"""The Dataset (generator form, zip upload, indicator overview), Ablation and Export pages,
driven through streamlit.testing.v1.AppTest on the tiny synthetic set: what a page shows must
equal what core computes for the same settings."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.datasets import load_dataset
from core.datasets.synthetic import GENRES, read_config
from core.experiments import ExperimentConfig, prepare, run_ablation
from core.experiments.controls import rule_table_view
from core.features.extract import extract_features
from core.features.levels import DEFAULT_LYRICS_LEVELS, select_lyrics_levels
from core.indicators import compute_indicators
from core.loop import InteractiveLoop
from core.paths import REPO_ROOT, data_dir, default_synthetic_dir
from core.rules import DEFAULT_RULES
from core.views.ablation import ablation_conditions_table, ablation_tests_table
from core.views.tables import METRIC_NAMES
from core.views.export import tracks_table
from core.views.indicator_overview import indicator_overview
from tests.audio_fixtures import make_gtzan, song_like, write_clip

APP = str(REPO_ROOT / "app.py")


# ----------------------------------------------------------------------------------------------
# Fixtures: the tiny set's features extracted once into a module cache
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def extracted(tiny_synth_dir, copy_tiny_cache, tmp_path_factory):
    cache = copy_tiny_cache(tmp_path_factory.mktemp("pages-data-cache"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_CACHE_DIR", str(cache))
        mp.setenv("HF_HUB_OFFLINE", "1")
        ds = load_dataset(tiny_synth_dir)
        fs, _ = extract_features(ds, n_jobs=1)
    return cache, ds, fs


@pytest.fixture
def features(extracted, monkeypatch):
    """Point the feature cache at the module cache (after the autouse fixture set its own)."""
    cache, ds, fs = extracted
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))
    return ds, fs


def _app(path: Path | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if path is not None:
        at.session_state["dataset_source"] = "path"
        at.session_state["dataset_path"] = str(path)
    for key, value in state.items():
        at.session_state[key] = value
    return at


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def _frame_with(at, column: str) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with a {column!r} column"
    return frames[0]


def _ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


# ----------------------------------------------------------------------------------------------
# Dataset page
# ----------------------------------------------------------------------------------------------
def test_dataset_page_shows_the_indicator_overview_core_computes(features, tiny_synth_dir):
    ds, fs = features
    at = _app(tiny_synth_dir).run()
    _ok(at)
    shown = _frame_with(at, "nan_share")
    expected = indicator_overview(compute_indicators(fs))
    assert shown["indicator"].tolist() == expected["indicator"].tolist()
    assert shown["unit"].tolist() == expected["unit"].tolist()
    for col in ("median", "min", "max", "nan_share"):
        np.testing.assert_allclose(shown[col].to_numpy(float), expected[col].to_numpy(float), equal_nan=True)
    # instrumentals have no lyrics: the lyrics indicators are unknown for them
    wc = shown.set_index("indicator").loc["word_count", "nan_share"]
    assert wc == pytest.approx(1.0 - fs.lyrics_ok.mean())


def test_builtin_set_is_built_from_the_form_with_a_progress_bar():
    at = _app().run()                                   # built-in source; the data dir is empty
    _ok(at)
    assert any("not built yet" in i.value for i in at.info)
    at.number_input(key="synth.tracks_per_genre").set_value(1)
    at.number_input(key="synth.clip_seconds").set_value(1.0)
    at.number_input(key="synth.seed").set_value(3)
    build = [b for b in at.button if b.label == "Build"]
    assert len(build) == 1
    build[0].click().run()
    _ok(at)
    assert not at.error
    record = read_config(default_synthetic_dir())
    assert record["tracks_per_genre"] == 1 and record["clip_seconds"] == 1.0 and record["seed"] == 3
    assert _metrics(at)["Tracks"] == str(len(GENRES))
    assert any(f"Built {len(GENRES)} tracks" in s.value for s in at.success)
    assert load_dataset(default_synthetic_dir()).n_tracks == len(GENRES)


def test_impossible_generator_settings_say_why_and_build_nothing():
    at = _app().run()
    at.number_input(key="synth.audio_noise_rate").set_value(0.6)
    at.number_input(key="synth.audio_dropout_rate").set_value(0.6)
    [b for b in at.button if b.label == "Build"][0].click().run()
    _ok(at)
    assert any("cannot build a set" in e.value and "audio_noise_rate" in e.value for e in at.error)
    assert read_config(default_synthetic_dir()) is None


def _music_zip(tmp_path: Path, evil: bool = True) -> bytes:
    """A zip of <genre>/<name>.wav + <name>.txt (2 genres x 2 tracks), optionally with a bad member."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for g, genre in enumerate(("calm", "loud")):
            for k in range(2):
                wav = write_clip(tmp_path / f"{genre}{k}.wav", song_like(seed=10 * g + k, seconds=1.0,
                                                                         tempo=80 + 60 * g))
                zf.write(wav, f"mymusic/{genre}/{genre}{k}.wav")
                zf.writestr(f"mymusic/{genre}/{genre}{k}.txt", f"a {genre} song number {k}\nla la la\n")
        if evil:
            zf.writestr("../evil.txt", "outside")
    return buf.getvalue()


def test_zip_upload_points_the_sidebar_at_the_unpacked_folder(tmp_path):
    at = _app().run()
    _ok(at)
    assert any("zip files up to 1,024 MiB" in c.value for c in at.caption)    # the limits are stated
    at.file_uploader[0].set_value(("mine.zip", _music_zip(tmp_path), "application/zip")).run()
    _ok(at)
    assert at.session_state["dataset_source"] == "path"
    folder = Path(at.session_state["dataset_path"])
    assert folder.is_dir() and (data_dir() / "uploads") in folder.parents
    assert folder.name == "mymusic"
    assert _metrics(at)["Tracks"] == "4" and _metrics(at)["Genres"] == "2"
    problems = _frame_with(at, "problem")
    bad = problems[problems["file"].str.contains("evil.txt")]
    assert len(bad) == 1 and "escapes" in bad["problem"].iloc[0] and bad["stage"].iloc[0] == "upload"
    assert not (data_dir() / "evil.txt").exists() and not (data_dir() / "uploads" / "evil.txt").exists()


def test_a_file_that_is_not_a_zip_gets_a_message_not_a_traceback():
    at = _app().run()
    at.file_uploader[0].set_value(("notes.zip", b"this is not a zip archive", "application/zip")).run()
    _ok(at)
    assert any("Cannot use notes.zip" in e.value and "not a readable zip" in e.value for e in at.error)
    assert at.session_state["dataset_source"] == "builtin"


def test_a_manifest_with_blank_genre_cells_is_not_said_to_lack_the_column(tmp_path):
    """The Dataset page said 'No genre labels (the manifest has no `genre` column)' of a manifest that has
    one, with some cells blank; the summary said 'some rows have no genre' without how many."""
    for i in range(3):
        write_clip(tmp_path / f"s{i}.wav", song_like(seed=i, seconds=2.0))
    (tmp_path / "m.csv").write_text("audio_path,genre\ns0.wav,pop\ns1.wav,\ns2.wav,rock\n", encoding="utf-8")
    assert any(p.reason == "1 of 3 rows have no genre" for p in load_dataset(tmp_path / "m.csv").problems)
    at = _app(tmp_path / "m.csv").run()
    _ok(at)
    said = [i.value for i in at.info if i.value.startswith("No genre labels")]
    assert said and "has no `genre` column" not in said[0] and "is blank in 1 of 3 rows" in said[0], said
    (tmp_path / "n.csv").write_text("audio_path\ns0.wav\n", encoding="utf-8")   # no column at all: said so
    at = _app(tmp_path / "n.csv").run()
    assert any("the manifest has no `genre` column" in i.value for i in at.info)


def test_a_set_extracted_part_way_says_what_is_kept_and_that_extract_does_the_rest(tmp_path):
    """A reload mid-extraction (or files added later) left "Audio: 2 of 16 clips extracted" and the button,
    with nothing saying a run had stopped or that the finished clips are kept. Clips added to a genre folder
    are seen (the folder's own time did not change, and the page kept the old track list)."""
    for i in range(3):
        (tmp_path / "set" / "rock").mkdir(parents=True, exist_ok=True)
        write_clip(tmp_path / "set" / "rock" / f"a{i}.wav", song_like(seed=i, seconds=2.0))
    at = _app(tmp_path / "set").run()
    _ok(at)
    assert not any("extracted already" in i.value for i in at.info)      # nothing done yet: no such note
    next(b for b in at.button if b.label == "Extract features").click().run()
    _ok(at)
    for i in range(3, 5):                                                  # two more clips arrive
        write_clip(tmp_path / "set" / "rock" / f"a{i}.wav", song_like(seed=i, seconds=2.0))
    at = _app(tmp_path / "set").run()
    _ok(at)
    note = [i.value for i in at.info if "extracted already" in i.value]
    assert note and "3 of 5 clips" in note[0] and "does only the rest" in note[0], [i.value for i in at.info]


def test_an_extraction_with_nothing_usable_names_each_bad_file_and_the_count_matches_the_table(tmp_path):
    """A zip of a text file named .wav and a 0.3 s clip: the extraction fails ("nothing usable to
    cluster"), and the Problems table still lists both files with what is wrong; the Problems count is
    the table's length (it counted the load stage only)."""
    buf = io.BytesIO()
    short = write_clip(tmp_path / "short.wav", song_like(seed=1, seconds=0.3))
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("bad/rock/notreally.wav", "this is text, not audio\n" * 20)
        zf.write(short, "bad/rock/short.wav")
        zf.writestr("bad/rock/short.txt", "la la la")
    at = _app().run()
    at.file_uploader[0].set_value(("bad.zip", buf.getvalue(), "application/zip")).run()
    _ok(at)
    next(b for b in at.button if b.label == "Extract features").click().run()
    _ok(at)
    assert any("Extraction failed" in e.value and "listed under Problems" in e.value for e in at.error)
    problems = _frame_with(at, "problem")
    files = " ".join(problems["file"])
    assert "notreally.wav" in files and "short.wav" in files, problems
    assert _metrics(at)["Problems"] == str(len(problems))
    at.run()                                   # the next run (features stored, not usable) says it again
    _ok(at)
    assert any("cannot be prepared" in e.value for e in at.error)
    assert "short.wav" in " ".join(_frame_with(at, "problem")["file"])


# ----------------------------------------------------------------------------------------------
# Ablation page
# ----------------------------------------------------------------------------------------------
def _run_ablation_page(at, seeds: int = 2) -> AppTest:
    at.switch_page("app_pages/ablation.py").run()
    _ok(at)
    at.number_input(key="abl.seeds").set_value(seeds).run()
    [b for b in at.button if b.label == "Run ablation"][0].click().run()
    _ok(at)
    return at


def test_ablation_page_shows_what_run_ablation_computes(features, tiny_synth_dir):
    ds, fs = features
    at = _run_ablation_page(_app(tiny_synth_dir).run(), seeds=2)
    assert not at.error
    config = ExperimentConfig(seeds=(0, 1), subsample=0.8, ruleset=DEFAULT_RULES)
    shown_fs = select_lyrics_levels(fs, DEFAULT_LYRICS_LEVELS)  # what the pages cluster by default
    expected = run_ablation(prepare(shown_fs).with_config(config), labels=ds.labels, ground_truth=ds.ground_truth)
    shown = _frame_with(at, "NMI ↑")                     # the conditions in words, as on the Rules page
    table = ablation_conditions_table(expected)
    assert list(shown.index) == list(table.index) and shown.equals(table)
    assert "static 0.5" in shown.index and "dynamic (rules)" in shown.index
    assert not any("_" in c or "*" in c for c in list(shown.index) + list(shown.columns)), shown.index
    tests = _frame_with(at, "p value")
    exp_tests = ablation_tests_table(expected)
    np.testing.assert_allclose(tests["p value"], exp_tests["p value"])
    assert tests["static weight"].tolist() == exp_tests["static weight"].tolist()
    np.testing.assert_allclose(tests["Holm p"], exp_tests["Holm p"])
    assert "dynamic vs shuffled" in set(tests["comparison"])
    rules = _frame_with(at, "rule switched off")              # the planned per-rule ablation
    exp_rules = rule_table_view(expected.rule_table)
    assert rules["rule switched off"].tolist() == exp_rules["rule switched off"].tolist()
    np.testing.assert_allclose(rules["Δ (dynamic − rule off)"], exp_rules["Δ (dynamic − rule off)"])
    np.testing.assert_allclose(rules["Holm p"], exp_rules["Holm p"])
    assert any(c.startswith("shuffled") for c in shown.index)
    assert set(tests["metric"]) >= {"NMI ↑", "ARI ↑"} and set(rules["metric"]) <= set(METRIC_NAMES.values())
    assert any("picked with the labels" in w.value and "oracle" in w.value for w in at.warning)
    slices = _frame_with(at, "slice")                      # synthetic ground truth: slices shown
    assert set(slices["condition"]) >= {"dynamic (rules)", "static 0.5"}
    chart = at.get("plotly_chart")
    assert len(chart) == 1
    # results stay in the session: another metric redraws without re-running
    at.selectbox(key="abl.metric").set_value("ari").run()
    _ok(at)
    assert at.session_state["_ablation"]["settings"]["seeds"] == 2


def test_unlabelled_ablation_reports_internal_metrics_only(features, tiny_synth_dir, tmp_path):
    ds, fs = features
    manifest = tmp_path / "manifest.csv"
    t = ds.tracks
    pd.DataFrame({"track_id": t["track_id"], "audio_path": t["audio_path"],
                  "lyrics": t["lyrics"].fillna("")}).to_csv(manifest, index=False)
    extract_features(load_dataset(manifest), n_jobs=1)     # audio from the cache; lyrics embedded
    at = _app(manifest).run()
    _ok(at)
    at = _run_ablation_page(at, seeds=2)
    assert any("No genre labels: internal metrics only" in i.value for i in at.info)
    # the scores are in each modality's own embedding (NeutralScorer), not the old fused reference space
    assert not any("reference space" in i.value for i in at.info)
    assert any("each in the audio and in the lyrics embedding, averaged" in i.value for i in at.info)
    shown = _frame_with(at, "silhouette ↑")
    assert list(shown.columns) == ["silhouette ↑", "Calinski-Harabasz ↑", "Davies-Bouldin ↓"]
    assert at.selectbox(key="abl.metric").options == ["silhouette", "Calinski-Harabasz",
                                                      "Davies-Bouldin (lower is better)"]
    assert not any("oracle" in w.value for w in at.warning)
    assert any("picked post hoc" in i.value for i in at.info)
    assert not any("slice" in d.value.columns for d in at.dataframe)


# ----------------------------------------------------------------------------------------------
# Export page
# ----------------------------------------------------------------------------------------------
def test_export_tables_equal_core_for_the_current_rules(features, tiny_synth_dir):
    ds, fs = features
    at = _app(tiny_synth_dir, **{"t.loud": -15.0, "d.loud": 0.3, "n_clusters": 5, "seed": 2}).run()
    at.switch_page("app_pages/export.py").run()
    _ok(at)
    assert not at.error
    rs = DEFAULT_RULES.replace_rule("loud", threshold=-15.0, delta=0.3)
    prepared = prepare(select_lyrics_levels(fs, DEFAULT_LYRICS_LEVELS))  # what the pages cluster by default
    loop = InteractiveLoop(prepared, ds.labels)
    result = loop.run(rs, n_clusters=5, seed=2)
    expected = tracks_table(prepared, result, ds.labels)
    weights = _frame_with(at, "fusion_audio_weight")
    assert weights["track_id"].tolist() == expected["track_id"].tolist()
    np.testing.assert_array_equal(weights["audio_weight"].to_numpy(np.float32), expected["audio_weight"].to_numpy())
    assign = _frame_with(at, "cluster")
    np.testing.assert_array_equal(assign["cluster"].to_numpy(), result.labels)
    traces = _frame_with(at, "trace_base")
    assert "trace_loud" in traces.columns
    metrics = _frame_with(at, "silhouette")
    np.testing.assert_allclose(metrics.to_numpy(float),
                               loop.comparison_table(result, "kmeans", "concat", 2).to_numpy(float))
    labels = [b.label for b in at.get("download_button")]
    assert {"All tables as one JSON file", "All columns as one CSV file", "assignments.csv", "weights.csv",
            "indicators.csv", "traces.csv", "Download the HTML report"} <= set(labels)
    assert any("PCA map" in c.label for c in at.checkbox)


def test_export_after_an_ablation_in_the_same_session(features, tiny_synth_dir):
    at = _run_ablation_page(_app(tiny_synth_dir).run(), seeds=2)
    at.switch_page("app_pages/export.py").run()
    _ok(at)
    assert not at.error                                   # the loop's baselines still score
    assert any(c.label == "Include the last ablation run" and c.value for c in at.checkbox)
    at.switch_page("app_pages/ablation.py").run()              # and back: the stored run is shown again
    _ok(at)
    assert _frame_with(at, "NMI ↑") is not None



def test_a_set_without_lyrics_says_fusion_is_off_on_export_and_ablation(features, tmp_path):
    root = make_gtzan(tmp_path / "gtzan")
    extract_features(load_dataset(root), n_jobs=1)
    at = _app(root).run()
    at.switch_page("app_pages/export.py").run()
    _ok(at)
    assert any("no lyrics" in w.value and "fusion is off" in w.value for w in at.warning)
    weights = _frame_with(at, "fusion_audio_weight")
    assert (weights["audio_weight"] == 1.0).all() and (weights["decided_by"] == "no_lyrics").all()
    assert "jazz.00054" not in " ".join(weights["track_id"])      # the unreadable file is no row
    at = _run_ablation_page(at, seeds=2)
    assert not at.error
    assert any("fusion is off" in w.value for w in at.warning)
    assert _frame_with(at, "NMI ↑") is not None


def test_export_reuses_the_map_the_clusters_page_drew(features, tiny_synth_dir):
    at = _app(tiny_synth_dir, projection="pca").run()
    at.switch_page("app_pages/clusters.py").run()
    _ok(at)
    layout = at.session_state["_map_layout"]
    at.switch_page("app_pages/export.py").run()
    _ok(at)
    labels = [c.label for c in at.checkbox]
    assert any("PCA 2-D map as last drawn on the Clusters and map page" in x for x in labels), labels
    assert layout.coords.shape == (len(_frame_with(at, "cluster")), 2)
