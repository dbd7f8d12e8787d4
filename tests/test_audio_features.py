"""Audio feature extractor: names and levels, finiteness, physics of each descriptor family,
decode errors, formats, and the one-decode / one-STFT promise.

Every clip is synthesised here (2-4 s, seeded) and, where a file is involved, written with
soundfile into ``tmp_path``. Nothing is mocked: counting wrappers around librosa's real STFT
and soundfile's real reader let the real functions run.
"""

from __future__ import annotations

import math
import os
import sys

import librosa
import numpy as np
import pytest
import soundfile as sf
from scipy import ndimage, signal

from core.errors import AudioDecodeError, ParameterError
from core.features import audio
from core.features.audio import hpss
from core.features.audio import (
    STAT_NAMES,
    AudioConfig,
    ClipFeatures,
    extract_clip,
    extract_signal,
    feature_levels,
    feature_names,
    load_audio,
)

SR = 22050
CFG = AudioConfig()


# --------------------------------------------------------------------------------------------
# Signals
# --------------------------------------------------------------------------------------------
def _t(seconds, sr=SR):
    return np.arange(int(round(seconds * sr))) / sr


def tone(freq, seconds=3.0, amp=0.5, sr=SR):
    return (amp * np.sin(2 * np.pi * freq * _t(seconds, sr))).astype(np.float32)


def white(seconds=3.0, amp=0.3, seed=0, sr=SR):
    return (amp * np.random.default_rng(seed).standard_normal(int(round(seconds * sr)))).astype(np.float32)


def clicks(bpm=120.0, seconds=3.0, amp=0.8, seed=0, sr=SR):
    """Short decaying noise bursts, one per beat."""
    y = np.zeros(int(round(seconds * sr)), np.float32)
    n = int(0.03 * sr)
    burst = np.random.default_rng(seed).standard_normal(n) * np.exp(-np.arange(n) / (0.005 * sr))
    for start in np.arange(0.0, seconds, 60.0 / bpm):
        i = int(start * sr)
        m = min(n, y.size - i)
        y[i:i + m] += amp * burst[:m]
    return y


def harmonic_note(f0, seconds, amp=0.2, n_harm=8, sr=SR):
    t = _t(seconds, sr)
    y = sum((1.0 / h) * np.sin(2 * np.pi * h * f0 * t) for h in range(1, n_harm + 1) if h * f0 < sr / 2)
    env = np.minimum(1.0, t / 0.02) * np.minimum(1.0, (seconds - t) / 0.05)
    return (amp * y * env).astype(np.float32)


def chord(freqs=(261.63, 329.63, 392.0), seconds=3.0, amp=0.15):
    return np.sum([harmonic_note(f, seconds, amp=amp) for f in freqs], axis=0).astype(np.float32)


def accompaniment(seconds=4.0, seed=0, sr=SR):
    """Two alternating pad chords (1 s each) over a bass note, and a 120 BPM click beat."""
    chords = [(130.81, 164.81, 196.00), (110.00, 130.81, 164.81)]
    y = np.zeros(int(round(seconds * sr)), np.float32)
    for i, start in enumerate(range(0, y.size, sr)):
        c = chords[i % 2]
        seg = chord(c, 1.0, amp=0.08) + harmonic_note(c[0] / 2, 1.0, amp=0.15, n_harm=3)
        m = min(sr, y.size - start)
        y[start:start + m] += seg[:m]
    return y + clicks(120.0, seconds, amp=0.3, seed=seed)


# vowel -> formant centres (Hz) and bandwidths (Hz)
VOWELS = {
    "a": ((800, 1150, 2900), (80, 90, 120)),
    "e": ((400, 1600, 2700), (60, 80, 120)),
    "i": ((300, 2300, 3000), (50, 100, 120)),
    "o": ((450, 800, 2830), (70, 80, 100)),
    "u": ((325, 700, 2530), (50, 60, 170)),
}


def sung_line(seconds=4.0, seed=0, amp=0.25, vibrato_cents=40.0, sr=SR):
    """A formant-synthesised sung vowel line: one note per syllable on a scale, 5.5 Hz vibrato,
    glottal harmonics (1/sqrt(h)) shaped by the vowel's three formant resonances."""
    rng = np.random.default_rng(seed)
    scale = 220.0 * 2 ** (np.array([0, 2, 4, 5, 7, 9, 11, 12]) / 12)
    y = np.zeros(int(round(seconds * sr)))
    t0 = 0.05
    while t0 < seconds - 0.2:
        dur = min(rng.uniform(0.25, 0.45), seconds - t0)
        f_note, vowel = rng.choice(scale), str(rng.choice(list(VOWELS)))
        t = np.arange(int(dur * sr)) / sr
        f0 = f_note * 2 ** (vibrato_cents / 1200 * np.sin(2 * np.pi * 5.5 * t))
        phase = 2 * np.pi * np.cumsum(f0) / sr
        note = np.zeros_like(t)
        centres, widths = VOWELS[vowel]
        for h in range(1, 40):
            fh = h * f0
            if fh.max() > 5000:
                break
            gain = sum(a / (1.0 + ((fh - c) / b) ** 2) for c, b, a in zip(centres, widths, (1.0, 0.5, 0.25)))
            note += gain / math.sqrt(h) * np.sin(h * phase)
        env = np.minimum(1.0, t / 0.03) * np.minimum(1.0, (dur - t) / 0.05)
        i = int(t0 * sr)
        y[i:i + note.size] += note * env
        t0 += dur + rng.uniform(0.03, 0.1)
    return (y * amp / np.abs(y).max()).astype(np.float32)


def stat(clip: ClipFeatures, name: str) -> float:
    return float(clip.stats[STAT_NAMES.index(name)])


def feat(clip: ClipFeatures, name: str, config: AudioConfig = CFG) -> float:
    return float(clip.features[feature_names(config).index(name)])


def write(path, y, sr=SR, **kw):
    sf.write(str(path), y, sr, **kw)
    return path


# --------------------------------------------------------------------------------------------
# Names, levels, configuration
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("config", [AudioConfig(), AudioConfig(n_mfcc=13, n_mels=64)], ids=["default", "small"])
def test_names_and_levels_match_the_vector(config):
    names = feature_names(config)
    levels = feature_levels(config)
    clip = extract_signal(tone(440.0, 1.0), config)
    assert clip.features.shape == (len(names),) and clip.features.dtype == np.float32
    assert clip.stats.shape == (len(STAT_NAMES),) and clip.stats.dtype == np.float32
    assert len(set(names)) == len(names)
    assert set(levels) == {"low", "mid", "high"}
    flat = sorted(i for idx in levels.values() for i in idx)
    assert flat == list(range(len(names)))  # a partition of the columns
    for level, idx in levels.items():
        assert idx and all(names[i].startswith(level + ".") for i in idx)
    assert sum(n.startswith("low.mfcc") and n.endswith(".mean") for n in names) == config.n_mfcc
    for expected in ("low.mfcc03.mean", "mid.chroma07.std", "mid.tempo", "mid.pulse_clarity",
                     "mid.tonnetz5.mean", "high.rms.mean", "high.percussive_ratio"):
        assert expected in names


def test_stat_names_are_the_agreed_ones():
    assert STAT_NAMES == (
        "duration_s", "usable_duration_s", "loudness_dbfs", "dynamic_range_db", "silence_ratio",
        "clipping_ratio", "snr_db", "percussive_ratio", "vocal_presence", "onset_rate",
        "instrumental_density", "bandwidth_hz", "high_band_db")


def test_config_key_is_stable_and_tracks_every_field():
    assert AudioConfig().key() == AudioConfig().key()
    assert hash(AudioConfig()) == hash(AudioConfig())
    keys = {AudioConfig().key(), AudioConfig(sr=16000).key(), AudioConfig(n_mfcc=13).key(),
            AudioConfig(max_duration_s=None).key(), AudioConfig(silence_db=-50.0).key(),
            AudioConfig(clip_level=0.95).key(), AudioConfig(min_duration_s=1.0).key(),
            AudioConfig(hop_length=256).key(), AudioConfig(n_fft=1024).key(), AudioConfig(n_mels=64).key()}
    assert len(keys) == 10
    assert AudioConfig(max_duration_s=30).key() == AudioConfig(max_duration_s=30.0).key()
    with pytest.raises(Exception):
        AudioConfig().sr = 8000  # frozen


@pytest.mark.parametrize("kwargs, name", [
    (dict(sr=4000), "sr"), (dict(sr=22050.0), "sr"), (dict(n_fft=100), "n_fft"),
    (dict(hop_length=0), "hop_length"), (dict(hop_length=4096), "hop_length"),
    (dict(n_mfcc=0), "n_mfcc"), (dict(n_mfcc=200), "n_mfcc"), (dict(n_mels=4), "n_mels"),
    (dict(max_duration_s=0.1), "max_duration_s"), (dict(silence_db=10.0), "silence_db"),
    (dict(clip_level=1.5), "clip_level"), (dict(clip_level=0.0), "clip_level"),
    (dict(min_duration_s=-1.0), "min_duration_s"), (dict(min_duration_s=float("nan")), "min_duration_s"),
])
def test_config_rejects_bad_values_with_the_shared_message(kwargs, name):
    with pytest.raises(ParameterError, match=rf"The '{name}' parameter of AudioConfig must be .* Got .* instead\."):
        AudioConfig(**kwargs)


@pytest.mark.parametrize("y", [np.zeros((2, 100), np.float32), np.zeros(0, np.float32),
                               np.array([0.0, np.nan, 0.0], np.float32), np.array(["a", "b"]),
                               np.zeros(100, np.int16)],
                         ids=["2d", "empty", "nan", "strings", "int16"])
def test_extract_signal_rejects_malformed_input(y):
    with pytest.raises(ParameterError, match=r"The 'y' parameter of extract_signal must be"):
        extract_signal(y, CFG)


# --------------------------------------------------------------------------------------------
# Finite output on edge cases
# --------------------------------------------------------------------------------------------
EDGE_SIGNALS = {
    "tone": lambda: tone(440.0),
    "noise": lambda: white(),
    "silence": lambda: np.zeros(3 * SR, np.float32),
    "clipped": lambda: np.clip(8.0 * tone(220.0), -1.0, 1.0),
    "short_0.1s": lambda: tone(440.0, 0.1),
    "one_sample": lambda: np.array([0.5], np.float32),
    "dc": lambda: np.full(SR, 0.3, np.float32),
    "single_click": lambda: np.pad(np.ones(10, np.float32), (SR, SR)),
}


@pytest.mark.parametrize("name", list(EDGE_SIGNALS))
def test_output_is_finite(name):
    clip = extract_signal(EDGE_SIGNALS[name](), CFG)
    assert np.all(np.isfinite(clip.features)), [n for n, v in zip(feature_names(CFG), clip.features)
                                                if not np.isfinite(v)]
    assert np.all(np.isfinite(clip.stats))
    for ratio in ("silence_ratio", "clipping_ratio", "percussive_ratio", "vocal_presence",
                  "instrumental_density"):
        assert 0.0 <= stat(clip, ratio) <= 1.0
    assert 0.0 <= stat(clip, "usable_duration_s") <= stat(clip, "duration_s") + 1e-6


def test_silent_clip_extracts_and_says_so(tmp_path):
    path = write(tmp_path / "silence.wav", np.zeros(2 * SR, np.float32))
    clip = extract_clip(path, CFG)
    assert stat(clip, "silence_ratio") == 1.0
    assert stat(clip, "usable_duration_s") == 0.0
    assert stat(clip, "loudness_dbfs") == pytest.approx(audio.DB_FLOOR)
    assert stat(clip, "duration_s") == pytest.approx(2.0)
    assert stat(clip, "onset_rate") == 0.0 and stat(clip, "vocal_presence") == 0.0
    assert np.all(np.isfinite(clip.features))


def test_extraction_is_deterministic():
    y = accompaniment(3.0) + white(3.0, amp=0.01)
    a, b = extract_signal(y, CFG), extract_signal(y.copy(), CFG)
    assert np.array_equal(a.features, b.features) and np.array_equal(a.stats, b.stats)


# --------------------------------------------------------------------------------------------
# Physics of each descriptor family
# --------------------------------------------------------------------------------------------
def test_higher_tone_has_higher_centroid_and_rolloff():
    low, high = extract_signal(tone(300.0), CFG), extract_signal(tone(3000.0), CFG)
    assert feat(high, "low.centroid.mean") > 5 * feat(low, "low.centroid.mean")
    assert feat(low, "low.centroid.mean") == pytest.approx(300.0, rel=0.1)
    assert feat(high, "low.rolloff.mean") > feat(low, "low.rolloff.mean")
    assert feat(high, "low.zcr.mean") > feat(low, "low.zcr.mean")


def test_noise_is_flat_and_a_tone_is_not():
    assert feat(extract_signal(white(), CFG), "low.flatness.mean") > 0.3
    assert feat(extract_signal(tone(440.0), CFG), "low.flatness.mean") < 0.01


@pytest.mark.parametrize("bpm", [100.0, 120.0, 140.0])
def test_click_train_tempo(bpm):
    clip = extract_signal(clicks(bpm, seconds=4.0) + white(4.0, amp=0.003), CFG)
    tempo = feat(clip, "mid.tempo")
    assert any(abs(tempo - bpm * k) / (bpm * k) < 0.05 for k in (0.5, 1.0, 2.0)), tempo
    assert stat(clip, "onset_rate") == pytest.approx(bpm / 60.0, rel=0.2)


def test_pulse_clarity_high_for_a_click_train_low_for_noise():
    pulse = feat(extract_signal(clicks(120.0, 4.0) + white(4.0, amp=0.003), CFG), "mid.pulse_clarity")
    noise = feat(extract_signal(white(4.0), CFG), "mid.pulse_clarity")
    assert pulse > 0.5 and pulse > noise + 0.2


def test_chroma_finds_the_pitch_class():
    clip = extract_signal(harmonic_note(440.0, 3.0, n_harm=4), CFG)  # A
    means = [feat(clip, f"mid.chroma{i:02d}.mean") for i in range(12)]
    assert int(np.argmax(means)) == 9  # chroma bins start at C


def test_white_noise_at_0_db_drops_snr():
    y = accompaniment(4.0)
    noise = np.random.default_rng(1).standard_normal(y.size).astype(np.float32) * np.sqrt(np.mean(y ** 2))
    clean, noisy = extract_signal(y, CFG), extract_signal(y + noise, CFG)
    assert stat(clean, "snr_db") > 20.0
    assert stat(noisy, "snr_db") < stat(clean, "snr_db") - 15.0
    assert abs(stat(noisy, "snr_db")) < 4.0  # the added noise is 0 dB SNR


def test_snr_tracks_the_added_noise_level():
    y = chord(seconds=4.0)
    rng = np.random.default_rng(2)
    est = []
    for snr in (30.0, 20.0, 10.0):
        n = rng.standard_normal(y.size).astype(np.float32) * np.sqrt(np.mean(y ** 2)) * 10 ** (-snr / 20)
        est.append(stat(extract_signal(y + n, CFG), "snr_db"))
    assert est[0] > est[1] > est[2]
    assert est == pytest.approx([30.0, 20.0, 10.0], abs=4.0)


def test_hard_clipping(tmp_path):
    y = tone(220.0, 3.0, amp=0.25)
    clean = extract_clip(write(tmp_path / "clean.wav", y, subtype="PCM_16"), CFG)
    clipped = extract_clip(write(tmp_path / "clipped.wav", np.clip(8 * y, -1, 1), subtype="PCM_16"), CFG)
    assert stat(clean, "clipping_ratio") == 0.0
    assert stat(clipped, "clipping_ratio") > 0.6
    assert stat(clipped, "usable_duration_s") < 0.1 * stat(clean, "usable_duration_s")
    assert feat(clipped, "high.clipping_ratio") == pytest.approx(stat(clipped, "clipping_ratio"))


def test_low_passed_noise_has_low_bandwidth():
    y = white(3.0)
    sos = signal.butter(8, 1000.0, btype="low", fs=SR, output="sos")
    lofi = signal.sosfilt(sos, y).astype(np.float32)
    full_bw = stat(extract_signal(y, CFG), "bandwidth_hz")
    lofi_bw = stat(extract_signal(lofi, CFG), "bandwidth_hz")
    assert full_bw > 8000.0
    assert lofi_bw < 1500.0


def test_high_band_share_sees_a_low_pass_at_the_top_of_the_generators_range():
    # a chord with bright harmonics and clicks: full band; the same through an 8th-order 2 kHz low-pass
    y = (chord(seconds=3.0) + clicks(120.0, 3.0, amp=0.3)).astype(np.float32)
    lofi = signal.sosfilt(signal.butter(8, 2000.0, btype="low", fs=SR, output="sos"), y).astype(np.float32)
    full = stat(extract_signal(y, CFG), "high_band_db")
    low = stat(extract_signal(lofi, CFG), "high_band_db")
    assert -40.0 < full <= 0.0          # within the indicator's "good" level
    assert low < -60.0                  # under its "bad" level: audio_quality's band part is 0
    assert stat(extract_signal(np.zeros(SR, np.float32), CFG), "high_band_db") == -120.0  # silence: the floor


def test_percussive_ratio_clicks_versus_a_sustained_chord():
    perc = stat(extract_signal(clicks(120.0, 3.0), CFG), "percussive_ratio")
    harm = stat(extract_signal(chord(seconds=3.0), CFG), "percussive_ratio")
    mix = stat(extract_signal(clicks(120.0, 3.0, amp=0.5) + chord(seconds=3.0), CFG), "percussive_ratio")
    assert perc > 0.8 and harm < 0.1
    assert harm < mix < perc


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vocal_presence_sung_line_over_accompaniment(seed):
    backing = accompaniment(4.0, seed=seed)
    with_voice = stat(extract_signal(backing + sung_line(4.0, seed=seed), CFG), "vocal_presence")
    alone = stat(extract_signal(backing, CFG), "vocal_presence")
    assert alone < 0.05
    assert with_voice > 0.25
    assert with_voice > alone + 0.2


def test_vocal_presence_is_low_for_non_vocal_sounds():
    for y in (white(3.0), tone(440.0), chord(seconds=3.0), clicks(120.0, 3.0)):
        assert stat(extract_signal(y, CFG), "vocal_presence") < 0.05


def test_loudness_and_dynamic_range():
    sine = extract_signal(tone(440.0, 3.0, amp=0.5), CFG)
    assert stat(sine, "loudness_dbfs") == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=0.1)
    assert stat(sine, "dynamic_range_db") < 1.0
    # 1.5 s at -9 dBFS, 1.5 s at -29 dBFS: a 20 dB spread of frame levels
    steps = np.concatenate([tone(440.0, 1.5, amp=0.5), tone(440.0, 1.5, amp=0.05)])
    assert stat(extract_signal(steps, CFG), "dynamic_range_db") == pytest.approx(20.0, abs=1.5)


def test_silence_ratio_and_usable_duration_with_a_dropout():
    y = np.concatenate([tone(440.0, 1.0), np.zeros(2 * SR, np.float32), tone(440.0, 1.0)])
    clip = extract_signal(y, CFG)
    assert stat(clip, "silence_ratio") == pytest.approx(0.5, abs=0.05)
    assert stat(clip, "usable_duration_s") == pytest.approx(2.0, abs=0.15)
    # pooled timbre ignores the silent frames: same centroid as the tone alone
    assert feat(clip, "low.centroid.mean") == pytest.approx(feat(extract_signal(tone(440.0, 2.0), CFG),
                                                                 "low.centroid.mean"), rel=0.05)


def test_instrumental_density_orders_noise_chord_tone():
    dens = [stat(extract_signal(y, CFG), "instrumental_density")
            for y in (white(3.0), chord(seconds=3.0), tone(440.0))]
    assert dens[0] > 0.9
    assert dens[0] > dens[1] > dens[2]


# --------------------------------------------------------------------------------------------
# The fast median filter behind HPSS equals scipy's
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, size, axis", [((40, 300), 31, 1), ((300, 40), 31, 0), ((7, 5), 9, 1),
                                               ((3, 50), 1, 1), ((1, 2), 31, 1)])
def test_median_filter_matches_scipy(shape, size, axis):
    x = np.random.default_rng(0).random(shape).astype(np.float32)
    x[0, :2] = x[0, 0]  # ties
    fsize = (1, size) if axis == 1 else (size, 1)
    expected = ndimage.median_filter(x, size=fsize, mode="reflect")
    np.testing.assert_array_equal(audio.median_filter_axis(x, size, axis), expected)


def test_hpss_masks_match_librosa():
    S = np.abs(librosa.stft(accompaniment(2.0))).astype(np.float32)
    harm, perc, _ = hpss._hpss_masks(S)
    ref_h, ref_p = librosa.decompose.hpss(S, mask=True)
    np.testing.assert_allclose(harm, ref_h, atol=1e-5)
    np.testing.assert_allclose(perc, ref_p, atol=1e-5)


# --------------------------------------------------------------------------------------------
# One decode, one STFT
# --------------------------------------------------------------------------------------------
class _Counter:
    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


@pytest.fixture
def stft_counter(monkeypatch):
    """Wrap librosa's real ``stft`` in every loaded librosa module that refers to it."""
    real = librosa.core.spectrum.stft
    counter = _Counter(real)
    for name, module in list(sys.modules.items()):
        if (name == "librosa" or name.startswith("librosa.")) and getattr(module, "stft", None) is real:
            monkeypatch.setattr(module, "stft", counter)
    return counter


def test_one_stft_per_clip(stft_counter, tmp_path):
    path = write(tmp_path / "song.wav", accompaniment(3.0) + sung_line(3.0))
    extract_clip(path, CFG)
    assert stft_counter.calls == 1
    extract_signal(tone(440.0, 2.0), CFG)
    assert stft_counter.calls == 2


def test_the_stft_counter_sees_hidden_stfts(stft_counter):
    # the counter is not blind: a descriptor called from y computes its own STFT, and it counts
    y = tone(440.0, 1.0)
    librosa.feature.spectral_centroid(y=y, sr=SR)
    librosa.onset.onset_strength(y=y, sr=SR)
    assert stft_counter.calls == 2


def test_one_decode_per_clip(monkeypatch, tmp_path):
    path = write(tmp_path / "song.flac", accompaniment(3.0), format="FLAC")
    reads = _Counter(sf.SoundFile.read)
    monkeypatch.setattr(sf.SoundFile, "read", lambda self, *a, **k: reads(self, *a, **k))
    extract_clip(path, CFG)
    assert reads.calls == 1


# --------------------------------------------------------------------------------------------
# Decoding and its errors
# --------------------------------------------------------------------------------------------
def test_decode_errors_name_the_file_and_the_reason(tmp_path):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(range(256)) * 8)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    short = write(tmp_path / "short.wav", tone(440.0, 0.2))
    text = tmp_path / "notes.ogg"
    text.write_text("these are not audio samples\n" * 20)
    nan = write(tmp_path / "nan.wav", np.array([0.1, np.nan] * SR, np.float32), subtype="FLOAT")
    cases = {
        corrupt: "not a decodable audio file",
        empty: "empty file (0 bytes)",
        tmp_path / "missing.wav": "file not found",
        short: "too short: 0.20 s",
        text: "the format could not be recognised",
        nan: "NaN or infinite samples",
        tmp_path: "is a folder",
    }
    for path, reason in cases.items():
        with pytest.raises(AudioDecodeError) as info:
            extract_clip(path, CFG)
        err = info.value
        assert str(path) in str(err) and reason in str(err), str(err)
        assert err.path == str(path)


def test_permission_denied():
    """Unreadable for real even when the tests run as root (where chmod 000 stops nothing): the file is
    decoded by a subprocess that has dropped its privileges to user nobody."""
    import shutil

    from tests.test_bad_input import run_as_nobody, world_tempdir
    home = world_tempdir()
    try:
        locked, readable = write(home / "locked.wav", tone(440.0, 1.0)), write(home / "open.wav", tone(440.0, 1.0))
        os.chmod(locked, 0)
        os.chmod(readable, 0o644)
        result = run_as_nobody(f"""
import json
from core.errors import AudioDecodeError
from core.features.audio import load_audio
try:
    load_audio({str(locked)!r})
    locked = "decoded"
except AudioDecodeError as exc:
    locked = [exc.path, exc.reason, exc.hint]
print(json.dumps({{"locked": locked, "open": int(load_audio({str(readable)!r}).size)}}))
""", home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert result["locked"] == [str(locked), "permission denied (the file cannot be read)",
                                "make it readable, e.g. chmod a+r"]
    assert result["open"] == SR


def test_load_audio_mixes_resamples_and_truncates(tmp_path):
    left, right = tone(440.0, 3.0, amp=0.4, sr=44100), tone(440.0, 3.0, amp=0.2, sr=44100)
    path = write(tmp_path / "stereo44k.wav", np.stack([left, right], axis=1), sr=44100)
    y = load_audio(path, CFG)
    assert y.dtype == np.float32 and y.ndim == 1
    assert y.size == pytest.approx(3 * SR, abs=2)
    assert np.sqrt(np.mean(y ** 2)) == pytest.approx(0.3 / math.sqrt(2), rel=0.01)  # mean of channels
    short = load_audio(path, AudioConfig(max_duration_s=1.5))
    assert short.size == pytest.approx(1.5 * SR, abs=2)
    assert load_audio(path, AudioConfig(sr=16000)).size == pytest.approx(3 * 16000, abs=2)


FORMATS = [("wav", "WAV", "PCM_16", 0.01), ("flac", "FLAC", "PCM_16", 0.01), ("au", "AU", "PCM_16", 0.01),
           ("ogg", "OGG", "VORBIS", 0.08), ("mp3", "MP3", "MPEG_LAYER_III", 0.08)]


@pytest.mark.parametrize("ext, fmt, subtype, tol", FORMATS, ids=[f[0] for f in FORMATS])
def test_formats_extract_to_close_features(tmp_path, ext, fmt, subtype, tol):
    if fmt not in sf.available_formats():
        pytest.skip(f"libsndfile here cannot write {fmt}")
    y = 0.7 * (accompaniment(3.0) + sung_line(3.0))
    ref = extract_clip(write(tmp_path / "ref.wav", y, subtype="FLOAT"), CFG)
    clip = extract_clip(write(tmp_path / f"clip.{ext}", y, format=fmt, subtype=subtype), CFG)
    names = feature_names(CFG)
    # timbre: MFCC means within tol of the spread of the MFCC means; a few dB for loudness
    idx = [i for i, n in enumerate(names) if n.startswith("low.mfcc") and n.endswith(".mean")]
    scale = np.ptp(ref.features[idx])
    assert np.max(np.abs(clip.features[idx] - ref.features[idx])) < tol * scale + 1e-3
    for name in ("low.centroid.mean", "low.rolloff.mean", "high.rms.mean"):
        assert feat(clip, name) == pytest.approx(feat(ref, name), rel=max(tol, 1e-3))
    assert feat(clip, "mid.tempo") == pytest.approx(feat(ref, "mid.tempo"), rel=0.05)
    assert stat(clip, "loudness_dbfs") == pytest.approx(stat(ref, "loudness_dbfs"), abs=0.5)
    assert stat(clip, "duration_s") == pytest.approx(3.0, abs=0.1)
