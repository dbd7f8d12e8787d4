"""The low level block, timbre: MFCC (+ deltas), spectral centroid, bandwidth, roll-off, flatness,
contrast and zero-crossing rate, each a frame array computed from the clip's one STFT."""

from __future__ import annotations

import librosa

from core.features.audio.frames import _delta, _fit_frames


def low_level(y, S, power, freqs, config, n_frames) -> dict:
    """Timbre descriptors as (d, n_frames) arrays, plus ``mel_db`` (n_mels, n_frames) for the
    mid block and the density measure.

    ``S`` is the magnitude and ``power`` its square, (bins, n_frames); every descriptor reads
    them through librosa's ``S=`` arguments (bandwidth also reuses the centroid), so none
    computes a transform of its own. Units: MFCC in dB-scaled cepstral units, centroid,
    bandwidth and roll-off in Hz, flatness and zcr 0..1, contrast in dB.
    """
    sr, n_fft, hop = config.sr, config.n_fft, config.hop_length
    mel = librosa.feature.melspectrogram(S=power, sr=sr, n_fft=n_fft, n_mels=config.n_mels)
    mel_db = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80.0)  # as librosa.feature.mfcc
    mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=config.n_mfcc)
    mfcc_delta = _delta(mfcc)
    centroid = librosa.feature.spectral_centroid(S=S, sr=sr, n_fft=n_fft, freq=freqs)
    bandwidth = librosa.feature.spectral_bandwidth(S=S, sr=sr, n_fft=n_fft, freq=freqs,
                                                   centroid=centroid)
    rolloff = librosa.feature.spectral_rolloff(S=S, sr=sr, n_fft=n_fft, freq=freqs, roll_percent=0.85)
    flatness = librosa.feature.spectral_flatness(S=S)
    contrast = librosa.feature.spectral_contrast(S=S, sr=sr, n_fft=n_fft, freq=freqs)
    zcr = librosa.feature.zero_crossing_rate(y, frame_length=n_fft, hop_length=hop, center=True)
    zcr = _fit_frames(zcr, n_frames)
    return {"mel_db": mel_db, "mfcc": mfcc, "mfcc_delta": mfcc_delta, "centroid": centroid,
            "bandwidth": bandwidth, "rolloff": rolloff, "flatness": flatness,
            "contrast": contrast, "zcr": zcr}
