"""The mid level block, harmony and rhythm: chroma, tonnetz, tempo, pulse clarity, onset rate and
onset strength, from the power spectrogram and the mel spectrogram of the low block."""

from __future__ import annotations

import math
import warnings

import librosa
import numpy as np

from core.features.audio.frames import _fit_frames

# Tuning is estimated from every n-th frame.
_TUNING_STRIDE = 4
# Tempo / pulse clarity: autocorrelation window (s) and the BPM range searched for a pulse.
_TEMPOGRAM_S = 8.0
_PULSE_BPM = (30.0, 300.0)


def mid_level(power, mel_db, pool, duration, config, n_frames) -> dict:
    """Chroma (12, n_frames) and tonnetz (6, n_frames), the onset-strength envelope
    (n_frames,), and the clip values ``tempo`` (BPM), ``pulse_clarity`` (0..1) and
    ``onset_rate`` (onsets per s over ``duration`` s)."""
    sr, n_fft, hop = config.sr, config.n_fft, config.hop_length
    tuning = _tuning(power, sr, n_fft)
    chroma = librosa.feature.chroma_stft(S=power, sr=sr, n_fft=n_fft, tuning=tuning)
    tonnetz = librosa.feature.tonnetz(chroma=chroma, sr=sr)
    onset_env = librosa.onset.onset_strength(S=mel_db, sr=sr, hop_length=hop)
    onset_env = _fit_frames(onset_env[None, :], n_frames)[0]
    tempo, pulse_clarity = _tempo_and_pulse(onset_env, pool, sr, hop)
    onsets = librosa.onset.onset_detect(onset_envelope=onset_env, sr=sr, hop_length=hop,
                                        units="frames") if np.any(onset_env > 0) else np.zeros(0)
    onset_rate = len(onsets) / duration
    return {"chroma": chroma, "tonnetz": tonnetz, "onset_env": onset_env, "tempo": tempo,
            "pulse_clarity": pulse_clarity, "onset_rate": onset_rate}


def _tuning(power, sr, n_fft):
    """Tuning offset (fractions of a chroma bin) from every ``_TUNING_STRIDE``-th frame of the power
    spectrogram (the estimate is a histogram over many peaks; a subset is enough), 0 if none."""
    if not np.any(power > 0):
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "empty frequency set" for pure DC/clicks
        tuning = float(librosa.estimate_tuning(S=power[:, ::_TUNING_STRIDE], sr=sr, n_fft=n_fft))
    return tuning if math.isfinite(tuning) else 0.0


def _tempo_and_pulse(onset_env, pool, sr, hop):
    """Tempo (BPM) from one tempogram of the onset envelope, and pulse clarity (0..1).

    Tempo is librosa's estimate from the autocorrelation tempogram (8 s windows) averaged over
    the pooled frames. Pulse clarity is the highest peak of the normalised autocorrelation of the
    mean-removed onset envelope at a lag between 30 and 300 BPM: 1 for a perfectly periodic
    envelope, about 0 for noise or a steady sound.
    """
    if not np.any(onset_env > 0):
        return 0.0, 0.0
    win = int(librosa.time_to_frames(_TEMPOGRAM_S, sr=sr, hop_length=hop))
    tg = librosa.feature.tempogram(onset_envelope=onset_env, sr=sr, hop_length=hop, win_length=win)
    tg = _fit_frames(tg, len(onset_env))[:, pool]
    tempo = float(librosa.feature.tempo(onset_envelope=onset_env, tg=tg, sr=sr, hop_length=hop)[0])
    centred = onset_env.astype(np.float64) - onset_env.mean()
    ac = librosa.autocorrelate(centred)
    pulse = 0.0
    if ac[0] > 0:
        lags = np.arange(len(ac))
        with np.errstate(divide="ignore"):
            bpm = 60.0 * sr / (hop * lags)
        in_range = (bpm >= _PULSE_BPM[0]) & (bpm <= _PULSE_BPM[1])
        if in_range.any():
            pulse = float(np.clip(ac[in_range].max() / ac[0], 0.0, 1.0))
    return (tempo if math.isfinite(tempo) else 0.0), pulse
