"""Per-track indicators: interpretable values with units that the rules read.

Pipeline position: features (cached) -> **indicators** -> rules -> weights.

An indicator is one number per track with a documented unit and a typical range, computed
from the raw measures a :class:`~core.features.featureset.FeatureSet` carries
(``audio_stats``, ``lyrics_stats``, the ``audio_ok`` / ``lyrics_ok`` masks and ``has_lyrics``).
:func:`compute_indicators` takes the feature set (and an optional :class:`IndicatorConfig`)
and nothing else: its signature has no place for genres or any evaluation table, so the
weights the rules derive from indicators cannot depend on them.

Four groups, as in the method (README, "The method in brief"):

``instrument presence``
    ``vocal_presence`` (sung words: audio voice estimate x lyric availability),
    ``vocal_presence_audio`` (the audio estimate alone), ``vocal_presence_learned`` (the learned
    level's voice tags against its no-voice tags), ``lyrics_available`` and
    ``audio_available`` (0/1), ``percussive_ratio``, ``instrumental_density``.
``energy``
    ``loudness_dbfs``, ``dynamic_range_db``, ``onset_rate``, ``quiet_learned`` (the learned level's
    quiet/soft tags against its loud ones).
``quality``
    ``audio_quality`` (0..1) and its parts ``silence_ratio``, ``clipping_ratio``, ``snr_db``,
    ``usable_duration_s``, ``high_band_db`` (plus ``bandwidth_hz`` for display); ``lyrics_quality``
    (0..1) and its parts ``word_count``, ``type_token_ratio``, ``line_repetition``,
    ``junk_token_share``, ``unknown_token_share``.
``language``
    ``language_confidence`` (0..1) and ``lyrics_english`` (0/1) from py3langid; the language code
    itself is :attr:`Indicators.languages` (a categorical field: the map colours by it).

Missing modality
    Every indicator that needs the audio is NaN where ``audio_ok`` is False; every indicator
    that needs the lyrics is NaN where the track has no usable lyrics (``lyrics_ok`` False, or
    a dataset without lyrics at all). ``lyrics_available`` and ``audio_available`` are never NaN.
    ``vocal_presence_learned`` and ``quiet_learned`` are NaN on every track of a feature set
    extracted without the learned level (``--audio-levels ...,learned``), so a rule on them stays
    silent there: ``e_for / (e_for + e_against)`` of the mean probabilities of two tag groups (see
    :func:`core.features.audio.learned.tag_measures`).
    ``vocal_presence`` is 0 where lyrics are missing (no words can be sung), and NaN where
    lyrics exist but the audio is missing (unknown whether they are audible). The rules treat
    NaN as "unknown": a rule on a NaN indicator does not fire (see :mod:`core.rules`).

The two quality scores are products of per-part scores in [0, 1] (one bad part is enough to
make the modality poor), with a priori scales held in :class:`IndicatorConfig`:

``audio_quality = q_silence * q_clipping * q_snr * q_duration * q_band`` where
    ``q_silence  = clip(1 - silence_ratio / silence_bad, 0, 1)``,
    ``q_clipping = clip(1 - clipping_ratio / clipping_full, 0, 1)``,
    ``q_snr      = clip(snr_db / snr_good_db, 0, 1)``,
    ``q_duration = clip(usable_duration_s / duration_good_s, 0, 1)``,
    ``q_band     = clip((high_band_db - high_band_bad_db) / (high_band_good_db - high_band_bad_db), 0, 1)``.
``lyrics_quality = q_length * q_richness * q_repetition * q_junk * q_unknown`` where
    ``q_length     = clip(word_count / words_good, 0, 1)``,
    ``q_richness   = clip(type_token_ratio / ttr_good, 0, 1)``,
    ``q_repetition = clip((1 - line_repetition) / (1 - repetition_ok), 0, 1)``,
    ``q_junk       = clip(1 - junk_token_share / junk_bad, 0, 1)``,
    ``q_unknown    = clip(1 - unknown_token_share / unknown_bad, 0, 1)`` for English lyrics only
    (``lyrics_english == 1``; the vocabulary is the English model's), left out otherwise, so a
    clean German lyric scores like a clean English one.

``vocal_presence = lyrics_voice_prior + (1 - lyrics_voice_prior) * vocal_presence_audio`` where the
track has lyrics, 0 where it has none (see :class:`IndicatorConfig`).

A part whose raw measure is NaN on a track that has the modality (the extractor could not
estimate it) is left out of the product; if every part is NaN the score is NaN.

Layout, one job a module (everything is importable from here):

* :mod:`core.indicators.specs`: the registry, :class:`IndicatorSpec`, :data:`INDICATORS`,
  :data:`INDICATOR_NAMES`, :data:`GROUPS`;
* :mod:`core.indicators.table`: the :class:`Indicators` container (values, names, languages);
* :mod:`core.indicators.compute`: :func:`compute_indicators` and the raw measures it reads;
* :mod:`core.indicator_config`: :class:`IndicatorConfig`, the scales of the quality scores.
"""

from __future__ import annotations

from core.indicator_config import IndicatorConfig
from core.indicators.compute import compute_indicators
from core.indicators.specs import GROUPS, INDICATOR_NAMES, INDICATORS, IndicatorSpec
from core.indicators.table import Indicators

__all__ = [
    "IndicatorSpec",
    "INDICATORS",
    "INDICATOR_NAMES",
    "GROUPS",
    "IndicatorConfig",
    "Indicators",
    "compute_indicators",
]
