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

**Generator v2** (``SynthConfig(version=2)``, ``synth --generator v2``) makes the truth per
track instead of per genre: vocabularies overlap (``theme_share``), lyric length comes from one
distribution for every genre, vocal genres get instrumental versions (``instrumental_rate``) and
the voiced share of each clip is recorded, each track gets its own mastering gain, degradation is
stratified (a fixed count per genre x kind, each kind from its own slots) with severity and
lyric degradation strength recorded, ids are opaque (``t3f9a2c1b0d``), the tables are shuffled,
and lyrics can be written in several languages (``languages``). v1 stays byte for byte.

Every random choice comes from numpy Generators seeded from ``(config.seed, genre, index within
the genre)``, with separate streams for the music, the lyrics and each degradation, so the same
seed gives byte-identical files whatever the number of worker processes, and changing a
degradation rate does not change the songs themselves.

The package, one job a module, in the order a track is made:

===============  ==========================================================================
``recipes``      rhythm and harmony tables, :class:`GenreRecipe`, :data:`GENRES`
``config``       :class:`SynthConfig` (the knobs, ``version`` 1 or 2) and :data:`GENERATOR_VERSIONS`
``fields``       every SynthConfig field as a flag / form input (kind, label, help with units)
``plan``         v2: per genre, which tracks are instrumental, degraded (how), their language and id
``vocab``        v2: lyric vocabularies per language and :func:`make_lyrics_v2`
``lyrics``       theme vocabularies, :func:`make_lyrics`, :func:`syllables`
``dsp``          signal building blocks (oscillators, envelopes, filters, resonators)
``song``         one song's decisions (tempo, key, progression, timing) and the mix
``timbres``      note renderers, one factory per instrument family
``instruments``  drums, bass, chords and lead stems
``voice``        the formant voice singing the lyric lines
``degrade``      audio and lyrics degradations
``track``        :func:`synthesize_track`: one track in memory, seeded per track
``track_v2``     v2's track: planned voice and degradations, mastering gain, richer truth
``build``        :func:`generate` and :func:`ensure_synthetic`: writing the set atomically
``load``         :func:`load_synthetic` and :func:`read_config`
===============  ==========================================================================

Files on disk: ``audio/<track_id>.wav``, ``lyrics/<track_id>.txt``, ``manifest.csv``,
``ground_truth.csv`` and ``synth_config.json``, described in :mod:`~core.datasets.synthetic.build`,
which writes them into a temporary sibling folder and renames it into place, so a killed build
never leaves a half set that looks complete.
"""

from __future__ import annotations

from core.datasets.synthetic.build import ensure_synthetic, generate
from core.datasets.synthetic.config import (
    DEFAULT_VERSION,
    GENERATOR_VERSION,
    GENERATOR_VERSIONS,
    LANGUAGES,
    SynthConfig,
)
from core.datasets.synthetic.degrade import AUDIO_DEGRADATIONS, LYRICS_DEGRADATIONS, degrade_audio
from core.datasets.synthetic.load import (
    GROUND_TRUTH_COLUMNS,
    MANIFEST_COLUMNS,
    load_synthetic,
    read_config,
)
from core.datasets.synthetic.lyrics import COMMON_WORDS, THEMES, lyrics_text, make_lyrics, syllables
from core.datasets.synthetic.recipes import (
    BASS_PATTERNS,
    DRUM_PATTERNS,
    GENRES,
    HARMONY_PATTERNS,
    STEM_NAMES,
    GenreRecipe,
)
from core.datasets.synthetic.track import SynthTrack, synthesize_track, track_id
from core.datasets.synthetic.voice import VOWEL_FORMANTS

__all__ = [
    "AUDIO_DEGRADATIONS",
    "BASS_PATTERNS",
    "COMMON_WORDS",
    "DRUM_PATTERNS",
    "DEFAULT_VERSION",
    "GENERATOR_VERSION",
    "GENERATOR_VERSIONS",
    "LANGUAGES",
    "GENRES",
    "GROUND_TRUTH_COLUMNS",
    "GenreRecipe",
    "HARMONY_PATTERNS",
    "LYRICS_DEGRADATIONS",
    "MANIFEST_COLUMNS",
    "STEM_NAMES",
    "SynthConfig",
    "SynthTrack",
    "THEMES",
    "VOWEL_FORMANTS",
    "degrade_audio",
    "ensure_synthetic",
    "generate",
    "load_synthetic",
    "lyrics_text",
    "make_lyrics",
    "read_config",
    "syllables",
    "synthesize_track",
    "track_id",
]
