"""One song's musical decisions (tempo, key, scale, progression, timing) and its mix.

:class:`Song` draws a track's decisions from its music generator and answers "when does step s
start" and "which pitch is scale position p"; the parts are rendered by
:mod:`~core.datasets.synthetic.instruments` (drums, bass, chords, lead) and
:mod:`~core.datasets.synthetic.voice` (the sung part), and :func:`mix` levels, reverberates and
masters them. Every random draw comes from ``song.rng``, in a fixed order, so the same generator
gives the same waveform.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from core.datasets.synthetic.dsp import _lowpass, _rms
from core.datasets.synthetic.instruments import bass, drums, harmony, lead
from core.datasets.synthetic.recipes import _MAJOR, _MINOR, STEM_NAMES, GenreRecipe, _uniform
from core.datasets.synthetic.voice import voice_stem


class Song:
    """Per-track musical decisions (tempo, key, patterns, timbre) and the timing helpers."""

    def __init__(self, recipe: GenreRecipe, sr: int, seconds: float, rng: np.random.Generator):
        self.recipe, self.sr, self.rng = recipe, sr, rng
        self.bpm = _uniform(rng, recipe.tempo_bpm)
        self.step = 60.0 / self.bpm / 4.0
        self.swing = _uniform(rng, recipe.swing)
        self.key = int(rng.integers(12))
        self.scale = _MINOR if rng.random() < recipe.minor_probability else _MAJOR
        self.progression = recipe.progressions[int(rng.integers(len(recipe.progressions)))]
        self.n_bars = int(math.ceil(seconds / (16 * self.step))) + 1
        self.n = int(round(seconds * sr))
        self.n_buf = self.n  # notes ringing past the end are cut by _add
        self.noise = rng.standard_normal(int(1.5 * sr))
        self.humanize = float(rng.uniform(0.002, 0.008))
        self.info: dict = {"bpm": round(self.bpm, 2), "key": self.key,
                           "mode": "minor" if self.scale is _MINOR else "major",
                           "progression": tuple(self.progression)}
        self.voice_notes: list[tuple[float, float, int, str]] = []
        self.stems: dict[str, np.ndarray] = {}

    # -- time and pitch --------------------------------------------------------------------
    def time(self, step: int) -> float:
        """Start time in seconds of a global sixteenth step, with swing."""
        return step * self.step + (self.swing * self.step if step % 2 else 0.0)

    def sample(self, step: int, jitter: bool = True) -> int:
        t = self.time(step)
        if jitter:
            t += self.rng.normal(0.0, self.humanize)
        return max(0, int(round(t * self.sr)))

    def degree(self, pos: int) -> int:
        """Semitones above the tonic of an (unbounded) scale position."""
        return self.scale[pos % 7] + 12 * (pos // 7)

    def chord(self, bar: int) -> tuple[int, int, int]:
        """Scale positions of the triad of a bar."""
        d = self.progression[bar % len(self.progression)]
        return (d, d + 2, d + 4)

    def noise_slice(self, n: int) -> np.ndarray:
        start = int(self.rng.integers(0, len(self.noise) - 1))
        idx = (start + np.arange(n)) % len(self.noise)
        return self.noise[idx]


def mix(song: Song, stanzas: list[list[str]]) -> np.ndarray:
    """Render every part, level the stems, add reverb, swell, master and limit: the clip.

    Keeps the dry stems at their mixed level and master gain in ``song.stems``.
    """
    r, rng = song.recipe, song.rng
    stems = [drums(song), bass(song), harmony(song), lead(song), voice_stem(song, stanzas)]
    out = np.zeros(song.n_buf)
    wet = np.zeros(song.n_buf)
    for i, (stem, level) in enumerate(zip(stems, r.mix_db)):
        rms = _rms(stem)
        if level <= -90 or rms < 1e-9:
            continue
        stem = stem / rms * 10.0 ** ((level + rng.uniform(-3.0, 3.0)) / 20.0)
        song.stems[STEM_NAMES[i]] = stem
        out += stem
        if i >= 2:
            wet += stem
    send = _uniform(rng, r.reverb)
    if send > 0:
        out += send * _reverb_tail(song, wet, send)
    return _master(song, out[: song.n])


def _reverb_tail(song: Song, wet: np.ndarray, send: float) -> np.ndarray:
    """Noise-burst reverb of the chords, lead and voice: RT60 grows with the send."""
    rng, sr = song.rng, song.sr
    rt60 = 0.6 + 2.0 * send
    m = int(min(rt60, 1.5) * sr)
    t = np.arange(m) / sr
    ir = _lowpass(song.noise_slice(m), rng.uniform(3000, 6000), sr) * np.exp(
        -6.9 * t / rt60)
    ir /= np.sqrt(np.sum(ir ** 2))
    tail = signal.oaconvolve(wet.astype(np.float32), ir.astype(np.float32))
    return tail[: song.n_buf].astype(np.float64)


def _master(song: Song, y: np.ndarray) -> np.ndarray:
    """Slow level swells, master gain to the recipe's loudness, peak limiter, 10 ms fades."""
    r, rng, sr = song.recipe, song.rng, song.sr
    t = np.arange(song.n) / sr
    depth = _uniform(rng, r.dynamics_db)
    period = rng.uniform(6.0, 14.0)
    swell = 0.5 - 0.5 * np.cos(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    y = y * 10.0 ** (-depth * swell / 20.0)
    master = 10.0 ** (_uniform(rng, r.loudness_dbfs) / 20.0) / max(_rms(y), 1e-12)
    y *= master
    song.stems = {k: v[: song.n] * master for k, v in song.stems.items()}
    y = 0.98 * np.tanh(y / 0.98)  # peak limiter: never reaches full scale
    fade = min(int(0.01 * sr), song.n // 4)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        y[:fade] *= ramp
        y[-fade:] *= ramp[::-1]
    return y
