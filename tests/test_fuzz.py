"""Every door fuzzed: property-based tests (hypothesis) for each input a user can hand the workbench.

The property is the same at every door: the result is either a dataset in which every problem is
named per file, or the project's own error (:class:`core.errors.WorkbenchError`) whose message names
the input -- never another exception, never a write outside the target folder, never a half-written
upload or cache entry.

The "ci" profile (tests/conftest.py) runs a few derandomised examples per test; run
``pytest tests/test_fuzz.py --hypothesis-profile=long`` to explore. Examples the fuzzers found are
kept below as explicit regression tests (``test_regression_*``).
"""

from __future__ import annotations

import io
import json
import os
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import assume, given, strategies as st

from core.datasets import load_dataset
from core.datasets.folder import load_folder
from core.datasets.gtzan import load_gtzan
from core.datasets.manifest import load_manifest
from core.datasets.scan import check_audio_file
from core.datasets.upload import UploadLimits, unpack_zip
from core.errors import AudioDecodeError, DatasetError, WorkbenchError
from core.experiments import ruleset_to_dict
from core.features.audio.config import AudioConfig
from core.features.audio.decode import load_audio
from core.features.text_io import MAX_LYRICS_BYTES, check_lyrics_text, read_lyrics_file
from core.rules import DEFAULT_RULES, Rule, RuleSet
from core.views.viewstate import ViewSettings, from_query, to_query, validate_view
from tests.audio_fixtures import SR, song_like

# ----------------------------------------------------------------------------------------------
# Shared pieces
# ----------------------------------------------------------------------------------------------
_CLIP = io.BytesIO()
sf.write(_CLIP, song_like(0, seconds=1.0), SR, format="WAV", subtype="PCM_16")
GOOD_WAV = _CLIP.getvalue()

#: Name fragments: unicode, spaces, quotes, dots, a hidden prefix, a Windows separator.
NAME_CHARS = st.sampled_from(list("abcXYZ019 _-.'é漢ß😀#%&()[]"))
names = st.text(NAME_CHARS, min_size=1, max_size=12).filter(lambda s: s not in (".", ".."))


def tree(root: Path) -> dict:
    """Every path under ``root`` (symlinks not followed) -> size or 'dir'/'link'."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            out[str(p.relative_to(root))] = ("link" if p.is_symlink() else "dir" if p.is_dir()
                                            else p.stat().st_size)
    return out


def assert_named(exc: WorkbenchError, *candidates: str) -> None:
    """The error's message names at least one of ``candidates`` (the input as the user knows it)."""
    msg = str(exc)
    assert any(c and c in msg for c in candidates), f"message does not name the input: {msg!r}"


def problem_paths(ds) -> str:
    return "\n".join(f"{p.path} {p.reason}" for p in ds.problems)


# ----------------------------------------------------------------------------------------------
# The manifest CSV
# ----------------------------------------------------------------------------------------------
CELL = st.one_of(
    st.sampled_from(["good.wav", "./good.wav", "sub/../good.wav", "missing.wav", "../outside.wav",
                     "/etc/passwd", "/dev/null", "sub", "notaudio.wav", "lyrics.txt", "", " ", "a,b",
                     '"', '""', "x\ny", "é漢😀", "\x00", "\r", "good.wav\x00", "//", "\\..\\x.wav"]),
    st.text(max_size=30),
    st.text(st.sampled_from("ab\"',\n\r\t\x00é"), max_size=20),
    st.just("x" * 5000),
    st.just("y" * 140_000),          # over the csv module's field limit
)
HEADER = st.lists(st.sampled_from(["audio_path", "AUDIO_PATH ", "lyrics", "lyrics_path", "genre", "track_id",
                                   "extra", "", "audio_path"]), min_size=0, max_size=6)
ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "utf-32"])


def _csv_text(header: list, rows: list, quote_all: bool) -> str:
    import csv
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


def _manifest_folder(tmp: Path) -> tuple[Path, Path]:
    outside = tmp / "outside.wav"
    outside.write_bytes(GOOD_WAV)
    folder = tmp / "set"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.wav").write_bytes(GOOD_WAV)
    (folder / "notaudio.wav").write_bytes(b"RIFF....WAVEjunk")
    (folder / "lyrics.txt").write_text("la la la\nlove song", encoding="utf-8")
    return folder, outside


@given(header=HEADER, rows=st.lists(st.lists(CELL, max_size=7), max_size=6), quote_all=st.booleans(),
       encoding=ENCODING, raw_tail=st.binary(max_size=16), confined=st.booleans())
def test_manifest_gives_a_dataset_or_a_named_error(header, rows, quote_all, encoding, raw_tail, confined):
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        folder, outside = _manifest_folder(tmp)
        raw = _csv_text(header, rows, quote_all).encode(encoding, errors="replace") + raw_tail
        path = folder / "manifest.csv"
        path.write_bytes(raw)
        before = tree(tmp)
        try:
            ds = load_manifest(path, confine_to=folder if confined else None)
        except WorkbenchError as exc:
            assert isinstance(exc, DatasetError)
            assert_named(exc, "manifest.csv")
        else:
            assert len(ds.tracks) >= 1
            for p in ds.problems:
                assert p.path and p.reason
                assert p.path.startswith("manifest.csv"), p.path   # every problem names the manifest line
            for a in ds.tracks["audio_path"]:
                if a is None or a != a:
                    continue
                assert Path(a).is_file()
                if confined:
                    assert folder.resolve() in Path(a).resolve().parents
            assert len(set(ds.tracks["track_id"])) == len(ds.tracks)   # duplicate ids renamed
        assert tree(tmp) == before                                     # loading writes nothing


@given(n_dupes=st.integers(2, 5), bom=st.booleans())
def test_manifest_duplicate_ids_are_each_named(n_dupes, bom):
    with tempfile.TemporaryDirectory() as t:
        folder, _ = _manifest_folder(Path(t))
        text = "track_id,audio_path\n" + "same,good.wav\n" * n_dupes
        (folder / "m.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
        ds = load_manifest(folder / "m.csv")
        assert sorted(ds.tracks["track_id"]) == sorted(["same"] + [f"same#{i}" for i in range(2, n_dupes + 1)])
        assert sum("duplicate track_id" in p.reason for p in ds.problems) == n_dupes - 1


# ----------------------------------------------------------------------------------------------
# Lyrics decoding
# ----------------------------------------------------------------------------------------------
def _lyrics_contract(text, problem) -> None:
    assert (text is None) != (problem is None)
    if text is not None:
        assert isinstance(text, str) and text == text.strip() and "\r" not in text and "\x00" not in text
        assert any(ch.isalnum() for ch in text)
        text.encode("utf-8")                               # storable as UTF-8 (no lone surrogates)
    else:
        assert isinstance(problem, str) and problem


PIECES = st.lists(st.tuples(st.text(max_size=40),
                            st.sampled_from(["utf-8", "utf-16-le", "utf-16", "cp1252", "latin-1", "utf-32"])),
                  max_size=4)


@given(raw=st.one_of(st.binary(max_size=400), PIECES.map(
    lambda ps: b"".join(t.encode(c, errors="replace") for t, c in ps))))
def test_lyrics_file_of_any_bytes_gives_text_or_a_problem(raw):
    with tempfile.TemporaryDirectory() as t:
        path = Path(t) / "song.txt"
        path.write_bytes(raw)
        _lyrics_contract(*read_lyrics_file(path))


@given(text=st.text(max_size=200))
def test_lyrics_cell_of_any_text_gives_text_or_a_problem(text):
    out, problem = check_lyrics_text(text)
    if out is None and problem is None:
        return  # cannot happen for a str, but None/None is the "no lyrics" answer
    _lyrics_contract(out, problem)


def test_huge_lyrics_file_is_refused_unread(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"la " * (MAX_LYRICS_BYTES // 3 + 10))
    text, problem = read_lyrics_file(path)
    assert text is None and problem.startswith("file too large")


# ----------------------------------------------------------------------------------------------
# Folder and GTZAN loaders
# ----------------------------------------------------------------------------------------------
CONTENT = st.sampled_from(["good", "empty", "random", "truncated", "text", "unreadable", "fifo"])
AUDIO_EXT = st.sampled_from([".wav", ".WAV", ".flac", ".mp3", ".ogg", ".au", ".txt", ".m4a", ".jpg", ""])


def _write(path: Path, content: str, rng_bytes: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if content == "fifo":
        os.mkfifo(path)
        return
    data = {"good": GOOD_WAV, "empty": b"", "random": rng_bytes or b"\x01",
            "truncated": GOOD_WAV[:60], "text": "la la la".encode(), "unreadable": GOOD_WAV}[content]
    path.write_bytes(data)
    if content == "unreadable":
        path.chmod(0)


FILES = st.lists(st.tuples(st.lists(names, max_size=2), names, AUDIO_EXT, CONTENT, st.binary(max_size=64)),
                 max_size=8)


def _build_tree(root: Path, files, loop: bool, empty_dirs: int) -> list:
    written = []
    for parts, stem, ext, content, raw in files:
        path = root.joinpath(*parts, stem + ext)
        if path.exists() or any(p.is_file() for p in path.parents if root in p.parents):
            continue
        try:
            _write(path, content, raw)
        except (OSError, UnicodeEncodeError):
            continue
        written.append((path, content))
    if loop:
        (root / "loop").mkdir(exist_ok=True)
        os.symlink("..", root / "loop" / "back")
        os.symlink(root / "good-link.wav", root / "good-link.wav") if not (root / "good-link.wav").exists() else None
    for i in range(empty_dirs):
        (root / f"empty{i}").mkdir(exist_ok=True)
    return written


def _audio_accounted(ds, root: Path, written) -> None:
    """Every audio-named file that is not a track is named in the problems."""
    tracks = {str(Path(a).resolve()) for a in ds.tracks["audio_path"] if isinstance(a, str)}
    text = problem_paths(ds)
    for path, _ in written:
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or path.suffix.lower() not in (
                ".wav", ".flac", ".mp3", ".ogg", ".au"):
            continue
        assert str(path.resolve()) in tracks or str(rel) in text, f"{rel} is neither a track nor a problem"


def _chmod_back(root: Path) -> None:
    for dirpath, _, filenames in os.walk(root):
        for n in filenames:
            p = Path(dirpath) / n
            if p.is_file() and not p.is_symlink():
                p.chmod(0o644)


@given(files=FILES, loop=st.booleans(), empty_dirs=st.integers(0, 2))
def test_folder_gives_a_dataset_with_every_problem_named_or_a_named_error(files, loop, empty_dirs):
    with tempfile.TemporaryDirectory() as t:
        root = Path(t) / "my music"
        root.mkdir()
        written = _build_tree(root, files, loop, empty_dirs)
        before = tree(Path(t))
        try:
            try:
                ds = load_folder(root)
            except WorkbenchError as exc:
                assert isinstance(exc, DatasetError)
                assert_named(exc, "my music")
            else:
                _audio_accounted(ds, root, written)
                assert len(set(ds.tracks["track_id"])) == len(ds.tracks)
            try:
                load_dataset(root)                  # auto-detection must not crash either
            except WorkbenchError as exc:
                assert_named(exc, "my music", str(root))
            assert tree(Path(t)) == before
        finally:
            _chmod_back(root)


@given(files=st.lists(st.tuples(st.sampled_from(["blues", "jazz", "Rock", "hip hop", "é"]),
                                st.sampled_from(["blues", "jazz", "rock", "x", "é"]), st.integers(0, 99999),
                                st.sampled_from([".wav", ".au", ".mp3", ""]), CONTENT, st.binary(max_size=32),
                                st.booleans()),
                      max_size=8),
       loop=st.booleans())
def test_gtzan_gives_a_dataset_with_every_problem_named_or_a_named_error(files, loop):
    with tempfile.TemporaryDirectory() as t:
        root = Path(t) / "gtzan"
        root.mkdir()
        written = []
        for folder, genre, num, ext, content, raw, hidden in files:
            path = root / folder / f"{'.' if hidden else ''}{genre}.{num:05d}{ext}"
            if not path.exists():
                _write(path, content, raw)
                written.append((path, content))
        if loop:
            os.symlink(".", root / "self")
        before = tree(Path(t))
        try:
            try:
                ds = load_gtzan(root)
            except WorkbenchError as exc:
                assert isinstance(exc, DatasetError)
                assert_named(exc, str(root))
            else:
                _audio_accounted(ds, root, written)
                assert len(set(ds.tracks["track_id"])) == len(ds.tracks)
            assert tree(Path(t)) == before
        finally:
            _chmod_back(root)


# ----------------------------------------------------------------------------------------------
# The zip upload
# ----------------------------------------------------------------------------------------------
MEMBER_NAME = st.one_of(
    st.sampled_from(["a.wav", "music/rock/a.wav", "../evil.wav", "../../evil.txt", "/abs.wav", "C:/x.wav",
                     "C:\\win.wav", "music\\jazz\\b.wav", "music/../../evil.wav", "./a.wav", "a/./b.wav",
                     "music/", "a.wav/b.wav", "é/漢.wav", "sp ace/x y.wav", ".hidden.wav", "__MACOSX/._a.wav",
                     "nested.zip", "a" * 300 + ".wav", "x/" * 40 + "deep.wav", "a\x00b.wav", "con.wav",
                     ".problems.json", ".problems.json/x.wav", "tab\there.wav", "new\nline.wav", "../t\tab.wav"]),
    st.lists(names, min_size=1, max_size=3).map("/".join),
)
MEMBER_KIND = st.sampled_from(["good", "text", "random", "zeros", "symlink", "nested"])


def _member_bytes(kind: str, raw: bytes) -> bytes:
    if kind == "nested":
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w") as z:
            z.writestr("inner/../../evil.wav", GOOD_WAV)
        return inner.getvalue()
    return {"good": GOOD_WAV, "text": b"la la la", "random": raw, "truncated": GOOD_WAV[:60], "zeros": b"\x00" * (3 << 20),
            "symlink": b"../../../etc/passwd"}.get(kind, raw)


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")   # duplicates are what is tested
@given(members=st.lists(st.tuples(MEMBER_NAME, MEMBER_KIND, st.binary(max_size=40),
                                  st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])), max_size=8),
       many_small=st.integers(0, 60), utf8_flag=st.booleans())
def test_zip_upload_unpacks_inside_its_folder_or_refuses_with_a_named_error(members, many_small, utf8_flag):
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        dest = tmp / "uploads"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, kind, raw, method in members:
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED if kind == "zeros" else method
                if kind == "symlink":
                    info.external_attr = (stat.S_IFLNK | 0o777) << 16
                if not utf8_flag:
                    try:
                        name.encode("ascii")
                    except UnicodeEncodeError:
                        continue
                try:
                    z.writestr(info, _member_bytes(kind, raw))
                except (UnicodeEncodeError, ValueError):
                    continue
            for i in range(many_small):
                z.writestr(f"small/{i}.txt", b"x")
        limits = UploadLimits(max_files=50)
        try:
            folder, problems = unpack_zip(buf.getvalue(), dest, limits, archive_name="mine é.zip")
        except WorkbenchError as exc:
            assert isinstance(exc, DatasetError)
            assert_named(exc, "mine é.zip")
            assert not dest.exists() or all(not p.name.startswith(".upload-") for p in dest.iterdir())
            assert {p.name for p in tmp.iterdir()} <= {"uploads"}
            return
        # nothing outside dest, no temporary folder left, every file inside the upload's own folder
        assert {p.name for p in tmp.iterdir()} == {"uploads"}
        (own,) = [p for p in dest.iterdir()]
        assert own.name.startswith("upload-") and (folder == own or own in folder.parents)
        for dirpath, dirnames, filenames in os.walk(own):
            for n in dirnames + filenames:
                p = Path(dirpath) / n
                assert not p.is_symlink(), p
                assert own.resolve() in p.resolve().parents
        for p in problems:
            assert p.path.startswith("mine é.zip:") and p.reason
        # the unpacked folder then loads as a dataset or gives a named error
        try:
            ds = load_dataset(folder)
        except WorkbenchError as exc:
            assert_named(exc, folder.name, str(folder))
        else:
            assert len(ds.tracks) >= 1
        # a second upload of the same bytes reuses the folder and the problem list
        folder2, problems2 = unpack_zip(buf.getvalue(), dest, limits, archive_name="mine é.zip")
        assert folder2 == folder and [(p.path, p.reason) for p in problems2] == [(p.path, p.reason) for p in problems]


# ----------------------------------------------------------------------------------------------
# Audio decoding
# ----------------------------------------------------------------------------------------------
def _encoded(fmt: str, seconds: float) -> bytes:
    buf = io.BytesIO()
    subtype = {"WAV": "PCM_16", "FLAC": "PCM_16", "OGG": "VORBIS", "AU": "PCM_16", "MP3": "MPEG_LAYER_III"}[fmt]
    y = song_like(1, seconds=seconds)
    sf.write(buf, y, SR, format=fmt, subtype=subtype)
    return buf.getvalue()


ENCODED = {fmt: _encoded(fmt, 1.0) for fmt in ("WAV", "FLAC", "OGG", "AU", "MP3")}


@given(fmt=st.sampled_from(sorted(ENCODED)), cut=st.floats(0, 1), payload=st.sampled_from(["keep", "random", "zeros",
                                                                                           "nan"]),
       ext=st.sampled_from([".wav", ".flac", ".ogg", ".au", ".mp3", ".txt", ""]), seed=st.integers(0, 2**16))
def test_audio_decode_gives_finite_samples_or_an_error_naming_the_file(fmt, cut, payload, ext, seed):
    data = bytearray(ENCODED[fmt])
    head = min(len(data), 64)
    rng = np.random.default_rng(seed)
    if payload == "random":
        data[head:] = rng.integers(0, 256, len(data) - head, dtype=np.uint8).tobytes()
    elif payload == "zeros":
        data[head:] = bytes(len(data) - head)
    elif payload == "nan" and fmt == "WAV":
        buf = io.BytesIO()
        y = np.full(SR, np.nan, dtype=np.float32)
        sf.write(buf, y, SR, format="WAV", subtype="FLOAT")
        data = bytearray(buf.getvalue())
    data = bytes(data[: int(len(data) * cut)])
    with tempfile.TemporaryDirectory() as t:
        path = Path(t) / f"clip é{ext}"
        path.write_bytes(data)
        probe = check_audio_file(path)                        # header check: never raises
        assert (probe.reason is None) or probe.hint
        try:
            y = load_audio(path, AudioConfig())
        except AudioDecodeError as exc:
            assert str(path) in str(exc) and exc.reason
        else:
            assert y.dtype == np.float32 and y.ndim == 1 and y.size > 0 and np.all(np.isfinite(y))


# ----------------------------------------------------------------------------------------------
# Rule set (de)serialisation and URL query parameters
# ----------------------------------------------------------------------------------------------
QUERY_KEYS = ["ds", "algo", "fusion", "k", "seed", "proj", "dims", "color", "track", "layer", "base", "soft", "clip_lo",
              "clip_hi", "hard_nolyrics", "hard_badaudio", "hard_novoice", "aq_floor", "voice_floor", "junk",
              "t.", "d."] + [f"{p}.{r}" for r in DEFAULT_RULES.rule_names for p in "td"] + ["t.nope"]
QUERY_VALUES = st.one_of(
    st.sampled_from(["0", "1", "-1", "2", "3", "0.5", "1e308", "-1e308", "inf", "-inf", "nan", "NaN", "", " 1 ",
                     "kmeans", "hdbscan", "graph", "umap", "pca", "midend", "1_0", "٣", "0x10", "1e-400", "10" * 30]),
    st.text(max_size=12),
)


@given(params=st.dictionaries(st.sampled_from(QUERY_KEYS), QUERY_VALUES, max_size=10))
def test_any_query_parameters_give_valid_settings_and_round_trip(params):
    view, warnings = from_query(params)
    assert isinstance(view, ViewSettings) and validate_view(view) == ""
    assert all(isinstance(w, str) and w for w in warnings)
    rs = view.ruleset
    for value in (rs.base_weight, rs.audio_quality_floor, rs.voice_floor, *rs.clip,
                  *(r.threshold for r in rs.rules), *(r.delta for r in rs.rules)):
        assert np.isfinite(value), f"non-finite value accepted from {params}"
    again, warnings2 = from_query(to_query(view))
    assert again == view and warnings2 == []


@given(params=st.dictionaries(st.sampled_from(QUERY_KEYS), QUERY_VALUES, max_size=10))
def test_a_rule_set_from_any_link_is_json_and_rebuilds_equal(params):
    rs = from_query(params)[0].ruleset
    text = json.dumps(ruleset_to_dict(rs), allow_nan=False)
    d = json.loads(text)
    rebuilt = RuleSet(**{**d, "rules": tuple(Rule(**r) for r in d["rules"]), "clip": tuple(d["clip"])})
    assert rebuilt == rs


JUNK = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
                 st.text(max_size=5), st.lists(st.floats(-2, 2), max_size=3), st.just(object()))


@given(field=st.sampled_from([f for f in RuleSet._parameter_constraints]), value=JUNK)
def test_a_rule_set_with_any_field_value_is_valid_or_a_parameter_error(field, value):
    try:
        rs = DEFAULT_RULES.with_changes(**{field: value})
    except WorkbenchError as exc:
        assert field in str(exc)
    else:
        assert hash(rs) is not None


@given(field=st.sampled_from(["name", "indicator", "op", "threshold", "delta", "soft_width", "description"]),
       value=JUNK)
def test_a_rule_with_any_field_value_is_valid_or_a_parameter_error(field, value):
    base = dict(name="r", indicator="vocal_presence", op=">", threshold=0.5, delta=0.1)
    try:
        Rule(**{**base, field: value})
    except WorkbenchError as exc:
        assert field in str(exc)


# ----------------------------------------------------------------------------------------------
# The features file (Parquet or CSV of per-track embeddings)
# ----------------------------------------------------------------------------------------------
FEATURE_COLUMNS = st.sampled_from(["audio_0", "audio_1", "audio_2", "lyrics_0", "lyrics_1", "audio", "lyrics",
                                   "track_id", "genre", "label", "title", "audio_path", "language", "audio_quality",
                                   "loudness_dbfs", "vocal_presence_audio", "audio_available", "has_voice",
                                   "", " audio_0 ", "AUDIO_0", "audio_é漢", "lyrics_😀", "audio_", "0", "nan",
                                   "audio_0.1", "x,y", 'q"uote'])
FEATURE_CELL = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.0, -1.0, 1e308, -1e308, 3.5e38, 1e39, float("nan"), float("inf"), float("-inf")]),
    st.integers(-2**70, 2**70),
    st.sampled_from(["", " ", "nan", "NaN", "inf", "-inf", "1e999", "0x10", "1,5", "abc", "é漢😀", "\x00", "\n",
                     '"', "t1", "t1", "row1", "rock", "../../etc/passwd", "/dev/null", "true", "None"]),
    st.text(max_size=8),
    st.none(),
    st.booleans(),
)
VECTOR_CELL = st.one_of(st.none(), st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), max_size=4))
FEATURE_ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])


def _csv_cell(v) -> str:
    return "" if v is None else repr(v) if isinstance(v, float) else str(v)


def _feature_file_contract(path: Path, tmp: Path) -> None:
    """Load, extract and prepare ``path``: a dataset whose problems name the file and whose features are
    finite, or a WorkbenchError naming the file; nothing written beside the file."""
    from core.datasets.features_file import load_features_file
    from core.experiments import prepare
    from core.features.extract import extract_features
    from core.features.given import _MEMO
    _MEMO.clear()
    before = tree(tmp)
    try:
        ds = load_features_file(path)
        fs, _ = extract_features(ds)
    except WorkbenchError as exc:
        assert isinstance(exc, DatasetError), repr(exc)
        assert_named(exc, path.name, str(path))
        assert "Traceback" not in str(exc)
    else:
        assert ds.kind == "features" and ds.n_tracks >= 1
        assert len(set(ds.track_ids)) == ds.n_tracks
        for p in ds.problems:
            assert p.path == path.name and p.reason, (p.path, p.reason)
        for block in (fs.audio, fs.lyrics):
            assert np.isfinite(block).all()
        try:  # past the door: too few usable tracks is prepare's own error (it names the counts, not a file)
            prepared = prepare(fs)
        except WorkbenchError as exc:
            assert "Nothing usable to cluster" in str(exc) or "track" in str(exc), repr(exc)
        else:
            assert np.isfinite(prepared.embeddings.audio).all() and np.isfinite(prepared.embeddings.lyrics).all()
    assert tree(tmp) == before, "reading a features file wrote beside it"


@given(header=st.lists(FEATURE_COLUMNS, min_size=0, max_size=7),
       rows=st.lists(st.lists(FEATURE_CELL, max_size=8), max_size=5),
       encoding=FEATURE_ENCODING, raw_tail=st.binary(max_size=8), quote_all=st.booleans())
def test_features_csv_gives_a_dataset_or_a_named_error(header, rows, encoding, raw_tail, quote_all):
    """Any header, any cells (NaN, inf, huge, text, empty), ragged rows, duplicate ids, any encoding."""
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        text = _csv_text(header, [[_csv_cell(v) for v in r] for r in rows], quote_all)
        path = tmp / "feats.csv"
        path.write_bytes(text.encode(encoding, errors="replace") + raw_tail)
        _feature_file_contract(path, tmp)


def _parquet_bytes(columns: dict) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


@given(names=st.lists(FEATURE_COLUMNS, min_size=1, max_size=6, unique=True),
       n=st.integers(0, 5), data=st.data(), cut=st.one_of(st.none(), st.floats(0, 1)))
def test_features_parquet_gives_a_dataset_or_a_named_error(names, n, data, cut):
    """Typed Parquet columns (numbers, text, vectors of any width), and the same bytes cut short."""
    import pyarrow as pa
    columns = {}
    for name in names:
        kind = data.draw(st.sampled_from(["float", "int", "text", "vector", "bool"]), label=name)
        if kind == "float":
            values = data.draw(st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
                                        min_size=n, max_size=n))
            columns[name] = pa.array(values, type=pa.float64())
        elif kind == "int":
            columns[name] = pa.array(data.draw(st.lists(st.integers(-2**63, 2**63 - 1), min_size=n, max_size=n)),
                                     type=pa.int64())
        elif kind == "text":
            columns[name] = pa.array(data.draw(st.lists(st.one_of(st.none(), st.text(max_size=6),
                                                                  st.sampled_from(["t1", "1.5", "inf", ""])),
                                                        min_size=n, max_size=n)), type=pa.string())
        elif kind == "vector":
            columns[name] = pa.array(data.draw(st.lists(VECTOR_CELL, min_size=n, max_size=n)),
                                     type=pa.list_(pa.float32()))
        else:
            columns[name] = pa.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), type=pa.bool_())
    raw = _parquet_bytes(columns)
    if cut is not None:
        raw = raw[:int(len(raw) * cut)]
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        path = tmp / "feats.parquet"
        path.write_bytes(raw)
        _feature_file_contract(path, tmp)


@given(n_dupes=st.integers(2, 4), fmt=st.sampled_from(["csv", "parquet"]))
def test_features_file_duplicate_ids_are_named(n_dupes, fmt):
    import pandas as pd
    frame = pd.DataFrame({"track_id": ["same"] * n_dupes + ["other"], "audio_0": np.arange(n_dupes + 1.0),
                          "audio_1": np.ones(n_dupes + 1)})
    with tempfile.TemporaryDirectory() as t:
        path = Path(t) / f"dupes.{fmt}"
        frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path)
        from core.datasets.features_file import load_features_file
        from core.features.given import _MEMO
        _MEMO.clear()
        with pytest.raises(DatasetError, match="duplicate track_id 'same'") as info:
            load_features_file(path)
        assert_named(info.value, path.name)


# ----------------------------------------------------------------------------------------------
# What the fuzzers found, kept as explicit regression tests
# ----------------------------------------------------------------------------------------------
def test_regression_query_threshold_with_more_than_six_digits_round_trips():
    """to_query wrote floats with 6 significant digits, so a link restored a different threshold."""
    params = {"t.voice_present": "0.10101010105", "t.loud": "-10101.010105", "base": "0.123456789"}
    view, warnings = from_query(params)
    assert warnings == []
    assert view.ruleset.get_rule("voice_present").threshold == 0.10101010105
    assert view.ruleset.get_rule("loud").threshold == -10101.010105
    again, _ = from_query(to_query(view))
    assert again == view and again.ruleset.base_weight == 0.123456789
    assert to_query(ViewSettings())["ds"] == "builtin" and "base" not in to_query(ViewSettings())


@pytest.mark.parametrize("fmt", ["csv", "parquet-columns", "parquet-vector"])
def test_regression_features_value_beyond_float32_is_named_as_too_large_not_infinite(tmp_path, fmt):
    """1e39 is a finite number the file gives; stored as float32 it became inf, and the message said
    "infinite value" with a RuntimeWarning from the cast."""
    import pandas as pd

    from core.datasets.features_file import load_features_file
    frame = (pd.DataFrame({"audio": [[1.0, 2.0], [3.0, 1e39], [0.0, 1.0]]}) if fmt == "parquet-vector" else
             pd.DataFrame({"audio_0": [1.0, 1e39, 2.0], "audio_1": [0.0, 1.0, 2.0]}))
    path = tmp_path / ("feats.csv" if fmt == "csv" else "feats.parquet")
    frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(DatasetError, match=r"value 1e\+39 in row 2 \(column 'audio(_0|\[1\])'\) is too large") \
                as info:
            load_features_file(path)
    assert_named(info.value, path.name)


def test_regression_features_infinite_cell_is_still_named_as_infinite(tmp_path):
    import pandas as pd

    from core.datasets.features_file import load_features_file
    path = tmp_path / "feats.csv"
    pd.DataFrame({"audio_0": [1.0, float("-inf"), 2.0]}).to_csv(path, index=False)
    with pytest.raises(DatasetError, match=r"feats.csv: audio embedding has an infinite value in row 2"):
        load_features_file(path)


def _zip_of(names) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            z.writestr(n, GOOD_WAV)
    return buf.getvalue()


def test_regression_zip_member_where_the_problem_list_goes_is_named_not_a_traceback(tmp_path):
    """A member folder named like the file that keeps an upload's problems made writing it raise a raw
    IsADirectoryError after the folder was already in place (so a re-upload showed no problems)."""
    data = _zip_of(["music/a.wav", ".problems.json/x.wav", "../evil.wav"])
    folder, problems = unpack_zip(data, tmp_path / "up", archive_name="mine.zip")
    assert folder.name == "music" and (folder / "a.wav").is_file()
    assert {(p.path, p.reason) for p in problems} == {
        ("mine.zip:.problems.json/x.wav", "name reserved by the workbench"),
        ("mine.zip:../evil.wav", "path escapes the upload folder (..)")}
    _, again = unpack_zip(data, tmp_path / "up", archive_name="mine.zip")
    assert again == problems


def test_regression_zip_member_names_with_tabs_and_newlines_keep_their_problems_on_reupload(tmp_path):
    """The problem list was saved as tab-separated lines: a member name holding a tab or a newline
    came back split into the wrong fields when the same zip was uploaded again."""
    data = _zip_of(["good.wav", "../t\tab.wav", "../new\nline.wav"])
    _, first = unpack_zip(data, tmp_path / "up", archive_name="mine.zip")
    assert {p.path for p in first} == {"mine.zip:../t\tab.wav", "mine.zip:../new\nline.wav"}
    _, again = unpack_zip(data, tmp_path / "up", archive_name="mine.zip")
    assert again == first
    (own,) = (tmp_path / "up").iterdir()
    assert sorted(p.name for p in own.iterdir()) == [".problems.json", "good.wav"]   # no temporary left


def test_regression_utf32_manifest_is_read(tmp_path):
    """A UTF-32 manifest (with its byte-order mark) was decoded as UTF-16 and refused as binary data."""
    (tmp_path / "a.wav").write_bytes(GOOD_WAV)
    (tmp_path / "m.csv").write_bytes("audio_path,lyrics\na.wav,la la é\n".encode("utf-32"))
    ds = load_manifest(tmp_path / "m.csv")
    assert list(ds.tracks["lyrics"]) == ["la la é"] and ds.problems == []


def test_regression_manifest_of_junk_bytes_is_binary_not_utf16_mojibake(tmp_path):
    """A manifest holding a header then NUL and 0xff bytes was decoded as BOM-less UTF-16, so the message
    listed CJK mojibake as its columns. It is binary data; BOM-less UTF-16 of ASCII text still reads."""
    (tmp_path / "a.wav").write_bytes(GOOD_WAV)
    (tmp_path / "junk.csv").write_bytes(b"audio_path,genre\n\x00\xff\xfe\x00garbage\xff\n")
    with pytest.raises(DatasetError, match=r"^Manifest junk.csv contains binary data \(NUL bytes\)"):
        load_manifest(tmp_path / "junk.csv")
    (tmp_path / "le.csv").write_bytes("audio_path,genre\na.wav,rock\n".encode("utf-16-le"))  # no BOM
    ds = load_manifest(tmp_path / "le.csv")
    assert list(ds.tracks["audio_path"].map(lambda p: Path(p).name)) == ["a.wav"] and list(ds.labels) == ["rock"]


def test_regression_manifest_field_over_the_csv_limit_is_named_as_too_long(tmp_path):
    """A cell over 131,072 characters was reported as "bad CSV quoting ... fix the quotes"."""
    (tmp_path / "a.wav").write_bytes(GOOD_WAV)
    (tmp_path / "m.csv").write_text("audio_path,lyrics\na.wav," + "la " * 50_000 + "\na.wav,ok words\n")
    ds = load_manifest(tmp_path / "m.csv")
    assert len(ds.tracks) == 1
    (p,) = [p for p in ds.problems if p.path == "m.csv:line 2"]
    assert p.reason == "a field is longer than 131,072 characters" and "lyrics_path" in p.hint


def test_regression_named_pipes_are_named_not_waited_on(tmp_path):
    """A named pipe as lyrics (beside audio, or a manifest's lyrics_path) or as audio made the
    loader and the decoder wait forever on open()."""
    root = tmp_path / "music"
    (root / "rock").mkdir(parents=True)
    (root / "rock" / "a.wav").write_bytes(GOOD_WAV)
    os.mkfifo(root / "rock" / "a.txt")
    os.mkfifo(root / "rock" / "b.wav")
    ds = load_folder(root)
    assert list(ds.tracks["track_id"]) == ["rock/a"] and ds.tracks["lyrics"].iloc[0] is None
    assert {(p.path, p.reason) for p in ds.problems} == {
        ("rock/a.txt", "not a regular file (a named pipe or a device)"),
        ("rock/b.wav", "not a regular file (a named pipe or a device)")}
    (root / "m.csv").write_text("audio_path,lyrics_path\nrock/a.wav,rock/a.txt\n")
    ds = load_manifest(root / "m.csv")
    assert [p.reason for p in ds.problems] == ["not a regular file (a named pipe or a device)"]
    with pytest.raises(AudioDecodeError, match="b.wav: not a regular file"):
        load_audio(root / "rock" / "b.wav")


def test_regression_unreadable_folders_as_nobody_are_named():
    """As a user who may not list a sub-folder: the folder loader skipped it without a word (os.walk
    swallows the error), and the GTZAN loader and auto-detection raised a raw PermissionError."""
    from tests.test_bad_input import run_as_nobody, world_tempdir
    import shutil
    home = world_tempdir()
    try:
        music, gtzan, locked = home / "music", home / "gtzan", home / "locked"
        for path in (music / "rock" / "a.wav", music / "shut" / "b.wav", gtzan / "blues" / "blues.00000.wav",
                     gtzan / "jazz" / "jazz.00000.wav", locked / "c.wav"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(GOOD_WAV)
        for path in [home, *home.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        for shut in (music / "shut", gtzan / "jazz", locked):
            shut.chmod(0)
        code = f"""
import json
from core.datasets import load_dataset
from core.errors import WorkbenchError
out = {{}}
for name in ("music", "gtzan", "locked"):
    try:
        ds = load_dataset({str(home)!r} + "/" + name)
        out[name] = [ds.kind, list(ds.tracks["track_id"]), [[p.path, p.reason] for p in ds.problems]]
    except WorkbenchError as exc:
        out[name] = ["error", type(exc).__name__, str(exc)]
print(json.dumps(out))
"""
        result = run_as_nobody(code, home)
    finally:
        for shut in (music / "shut", gtzan / "jazz", locked):
            shut.chmod(0o755)
        shutil.rmtree(home, ignore_errors=True)
    assert result["music"] == ["folder", ["rock/a"], [["shut", "folder cannot be read (Permission denied)"]]]
    assert result["gtzan"] == ["gtzan", ["blues.00000"], [["jazz", "folder cannot be read (Permission denied)"]]]
    kind, error, message = result["locked"]
    assert kind == "error" and error == "DatasetError" and "locked" in message and "Permission denied" in message


def test_regression_gtzan_named_pipe_is_named_and_clip_ids_stay_unique(tmp_path):
    """Found by the long profile: a named pipe named like a clip vanished without a word, and the
    same clip number as .wav and .au (or in two genre folders differing in case) gave two tracks
    with one id."""
    for rel in ("blues/blues.00000.wav", "blues/blues.00000.au", "Blues/blues.00000.wav"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_bytes(GOOD_WAV)
    os.mkfifo(tmp_path / "blues" / "blues.00001.wav")
    ds = load_gtzan(tmp_path)
    assert list(ds.tracks["track_id"]) == ["blues.00000", "blues.00000#2", "blues.00000#3"]
    reasons = {(p.path, p.reason) for p in ds.problems}
    assert ("blues/blues.00001.wav", "not a regular file") in reasons
    assert ("blues/blues.00000.wav", "another clip already has the id 'blues.00000'") in reasons


# ----------------------------------------------------------------------------------------------
# The same bad inputs through the Dataset page's zip upload (AppTest): a message, never a traceback
# ----------------------------------------------------------------------------------------------
def _zip(members: list, many_small: int = 0) -> bytes:
    """``members``: (name, kind) with kind as in the zip fuzzer (good, text, random, zeros, symlink, nested)."""
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as z:
        warnings.simplefilter("ignore", UserWarning)              # a duplicate member name is the point
        for name, kind in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if kind == "symlink":
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, _member_bytes(kind, b"\x07junk" * 8))
        for i in range(many_small):
            z.writestr(f"mine/small/{i}.txt", b"x")
    return buf.getvalue()


_MANIFEST_UTF32 = "track_id,audio_path,lyrics\nm1,audio/a.wav,la la\nm1,audio/a.wav,again\n" \
                  "m2,../../etc/passwd,\nm3,/dev/null,\nm4,audio/b.wav,\"open quote\n".encode("utf-32")
PAGE_CASES = {
    # name: (archive bytes, what the page must say)
    "unsafe members": (_zip([("mine/rock/a.wav", "good"), ("mine/rock/b.wav", "good"), ("../evil.wav", "good"),
                             ("/abs.wav", "good"), ("mine\\..\\..\\win.wav", "good"), ("mine/link.wav", "symlink"),
                             ("mine/inner.zip", "nested"), ("mine/rock/a.wav", "text"),
                             (".problems.json/x.wav", "good"), ("mine/tab\there.txt", "text")], many_small=30),
                       ["path escapes the upload folder", "absolute path in the archive",
                        "symbolic link in the archive", "a second member with the same name",
                        "name reserved by the workbench"]),
    "zip bomb": (_zip([("mine/a.wav", "good"), ("mine/zeros.wav", "zeros")]), ["looks like a zip bomb"]),
    "only broken audio": (_zip([("mine/rock/a.wav", "random"), ("mine/rock/b.wav", "text"),
                                ("mine/rock/c.flac", "random")]), ["No usable audio files"]),
}


def _zip_manifest(manifest: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("set/audio/a.wav", GOOD_WAV)     # audio in a sub-folder: the set is read as a manifest
        z.writestr("set/audio/b.wav", GOOD_WAV)
        z.writestr("set/manifest.csv", manifest)
    return buf.getvalue()


PAGE_CASES["manifest in UTF-32 with bad rows"] = (_zip_manifest(_MANIFEST_UTF32),
                                                  ["path points outside the uploaded folder", "duplicate track_id"])


@pytest.mark.parametrize("case", sorted(PAGE_CASES))
def test_bad_zip_through_the_dataset_page_gives_a_message_not_a_traceback(case):
    from streamlit.testing.v1 import AppTest

    from core.paths import REPO_ROOT, data_dir
    data, expected = PAGE_CASES[case]
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180).run()
    at.file_uploader[0].set_value((f"{case}.zip", data, "application/zip")).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join([e.value for e in at.error] + [w.value for w in at.warning] + [
        "\n".join(map(str, d.value.to_numpy().ravel())) for d in at.dataframe if "problem" in d.value.columns])
    for text in expected:
        assert text in shown, f"{text!r} not shown for {case}: {shown[:2000]}"
    assert "Traceback" not in shown
    assert not any(p.name.startswith(".upload-") for p in (data_dir() / "uploads").glob("*"))
    assert not (data_dir() / "evil.wav").exists() and not (data_dir() / "abs.wav").exists()
