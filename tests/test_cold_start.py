"""A cold machine, as a new user meets it: a fresh JIT cache and the default two worker processes.

librosa compiles its numba functions on first use and writes them to an on-disk cache
(``cache=True``). Two worker processes that compile at the same moment used to write that cache
concurrently; its index and data files then disagreed, and every later call segfaulted, so a
first ``prepare`` built a workbench without any audio (issue 18). A race shows only sometimes,
so the extraction runs three times, each against its own empty cache.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.audio_fixtures import song_like, write_clip

ROOT = Path(__file__).resolve().parents[1]


def _music_folder(root: Path, n: int = 8) -> Path:
    for i in range(n):
        genre = ("rock", "jazz")[i % 2]
        write_clip(root / genre / f"clip{i}.wav", song_like(seed=i, seconds=2.0, tempo=90 + 10 * i,
                                                            pitch_hz=150 + 40 * i))
    return root


def _cold_env(tmp: Path) -> dict:
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = str(tmp / "numba")  # empty: every JIT function compiles afresh
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.mark.parametrize("attempt", range(3))
def test_first_extraction_on_a_cold_jit_cache_extracts_every_clip(tmp_path, attempt):
    data = _music_folder(tmp_path / "music")
    out = subprocess.run([sys.executable, "-m", "core", "extract", str(data), "--jobs", "2",
                          "--cache", str(tmp_path / "cache")],
                         cwd=ROOT, env=_cold_env(tmp_path), capture_output=True, text=True, timeout=600)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    m = re.search(r"audio: (\d+) extracted, (\d+) from cache, (\d+) failed", text)
    assert m, text
    assert (int(m.group(1)), int(m.group(3))) == (8, 0), text
    assert "RuntimeWarning" not in text


# ----------------------------------------------------------------------------------------------
# The warm-up reaches every JIT function the extractor reaches
# ----------------------------------------------------------------------------------------------
_COVERAGE_SCRIPT = r'''
import json, pickle, sys
from pathlib import Path
import numpy as np, soundfile as sf

def signatures(root):
    out = {}
    for f in sorted(Path(root).rglob("*.nbi")):
        with open(f, "rb") as fh:
            pickle.load(fh)
            _, overloads = pickle.loads(fh.read())
        out[f.name] = sorted(str(k[0]) for k in overloads)
    return out

from core.features import audio
from core.features.jit import warm_up
warm_up()
before = signatures(sys.argv[1])
for path in sorted(Path(sys.argv[2]).rglob("*.*")):
    try:
        audio.extract_clip(str(path), audio.AudioConfig())
    except Exception as exc:
        print("error", path.name, exc, file=sys.stderr)
after = signatures(sys.argv[1])
print(json.dumps({"before": before, "after": after}))
'''


def _varied_clips(root: Path) -> Path:
    """Real files of the shapes users bring: rates, channels, sample formats, lengths, silence."""
    import numpy as np
    import soundfile as sf
    y = song_like(seed=1, seconds=3.0)
    write_clip(root / "mono_22k.wav", y)
    sf.write(str(root / "stereo_44k.flac"), np.stack([y, y[::-1]], axis=1).repeat(2, axis=0), 44100)
    write_clip(root / "pcm16.wav", y, subtype="PCM_16")
    write_clip(root / "pcm24_8k.wav", y[::3].copy(), sr=8000, subtype="PCM_24")
    write_clip(root / "float64.wav", y.astype("float64"), subtype="DOUBLE")
    write_clip(root / "silence.wav", np.zeros(22050, dtype="float32"))
    write_clip(root / "shortest.wav", y[: int(0.55 * 22050)].copy())  # just over the 0.5 s minimum
    write_clip(root / "clipped.wav", np.clip(4 * y, -1, 1).astype("float32"))
    write_clip(root / "noise.ogg", (0.3 * np.random.default_rng(0).standard_normal(44100)).astype("float32"),
               fmt="OGG", subtype="VORBIS")
    return root


def test_warm_up_compiles_every_jit_function_real_clips_reach(tmp_path, tiny_synth_dir):
    clips = _varied_clips(tmp_path / "clips")
    for wav in sorted((tiny_synth_dir / "audio").glob("*.wav")):  # every genre, degraded ones too
        (clips / wav.name).write_bytes(wav.read_bytes())
    env = _cold_env(tmp_path)
    out = subprocess.run([sys.executable, "-c", _COVERAGE_SCRIPT, env["NUMBA_CACHE_DIR"], str(clips)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "error" not in out.stderr, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(result["before"]) >= 10  # librosa's and the project's own cached functions
    assert result["after"] == result["before"], "extracting real clips compiled what the warm-up did not"


# ----------------------------------------------------------------------------------------------
# A crashed worker is not a bad file
# ----------------------------------------------------------------------------------------------
def test_a_crashed_worker_is_retried_and_nothing_transient_is_cached(tmp_path):
    from core.datasets import load_dataset
    from core.features.cache import FeatureCache
    from core.features.extract import cached_status, extract_features, track_keys, ExtractConfig
    from core.features.pool import local_executor
    from tests.crashing_jobs import crashing

    ds = load_dataset(_music_folder(tmp_path / "music", n=6))
    cache = FeatureCache(tmp_path / "cache")
    (tmp_path / "markers").mkdir()
    ex = crashing(local_executor(2), tmp_path / "markers", once=("clip1",), always=("clip2",))
    fs, rep = extract_features(ds, cache=cache, n_jobs=2, executor=ex)

    ids = list(ds.track_ids)
    crashed = [i for i, t in enumerate(ids) if t.endswith("clip2")][0]
    assert (tmp_path / "markers" / "clip1").exists()          # clip1 did kill its first worker
    assert fs.audio_ok.sum() == 5 and not fs.audio_ok[crashed]  # ... and was retried; the rest survived
    assert rep.audio_crashed == 1 and rep.audio_failed == 1
    assert [p.path for p in rep.problems if "crashed" in p.reason] == [f"{ids[crashed]} (clip2.wav)"]
    assert "not cached" in rep.problems[0].hint
    assert not rep.stored and not cached_status(ds, cache=cache)["complete"]
    audio_keys, _, _ = track_keys(ds, ExtractConfig())
    assert not cache.has("audio", audio_keys[crashed])          # no entry for the crashed clip
    assert rep.health_problem() is None                          # 1 of 6 is under the 20 % line

    # "run the extraction again" really retries: the clip that crashed is extracted now
    fs2, rep2 = extract_features(ds, cache=cache, n_jobs=2)
    assert fs2.audio_ok.all() and rep2.audio_extracted == 1 and rep2.audio_cached == 5
    assert rep2.stored and cached_status(ds, cache=cache)["complete"]


def test_a_clip_that_kills_every_worker_is_reported_alone(tmp_path):
    from core.datasets import load_dataset
    from core.features.cache import FeatureCache
    from core.features.extract import extract_features
    from core.features.pool import local_executor
    from tests.crashing_jobs import crashing

    ds = load_dataset(_music_folder(tmp_path / "music", n=4))
    ex = crashing(local_executor(2), tmp_path, always=tuple(f"clip{i}" for i in range(4)))
    fs, rep = extract_features(ds, cache=FeatureCache(tmp_path / "cache"), n_jobs=2, executor=ex)
    assert not fs.audio_ok.any() and rep.audio_crashed == 4
    problem = rep.health_problem()
    assert problem and "4 of 4 clips" in problem and "lyrics alone" in problem and "--jobs 1" in problem


# ----------------------------------------------------------------------------------------------
# No silent half-workbench
# ----------------------------------------------------------------------------------------------
def _cli(args, env=None):
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=env)


def test_prepare_exits_1_with_the_cause_when_every_clip_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    small = ["--tracks-per-genre", "2", "--clip-seconds", "2", "--genres", "pop,ballad", "--jobs", "1"]
    first = _cli(["prepare", *small])
    assert first.returncode == 0 and "built-in set ready: 4 tracks" in first.stdout, first.stderr
    for wav in (tmp_path / "data" / "synthetic" / "audio").glob("*.wav"):  # every clip now undecodable
        wav.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + wav.name.encode() * 50)
    again = _cli(["prepare", *small])
    assert again.returncode == 1, again.stdout + again.stderr
    assert "ready" not in again.stdout
    assert "error: Audio features failed for 4 of 4 clips (100%" in again.stderr
    assert "lyrics alone" in again.stderr and "Fix or remove the files" in again.stderr
    assert "Traceback" not in again.stderr and "RuntimeWarning" not in again.stderr
    extract = _cli(["extract", str(tmp_path / "data" / "synthetic"), "--jobs", "1"])
    assert extract.returncode == 1 and "error: Audio features failed for 4 of 4" in extract.stderr


_UNGUARDED = r'''
import sys
sys.path.insert(0, {root!r})
from core.datasets import load_dataset
from core.features import pool
from core.features.cache import FeatureCache
from core.features.extract import extract_features

print("script started")
ds = load_dataset({data!r})
fs, rep = extract_features(ds, cache=FeatureCache({cache!r}), n_jobs=2)
print("extracted", int(fs.audio_ok.sum()), "of", fs.n_tracks, "workers", sum(p._max_workers for p in pool._POOLS.values()))
'''


def test_a_plain_script_without_a_main_guard_extracts_with_two_workers(tmp_path):
    """Workers do not run the main script again (it used to run in each, and the pool broke)."""
    data = _music_folder(tmp_path / "music", n=4)
    script = tmp_path / "my_script.py"
    script.write_text(_UNGUARDED.format(root=str(ROOT), data=str(data), cache=str(tmp_path / "cache")))
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("script started") == 1, out.stdout  # no worker ran the script
    assert "extracted 4 of 4 workers 2" in out.stdout, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and "Warning" not in out.stderr, out.stderr


def test_main_guard_detection_accepts_a_guarded_call(tmp_path):
    script = tmp_path / "guarded.py"
    script.write_text("import sys\nsys.path.insert(0, %r)\nfrom core.features.pool import main_guard_problem\n"
                      "def main():\n    print('problem:', main_guard_problem())\n"
                      "if __name__ == '__main__':\n    main()\n" % str(ROOT))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "problem: None", out.stderr
    script.write_text(script.read_text().replace("if __name__ == '__main__':\n    main()", "main()"))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert "guarded.py runs the extraction at its top level (line 6)" in out.stdout, out.stderr


def test_dataset_page_and_sidebar_show_the_error_instead_of_ready(tmp_path):
    from streamlit.testing.v1 import AppTest
    from core.datasets.synthetic import SynthConfig, generate
    root = tmp_path / "set"
    generate(SynthConfig(tracks_per_genre=2, clip_seconds=2, genres=("pop", "ballad")), root, n_jobs=1)
    for wav in (root / "audio").glob("*.wav"):  # the set loads, but no clip decodes
        wav.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + wav.name.encode() * 50)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(root)
    at.run()
    assert not at.exception
    [b for b in at.button if b.label == "Extract features"][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    page_errors = [e.value for e in at.main.error]
    assert any(e.startswith("Audio features failed for 4 of 4 clips") and "lyrics alone" in e for e in page_errors)
    assert not at.success or not any("Features ready" in s.value for s in at.success)
    assert any("Features not ready: Audio features failed for 4 of 4" in e.value for e in at.sidebar.error)


_UNGUARDED_SYNTH = r'''
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from core.datasets.synthetic import SynthConfig, generate

print("script started")
ds = generate(SynthConfig(tracks_per_genre=2, clip_seconds=1.0, genres=("pop", "metal")), Path({out!r}), n_jobs=2)
print("built", ds.n_tracks)
'''


def test_a_plain_script_builds_the_synthetic_set_with_two_workers(tmp_path):
    """The generator's workers do not run the main script again either (nor the app under Streamlit)."""
    script = tmp_path / "build_it.py"
    script.write_text(_UNGUARDED_SYNTH.format(root=str(ROOT), out=str(tmp_path / "set")))
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("script started") == 1 and "built 4" in out.stdout, out.stdout + out.stderr
