"""Scales of the indicators' quality scores and the voice prior: :class:`IndicatorConfig`.

Kept apart from :mod:`core.indicators` (which re-exports it) so the registry and the computation
read on their own; the formulas the scales enter are in that module's docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

from core.errors import check_param
from core.params import Interval, validate_fields

__all__ = ["IndicatorConfig"]


@dataclass(frozen=True)
class IndicatorConfig:
    """Scales of the quality scores and the voice prior, fixed a priori (never fitted to labels).

    Parameters
    ----------
    silence_bad : float in (0, 1]
        Silent share of the clip at which ``q_silence`` reaches 0 (it is 0.5 at half this). Default
        0.4: with a fifth of the clip gone to dropouts the audio is half as trustworthy.
    clipping_full : float, > 0
        Clipping ratio at which ``q_clipping`` reaches 0. Default 0.05: when one sample in twenty
        sits at full scale the distortion is pervasive.
    snr_good_db : float, > 0, dB
        SNR at which ``q_snr`` reaches 1 (0 dB, noise as loud as the music, scores 0). Default
        15 dB: noise about a thirtieth of the music's power, hard to hear under it.
    duration_good_s : float, > 0, s
        Usable duration at which ``q_duration`` reaches 1. Default 3 s, the segment length
        genre classifiers commonly work on.
    high_band_bad_db, high_band_good_db : float, dB, bad < good <= 0
        ``q_band`` rises linearly from 0 at ``high_band_bad_db`` to 1 at ``high_band_good_db`` of
        energy above 4 kHz relative to the clip. Defaults -60 and -40 dB: full-band music keeps
        within about 30 dB of its total up there; a telephone-like low-pass (cut-off at or below
        2 kHz, 48 dB/octave) leaves less than a millionth.
    words_good : float, > 0, words
        Word count at which ``q_length`` reaches 1. Default 50 words, about a verse and a chorus;
        fewer is a fragment.
    ttr_good : float in (0, 1]
        Type-token ratio at which ``q_richness`` reaches 1. Default 0.3: full songs with a
        chorus sit around 0.3-0.6; far below is one word repeated.
    repetition_ok : float in [0, 1)
        Line repetition up to which ``q_repetition`` stays 1, falling linearly to 0 at 1 (every
        line the same). Default 0.5: a chorus repeats, but half the lines should be new.
    junk_bad : float in (0, 1]
        Junk token share at which ``q_junk`` reaches 0 (0.5 at half of it). Default 0.25: one
        token in four is noise (symbols, letters without vowels, impossible letter pairs); clean
        text in any Latin-script language stays near 0.
    unknown_bad : float in (0, 1]
        English lyrics only: share of tokens outside the model's vocabulary at which
        ``q_unknown`` reaches 0. Default 0.5: half the words are typos or not words.
    lyrics_voice_prior : float in [0, 1]
        ``vocal_presence`` of a track with lyrics whose audio shows no voice at all: a track that
        ships lyrics has a singer more often than not, and the audio estimate (which misses quiet,
        shouted and growled voices) moves it up from there. Default 0.5. 0 gives the audio estimate alone.
    """

    silence_bad: float = 0.4
    clipping_full: float = 0.05
    snr_good_db: float = 15.0
    duration_good_s: float = 3.0
    high_band_bad_db: float = -60.0
    high_band_good_db: float = -40.0
    words_good: float = 50.0
    ttr_good: float = 0.3
    repetition_ok: float = 0.5
    junk_bad: float = 0.25
    unknown_bad: float = 0.5
    lyrics_voice_prior: float = 0.5

    _parameter_constraints = {
        "silence_bad": [Interval(Real, 0.0, 1.0, closed="right")],
        "clipping_full": [Interval(Real, 0.0, 1.0, closed="right")],
        "snr_good_db": [Interval(Real, 0.0, None, closed="neither")],
        "duration_good_s": [Interval(Real, 0.0, None, closed="neither")],
        "high_band_bad_db": [Interval(Real, None, 0.0, closed="neither")],
        "high_band_good_db": [Interval(Real, None, 0.0, closed="right")],
        "words_good": [Interval(Real, 0.0, None, closed="neither")],
        "ttr_good": [Interval(Real, 0.0, 1.0, closed="right")],
        "repetition_ok": [Interval(Real, 0.0, 1.0, closed="left")],
        "junk_bad": [Interval(Real, 0.0, 1.0, closed="right")],
        "unknown_bad": [Interval(Real, 0.0, 1.0, closed="right")],
        "lyrics_voice_prior": [Interval(Real, 0.0, 1.0, closed="both")],
    }

    def __post_init__(self):
        validate_fields(type(self).__name__, self, self._parameter_constraints)
        for name in self._parameter_constraints:
            object.__setattr__(self, name, float(getattr(self, name)))
        check_param(type(self).__name__, "high_band_good_db", self.high_band_good_db,
                    f"a level above high_band_bad_db={self.high_band_bad_db:g} dB",
                    self.high_band_good_db > self.high_band_bad_db)
