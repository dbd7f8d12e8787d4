"""The sung part: a formant voice singing the lyric lines, one note per syllable.

A sawtooth glottal source with vibrato (or a speech-like fall for rap, distortion and a
subharmonic for growls) goes through three vowel formant resonators; consonant onsets add a
short hiss. The melody walks the song's scale inside the recipe's register and lands on chord
tones at bar halves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import signal

from core.datasets.synthetic.dsp import _add, _envelope, _highpass, _hz, _resonator
from core.datasets.synthetic.lyrics import syllables

if TYPE_CHECKING:
    from core.datasets.synthetic.song import Song

#: Vowel formants: ``vowel -> ((centre Hz, bandwidth Hz, gain), ...)`` for F1, F2, F3.
VOWEL_FORMANTS: dict[str, tuple[tuple[float, float, float], ...]] = {
    "a": ((800.0, 80.0, 1.0), (1150.0, 90.0, 0.5), (2900.0, 120.0, 0.25)),
    "e": ((450.0, 70.0, 1.0), (1700.0, 90.0, 0.45), (2600.0, 120.0, 0.3)),
    "i": ((300.0, 50.0, 1.0), (2250.0, 100.0, 0.4), (3000.0, 120.0, 0.3)),
    "o": ((450.0, 70.0, 1.0), (800.0, 80.0, 0.6), (2830.0, 100.0, 0.2)),
    "u": ((330.0, 60.0, 1.0), (700.0, 70.0, 0.5), (2500.0, 100.0, 0.15)),
}


@dataclass(frozen=True)
class _Singer:
    """One track's singer: style, formant filter banks per vowel and the source settings."""

    style: str
    tilt: float          # glottal tilt pole (one-pole low-pass coefficient)
    banks: dict          # vowel -> [(b, a, gain), ...] of the formant resonators
    vib_depth: float     # vibrato depth, semitones
    vib_rate: float      # vibrato rate, Hz
    breath: float        # breath noise level relative to the source
    legato: float        # share of the syllable's grid steps that is sung
    hiss: np.ndarray     # consonant onset noise burst


def _draw_singer(song: Song) -> _Singer:
    r, rng, sr = song.recipe, song.rng, song.sr
    style = r.voice_style
    shift = rng.uniform(0.9, 1.12)  # singer's vocal tract size
    tilt = math.exp(-2 * math.pi * rng.uniform(250, 600) / sr)
    banks = {v: [(*_resonator(f * shift, bw, sr), g) for f, bw, g in fs]
             for v, fs in VOWEL_FORMANTS.items()}
    vib_depth = {"sung": rng.uniform(0.3, 0.7), "growl": 0.15, "shout": 0.1, "rap": 0.0}[style]
    vib_rate = rng.uniform(4.8, 6.2)
    breath = {"sung": 0.05, "growl": 0.35, "shout": 0.25, "rap": 0.12}[style]
    legato = {"sung": 0.92, "growl": 0.85, "shout": 0.8, "rap": 0.7}[style]
    hiss = _highpass(song.noise_slice(int(0.04 * sr)), 3500, sr) * np.hanning(int(0.04 * sr))
    return _Singer(style, tilt, banks, vib_depth, vib_rate, breath, legato, hiss)


def voice(song: Song, stanzas: list[list[str]]) -> np.ndarray:
    """Sing the lyric lines from the start of the song, one note per syllable.

    Appends ``(onset s, duration s, midi, vowel)`` per sung note to ``song.voice_notes``.
    """
    r, rng, sr = song.recipe, song.rng, song.sr
    out = np.zeros(song.n_buf)
    if not r.has_voice or not stanzas:
        return out
    singer = _draw_singer(song)
    lo, hi = r.voice_register
    tonic = 60 + song.key
    positions = [p for p in range(-21, 22) if lo <= tonic + song.degree(p) <= hi]
    if not positions:
        positions = [0]
    pos = positions[len(positions) // 2]
    grid = r.voice_grid
    bar_steps = 16
    cursor = int(rng.integers(0, 2)) * bar_steps  # sing from bar 0 or 1
    end_step = int(song.n / sr / song.step) + 1
    for stanza in stanzas:
        for text in stanza:
            syl = [s for w in text.split() for s in syllables(w)]
            if not syl:
                continue
            span = int(math.ceil((len(syl) * grid + 2 * grid) / 8.0)) * 8
            pos = _sing_line(song, out, singer, syl, cursor, span, pos, positions, tonic,
                             end_step)
            cursor += span
            if cursor >= end_step:
                return out
        cursor += bar_steps - cursor % bar_steps if cursor % bar_steps else 0
        cursor += bar_steps // 2
    return out


def _sing_line(song: Song, out: np.ndarray, singer: _Singer, syl: list[tuple[str, bool]],
               cursor: int, span: int, pos: int, positions: list[int], tonic: int,
               end_step: int) -> int:
    """Sing one line's syllables from step ``cursor`` into ``out``; return the melody position."""
    grid, style = song.recipe.voice_grid, singer.style
    for i, (vowel, consonant) in enumerate(syl):
        step = cursor + i * grid
        if step >= end_step:
            break
        pos = _next_position(song, style, pos, positions, step, i)
        midi = tonic + song.degree(pos)
        length = grid * singer.legato
        if i == len(syl) - 1:
            length = max(length, min(span - i * grid - grid, 8) * 0.9)
        seconds = max(0.06, length * song.step)
        start = song.sample(step)
        if start >= song.n:
            break
        x = _syllable(song, singer, float(_hz(midi)), seconds, singer.banks[vowel])
        _add(out, start, x)
        song.voice_notes.append((start / song.sr, seconds, int(midi), vowel))
        if consonant:
            _add(out, start, singer.hiss, 0.25 if style != "growl" else 0.4)
    return pos


def _next_position(song: Song, style: str, pos: int, positions: list[int], step: int,
                   i: int) -> int:
    """The melody's next scale position: rap drifts by a step now and then; singing walks and
    lands on a chord tone at each half bar and at the start of a line."""
    rng = song.rng
    chord = song.chord(step // 16)
    if style == "rap":
        if rng.random() < 0.3:
            pos = int(np.clip(pos + rng.integers(-1, 2), positions[0], positions[-1]))
        return pos
    pos = int(np.clip(pos + rng.choice([-2, -1, 0, 1, 2], p=[.1, .3, .2, .3, .1]),
                      positions[0], positions[-1]))
    if step % 8 == 0 or i == 0:
        cands = [p for p in positions if (p - chord[0]) % 7 in (0, 2, 4)]
        if cands:
            pos = min(cands, key=lambda p: abs(p - pos))
    return pos


def voice_stem(song: Song, stanzas: list[list[str]]) -> np.ndarray:
    """The sung part, high-passed at 150 Hz as a mixing engineer would."""
    out = voice(song, stanzas)
    return _highpass(out, 150.0, song.sr) if song.voice_notes else out


def _syllable(song: Song, singer: _Singer, f0: float, seconds: float, bank) -> np.ndarray:
    """One sung note at ``f0`` Hz for ``seconds``, through one vowel's formant ``bank``."""
    sr, style, tilt = song.sr, singer.style, singer.tilt
    n_note = int(seconds * sr)
    n = n_note + int(0.06 * sr)
    t = np.arange(n) / sr
    if style == "rap":
        cents = -100.0 * t / seconds  # speech-like fall over the syllable
    else:
        cents = 100.0 * singer.vib_depth * np.sin(2 * np.pi * singer.vib_rate * t) * np.clip(
            (t - 0.1) / 0.25, 0.0, 1.0)
    phase = np.cumsum(f0 * 2.0 ** (cents / 1200.0)) / sr
    src = signal.lfilter([1.0 - tilt], [1.0, -tilt], 2.0 * (phase % 1.0) - 1.0)
    src *= 1.0 / (1.0 - tilt) ** 0.5  # glottal tilt (-12 dB/octave overall), level kept
    if style == "growl":
        src = np.tanh(2.5 * src) * (1.0 + 0.6 * np.sin(np.pi * phase))
    src = src + singer.breath * song.noise_slice(n)
    y = np.zeros(n)
    for b, a, g in bank:
        y += g * signal.lfilter(b, a, src)
    return y * _envelope(n_note, n, sr, 0.025, 0.4, 0.8, 0.035)
