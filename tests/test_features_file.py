"""Bring your own features (issue 14 item 4): a Parquet or CSV file of precomputed embeddings is a
dataset, end to end (load, features, indicators, rules, CLI), and a bad file gets one clear message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.feature_file import feature_frame, write_feature_file
from core.cli.main import main
from core.datasets import detect_kind, load_dataset
from core.errors import DatasetError
from core.features.extract import cached_status, extract_features
from core.features.given import read_feature_table
from core.indicators import compute_indicators
from core.rules import DEFAULT_RULES, Rule, RuleSet, apply_rules
from core.views.silent_rules import silent_rules, silent_rules_text


@pytest.fixture
def parquet_file(tmp_path):
    return write_feature_file(tmp_path / "catalogue.parquet", 120, n_genres=4, d_audio=16, d_lyrics=12, seed=3)


def _hand_frame() -> pd.DataFrame:
    """Four tracks worked out by hand: t3 is an instrumental (empty lyrics cells)."""
    return pd.DataFrame({
        "track_id": ["t1", "t2", "t3", "t4"],
        "genre": ["rock", "rock", "jazz", "jazz"],
        "audio_0": [1.0, 0.9, -1.0, -0.8], "audio_1": [0.0, 0.1, 0.2, 0.0],
        "lyrics_0": [0.5, 0.4, np.nan, -0.5], "lyrics_1": [0.1, 0.2, np.nan, 0.3],
        "audio_quality": [0.9, 0.3, 0.8, np.nan],
        "loudness_dbfs": [-10.0, -30.0, -15.0, -25.0],
    })


# -- loading ----------------------------------------------------------------------------------

def test_parquet_file_is_a_features_dataset_with_labels_masks_and_truth(parquet_file):
    assert detect_kind(parquet_file) == "features"
    ds = load_dataset(parquet_file)
    frame = pd.read_parquet(parquet_file)
    assert ds.kind == "features" and ds.n_tracks == 120 and ds.source == parquet_file
    assert ds.track_ids == frame["track_id"].tolist()
    assert list(ds.labels) == frame["genre"].tolist()
    lyrics_given = frame[[c for c in frame if c.startswith("lyrics_") and c[7:].isdigit()]].notna().all(axis=1)
    assert ds.has_lyrics and (ds.lyrics_mask == lyrics_given.to_numpy()).all()
    s = ds.summary()
    assert s["with_audio"] == 120 and s["with_lyrics"] == int(lyrics_given.sum()) and s["playable"] == 0
    assert set(ds.ground_truth.columns) >= {"track_id", "genre", "has_voice", "audio_degradation"}
    assert cached_status(ds)["complete"]


def test_features_are_the_files_embeddings_in_row_order(tmp_path):
    path = tmp_path / "hand.csv"
    _hand_frame().to_csv(path, index=False)
    ds = load_dataset(path)
    fs, rep = extract_features(ds)
    assert fs.track_ids == ["t1", "t2", "t3", "t4"] and fs.has_lyrics
    assert fs.audio.dtype == np.float32
    np.testing.assert_array_equal(fs.audio, np.float32([[1, 0], [0.9, 0.1], [-1, 0.2], [-0.8, 0]]))
    assert fs.lyrics_ok.tolist() == [True, True, False, True] and fs.audio_ok.all()
    np.testing.assert_array_equal(fs.lyrics[2], [0, 0])  # a missing modality is a mask, not data
    assert rep.tracks == 4 and rep.lyrics_missing == 1 and rep.health_problem() is None


def test_given_indicators_are_used_and_missing_ones_are_nan_so_their_rules_do_not_fire(tmp_path):
    path = tmp_path / "hand.parquet"
    _hand_frame().to_parquet(path)
    ind = compute_indicators(extract_features(load_dataset(path))[0])
    np.testing.assert_allclose(ind.column("audio_quality"), [0.9, 0.3, 0.8, np.nan], rtol=1e-6)
    np.testing.assert_allclose(ind.column("loudness_dbfs"), [-10, -30, -15, -25])
    assert ind.column("lyrics_available").tolist() == [1, 1, 0, 1]
    assert np.isnan(ind.column("percussive_ratio")).all() and np.isnan(ind.column("lyrics_quality")).all()
    # vocal presence: unknown with lyrics (no audio estimate given), 0 without lyrics
    assert np.isnan(ind.column("vocal_presence")[[0, 1, 3]]).all() and ind.column("vocal_presence")[2] == 0
    res = apply_rules(ind, DEFAULT_RULES)
    fired = dict(zip([r.name for r in DEFAULT_RULES.rules], res.fired[:, :len(DEFAULT_RULES.rules)].sum(axis=0)))
    # t1 louder than -20 dBFS, t2's quality 0.3 (t3 is louder too, but the hard rule "no lyrics" decides it)
    assert fired["loud"] == 1 and res.fired[0, 2] and fired["poor_audio"] == 1 and res.fired[1, 5]
    assert fired["percussive"] == fired["voice_present"] == fired["poor_lyrics"] == 0
    names = {r for r, _ in silent_rules(ind)}
    assert {"percussive", "voice_present", "compressed", "dense_mix", "poor_lyrics"} <= names
    # a hard rule is named only when it is switched on (the defaults have 'no voice' off)
    assert ("no voice (hard rule)" in names) == DEFAULT_RULES.no_voice_rule
    on = {r for r, _ in silent_rules(ind, DEFAULT_RULES.with_changes(no_voice_rule=True))}
    assert "no voice (hard rule)" in on
    assert "loud" not in names and "poor_audio" not in names
    assert "percussive (percussive_ratio)" in silent_rules_text(ind)
    assert silent_rules_text(ind, RuleSet(rules=(Rule("loud", "loudness_dbfs", ">", -20.0, 0.1),),
                                          no_voice_rule=False)) == ""


def test_an_availability_column_of_zero_switches_a_modality_off(tmp_path):
    frame = _hand_frame()
    frame["lyrics_available"] = [1, 0, 1, 1]
    path = tmp_path / "f.parquet"
    frame.to_parquet(path)
    fs = extract_features(load_dataset(path))[0]
    assert fs.lyrics_ok.tolist() == [True, False, False, True]  # a 1 never invents t3's missing lyrics


def test_csv_manifest_stays_a_manifest_and_features_csv_is_features(tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("audio_path,lyrics,lyrics_path,genre\n,some words here,,pop\n", encoding="utf-8")
    assert detect_kind(manifest) == "manifest"
    assert load_dataset(manifest).kind == "manifest"
    feats = tmp_path / "feats.csv"
    _hand_frame().to_csv(feats, index=False)
    assert detect_kind(feats) == "features"


def test_list_columns_in_parquet_are_vectors(tmp_path):
    path = tmp_path / "lists.parquet"
    pd.DataFrame({"track_id": ["a", "b", "c"], "audio": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
                  "lyrics": [[0.1], None, [0.3]]}).to_parquet(path)
    fs = extract_features(load_dataset(path))[0]
    np.testing.assert_array_equal(fs.audio, [[1, 2], [3, 4], [5, 6]])
    assert fs.lyrics_ok.tolist() == [True, False, True]


def test_audio_path_gives_a_play_button_and_a_missing_file_is_named(tmp_path):
    wav = tmp_path / "song.wav"
    import soundfile as sf
    sf.write(wav, np.zeros(2205, np.float32), 22050)
    frame = _hand_frame()
    frame["audio_path"] = ["song.wav", "gone.wav", None, None]
    path = tmp_path / "f.parquet"
    frame.to_parquet(path)
    ds = load_dataset(path)
    assert ds.tracks["audio_path"].tolist() == [str(wav.resolve()), None, None, None]
    assert ds.summary()["playable"] == 1
    assert any("1 audio_path cells name no existing file" in p.reason for p in ds.problems)


# -- bad files --------------------------------------------------------------------------------

def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, pd.DataFrame):
        content.to_parquet(path) if name.endswith(".parquet") else content.to_csv(path, index=False)
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("name, content, words", [
    ("nocols.parquet", pd.DataFrame({"track_id": ["a"], "genre": ["x"]}), "has no embedding columns"),
    ("text.csv", b"track_id,audio_0,audio_1\na,0.1,0.2\nb,0.3,loud\n", "'loud' in row 2"),
    ("partial.parquet", pd.DataFrame({"audio_0": [0.1, np.nan], "audio_1": [0.2, 0.3]}),
     "row 2 has an empty or NaN cell"),
    ("inf.csv", b"audio_0,audio_1\n0.1,inf\n", "infinite value in row 1"),
    ("dupes.csv", b"track_id,audio_0\na,1\nb,2\na,3\n", "duplicate track_id 'a'"),
    ("ragged.csv", b"track_id,audio_0,audio_1\na,1,2\nb,3,4,5,6\n", "rows of different widths"),
    ("ragged.parquet", pd.DataFrame({"audio": [[1.0, 2.0], [1.0, 2.0], [3.0]]}), "vectors of different lengths"),
    ("empty.parquet", b"", "is empty"),
    ("headeronly.csv", b"track_id,audio_0,audio_1\n", "has a header but no rows"),
    ("garbage.parquet", b"this is not parquet at all", "cannot be read as parquet"),
    ("allempty.csv", b"track_id,audio_0\na,\nb,\n", "no row has an audio or a lyrics embedding"),
    ("badind.csv", b"audio_0,loudness_dbfs\n1,-10\n2,very\n", "indicator column 'loudness_dbfs'"),
], ids=lambda v: v if isinstance(v, str) and "." in v else None)
def test_bad_file_gets_one_message_naming_file_and_problem(tmp_path, name, content, words):
    path = _write(tmp_path, name, content)
    with pytest.raises(DatasetError) as err:
        load_dataset(path, kind="features")
    assert name in str(err.value) and words in str(err.value)


def test_bad_file_on_the_command_line_is_a_message_not_a_traceback(tmp_path, capsys):
    path = _write(tmp_path, "dupes.csv", b"track_id,audio_0\na,1\na,2\n")
    assert main(["summary", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Features file dupes.csv: duplicate track_id 'a'") and "Traceback" not in err


def test_the_table_is_read_once_and_again_when_the_file_changes(tmp_path):
    path = write_feature_file(tmp_path / "f.parquet", 30, n_genres=3, d_audio=4, d_lyrics=4)
    first = read_feature_table(path)
    assert read_feature_table(path) is first
    feature_frame(40, n_genres=3, d_audio=4, d_lyrics=4).to_parquet(path)
    assert read_feature_table(path).n_tracks == 40


# -- the command line, end to end -----------------------------------------------------------

def test_cli_summary_ablate_indicators_export_on_a_features_file(parquet_file, tmp_path, capsys):
    assert main(["summary", str(parquet_file)]) == 0
    out = capsys.readouterr().out
    assert "(features)" in out and "audio embedding width 16, lyrics embedding width 12" in out
    assert "0 tracks with a playable audio file" in out and "no indicator column for" in out
    run = tmp_path / "run"
    assert main(["ablate", str(parquet_file), "--seeds", "2", "--no-autotune", "--fusion", "concat",
                 "--out", str(run)]) == 0
    out = capsys.readouterr().out
    assert "dynamic" in out and "static_0.5" in out and (run / "summary.csv").is_file()
    assert main(["indicators", str(parquet_file)]) == 0
    out = capsys.readouterr().out
    assert "audio_quality" in out and "audio_noise" in out  # AUC against the file's own truth columns
    assert main(["export", str(parquet_file), "--out", str(tmp_path / "exp")]) == 0
    table = pd.read_csv(tmp_path / "exp" / "tracks.csv")
    assert len(table) == 120 and set(pd.read_parquet(parquet_file)["track_id"]) == set(table["track_id"])


def test_the_workbenchs_own_export_is_not_taken_for_a_features_file(parquet_file, tmp_path, capsys):
    """The export's tracks.csv given back as a dataset used to load as a "features file" whose audio embedding
    was (audio_weight, audio_ok) and lyrics embedding (lyrics_weight, lyrics_ok): now every door says what it is."""
    from core.datasets.upload import save_features_upload
    assert main(["export", str(parquet_file), "--out", str(tmp_path / "exp")]) == 0
    capsys.readouterr()
    exported = tmp_path / "exp" / "tracks.csv"
    for kind in ("auto", "features"):
        with pytest.raises(DatasetError) as err:
            load_dataset(exported, kind=kind)
        assert "tracks.csv" in str(err.value) and "own per-track export" in str(err.value), str(err.value)
    with pytest.raises(DatasetError) as err:
        save_features_upload(exported.read_bytes(), "tracks.csv", tmp_path / "uploads")
    assert "own per-track export" in str(err.value)
    assert main(["summary", str(exported)]) == 1 and "Traceback" not in capsys.readouterr().err


def test_embedding_columns_in_the_wrong_case_are_named(tmp_path):
    """Audio_0 .. were left out without a word (the set just had no audio); now the problems say why."""
    path = tmp_path / "caps.csv"
    pd.DataFrame({"track_id": ["a", "b", "c"], **{f"Audio_{j}": [0.1, 0.2, 0.3] for j in range(4)},
                  "lyrics_0": [0.5, 0.1, 0.2]}).to_csv(path, index=False)
    ds = load_dataset(path)
    assert any("4 column(s) such as 'Audio_0' are not read as the audio embedding" in p.reason
               and "case-sensitive" in p.reason for p in ds.problems), [p.reason for p in ds.problems]


def test_a_semicolon_separated_csv_says_so_at_every_door(tmp_path):
    """Excel in many locales saves CSV with ';' and decimal commas. A features file then read as one column and
    became a manifest lacking audio_path, and a manifest ('audio_path;genre' starts with audio_) became a features
    file whose "column 'audio_path;genre' holds a value that is not a number"."""
    from core.datasets.upload import save_features_upload
    feats = tmp_path / "feats.csv"
    feature_frame(12, n_genres=3, d_audio=4, d_lyrics=3).to_csv(feats, sep=";", decimal=",", index=False)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("audio_path;genre\na.wav;rock\n", encoding="utf-8")
    for path, kind in ((feats, "auto"), (feats, "features"), (manifest, "auto"), (manifest, "features")):
        with pytest.raises(DatasetError) as err:
            load_dataset(path, kind=kind)
        msg = str(err.value)
        assert path.name in msg and "separated by semicolons, not commas" in msg, (kind, msg)
    with pytest.raises(DatasetError, match="separated by semicolons, not commas"):
        save_features_upload(feats.read_bytes(), "feats.csv", tmp_path / "uploads")


def test_indicator_values_out_of_their_range_are_named_and_the_bench_example_has_none(tmp_path):
    """vocal_presence 7 was used without a word; bench/feature_file.py wrote negative dynamic ranges."""
    frame = feature_frame(60, n_genres=3, d_audio=4, d_lyrics=3)
    assert (frame["dynamic_range_db"] >= 0).all() and (frame["loudness_dbfs"] <= 0).all()
    path = tmp_path / "f.csv"
    frame.to_csv(path, index=False)
    assert not any("used as given" in p.reason for p in load_dataset(path).problems)
    frame.loc[6, "vocal_presence"] = 7.0
    frame.to_csv(path, index=False)
    reasons = [p.reason for p in load_dataset(path).problems]
    assert any("'vocal_presence' has 1 value(s) not within the values vocal_presence can take (0 to 1" in r
               and "7 in row 7" in r for r in reasons), reasons


def test_a_csv_with_misnamed_embedding_columns_hears_about_features_files(tmp_path):
    """Given as a path, a CSV without audio_* / lyrics_* columns is a manifest; its message listed all 200 columns
    and never mentioned features files."""
    path = tmp_path / "emb.csv"
    pd.DataFrame({"track_id": ["a", "b"], **{f"aud_{j}": [0.1, 0.2] for j in range(200)}}).to_csv(path, index=False)
    with pytest.raises(DatasetError) as err:
        load_dataset(path)
    msg = str(err.value)
    assert "and 189 more" in msg and "aud_150" not in msg and "columns named audio_* or lyrics_*" in msg, msg


def test_audio_only_file_says_fusion_is_off_and_reports_audio_only(tmp_path, capsys):
    path = write_feature_file(tmp_path / "a.parquet", 60, n_genres=3, d_audio=8, lyrics=False)
    assert main(["ablate", str(path), "--seeds", "2", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "fusion is off" in out and "audio only, per feature level" in out and "static_0.5" not in out


def test_lyrics_only_file_says_fusion_is_off_and_reports_lyrics_only(tmp_path, capsys):
    path = write_feature_file(tmp_path / "l.csv", 60, n_genres=3, d_lyrics=8, audio=False)
    assert main(["summary", str(path)]) == 0
    assert "audio: none in this dataset -> fusion is off" in capsys.readouterr().out
    assert main(["ablate", str(path), "--seeds", "2", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "no audio: fusion is off" in out and "lyrics only, per feature level" in out
    assert "static_0.5" not in out


def test_the_readme_example_loads_as_documented(tmp_path):
    from core.paths import REPO_ROOT
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("track_id,title,genre,audio_0")
    example = readme[start:readme.index("```", start)]
    path = tmp_path / "example.csv"
    path.write_text(example, encoding="utf-8")
    ds = load_dataset(path)
    fs = extract_features(ds)[0]
    assert ds.kind == "features" and ds.track_ids == ["t1", "t2"] and list(ds.labels) == ["synthwave", "ambient"]
    assert fs.audio.shape == (2, 3) and fs.lyrics_ok.tolist() == [True, False]
    assert compute_indicators(fs).column("loudness_dbfs").tolist() == [-11.5, -27.0]
