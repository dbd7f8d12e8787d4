"""Per-track indicators: interpretable values with units that the rules read.

Pipeline position: features (cached) -> **indicators** -> rules -> weights.

An indicator is one number per track with a documented unit and a typical range, computed
from the raw measures a :class:`~core.features.featureset.FeatureSet` carries
(``audio_stats``, ``lyrics_stats``, the ``audio_ok`` / ``lyrics_ok`` masks and ``has_lyrics``).
:func:`compute_indicators` takes the feature set (and an optional :class:`IndicatorConfig`)
and nothing else: its signature has no place for genres or any evaluation table, so the
weights the rules derive from indicators cannot depend on them.

Four groups, as in the method (DESIGN.md section 3):

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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from core.errors import ParameterError, check_param
from core.indicator_config import IndicatorConfig

__all__ = [
    "IndicatorSpec",
    "INDICATORS",
    "INDICATOR_NAMES",
    "GROUPS",
    "IndicatorConfig",
    "Indicators",
    "compute_indicators",
]


# ----------------------------------------------------------------------------------------------
# The indicator registry
# ----------------------------------------------------------------------------------------------

#: The indicator groups, in display order.
GROUPS = ("instrument presence", "energy", "quality", "language")


@dataclass(frozen=True)
class IndicatorSpec:
    """What one indicator means.

    Attributes
    ----------
    name : str
        Column name in :attr:`Indicators.names`.
    unit : str
        Unit of the values ("" for a dimensionless 0..1 score or a 0/1 flag).
    description : str
        One sentence a user can read next to a slider.
    lo, hi : float
        Typical range, for slider bounds (values may fall outside it, e.g. a 60 s clip).
    group : str
        One of :data:`GROUPS`.
    needs : str
        Modality the indicator needs: "audio", "lyrics", "both" or "none"; it is NaN where that
        modality is missing (see the module docstring for ``vocal_presence``).
    """

    name: str
    unit: str
    description: str
    lo: float
    hi: float
    group: str
    needs: str = "audio"


_SPECS = (
    # instrument presence
    IndicatorSpec("vocal_presence", "", "Sung words: with lyrics, 0.5 (the lyrics' prior) plus half the "
                  "audio voice estimate; 0 without lyrics, NaN with lyrics but no audio.",
                  0.0, 1.0, "instrument presence", "both"),
    IndicatorSpec("vocal_presence_audio", "", "Voice-like energy estimated from the audio alone.",
                  0.0, 1.0, "instrument presence", "audio"),
    IndicatorSpec("vocal_presence_learned", "", "Voice heard by the learned level's tagger (musicnn): its voice "
                  "tags against its 'no voice' tags; NaN without the learned level.",
                  0.0, 1.0, "instrument presence", "audio"),
    IndicatorSpec("lyrics_available", "", "1 if the track has usable lyrics, else 0.",
                  0.0, 1.0, "instrument presence", "none"),
    IndicatorSpec("audio_available", "", "1 if the track's audio decoded and was analysed, else 0.",
                  0.0, 1.0, "instrument presence", "none"),
    IndicatorSpec("percussive_ratio", "", "Share of energy in the percussive part (HPSS).",
                  0.0, 1.0, "instrument presence", "audio"),
    IndicatorSpec("instrumental_density", "", "How densely instruments fill time and spectrum.",
                  0.0, 1.0, "instrument presence", "audio"),
    # energy
    IndicatorSpec("loudness_dbfs", "dBFS", "RMS loudness relative to digital full scale.",
                  -60.0, 0.0, "energy", "audio"),
    IndicatorSpec("dynamic_range_db", "dB", "Spread between loud and quiet passages.",
                  0.0, 40.0, "energy", "audio"),
    IndicatorSpec("onset_rate", "1/s", "Note onsets per second.", 0.0, 10.0, "energy", "audio"),
    IndicatorSpec("quiet_learned", "", "Quiet, soft music by the learned level's tagger (musicnn): its quiet/soft "
                  "tags against its loud ones; NaN without the learned level.", 0.0, 1.0, "energy", "audio"),
    # quality: audio
    IndicatorSpec("audio_quality", "", "Audio quality score: (1 - silence) x clipping x SNR x "
                  "usable-duration scores.", 0.0, 1.0, "quality", "audio"),
    IndicatorSpec("silence_ratio", "", "Share of the clip that is silent.", 0.0, 1.0, "quality", "audio"),
    IndicatorSpec("clipping_ratio", "", "Share of samples at or near full scale.", 0.0, 0.1, "quality", "audio"),
    IndicatorSpec("snr_db", "dB", "Estimated signal-to-noise ratio.", -10.0, 60.0, "quality", "audio"),
    IndicatorSpec("usable_duration_s", "s", "Seconds of audio that are neither silent nor clipped.",
                  0.0, 60.0, "quality", "audio"),
    IndicatorSpec("bandwidth_hz", "Hz", "Audio bandwidth (low for lo-fi, low-passed audio).",
                  0.0, 11025.0, "quality", "audio"),
    IndicatorSpec("high_band_db", "dB", "Energy above 4 kHz relative to the whole clip (very low: "
                  "low-passed, lo-fi audio).", -120.0, 0.0, "quality", "audio"),
    # quality: lyrics
    IndicatorSpec("lyrics_quality", "", "Lyrics quality score: length x vocabulary richness x "
                  "repetition x clean-token scores.", 0.0, 1.0, "quality", "lyrics"),
    IndicatorSpec("word_count", "words", "Number of words in the lyrics.", 0.0, 500.0, "quality", "lyrics"),
    IndicatorSpec("type_token_ratio", "", "Distinct words / words (vocabulary richness).",
                  0.0, 1.0, "quality", "lyrics"),
    IndicatorSpec("line_repetition", "", "Share of lines that repeat an earlier line.",
                  0.0, 1.0, "quality", "lyrics"),
    IndicatorSpec("junk_token_share", "", "Share of tokens that are junk (garbled, symbols).",
                  0.0, 1.0, "quality", "lyrics"),
    IndicatorSpec("unknown_token_share", "", "Share of tokens outside the (English) model vocabulary; "
                  "read by the quality score only for English lyrics.", 0.0, 1.0, "quality", "lyrics"),
    # language
    IndicatorSpec("language_confidence", "", "How sure the language identifier (py3langid) is of the "
                  "lyrics' language (0: no language found).", 0.0, 1.0, "language", "lyrics"),
    IndicatorSpec("lyrics_english", "", "1 if the lyrics are in English, the language the sentence "
                  "encoder was trained on; 0 for another language (NaN: none identified).",
                  0.0, 1.0, "language", "lyrics"),
)

#: Registry: indicator name -> :class:`IndicatorSpec`, in column order.
INDICATORS: Mapping[str, IndicatorSpec] = MappingProxyType({s.name: s for s in _SPECS})

#: Indicator names in the column order :func:`compute_indicators` produces.
INDICATOR_NAMES: tuple = tuple(INDICATORS)

#: Raw measures compute_indicators reads from a FeatureSet.
_AUDIO_STATS = ("usable_duration_s", "loudness_dbfs", "dynamic_range_db", "silence_ratio",
                "clipping_ratio", "snr_db", "percussive_ratio", "vocal_presence", "onset_rate",
                "instrumental_density", "bandwidth_hz")
_LYRICS_STATS = ("word_count", "type_token_ratio", "line_repetition", "junk_token_share",
                 "unknown_token_share")
#: Raw measures read when present (feature sets from older code lack them: the indicator is NaN).
_OPTIONAL_AUDIO = ("high_band_db",)
#: Raw measures of the learned level (present only in feature sets extracted with it), -> indicator name.
_LEARNED_AUDIO = {"learned_voice": "vocal_presence_learned", "learned_quiet": "quiet_learned"}
_OPTIONAL_LYRICS = ("language_id", "language_confidence")


# ----------------------------------------------------------------------------------------------
# The Indicators table
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Indicators:
    """Indicator values for ``n`` tracks, rows in ``Dataset`` order.

    Attributes
    ----------
    values : float32 ndarray, shape (n_tracks, n_indicators)
        One column per name; NaN where the modality the indicator needs is missing. Read-only.
    names : tuple of str, length n_indicators
        Column names, each a key of :data:`INDICATORS`.
    specs : tuple of IndicatorSpec
        Unit, description, typical range and group of each column (filled from the registry).
    languages : tuple of str, length n_tracks, or ()
        The lyrics' language per track as an ISO 639 code ("en", "de", ...; "" where there are
        no lyrics or no language was identified); () when not computed (hand-made tables).

    Frozen: attributes cannot be rebound and ``values`` is not writeable. Compared and hashed by
    identity (it holds an array); cache on the FeatureSet / configuration that produced it.
    """

    values: np.ndarray
    names: tuple
    specs: tuple = field(default=(), repr=False)
    languages: tuple = field(default=(), repr=False)

    def __post_init__(self):
        names = tuple(self.names)
        languages = tuple(str(x) for x in self.languages)
        check_param("Indicators", "names", names, "unique names from core.indicators.INDICATORS",
                    len(set(names)) == len(names) and all(n in INDICATORS for n in names))
        values = np.asarray(self.values)
        check_param("Indicators", "values", getattr(values, "shape", None),
                    f"a 2-D array with {len(names)} columns",
                    values.ndim == 2 and values.shape[1] == len(names))
        # Column-major: each indicator column is contiguous, which the rule engine reads.
        values = np.asfortranarray(values, dtype=np.float32)
        if values is self.values:
            values = values.copy(order="F")
        values.flags.writeable = False
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "specs", tuple(INDICATORS[n] for n in names))
        check_param("Indicators", "languages", f"{len(languages)} codes",
                    f"() or one code per track ({values.shape[0]})",
                    len(languages) in (0, values.shape[0]))
        object.__setattr__(self, "languages", languages)
        object.__setattr__(self, "_index", {n: j for j, n in enumerate(names)})

    @classmethod
    def from_columns(cls, columns: Mapping[str, object]) -> "Indicators":
        """Build from ``{name: array (n,)}`` (hand-made tracks, benchmarks, tests)."""
        names = tuple(columns)
        arrays = [np.asarray(columns[n], dtype=np.float32).reshape(-1) for n in names]
        lengths = {a.shape[0] for a in arrays}
        check_param("Indicators.from_columns", "columns", {n: a.shape for n, a in zip(names, arrays)},
                    "a non-empty mapping of equal-length 1-D arrays", len(lengths) == 1)
        return cls(values=np.stack(arrays, axis=1), names=names)

    @property
    def n_tracks(self) -> int:
        return int(self.values.shape[0])

    def __contains__(self, name) -> bool:
        return name in self._index

    def column(self, name: str) -> np.ndarray:
        """Indicator ``name``, float32 (n_tracks,) read-only view."""
        j = self._index.get(name)
        if j is None:
            raise ParameterError(
                f"The 'name' parameter of Indicators.column must be one of {list(self.names)}. "
                f"Got {name!r} instead.")
        return self.values[:, j]

    def spec(self, name: str) -> IndicatorSpec:
        """Unit, description, typical range and group of ``name``."""
        self.column(name)
        return INDICATORS[name]

    def as_dict(self) -> dict:
        """``{name: float32 (n_tracks,)}`` in column order (e.g. for a pandas DataFrame)."""
        return {n: self.values[:, j] for j, n in enumerate(self.names)}


# ----------------------------------------------------------------------------------------------
# compute_indicators
# ----------------------------------------------------------------------------------------------


def _score_product(parts: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Product over columns ignoring NaN parts; NaN where all parts are NaN or ``present`` is False."""
    nan = np.isnan(parts)
    score = np.prod(np.where(nan, 1.0, parts), axis=1)
    score[nan.all(axis=1) | ~present] = np.nan
    return score


def compute_indicators(fs, config: IndicatorConfig | None = None) -> Indicators:
    """Compute every indicator of :data:`INDICATORS` for every track, vectorised.

    Reads only the feature set's raw measures and availability masks; it takes no genres or
    evaluation data and reads none.

    Parameters
    ----------
    fs : core.features.featureset.FeatureSet
        Needs ``audio_stats`` (n, ·) with the columns named in ``audio_stat_names`` (units:
        durations s, loudness dBFS, dynamic range dB, snr dB, onset_rate 1/s, bandwidth Hz,
        ratios / vocal_presence / instrumental_density 0..1), ``lyrics_stats`` (n, ·) named by
        ``lyrics_stat_names`` (word_count words, ratios and shares 0..1), ``audio_ok`` and
        ``lyrics_ok`` bool (n,), and ``has_lyrics``.
    config : IndicatorConfig, optional
        Scales of the quality scores; default ``IndicatorConfig()``.

    Returns
    -------
    Indicators
        ``values`` float32 (n_tracks, len(INDICATOR_NAMES)), columns :data:`INDICATOR_NAMES`.
        Ratios, shares and scores are clipped into [0, 1]; other measures pass through.

    Raises
    ------
    ParameterError
        If a required raw measure is missing or an array has the wrong shape.
    """
    config = IndicatorConfig() if config is None else config
    check_param("compute_indicators", "config", config, "an IndicatorConfig",
                isinstance(config, IndicatorConfig))
    cols = _RawColumns(fs)
    n = cols.n
    lyr, languages = _lyrics_indicators(cols, config)
    out = {**_audio_indicators(cols, config, lyr["lyrics_available"]), **lyr}
    out.update(getattr(fs, "given_indicators", None) or {})  # a features file's own columns win
    values = np.empty((n, len(INDICATOR_NAMES)), dtype=np.float32, order="F")
    for j, name in enumerate(INDICATOR_NAMES):
        values[:, j] = out[name]
    return Indicators(values=values, names=INDICATOR_NAMES, languages=languages)


def _unit(x):
    """Clip into [0, 1]; NaN stays NaN."""
    return np.clip(x, 0.0, 1.0)


class _RawColumns:
    """A feature set's raw measures, checked, with NaN where the modality is not usable."""

    def __init__(self, fs):
        audio_names = list(getattr(fs, "audio_stat_names", []))
        lyrics_names = list(getattr(fs, "lyrics_stat_names", []))
        missing = [s for s in _AUDIO_STATS if s not in audio_names] + \
                  [s for s in _LYRICS_STATS if s not in lyrics_names]
        check_param("compute_indicators", "fs", f"FeatureSet without {missing}",
                    "a FeatureSet whose stat names include " + ", ".join(_AUDIO_STATS + _LYRICS_STATS),
                    not missing)
        n = int(fs.n_tracks)
        audio_ok = np.asarray(fs.audio_ok, dtype=bool).reshape(-1)
        lyrics_ok = np.asarray(fs.lyrics_ok, dtype=bool).reshape(-1) & bool(fs.has_lyrics)
        a_stats = np.asarray(fs.audio_stats, dtype=np.float64)
        l_stats = np.asarray(fs.lyrics_stats, dtype=np.float64)
        shapes_ok = (audio_ok.shape == (n,) and lyrics_ok.shape == (n,) and a_stats.ndim == 2
                     and a_stats.shape == (n, len(audio_names)) and l_stats.ndim == 2
                     and l_stats.shape == (n, len(lyrics_names)))
        check_param("compute_indicators", "fs",
                    f"audio_ok {audio_ok.shape}, lyrics_ok {lyrics_ok.shape}, audio_stats {a_stats.shape}, "
                    f"lyrics_stats {l_stats.shape}",
                    f"a FeatureSet whose arrays have {n} rows (one per track) and one column per stat name",
                    shapes_ok)
        self.n, self.audio_ok, self.lyrics_ok = n, audio_ok, lyrics_ok
        self._a, self._l, self._a_names, self._l_names = a_stats, l_stats, audio_names, lyrics_names

    def audio(self, name):
        """Column ``name`` (n,), NaN where the audio is unusable or the column is absent (optional)."""
        if name not in self._a_names:
            return np.full(self.n, np.nan)
        x = self._a[:, self._a_names.index(name)].copy()
        x[~self.audio_ok] = np.nan
        return x

    def lyrics(self, name):
        """Column ``name`` (n,), NaN where there are no usable lyrics or the column is absent (optional)."""
        if name not in self._l_names:
            return np.full(self.n, np.nan)
        x = self._l[:, self._l_names.index(name)].copy()
        x[~self.lyrics_ok] = np.nan
        return x


def _audio_indicators(cols: _RawColumns, c: IndicatorConfig, lyrics_available: np.ndarray) -> dict:
    """Instrument presence, energy and audio quality, each (n,) float64."""
    audio, unit = cols.audio, _unit
    out = {}
    # instrument presence
    voice_audio = unit(audio("vocal_presence"))
    prior = c.lyrics_voice_prior
    out["vocal_presence"] = np.where(lyrics_available > 0.5, prior + (1.0 - prior) * voice_audio, 0.0)
    out["vocal_presence_audio"] = voice_audio
    for stat, name in _LEARNED_AUDIO.items():  # NaN (rules do not fire) when the learned level is off
        out[name] = unit(audio(stat))
    out["audio_available"] = cols.audio_ok.astype(np.float64)
    out["percussive_ratio"] = unit(audio("percussive_ratio"))
    out["instrumental_density"] = unit(audio("instrumental_density"))
    # energy
    out["loudness_dbfs"] = audio("loudness_dbfs")
    out["dynamic_range_db"] = audio("dynamic_range_db")
    out["onset_rate"] = audio("onset_rate")
    # audio quality
    silence = unit(audio("silence_ratio"))
    clipping = unit(audio("clipping_ratio"))
    snr = audio("snr_db")
    usable = audio("usable_duration_s")
    high_band = audio("high_band_db")
    a_parts = np.stack([
        unit(1.0 - silence / c.silence_bad),
        unit(1.0 - clipping / c.clipping_full),
        unit(snr / c.snr_good_db),
        unit(usable / c.duration_good_s),
        unit((high_band - c.high_band_bad_db) / (c.high_band_good_db - c.high_band_bad_db)),
    ], axis=1)
    out["audio_quality"] = _score_product(a_parts, cols.audio_ok)
    out["silence_ratio"] = silence
    out["clipping_ratio"] = clipping
    out["snr_db"] = snr
    out["usable_duration_s"] = usable
    out["bandwidth_hz"] = audio("bandwidth_hz")
    out["high_band_db"] = high_band
    return out


def _lyrics_indicators(cols: _RawColumns, c: IndicatorConfig) -> tuple:
    """(lyrics quality, its parts, availability and the language indicators, each (n,) float64;
    the language code per track)."""
    from core.features.lyrics.language import code_from_number
    lyrics, unit = cols.lyrics, _unit
    words = lyrics("word_count")
    ttr = unit(lyrics("type_token_ratio"))
    repetition = unit(lyrics("line_repetition"))
    junk = unit(lyrics("junk_token_share"))
    unknown = unit(lyrics("unknown_token_share"))
    codes = tuple(code_from_number(x) for x in lyrics("language_id"))
    known = np.array([bool(code) for code in codes])
    english = np.where(known, np.array([code == "en" for code in codes], dtype=np.float64), np.nan)
    english[~cols.lyrics_ok] = np.nan
    # The vocabulary is English: its unknown share says nothing about lyrics in another language.
    unknown_part = np.where(english == 0.0, np.nan, unit(1.0 - unknown / c.unknown_bad))
    l_parts = np.stack([
        unit(words / c.words_good),
        unit(ttr / c.ttr_good),
        unit((1.0 - repetition) / (1.0 - c.repetition_ok)),
        unit(1.0 - junk / c.junk_bad),
        unknown_part,
    ], axis=1)
    out = {"lyrics_quality": _score_product(l_parts, cols.lyrics_ok), "word_count": words,
           "type_token_ratio": ttr, "line_repetition": repetition, "junk_token_share": junk,
           "unknown_token_share": unknown, "lyrics_available": cols.lyrics_ok.astype(np.float64),
           "language_confidence": unit(lyrics("language_confidence")), "lyrics_english": english}
    return out, codes
