"""The indicator registry: what each indicator means (:class:`IndicatorSpec`), in column order.

:data:`INDICATORS` maps a name to its unit, description, typical range, group and the modality it
needs; :data:`INDICATOR_NAMES` is the column order :func:`core.indicators.compute_indicators`
produces. The meaning of each value is in :mod:`core.indicators`' docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

__all__ = ["UNBOUNDED", "GROUPS", "IndicatorSpec", "INDICATORS", "INDICATOR_NAMES", "threshold_allowed"]


#: The magnitude standing for "no natural bound" in :attr:`IndicatorSpec.limits` (float32-safe).
UNBOUNDED = 1e6

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
    limits : (float, float)
        The values the indicator can take at all, in its unit: (0, 1) for a score, share or flag, (-1e6, 0)
        for a level relative to full scale; a threshold outside them never or always fires, so a rule-set
        file holding one is refused (:mod:`core.presets`). Sides without a natural bound are +-1e6.
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
    limits: tuple = (0.0, 1.0)


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
                  -60.0, 0.0, "energy", "audio", limits=(-UNBOUNDED, 0.0)),
    IndicatorSpec("dynamic_range_db", "dB", "Spread between loud and quiet passages.",
                  0.0, 40.0, "energy", "audio", limits=(0.0, UNBOUNDED)),
    IndicatorSpec("onset_rate", "1/s", "Note onsets per second.", 0.0, 10.0, "energy", "audio",
                  limits=(0.0, UNBOUNDED)),
    IndicatorSpec("quiet_learned", "", "Quiet, soft music by the learned level's tagger (musicnn): its quiet/soft "
                  "tags against its loud ones; NaN without the learned level.", 0.0, 1.0, "energy", "audio"),
    # quality: audio
    IndicatorSpec("audio_quality", "", "Audio quality score: (1 - silence) x clipping x SNR x "
                  "usable-duration scores.", 0.0, 1.0, "quality", "audio"),
    IndicatorSpec("silence_ratio", "", "Share of the clip that is silent.", 0.0, 1.0, "quality", "audio"),
    IndicatorSpec("clipping_ratio", "", "Share of samples at or near full scale.", 0.0, 0.1, "quality", "audio"),
    IndicatorSpec("snr_db", "dB", "Estimated signal-to-noise ratio.", -10.0, 60.0, "quality", "audio",
                  limits=(-UNBOUNDED, UNBOUNDED)),
    IndicatorSpec("usable_duration_s", "s", "Seconds of audio that are neither silent nor clipped.",
                  0.0, 60.0, "quality", "audio", limits=(0.0, UNBOUNDED)),
    IndicatorSpec("bandwidth_hz", "Hz", "Audio bandwidth (low for lo-fi, low-passed audio).",
                  0.0, 11025.0, "quality", "audio", limits=(0.0, UNBOUNDED)),
    IndicatorSpec("high_band_db", "dB", "Energy above 4 kHz relative to the whole clip (very low: "
                  "low-passed, lo-fi audio).", -120.0, 0.0, "quality", "audio", limits=(-UNBOUNDED, 0.0)),
    # quality: lyrics
    IndicatorSpec("lyrics_quality", "", "Lyrics quality score: length x vocabulary richness x "
                  "repetition x clean-token scores.", 0.0, 1.0, "quality", "lyrics"),
    IndicatorSpec("word_count", "words", "Number of words in the lyrics.", 0.0, 500.0, "quality", "lyrics",
                  limits=(0.0, UNBOUNDED)),
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


def threshold_allowed(indicator: str, threshold: float) -> str:
    """``""`` when ``threshold`` lies within the values ``indicator`` can take (:attr:`IndicatorSpec.limits`;
    also for an indicator not in the registry), else what is allowed, in words, e.g. "within the values
    audio_quality can take (0 to 1; typically 0 to 1)". A rule-set file or a link with such a threshold is
    refused: the rule would never or always fire."""
    spec = INDICATORS.get(indicator)
    if spec is None:
        return ""
    lo, hi = spec.limits
    if lo <= float(threshold) <= hi:
        return ""
    unit = f" {spec.unit}" if spec.unit else ""
    free_lo, free_hi = lo <= -UNBOUNDED, hi >= UNBOUNDED
    bounds = (f"{lo:g} to {hi:g}{unit}" if free_lo == free_hi else
              f"at most {hi:g}{unit}" if free_lo else f"at least {lo:g}{unit}")
    return f"within the values {indicator} can take ({bounds}; typically {spec.lo:g} to {spec.hi:g}{unit})"
