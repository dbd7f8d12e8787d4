"""Note renderers: one factory per instrument family, each drawing its track's timbre once.

:func:`instrument` returns ``f(midi, seconds[, extra]) -> waveform`` for an instrument name, with
this track's timbre (detune, envelope, FM index, string damping, filter resonance ...) drawn from
``song.rng`` when it is made, and every rendered note cached.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

import numpy as np
from scipy import signal

from core.datasets.synthetic.dsp import _envelope, _hz, _karplus_strong, _lowpass, _pulse, _saw

if TYPE_CHECKING:
    from core.datasets.synthetic.song import Song

Renderer = Callable[..., np.ndarray]

_OSCILLATORS = ("power_saw", "stab", "pad", "saw", "bright_synth", "square")


def instrument(song: Song, kind: str) -> Renderer:
    """A note renderer ``f(midi, seconds) -> waveform`` with this track's timbre, cached."""
    factory = _FACTORIES.get(kind)
    if factory is None:
        raise ValueError(f"unknown instrument {kind!r}")
    render = factory(song, kind)
    cache: dict = {}

    def cached(midi, seconds, *extra):
        key = (int(midi), round(float(seconds), 3)) + tuple(round(e, 1) for e in extra)
        if key not in cache:
            cache[key] = render(midi, seconds, *extra)
        return cache[key]

    return cached


def _oscillators(song: Song, kind: str) -> Renderer:
    """Detuned saw or pulse oscillators under an ADSR envelope (guitar, synths, pad, bass)."""
    sr, rng = song.sr, song.rng
    detune = {"power_saw": (4, 10), "stab": (5, 14), "pad": (6, 16), "saw": (0, 3),
              "bright_synth": (5, 12), "square": (0, 3)}[kind]
    cents = rng.uniform(*detune)
    adsr = {"power_saw": (0.004, 0.15, 0.8, 0.05), "stab": (0.005, 0.12, 0.3, 0.12),
            "pad": (rng.uniform(0.3, 0.8), 1.0, 0.8, 0.8),
            "saw": (0.004, 0.2, 0.6, 0.05), "bright_synth": (0.005, 0.2, 0.55, 0.1),
            "square": (0.004, 0.15, 0.7, 0.05)}[kind]
    n_osc = 3 if kind == "pad" else (1 if kind in ("saw", "square") else 2)
    width = rng.uniform(0.25, 0.5)
    pulse = kind in ("bright_synth", "square")

    def render(midi, seconds):
        n_note = max(1, int(seconds * sr))
        n = n_note + int(4 * adsr[3] * sr)
        f0 = float(_hz(midi))
        x = np.zeros(n)
        for k in range(n_osc):
            f = f0 * 2.0 ** ((k - (n_osc - 1) / 2) * cents / 1200.0)
            ph = (k * 0.37) % 1.0
            x += _pulse(f, n, sr, width, ph) if pulse else _saw(f, n, sr, ph)
        return x / n_osc * _envelope(n_note, n, sr, *adsr)

    return render


def _fm(song: Song, kind: str) -> Renderer:
    """Two-operator FM: an electric piano (ratio 1) or bells (inharmonic ratios)."""
    sr, rng = song.sr, song.rng
    ratio = 1.0 if kind == "fm_piano" else rng.choice([3.5, 2.76, 4.0])
    index = rng.uniform(1.0, 2.5) if kind == "fm_piano" else rng.uniform(2.0, 4.0)
    base_tau = rng.uniform(0.8, 1.4) if kind == "fm_piano" else rng.uniform(1.2, 2.0)

    def render(midi, seconds):
        f0 = float(_hz(midi))
        tau = base_tau * min(2.0, math.sqrt(261.6 / f0))
        n_note = max(1, int(seconds * sr))
        n = n_note + int(0.6 * sr)
        t = np.arange(n) / sr
        mod = index * np.exp(-t / 0.35) * np.sin(2 * np.pi * ratio * f0 * t)
        x = np.sin(2 * np.pi * f0 * t + mod)
        x += 0.15 * np.sin(4 * np.pi * f0 * t) * np.exp(-t / (0.5 * tau))
        return x * _envelope(n_note, n, sr, 0.003, tau, 0.0, 0.15)

    return render


def _pluck(song: Song, kind: str) -> Renderer:
    """Karplus-Strong plucked string excited by low-passed noise."""
    sr, rng = song.sr, song.rng
    damping = rng.uniform(0.985, 0.996)
    bright = rng.uniform(2500, 6000)
    excitation = _lowpass(song.noise_slice(sr // 20), bright, sr)

    def render(midi, seconds):
        n_note = max(1, int(seconds * sr))
        n = n_note + int(0.1 * sr)
        y = _karplus_strong(float(_hz(midi)), n, sr, excitation, damping)
        return y * _envelope(n_note, n, sr, 0.001, 10.0, 1.0, 0.03)

    return render


def _sine(song: Song, kind: str) -> Renderer:
    """A sine with a little second harmonic (soft bass)."""
    sr = song.sr

    def render(midi, seconds):
        n_note = max(1, int(seconds * sr))
        n = n_note + int(0.2 * sr)
        t = np.arange(n) / sr
        f0 = float(_hz(midi))
        x = np.sin(2 * np.pi * f0 * t) + 0.2 * np.sin(4 * np.pi * f0 * t)
        return x * _envelope(n_note, n, sr, 0.01, 0.4, 0.7, 0.05)

    return render


def _bass_808(song: Song, kind: str) -> Renderer:
    """An 808 bass: a saturated sine with a fast downward pitch sweep and a long decay."""
    sr, rng = song.sr, song.rng
    tau = rng.uniform(0.4, 0.9)

    def render(midi, seconds):
        n_note = max(1, int(seconds * sr))
        n = n_note + int(0.1 * sr)
        t = np.arange(n) / sr
        f = float(_hz(midi)) * (1.0 + 1.5 * np.exp(-t / 0.02))
        x = np.tanh(1.8 * np.sin(2 * np.pi * np.cumsum(f) / sr))
        return x * _envelope(n_note, n, sr, 0.002, tau, 0.0, 0.05)

    return render


def _acid(song: Song, kind: str) -> Renderer:
    """A saw through a resonant low-pass whose cut-off (Hz) each note carries as ``extra``."""
    sr, rng = song.sr, song.rng
    q = rng.uniform(3.0, 8.0)

    def render(midi, seconds, cutoff=1000.0):
        n_note = max(1, int(seconds * sr))
        n = n_note + int(0.05 * sr)
        x = _saw(float(_hz(midi)), n, sr)
        w0 = 2 * math.pi * min(cutoff, 0.4 * sr) / sr
        alpha = math.sin(w0) / (2 * q)
        b = np.array([(1 - math.cos(w0)) / 2, 1 - math.cos(w0), (1 - math.cos(w0)) / 2])
        a = np.array([1 + alpha, -2 * math.cos(w0), 1 - alpha])
        return signal.lfilter(b / a[0], a / a[0], x) * _envelope(
            n_note, n, sr, 0.002, 0.12, 0.3, 0.02)

    return render


_FACTORIES: dict[str, Callable[[Song, str], Renderer]] = {
    **{kind: _oscillators for kind in _OSCILLATORS},
    "fm_piano": _fm, "bells": _fm, "pluck": _pluck, "sine": _sine, "808": _bass_808, "acid": _acid,
}
