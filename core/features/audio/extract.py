"""One clip's features: decode once, one STFT, the three level blocks (+ learned), the raw measures, pooling."""

from __future__ import annotations

import os
from typing import Union

import librosa
import numpy as np

from core.errors import ParameterError
from core.features.audio.config import AudioConfig, ClipFeatures
from core.features.audio.decode import _stft, load_audio
from core.features.audio.frames import frame_measures
from core.features.audio.high import high_level
from core.features.audio.low import low_level
from core.features.audio.measures import _high_band_db, _instrumental_density, _snr_db
from core.features.audio.mid import mid_level
from core.features.audio.vocal import _vocal_presence


def extract_clip(path: Union[str, os.PathLike], config: AudioConfig = AudioConfig()) -> ClipFeatures:
    """Decode ``path`` once (:func:`load_audio`) and extract its features (:func:`extract_signal`).

    Raises
    ------
    AudioDecodeError
        When the file cannot be decoded or is unusable (see :func:`load_audio`).
    """
    return extract_signal(load_audio(path, config), config)


def extract_learned(path: Union[str, os.PathLike], config: AudioConfig) -> np.ndarray:
    """Only the learned block of ``path`` (the hand-crafted levels cached already): the same decode and the
    same values as the learned columns of :func:`extract_clip`.

    Returns
    -------
    numpy.ndarray, float32, shape (len(learned_names(model, layer)),)
        Finite (450 columns for the default penultimate layer); see
        :func:`core.features.audio.learned.learned_level`.
    """
    if not isinstance(config, AudioConfig) or config.learned_model is None:
        raise ParameterError("The 'config' parameter of extract_learned must be an AudioConfig with "
                             f"learned_model set. Got {config!r} instead.")
    from core.features.audio.learned import learned_level
    y = np.ascontiguousarray(load_audio(path, config), dtype=np.float32)
    v = learned_level(y, config.sr, config.learned_model, config.learned_patches, config.learned_layer)
    return np.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)


def extract_signal(y: np.ndarray, config: AudioConfig = AudioConfig()) -> ClipFeatures:
    """Features and raw measures of one mono signal, from a single STFT.

    Parameters
    ----------
    y : numpy.ndarray, float32 or float64, shape (n_samples,)
        Mono signal at ``config.sr`` Hz, full scale = 1.0, finite, at least one sample (integer
        PCM is refused: its scale is ambiguous). Any length
        works (very short signals give finite, if uninformative, values).
    config : AudioConfig

    Returns
    -------
    ClipFeatures
        ``features`` float32 (len(feature_names(config)),) and ``stats`` float32
        (len(STAT_NAMES),), both finite. A silent signal gives ``silence_ratio = 1`` and
        ``usable_duration_s = 0``.
    """
    if not isinstance(config, AudioConfig):
        raise ParameterError(f"The 'config' parameter of extract_signal must be an AudioConfig. "
                             f"Got {type(config).__name__} instead.")
    arr = np.asarray(y)
    ok = (arr.ndim == 1 and arr.size > 0 and np.issubdtype(arr.dtype, np.floating)
          and bool(np.all(np.isfinite(arr))))
    if not ok:
        raise ParameterError(
            "The 'y' parameter of extract_signal must be a non-empty 1-D float array of finite samples "
            "(full scale 1.0). "
            f"Got an array of shape {arr.shape} and dtype {arr.dtype} instead.")
    y = np.ascontiguousarray(arr, dtype=np.float32)
    return _extract(y, config)


def _extract(y: np.ndarray, config: AudioConfig) -> ClipFeatures:
    sr, n_fft, hop = config.sr, config.n_fft, config.hop_length
    duration = y.shape[0] / float(sr)

    # -- the one STFT ----------------------------------------------------------------------
    S = np.abs(_stft(y, config))  # magnitude (bins, frames)
    power = S * S
    n_bins, n_frames = S.shape
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)

    frames = frame_measures(y, config, n_frames)
    active, pool = frames["active"], frames["pool"]
    low = low_level(y, S, power, freqs, config, n_frames)
    mid = mid_level(power, low["mel_db"], pool, duration, config, n_frames)
    high = high_level(y, S, frames, duration, config)

    # -- raw measures for the indicators ----------------------------------------------------
    snr = _snr_db(power, active)
    vocal = _vocal_presence(S, power, high["perc_median"], freqs, active, sr, hop, n_fft)
    density = _instrumental_density(low["mel_db"], active)
    bandwidth_hz = float(np.mean(low["rolloff"][0, active])) if active.any() else 0.0
    high_band = _high_band_db(power, freqs, active)

    features = _pool(low, mid, high, frames)
    if config.learned_model is not None:  # the same decoded signal; its own 16 kHz mel inside
        from core.features.audio.learned import learned_level
        features = np.concatenate([features, learned_level(y, sr, config.learned_model, config.learned_patches,
                                                           config.learned_layer)])
    stats = np.array([duration, high["usable"], high["loudness"], high["dynamic_range"],
                      high["silence_ratio"], high["clipping_ratio"], snr,
                      high["percussive_ratio"], vocal, mid["onset_rate"], density, bandwidth_hz, high_band],
                     dtype=np.float64)
    features = np.nan_to_num(features, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
    stats = np.nan_to_num(stats, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
    return ClipFeatures(features=features, stats=stats)


def _pool(low: dict, mid: dict, high: dict, frames: dict) -> np.ndarray:
    """Mean and spread over the pooled frames, in :func:`feature_names` order (float64)."""
    pool = frames["pool"]
    cols = []

    def mean_std(X):
        X = X[:, pool]
        cols.append(np.stack([X.mean(axis=1), X.std(axis=1)], axis=1).ravel())

    mean_std(low["mfcc"])
    cols.append(low["mfcc_delta"][:, pool].std(axis=1))
    for d in ("centroid", "bandwidth", "rolloff", "flatness"):
        mean_std(low[d])
    mean_std(low["contrast"])
    mean_std(low["zcr"])
    mean_std(mid["chroma"])
    mean_std(mid["tonnetz"])
    cols.append(np.array([mid["tempo"], mid["pulse_clarity"], mid["onset_rate"]]))
    mean_std(mid["onset_env"][None, :])
    mean_std(frames["frame_rms"][None, :])
    cols.append(np.array([high["loudness"], high["dynamic_range"], high["percussive_ratio"],
                          high["silence_ratio"], high["clipping_ratio"]]))
    return np.concatenate([np.asarray(c, dtype=np.float64).ravel() for c in cols])
