"""Per-track audio weights as fusion uses them: checked, and forced where a modality is missing.

Pipeline position: rules -> weights -> **fusion** (every fusion and both k-means read these).

A weight is the audio share of a track, a float in [0, 1] (1 = audio only, 0 = lyrics only).
:func:`effective_weights` enforces missing modalities: a track without usable lyrics gets 1
whatever the rules said, a track without usable audio (but with lyrics) gets 0. Arrays are
float32 (n_tracks,) in Dataset order.
"""

from __future__ import annotations

import math

import numpy as np

from core.errors import check_param
from core.fusion.embeddings import Embeddings

__all__ = ["effective_weights"]


def _check_weights(owner: str, w, n: int) -> np.ndarray:
    """Validate per-track audio weights: finite floats in [0, 1], shape (n,). Returns float32."""
    w = np.asarray(w)
    check_param(owner, "w", f"array of shape {w.shape}", f"a 1-d array of shape ({n},)",
                w.ndim == 1 and w.shape[0] == n)
    check_param(owner, "w", f"array of dtype {w.dtype}", "a real-valued array",
                np.issubdtype(w.dtype, np.number)
                and not np.issubdtype(w.dtype, np.complexfloating))
    w = w.astype(np.float32, copy=False)
    if n:
        lo, hi = float(np.min(w)), float(np.max(w))
        check_param(owner, "w", f"values in [{lo:g}, {hi:g}]", "finite values in [0, 1]",
                    math.isfinite(lo) and math.isfinite(hi) and lo >= 0.0 and hi <= 1.0)
    return w


def effective_weights(emb: Embeddings, w) -> np.ndarray:
    """The audio weights fusion actually uses, float32 (n,) in [0, 1].

    ``w`` where both modalities are usable; 1 where lyrics are missing (audio only); 0 where
    audio is missing but lyrics are usable (lyrics only). A track with neither gets 1 and a
    zero audio row.
    """
    w = _check_weights("effective_weights", w, emb.n_tracks)
    return _effective(emb, w)


def _effective(emb: Embeddings, w: np.ndarray) -> np.ndarray:
    out = np.where(emb.lyrics_ok, w, np.float32(1.0))
    np.copyto(out, np.float32(0.0), where=~emb.audio_ok & emb.lyrics_ok)
    return out.astype(np.float32, copy=False)
