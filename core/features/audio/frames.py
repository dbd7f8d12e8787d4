"""Frame helpers shared by the level blocks (numpy in, numpy out; they assume clean float32 input):
levels in dB, time-domain frame measures aligned with the STFT frames, frame-count fitting, deltas."""

from __future__ import annotations

import librosa
import numpy as np

from core.features.audio.config import DB_FLOOR


def _to_db(x):
    """20 log10(x) with a floor at DB_FLOOR (x linear amplitude, full scale 1)."""
    return 20.0 * np.log10(np.maximum(x, 10.0 ** (DB_FLOOR / 20.0)))


def _frame_levels(y, n_fft, hop, n_frames, clip_level):
    """Per-frame RMS (linear) and share of clipped samples, frames centred like the STFT's.

    Uses running sums, so no (frames, n_fft) copy of the signal is made.
    """
    pad = n_fft // 2
    yp = np.pad(y.astype(np.float64), (pad, pad + n_fft))
    csq = np.concatenate([[0.0], np.cumsum(yp * yp)])
    ccl = np.concatenate([[0], np.cumsum(np.abs(yp) >= clip_level)])
    starts = np.arange(n_frames) * hop
    ends = starts + n_fft
    ms = np.maximum(csq[ends] - csq[starts], 0.0) / n_fft
    return np.sqrt(ms), (ccl[ends] - ccl[starts]) / n_fft


def _fit_frames(X, n_frames):
    """Trim or edge-pad a (d, t) frame array to n_frames columns."""
    t = X.shape[-1]
    if t == n_frames:
        return X
    if t > n_frames:
        return X[..., :n_frames]
    return np.pad(X, [(0, 0)] * (X.ndim - 1) + [(0, n_frames - t)], mode="edge")


def _delta(X):
    """First-order deltas over frames (librosa.feature.delta, width 9, shrunk for short input)."""
    t = X.shape[-1]
    width = min(9, t if t % 2 else t - 1)
    if width < 3:
        return np.zeros_like(X)
    return librosa.feature.delta(X, width=width, mode="interp")


# A frame counts as clipped when at least this share of its samples is clipped.
_CLIPPED_FRAME_SHARE = 0.01


def frame_measures(y, config, n_frames) -> dict:
    """Time-domain frame measures aligned with the STFT frames.

    Returns ``frame_rms`` (linear, (n_frames,)), ``frame_db`` (dBFS), the boolean masks ``silent``
    (below ``config.silence_db``), ``clipped`` (at least ``_CLIPPED_FRAME_SHARE`` of the samples
    clipped), ``active`` (not silent), and ``pool``: the frames descriptors are pooled over
    (the active ones, or all when every frame is silent).
    """
    frame_rms, frame_clip = _frame_levels(y, config.n_fft, config.hop_length, n_frames,
                                          config.clip_level)
    frame_db = _to_db(frame_rms)
    silent = frame_db < config.silence_db
    clipped = frame_clip >= _CLIPPED_FRAME_SHARE
    active = ~silent
    pool = active if active.any() else np.ones(n_frames, dtype=bool)
    return {"frame_rms": frame_rms, "frame_db": frame_db, "silent": silent, "clipped": clipped,
            "active": active, "pool": pool}
