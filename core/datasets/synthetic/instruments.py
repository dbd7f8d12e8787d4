"""The instrumental parts of a song: drums, bass, chords and lead, each rendered into a stem.

Each part reads the song's decisions (:class:`~core.datasets.synthetic.song.Song`: tempo, key,
progression, timing) and draws its own choices (pattern, velocities, filter) from ``song.rng``;
pitched notes go through :func:`~core.datasets.synthetic.timbres.instrument`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from core.datasets.synthetic.dsp import _add, _bandpass, _highpass, _lowpass
from core.datasets.synthetic.recipes import (
    _VELOCITY,
    BASS_PATTERNS,
    DRUM_PATTERNS,
    HARMONY_PATTERNS,
    _uniform,
)
from core.datasets.synthetic.timbres import instrument

if TYPE_CHECKING:
    from core.datasets.synthetic.song import Song


def drum_kit(song: Song) -> dict[str, np.ndarray]:
    """This track's drum sounds: kick, snare (or clap, rim, brush), closed and open hat."""
    r, sr, rng = song.recipe, song.sr, song.rng
    t = np.arange(int(0.6 * sr)) / sr
    f_start, f_end, tau, click = {
        "punchy": (rng.uniform(160, 220), rng.uniform(48, 60), rng.uniform(0.12, 0.2), 0.4),
        "deep": (rng.uniform(110, 150), rng.uniform(40, 48), rng.uniform(0.25, 0.45), 0.2),
        "soft": (rng.uniform(100, 130), rng.uniform(55, 66), rng.uniform(0.1, 0.16), 0.0),
    }[r.kick]
    f = f_end + (f_start - f_end) * np.exp(-t / 0.035)
    kick = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / tau)
    kick += click * song.noise_slice(len(t)) * np.exp(-t / 0.002)
    nz = song.noise_slice(len(t))
    if r.snare == "snare":
        tone = np.sin(2 * np.pi * rng.uniform(175, 225) * t) * np.exp(-t / 0.05)
        snare = 0.6 * tone + _bandpass(nz, 1500, 9000, sr) * 2.0 * np.exp(
            -t / rng.uniform(0.07, 0.15))
    elif r.snare == "clap":
        bursts = sum(np.exp(-np.maximum(t - d, 0) / 0.006) * (t >= d) for d in (0, .011, .022))
        snare = _bandpass(nz, 900, 3500, sr) * 2.5 * (
            bursts + np.exp(-np.maximum(t - 0.022, 0) / rng.uniform(0.06, 0.1)) * (t >= .022))
    elif r.snare == "rim":
        snare = (np.sin(2 * np.pi * rng.uniform(400, 520) * t) * np.exp(-t / 0.02)
                 + _highpass(nz, 2000, sr) * np.exp(-t / 0.012))
    else:  # brush
        snare = _bandpass(nz, 2000, 8000, sr) * np.minimum(1, t / 0.01) * np.exp(
            -t / rng.uniform(0.08, 0.14))
    hat_src = _highpass(song.noise_slice(len(t)), rng.uniform(6000, 8000), sr, order=4)
    hat = hat_src * np.exp(-t / rng.uniform(0.015, 0.04))
    open_hat = hat_src * np.exp(-t / rng.uniform(0.15, 0.3))
    return {"kick": kick, "snare": snare, "hat": 0.5 * hat, "open": 0.4 * open_hat}


def drums(song: Song) -> np.ndarray:
    """The drum stem: one of the recipe's patterns, bar after bar, with ghost notes and humanised timing."""
    out = np.zeros(song.n_buf)
    if not song.recipe.drum_patterns:
        return out
    rng = song.rng
    name = song.recipe.drum_patterns[int(rng.integers(len(song.recipe.drum_patterns)))]
    song.info["drum_pattern"] = name
    pattern = DRUM_PATTERNS[name]
    kit = drum_kit(song)
    ghost = rng.uniform(0.0, 0.15)
    for bar in range(song.n_bars):
        for part, row in zip(("kick", "snare", "hat", "open"), pattern):
            for s, c in enumerate(row):
                vel = _VELOCITY.get(c)
                if vel is None:
                    if part == "snare" and s % 2 and rng.random() < ghost:
                        vel = 0.25
                    else:
                        continue
                vel *= rng.uniform(0.85, 1.0)
                _add(out, song.sample(bar * 16 + s), kit[part], vel)
    return out


def play(song: Song, notes, kind: str) -> np.ndarray:
    """Render ``(start step, length in steps, midi, velocity[, extra])`` notes into a stem."""
    out = np.zeros(song.n_buf)
    synth = instrument(song, kind)
    for start, length, midi, vel, *extra in notes:
        seconds = max(song.time(start + length) - song.time(start), 0.02)
        _add(out, song.sample(start), synth(midi, seconds, *extra), vel)
    return out


def bass(song: Song) -> np.ndarray:
    """The bass stem: the recipe's bass pattern on each bar's chord root."""
    r, rng = song.recipe, song.rng
    if r.bass == "none":
        return np.zeros(song.n_buf)
    name = r.bass_patterns[int(rng.integers(len(r.bass_patterns)))]
    song.info["bass_pattern"] = name
    pattern = BASS_PATTERNS[name]
    base = 28 + song.key + (12 if r.bass in ("sine", "808") and song.key < 4 else 0)
    notes = []
    for bar in range(song.n_bars):
        root = song.degree(song.chord(bar)[0])
        for step, length, semis in pattern:
            notes.append((bar * 16 + step, length, base + root + semis,
                          rng.uniform(0.8, 1.0)))
    stem = play(song, notes, r.bass)
    if r.bass in ("saw", "square"):
        stem = _lowpass(stem, rng.uniform(500, 1400), song.sr)
    return stem


def harmony(song: Song) -> np.ndarray:
    """The chord stem: the bar's triad (or power chord) in the recipe's rhythm, driven and low-passed."""
    r, rng = song.recipe, song.rng
    name = r.harmony_patterns[int(rng.integers(len(r.harmony_patterns)))]
    song.info["harmony_pattern"] = name
    pattern = HARMONY_PATTERNS[name]
    base = (40 if r.harmony == "power_saw" else 52) + song.key
    legato = 0.6 if r.harmony == "power_saw" and name != "sustain" else 0.9
    notes = []
    for bar in range(song.n_bars):
        tri = song.chord(bar)
        if r.harmony == "power_saw":
            tones = [song.degree(tri[0]) + s for s in (0, 7, 12)]
        else:
            tones = [song.degree(p) for p in tri]
        for i, (step, length) in enumerate(pattern):
            vel = rng.uniform(0.75, 1.0) * (1.0 if step % 4 == 0 else 0.85)
            dur = max(1, int(round(length * legato))) if legato < 0.9 else length
            if name == "arpeggio":
                tone = tones[(0, 1, 2, 1)[i % 4]] + (12 if i % 8 == 4 else 0)
                notes.append((bar * 16 + step, 4, base + tone, vel))
            else:
                notes.extend((bar * 16 + step, dur, base + t, vel / len(tones) ** 0.5)
                             for t in tones)
    stem = play(song, notes, r.harmony)
    drive = _uniform(rng, r.drive)
    if drive > 1.01:
        peak = np.max(np.abs(stem)) or 1.0
        stem = np.tanh(drive * stem / peak) / math.tanh(drive)
    return _lowpass(stem, _uniform(rng, r.brightness_hz), song.sr,
                    order=4 if r.harmony == "power_saw" else 2)


def lead(song: Song) -> np.ndarray:
    """The instrumental lead: an acid arpeggio, sparse bells, or silence."""
    r, rng = song.recipe, song.rng
    notes = []
    if r.lead == "acid":
        base = 36 + song.key
        density = rng.uniform(0.6, 0.9)
        sweep = rng.uniform(4, 12)
        for bar in range(song.n_bars):
            tri = song.chord(bar)
            cutoff = 500.0 + 2200.0 * (0.5 + 0.5 * math.sin(2 * math.pi * bar / sweep))
            for s in range(16):
                if rng.random() < density:
                    tone = song.degree(tri[int(rng.integers(3))]) + 12 * int(rng.integers(2))
                    notes.append((bar * 16 + s, 1, base + tone, rng.uniform(0.6, 1.0),
                                  round(cutoff, -2)))
        return play(song, notes, "acid")
    if r.lead == "bells":
        base = 72 + song.key
        every = int(rng.choice([4, 8]))
        for bar in range(song.n_bars):
            tri = song.chord(bar)
            for s in range(0, 16, every):
                if rng.random() < 0.7:
                    pos = tri[int(rng.integers(3))] + 7 * int(rng.integers(0, 2)) - 7
                    notes.append((bar * 16 + s, every, base + song.degree(pos),
                                  rng.uniform(0.4, 1.0)))
        return play(song, notes, "bells")
    return np.zeros(song.n_buf)
