"""Loaders on real files the tests write: GTZAN layout (with .au and an unreadable clip), a folder
of your own music with lyrics beside it, a CSV manifest, and auto-detection."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets import detect_kind, load_dataset
from core.datasets.gtzan import load_gtzan
from core.errors import DatasetError
from tests.audio_fixtures import make_gtzan, song_like, write_clip


def test_gtzan_loads_without_lyrics_and_skips_the_unreadable_clip(tmp_path):
    root = make_gtzan(tmp_path / "gtzan")
    ds = load_gtzan(root)
    assert ds.kind == "gtzan"
    assert ds.has_lyrics is False
    assert ds.n_tracks == 6
    assert ds.tracks["lyrics"].isna().all()          # None, not "" pretending to be lyrics
    assert sorted(set(ds.labels)) == ["blues", "jazz", "rock"]
    assert any(p.endswith(".au") for p in ds.tracks["audio_path"])
    [problem] = ds.problems
    assert "jazz.00054.wav" in problem.path
    assert "not a decodable audio file" in problem.reason
    assert "jazz.00054" not in ds.track_ids
    assert detect_kind(root) == "gtzan"
    assert ds.summary()["lyrics_coverage"] == 0.0


def test_folder_with_lyrics_beside_audio(tmp_path):
    root = tmp_path / "mine"
    write_clip(root / "rock" / "a.wav", song_like(1))
    (root / "rock" / "a.txt").write_text("we will rock\nyou tonight\n", encoding="utf-8")
    write_clip(root / "rock" / "b.flac", song_like(2), fmt="FLAC")
    write_clip(root / "folk" / "c.ogg", song_like(3), fmt="OGG", subtype="VORBIS")
    (root / "folk" / "c.txt").write_text("", encoding="utf-8")            # empty lyrics
    (root / "folk" / "cover.jpg").write_bytes(b"\xff\xd8\xff")           # clutter: ignored silently
    (root / "folk" / "d.m4a").write_bytes(b"\x00\x00\x00\x18ftypM4A ")   # unsupported format: named
    ds = load_dataset(root)
    assert ds.kind == "folder"
    assert sorted(ds.track_ids) == ["folk/c", "rock/a", "rock/b"]
    assert ds.has_lyrics
    lyrics = dict(zip(ds.track_ids, ds.tracks["lyrics"]))
    assert lyrics["rock/a"].startswith("we will rock")
    assert lyrics["rock/b"] is None and lyrics["folk/c"] is None
    assert list(ds.lyrics_mask).count(True) == 1
    reasons = {p.path: p.reason for p in ds.problems}
    assert "unsupported audio format (.m4a)" in reasons["folk/d.m4a"]
    assert "empty" in reasons["folk/c.txt"]
    assert "folk/cover.jpg" not in reasons
    assert dict(zip(ds.track_ids, ds.labels))["folk/c"] == "folk"


def test_flat_folder_is_unlabelled(tmp_path):
    write_clip(tmp_path / "x.wav", song_like(1))
    write_clip(tmp_path / "y.wav", song_like(2))
    ds = load_dataset(tmp_path, kind="folder")
    assert ds.labels is None and not ds.has_labels
    assert ds.has_lyrics is False
    assert "genres" not in ds.summary()


def test_manifest_resolves_paths_reads_lyrics_and_names_bad_rows(tmp_path):
    write_clip(tmp_path / "audio" / "one.wav", song_like(1))
    write_clip(tmp_path / "audio" / "two.wav", song_like(2))
    (tmp_path / "two.txt").write_bytes("caf\xe9 au lait\nmon amour\n".encode("latin-1"))
    (tmp_path / "manifest.csv").write_text(
        "track_id,audio_path,lyrics,lyrics_path,genre\n"
        't1,audio/one.wav,"hello hello\nworld",,pop\n'
        "t2,audio/two.wav,,two.txt,chanson\n"
        "t3,audio/missing.wav,,,pop\n"
        "t1,audio/two.wav,,,pop\n"
        ",,only lyrics here,,pop\n",
        encoding="utf-8")
    ds = load_dataset(tmp_path / "manifest.csv")
    assert ds.kind == "manifest"
    assert ds.track_ids == ["t1", "t2", "t1#2", "row7"]  # physical line numbers, as an editor shows them
    assert ds.tracks.loc[0, "lyrics"] == "hello hello\nworld"
    assert "café" in ds.tracks.loc[1, "lyrics"]
    assert ds.tracks.loc[3, "audio_path"] is None        # lyrics-only row is kept
    assert list(ds.labels) == ["pop", "chanson", "pop", "pop"]
    text = " | ".join(str(p) for p in ds.problems)
    assert "line 5 (audio/missing.wav): audio file not found" in text
    assert "duplicate track_id 't1'" in text


def test_a_row_whose_audio_and_lyrics_both_fail_is_not_said_to_be_kept(tmp_path):
    """A row with a missing audio file and a missing lyrics file was dropped, yet its lyrics problem said
    'the track is kept without lyrics'."""
    write_clip(tmp_path / "audio" / "one.wav", song_like(1))
    (tmp_path / "manifest.csv").write_text(
        "audio_path,lyrics_path,genre\n"
        "audio/one.wav,lyr/gone.txt,pop\n"          # audio fine: kept without lyrics
        "audio/missing.wav,lyr/missing.txt,pop\n"   # neither: skipped
        ",lyr/nothere.txt,pop\n",                   # no audio cell, lyrics missing: skipped
        encoding="utf-8")
    ds = load_dataset(tmp_path / "manifest.csv")
    assert ds.track_ids == ["one"]
    by_path = {p.path: p.hint for p in ds.problems}
    assert by_path["manifest.csv:line 2 (lyr/gone.txt)"].startswith("the track is kept without lyrics")
    assert by_path["manifest.csv:line 3 (lyr/missing.txt)"].startswith("row skipped: its audio cannot be used")
    assert by_path["manifest.csv:line 4 (lyr/nothere.txt)"].startswith("row skipped: it has no audio")
    assert not any("kept" in p.hint for p in ds.problems if "line 3" in p.path or "line 4" in p.path)


def test_manifest_without_audio_path_column_is_a_clear_error(tmp_path):
    (tmp_path / "m.csv").write_text("file,genre\na.wav,pop\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="lacks the column.*audio_path.*it has file, genre"):
        load_dataset(tmp_path / "m.csv")


def test_manifest_without_genre_column_is_unlabelled(tmp_path):
    write_clip(tmp_path / "a.wav", song_like(1))
    (tmp_path / "m.csv").write_text("audio_path,lyrics\na.wav,la la la\n", encoding="utf-8")
    ds = load_dataset(tmp_path / "m.csv")
    assert ds.labels is None
    assert ds.track_ids == ["a"]


def test_missing_dataset_path_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(tmp_path / "nope")


def test_dataset_rejects_mismatched_labels(tmp_path):
    from core.tracks import Dataset, make_tracks
    with pytest.raises(ValueError, match="2 tracks but 1 labels"):
        Dataset("x", "folder", tmp_path, make_tracks([{"track_id": "a"}, {"track_id": "b"}]),
                has_lyrics=False, labels=np.array(["g"]))
