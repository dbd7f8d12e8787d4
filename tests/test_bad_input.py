"""Bad input that loses nothing: a corpus of broken files, manifests and zips, built by the tests.

Each kind of bad input gets its own test, which checks that the message names the file and says what
is wrong and what to do, that the problem is listed in the command line's summary
(``core.__main__.main(["extract", ...])``) and in the app's problem table (``app_pages/dataset.py``
through ``streamlit.testing.v1.AppTest``), that every good track is still there, and that no
traceback reaches a user. The command line exits non-zero only when nothing usable remains.

Unreadable files are made real even when the tests run as root (where ``chmod 000`` does not stop a
read): a subprocess drops its privileges to ``nobody`` before it starts and reads a world-readable
copy of a dataset in which one file is ``chmod 000``.

Durability: an extraction killed with SIGKILL at random moments, then run again, gives features
bit-identical to an uninterrupted run, with no half-written cache entry ever read; two extractions
of one dataset at once both succeed, give identical features and extract each clip only once.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.__main__ import main
from core.datasets import load_dataset
from core.datasets.upload import unpack_zip
from core.errors import DatasetError
from core.features.cache import FeatureCache
from core.features.extract import extract_features
from core.features.featureset import FeatureSet
from core.paths import REPO_ROOT
from tests.audio_fixtures import SR, song_like, write_clip

APP = str(REPO_ROOT / "app.py")
NOBODY = 65534
#: The per-file audio size limit the corpus runs under (MiB); huge.wav (about 0.5 MiB) is over it.
LIMIT_MB = "0.3"


# ----------------------------------------------------------------------------------------------
# Helpers: the command line in this process, the app, a process running as nobody
# ----------------------------------------------------------------------------------------------
def run_cli(args: list) -> tuple[int, str, str]:
    """``python -m core <args>`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def run_app(path: Path | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if path is not None:
        at.session_state["dataset_source"] = "path"
        at.session_state["dataset_path"] = str(path)
    return at.run()


def problem_table(at: AppTest) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if "problem" in d.value.columns]
    return frames[0] if frames else pd.DataFrame(columns=["file", "problem", "what happens", "stage"])


def _world_accessible(path: str) -> bool:
    """True when a user who is neither owner nor group can reach and execute ``path``."""
    path = os.path.realpath(path)
    if not os.stat(path).st_mode & stat.S_IXOTH:
        return False
    parent = os.path.dirname(path)
    while parent and parent != "/":
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            return False
        parent = os.path.dirname(parent)
    return True


def _interpreter() -> str:
    """This Python, or the system's Python of the same version when this one sits in a folder that
    other users cannot enter (a pyenv under /root); this venv's packages are added to its path."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for exe in (sys.executable, f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"):
        if os.path.exists(exe) and _world_accessible(exe):
            return exe
    raise AssertionError(f"no Python {version} that user {NOBODY} may run; cannot test unreadable files as root")


def _drop_privileges() -> None:  # runs in the child between fork and exec
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def world_tempdir() -> Path:
    """A fresh folder under the system temp dir that any user can enter (pytest's tmp_path cannot)."""
    folder = Path(tempfile.mkdtemp(prefix="workbench-nobody-"))
    folder.chmod(0o777)
    return folder


def _share_numba_cache(home: Path) -> None:
    """Copy the numba cache this user already compiled (``__pycache__/*.nbi|nbc`` beside the sources
    of ``core/features`` and librosa) to where numba looks for it when ``NUMBA_CACHE_DIR`` is
    ``home/numba``: nobody cannot write in-tree caches and would otherwise compile every kernel again
    (about 20 s here). Only a matter of speed: if numba finds nothing there, it compiles."""
    import hashlib

    import librosa

    import core.features.audio
    sources = {Path(core.features.audio.__file__).parent, *Path(librosa.__file__).parent.rglob("__pycache__")}
    for folder in sources:
        folder = folder.parent if folder.name == "__pycache__" else folder
        compiled = [*folder.glob("__pycache__/*.nbi"), *folder.glob("__pycache__/*.nbc")]
        if not compiled:
            continue
        dst = home / "numba" / f"{folder.name}_{hashlib.sha1(str(folder).encode()).hexdigest()}"
        dst.mkdir(parents=True, exist_ok=True)
        for f in compiled:
            shutil.copy(f, dst)
    for path in [home / "numba", *(home / "numba").rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)


def run_as_nobody(code: str, home: Path, env: dict | None = None, timeout: float = 300) -> dict:
    """Run ``code`` in a Python subprocess as user ``nobody`` (when we are root) and return the JSON
    object it prints on its last stdout line. ``home`` must be world-writable."""
    prelude = (f"import site, sys\nsite.addsitedir({sysconfig.get_paths()['purelib']!r})\n"
               f"sys.path.insert(0, {str(REPO_ROOT)!r})\n")
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
                "NUMBA_CACHE_DIR": str(home / "numba"), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "PYTHONDONTWRITEBYTECODE": "1", "WORKBENCH_DATA_DIR": str(home / "data"),
                "WORKBENCH_CACHE_DIR": str(home / "cache"), **(env or {})}
    _share_numba_cache(home)
    proc = subprocess.run([_interpreter(), "-S", "-c", prelude + code], cwd=home, env=full_env,
                          capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_drop_privileges if os.geteuid() == 0 else None)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr[-3000:]


def bytes_named(folder: Path, raw_name: bytes) -> Path:
    """The path of a file in ``folder`` whose on-disk name is the bytes ``raw_name`` (os.fsdecode form)."""
    return Path(os.fsdecode(os.fsencode(str(folder)) + b"/" + raw_name))


# ----------------------------------------------------------------------------------------------
# The folder corpus: six good tracks with lyrics in four encodings, and every kind of bad file
# ----------------------------------------------------------------------------------------------
CAFE = "folk/" + "caf\\xe9"           # how the non-UTF-8 name b"caf\xe9" is shown and kept as a track id

#: Tracks that must come through with usable audio features.
GOOD_AUDIO = {"rock/a", "rock/b", "rock/c", "folk/d", "folk/e", "folk/f", "folk/f#2", "folk/disguised",
              "folk/mp3", CAFE, "rock/silent", "folk/clipped"}
LYRICS = {"rock/a": "we will rock\nyou tonight", "rock/b": "sing along\nthe river song",
          "rock/c": "café au lait\nmon amour", CAFE: "du café noir"}


def build_folder_corpus(root: Path) -> Path:
    rng = np.random.default_rng(0)
    clip = lambda seed: song_like(seed, seconds=1.5, tempo=80 + 15 * seed, pitch_hz=150 + 25 * seed)  # noqa: E731
    for seed, tid in enumerate(("rock/a", "rock/b", "rock/c", "folk/d", "folk/e", "folk/f")):
        write_clip(root / f"{tid}.wav", clip(seed), subtype="PCM_16")
    (root / "rock/a.txt").write_text("we will rock\r\nyou tonight\r\n", encoding="utf-8")
    (root / "rock/b.txt").write_bytes("sing along\nthe river song\n".encode("utf-16"))        # BOM + UTF-16
    (root / "rock/c.txt").write_bytes("café au lait\nmon amour\n".encode("latin-1"))
    (root / "folk/d.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + rng.bytes(400))            # binary junk
    (root / "folk/e.txt").write_bytes(b"")                                                      # empty lyrics
    write_clip(root / "folk/f.flac", clip(7), fmt="FLAC", subtype="PCM_16")                     # duplicate name
    (root / "rock/corrupt.wav").write_bytes(rng.bytes(6000))                                    # random bytes
    (root / "rock/empty.wav").write_bytes(b"")                                                  # 0 bytes
    write_clip(root / "rock/silent.wav", np.zeros(int(1.5 * SR), np.float32), subtype="PCM_16")
    write_clip(root / "rock/tiny.wav", clip(8)[:40], subtype="PCM_16")                          # < one frame
    square = np.sign(np.sin(2 * np.pi * 220 * np.arange(int(1.5 * SR)) / SR)).astype(np.float32)
    write_clip(root / "folk/clipped.wav", square, subtype="PCM_16")                             # all clipping
    write_clip(root / "folk/disguised.wav", clip(9), fmt="FLAC", subtype="PCM_16")              # FLAC named .wav
    write_clip(root / "folk/mp3.ogg", clip(10), fmt="MP3", subtype="MPEG_LAYER_III")            # MP3 named .ogg
    (root / "rock/song.m4a").write_bytes(b"\x00\x00\x00\x18ftypM4A \x00\x00\x02\x00" + bytes(200))
    (root / "rock/song.wma").write_bytes(bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c") + bytes(200))
    write_clip(root / "rock/huge.wav", song_like(11, seconds=6.0), subtype="FLOAT")             # ~0.5 MiB
    write_clip(root / "folk/plain.wav", clip(12), subtype="PCM_16")                             # non-UTF-8 name
    os.rename(root / "folk/plain.wav", bytes_named(root / "folk", b"caf\xe9.wav"))
    bytes_named(root / "folk", b"caf\xe9.txt").write_bytes("du café noir\n".encode("utf-8"))
    os.symlink(root / "rock/a.wav", root / "rock/link.wav")                                     # symlink
    return root


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    """The corpus, extracted once by the command line, then read back and shown by the app."""
    base = tmp_path_factory.mktemp("bad-folder")
    root = build_folder_corpus(base / "corpus")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_CACHE_DIR", str(base / "cache"))
        mp.setenv("WORKBENCH_DATA_DIR", str(base / "data"))
        mp.setenv("WORKBENCH_MAX_AUDIO_MB", LIMIT_MB)
        mp.setenv("HF_HUB_OFFLINE", "1")
        code, out, err = run_cli(["extract", str(root), "--jobs", "1"])
        ds = load_dataset(root)
        fs, rep = extract_features(ds, n_jobs=1)
        at = run_app(root)
    return {"root": root, "code": code, "out": out, "err": err, "ds": ds, "fs": fs, "rep": rep, "at": at,
            "table": problem_table(at)}


def _problem(run: dict, file: str, reason: str):
    """The one problem (load or extraction) naming ``file`` whose reason contains ``reason``."""
    found = [p for p in list(run["ds"].problems) + list(run["rep"].problems)
             if file in p.path and reason in p.reason]
    assert len(found) == 1, [str(p) for p in list(run["ds"].problems) + list(run["rep"].problems)]
    return found[0]


def _check_everywhere(run: dict, file: str, reason: str, hint: str) -> None:
    """The problem is in core's list with a hint, in the CLI summary, and in the app's table."""
    p = _problem(run, file, reason)
    assert hint in p.hint, p
    assert str(p) in run["out"], run["out"]
    table = run["table"]
    rows = table[(table["file"] == p.path) & (table["problem"] == p.reason)]
    assert len(rows) == 1 and rows["what happens"].iloc[0] == p.hint, table.to_string()


def _check_good_tracks(run: dict, good_audio=GOOD_AUDIO) -> None:
    fs = run["fs"]
    with_audio = {t for t, ok in zip(fs.track_ids, fs.audio_ok) if ok}
    assert good_audio <= with_audio, sorted(good_audio - with_audio)
    assert run["code"] == 0 and "usable tracks:" in run["out"]
    assert_no_traceback(run["err"])
    assert not run["at"].exception, [e.value for e in run["at"].exception]
    metrics = {m.label: m.value for m in run["at"].metric}
    assert metrics["Tracks"] == str(fs.n_tracks)


FOLDER_KINDS = {
    # kind: (file as shown, reason contains, hint contains, what happens to the track)
    "corrupt_audio": ("rock/corrupt.wav", "not a decodable audio file", "re-export it as WAV or FLAC", "skipped"),
    "empty_file": ("rock/empty.wav", "empty file (0 bytes)", "copy it again", "skipped"),
    "silent_clip": ("rock/silent (silent.wav)", "silent audio (no signal above -60 dBFS)",
                    "the rules give it no audio weight", "kept"),
    "shorter_than_a_frame": ("rock/tiny (tiny.wav)", "too short: 0.00 s (at least 0.5 s needed)",
                             "use a longer clip", "no audio"),
    "all_clipping": ("folk/clipped (clipped.wav)", "clipped audio: 100% of the samples are at full scale",
                     "Re-export it at a lower gain", "kept"),
    "flac_named_wav": ("folk/disguised.wav", "content is FLAC audio but the name ends in .wav",
                       "rename it to .flac", "kept"),
    "mp3_named_ogg": ("folk/mp3.ogg", "content is MP3 audio but the name ends in .ogg", "rename it to .mp3", "kept"),
    "unsupported_m4a": ("rock/song.m4a", "unsupported audio format (.m4a)", "convert it to WAV, FLAC", "skipped"),
    "unsupported_wma": ("rock/song.wma", "unsupported audio format (.wma)", "convert it to WAV, FLAC", "skipped"),
    "over_size_limit": ("rock/huge.wav", "file too large: 516.9 KiB, over the limit of 307.2 KiB per audio file",
                        "raise the limit with WORKBENCH_MAX_AUDIO_MB", "skipped"),
    "non_utf8_name": (CAFE + ".wav", "file name is not valid UTF-8", "rename the file with UTF-8 characters", "kept"),
    "symlink_on_disk": ("rock/link.wav", "symbolic link", "copy the real file into the folder", "skipped"),
    "duplicate_name": ("folk/f.wav", "another file already has the name 'folk/f'", "kept as folk/f#2", "kept"),
    "binary_lyrics": ("folk/d.txt", "binary data, not text lyrics", "save the lyrics as plain text", "no lyrics"),
    "empty_lyrics": ("folk/e.txt", "empty lyrics file", "add the words", "no lyrics"),
}


@pytest.mark.parametrize("kind", list(FOLDER_KINDS))
def test_folder_corpus_kind_is_named_and_the_rest_carries_on(folder_run, kind):
    file, reason, hint, fate = FOLDER_KINDS[kind]
    _check_everywhere(folder_run, file, reason, hint)
    _check_good_tracks(folder_run)
    fs, ds = folder_run["fs"], folder_run["ds"]
    track = {"non_utf8_name": CAFE, "duplicate_name": "folk/f#2"}.get(kind, file.split(" (")[0].rsplit(".", 1)[0])
    if fate == "skipped":
        assert track not in fs.track_ids
    else:
        i = fs.track_ids.index(track)
        assert fs.audio_ok[i] == (fate != "no audio")
        if fate == "no lyrics":
            assert not fs.lyrics_ok[i] and ds.tracks.loc[i, "lyrics"] is None


@pytest.mark.parametrize("track", list(LYRICS), ids=["utf8_crlf", "utf16_bom", "latin1", "non_utf8_file_name"])
def test_lyrics_in_any_encoding_are_decoded(folder_run, track):
    ds, fs = folder_run["ds"], folder_run["fs"]
    i = ds.track_ids.index(track)
    assert ds.tracks.loc[i, "lyrics"] == LYRICS[track]
    assert fs.lyrics_ok[i] and fs.audio_ok[i]
    # decoded silently: no problem names this track's lyrics
    assert not [p for p in ds.problems if p.stage == "lyrics" and p.path.startswith(track)]
    _check_good_tracks(folder_run)


def test_unreadable_files_as_nobody_are_named_and_the_rest_carries_on():
    """Runs the loader, the extractor (the CLI) and the app as user nobody on a world-readable copy of a
    dataset in which one audio file and one lyrics file are chmod 000."""
    home = world_tempdir()
    try:
        root = home / "music"
        for k, genre in enumerate(("rock", "folk")):
            for j in range(2):
                write_clip(root / genre / f"t{j}.wav", song_like(3 * k + j, seconds=1.5), subtype="PCM_16")
        write_clip(root / "rock" / "locked.wav", song_like(9, seconds=1.5), subtype="PCM_16")
        (root / "folk" / "t1.txt").write_text("words nobody may read\n", encoding="utf-8")
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (root / "rock" / "locked.wav").chmod(0)
        (root / "folk" / "t1.txt").chmod(0)
        code = f"""
import contextlib, io, json, os
from core.__main__ import main
from core.datasets import load_dataset
from core.features.extract import extract_features
from streamlit.testing.v1 import AppTest
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    rc = main(["extract", {str(root)!r}, "--jobs", "1"])
ds = load_dataset({str(root)!r})
fs, rep = extract_features(ds, n_jobs=1)
at = AppTest.from_file({APP!r}, default_timeout=180)
at.session_state["dataset_source"] = "path"
at.session_state["dataset_path"] = {str(root)!r}
at.run()
table = [d.value for d in at.dataframe if "problem" in d.value.columns]
print(json.dumps({{"uid": os.getuid(), "rc": rc, "out": out.getvalue(), "err": err.getvalue(),
                  "problems": [[p.path, p.reason, p.hint] for p in ds.problems],
                  "audio_ok": dict(zip(fs.track_ids, map(bool, fs.audio_ok))),
                  "exceptions": [e.value for e in at.exception],
                  "table": table[0].values.tolist() if table else []}}))
"""
        result = run_as_nobody(code, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert result["uid"] == (NOBODY if os.geteuid() == 0 else os.geteuid())
    assert result["rc"] == 0
    assert_no_traceback(result["err"])
    assert result["exceptions"] == []
    expected = {("rock/locked.wav", "permission denied", "track skipped: make the file readable, e.g. chmod a+r"),
                ("folk/t1.txt", "permission denied",
                 "the track is kept without lyrics; make the file readable, e.g. chmod a+r")}
    assert {tuple(p) for p in result["problems"]} == expected
    for path, reason, hint in expected:
        assert f"{path}: {reason} ({hint})" in result["out"]
        assert [path, reason, hint, "lyrics" if path.endswith(".txt") else "load"] in result["table"]
    assert result["audio_ok"] == {"folk/t0": True, "folk/t1": True, "rock/t0": True, "rock/t1": True}


# ----------------------------------------------------------------------------------------------
# The manifest corpus
# ----------------------------------------------------------------------------------------------
MANIFEST = (
    "track_id,audio_path,lyrics,lyrics_path,genre\n"
    'm1,audio/one.wav,"hello there\nmy old friend",,pop\n'     # lines 2-3: a quoted multi-line cell
    "m2,audio/two.wav,,two.txt,pop\n"                         # line 4: UTF-16 lyrics file
    "m3,audio/missing.wav,,,pop\n"                            # line 5: no such file
    "m1,audio/three.wav,,,rock\n"                             # line 6: duplicate track id
    'm4,"audio/four.wav,,,rock\n'                             # line 7: a quote that is never closed
    "m5,audio/five.wav,,,rock\n"                              # line 8: must survive line 7
    "m6,audio/six.m4a,,,rock\n"                               # line 9: unsupported format
    "m7,audio/seven.wav,,junk.txt,rock\n"                     # line 10: binary junk as lyrics
)
GOOD_MANIFEST = {"m1", "m2", "m1#2", "m5", "m7"}


@pytest.fixture(scope="module")
def manifest_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("bad-manifest")
    root = base / "set"
    for seed, name in enumerate(("one", "two", "three", "four", "five", "seven")):
        write_clip(root / "audio" / f"{name}.wav", song_like(seed, seconds=1.5, tempo=90 + 10 * seed),
                   subtype="PCM_16")
    (root / "audio" / "six.m4a").write_bytes(b"\x00\x00\x00\x18ftypM4A " + bytes(300))
    (root / "two.txt").write_bytes("la la la\nmy utf sixteen song\n".encode("utf-16"))
    (root / "junk.txt").write_bytes(bytes(range(256)) * 2)
    (root / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_CACHE_DIR", str(base / "cache"))
        mp.setenv("WORKBENCH_DATA_DIR", str(base / "data"))
        mp.setenv("HF_HUB_OFFLINE", "1")
        code, out, err = run_cli(["extract", str(root / "manifest.csv"), "--jobs", "1"])
        ds = load_dataset(root / "manifest.csv")
        fs, rep = extract_features(ds, n_jobs=1)
        at = run_app(root / "manifest.csv")
    return {"root": root, "code": code, "out": out, "err": err, "ds": ds, "fs": fs, "rep": rep, "at": at,
            "table": problem_table(at)}


MANIFEST_KINDS = {
    "row_with_missing_file": ("manifest.csv:line 5 (audio/missing.wav)", "audio file not found", "fix the path"),
    "duplicate_track_ids": ("manifest.csv:line 6", "duplicate track_id 'm1'", "kept as 'm1#2'"),
    "bad_quoting": ("manifest.csv:line 7", "bad CSV quoting: a quote opened on this line is not closed",
                    "close the quote or remove it"),
    "unsupported_format_row": ("manifest.csv:line 9 (audio/six.m4a)", "unsupported audio format (.m4a)",
                               "convert it to WAV, FLAC, OGG or MP3"),
    "binary_lyrics_file": ("manifest.csv:line 10 (junk.txt)", "binary data, not text lyrics",
                           "save the lyrics as plain text"),
}


@pytest.mark.parametrize("kind", list(MANIFEST_KINDS))
def test_manifest_corpus_kind_is_named_and_the_rest_carries_on(manifest_run, kind):
    file, reason, hint = MANIFEST_KINDS[kind]
    _check_everywhere(manifest_run, file, reason, hint)
    _check_good_tracks(manifest_run, good_audio=GOOD_MANIFEST)
    ds = manifest_run["ds"]
    assert ds.track_ids == ["m1", "m2", "m1#2", "m5", "m7"]           # m3, m4 and m6 are named and left out
    lyrics = dict(zip(ds.track_ids, ds.tracks["lyrics"]))
    assert lyrics["m1"] == "hello there\nmy old friend" and lyrics["m2"] == "la la la\nmy utf sixteen song"
    assert lyrics["m7"] is None


def test_manifest_with_missing_columns_fails_whole_with_a_message(tmp_path):
    write_clip(tmp_path / "a.wav", song_like(1, seconds=1.0))
    (tmp_path / "m.csv").write_text("file,genre\na.wav,pop\n", encoding="utf-8")
    code, out, err = run_cli(["extract", str(tmp_path / "m.csv"), "--jobs", "1"])
    assert code == 1
    assert_no_traceback(err)
    assert ("error: Manifest m.csv lacks the column(s) audio_path; it has file, genre. Required: audio_path; "
            "optional: lyrics or lyrics_path, genre, track_id.") in err
    at = run_app(tmp_path / "m.csv")
    assert not at.exception
    assert any("Cannot load this dataset" in e.value and "lacks the column(s) audio_path" in e.value for e in at.error)


# ----------------------------------------------------------------------------------------------
# Nothing usable: the only cases where the command line exits non-zero
# ----------------------------------------------------------------------------------------------
def test_nothing_usable_at_load_exits_1_and_lists_every_problem(tmp_path):
    root = tmp_path / "allbad"
    root.mkdir()
    (root / "x.wav").write_bytes(os.urandom(3000))
    (root / "y.wav").write_bytes(b"")
    (root / "z.m4a").write_bytes(b"\x00\x00\x00\x18ftypM4A ")
    code, out, err = run_cli(["extract", str(root), "--jobs", "1"])
    assert code == 1
    assert_no_traceback(err)
    assert f"error: No usable audio files under {root} (3 problems)" in err
    for line in ("x.wav: not a decodable audio file", "y.wav: empty file (0 bytes)",
                 "z.m4a: unsupported audio format (.m4a)"):
        assert f"  - {line}" in err
    at = run_app(root)
    assert not at.exception
    assert any("No usable audio files" in e.value and "y.wav: empty file" in e.value for e in at.error)


def test_nothing_usable_or_over_a_fifth_failed_exits_1_and_a_few_failures_exit_0(tmp_path):
    root = tmp_path / "short"
    write_clip(root / "a.wav", song_like(1, seconds=0.1))
    write_clip(root / "b.wav", song_like(2, seconds=0.2))
    code, out, err = run_cli(["extract", str(root), "--jobs", "1"])
    assert code == 1, out
    assert_no_traceback(err)
    assert "a (a.wav): too short: 0.10 s (at least 0.5 s needed) (audio skipped: use a longer clip)" in out
    assert "b (b.wav): too short: 0.20 s" in out
    assert "usable tracks: 0 of 2" in out
    write_clip(root / "c.wav", song_like(3, seconds=1.0))   # usable now, but 2 of 3 clips still fail
    code, out, err = run_cli(["extract", str(root), "--jobs", "1"])
    assert code == 1 and "usable tracks: 1 of 3" in out and "a (a.wav): too short" in out
    assert "error: Audio features failed for 2 of 3 clips (67%; most often: too short" in err
    assert_no_traceback(err)
    for i in range(4, 12):                                  # 2 of 11 failing (18 %) is under the 20 % line
        write_clip(root / f"ok{i}.wav", song_like(i, seconds=1.0))
    code, out, err = run_cli(["extract", str(root), "--jobs", "1"])
    assert code == 0 and "usable tracks: 9 of 11" in out and "a (a.wav): too short" in out
    assert_no_traceback(err)


# ----------------------------------------------------------------------------------------------
# Zip uploads through the app
# ----------------------------------------------------------------------------------------------
def _music_zip(tmp_path: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for seed, name in enumerate(("rock/a", "rock/b", "folk/c")):
            zf.write(write_clip(tmp_path / f"z{seed}.wav", song_like(seed, seconds=1.0)), f"mymusic/{name}.wav")
        zf.writestr("mymusic/rock/a.txt", "zip lyrics\nla la\n")
        zf.write(write_clip(tmp_path / "z9.wav", song_like(9, seconds=1.0)), "mymusic/folk/dX.wav")
        zf.writestr("../evil.txt", "outside")
        zf.writestr("/tmp/abs-evil.wav", "absolute")
        link = zipfile.ZipInfo("mymusic/rock/link.wav")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    # a member name in Latin-1 bytes without the UTF-8 flag, as old Windows tools write them
    return buf.getvalue().replace(b"mymusic/folk/dX.wav", b"mymusic/folk/d\xe9.wav")


ZIP_KINDS = {
    "path_escapes": ("upload.zip:../evil.txt", "path escapes the upload folder (..)"),
    "absolute_path": ("upload.zip:/tmp/abs-evil.wav", "absolute path in the archive"),
    "symlink_member": ("upload.zip:mymusic/rock/link.wav", "symbolic link in the archive"),
    "non_utf8_member_name": ("upload.zip:mymusic/folk/d_.wav", "file name is not valid UTF-8"),
}


@pytest.fixture(scope="module")
def zip_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("bad-zip")
    data = _music_zip(base)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_CACHE_DIR", str(base / "cache"))
        mp.setenv("WORKBENCH_DATA_DIR", str(base / "data"))
        at = AppTest.from_file(APP, default_timeout=180).run()
        at.file_uploader[0].set_value(("upload.zip", data, "application/zip")).run()
        folder = Path(at.session_state["dataset_path"])
        ds = load_dataset(folder)
    return {"base": base, "at": at, "folder": folder, "ds": ds, "table": problem_table(at)}


@pytest.mark.parametrize("kind", list(ZIP_KINDS))
def test_zip_member_kind_is_named_and_the_rest_is_unpacked(zip_run, kind):
    file, reason = ZIP_KINDS[kind]
    at, table, folder = zip_run["at"], zip_run["table"], zip_run["folder"]
    assert not at.exception, [e.value for e in at.exception]
    rows = table[(table["file"] == file) & (table["problem"] == reason)]
    assert len(rows) == 1 and rows["stage"].iloc[0] == "upload", table.to_string()
    assert rows["what happens"].iloc[0].startswith(("skipped", "kept")), rows
    # every good member is there, nothing was written outside the upload folder
    ds = zip_run["ds"]
    assert sorted(ds.track_ids) == ["folk/c", "folk/d_", "rock/a", "rock/b"]
    assert {m.label: m.value for m in at.metric}["Tracks"] == "4"
    assert dict(zip(ds.track_ids, ds.tracks["lyrics"]))["rock/a"] == "zip lyrics\nla la"
    assert not (zip_run["base"] / "data" / "evil.txt").exists()
    assert not (zip_run["base"] / "data" / "uploads" / "evil.txt").exists()
    assert not Path("/tmp/abs-evil.wav").exists()
    assert not (folder / "rock" / "link.wav").exists()


def test_zip_bomb_is_refused_whole_with_a_message(tmp_path, monkeypatch):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(write_clip(tmp_path / "ok.wav", song_like(1, seconds=1.0)), "music/rock/ok.wav")
        zf.writestr("music/rock/bomb.wav", bytes(8 << 20))       # 8 MiB of zeros in about 8 kB
    data = buf.getvalue()
    assert len(data) < 100_000
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.file_uploader[0].set_value(("bomb.zip", data, "application/zip")).run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert "Cannot use bomb.zip" in error and "'music/rock/bomb.wav' expands" in error
    assert "looks like a zip bomb; nothing was unpacked" in error
    assert at.session_state["dataset_source"] == "builtin"          # the sidebar still points where it did
    uploads = Path(os.environ["WORKBENCH_DATA_DIR"]) / "uploads"
    assert not uploads.exists() or not list(uploads.glob("upload-*"))


def test_zip_member_the_file_system_refuses_is_named_not_a_traceback(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(write_clip(tmp_path / "ok.wav", song_like(1, seconds=1.0)), "m/ok.wav")
        zf.writestr("m/" + "x" * 300 + ".wav", b"name too long for the file system")
        zf.writestr("m/ok.wav/inner.txt", b"a file under a name that is a file")
    root, problems = unpack_zip(buf.getvalue(), tmp_path / "uploads")
    assert sorted(p.name for p in root.iterdir()) == ["ok.wav"]
    reasons = {p.path.split(":", 1)[1][:12]: p.reason for p in problems}
    assert reasons["m/" + "x" * 10].startswith("cannot be unpacked (File name too long")
    assert reasons["m/ok.wav/inn"] == "cannot be unpacked (a file and a folder in the archive have the same name)"


# ----------------------------------------------------------------------------------------------
# Durability: SIGKILL at random moments, and two extractions at once
# ----------------------------------------------------------------------------------------------
ARRAYS = ("audio", "audio_ok", "audio_stats", "lyrics", "lyrics_ok", "lyrics_stats", "semantic")


def _small_set(root: Path) -> Path:
    for i in range(8):
        genre = ("rock", "folk")[i % 2]
        write_clip(root / genre / f"t{i}.wav", song_like(i, seconds=2.0, tempo=90 + 10 * i, pitch_hz=150 + 20 * i),
                   subtype="PCM_16")
        if i % 2 == 0:  # lyrics of different lengths: the padding of a batch follows its longest text
            words = "we sing a longer line about the rock and the road " * (8 if i == 0 else 1)
            (root / genre / f"t{i}.txt").write_text(f"line {i} of the song\n{words}\n")
    return root


def _cli(args: list, cache: Path) -> subprocess.Popen:
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(cache), HF_HUB_OFFLINE="1")
    return subprocess.Popen([sys.executable, "-m", "core", *args], cwd=REPO_ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _assert_cache_whole(cache_root: Path) -> dict:
    """Every entry under the cache opens completely: nothing half-written has a final name."""
    counts = {}
    for path in cache_root.glob("*/*/*.npz"):
        kind = path.parent.parent.name
        if kind == "featuresets":
            FeatureSet.load(path)
        else:
            with np.load(path, allow_pickle=False) as z:
                assert z.files and all(z[name].size for name in z.files), path
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _assert_identical(fs: FeatureSet, ref: FeatureSet) -> None:
    assert fs.track_ids == ref.track_ids
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(fs, name), getattr(ref, name), err_msg=name)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted command-line extraction of a small set: its features and its duration."""
    base = tmp_path_factory.mktemp("durable")
    root = _small_set(base / "set")
    t0 = time.perf_counter()
    proc = _cli(["extract", str(root), "--jobs", "1"], base / "ref-cache")
    out, err = proc.communicate(timeout=300)
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, err[-2000:]
    ds = load_dataset(root)
    fs, rep = extract_features(ds, cache=FeatureCache(base / "ref-cache"), n_jobs=1)
    assert rep.from_dataset_cache
    return {"base": base, "root": root, "ds": ds, "fs": fs, "seconds": seconds}


def test_sigkill_at_random_moments_then_rerun_is_bit_identical(reference):
    seed = int(os.environ.get("WORKBENCH_KILL_SEED", time.time_ns() % 2**32))
    rng = random.Random(seed)
    ds, base, total = reference["ds"], reference["base"], reference["seconds"]
    for k in range(3):                   # one kill in each third of an uninterrupted run's duration
        at = rng.uniform(k / 3, (k + 1) / 3) * total
        cache_root = base / f"killed-{k}"
        proc = _cli(["extract", str(reference["root"]), "--jobs", "1"], cache_root)
        time.sleep(at)
        finished = proc.poll() is not None
        if not finished:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        note = f"seed {seed}, kill {k} at {at:.2f} s of {total:.2f} s"
        before = _assert_cache_whole(cache_root) if cache_root.exists() else {}
        print(f"{note}: {'finished first' if finished else 'killed'}, entries then {before}")
        fs, rep = extract_features(ds, cache=FeatureCache(cache_root), n_jobs=1)
        assert rep.audio_cached >= before.get("audio", 0), note          # nothing finished was redone
        assert rep.audio_extracted + rep.audio_cached == ds.n_tracks, note
        _assert_identical(fs, reference["fs"])
        after = _assert_cache_whole(cache_root)
        assert after == {"audio": 8, "lyrics": 4, "featuresets": 1}, (note, after)


def test_two_extractions_at_once_share_the_work_and_agree(reference):
    cache_root = reference["base"] / "shared"
    procs = [_cli(["extract", str(reference["root"]), "--jobs", "1"], cache_root) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
        assert_no_traceback(err)
        assert "usable tracks: 8 of 8" in out
    extracted = [int(re.search(r"audio: (\d+) extracted, (\d+) from cache", out).group(1)) for out, _ in outs]
    assert sum(extracted) == 8, extracted                       # the lock: every clip extracted once
    assert _assert_cache_whole(cache_root) == {"audio": 8, "lyrics": 4, "featuresets": 1}
    fs, rep = extract_features(reference["ds"], cache=FeatureCache(cache_root), n_jobs=1)
    assert rep.from_dataset_cache
    _assert_identical(fs, reference["fs"])


def test_sigkill_between_lyrics_entries_resumes_with_the_same_vectors(reference):
    """The narrowest window: killed after two of the four per-text lyrics entries were written. A
    sentence vector depends in its last bits on the batch it was embedded with, so the resumed run must
    not embed the other two on their own. The kill is placed exactly by a cache that SIGKILLs its own
    process after its second lyrics entry."""
    cache_root = reference["base"] / "killed-in-lyrics"
    code = f"""
import os, signal
from core.datasets import load_dataset
from core.features.cache import FeatureCache
from core.features.extract import extract_features

class DiesAfterTwoLyrics(FeatureCache):
    written = 0
    def put(self, kind, key, **arrays):
        path = super().put(kind, key, **arrays)
        if kind == "lyrics":
            DiesAfterTwoLyrics.written += 1
            if DiesAfterTwoLyrics.written == 2:
                os.kill(os.getpid(), signal.SIGKILL)
        return path

extract_features(load_dataset({str(reference["root"])!r}), cache=DiesAfterTwoLyrics({str(cache_root)!r}), n_jobs=1)
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                          env=dict(os.environ, HF_HUB_OFFLINE="1"), timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert _assert_cache_whole(cache_root) == {"audio": 8, "lyrics": 2, "lyrics_batches": 1}
    fs, rep = extract_features(reference["ds"], cache=FeatureCache(cache_root), n_jobs=1)
    assert rep.lyrics_embedded == 0 and rep.lyrics_cached == 4       # the batch entry, not a new batch
    _assert_identical(fs, reference["fs"])
    assert _assert_cache_whole(cache_root) == {"audio": 8, "lyrics": 4, "featuresets": 1}


def test_zip_messages_use_the_archive_name_the_user_knows(tmp_path):
    data = _music_zip(tmp_path)
    _, problems = unpack_zip(data, tmp_path / "uploads", archive_name="my music.zip")
    assert "my music.zip:../evil.txt" in {p.path for p in problems}
    with pytest.raises(DatasetError, match="^my music.zip: not a readable zip archive"):
        unpack_zip(b"not a zip", tmp_path / "uploads", archive_name="my music.zip")
