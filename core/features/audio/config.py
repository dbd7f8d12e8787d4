"""What an audio clip's features are: :class:`AudioConfig`, :class:`ClipFeatures`, column names
and level blocks, and the names and units of the raw per-clip measures (:data:`STAT_NAMES`)."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np

from core.errors import check_param

#: Version of the feature code; part of the cache key. Bump it whenever a value changes.
FEATURE_VERSION = "audio-2"  # audio-2: + high_band_db

#: Version of the learned level's code (pre-processing, pooling, columns); part of the cache key of a
#: configuration with the learned level on (and only of those, so turning it off keeps the old keys).
LEARNED_VERSION = "learned-1"

#: Models the learned level can use (converted weights ship in ``core/features/audio/weights/``).
LEARNED_MODELS = ("MTT_musicnn", "MSD_musicnn")

#: Layers the learned level can read (:data:`core.features.audio.learned.LEARNED_LAYERS`); the first is the
#: default, the block of before the choice existed.
LEARNED_LAYERS = ("penultimate", "midend", "both")

#: Audio levels, in column order; "learned" exists only when ``AudioConfig.learned_model`` is set.
AUDIO_LEVELS = ("low", "mid", "high", "learned")

#: Raw per-clip measures in ``ClipFeatures.stats``, in this order (units in the comments).
STAT_NAMES = (
    "duration_s",  # decoded duration, s
    "usable_duration_s",  # duration of frames neither silent nor clipped, s
    "loudness_dbfs",  # RMS level of the whole clip, dBFS (full-scale square wave = 0 dB)
    "dynamic_range_db",  # 95th - 5th percentile of non-silent frame RMS, dB
    "silence_ratio",  # fraction of frames below silence_db, 0..1
    "clipping_ratio",  # fraction of samples with |x| >= clip_level, 0..1
    "snr_db",  # signal power over a broadband noise-floor estimate, dB
    "percussive_ratio",  # HPSS percussive energy / (harmonic + percussive), 0..1
    "vocal_presence",  # 0..1 estimate that a singing voice is present (audio only)
    "onset_rate",  # detected onsets per second, 1/s
    "instrumental_density",  # mean fraction of mel bands within 30 dB of the loudest, 0..1
    "bandwidth_hz",  # mean 85 % spectral roll-off over non-silent frames, Hz
    "high_band_db",  # energy above HIGH_BAND_HZ over total energy (non-silent frames), dB (<= 0)
)

#: Lower edge of the band whose energy share ``high_band_db`` measures, Hz: above the cut-off of a
#: lo-fi / telephone-like low-pass and below the Nyquist frequency of every accepted rate (sr >= 8000).
HIGH_BAND_HZ = 4000.0

#: Floor of ``high_band_db``, dB (an empty high band, e.g. audio sampled at 8 kHz).
HIGH_BAND_FLOOR_DB = -120.0

#: Frequency band (Hz) searched for a singing voice's harmonics.
VOCAL_BAND_HZ = (200.0, 3500.0)

#: Level floor (dBFS) reported for digital silence.
DB_FLOOR = -120.0

#: Range snr_db is clipped to, dB.
SNR_RANGE_DB = (-30.0, 100.0)

_LOW_SPECTRAL = ("centroid", "bandwidth", "rolloff", "flatness")
_N_CONTRAST = 7  # spectral_contrast default: 6 bands + the residual


@dataclass(frozen=True)
class AudioConfig:
    """How clips are decoded and analysed. Frozen and hashable; :meth:`key` names it in the cache.

    Parameters
    ----------
    sr : int
        Sample rate every clip is resampled to, Hz (>= 8000, so the vocal band fits).
    n_fft : int
        STFT frame length, samples (>= 256).
    hop_length : int
        STFT hop, samples (1 .. n_fft).
    n_mfcc : int
        Number of MFCCs (1 .. n_mels).
    n_mels : int
        Mel bands of the spectrogram behind MFCC, onset strength and density (>= 12).
    max_duration_s : float or None
        Decode at most this many seconds from the start (None: the whole file).
    silence_db : float
        A frame whose RMS is below this level (dBFS) is silent (< 0).
    clip_level : float
        A sample with ``|x| >= clip_level`` is clipped (0 < clip_level <= 1).
    min_duration_s : float
        Clips shorter than this (s) are rejected by :func:`load_audio` (>= 0).
    learned_model : str or None
        The learned level's model, one of :data:`LEARNED_MODELS` (musicnn trained on MagnaTagATune or the
        Million Song Dataset); None turns the level off. It is part of :meth:`key`, so switching models
        never serves another model's cached features.
    learned_patches : int or None
        At most this many 3 s patches per clip feed the learned level, evenly spaced (None: every whole
        patch, 6 for a 20 s clip). Fewer patches cost less and see less of the clip.
    learned_layer : str
        Which layer of the network the learned block reads, one of :data:`LEARNED_LAYERS`: "penultimate"
        (450 columns: the tag-trained 200-d penultimate layer pooled over patches by mean and max, and the
        50 tag probabilities), "midend" (3,062: the 753-d mid-end stack pooled over time by max and mean,
        then over patches by mean and max, and the tags) or "both" (3,462). The same forward pass for each;
        part of :meth:`key` when it is not "penultimate".
    """

    sr: int = 22050
    n_fft: int = 2048
    hop_length: int = 512
    n_mfcc: int = 20
    n_mels: int = 128
    max_duration_s: Optional[float] = 30.0
    silence_db: float = -60.0
    clip_level: float = 0.99
    min_duration_s: float = 0.5
    learned_model: Optional[str] = None
    learned_patches: Optional[int] = None
    learned_layer: str = "penultimate"

    def __post_init__(self):
        owner = "AudioConfig"
        _int = (int, np.integer)
        _num = (int, float, np.integer, np.floating)

        def is_int(v):
            return isinstance(v, _int) and not isinstance(v, bool)

        def is_num(v):
            return isinstance(v, _num) and not isinstance(v, bool) and math.isfinite(v)

        check_param(owner, "sr", self.sr, "an int >= 8000 (Hz)", is_int(self.sr) and self.sr >= 8000)
        check_param(owner, "n_fft", self.n_fft, "an int >= 256 (samples)",
                    is_int(self.n_fft) and self.n_fft >= 256)
        check_param(owner, "hop_length", self.hop_length, f"an int in [1, n_fft={self.n_fft}]",
                    is_int(self.hop_length) and 1 <= self.hop_length <= self.n_fft)
        check_param(owner, "n_mels", self.n_mels, "an int >= 12", is_int(self.n_mels) and self.n_mels >= 12)
        check_param(owner, "n_mfcc", self.n_mfcc, f"an int in [1, n_mels={self.n_mels}]",
                    is_int(self.n_mfcc) and 1 <= self.n_mfcc <= self.n_mels)
        check_param(owner, "min_duration_s", self.min_duration_s, "a finite float >= 0 (s)",
                    is_num(self.min_duration_s) and self.min_duration_s >= 0)
        check_param(owner, "max_duration_s", self.max_duration_s,
                    f"None or a float > min_duration_s={self.min_duration_s} (s)",
                    self.max_duration_s is None
                    or (is_num(self.max_duration_s) and self.max_duration_s > self.min_duration_s
                        and self.max_duration_s > 0))
        check_param(owner, "silence_db", self.silence_db, "a float in (-200, 0) (dBFS)",
                    is_num(self.silence_db) and -200 < self.silence_db < 0)
        check_param(owner, "clip_level", self.clip_level, "a float in (0, 1]",
                    is_num(self.clip_level) and 0 < self.clip_level <= 1)
        check_param(owner, "learned_model", self.learned_model, f"None or one of {', '.join(LEARNED_MODELS)}",
                    self.learned_model is None or self.learned_model in LEARNED_MODELS)
        check_param(owner, "learned_patches", self.learned_patches, "None or an int >= 1",
                    self.learned_patches is None or (is_int(self.learned_patches) and self.learned_patches >= 1))
        check_param(owner, "learned_layer", self.learned_layer, f"one of {', '.join(LEARNED_LAYERS)}",
                    isinstance(self.learned_layer, str) and self.learned_layer in LEARNED_LAYERS)

    def key(self) -> str:
        """Stable 16-hex-digit hash of the configuration values (not of :data:`FEATURE_VERSION`).

        Without the learned level the hash is the one of the three hand-crafted levels alone (caches made
        before the level existed stay valid); with it, the model, the patch limit and
        :data:`LEARNED_VERSION` are hashed too, and the layer when it is not "penultimate" (so the
        penultimate block keeps the keys of before the choice existed, and no layer is served another's).
        """
        floats = ("max_duration_s", "silence_db", "clip_level", "min_duration_s")
        learned = ("learned_model", "learned_patches", "learned_layer")
        values = {k: (None if v is None else (float(v) if k in floats else int(v)))
                  for k, v in asdict(self).items() if k not in learned}
        if self.learned_model is not None:
            values.update(learned_model=self.learned_model, learned_patches=self.learned_patches,
                          learned_version=LEARNED_VERSION)
            if self.learned_layer != LEARNED_LAYERS[0]:
                values.update(learned_layer=self.learned_layer)
        blob = json.dumps(values, sort_keys=True)
        return hashlib.sha1(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True, eq=False)
class ClipFeatures:
    """Features of one clip.

    Attributes
    ----------
    features : numpy.ndarray, float32, shape (n_features,)
        Raw pooled features, one per name in :func:`feature_names`; always finite.
    stats : numpy.ndarray, float32, shape (len(STAT_NAMES),)
        Raw per-clip measures with units, in :data:`STAT_NAMES` order; always finite.
    """

    features: np.ndarray
    stats: np.ndarray

    def stat(self, name: str) -> float:
        """The measure ``name`` of :data:`STAT_NAMES` as a float."""
        return float(self.stats[STAT_NAMES.index(name)])


def _name_layout(config: AudioConfig) -> list:
    """(level, name) per column, in column order."""
    cols = []
    ms = (".mean", ".std")
    for i in range(config.n_mfcc):
        cols += [("low", f"low.mfcc{i:02d}{s}") for s in ms]
    for i in range(config.n_mfcc):
        cols.append(("low", f"low.mfcc_delta{i:02d}.std"))
    for d in _LOW_SPECTRAL:
        cols += [("low", f"low.{d}{s}") for s in ms]
    for i in range(_N_CONTRAST):
        cols += [("low", f"low.contrast{i}{s}") for s in ms]
    cols += [("low", f"low.zcr{s}") for s in ms]

    for i in range(12):
        cols += [("mid", f"mid.chroma{i:02d}{s}") for s in ms]
    for i in range(6):
        cols += [("mid", f"mid.tonnetz{i}{s}") for s in ms]
    cols += [("mid", "mid.tempo"), ("mid", "mid.pulse_clarity"), ("mid", "mid.onset_rate")]
    cols += [("mid", f"mid.onset_strength{s}") for s in ms]

    cols += [("high", f"high.rms{s}") for s in ms]
    cols += [("high", "high.loudness_dbfs"), ("high", "high.dynamic_range_db"),
             ("high", "high.percussive_ratio"), ("high", "high.silence_ratio"),
             ("high", "high.clipping_ratio")]
    if config.learned_model is not None:
        from core.features.audio.learned import learned_names
        cols += [("learned", name) for name in learned_names(config.learned_model, config.learned_layer)]
    return cols


def feature_names(config: AudioConfig) -> list:
    """One name per feature column, e.g. ``"low.mfcc03.mean"``, ``"mid.chroma07.std"``, ``"mid.tempo"``.

    Units: MFCC in dB-scaled cepstral units, centroid/bandwidth/roll-off in Hz, flatness 0..1,
    contrast in dB, zcr and chroma 0..1, tempo in BPM, pulse clarity 0..1, onset rate 1/s,
    RMS linear full scale, loudness dBFS, dynamic range dB, ratios 0..1. With the learned level on, 450
    more: ``learned.pen000.mean`` .. ``learned.pen199.max`` (musicnn's penultimate layer, mean and max over
    3 s patches, unitless) and ``learned.tag.<tag>`` (tag probabilities 0..1, mean over patches); with
    ``learned_layer="midend"`` or ``"both"``, ``learned.mid000.tmax.mean`` .. ``learned.mid752.tmean.max``
    instead of or before the tags (see :mod:`core.features.audio.learned`).
    """
    return [name for _, name in _name_layout(config)]


def feature_levels(config: AudioConfig) -> dict:
    """Column indices of each level block: ``{"low": [...], "mid": [...], "high": [...]}``, plus
    ``"learned"`` when ``config.learned_model`` is set."""
    levels = {"low": [], "mid": [], "high": []}
    if config.learned_model is not None:
        levels["learned"] = []
    for i, (level, _) in enumerate(_name_layout(config)):
        levels[level].append(i)
    return levels
