"""Raw per-clip measures the indicators read beside the level blocks (units in
:data:`~core.features.audio.config.STAT_NAMES`): SNR against a broadband noise floor, the
instrumental density and the high-band energy share (a low-pass detector). Vocal presence has its own module, :mod:`~core.features.audio.vocal`."""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from core.features.audio.config import HIGH_BAND_FLOOR_DB, HIGH_BAND_HZ, SNR_RANGE_DB

# Instrumental density: a mel band is active within this many dB of the frame's loudest band.
_DENSITY_DB = 30.0
# Noise floor: per-bin percentile over time, then a low percentile across this many bins.
_NOISE_PERCENTILE = 10.0
_NOISE_SMOOTH_BINS = 31
_NOISE_SMOOTH_PERCENTILE = 25.0
# The p-th percentile of exponentially distributed power (a noise bin) is -ln(1 - p) x its mean.
_NOISE_BIAS = -math.log(1.0 - _NOISE_PERCENTILE / 100.0)


def _snr_db(power, active):
    """Signal-to-noise ratio (dB) against a broadband noise floor.

    The floor of each frequency bin is a low percentile of its power over the non-silent frames;
    a running 25th percentile across ``_NOISE_SMOOTH_BINS`` bins then removes narrow (tonal,
    sustained) peaks, since broadband noise is smooth across frequency, and the percentile's bias for
    noise (exponentially distributed power) is divided out. SNR = (mean frame power - floor
    power) / floor power, in dB, clipped to :data:`SNR_RANGE_DB`. Silence gives 0 dB.
    """
    if not active.any():
        return 0.0
    P = power[:, active]
    floor = np.percentile(P, _NOISE_PERCENTILE, axis=1).astype(np.float32)
    floor = ndimage.percentile_filter(floor, _NOISE_SMOOTH_PERCENTILE, size=_NOISE_SMOOTH_BINS, mode="reflect")
    noise = float(np.sum(floor, dtype=np.float64)) / _NOISE_BIAS
    total = float(np.mean(np.sum(P, axis=0, dtype=np.float64)))
    if total <= 0:
        return 0.0
    noise = max(noise, total * 10.0 ** (-SNR_RANGE_DB[1] / 10.0))
    snr = 10.0 * math.log10(max(total - noise, 1e-30) / noise)
    return float(np.clip(snr, *SNR_RANGE_DB))


def _instrumental_density(mel_db, active):
    """Mean fraction of mel bands within _DENSITY_DB of the frame's loudest band (non-silent frames)."""
    if not active.any():
        return 0.0
    M = mel_db[:, active]
    return float(np.mean(M >= M.max(axis=0, keepdims=True) - _DENSITY_DB))


def _high_band_db(power, freqs, active):
    """Energy above :data:`HIGH_BAND_HZ` over the total energy of the non-silent frames, dB (<= 0).

    A low-pass at cut-off ``fc`` (lo-fi, telephone, a bad transcode) leaves almost nothing above
    ``2 fc``: an 8th-order Butterworth at 2 kHz is 48 dB down at 4 kHz, while full-band music
    (cymbals, consonants, harmonics of bright timbres) keeps within about 30 dB of its total there.
    Floored at :data:`HIGH_BAND_FLOOR_DB` (an empty band, or silence: nothing to judge).
    """
    P = power[:, active] if active.any() else power
    total = float(np.sum(P, dtype=np.float64))
    if total <= 0:
        return HIGH_BAND_FLOOR_DB
    high = float(np.sum(P[freqs >= HIGH_BAND_HZ], dtype=np.float64))
    return float(max(10.0 * math.log10(max(high / total, 1e-30)), HIGH_BAND_FLOOR_DB))
