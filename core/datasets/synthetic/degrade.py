"""Degradations, at most one per modality per track: audio noise, dropouts, clipping, low-pass;
lyrics truncated, garbled or missing."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Optional

import numpy as np
from scipy import signal

from core.datasets.synthetic.recipes import _uniform

if TYPE_CHECKING:
    from core.datasets.synthetic.config import SynthConfig

AUDIO_DEGRADATIONS = ("none", "noise", "dropout", "clipping", "lowpass")
LYRICS_DEGRADATIONS = ("none", "truncated", "garbled", "missing", "instrumental")

_JUNK_TOKENS = ("#@!", "xqzt", "%%", "&*#", "zzkr", "qwx", "brrzt", "@@", "~~", "###", "vvkq",
                "!?!")


def _choose(rng: np.random.Generator, kinds: tuple[str, ...], rates: tuple[float, ...]) -> str:
    u = rng.random()
    edge = 0.0
    for kind, rate in zip(kinds, rates):
        edge += rate
        if u < edge:
            return kind
    return "none"


def degrade_audio(y: np.ndarray, kind: str, param: float, sr: int, rng: np.random.Generator
                  ) -> np.ndarray:
    """Apply one audio degradation.

    Parameters
    ----------
    y : ndarray, shape (n_samples,)
        Clean mono signal in [-1, 1].
    kind : str
        ``"none"``, ``"noise"`` (``param`` = SNR, dB), ``"dropout"`` (``param`` = fraction of the
        clip silenced, in 1-3 gaps), ``"clipping"`` (``param`` = gain over full-scale peak before
        hard clipping at +-1) or ``"lowpass"`` (``param`` = cutoff, Hz; 8th-order Butterworth).
    param : float
    sr : int
        Sample rate, Hz.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (n_samples,)
    """
    if kind == "none":
        return y
    if kind == "noise":
        power = np.mean(y ** 2) / 10.0 ** (param / 10.0)
        out = y + math.sqrt(power) * rng.standard_normal(len(y))
        peak = np.max(np.abs(out))
        return out * (0.99 / peak) if peak > 0.99 else out
    if kind == "dropout":
        out = y.copy()
        k = int(rng.integers(1, 4))
        seg = len(y) // k
        gap = int(param * len(y) / k)
        for i in range(k):
            start = i * seg + int(rng.integers(0, max(1, seg - gap)))
            out[start:start + gap] = 0.0
        return out
    if kind == "clipping":
        peak = np.max(np.abs(y)) or 1.0
        return np.clip(y / peak * param, -1.0, 1.0)
    if kind == "lowpass":
        return signal.sosfilt(signal.butter(8, param, fs=sr, output="sos"), y)
    raise ValueError(f"unknown audio degradation {kind!r}")


def _garble(text: str, rng: np.random.Generator, junk: float = 0.15, alter: float = 0.5,
            extra: float = 0.08) -> str:
    """Replace a word by a junk token with probability ``junk``, alter a letter of it with
    probability ``alter - junk``, and insert a junk token after it with probability ``extra``
    (v1's values are the defaults; the draws stay in v1's order)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    out_lines = []
    for raw in text.split("\n"):
        words = []
        for w in raw.split():
            r = rng.random()
            if r < junk:
                w = _JUNK_TOKENS[int(rng.integers(len(_JUNK_TOKENS)))]
            elif r < alter and len(w) > 1:
                i = int(rng.integers(len(w)))
                op = int(rng.integers(4))
                if op == 0 and i < len(w) - 1:
                    w = w[:i] + w[i + 1] + w[i] + w[i + 2:]
                elif op == 1:
                    w = w[:i] + w[i + 1:]
                elif op == 2:
                    w = w[:i] + letters[int(rng.integers(26))] + w[i + 1:]
                else:
                    w = w[:i] + w[i] * 2 + w[i + 1:]
            words.append(w)
            if rng.random() < extra:
                words.append(_JUNK_TOKENS[int(rng.integers(len(_JUNK_TOKENS)))])
        out_lines.append(" ".join(words))
    return "\n".join(out_lines)


def _truncate(stanzas: list[list[str]], rng: np.random.Generator) -> str:
    words = stanzas[0][0].split()
    keep = int(rng.integers(2, 7))
    return " ".join(words[:keep]) + "\n"


def degrade_track_audio(config: SynthConfig, audio: np.ndarray, rng: np.random.Generator
                        ) -> tuple[str, Optional[float], np.ndarray]:
    """Choose (by the config's rates) and apply at most one audio degradation to a clip.

    Returns ``(kind, parameter rounded to 3 decimals or None, degraded audio)``.
    """
    c = config
    kind = _choose(rng, AUDIO_DEGRADATIONS[1:],
                   (c.audio_noise_rate, c.audio_dropout_rate, c.audio_clipping_rate,
                    c.audio_lowpass_rate))
    param_range = {"noise": c.noise_snr_db, "dropout": c.dropout_fraction,
                   "clipping": c.clipping_gain, "lowpass": c.lowpass_hz}.get(kind)
    value = round(_uniform(rng, param_range), 3) if param_range else None
    return kind, value, degrade_audio(audio, kind, value or 0.0, c.sr, rng)


def degrade_track_lyrics(config: SynthConfig, stanzas: list[list[str]], sung: Optional[str],
                         rng: np.random.Generator) -> tuple[str, Optional[str]]:
    """Choose (by the config's rates) and apply at most one lyrics degradation.

    Returns ``(kind, text of the lyrics file or None when there is no file)``; an instrumental
    (``sung`` None) is ``("instrumental", None)``.
    """
    if sung is None:
        return "instrumental", None
    c = config
    kind = _choose(rng, LYRICS_DEGRADATIONS[1:4],
                   (c.lyrics_truncate_rate, c.lyrics_garble_rate, c.lyrics_missing_rate))
    text = {"none": lambda: sung,
            "truncated": lambda: _truncate(stanzas, rng),
            "garbled": lambda: _garble(sung, rng),
            "missing": lambda: None}[kind]()
    return kind, text


#: Which end of each audio parameter's range is harshest: severity 1 there, 0 at the other end.
_HARSH_AT_LOW = {"noise": True, "dropout": False, "clipping": False, "lowpass": True}


def _param_range(config: SynthConfig, kind: str):
    c = config
    return {"noise": c.noise_snr_db, "dropout": c.dropout_fraction, "clipping": c.clipping_gain,
            "lowpass": c.lowpass_hz}.get(kind)


def degrade_planned_audio(config: SynthConfig, audio: np.ndarray, kind: str,
                          rng: np.random.Generator) -> tuple[Optional[float], float, np.ndarray]:
    """v2: apply the planned audio degradation ``kind`` at a parameter drawn from its range.

    Returns ``(parameter rounded to 3 decimals or None, severity in [0, 1], degraded audio)``;
    severity is the parameter's position in its range, 1 at the harshest end (lowest SNR or
    cut-off, largest dropout or clipping gain), 0 for ``"none"``.
    """
    if kind == "none":
        return None, 0.0, audio
    lo, hi = _param_range(config, kind)
    value = round(_uniform(rng, (lo, hi)), 3)
    pos = 0.5 if hi <= lo else (value - lo) / (hi - lo)
    severity = round(float(1.0 - pos if _HARSH_AT_LOW[kind] else pos), 3)
    return value, severity, degrade_audio(audio, kind, value, config.sr, rng)


def degrade_planned_lyrics(config: SynthConfig, kind: str, sung: Optional[str],
                           rng: np.random.Generator) -> tuple[float, Optional[str]]:
    """v2: apply the planned lyrics degradation ``kind`` to the sung text.

    Returns ``(strength in [0, 1], text of the lyrics file or None)``: truncated, the share of
    words removed; garbled, the share of words altered (drawn from ``config.garble_strength``);
    missing, 1; none and instrumental, 0.
    """
    if sung is None or kind in ("none", "instrumental"):
        return 0.0, sung
    if kind == "missing":
        return 1.0, None
    if kind == "garbled":
        strength = round(_uniform(rng, config.garble_strength), 3)
        return strength, _garble(sung, rng, junk=0.3 * strength, alter=strength,
                                 extra=0.16 * strength)
    words = sung.split()
    keep = max(2, int(round(_uniform(rng, config.truncate_keep) * len(words))))
    keep = min(keep, len(words))
    return round(1.0 - keep / len(words), 3), " ".join(words[:keep]) + "\n"
