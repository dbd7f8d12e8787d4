"""Signal building blocks of the generator (package-internal): numpy in, numpy out.

Every array is float64 at the sample rate ``sr``; frequencies are in Hz, times in seconds.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal


def _hz(midi) -> np.ndarray:
    return 440.0 * 2.0 ** ((np.asarray(midi, dtype=float) - 69.0) / 12.0)


def _envelope(n_note: int, n_total: int, sr: int, attack: float, decay: float, sustain: float,
              release: float) -> np.ndarray:
    """Attack ramp, exponential decay to ``sustain``, exponential release after the note (s)."""
    t = np.arange(n_total) / sr
    env = sustain + (1.0 - sustain) * np.exp(-t / max(decay, 1e-4))
    env *= np.minimum(1.0, t / max(attack, 1e-4))
    dur = n_note / sr
    tail = t > dur
    env[tail] *= np.exp(-(t[tail] - dur) / max(release, 1e-4))
    return env


def _saw(freq: float, n: int, sr: int, phase: float = 0.0) -> np.ndarray:
    return 2.0 * ((phase + freq * np.arange(n) / sr) % 1.0) - 1.0


def _pulse(freq: float, n: int, sr: int, width: float, phase: float = 0.0) -> np.ndarray:
    return np.where(((phase + freq * np.arange(n) / sr) % 1.0) < width, 1.0, -1.0)


def _add(out: np.ndarray, start: int, x: np.ndarray, gain: float = 1.0) -> None:
    if start >= len(out) or start + len(x) <= 0:
        return
    if start < 0:
        x, start = x[-start:], 0
    end = min(len(out), start + len(x))
    out[start:end] += gain * x[: end - start]


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def _lowpass(x: np.ndarray, cutoff: float, sr: int, order: int = 2) -> np.ndarray:
    cutoff = min(cutoff, 0.45 * sr)
    return signal.sosfilt(signal.butter(order, cutoff, fs=sr, output="sos"), x)


def _bandpass(x: np.ndarray, lo: float, hi: float, sr: int, order: int = 2) -> np.ndarray:
    hi = min(hi, 0.45 * sr)
    return signal.sosfilt(signal.butter(order, (lo, hi), btype="band", fs=sr, output="sos"), x)


def _highpass(x: np.ndarray, cutoff: float, sr: int, order: int = 2) -> np.ndarray:
    cutoff = min(cutoff, 0.45 * sr)
    return signal.sosfilt(signal.butter(order, cutoff, btype="high", fs=sr, output="sos"), x)


def _karplus_strong(freq: float, n: int, sr: int, excitation: np.ndarray, damping: float
                    ) -> np.ndarray:
    """Plucked string: ``y[k] = x[k] + damping/2 * (y[k-L] + y[k-L-1])`` as one IIR filter.

    The loop delay is ``L + 0.5`` samples, so ``L = round(sr / freq - 0.5)``.
    """
    lag = max(2, int(round(sr / freq - 0.5)))
    a = np.zeros(lag + 2)
    a[0] = 1.0
    a[lag] = a[lag + 1] = -0.5 * damping
    x = np.zeros(n)
    m = min(lag, n)
    x[:m] = excitation[:m]
    return signal.lfilter([1.0], a, x)


def _resonator(freq: float, bandwidth: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Two-pole resonator at ``freq`` Hz with unit gain at its centre."""
    r = math.exp(-math.pi * bandwidth / sr)
    theta = 2.0 * math.pi * freq / sr
    a = np.array([1.0, -2.0 * r * math.cos(theta), r * r])
    z = np.exp(-1j * theta)
    gain = abs(1.0 / (a[0] + a[1] * z + a[2] * z * z))
    return np.array([1.0 / gain]), a
