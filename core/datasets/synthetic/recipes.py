"""How each genre sounds and sings: rhythm and harmony tables, :class:`GenreRecipe`, :data:`GENRES`.

Every ``(low, high)`` range of a recipe is drawn once per track with :func:`_uniform`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


#: Drum patterns, one bar of 16 sixteenth steps: ``name -> (kick, snare, hat, open hat)``.
#: ``X`` accent (1.0), ``x`` normal (0.75), ``o`` ghost (0.4), ``.`` rest.
DRUM_PATTERNS: dict[str, tuple[str, str, str, str]] = {
    "rock": ("x.......x.x.....", "....X.......X...", "x.x.x.x.x.x.x.x.", "................"),
    "double_kick": ("xxxxxxxxxxxxxxxx", "....X.......X...", "x...x...x...x...",
                    "................"),
    "metal_gallop": ("x.xxx.xxx.xxx.xx", "....X.......X...", "x.x.x.x.x.x.x.x.",
                     "................"),
    "skate": ("x...x...x...x...", "..X...X...X...X.", "x.x.x.x.x.x.x.x.", "................"),
    "punk_rock": ("x.x...x.x.x...x.", "....X.......X...", "xoxoxoxoxoxoxoxo", "................"),
    "ballad": ("x.........x.....", "....x.......x...", "x...x...x...x...", "................"),
    "ballad_sparse": ("x...............", "........x.......", "x.......x.......",
                      "................"),
    "four_floor": ("x...x...x...x...", "....X.......X...", "................", "..x...x...x...x."),
    "pop_synco": ("x.....x.x.......", "....X.......X...", "x.x.x.x.x.x.x.x.", "................"),
    "disco": ("X...X...X...X...", "....x.......x...", "oooooooooooooooo", "..x...x...x...x."),
    "techno": ("X...X...X...X...", "....x.......x...", "..x...x...x...x.", "................"),
    "techno_min": ("X...X...X...X...", "................", "oxoxoxoxoxoxoxox", "..............x."),
    "boom_bap": ("x......x..x.....", "....X.......X...", "x.x.x.x.x.x.x.x.", "................"),
    "trap": ("x.........x..x..", "........X.......", "xxxxxxxxxxxxxxxx", "................"),
    "one_drop": ("........x.......", "........X.......", "x.x.x.x.x.x.x.x.", "................"),
    "rockers": ("x...x...x...x...", "........X.......", "x.xxx.xxx.xxx.xx", "................"),
}

#: Bass patterns: ``name -> ((step, duration in steps, semitones above the chord root), ...)``.
BASS_PATTERNS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "eighths": tuple((s, 2, 0) for s in range(0, 16, 2)),
    "sixteenths": tuple((s, 1, 0) for s in range(16)),
    "quarters": tuple((s, 4, 0) for s in range(0, 16, 4)),
    "root_fifth": ((0, 8, 0), (8, 8, 7)),
    "whole": ((0, 16, 0),),
    "octaves": tuple((s, 2, 12 * ((s // 2) % 2)) for s in range(0, 16, 2)),
    "syncopated": ((0, 3, 0), (3, 3, 0), (6, 2, 12), (8, 3, 0), (11, 3, 7), (14, 2, 12)),
    "offbeat": tuple((s, 2, 0) for s in (2, 6, 10, 14)),
    "boom": ((0, 7, 0), (7, 3, 0), (10, 6, 0)),
    "trap808": ((0, 10, 0), (10, 3, 0), (13, 3, 7)),
    "reggae": ((0, 3, 0), (4, 2, 0), (6, 2, 7), (10, 2, 5), (12, 4, 7)),
}

#: Chord rhythm patterns: ``name -> ((step, duration in steps), ...)``; ``arpeggio`` is special.
HARMONY_PATTERNS: dict[str, tuple[tuple[int, int], ...]] = {
    "sustain": ((0, 16),),
    "half": ((0, 8), (8, 8)),
    "quarters": tuple((s, 4) for s in range(0, 16, 4)),
    "eighths": tuple((s, 2) for s in range(0, 16, 2)),
    "sixteenths": tuple((s, 1) for s in range(16)),
    "offbeat": ((2, 1), (6, 1), (10, 1), (14, 1)),
    "skank": ((4, 2), (12, 2)),
    "stabs": ((3, 1), (6, 1), (11, 1)),
    "arpeggio": tuple((s, 2) for s in range(0, 16, 2)),
}

#: Names of the dry stems, in mixing order.
STEM_NAMES = ("drums", "bass", "harmony", "lead", "voice")

_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)
_VELOCITY = {"X": 1.0, "x": 0.75, "o": 0.4}


def _uniform(rng: np.random.Generator, pair) -> float:
    """A draw from the range ``pair = (low, high)``; ``low`` itself, without a draw, if high <= low."""
    lo, hi = pair
    return float(lo) if hi <= lo else float(rng.uniform(lo, hi))


@dataclass(frozen=True)
class GenreRecipe:
    """How one genre sounds and what it sings about.

    Every ``(low, high)`` range is drawn uniformly once per track, so tracks of one genre differ
    in tempo, key, timbre and mix.

    Attributes
    ----------
    tempo_bpm : (float, float)
        Tempo range, beats per minute.
    swing : (float, float)
        Delay of the off sixteenths, as a fraction of a sixteenth (0 straight, 0.33 triplet feel).
    drum_patterns : tuple of str
        Keys of :data:`DRUM_PATTERNS`, one drawn per track; empty for no drums.
    kick, snare : str
        Drum sounds: kick ``"punchy"``, ``"deep"`` or ``"soft"``; snare ``"snare"``, ``"clap"``,
        ``"rim"`` or ``"brush"``.
    bass : str
        Bass instrument: ``"saw"``, ``"square"``, ``"sine"``, ``"808"``, ``"pluck"`` or ``"none"``.
    bass_patterns : tuple of str
        Keys of :data:`BASS_PATTERNS`.
    harmony : str
        Chord instrument: ``"power_saw"`` (distorted), ``"fm_piano"``, ``"pad"``, ``"pluck"``
        (Karplus-Strong), ``"bright_synth"`` or ``"stab"``.
    harmony_patterns : tuple of str
        Keys of :data:`HARMONY_PATTERNS`.
    progressions : tuple of tuple of int
        Chord progressions as scale degrees (0 = tonic), one bar per chord.
    lead : str
        Instrumental lead line: ``"none"``, ``"acid"`` (resonant saw arpeggio) or ``"bells"`` (FM).
    minor_probability : float
        Chance that a track is in a minor key.
    drive : (float, float)
        Distortion drive of the chord stem (1 = clean).
    brightness_hz : (float, float)
        Low-pass cutoff of the chord stem, Hz.
    reverb : (float, float)
        Reverb send of chords, lead and voice, 0..1.
    loudness_dbfs : (float, float)
        Master RMS level before the peak limiter, dBFS.
    dynamics_db : (float, float)
        Depth of slow level swells over the clip, dB.
    mix_db : (float, float, float, float, float)
        Levels of drums, bass, chords, lead and voice, dB relative to each other.
    has_voice : bool
        Whether a sung part and lyrics exist.
    voice_style : str
        ``"sung"``, ``"rap"`` (fast, flat pitch), ``"growl"`` (distorted, subharmonic),
        ``"shout"`` (breathy, little vibrato) or ``"none"``.
    voice_register : (int, int)
        MIDI note range of the sung melody.
    voice_grid : int
        Sixteenth steps per syllable (1 rap, 2 most, 4 ballad).
    themes : tuple of str
        Keys of :data:`THEMES`; empty for instrumentals.
    theme_share : float
        Probability that a content word comes from the genre's themes rather than the common pool.
    words_per_line, lines_per_verse, chorus_lines : (int, int)
        Lyric density and song structure.
    """

    tempo_bpm: tuple[float, float]
    swing: tuple[float, float]
    drum_patterns: tuple[str, ...]
    kick: str
    snare: str
    bass: str
    bass_patterns: tuple[str, ...]
    harmony: str
    harmony_patterns: tuple[str, ...]
    progressions: tuple[tuple[int, ...], ...]
    lead: str
    minor_probability: float
    drive: tuple[float, float]
    brightness_hz: tuple[float, float]
    reverb: tuple[float, float]
    loudness_dbfs: tuple[float, float]
    dynamics_db: tuple[float, float]
    mix_db: tuple[float, float, float, float, float]
    has_voice: bool
    voice_style: str
    voice_register: tuple[int, int]
    voice_grid: int
    themes: tuple[str, ...]
    theme_share: float
    words_per_line: tuple[int, int]
    lines_per_verse: tuple[int, int]
    chorus_lines: tuple[int, int]


_LOUD_GUITAR = dict(
    swing=(0.0, 0.03), kick="punchy", snare="snare", bass="saw", harmony="power_saw",
    lead="none", reverb=(0.03, 0.12), loudness_dbfs=(-11.0, -8.0), dynamics_db=(0.0, 1.5),
    mix_db=(0.0, -5.0, 0.0, -99.0, -2.0), has_voice=True, voice_grid=2,
    words_per_line=(5, 8), lines_per_verse=(4, 6), chorus_lines=(2, 4),
)
_QUIET_PIANO = dict(
    swing=(0.0, 0.08), drum_patterns=("ballad", "ballad_sparse"), kick="soft", snare="brush",
    bass="sine", bass_patterns=("root_fifth", "whole"), harmony="fm_piano",
    harmony_patterns=("arpeggio", "quarters", "half"),
    progressions=((0, 4, 5, 3), (0, 5, 3, 4), (0, 3, 0, 4), (5, 3, 0, 4)),
    lead="none", minor_probability=0.4, drive=(1.0, 1.0), brightness_hz=(3000.0, 6000.0),
    reverb=(0.25, 0.45), loudness_dbfs=(-23.0, -17.0), dynamics_db=(3.0, 8.0),
    mix_db=(-12.0, -7.0, 0.0, -99.0, 0.0), has_voice=True, voice_style="sung",
    voice_register=(57, 72), voice_grid=4, theme_share=0.55,
    words_per_line=(3, 6), lines_per_verse=(3, 4), chorus_lines=(2, 4),
)
_PARTY_VOCAL = dict(
    has_voice=True, voice_style="sung", voice_grid=2, themes=("party", "summer"),
    theme_share=0.55, words_per_line=(5, 8), lines_per_verse=(4, 6), chorus_lines=(3, 4),
)

#: The built-in genres, in their default order.
GENRES: dict[str, GenreRecipe] = {
    "metal": GenreRecipe(
        tempo_bpm=(132.0, 172.0), drum_patterns=("double_kick", "metal_gallop", "rock"),
        bass_patterns=("eighths", "sixteenths"), harmony_patterns=("eighths", "sixteenths"),
        progressions=((0, 5, 6, 0), (0, 3, 5, 4), (0, 0, 5, 6), (0, 6, 5, 6)),
        minor_probability=0.9, drive=(6.0, 12.0), brightness_hz=(2200.0, 4200.0),
        voice_style="growl", voice_register=(45, 57), themes=("war", "fire", "darkness"),
        theme_share=0.6, **_LOUD_GUITAR),
    "punk": GenreRecipe(
        tempo_bpm=(148.0, 192.0), drum_patterns=("skate", "punk_rock", "rock"),
        bass_patterns=("eighths",), harmony_patterns=("eighths",),
        progressions=((0, 3, 4, 0), (0, 4, 5, 3), (0, 3, 0, 4), (0, 5, 3, 4)),
        minor_probability=0.3, drive=(4.0, 9.0), brightness_hz=(2800.0, 5200.0),
        voice_style="shout", voice_register=(52, 64), themes=("rebellion", "city", "politics"),
        theme_share=0.6, **_LOUD_GUITAR),
    "ballad": GenreRecipe(tempo_bpm=(58.0, 84.0), themes=("love", "heartbreak"), **_QUIET_PIANO),
    "gospel": GenreRecipe(tempo_bpm=(60.0, 88.0), themes=("faith", "church"), **_QUIET_PIANO),
    "pop": GenreRecipe(
        tempo_bpm=(100.0, 128.0), swing=(0.0, 0.05), drum_patterns=("four_floor", "pop_synco"),
        kick="punchy", snare="clap", bass="square", bass_patterns=("syncopated", "eighths"),
        harmony="bright_synth", harmony_patterns=("offbeat", "eighths", "half"),
        progressions=((0, 4, 5, 3), (5, 3, 0, 4), (0, 5, 3, 4), (3, 4, 0, 0)),
        lead="none", minor_probability=0.2, drive=(1.0, 1.6), brightness_hz=(5000.0, 9000.0),
        reverb=(0.12, 0.28), loudness_dbfs=(-13.0, -10.0), dynamics_db=(0.5, 2.0),
        mix_db=(-2.0, -4.0, -3.0, -99.0, 0.0), has_voice=True, voice_style="sung",
        voice_register=(60, 74), voice_grid=2, themes=("love", "heartbreak"), theme_share=0.55,
        words_per_line=(5, 8), lines_per_verse=(4, 5), chorus_lines=(3, 4)),
    "hiphop": GenreRecipe(
        tempo_bpm=(80.0, 98.0), swing=(0.12, 0.3), drum_patterns=("boom_bap", "trap"),
        kick="deep", snare="snare", bass="808", bass_patterns=("boom", "trap808"),
        harmony="pad", harmony_patterns=("sustain", "half"),
        progressions=((0, 5), (0, 3), (0, 5, 3, 4), (0, 0, 5, 5)),
        lead="bells", minor_probability=0.8, drive=(1.0, 1.3), brightness_hz=(1200.0, 2600.0),
        reverb=(0.05, 0.15), loudness_dbfs=(-13.0, -10.0), dynamics_db=(0.0, 1.5),
        mix_db=(0.0, 0.0, -9.0, -14.0, 0.0), has_voice=True, voice_style="rap",
        voice_register=(50, 59), voice_grid=1, themes=("money", "street"), theme_share=0.55,
        words_per_line=(10, 15), lines_per_verse=(12, 16), chorus_lines=(4, 4)),
    "reggae": GenreRecipe(
        tempo_bpm=(68.0, 92.0), swing=(0.05, 0.2), drum_patterns=("one_drop", "rockers"),
        kick="deep", snare="rim", bass="sine", bass_patterns=("reggae",),
        harmony="pluck", harmony_patterns=("skank", "offbeat"),
        progressions=((0, 3), (0, 4), (0, 5, 3, 4), (0, 3, 4, 3)),
        lead="none", minor_probability=0.5, drive=(1.0, 1.0), brightness_hz=(2500.0, 5000.0),
        reverb=(0.1, 0.25), loudness_dbfs=(-16.0, -13.0), dynamics_db=(0.5, 2.5),
        mix_db=(-3.0, 0.0, -4.0, -99.0, 0.0), voice_register=(55, 67), **_PARTY_VOCAL),
    "disco": GenreRecipe(
        tempo_bpm=(112.0, 128.0), swing=(0.0, 0.04), drum_patterns=("disco",),
        kick="punchy", snare="clap", bass="saw", bass_patterns=("octaves",),
        harmony="stab", harmony_patterns=("offbeat", "half"),
        progressions=((0, 3), (0, 5, 3, 4), (0, 4, 5, 3), (1, 4, 0, 0)),
        lead="none", minor_probability=0.4, drive=(1.0, 1.3), brightness_hz=(3500.0, 7000.0),
        reverb=(0.1, 0.25), loudness_dbfs=(-12.0, -9.5), dynamics_db=(0.0, 1.5),
        mix_db=(-1.0, -2.0, -5.0, -99.0, 0.0), voice_register=(60, 72), **_PARTY_VOCAL),
    "ambient": GenreRecipe(
        tempo_bpm=(60.0, 90.0), swing=(0.0, 0.0), drum_patterns=(), kick="soft", snare="brush",
        bass="sine", bass_patterns=("whole",), harmony="pad", harmony_patterns=("sustain",),
        progressions=((0, 5), (0, 3, 5, 4), (0, 4), (3, 0)),
        lead="bells", minor_probability=0.5, drive=(1.0, 1.0), brightness_hz=(700.0, 2000.0),
        reverb=(0.45, 0.8), loudness_dbfs=(-26.0, -20.0), dynamics_db=(3.0, 9.0),
        mix_db=(-99.0, -6.0, 0.0, -6.0, -99.0), has_voice=False, voice_style="none",
        voice_register=(60, 72), voice_grid=2, themes=(), theme_share=0.0,
        words_per_line=(0, 0), lines_per_verse=(0, 0), chorus_lines=(0, 0)),
    "techno": GenreRecipe(
        tempo_bpm=(124.0, 136.0), swing=(0.0, 0.05), drum_patterns=("techno", "techno_min"),
        kick="punchy", snare="clap", bass="saw", bass_patterns=("offbeat", "sixteenths"),
        harmony="stab", harmony_patterns=("stabs", "offbeat"),
        progressions=((0,), (0, 0, 5, 5), (0, 6), (0, 3)),
        lead="acid", minor_probability=0.8, drive=(1.0, 2.0), brightness_hz=(1500.0, 4000.0),
        reverb=(0.08, 0.2), loudness_dbfs=(-11.0, -9.0), dynamics_db=(0.0, 1.0),
        mix_db=(0.0, -5.0, -7.0, -3.0, -99.0), has_voice=False, voice_style="none",
        voice_register=(60, 72), voice_grid=2, themes=(), theme_share=0.0,
        words_per_line=(0, 0), lines_per_verse=(0, 0), chorus_lines=(0, 0)),
}
