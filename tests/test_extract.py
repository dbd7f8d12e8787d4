"""The extraction pipeline end to end on real files: cache hit and miss, masks for missing lyrics,
GTZAN without lyrics, block balancing, and resume after an extraction killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.datasets import load_dataset
from core.features.cache import FeatureCache
from core.features.extract import cached_status, extract_features, standardise_blocks
from core.paths import REPO_ROOT
from tests.audio_fixtures import make_gtzan


def test_extract_synthetic_then_everything_comes_from_cache(tiny_synth_dir, tmp_path):
    ds = load_dataset(tiny_synth_dir)
    cache = FeatureCache(tmp_path / "cache")
    assert cached_status(ds, cache=cache)["audio_cached"] == 0
    calls = []
    fs, rep = extract_features(ds, cache=cache, n_jobs=2, progress=lambda d, t, m: calls.append((d, t)))
    assert fs.n_tracks == ds.n_tracks and fs.track_ids == ds.track_ids
    assert rep.audio_extracted == ds.n_tracks and rep.audio_cached == 0
    assert calls[-1][0] == calls[-1][1]                       # progress reached the end
    assert fs.audio.dtype == np.float32 and np.isfinite(fs.audio).all()
    # a track without lyrics gets a mask, and its lyrics row is not a pretend song
    np.testing.assert_array_equal(fs.lyrics_ok, ds.lyrics_mask)
    assert (~fs.lyrics_ok).any(), "the synthetic set has an instrumental genre"
    assert np.all(fs.lyrics[~fs.lyrics_ok] == 0)
    assert np.isnan(fs.lyrics_stats[~fs.lyrics_ok]).all()
    norms = np.linalg.norm(fs.semantic[fs.lyrics_ok], axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-4)
    # blocks are balanced: each has total variance about 1 whatever its width
    for name, cols in fs.audio_blocks.items():
        var = fs.audio[fs.audio_ok][:, cols].var(axis=0).sum()
        assert 0.5 < var <= 1.0 + 1e-4, name
    status = cached_status(ds, cache=cache)
    assert status["complete"] and status["audio_cached"] == status["audio_total"]

    # second run: the whole feature set from cache, identical arrays
    fs2, rep2 = extract_features(ds, cache=cache)
    assert rep2.from_dataset_cache
    np.testing.assert_array_equal(fs.audio, fs2.audio)
    # re-assembling from per-clip entries (no dataset-level hit) reuses every clip
    fs3, rep3 = extract_features(ds, cache=cache, use_dataset_cache=False)
    assert rep3.audio_cached == ds.n_tracks and rep3.audio_extracted == 0
    assert rep3.lyrics_embedded == 0 and rep3.lyrics_cached == int(ds.lyrics_mask.sum())
    np.testing.assert_array_equal(fs.audio, fs3.audio)
    np.testing.assert_array_equal(fs.lyrics, fs3.lyrics)


def test_changed_file_is_a_cache_miss(tiny_synth_dir, tmp_path):
    import shutil
    root = tmp_path / "copy"
    shutil.copytree(tiny_synth_dir, root)
    ds = load_dataset(root)
    cache = FeatureCache(tmp_path / "cache")
    extract_features(ds, cache=cache, n_jobs=1)
    victim = Path(ds.tracks.loc[0, "audio_path"])
    data = bytearray(victim.read_bytes())
    data[-200:] = bytes(200)                                   # change the content, same name
    victim.write_bytes(bytes(data))
    _, rep = extract_features(load_dataset(root), cache=cache, n_jobs=1)
    assert rep.audio_extracted == 1 and rep.audio_cached == ds.n_tracks - 1


def test_gtzan_has_no_lyrics_block_and_names_the_bad_clip(tmp_path):
    ds = load_dataset(make_gtzan(tmp_path / "gtzan"))
    fs, rep = extract_features(ds, cache=FeatureCache(tmp_path / "cache"), n_jobs=1)
    assert fs.has_lyrics is False
    assert not fs.lyrics_ok.any()
    assert fs.audio_ok.all()
    assert any("jazz.00054.wav" in p.path for p in ds.problems)


def test_standardise_blocks_balances_width():
    rng = np.random.default_rng(0)
    x = rng.normal(5, 3, size=(50, 12))
    x[3, 2] = np.nan
    rows = np.ones(50, bool)
    rows[:5] = False
    out = standardise_blocks(x, rows, {"wide": list(range(10)), "narrow": [10, 11]})
    assert np.all(out[:5] == 0)
    assert out[5:, :10].var(axis=0).sum() == pytest.approx(1.0, rel=0.05)
    assert out[5:, 10:].var(axis=0).sum() == pytest.approx(1.0, rel=0.05)
    assert np.isfinite(out).all()


def _run_cli(args, env):
    return subprocess.Popen([sys.executable, "-m", "core", *args], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def test_resume_after_sigkill_gives_identical_features(tmp_path):
    from core.datasets.synthetic import SynthConfig, generate
    root = tmp_path / "set"
    generate(SynthConfig(tracks_per_genre=2, clip_seconds=6.0, seed=3), root, n_jobs=2)
    cache_root = tmp_path / "cache"
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(cache_root), HF_HUB_OFFLINE="1")
    proc = _run_cli(["extract", str(root), "--jobs", "1"], env)
    cache = FeatureCache(cache_root)
    deadline = time.time() + 120
    while cache.count("audio") < 3 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "extraction finished before it could be killed; make the set bigger"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = cache.count("audio")
    ds = load_dataset(root)
    assert 3 <= done_before < ds.n_tracks
    assert cache.count("featuresets") == 0                 # killed before assembly
    fs, rep = extract_features(ds, cache=cache, n_jobs=1)
    assert rep.audio_cached >= done_before                  # nothing finished was redone
    assert rep.audio_extracted + rep.audio_cached == ds.n_tracks
    fresh, _ = extract_features(ds, cache=FeatureCache(tmp_path / "fresh"), n_jobs=1)
    np.testing.assert_array_equal(fs.audio, fresh.audio)    # bit-identical to an uninterrupted run
    np.testing.assert_array_equal(fs.audio_stats, fresh.audio_stats)
    np.testing.assert_array_equal(fs.lyrics, fresh.lyrics)


def test_same_content_under_other_ids_is_not_served_the_cached_ids(tiny_synth_dir, tmp_path):
    import dataclasses
    ds = load_dataset(tiny_synth_dir)
    cache = FeatureCache(tmp_path / "cache")
    extract_features(ds, cache=cache, n_jobs=1)
    renamed = dataclasses.replace(ds, tracks=ds.tracks.assign(track_id=[f"x{i}" for i in range(ds.n_tracks)]))
    fs, rep = extract_features(renamed, cache=cache, n_jobs=1)
    assert fs.track_ids == renamed.track_ids
    assert rep.audio_cached == ds.n_tracks and not rep.from_dataset_cache


def test_progress_says_clips_and_lyrics_apart(tmp_path):
    """The progress total counts clips and lyrics together ("3/5"): every message names each count, so a bar
    reading "412 of 659" says it is 400 of 400 clips and 12 of 259 lyrics."""
    from tests.audio_fixtures import song_like, write_clip
    (tmp_path / "set" / "rock").mkdir(parents=True)
    for i in range(3):
        write_clip(tmp_path / "set" / "rock" / f"s{i}.wav", song_like(seed=i, seconds=1.0))
    for i in range(2):                                           # two of the three clips have lyrics
        (tmp_path / "set" / "rock" / f"s{i}.txt").write_text("the night is long and the road goes home",
                                                             encoding="utf-8")
    ds = load_dataset(tmp_path / "set")
    calls = []
    extract_features(ds, cache=FeatureCache(tmp_path / "cache"), n_jobs=1,
                     progress=lambda d, t, m: calls.append((d, t, m)))
    assert {t for _, t, _ in calls} == {5}
    for done, _, message in calls:
        clips, lyrics = min(done, 3), max(0, done - 3)
        assert message.startswith(f"{clips} of 3 clips, {lyrics} of 2 lyrics"), (done, message)
    assert calls[-1] == (5, 5, "3 of 3 clips, 2 of 2 lyrics: done")
    assert any(m.startswith("1 of 3 clips, 0 of 2 lyrics: audio ") for _, _, m in calls)
