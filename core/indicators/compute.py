"""Computing the indicators: :func:`compute_indicators` from a feature set's raw measures.

The formulas (quality scores as products of per-part scores, the voice prior, NaN where a
modality is missing) are in :mod:`core.indicators`' docstring; the scales in
:class:`~core.indicator_config.IndicatorConfig`. Takes no genres or evaluation data and reads none.
"""

from __future__ import annotations

import numpy as np

from core.errors import check_param
from core.indicator_config import IndicatorConfig
from core.indicators.specs import INDICATOR_NAMES
from core.indicators.table import Indicators

__all__ = ["compute_indicators"]

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
