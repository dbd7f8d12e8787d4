"""Settings of the synthetic song set: :class:`SynthConfig`, its checks, and the generator version."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from core.datasets.synthetic.recipes import GENRES
from core.errors import ParameterError, check_param

#: Generator versions by number: each stays reproducible by name (``SynthConfig(version=1)``).
GENERATOR_VERSIONS = {1: "synthetic-songs/1", 2: "synthetic-songs/2"}
#: The version the built-in set uses by default (:attr:`SynthConfig.version`).
DEFAULT_VERSION = 2
#: The default generator's version string (bumped whenever its output changes).
GENERATOR_VERSION = GENERATOR_VERSIONS[DEFAULT_VERSION]
#: Languages generator v2 writes lyrics in (``SynthConfig.languages``).
LANGUAGES = ("en", "de", "es", "fr", "pt")
#: Fields only generator v2 reads; a v1 config must leave them at their defaults.
V2_FIELDS = ("theme_share", "lyric_words", "instrumental_rate", "gain_db", "garble_strength",
             "truncate_keep", "languages")
_AUDIO_RATES = ("audio_noise_rate", "audio_dropout_rate", "audio_clipping_rate",
                "audio_lowpass_rate")
_LYRICS_RATES = ("lyrics_truncate_rate", "lyrics_garble_rate", "lyrics_missing_rate")


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
    version : int
        Generator version, 1 or 2 (default :data:`DEFAULT_VERSION`). v1 reproduces the original
        set byte for byte and ignores the fields below. In v2 the degradation rates are
        stratified and independent: each genre gets ``round(rate * n)`` tracks of each kind
        (``n`` = its tracks, or its sung tracks for lyrics), each kind drawing from its own share
        of the genre's tracks, so a rate is at most 1/4 (audio) or 1/3 (lyrics) and raising one
        never moves another kind's tracks.
    theme_share : float
        v2: probability, 0..1, that a content word comes from the genre's themes; the rest come
        from one pool shared by every genre (common words plus every theme's words).
    lyric_words : (float, float)
        v2: range of a song's word count, words, drawn uniformly for every genre alike.
    instrumental_rate : float
        v2: share (0..1) of each vocal genre's tracks made as instrumental versions (no voice,
        no lyrics file).
    gain_db : (float, float)
        v2: range of the per-track mastering gain added to the genre's level, dB (the master
        level is kept in [-40, -6] dBFS).
    garble_strength : (float, float)
        v2: range of the share of words a garbled lyric alters, in (0, 1].
    truncate_keep : (float, float)
        v2: range of the share of words a truncated lyric keeps, in (0, 1).
    languages : tuple of str
        v2: lyric languages from :data:`LANGUAGES`, spread evenly over each genre's tracks.
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
    version: int = DEFAULT_VERSION
    theme_share: float = 0.35
    lyric_words: tuple[float, float] = (60.0, 220.0)
    instrumental_rate: float = 0.15
    gain_db: tuple[float, float] = (-6.0, 6.0)
    garble_strength: tuple[float, float] = (0.2, 0.8)
    truncate_keep: tuple[float, float] = (0.02, 0.25)
    languages: tuple[str, ...] = ("en",)

    def __post_init__(self) -> None:
        for name in ("genres", "noise_snr_db", "dropout_fraction", "clipping_gain", "lowpass_hz",
                     "lyric_words", "gain_db", "garble_strength", "truncate_keep", "languages"):
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
        check_param(own, "version", self.version, f"one of {sorted(GENERATOR_VERSIONS)}",
                    _is_int(self.version) and self.version in GENERATOR_VERSIONS)
        audio, lyrics = _AUDIO_RATES, _LYRICS_RATES
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
        self._validate_v2()

    def _validate_v2(self) -> None:
        own = "SynthConfig"
        check_param(own, "theme_share", self.theme_share, "a float in [0, 1]",
                    _is_real(self.theme_share) and 0.0 <= self.theme_share <= 1.0)
        check_param(own, "instrumental_rate", self.instrumental_rate, "a float in [0, 1]",
                    _is_real(self.instrumental_rate) and 0.0 <= self.instrumental_rate <= 1.0)
        _check_pair(own, "lyric_words", self.lyric_words, 4.0, 2000.0, "words")
        _check_pair(own, "gain_db", self.gain_db, -30.0, 30.0, "dB")
        _check_pair(own, "garble_strength", self.garble_strength, 0.01, 1.0, "")
        _check_pair(own, "truncate_keep", self.truncate_keep, 0.01, 0.99, "")
        lang = self.languages
        check_param(own, "languages", lang, f"a non-empty tuple of distinct codes from {list(LANGUAGES)}",
                    isinstance(lang, tuple) and len(lang) > 0 and len(set(lang)) == len(lang)
                    and all(isinstance(x, str) and x in LANGUAGES for x in lang))
        if self.version == 1:
            default = SynthConfig.__dataclass_fields__
            changed = [n for n in V2_FIELDS if getattr(self, n) != default[n].default]
            if changed:
                raise ParameterError(
                    f"The SynthConfig fields {changed} are read by generator v2 only; with "
                    "version=1 leave them at their defaults (or use version=2).")
            return
        for group, cap in ((_AUDIO_RATES, 4), (_LYRICS_RATES, 3)):
            for name in group:
                value = getattr(self, name)
                if value > 1.0 / cap + 1e-9:
                    raise ParameterError(
                        f"The '{name}' parameter of SynthConfig must be at most 1/{cap} with "
                        f"generator v2 (each of the {cap} kinds draws from its own 1/{cap} of a "
                        f"genre's tracks). Got {value:g} instead.")

    def with_degrade(self, share: float) -> "SynthConfig":
        """This config with ``share`` (0..1) of the tracks degraded per modality, split evenly
        over the kinds (audio rates ``share / 4``, lyrics rates ``share / 3``)."""
        check_param("SynthConfig.with_degrade", "share", share, "a float in [0, 1]",
                    _is_real(share) and 0.0 <= share <= 1.0)
        kw = {n: float(share) / len(_AUDIO_RATES) for n in _AUDIO_RATES}
        kw.update({n: float(share) / len(_LYRICS_RATES) for n in _LYRICS_RATES})
        return dataclasses.replace(self, **kw)

    @property
    def generator_version(self) -> str:
        """The version string written to ``synth_config.json``, e.g. ``synthetic-songs/2``."""
        return GENERATOR_VERSIONS[self.version]

    @property
    def n_tracks(self) -> int:
        """Total number of tracks, ``len(genres) * tracks_per_genre``."""
        return len(self.genres) * self.tracks_per_genre

    def to_dict(self) -> dict:
        """JSON-ready dict of the fields (tuples become lists). A v1 config gives v1's fields
        only, so its ``synth_config.json`` stays byte-identical to the original generator's."""
        d = json.loads(json.dumps(asdict(self)))
        if self.version == 1:
            for name in V2_FIELDS + ("version",):
                d.pop(name)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> "SynthConfig":
        """Build a config from :meth:`to_dict` output (or a ``synth_config.json`` record);
        unknown keys are ignored, and a record without ``version`` is a v1 record."""
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in data.items() if k in names}
        kw.setdefault("version", 1)
        return cls(**kw)


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
