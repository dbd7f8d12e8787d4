"""Zip uploads: a good archive loads; escaping paths, symlinks, bombs and junk are refused or skipped."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from core.datasets import load_dataset
from core.datasets.upload import UploadLimits, unpack_zip
from core.errors import DatasetError
from tests.audio_fixtures import song_like, write_clip


def _zip(entries) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, *mode in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode:
                info.external_attr = mode[0] << 16
            z.writestr(info, data)
    return buf.getvalue()


def _wav_bytes(tmp_path, seed):
    return write_clip(tmp_path / f"c{seed}.wav", song_like(seed)).read_bytes()


def test_good_zip_with_one_top_folder_loads_as_a_dataset(tmp_path):
    data = _zip([("mymusic/rock/a.wav", _wav_bytes(tmp_path, 1)), ("mymusic/rock/a.txt", b"la la\nla"),
                 ("mymusic/jazz/b.wav", _wav_bytes(tmp_path, 2))])
    root, problems = unpack_zip(data, tmp_path / "uploads")
    assert problems == []
    assert root.name == "mymusic"
    ds = load_dataset(root)
    assert sorted(ds.track_ids) == ["jazz/b", "rock/a"]
    again, _ = unpack_zip(data, tmp_path / "uploads")          # same archive: same folder, reused
    assert again == root


def test_escaping_absolute_and_symlink_members_are_skipped_and_named(tmp_path):
    data = _zip([("ok/a.wav", _wav_bytes(tmp_path, 1)), ("../evil.txt", b"x"), ("/etc/evil", b"x"),
                 ("ok/link", b"/etc/passwd", stat.S_IFLNK | 0o777)])
    root, problems = unpack_zip(data, tmp_path / "uploads")
    reasons = {p.path.split(":", 1)[1]: p.reason for p in problems}
    assert reasons["../evil.txt"] == "path escapes the upload folder (..)"
    assert reasons["/etc/evil"] == "absolute path in the archive"
    assert reasons["ok/link"] == "symbolic link in the archive"
    assert not (tmp_path / "evil.txt").exists()
    assert (root / "a.wav").is_file() and not (root / "link").exists()


def test_zip_bomb_is_refused_before_writing(tmp_path):
    data = _zip([("bomb.bin", bytes(50 << 20))])               # 50 MiB of zeros compresses ~1000x
    with pytest.raises(DatasetError, match="zip bomb"):
        unpack_zip(data, tmp_path / "uploads")
    assert not any((tmp_path / "uploads").glob("upload-*"))


def test_size_limits_are_stated_and_enforced(tmp_path):
    limits = UploadLimits(max_upload_bytes=1000)
    with pytest.raises(DatasetError, match="over the upload limit"):
        unpack_zip(_zip([("a.wav", _wav_bytes(tmp_path, 1))]), tmp_path / "u", limits)
    with pytest.raises(DatasetError, match="over the limit of 2"):
        unpack_zip(_zip([("a", b"1"), ("b", b"2"), ("c", b"3")]), tmp_path / "u", UploadLimits(max_files=2))
    assert "MiB" in UploadLimits().describe()


def test_not_a_zip_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match="not a readable zip"):
        unpack_zip(b"this is not a zip", tmp_path / "u")


def _latin1_named_zip(payload: bytes) -> bytes:
    """A zip whose member name is the Latin-1 bytes b"top/b\\xe9.wav" without the UTF-8 flag,
    as old Windows tools write them (zipfile itself always writes UTF-8, so patch the bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("top/bX.wav", payload)                     # ASCII name: no UTF-8 flag
    return buf.getvalue().replace(b"top/bX.wav", b"top/b\xe9.wav")


def test_non_utf8_name_is_kept_and_reported(tmp_path):
    root, problems = unpack_zip(_latin1_named_zip(_wav_bytes(tmp_path, 1)), tmp_path / "u")
    assert [p.reason for p in problems] == ["file name is not valid UTF-8"]
    assert [p.name for p in root.glob("*.wav")] == ["b_.wav"]


def test_uploaded_manifest_cannot_reach_files_outside_its_folder(tmp_path, _isolated_data_dirs):
    """A manifest inside an uploaded zip must not make the server read or play its other files."""
    outside = write_clip(tmp_path / "secret" / "private.wav", song_like(3))
    (tmp_path / "secret" / "notes.txt").write_text("private words", encoding="utf-8")
    manifest = ("audio_path,lyrics_path\n"
                f"{outside},\n"
                f"a.wav,{tmp_path / 'secret' / 'notes.txt'}\n"
                "a.wav,\n")
    data = _zip([("set/manifest.csv", manifest.encode()), ("set/a.wav", _wav_bytes(tmp_path, 1))])
    root, _ = unpack_zip(data, _isolated_data_dirs / "uploads")
    ds = load_dataset(root / "manifest.csv")
    assert all(str(tmp_path / "secret") not in str(p) for p in ds.tracks["audio_path"])
    assert all(t is None or "private" not in t for t in ds.tracks["lyrics"])
    reasons = [p.reason for p in ds.problems]
    assert reasons.count("path points outside the uploaded folder") == 2
    assert load_dataset(tmp_path / "secret").n_tracks == 1            # outside uploads: no confinement


def test_a_zip_of_one_genre_folder_says_why_it_is_unlabelled(tmp_path, _isolated_data_dirs):
    """A zip of one genre's folder (``calm/a.wav``, ``calm/b.wav``) is read from inside that folder, so its files
    sit in the root and the set is unlabelled. The Dataset page used to say only "No genre labels"; it now says
    where the files sit and how to zip a labelled set."""
    from streamlit.testing.v1 import AppTest

    from core.paths import REPO_ROOT, data_dir
    data = _zip([("calm/a.wav", _wav_bytes(tmp_path, 1)), ("calm/b.wav", _wav_bytes(tmp_path, 2)),
                 ("calm/c.wav", _wav_bytes(tmp_path, 3))])
    folder, _ = unpack_zip(data, data_dir() / "uploads", archive_name="calm.zip")
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(folder)
    at.session_state["_upload"] = {"name": "calm.zip", "folder": str(folder), "problems": []}  # as _on_upload sets
    at.run()
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert "3 of 3 audio files sit directly in `calm`" in info and "zip one folder per genre" in info, info
