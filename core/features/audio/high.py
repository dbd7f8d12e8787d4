"""The high level block, dynamics and texture: harmonic/percussive balance (HPSS), loudness,
dynamic range, silence and clipping ratios, and the usable duration."""

from __future__ import annotations

import numpy as np

from core.features.audio.frames import _to_db
from core.features.audio.hpss import _hpss_masks


def high_level(y, S, frames: dict, duration, config) -> dict:
    """Clip values: ``percussive_ratio`` (0..1), ``loudness`` (dBFS), ``dynamic_range`` (dB, 95th -
    5th percentile of the active frames' RMS), ``silence_ratio`` and ``clipping_ratio`` (0..1),
    ``usable`` (s of frames neither silent nor clipped); and ``perc_median``, the HPSS median
    over frequency that the vocal estimate reuses. ``frames`` is
    :func:`~core.features.audio.frames.frame_measures`' result."""
    sr, hop = config.sr, config.hop_length
    active, silent = frames["active"], frames["silent"]
    harm_mask, perc_mask, perc_median = _hpss_masks(S)
    e_h = float(np.sum((harm_mask * S) ** 2, dtype=np.float64))
    e_p = float(np.sum((perc_mask * S) ** 2, dtype=np.float64))
    percussive_ratio = e_p / (e_h + e_p) if e_h + e_p > 0 else 0.0

    loudness = float(_to_db(np.sqrt(np.mean(np.square(y, dtype=np.float64)))))
    act_db = frames["frame_db"][active]
    dynamic_range = float(np.percentile(act_db, 95) - np.percentile(act_db, 5)) if act_db.size >= 2 else 0.0
    silence_ratio = float(np.mean(silent))
    clipping_ratio = float(np.mean(np.abs(y) >= config.clip_level))
    usable = float(np.sum(active & ~frames["clipped"])) * hop / sr
    usable = min(usable, duration)
    return {"perc_median": perc_median, "percussive_ratio": percussive_ratio,
            "loudness": loudness, "dynamic_range": dynamic_range,
            "silence_ratio": silence_ratio, "clipping_ratio": clipping_ratio, "usable": usable}
