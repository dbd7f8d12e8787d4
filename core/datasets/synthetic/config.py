"""Settings of the synthetic song set: :class:`SynthConfig`, its checks, and the generator version."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from core.datasets.synthetic.recipes import GENRES
from core.errors import ParameterError, check_param

#: Bumped whenever the generator's output changes for the same configuration.
GENERATOR_VERSION = "synthetic-songs/1"


@dataclass(frozen=True)
class SynthConfig:
    """Knobs of the synthetic song set; a frozen, hashable value.

    Attributes
    ----------
    genres : tuple of str
        Genre names from :data:`GENRES` (default: all, in their built-in order).
    tracks_per_genre : int
        Tracks generated per genre, >= 1.
    clip_seconds : float
        Length of every clip, seconds, in [1, 600].
    sr : int
        Sample rate, Hz, in [8000, 48000].
    seed : int
        Seed of every random choice, >= 0.
    audio_noise_rate, audio_dropout_rate, audio_clipping_rate, audio_lowpass_rate : float
        Fraction of tracks (0..1, summing to at most 1) whose audio gets white noise, a silent
        dropout, clipping, or a lo-fi low-pass. At most one audio degradation per track.
    noise_snr_db : (float, float)
        Range of the signal-to-noise ratio of the added noise, dB.
    dropout_fraction : (float, float)
        Range of the fraction of the clip silenced by a dropout (in 1-3 gaps), in (0, 1).
    clipping_gain : (float, float)
        Range of the gain applied relative to full-scale peak before hard clipping, > 1.
    lowpass_hz : (float, float)
        Range of the cutoff of the 8th-order Butterworth low-pass, Hz, below sr / 2.
    lyrics_truncate_rate, lyrics_garble_rate, lyrics_missing_rate : float
        Fraction of sung tracks (0..1, summing to at most 1) whose lyrics are cut to a few words,
        garbled (typos, junk tokens), or missing (no lyrics file although the track is sung).
    """

    genres: tuple[str, ...] = tuple(GENRES)
    tracks_per_genre: int = 40
    clip_seconds: float = 20.0
    sr: int = 22050
    seed: int = 0
    audio_noise_rate: float = 0.06
    noise_snr_db: tuple[float, float] = (0.0, 6.0)
    audio_dropout_rate: float = 0.05
    dropout_fraction: tuple[float, float] = (0.2, 0.5)
    audio_clipping_rate: float = 0.05
    clipping_gain: tuple[float, float] = (3.0, 10.0)
    audio_lowpass_rate: float = 0.05
    lowpass_hz: tuple[float, float] = (700.0, 2000.0)
    lyrics_truncate_rate: float = 0.06
    lyrics_garble_rate: float = 0.06
    lyrics_missing_rate: float = 0.05

    def __post_init__(self) -> None:
        for name in ("genres", "noise_snr_db", "dropout_fraction", "clipping_gain", "lowpass_hz"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        self.validate()

    def validate(self) -> None:
        """Raise :class:`~core.errors.ParameterError` naming the first parameter out of range."""
        own = "SynthConfig"
        g = self.genres
        check_param(own, "genres", g, f"a non-empty tuple of distinct names from {sorted(GENRES)}",
                    isinstance(g, tuple) and len(g) > 0 and len(set(g)) == len(g)
                    and all(isinstance(x, str) and x in GENRES for x in g))
        check_param(own, "tracks_per_genre", self.tracks_per_genre, "an int in [1, 100000]",
                    _is_int(self.tracks_per_genre) and 1 <= self.tracks_per_genre <= 100000)
        check_param(own, "clip_seconds", self.clip_seconds, "a float in [1, 600]",
                    _is_real(self.clip_seconds) and 1.0 <= self.clip_seconds <= 600.0)
        check_param(own, "sr", self.sr, "an int in [8000, 48000]",
                    _is_int(self.sr) and 8000 <= self.sr <= 48000)
        check_param(own, "seed", self.seed, "an int >= 0", _is_int(self.seed) and self.seed >= 0)
        audio = ("audio_noise_rate", "audio_dropout_rate", "audio_clipping_rate",
                 "audio_lowpass_rate")
        lyrics = ("lyrics_truncate_rate", "lyrics_garble_rate", "lyrics_missing_rate")
        for name in audio + lyrics:
            value = getattr(self, name)
            check_param(own, name, value, "a float in [0, 1]",
                        _is_real(value) and 0.0 <= value <= 1.0)
        for group, label in ((audio, "audio"), (lyrics, "lyrics")):
            total = sum(getattr(self, n) for n in group)
            if total > 1.0 + 1e-9:
                raise ParameterError(
                    f"The {label} degradation rates of SynthConfig ({', '.join(group)}) must sum "
                    f"to at most 1 (one degradation per modality per track). Got {total:g} "
                    "instead.")
        _check_pair(own, "noise_snr_db", self.noise_snr_db, -30.0, 80.0, "dB")
        _check_pair(own, "dropout_fraction", self.dropout_fraction, 0.01, 0.95, "")
        _check_pair(own, "clipping_gain", self.clipping_gain, 1.01, 1000.0, "")
        nyquist = self.sr / 2.0 if _is_int(self.sr) else 24000.0
        _check_pair(own, "lowpass_hz", self.lowpass_hz, 50.0, 0.95 * nyquist, "Hz")

    @property
    def n_tracks(self) -> int:
        """Total number of tracks, ``len(genres) * tracks_per_genre``."""
        return len(self.genres) * self.tracks_per_genre

    def to_dict(self) -> dict:
        """JSON-ready dict of the fields (tuples become lists)."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, data: dict) -> "SynthConfig":
        """Build a config from :meth:`to_dict` output; unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _is_real(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) \
        and math.isfinite(float(x))


def _check_pair(owner: str, name: str, value, lo: float, hi: float, unit: str) -> None:
    unit = f" {unit}" if unit else ""
    check_param(owner, name, value,
                f"a (low, high) pair with {lo:g}{unit} <= low <= high <= {hi:g}{unit}",
                isinstance(value, tuple) and len(value) == 2 and all(_is_real(v) for v in value)
                and lo <= value[0] <= value[1] <= hi)
