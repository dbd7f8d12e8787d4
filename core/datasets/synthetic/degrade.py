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


def _garble(text: str, rng: np.random.Generator) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out_lines = []
    for raw in text.split("\n"):
        words = []
        for w in raw.split():
            r = rng.random()
            if r < 0.15:
                w = _JUNK_TOKENS[int(rng.integers(len(_JUNK_TOKENS)))]
            elif r < 0.5 and len(w) > 1:
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
            if rng.random() < 0.08:
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
