"""Built-in synthetic song set: seeded songs with real waveforms, lyrics and recorded ground truth.

Each genre is a :class:`GenreRecipe`: tempo, swing, drum pattern (synthesised kick, snare, hats),
bass line, chord progression and chord instrument (distorted saw, FM piano, Karplus-Strong pluck,
pad, 808 ...), loudness and dynamics, and whether a voice-like sung part is present. The voice is
formant-synthesised: a sawtooth glottal source with vibrato through three vowel formant resonators,
one note per syllable of the lyric lines (syllables counted by vowel groups), on a melody in the
song's key. Lyrics mix per-genre theme vocabularies with a shared common pool, in verses and a
repeated chorus.

The genres are built so that the two modalities matter to different extents:

==========  ==========================================  ============================
pair        sound                                        lyrics
==========  ==========================================  ============================
metal/punk  alike (distorted saw power chords, loud)     differ (war/fire/darkness vs
                                                         rebellion/city/politics)
ballad/     alike (quiet FM piano, slow, sparse)         differ (love vs faith)
gospel
ballad/pop  differ (quiet piano vs bright synth, 4/4)    alike (love, heartbreak)
reggae/     differ (one-drop + skank vs four-on-floor)   alike (party, summer)
disco
==========  ==========================================  ============================

``ambient`` and ``techno`` are instrumental: no voice, no lyrics file.

Some tracks are degraded, at most once per modality: audio noise at a given SNR, dropouts
(silence), clipping, or a lo-fi low-pass; lyrics truncated, garbled (typos, junk tokens) or
missing (a sung track without its lyrics file). What was done is recorded in
``ground_truth.csv``, which only evaluation reads.

Every random choice comes from numpy Generators seeded from ``(config.seed, genre, index within
the genre)``, with separate streams for the music, the lyrics and each degradation, so the same
seed gives byte-identical files whatever the number of worker processes, and changing a
degradation rate does not change the songs themselves.

Files on disk (``out_dir``)::

    audio/<track_id>.wav     mono PCM_16 at ``config.sr`` (22,050 Hz by default)
    lyrics/<track_id>.txt    UTF-8; absent for instrumentals and "missing" lyrics
    manifest.csv             track_id, audio_path, lyrics_path (relative; lyrics_path empty if none)
    ground_truth.csv         track_id, genre, has_voice, audio_degradation,
                             audio_degradation_param, lyrics_degradation
    synth_config.json        the configuration plus ``generator_version``

The set is built in a temporary sibling folder and renamed into place, so a killed build never
leaves a half set that looks complete.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import re
import shutil
import tempfile
import zlib
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
import soundfile as sf
from scipy import signal

from core.datasets.base import Dataset, Problem, make_tracks
from core.errors import DatasetError, ParameterError, check_param
from core.progress import ProgressCallback, report

#: Bumped whenever the generator's output changes for the same configuration.
GENERATOR_VERSION = "synthetic-songs/1"

AUDIO_DEGRADATIONS = ("none", "noise", "dropout", "clipping", "lowpass")
LYRICS_DEGRADATIONS = ("none", "truncated", "garbled", "missing", "instrumental")
MANIFEST_COLUMNS = ("track_id", "audio_path", "lyrics_path")
GROUND_TRUTH_COLUMNS = ("track_id", "genre", "has_voice", "audio_degradation",
                        "audio_degradation_param", "lyrics_degradation")

# ----------------------------------------------------------------------------------------------
# Lyric vocabularies
# ----------------------------------------------------------------------------------------------

#: Theme vocabularies: ``name -> (nouns, verbs, adjectives)``.
THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "love": (
        ("love", "heart", "kiss", "arms", "lips", "darling", "lover", "romance", "embrace",
         "sweetheart", "honey", "rose", "valentine", "promise", "wedding", "devotion"),
        ("love", "hold", "kiss", "adore", "need", "want", "cherish", "embrace", "touch", "marry",
         "hug", "treasure"),
        ("sweet", "tender", "beautiful", "warm", "gentle", "lovely", "romantic", "true",
         "precious", "dear"),
    ),
    "heartbreak": (
        ("tears", "goodbye", "heartache", "memory", "regret", "sorrow", "loneliness", "pain",
         "farewell", "breakup", "ring", "photograph"),
        ("cry", "leave", "forget", "lose", "break", "fade", "mourn", "miss", "weep", "grieve",
         "pretend"),
        ("broken", "lonely", "empty", "lost", "sad", "blue", "bitter", "hollow", "tearful"),
    ),
    "faith": (
        ("lord", "god", "heaven", "grace", "prayer", "spirit", "soul", "glory", "savior", "angel",
         "mercy", "salvation", "jesus", "blessing", "miracle"),
        ("pray", "praise", "worship", "believe", "bless", "rejoice", "kneel", "trust", "glorify",
         "redeem", "forgive"),
        ("holy", "blessed", "righteous", "eternal", "divine", "faithful", "sacred", "heavenly",
         "mighty"),
    ),
    "church": (
        ("church", "choir", "altar", "sunday", "hymn", "congregation", "sermon", "chapel",
         "bible", "cross", "preacher", "amen", "hallelujah", "steeple"),
        ("sing", "gather", "kneel", "testify", "baptize", "preach", "shout", "clap"),
        ("humble", "joyful", "gracious", "glorious", "sanctified"),
    ),
    "war": (
        ("war", "battle", "sword", "army", "soldier", "blood", "enemy", "steel", "warrior",
         "throne", "shield", "cannon", "legion", "conquest", "siege"),
        ("fight", "kill", "march", "conquer", "destroy", "slay", "bleed", "charge", "invade",
         "crush"),
        ("fallen", "brutal", "bloody", "iron", "savage", "merciless", "armored", "ruthless"),
    ),
    "fire": (
        ("fire", "flame", "ash", "inferno", "smoke", "ember", "blaze", "furnace", "lava", "hell",
         "sulfur", "pyre"),
        ("burn", "ignite", "scorch", "smolder", "consume", "melt", "incinerate"),
        ("burning", "molten", "scorched", "infernal", "fiery", "charred", "blazing"),
    ),
    "darkness": (
        ("darkness", "shadow", "void", "abyss", "grave", "doom", "death", "demon", "curse",
         "tomb", "coffin", "skull", "specter"),
        ("die", "haunt", "descend", "devour", "rot", "decay", "perish", "summon"),
        ("dark", "black", "grim", "unholy", "wicked", "dead", "cursed", "morbid", "sinister"),
    ),
    "rebellion": (
        ("riot", "revolution", "rules", "system", "resistance", "anarchy", "rebel", "protest",
         "fist", "uprising", "barricade", "chaos"),
        ("resist", "refuse", "rebel", "smash", "revolt", "defy", "overthrow", "disobey"),
        ("angry", "defiant", "rebellious", "restless", "radical", "furious"),
    ),
    "city": (
        ("street", "city", "concrete", "subway", "alley", "traffic", "sirens", "neon", "pavement",
         "suburbs", "downtown", "gutter", "graffiti", "tenement"),
        ("roam", "wander", "skate", "loiter", "commute"),
        ("urban", "grey", "crowded", "dirty", "gritty", "noisy"),
    ),
    "politics": (
        ("government", "president", "police", "law", "vote", "nation", "flag", "propaganda",
         "corruption", "election", "politician", "parliament", "taxes", "senator", "regime"),
        ("lie", "control", "obey", "censor", "legislate", "campaign", "elect", "oppress"),
        ("corrupt", "political", "unjust", "national", "official", "authoritarian"),
    ),
    "money": (
        ("money", "cash", "dollars", "bank", "gold", "diamonds", "chains", "paper", "bills",
         "riches", "stacks", "benjamins", "rolex", "mansion", "bentley"),
        ("stack", "spend", "flex", "earn", "count", "ball", "cash", "invest", "splurge"),
        ("rich", "golden", "paid", "expensive", "flashy", "wealthy", "iced"),
    ),
    "street": (
        ("hood", "block", "corner", "crew", "homies", "hustle", "streets", "game", "struggle",
         "squad", "dealer", "trap", "cops"),
        ("hustle", "survive", "grind", "rep", "roll", "trap", "ride"),
        ("real", "hard", "raw", "tough", "hungry", "cold"),
    ),
    "party": (
        ("party", "dance", "floor", "music", "groove", "rhythm", "beat", "weekend", "drinks",
         "celebration", "crowd", "dj", "disco", "club", "boogie"),
        ("dance", "move", "groove", "celebrate", "jump", "shake", "party", "boogie", "bounce",
         "sway"),
        ("funky", "wild", "crazy", "happy", "electric", "hot", "groovy"),
    ),
    "summer": (
        ("sunshine", "summer", "beach", "island", "sun", "sea", "waves", "palm", "holiday",
         "breeze", "sand", "ocean"),
        ("shine", "swim", "chill", "relax", "bask", "float"),
        ("sunny", "tropical", "breezy", "salty", "bright"),
    ),
}

#: Shared pool every genre draws from: ``(nouns, verbs, adjectives)``.
COMMON_WORDS: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] = (
    ("time", "day", "night", "world", "life", "way", "eyes", "hands", "mind", "dream", "road",
     "sky", "home", "light", "morning", "moment", "name", "voice", "door", "rain", "wind",
     "friend", "people", "thing", "place", "story"),
    ("know", "feel", "see", "take", "find", "go", "come", "say", "wait", "walk", "call", "try",
     "give", "remember", "look", "tell", "turn", "hear", "stay", "run"),
    ("new", "old", "long", "little", "last", "same", "whole", "slow", "high", "strange", "other",
     "only"),
)

_PRONOUNS = ("I", "you", "we", "they")
_FILLERS = ("oh", "yeah", "tonight", "again", "now", "hey", "woah")
# P pronoun, N noun, V verb, A adjective, F filler; other tokens are literal.
_CHUNKS = (
    "P V the N", "the A N", "in the N", "P V my N", "N and N", "like a A N", "we V the N",
    "all the A N", "V the N", "under the A N", "P V", "my A N", "to the N", "the N of N",
    "so A", "P V your A N", "A and A", "through the N", "P can V", "V it all", "F F",
)
_TRAILING_FUNCTION_WORDS = {"the", "a", "my", "your", "in", "to", "of", "and", "like", "under",
                            "through", "all", "so", "can", "it"}
_JUNK_TOKENS = ("#@!", "xqzt", "%%", "&*#", "zzkr", "qwx", "brrzt", "@@", "~~", "###", "vvkq",
                "!?!")

# ----------------------------------------------------------------------------------------------
# Rhythm and harmony tables
# ----------------------------------------------------------------------------------------------

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

#: Vowel formants: ``vowel -> ((centre Hz, bandwidth Hz, gain), ...)`` for F1, F2, F3.
VOWEL_FORMANTS: dict[str, tuple[tuple[float, float, float], ...]] = {
    "a": ((800.0, 80.0, 1.0), (1150.0, 90.0, 0.5), (2900.0, 120.0, 0.25)),
    "e": ((450.0, 70.0, 1.0), (1700.0, 90.0, 0.45), (2600.0, 120.0, 0.3)),
    "i": ((300.0, 50.0, 1.0), (2250.0, 100.0, 0.4), (3000.0, 120.0, 0.3)),
    "o": ((450.0, 70.0, 1.0), (800.0, 80.0, 0.6), (2830.0, 100.0, 0.2)),
    "u": ((330.0, 60.0, 1.0), (700.0, 70.0, 0.5), (2500.0, 100.0, 0.15)),
}

# ----------------------------------------------------------------------------------------------
# Genre recipes
# ----------------------------------------------------------------------------------------------


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

# ----------------------------------------------------------------------------------------------
# Configuration
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SynthConfig:
    """Knobs of the synthetic song set; a frozen, hashable value.

    Attributes
    ----------
    genres : tuple of str
        Genre names from :data:`GENRES` (default: all, in their built-in order).
    tracks_per_genre : int
        Tracks generated per genre, >= 1.
    clip_seconds : float
        Length of every clip, seconds, in [1, 600].
    sr : int
        Sample rate, Hz, in [8000, 48000].
    seed : int
        Seed of every random choice, >= 0.
    audio_noise_rate, audio_dropout_rate, audio_clipping_rate, audio_lowpass_rate : float
        Fraction of tracks (0..1, summing to at most 1) whose audio gets white noise, a silent
        dropout, clipping, or a lo-fi low-pass. At most one audio degradation per track.
    noise_snr_db : (float, float)
        Range of the signal-to-noise ratio of the added noise, dB.
    dropout_fraction : (float, float)
        Range of the fraction of the clip silenced by a dropout (in 1-3 gaps), in (0, 1).
    clipping_gain : (float, float)
        Range of the gain applied relative to full-scale peak before hard clipping, > 1.
    lowpass_hz : (float, float)
        Range of the cutoff of the 8th-order Butterworth low-pass, Hz, below sr / 2.
    lyrics_truncate_rate, lyrics_garble_rate, lyrics_missing_rate : float
        Fraction of sung tracks (0..1, summing to at most 1) whose lyrics are cut to a few words,
        garbled (typos, junk tokens), or missing (no lyrics file although the track is sung).
    """

    genres: tuple[str, ...] = tuple(GENRES)
    tracks_per_genre: int = 40
    clip_seconds: float = 20.0
    sr: int = 22050
    seed: int = 0
    audio_noise_rate: float = 0.06
    noise_snr_db: tuple[float, float] = (0.0, 6.0)
    audio_dropout_rate: float = 0.05
    dropout_fraction: tuple[float, float] = (0.2, 0.5)
    audio_clipping_rate: float = 0.05
    clipping_gain: tuple[float, float] = (3.0, 10.0)
    audio_lowpass_rate: float = 0.05
    lowpass_hz: tuple[float, float] = (700.0, 2000.0)
    lyrics_truncate_rate: float = 0.06
    lyrics_garble_rate: float = 0.06
    lyrics_missing_rate: float = 0.05

    def __post_init__(self) -> None:
        for name in ("genres", "noise_snr_db", "dropout_fraction", "clipping_gain", "lowpass_hz"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        self.validate()

    def validate(self) -> None:
        """Raise :class:`~core.errors.ParameterError` naming the first parameter out of range."""
        own = "SynthConfig"
        g = self.genres
        check_param(own, "genres", g, f"a non-empty tuple of distinct names from {sorted(GENRES)}",
                    isinstance(g, tuple) and len(g) > 0 and len(set(g)) == len(g)
                    and all(isinstance(x, str) and x in GENRES for x in g))
        check_param(own, "tracks_per_genre", self.tracks_per_genre, "an int in [1, 100000]",
                    _is_int(self.tracks_per_genre) and 1 <= self.tracks_per_genre <= 100000)
        check_param(own, "clip_seconds", self.clip_seconds, "a float in [1, 600]",
                    _is_real(self.clip_seconds) and 1.0 <= self.clip_seconds <= 600.0)
        check_param(own, "sr", self.sr, "an int in [8000, 48000]",
                    _is_int(self.sr) and 8000 <= self.sr <= 48000)
        check_param(own, "seed", self.seed, "an int >= 0", _is_int(self.seed) and self.seed >= 0)
        audio = ("audio_noise_rate", "audio_dropout_rate", "audio_clipping_rate",
                 "audio_lowpass_rate")
        lyrics = ("lyrics_truncate_rate", "lyrics_garble_rate", "lyrics_missing_rate")
        for name in audio + lyrics:
            value = getattr(self, name)
            check_param(own, name, value, "a float in [0, 1]",
                        _is_real(value) and 0.0 <= value <= 1.0)
        for group, label in ((audio, "audio"), (lyrics, "lyrics")):
            total = sum(getattr(self, n) for n in group)
            if total > 1.0 + 1e-9:
                raise ParameterError(
                    f"The {label} degradation rates of SynthConfig ({', '.join(group)}) must sum "
                    f"to at most 1 (one degradation per modality per track). Got {total:g} "
                    "instead.")
        _check_pair(own, "noise_snr_db", self.noise_snr_db, -30.0, 80.0, "dB")
        _check_pair(own, "dropout_fraction", self.dropout_fraction, 0.01, 0.95, "")
        _check_pair(own, "clipping_gain", self.clipping_gain, 1.01, 1000.0, "")
        nyquist = self.sr / 2.0 if _is_int(self.sr) else 24000.0
        _check_pair(own, "lowpass_hz", self.lowpass_hz, 50.0, 0.95 * nyquist, "Hz")

    @property
    def n_tracks(self) -> int:
        """Total number of tracks, ``len(genres) * tracks_per_genre``."""
        return len(self.genres) * self.tracks_per_genre

    def to_dict(self) -> dict:
        """JSON-ready dict of the fields (tuples become lists)."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, data: dict) -> "SynthConfig":
        """Build a config from :meth:`to_dict` output; unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _is_real(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) \
        and math.isfinite(float(x))


def _check_pair(owner: str, name: str, value, lo: float, hi: float, unit: str) -> None:
    unit = f" {unit}" if unit else ""
    check_param(owner, name, value,
                f"a (low, high) pair with {lo:g}{unit} <= low <= high <= {hi:g}{unit}",
                isinstance(value, tuple) and len(value) == 2 and all(_is_real(v) for v in value)
                and lo <= value[0] <= value[1] <= hi)


# ----------------------------------------------------------------------------------------------
# Seeding
# ----------------------------------------------------------------------------------------------


def _track_streams(seed: int, genre: str, index: int) -> tuple[np.random.Generator, ...]:
    """Four independent generators (music, lyrics, audio degradation, lyrics degradation)."""
    root = np.random.SeedSequence([int(seed), zlib.crc32(genre.encode("utf-8")), int(index)])
    return tuple(np.random.default_rng(s) for s in root.spawn(4))


def _uniform(rng: np.random.Generator, pair) -> float:
    lo, hi = pair
    return float(lo) if hi <= lo else float(rng.uniform(lo, hi))


# ----------------------------------------------------------------------------------------------
# Lyrics
# ----------------------------------------------------------------------------------------------


def make_lyrics(recipe: GenreRecipe, rng: np.random.Generator) -> list[list[str]]:
    """Write one song's lyrics: stanzas (verses, a repeated chorus, maybe a bridge) of lines.

    Parameters
    ----------
    recipe : GenreRecipe
        Supplies themes, theme share, words per line and stanza sizes.
    rng : numpy.random.Generator

    Returns
    -------
    list of list of str
        Stanzas in song order; each line is a string of words. Empty for instrumentals.
    """
    if not recipe.has_voice or not recipe.themes:
        return []
    themes = recipe.themes
    main = themes[int(rng.integers(len(themes)))]

    def word(part: int) -> str:
        if rng.random() < recipe.theme_share:
            theme = main if (len(themes) == 1 or rng.random() < 0.6) \
                else themes[int(rng.integers(len(themes)))]
            pool = THEMES[theme][part]
        else:
            pool = COMMON_WORDS[part]
        return pool[int(rng.integers(len(pool)))]

    def token(tok: str) -> str:
        if tok == "N":
            return word(0)
        if tok == "V":
            return word(1)
        if tok == "A":
            return word(2)
        if tok == "P":
            return _PRONOUNS[int(rng.integers(len(_PRONOUNS)))]
        if tok == "F":
            return _FILLERS[int(rng.integers(len(_FILLERS)))]
        return tok

    def line() -> str:
        target = int(rng.integers(recipe.words_per_line[0], recipe.words_per_line[1] + 1))
        words: list[str] = []
        while len(words) < target:
            chunk = _CHUNKS[int(rng.integers(len(_CHUNKS)))]
            words.extend(token(t) for t in chunk.split())
        words = words[:target]
        while len(words) > 1 and words[-1] in _TRAILING_FUNCTION_WORDS:
            words.pop()
        text = " ".join(words)
        return text[0].upper() + text[1:]

    def stanza(size_range) -> list[str]:
        return [line() for _ in range(int(rng.integers(size_range[0], size_range[1] + 1)))]

    chorus_body = stanza(recipe.chorus_lines)
    chorus = chorus_body + [chorus_body[0]] if len(chorus_body) < 4 else chorus_body
    song = [stanza(recipe.lines_per_verse), chorus, stanza(recipe.lines_per_verse), chorus]
    if rng.random() < 0.5:
        song += [stanza((2, 2)), chorus]
    return song


def lyrics_text(stanzas: list[list[str]]) -> str:
    """Join stanzas into the text of a lyrics file (blank line between stanzas)."""
    return "\n\n".join("\n".join(s) for s in stanzas) + "\n"


def syllables(word: str) -> list[tuple[str, bool]]:
    """Split a word into sung syllables by vowel groups.

    Returns
    -------
    list of (vowel, consonant_onset)
        One entry per syllable: its vowel (``"a"``, ``"e"``, ``"i"``, ``"o"`` or ``"u"``) and
        whether a consonant precedes it. A final silent ``e`` is not a syllable ("fire", "love").
    """
    w = re.sub(r"[^a-z]", "", word.lower())
    groups = list(re.finditer(r"[aeiouy]+", w))
    if len(groups) > 1 and groups[-1].group() == "e" and groups[-1].end() == len(w):
        groups = groups[:-1]
    if not groups:
        return [("e", True)] if w else []
    out = []
    for i, m in enumerate(groups):
        v = m.group()[0]
        out.append(("i" if v == "y" else v, i > 0 or m.start() > 0))
    return out


def _garble(text: str, rng: np.random.Generator) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out_lines = []
    for raw in text.split("\n"):
        words = []
        for w in raw.split():
            r = rng.random()
            if r < 0.15:
                w = _JUNK_TOKENS[int(rng.integers(len(_JUNK_TOKENS)))]
            elif r < 0.5 and len(w) > 1:
                i = int(rng.integers(len(w)))
                op = int(rng.integers(4))
                if op == 0 and i < len(w) - 1:
                    w = w[:i] + w[i + 1] + w[i] + w[i + 2:]
                elif op == 1:
                    w = w[:i] + w[i + 1:]
                elif op == 2:
                    w = w[:i] + letters[int(rng.integers(26))] + w[i + 1:]
                else:
                    w = w[:i] + w[i] * 2 + w[i + 1:]
            words.append(w)
            if rng.random() < 0.08:
                words.append(_JUNK_TOKENS[int(rng.integers(len(_JUNK_TOKENS)))])
        out_lines.append(" ".join(words))
    return "\n".join(out_lines)


def _truncate(stanzas: list[list[str]], rng: np.random.Generator) -> str:
    words = stanzas[0][0].split()
    keep = int(rng.integers(2, 7))
    return " ".join(words[:keep]) + "\n"


# ----------------------------------------------------------------------------------------------
# Signal building blocks (numpy in, numpy out; every array is float64 at the sample rate sr)
# ----------------------------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------------------------
# One song
# ----------------------------------------------------------------------------------------------


class _Song:
    """Per-track musical decisions (tempo, key, patterns, timbre) and the note renderers."""

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

    # -- drums -----------------------------------------------------------------------------
    def drum_kit(self) -> dict[str, np.ndarray]:
        r, sr, rng = self.recipe, self.sr, self.rng
        t = np.arange(int(0.6 * sr)) / sr
        f_start, f_end, tau, click = {
            "punchy": (rng.uniform(160, 220), rng.uniform(48, 60), rng.uniform(0.12, 0.2), 0.4),
            "deep": (rng.uniform(110, 150), rng.uniform(40, 48), rng.uniform(0.25, 0.45), 0.2),
            "soft": (rng.uniform(100, 130), rng.uniform(55, 66), rng.uniform(0.1, 0.16), 0.0),
        }[r.kick]
        f = f_end + (f_start - f_end) * np.exp(-t / 0.035)
        kick = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / tau)
        kick += click * self.noise_slice(len(t)) * np.exp(-t / 0.002)
        nz = self.noise_slice(len(t))
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
        hat_src = _highpass(self.noise_slice(len(t)), rng.uniform(6000, 8000), sr, order=4)
        hat = hat_src * np.exp(-t / rng.uniform(0.015, 0.04))
        open_hat = hat_src * np.exp(-t / rng.uniform(0.15, 0.3))
        return {"kick": kick, "snare": snare, "hat": 0.5 * hat, "open": 0.4 * open_hat}

    def drums(self) -> np.ndarray:
        out = np.zeros(self.n_buf)
        if not self.recipe.drum_patterns:
            return out
        rng = self.rng
        name = self.recipe.drum_patterns[int(rng.integers(len(self.recipe.drum_patterns)))]
        self.info["drum_pattern"] = name
        pattern = DRUM_PATTERNS[name]
        kit = self.drum_kit()
        ghost = rng.uniform(0.0, 0.15)
        for bar in range(self.n_bars):
            for part, row in zip(("kick", "snare", "hat", "open"), pattern):
                for s, c in enumerate(row):
                    vel = _VELOCITY.get(c)
                    if vel is None:
                        if part == "snare" and s % 2 and rng.random() < ghost:
                            vel = 0.25
                        else:
                            continue
                    vel *= rng.uniform(0.85, 1.0)
                    _add(out, self.sample(bar * 16 + s), kit[part], vel)
        return out

    # -- pitched instruments ---------------------------------------------------------------
    def instrument(self, kind: str):
        """A note renderer ``f(midi, seconds) -> waveform`` with this track's timbre, cached."""
        sr, rng = self.sr, self.rng
        cache: dict = {}
        if kind in ("power_saw", "stab", "pad", "saw", "bright_synth", "square"):
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
        elif kind in ("fm_piano", "bells"):
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
        elif kind == "pluck":
            damping = rng.uniform(0.985, 0.996)
            bright = rng.uniform(2500, 6000)
            excitation = _lowpass(self.noise_slice(sr // 20), bright, sr)

            def render(midi, seconds):
                n_note = max(1, int(seconds * sr))
                n = n_note + int(0.1 * sr)
                y = _karplus_strong(float(_hz(midi)), n, sr, excitation, damping)
                return y * _envelope(n_note, n, sr, 0.001, 10.0, 1.0, 0.03)
        elif kind == "sine":
            def render(midi, seconds):
                n_note = max(1, int(seconds * sr))
                n = n_note + int(0.2 * sr)
                t = np.arange(n) / sr
                f0 = float(_hz(midi))
                x = np.sin(2 * np.pi * f0 * t) + 0.2 * np.sin(4 * np.pi * f0 * t)
                return x * _envelope(n_note, n, sr, 0.01, 0.4, 0.7, 0.05)
        elif kind == "808":
            tau = rng.uniform(0.4, 0.9)

            def render(midi, seconds):
                n_note = max(1, int(seconds * sr))
                n = n_note + int(0.1 * sr)
                t = np.arange(n) / sr
                f = float(_hz(midi)) * (1.0 + 1.5 * np.exp(-t / 0.02))
                x = np.tanh(1.8 * np.sin(2 * np.pi * np.cumsum(f) / sr))
                return x * _envelope(n_note, n, sr, 0.002, tau, 0.0, 0.05)
        elif kind == "acid":
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
        else:
            raise ValueError(f"unknown instrument {kind!r}")

        def cached(midi, seconds, *extra):
            key = (int(midi), round(float(seconds), 3)) + tuple(round(e, 1) for e in extra)
            if key not in cache:
                cache[key] = render(midi, seconds, *extra)
            return cache[key]

        return cached

    def play(self, notes, kind: str) -> np.ndarray:
        """Render ``(start step, length in steps, midi, velocity[, extra])`` notes into a stem."""
        out = np.zeros(self.n_buf)
        synth = self.instrument(kind)
        for start, length, midi, vel, *extra in notes:
            seconds = max(self.time(start + length) - self.time(start), 0.02)
            _add(out, self.sample(start), synth(midi, seconds, *extra), vel)
        return out

    def bass(self) -> np.ndarray:
        r, rng = self.recipe, self.rng
        if r.bass == "none":
            return np.zeros(self.n_buf)
        name = r.bass_patterns[int(rng.integers(len(r.bass_patterns)))]
        self.info["bass_pattern"] = name
        pattern = BASS_PATTERNS[name]
        base = 28 + self.key + (12 if r.bass in ("sine", "808") and self.key < 4 else 0)
        notes = []
        for bar in range(self.n_bars):
            root = self.degree(self.chord(bar)[0])
            for step, length, semis in pattern:
                notes.append((bar * 16 + step, length, base + root + semis,
                              rng.uniform(0.8, 1.0)))
        stem = self.play(notes, r.bass)
        if r.bass in ("saw", "square"):
            stem = _lowpass(stem, rng.uniform(500, 1400), self.sr)
        return stem

    def harmony(self) -> np.ndarray:
        r, rng = self.recipe, self.rng
        name = r.harmony_patterns[int(rng.integers(len(r.harmony_patterns)))]
        self.info["harmony_pattern"] = name
        pattern = HARMONY_PATTERNS[name]
        base = (40 if r.harmony == "power_saw" else 52) + self.key
        legato = 0.6 if r.harmony == "power_saw" and name != "sustain" else 0.9
        notes = []
        for bar in range(self.n_bars):
            tri = self.chord(bar)
            if r.harmony == "power_saw":
                tones = [self.degree(tri[0]) + s for s in (0, 7, 12)]
            else:
                tones = [self.degree(p) for p in tri]
            for i, (step, length) in enumerate(pattern):
                vel = rng.uniform(0.75, 1.0) * (1.0 if step % 4 == 0 else 0.85)
                dur = max(1, int(round(length * legato))) if legato < 0.9 else length
                if name == "arpeggio":
                    tone = tones[(0, 1, 2, 1)[i % 4]] + (12 if i % 8 == 4 else 0)
                    notes.append((bar * 16 + step, 4, base + tone, vel))
                else:
                    notes.extend((bar * 16 + step, dur, base + t, vel / len(tones) ** 0.5)
                                 for t in tones)
        stem = self.play(notes, r.harmony)
        drive = _uniform(rng, r.drive)
        if drive > 1.01:
            peak = np.max(np.abs(stem)) or 1.0
            stem = np.tanh(drive * stem / peak) / math.tanh(drive)
        return _lowpass(stem, _uniform(rng, r.brightness_hz), self.sr,
                        order=4 if r.harmony == "power_saw" else 2)

    def lead(self) -> np.ndarray:
        r, rng = self.recipe, self.rng
        notes = []
        if r.lead == "acid":
            base = 36 + self.key
            density = rng.uniform(0.6, 0.9)
            sweep = rng.uniform(4, 12)
            for bar in range(self.n_bars):
                tri = self.chord(bar)
                cutoff = 500.0 + 2200.0 * (0.5 + 0.5 * math.sin(2 * math.pi * bar / sweep))
                for s in range(16):
                    if rng.random() < density:
                        tone = self.degree(tri[int(rng.integers(3))]) + 12 * int(rng.integers(2))
                        notes.append((bar * 16 + s, 1, base + tone, rng.uniform(0.6, 1.0),
                                      round(cutoff, -2)))
            return self.play(notes, "acid")
        if r.lead == "bells":
            base = 72 + self.key
            every = int(rng.choice([4, 8]))
            for bar in range(self.n_bars):
                tri = self.chord(bar)
                for s in range(0, 16, every):
                    if rng.random() < 0.7:
                        pos = tri[int(rng.integers(3))] + 7 * int(rng.integers(0, 2)) - 7
                        notes.append((bar * 16 + s, every, base + self.degree(pos),
                                      rng.uniform(0.4, 1.0)))
            return self.play(notes, "bells")
        return np.zeros(self.n_buf)

    # -- voice -----------------------------------------------------------------------------
    def voice(self, stanzas: list[list[str]]) -> np.ndarray:
        """Sing the lyric lines from the start of the song, one note per syllable."""
        r, rng, sr = self.recipe, self.rng, self.sr
        out = np.zeros(self.n_buf)
        if not r.has_voice or not stanzas:
            return out
        style = r.voice_style
        shift = rng.uniform(0.9, 1.12)  # singer's vocal tract size
        self.tilt = math.exp(-2 * math.pi * rng.uniform(250, 600) / sr)
        banks = {v: [(*_resonator(f * shift, bw, sr), g) for f, bw, g in fs]
                 for v, fs in VOWEL_FORMANTS.items()}
        vib_depth = {"sung": rng.uniform(0.3, 0.7), "growl": 0.15, "shout": 0.1, "rap": 0.0}[style]
        vib_rate = rng.uniform(4.8, 6.2)
        breath = {"sung": 0.05, "growl": 0.35, "shout": 0.25, "rap": 0.12}[style]
        legato = {"sung": 0.92, "growl": 0.85, "shout": 0.8, "rap": 0.7}[style]
        hiss = _highpass(self.noise_slice(int(0.04 * sr)), 3500, sr) * np.hanning(int(0.04 * sr))
        lo, hi = r.voice_register
        tonic = 60 + self.key
        positions = [p for p in range(-21, 22) if lo <= tonic + self.degree(p) <= hi]
        if not positions:
            positions = [0]
        pos = positions[len(positions) // 2]
        grid = r.voice_grid
        bar_steps = 16
        cursor = int(rng.integers(0, 2)) * bar_steps  # sing from bar 0 or 1
        end_step = int(self.n / sr / self.step) + 1
        for stanza in stanzas:
            for text in stanza:
                syl = [s for w in text.split() for s in syllables(w)]
                if not syl:
                    continue
                span = int(math.ceil((len(syl) * grid + 2 * grid) / 8.0)) * 8
                for i, (vowel, consonant) in enumerate(syl):
                    step = cursor + i * grid
                    if step >= end_step:
                        break
                    bar = step // 16
                    chord = self.chord(bar)
                    if style == "rap":
                        if rng.random() < 0.3:
                            pos = int(np.clip(pos + rng.integers(-1, 2), positions[0],
                                              positions[-1]))
                    else:
                        pos = int(np.clip(pos + rng.choice([-2, -1, 0, 1, 2],
                                                           p=[.1, .3, .2, .3, .1]),
                                          positions[0], positions[-1]))
                        if step % 8 == 0 or i == 0:
                            cands = [p for p in positions if (p - chord[0]) % 7 in (0, 2, 4)]
                            if cands:
                                pos = min(cands, key=lambda p: abs(p - pos))
                    midi = tonic + self.degree(pos)
                    length = grid * legato
                    if i == len(syl) - 1:
                        length = max(length, min(span - i * grid - grid, 8) * 0.9)
                    seconds = max(0.06, length * self.step)
                    start = self.sample(step)
                    if start >= self.n:
                        break
                    x = self._syllable(float(_hz(midi)), seconds, banks[vowel], style, vib_depth,
                                       vib_rate, breath)
                    _add(out, start, x)
                    self.voice_notes.append((start / sr, seconds, int(midi), vowel))
                    if consonant:
                        _add(out, start, hiss, 0.25 if style != "growl" else 0.4)
                cursor += span
                if cursor >= end_step:
                    return out
            cursor += bar_steps - cursor % bar_steps if cursor % bar_steps else 0
            cursor += bar_steps // 2
        return out

    def voice_stem(self, stanzas: list[list[str]]) -> np.ndarray:
        """The sung part, high-passed at 150 Hz as a mixing engineer would."""
        out = self.voice(stanzas)
        return _highpass(out, 150.0, self.sr) if self.voice_notes else out

    def _syllable(self, f0: float, seconds: float, bank, style: str, vib_depth: float,
                  vib_rate: float, breath: float) -> np.ndarray:
        sr = self.sr
        n_note = int(seconds * sr)
        n = n_note + int(0.06 * sr)
        t = np.arange(n) / sr
        if style == "rap":
            cents = -100.0 * t / seconds  # speech-like fall over the syllable
        else:
            cents = 100.0 * vib_depth * np.sin(2 * np.pi * vib_rate * t) * np.clip(
                (t - 0.1) / 0.25, 0.0, 1.0)
        phase = np.cumsum(f0 * 2.0 ** (cents / 1200.0)) / sr
        src = signal.lfilter([1.0 - self.tilt], [1.0, -self.tilt], 2.0 * (phase % 1.0) - 1.0)
        src *= 1.0 / (1.0 - self.tilt) ** 0.5  # glottal tilt (-12 dB/octave overall), level kept
        if style == "growl":
            src = np.tanh(2.5 * src) * (1.0 + 0.6 * np.sin(np.pi * phase))
        src = src + breath * self.noise_slice(n)
        y = np.zeros(n)
        for b, a, g in bank:
            y += g * signal.lfilter(b, a, src)
        return y * _envelope(n_note, n, sr, 0.025, 0.4, 0.8, 0.035)

    # -- mix -------------------------------------------------------------------------------
    def mix(self, stanzas: list[list[str]]) -> np.ndarray:
        r, rng, sr = self.recipe, self.rng, self.sr
        stems = [self.drums(), self.bass(), self.harmony(), self.lead(), self.voice_stem(stanzas)]
        out = np.zeros(self.n_buf)
        wet = np.zeros(self.n_buf)
        for i, (stem, level) in enumerate(zip(stems, r.mix_db)):
            rms = _rms(stem)
            if level <= -90 or rms < 1e-9:
                continue
            stem = stem / rms * 10.0 ** ((level + rng.uniform(-3.0, 3.0)) / 20.0)
            self.stems[STEM_NAMES[i]] = stem
            out += stem
            if i >= 2:
                wet += stem
        send = _uniform(rng, r.reverb)
        if send > 0:
            rt60 = 0.6 + 2.0 * send
            m = int(min(rt60, 1.5) * sr)
            t = np.arange(m) / sr
            ir = _lowpass(self.noise_slice(m), rng.uniform(3000, 6000), sr) * np.exp(
                -6.9 * t / rt60)
            ir /= np.sqrt(np.sum(ir ** 2))
            tail = signal.oaconvolve(wet.astype(np.float32), ir.astype(np.float32))
            out += send * tail[: self.n_buf].astype(np.float64)
        y = out[: self.n]
        t = np.arange(self.n) / sr
        depth = _uniform(rng, r.dynamics_db)
        period = rng.uniform(6.0, 14.0)
        swell = 0.5 - 0.5 * np.cos(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
        y = y * 10.0 ** (-depth * swell / 20.0)
        master = 10.0 ** (_uniform(rng, r.loudness_dbfs) / 20.0) / max(_rms(y), 1e-12)
        y *= master
        self.stems = {k: v[: self.n] * master for k, v in self.stems.items()}
        y = 0.98 * np.tanh(y / 0.98)  # peak limiter: never reaches full scale
        fade = min(int(0.01 * sr), self.n // 4)
        if fade:
            ramp = np.linspace(0.0, 1.0, fade)
            y[:fade] *= ramp
            y[-fade:] *= ramp[::-1]
        return y


# ----------------------------------------------------------------------------------------------
# Degradations
# ----------------------------------------------------------------------------------------------


def _choose(rng: np.random.Generator, kinds: tuple[str, ...], rates: tuple[float, ...]) -> str:
    u = rng.random()
    edge = 0.0
    for kind, rate in zip(kinds, rates):
        edge += rate
        if u < edge:
            return kind
    return "none"


def degrade_audio(y: np.ndarray, kind: str, param: float, sr: int, rng: np.random.Generator
                  ) -> np.ndarray:
    """Apply one audio degradation.

    Parameters
    ----------
    y : ndarray, shape (n_samples,)
        Clean mono signal in [-1, 1].
    kind : str
        ``"none"``, ``"noise"`` (``param`` = SNR, dB), ``"dropout"`` (``param`` = fraction of the
        clip silenced, in 1-3 gaps), ``"clipping"`` (``param`` = gain over full-scale peak before
        hard clipping at +-1) or ``"lowpass"`` (``param`` = cutoff, Hz; 8th-order Butterworth).
    param : float
    sr : int
        Sample rate, Hz.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (n_samples,)
    """
    if kind == "none":
        return y
    if kind == "noise":
        power = np.mean(y ** 2) / 10.0 ** (param / 10.0)
        out = y + math.sqrt(power) * rng.standard_normal(len(y))
        peak = np.max(np.abs(out))
        return out * (0.99 / peak) if peak > 0.99 else out
    if kind == "dropout":
        out = y.copy()
        k = int(rng.integers(1, 4))
        seg = len(y) // k
        gap = int(param * len(y) / k)
        for i in range(k):
            start = i * seg + int(rng.integers(0, max(1, seg - gap)))
            out[start:start + gap] = 0.0
        return out
    if kind == "clipping":
        peak = np.max(np.abs(y)) or 1.0
        return np.clip(y / peak * param, -1.0, 1.0)
    if kind == "lowpass":
        return signal.sosfilt(signal.butter(8, param, fs=sr, output="sos"), y)
    raise ValueError(f"unknown audio degradation {kind!r}")


# ----------------------------------------------------------------------------------------------
# Tracks
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SynthTrack:
    """One generated track, in memory.

    Attributes
    ----------
    track_id : str
        ``<genre>_<index>``, e.g. ``metal_007``.
    audio : ndarray of float64, shape (round(clip_seconds * sr),)
        Mono signal in [-1, 1] (before 16-bit quantisation).
    sr : int
    lyrics : str or None
        Text of the lyrics file, or None when there is no file (instrumental or "missing").
    sung_lyrics : str or None
        The lyrics the voice sings (before any lyrics degradation); None for instrumentals.
    truth : dict
        The ``ground_truth.csv`` row.
    info : dict
        Musical choices: ``bpm``, ``key`` (tonic pitch class, 0 = C), ``mode`` (``"major"`` or
        ``"minor"``), ``progression`` (scale degrees), and the drum, bass and harmony pattern names.
    voice_notes : tuple of (onset s, duration s, midi, vowel)
        The sung notes in the clip, one per syllable of the sung lyric lines, in order; empty for
        instrumentals.
    stems : dict of str -> ndarray, shape (n_samples,), or None
        Only with ``stems=True``: the dry stems present in the mix (names from
        :data:`STEM_NAMES`), at their mixed level and master gain, before reverb, level swells,
        limiting and any degradation.
    """

    track_id: str
    audio: np.ndarray
    sr: int
    lyrics: Optional[str]
    sung_lyrics: Optional[str]
    truth: dict
    info: dict
    voice_notes: tuple
    stems: Optional[dict] = None


def track_id(genre: str, index: int, tracks_per_genre: int = 1000) -> str:
    """``metal_007``: genre and the index within the genre, zero-padded to at least 3 digits."""
    width = max(3, len(str(max(tracks_per_genre - 1, 0))))
    return f"{genre}_{index:0{width}d}"


def synthesize_track(config: SynthConfig, genre: str, index: int, stems: bool = False
                     ) -> SynthTrack:
    """Generate one track (audio, lyrics, ground truth) without touching the disk.

    Depends only on ``(config, genre, index)``; the same arguments give the same arrays.

    Parameters
    ----------
    config : SynthConfig
    genre : str
        A name in ``config.genres``.
    index : int
        Index within the genre, in ``[0, config.tracks_per_genre)``.
    stems : bool
        Also return the dry stems (memory: five clip-length float64 arrays).
    """
    config.validate()
    check_param("synthesize_track", "genre", genre, f"one of {list(config.genres)}",
                genre in config.genres)
    check_param("synthesize_track", "index", index,
                f"an int in [0, {config.tracks_per_genre - 1}]",
                _is_int(index) and 0 <= index < config.tracks_per_genre)
    recipe = GENRES[genre]
    music_rng, lyrics_rng, audio_deg_rng, lyrics_deg_rng = _track_streams(config.seed, genre,
                                                                         index)
    stanzas = make_lyrics(recipe, lyrics_rng)
    song = _Song(recipe, config.sr, config.clip_seconds, music_rng)
    audio = song.mix(stanzas)

    c = config
    a_kind = _choose(audio_deg_rng, AUDIO_DEGRADATIONS[1:],
                     (c.audio_noise_rate, c.audio_dropout_rate, c.audio_clipping_rate,
                      c.audio_lowpass_rate))
    a_param = {"noise": c.noise_snr_db, "dropout": c.dropout_fraction,
               "clipping": c.clipping_gain, "lowpass": c.lowpass_hz}.get(a_kind)
    a_value = round(_uniform(audio_deg_rng, a_param), 3) if a_param else None
    audio = degrade_audio(audio, a_kind, a_value or 0.0, c.sr, audio_deg_rng)

    sung = lyrics_text(stanzas) if stanzas else None
    if sung is None:
        l_kind, text = "instrumental", None
    else:
        l_kind = _choose(lyrics_deg_rng, LYRICS_DEGRADATIONS[1:4],
                         (c.lyrics_truncate_rate, c.lyrics_garble_rate, c.lyrics_missing_rate))
        text = {"none": lambda: sung,
                "truncated": lambda: _truncate(stanzas, lyrics_deg_rng),
                "garbled": lambda: _garble(sung, lyrics_deg_rng),
                "missing": lambda: None}[l_kind]()
    tid = track_id(genre, index, config.tracks_per_genre)
    truth = {"track_id": tid, "genre": genre, "has_voice": bool(recipe.has_voice),
             "audio_degradation": a_kind,
             "audio_degradation_param": a_value if a_value is not None else "",
             "lyrics_degradation": l_kind}
    return SynthTrack(tid, audio, c.sr, text, sung, truth, dict(song.info),
                      tuple(song.voice_notes), dict(song.stems) if stems else None)


def _build_one(config: SynthConfig, genre: str, index: int, folder: str) -> dict:
    """Worker: synthesise one track and write its files under ``folder``; return its rows."""
    track = synthesize_track(config, genre, index)
    root = Path(folder)
    audio_rel = f"audio/{track.track_id}.wav"
    sf.write(root / audio_rel, track.audio, track.sr, subtype="PCM_16", format="WAV")
    lyrics_rel = ""
    if track.lyrics is not None:
        lyrics_rel = f"lyrics/{track.track_id}.txt"
        (root / lyrics_rel).write_text(track.lyrics, encoding="utf-8")
    return {"manifest": {"track_id": track.track_id, "audio_path": audio_rel,
                         "lyrics_path": lyrics_rel},
            "truth": track.truth}


# ----------------------------------------------------------------------------------------------
# Building, loading
# ----------------------------------------------------------------------------------------------


def _config_record(config: SynthConfig) -> dict:
    return {**config.to_dict(), "generator_version": GENERATOR_VERSION}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _replaceable(folder: Path) -> bool:
    """True for an empty folder or one that looks like a synthetic set (safe to replace)."""
    return not any(folder.iterdir()) or (folder / "synth_config.json").is_file() \
        or (folder / "manifest.csv").is_file() and (folder / "ground_truth.csv").is_file()


def _remove_stale_siblings(out_dir: Path) -> None:
    """Delete temporary build folders of ``out_dir`` left by processes that no longer run."""
    pattern = re.compile(rf"^\.{re.escape(out_dir.name)}\.(?:tmp|old)-(\d+)-")
    for p in out_dir.parent.iterdir():
        m = pattern.match(p.name)
        if m and p.is_dir() and not _pid_alive(int(m.group(1))):
            shutil.rmtree(p, ignore_errors=True)


def generate(config: SynthConfig, out_dir: Path, n_jobs: int = 2,
             progress: Optional[ProgressCallback] = None) -> Dataset:
    """Build the synthetic song set into ``out_dir`` (replacing any previous set) and load it.

    The files are written into a temporary sibling folder, which is renamed into place only when
    complete, so an interrupted build never leaves a set that looks finished.

    Parameters
    ----------
    config : SynthConfig
    out_dir : path-like
        Folder of the set; its parent is created if needed. An existing folder is replaced only
        if it is empty or a synthetic set (never a folder of other files).
    n_jobs : int
        Worker processes (spawned) for ``n_jobs > 1``; ``-1`` uses every core. The files do not
        depend on it.
    progress : callable(done, total, message), optional
        Called after each track.

    Returns
    -------
    Dataset
        As :func:`load_synthetic` returns it.
    """
    check_param("generate", "config", config, "a SynthConfig", isinstance(config, SynthConfig))
    config.validate()
    check_param("generate", "n_jobs", n_jobs, "an int >= 1 or -1",
                _is_int(n_jobs) and (n_jobs >= 1 or n_jobs == -1))
    out_dir = Path(out_dir).absolute()
    if out_dir.exists() and not (out_dir.is_dir() and _replaceable(out_dir)):
        raise ParameterError(
            "The 'out_dir' parameter of generate must be a new or empty folder, or a synthetic "
            f"song set to replace. Got {str(out_dir)!r}, which holds other files, instead.")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_siblings(out_dir)
    workers = (os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)
    tasks = [(g, i) for g in config.genres for i in range(config.tracks_per_genre)]
    workers = max(1, min(workers, len(tasks)))
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=out_dir.parent))
    try:
        (tmp / "audio").mkdir()
        (tmp / "lyrics").mkdir()
        results: list[Optional[dict]] = [None] * len(tasks)
        total = len(tasks)
        report(progress, 0, total, "synthesising songs")
        if workers == 1:
            for k, (g, i) in enumerate(tasks):
                results[k] = _build_one(config, g, i, str(tmp))
                report(progress, k + 1, total, results[k]["manifest"]["track_id"])
        else:
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = {pool.submit(_build_one, config, g, i, str(tmp)): k
                           for k, (g, i) in enumerate(tasks)}
                try:
                    for done, fut in enumerate(as_completed(futures), start=1):
                        k = futures[fut]
                        results[k] = fut.result()
                        report(progress, done, total, results[k]["manifest"]["track_id"])
                except BaseException:
                    for fut in futures:
                        fut.cancel()
                    raise
        manifest = pd.DataFrame([r["manifest"] for r in results], columns=list(MANIFEST_COLUMNS))
        truth = pd.DataFrame([r["truth"] for r in results], columns=list(GROUND_TRUTH_COLUMNS))
        manifest.to_csv(tmp / "manifest.csv", index=False)
        truth.to_csv(tmp / "ground_truth.csv", index=False)
        (tmp / "synth_config.json").write_text(
            json.dumps(_config_record(config), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        old = None
        if out_dir.exists():
            suffix = tmp.name.rsplit("-", 1)[-1]
            old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}-{suffix}"
            os.rename(out_dir, old)
        try:
            os.rename(tmp, out_dir)
        except OSError:
            # another process finished the same build first: keep its set
            if read_config(out_dir) != _config_record(config):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return load_synthetic(out_dir)


def load_synthetic(root: Path) -> Dataset:
    """Load a synthetic song set written by :func:`generate`.

    Parameters
    ----------
    root : path-like
        The set's folder.

    Returns
    -------
    Dataset
        ``kind="synthetic"``, ``has_lyrics=True``; ``tracks`` with absolute ``audio_path``,
        ``lyrics`` (file text, None when there is no file) and absolute ``lyrics_path`` (or None);
        ``labels`` the genres and ``ground_truth`` the table of ``ground_truth.csv``, in track
        order. Files listed but absent are reported in ``problems`` (and their path set to None).

    Raises
    ------
    DatasetError
        If the folder, ``manifest.csv`` or ``ground_truth.csv`` is missing or they disagree.
    """
    root = Path(root).absolute()
    missing = [n for n in ("manifest.csv", "ground_truth.csv") if not (root / n).is_file()]
    if missing:
        raise DatasetError(f"{root} is not a synthetic song set: {', '.join(missing)} missing "
                           "(build it with `python -m core synth`).")
    manifest = pd.read_csv(root / "manifest.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(root / "ground_truth.csv",
                        dtype={"track_id": str, "genre": str, "audio_degradation": str,
                               "lyrics_degradation": str})
    for name, table, cols in (("manifest.csv", manifest, MANIFEST_COLUMNS),
                              ("ground_truth.csv", truth, GROUND_TRUTH_COLUMNS)):
        lacking = [c for c in cols if c not in table.columns]
        if lacking:
            raise DatasetError(f"{root / name} lacks columns {lacking}.")
    ids = manifest["track_id"].tolist()
    if sorted(ids) != sorted(truth["track_id"].tolist()) or len(set(ids)) != len(ids):
        raise DatasetError(f"{root}: manifest.csv and ground_truth.csv list different tracks.")
    truth = truth.set_index("track_id").loc[ids].reset_index()[list(GROUND_TRUTH_COLUMNS)]
    truth["has_voice"] = truth["has_voice"].astype(str).str.lower().eq("true")
    rows, problems = [], []
    for tid, audio_rel, lyrics_rel in manifest[list(MANIFEST_COLUMNS)].itertuples(index=False):
        audio_path = root / audio_rel
        audio = str(audio_path)
        if not audio_path.is_file():
            problems.append(Problem(audio, "audio file listed in manifest.csv is missing",
                                    "rebuild the synthetic set"))
            audio = None
        lyrics, lyrics_path = None, None
        if lyrics_rel:
            p = root / lyrics_rel
            if p.is_file():
                lyrics, lyrics_path = p.read_text(encoding="utf-8"), str(p)
            else:
                problems.append(Problem(str(p), "lyrics file listed in manifest.csv is missing",
                                        "rebuild the synthetic set"))
        rows.append({"track_id": tid, "audio_path": audio, "lyrics": lyrics,
                     "lyrics_path": lyrics_path})
    return Dataset(name="synthetic", kind="synthetic", root=root, tracks=make_tracks(rows),
                   has_lyrics=True, labels=truth["genre"].astype(str).to_numpy(),
                   ground_truth=truth, problems=problems)


def read_config(root: Path) -> Optional[dict]:
    """The record in ``root/synth_config.json`` (config fields + ``generator_version``), or None."""
    path = Path(root) / "synth_config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure_synthetic(config: SynthConfig, out_dir: Path, n_jobs: int = 2,
                     progress: Optional[ProgressCallback] = None) -> Dataset:
    """Load the set in ``out_dir`` if it was built from ``config`` by this generator version,
    complete; otherwise (re)build it with :func:`generate`.

    Parameters are those of :func:`generate`.
    """
    check_param("ensure_synthetic", "config", config, "a SynthConfig",
                isinstance(config, SynthConfig))
    config.validate()
    out_dir = Path(out_dir)
    if read_config(out_dir) == _config_record(config):
        try:
            dataset = load_synthetic(out_dir)
        except DatasetError:
            dataset = None
        if dataset is not None and not dataset.problems \
                and dataset.n_tracks == config.n_tracks:
            return dataset
    return generate(config, out_dir, n_jobs=n_jobs, progress=progress)
