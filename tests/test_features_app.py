"""The app on a features file (issue 14 item 4): every page opens without an exception, tracks
without an audio file say they have no play button, and an uploaded features file is used (with its
audio paths confined to the upload)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from bench.feature_file import write_feature_file
from core.datasets import load_dataset
from core.datasets.upload import save_features_upload
from core.errors import DatasetError
from core.paths import REPO_ROOT, data_dir

APP = str(REPO_ROOT / "app.py")
PAGES = ("rules", "compare", "lesson", "clusters", "weights", "ablation", "inspector", "sensitivity", "export")


def _app(path) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(path)
    return at


def _texts(at) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "success", "error")
                    for e in getattr(at, kind))


@pytest.fixture(scope="module")
def features_path(tmp_path_factory):
    return write_feature_file(tmp_path_factory.mktemp("feat") / "catalogue.parquet", 90, n_genres=3,
                              d_audio=12, d_lyrics=10, seed=1)


def test_dataset_page_reads_a_features_file_and_says_what_it_lacks(features_path):
    at = _app(features_path).run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Tracks"] == "90" and shown["Genres"] == "3"
    text = _texts(at)
    assert "A features file" in text and "0 of 90 tracks have an audio file to play" in text
    assert any("Features ready for 90 tracks" in s.value for s in at.success)
    assert at.dataframe[0].value["problem"].str.contains("no indicator column for").any()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_works_on_a_features_file(features_path, page):
    at = _app(features_path).run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, f"{page}: {at.exception}"
    if page == "inspector":
        assert "This track has no audio file" in _texts(at) and "features file" in _texts(at)


def test_the_inspector_says_a_features_file_track_has_a_lyrics_embedding_but_no_words(features_path):
    """A features file gives lyrics embeddings, not words: a track with one says so (it read "No lyrics for this
    track" beside lyrics_available = 1, the weight the lyrics got and the cluster they helped make)."""
    tracks = load_dataset(features_path).tracks
    with_emb = str(tracks.loc[tracks["lyrics_features"].astype(bool), "track_id"].iloc[0])
    without = str(tracks.loc[~tracks["lyrics_features"].astype(bool), "track_id"].iloc[0])
    for track, says, not_says in ((with_emb, "No lyrics text for this track", "No lyrics for this track."),
                                  (without, "No lyrics for this track.", "No lyrics text")):
        at = _app(features_path)
        at.session_state["track"] = track
        at.run()
        at.switch_page("app_pages/inspector.py").run()
        assert not at.exception
        infos = " ".join(str(e.value) for e in at.info)
        assert says in infos and not_says not in infos, (track, infos)


def test_one_genre_file_says_the_label_metrics_cannot_help_and_clusters_into_two(tmp_path):
    """A file whose genre column holds one value: the Dataset page says so, and the Clusters page clusters
    into 2 (it used to say "k = 1" and draw one colour while its metric table had clustered into 2)."""
    import pandas as pd
    path = write_feature_file(tmp_path / "one.csv", 30, n_genres=3, d_audio=6, d_lyrics=5)
    frame = pd.read_csv(path)
    frame["genre"] = "rock"
    frame.to_csv(path, index=False)
    at = _app(path).run()
    assert not at.exception
    assert any("Every track has the same genre (rock)" in w.value for w in at.warning)
    at.switch_page("app_pages/clusters.py").run()
    assert not at.exception
    assert "k = 2 clusters" in _texts(at)


def test_a_features_file_gets_no_level_pickers_and_no_extract_button(features_path, tmp_path):
    """Its embeddings are used as given: the Dataset page offered audio levels (low, mid, high, learned) and, when
    the file could not be prepared (one row), "Audio: 1 of 1 clips extracted" and an "Extract features" button."""
    at = _app(features_path).run()
    assert not at.exception
    assert not [w for w in at.multiselect if w.key in ("audio_levels", "lyrics_levels")]
    assert "used as given: the audio and lyrics levels and the extraction do not apply" in _texts(at)
    one = write_feature_file(tmp_path / "one.csv", 1, n_genres=1, d_audio=4, d_lyrics=3)
    at = _app(one).run()
    assert not at.exception
    assert any("The features cannot be prepared" in e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Extract features"] and "clips extracted" not in _texts(at)


def test_the_clustering_choice_is_said_in_words(features_path):
    """The sidebar offered "kmeans" beside "scaled concatenation", and the Clusters page said "kmeans (concat),
    k = 3, ...; the loop took 12 ms": code words for a teacher. The names stay in links, files and the CLI."""
    at = _app(features_path).run()
    algo = at.selectbox(key="algorithm")
    assert algo.value == "kmeans" and "k-means" in algo.options and "kmeans" not in algo.options
    at.switch_page("app_pages/clusters.py").run()
    assert not at.exception
    caption = _texts(at)
    assert "k-means, scaled concatenation, k = 3 clusters" in caption and "the loop took" not in caption, caption


def test_lyrics_only_file_says_fusion_is_off(tmp_path):
    path = write_feature_file(tmp_path / "lyrics.csv", 45, n_genres=3, d_lyrics=8, audio=False)
    at = _app(path).run()
    assert not at.exception
    assert any("no audio: fusion is off" in w.value for w in at.warning)
    at.switch_page("app_pages/clusters.py").run()
    assert not at.exception


def test_bad_features_file_is_a_message_on_the_page(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("track_id,audio_0\na,1\na,2\n", encoding="utf-8")
    at = _app(path).run()
    assert not at.exception
    assert any("bad.csv" in e.value and "duplicate track_id" in e.value for e in at.error)


def test_upload_is_stored_once_and_its_audio_paths_stay_inside_it(tmp_path):
    frame_path = write_feature_file(tmp_path / "up.csv", 30, n_genres=3, d_audio=4, d_lyrics=4)
    text = frame_path.read_text(encoding="utf-8").splitlines()
    header, rows = text[0] + ",audio_path", [r + ",/etc/hostname" for r in text[1:]]
    data = "\n".join([header, *rows]).encode()
    saved = save_features_upload(data, "../../evil name.csv", data_dir() / "uploads")
    assert saved.parent.parent == data_dir() / "uploads" and saved.name == "evil_name.csv"
    assert save_features_upload(data, "evil name.csv", data_dir() / "uploads") == saved
    ds = load_dataset(saved)
    assert ds.kind == "features" and ds.tracks["audio_path"].isna().all()
    assert any("point outside the uploaded file's folder" in p.reason for p in ds.problems)
    for bad, words in ((b"", "empty"), (b"x", "expected a .parquet or .csv")):
        with pytest.raises(DatasetError, match=words):
            save_features_upload(bad, "f.csv" if not bad else "f.txt", data_dir() / "uploads")


def _features_uploader(at):
    return next(u for u in at.file_uploader if u.key == "upload_features")


def test_features_upload_on_the_dataset_page_switches_the_dataset(tmp_path):
    """The Dataset page's features-file uploader (its on_change callback), without a browser: a real
    Parquet file becomes the dataset; the sidebar points at the stored copy."""
    source = write_feature_file(tmp_path / "src.parquet", 30, n_genres=3, d_audio=6, d_lyrics=5, seed=2)
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception
    _features_uploader(at).set_value(("my catalogue.parquet", source.read_bytes(), "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    stored = at.session_state["dataset_path"]
    assert at.session_state["dataset_source"] == "path"
    assert stored.endswith("my_catalogue.parquet") and str(data_dir() / "uploads") in stored
    assert {m.label: m.value for m in at.metric}["Tracks"] == "30"
    assert "embeddings are read from `my_catalogue.parquet`" in _texts(at)
    assert not at.error


@pytest.mark.parametrize("name, data, words", [
    ("broken.parquet", "cut", ["broken.parquet", "cannot be read as parquet"]),
    ("dupes.csv", b"track_id,audio_0\na,1\na,2\n", ["dupes.csv", "duplicate track_id 'a'"]),
    ("empty.csv", b"", ["Cannot use empty.csv", "empty (0 bytes)"]),  # refused by the callback: nothing stored
    # a manifest through the features door was read as a manifest ("lacks audio_path"): say what a features
    # file needs and which columns this one has
    ("manifest.csv", b"audio_path,genre\na.wav,rock\n",
     ["Cannot use manifest.csv", "no embedding columns", "its columns are: audio_path, genre", "zip upload"]),
    # a header then NUL and 0xff bytes: its columns were listed as UTF-16 mojibake
    ("junk.csv", b"audio_path,genre\n\x00\xff\xfe\x00garbage\xff\n",
     ["Cannot use junk.csv", "binary data (NUL bytes)"]),
])  # (a wrong suffix never reaches the callback: Streamlit's uploader refuses it by its ``type``)
def test_bad_features_upload_is_a_message_naming_the_file_and_the_problem(tmp_path, name, data, words):
    if data == "cut":  # a real Parquet file cut in half
        whole = write_feature_file(tmp_path / "whole.parquet", 30, n_genres=3, d_audio=6, d_lyrics=5).read_bytes()
        data = whole[:len(whole) // 2]
    at = AppTest.from_file(APP, default_timeout=180).run()
    _features_uploader(at).set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    for w in words:
        assert w in errors, f"{w!r} not in the page's errors: {errors!r}"
    assert "Traceback" not in errors
    assert not any(p.name.startswith(".upload-") for p in (data_dir() / "uploads").rglob("*"))
    # a bad file never replaces the dataset in use (it did: then every page said "Cannot load this dataset")
    assert at.session_state["dataset_source"] != "path", at.session_state["dataset_path"]
    assert "The dataset in use is unchanged." in errors
