"""Real audio written by the tests: small, seeded signals saved with soundfile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

SR = 22050


def song_like(seed: int, seconds: float = 2.0, sr: int = SR, tempo: float = 120.0,
              pitch_hz: float = 220.0, noise: float = 0.0) -> np.ndarray:
    """A short musical-ish clip: a harmonic tone, a click track at ``tempo`` and optional noise; float32 in [-1, 1]."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.3 * np.sin(2 * np.pi * pitch_hz * t) + 0.1 * np.sin(2 * np.pi * 2 * pitch_hz * t)
    beat = int(sr * 60.0 / tempo)
    clicks = np.zeros_like(t)
    clicks[::beat] = 1.0
    kernel = np.exp(-np.arange(400) / 40.0) * rng.standard_normal(400)
    y += 0.4 * np.convolve(clicks, kernel)[: len(t)]
    if noise:
        y += noise * rng.standard_normal(len(t))
    return (0.8 * y / max(1e-9, np.abs(y).max())).astype(np.float32)


def write_clip(path: Path, y: np.ndarray, sr: int = SR, fmt: str | None = None, subtype: str | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, sr, format=fmt, subtype=subtype)
    return path


def make_gtzan(root: Path, genres=("blues", "jazz", "rock"), per_genre: int = 2, seconds: float = 2.0) -> Path:
    """A GTZAN-shaped folder: <root>/<genre>/<genre>.000NN.wav, one clip per genre saved as .au,
    plus an unreadable jazz.00054.wav like the real set's."""
    root = Path(root)
    for g_i, genre in enumerate(genres):
        for k in range(per_genre):
            y = song_like(seed=10 * g_i + k, seconds=seconds, tempo=90 + 30 * g_i, pitch_hz=150 * (g_i + 1))
            ext = ".au" if k == 0 else ".wav"
            fmt = "AU" if ext == ".au" else None
            write_clip(root / genre / f"{genre}.{k:05d}{ext}", y, fmt=fmt, subtype="PCM_16")
    (root / "jazz").mkdir(parents=True, exist_ok=True)
    (root / "jazz" / "jazz.00054.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(range(256)) * 4)
    return root
