"""Multi-level audio features from one decode and one STFT per clip.

Pipeline for one clip (every step reuses what the previous ones computed):

1. :func:`load_audio` decodes the file once (soundfile), mixes to mono, truncates to
   ``max_duration_s`` and resamples to ``sr`` only when the file's rate differs.
2. :func:`extract_signal` computes **one** short-time Fourier transform (:func:`_stft`, the only
   place in this module that transforms the signal) and derives everything else from it:

   - the magnitude ``S`` (bins, frames) and power ``S**2`` go to librosa's descriptors through their
     ``S=`` arguments (centroid, bandwidth with the precomputed centroid, roll-off, flatness,
     contrast, chroma);
   - the mel power spectrogram (a matrix product with the mel filter bank) gives MFCCs (and
     their deltas), the onset-strength envelope and the instrumental density;
   - the onset envelope, computed once, gives the tempogram (tempo), the onset rate and, through
     its autocorrelation, the pulse clarity;
   - the chroma gives tonnetz;
   - harmonic/percussive separation (HPSS) median-filters the same ``S`` (a compiled running
     median, identical to ``scipy.ndimage.median_filter`` but several times faster);
   - the vocal-presence estimate combines two cues read from the same ``S``: a non-sustained
     harmonic foreground in the vocal band (a second, multipass median filtering) and partials
     that move in pitch together (vibrato, glides; spectral peaks linked across frames);
   - the noise floor behind ``snr_db`` is a low percentile of each bin of ``S**2`` over time.

   Frame RMS, zero-crossing rate and clipping are time-domain measures on frames aligned with the
   STFT frames (same ``n_fft`` and ``hop_length``, centred).

3. Frame-level descriptors are pooled (mean and standard deviation over the non-silent frames,
   or over all frames when every frame is silent) into named columns grouped in three level
   blocks: ``low`` (timbre), ``mid`` (harmony, rhythm), ``high`` (dynamics, texture). The raw
   per-clip measures the indicators read are returned separately as ``stats`` (see
   :data:`STAT_NAMES`, with units).

Features are raw (Hz, dB, ratios): standardisation and block balancing happen later, over a
whole dataset.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Union

import librosa
import numba
import numpy as np
import soundfile as sf
from scipy import ndimage

from core.errors import AudioDecodeError, ParameterError, check_param

__all__ = [
    "FEATURE_VERSION",
    "STAT_NAMES",
    "VOCAL_BAND_HZ",
    "AudioConfig",
    "ClipFeatures",
    "feature_names",
    "feature_levels",
    "load_audio",
    "extract_signal",
    "extract_clip",
]

#: Version of the feature code; part of the cache key. Bump it whenever a value changes.
FEATURE_VERSION = "audio-1"

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
)

#: Frequency band (Hz) searched for a singing voice's harmonics.
VOCAL_BAND_HZ = (200.0, 3500.0)

#: Level floor (dBFS) reported for digital silence.
DB_FLOOR = -120.0

#: Range snr_db is clipped to, dB.
SNR_RANGE_DB = (-30.0, 100.0)

# A frame counts as clipped when at least this share of its samples is clipped.
_CLIPPED_FRAME_SHARE = 0.01
# HPSS median kernel (frames in time, bins in frequency), as librosa's default.
_HPSS_KERNEL = 31
# Tuning is estimated from every n-th frame.
_TUNING_STRIDE = 4
# Instrumental density: a mel band is active within this many dB of the frame's loudest band.
_DENSITY_DB = 30.0
# Tempo / pulse clarity: autocorrelation window (s) and the BPM range searched for a pulse.
_TEMPOGRAM_S = 8.0
_PULSE_BPM = (30.0, 300.0)
# Noise floor: per-bin percentile over time, then a low percentile across this many bins.
_NOISE_PERCENTILE = 10.0
_NOISE_SMOOTH_BINS = 31
_NOISE_SMOOTH_PERCENTILE = 25.0
# The p-th percentile of exponentially distributed power (a noise bin) is -ln(1 - p) x its mean.
_NOISE_BIAS = -math.log(1.0 - _NOISE_PERCENTILE / 100.0)
# Vocal presence (see _vocal_presence): stable / short kernels, harmonic margin, logistic map.
_VOCAL_STABLE_S = 1.4
_VOCAL_SHORT_S = 0.2
_VOCAL_SHORT_HZ = 180.0
_VOCAL_MARGIN = 4.0
_VOCAL_CENTRE_DB = -20.0
_VOCAL_SCALE_DB = 2.5
# Pitch-modulation cue (see _pitch_modulation).
_FM_BAND_HZ = (150.0, 4000.0)
_FM_PROMINENCE_DB = 8.0  # a partial stands this far above the median of its +-8 bins
_FM_FLOOR_DB = -40.0  # ... and within this of the frame's loudest bin in the band
_FM_MAX_SHIFT = 3  # bins a partial may move between frames
_FM_MIN_CENTS = 4.0  # per-hop pitch change that counts as movement
_FM_STEADY_DB = 3.0  # per-hop level change allowed (rejects beating of detuned oscillators)
_FM_MIN_GROUP = 3  # partials moving together
_FM_TOLERANCE = 0.3  # relative spread of their pitch changes
_FM_DOMINANCE = 0.7  # share of the frame's moving partials that must belong to the group
_FM_SPREAD_S = 0.5  # evidence at a frame counts for this window around it

_LOW_SPECTRAL = ("centroid", "bandwidth", "rolloff", "flatness")
_N_CONTRAST = 7  # spectral_contrast default: 6 bands + the residual


# ------------------------------------------------------------------------------------------
# Configuration and result types
# ------------------------------------------------------------------------------------------
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

    def key(self) -> str:
        """Stable 16-hex-digit hash of the configuration values (not of the code version)."""
        floats = ("max_duration_s", "silence_db", "clip_level", "min_duration_s")
        values = {k: (None if v is None else (float(v) if k in floats else int(v)))
                  for k, v in asdict(self).items()}
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


# ------------------------------------------------------------------------------------------
# Names and level blocks
# ------------------------------------------------------------------------------------------
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
    return cols


def feature_names(config: AudioConfig) -> list:
    """One name per feature column, e.g. ``"low.mfcc03.mean"``, ``"mid.chroma07.std"``, ``"mid.tempo"``.

    Units: MFCC in dB-scaled cepstral units, centroid/bandwidth/roll-off in Hz, flatness 0..1,
    contrast in dB, zcr and chroma 0..1, tempo in BPM, pulse clarity 0..1, onset rate 1/s,
    RMS linear full scale, loudness dBFS, dynamic range dB, ratios 0..1.
    """
    return [name for _, name in _name_layout(config)]


def feature_levels(config: AudioConfig) -> dict:
    """Column indices of each level block: ``{"low": [...], "mid": [...], "high": [...]}``."""
    levels = {"low": [], "mid": [], "high": []}
    for i, (level, _) in enumerate(_name_layout(config)):
        levels[level].append(i)
    return levels


# ------------------------------------------------------------------------------------------
# Decoding
# ------------------------------------------------------------------------------------------
_REEXPORT = "re-export it as WAV or FLAC"


def load_audio(path: Union[str, os.PathLike], config: AudioConfig = AudioConfig()) -> np.ndarray:
    """Decode an audio file to a mono float32 signal at ``config.sr``.

    soundfile (libsndfile) decodes wav, flac, ogg, mp3, au and the other formats in
    ``soundfile.available_formats()``. Channels are averaged, at most ``config.max_duration_s``
    seconds are read, and the signal is resampled (soxr) only when the file's rate differs.

    Parameters
    ----------
    path : str or path-like
    config : AudioConfig

    Returns
    -------
    y : numpy.ndarray, float32, shape (n_samples,)
        Samples at ``config.sr`` Hz, full scale = 1.0.

    Raises
    ------
    AudioDecodeError
        Naming the file and the reason: not found, a directory, empty (0 bytes), permission denied,
        not a decodable audio file (format not recognised or damaged), no samples, NaN or infinite
        samples, or shorter than ``config.min_duration_s`` (with the duration found).
    """
    if not isinstance(config, AudioConfig):
        raise ParameterError(f"The 'config' parameter of load_audio must be an AudioConfig. "
                             f"Got {type(config).__name__} instead.")
    p = Path(path)
    if not p.exists():
        raise AudioDecodeError(p, "file not found", "check the path, or rescan the dataset folder")
    if p.is_dir():
        raise AudioDecodeError(p, "is a folder, not an audio file")
    try:
        size = p.stat().st_size
        with open(p, "rb"):
            pass
    except PermissionError:
        raise AudioDecodeError(p, "permission denied (the file cannot be read)",
                               "make it readable, e.g. chmod a+r") from None
    except OSError as exc:
        raise AudioDecodeError(p, f"cannot be opened ({exc.strerror or exc})") from None
    if size == 0:
        raise AudioDecodeError(p, "empty file (0 bytes)", "the file was not written completely; copy it again")

    try:
        data, native_sr = _read_soundfile(p, config.max_duration_s)
    except PermissionError:
        raise AudioDecodeError(p, "permission denied (the file cannot be read)",
                               "make it readable, e.g. chmod a+r") from None
    except Exception as exc:  # libsndfile raises several types; none may escape raw
        raise AudioDecodeError(p, _describe_decode_failure(exc), _REEXPORT) from None

    if data.size == 0 or data.shape[0] == 0:
        raise AudioDecodeError(p, "no audio samples (the file holds a header only)", _REEXPORT)
    y = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if not np.all(np.isfinite(y)):
        raise AudioDecodeError(p, "contains NaN or infinite samples", _REEXPORT)
    duration = y.shape[0] / float(native_sr)
    if duration < config.min_duration_s:
        raise AudioDecodeError(p, f"too short: {duration:.2f} s (at least {config.min_duration_s:g} s needed)",
                               "use a longer clip")
    if native_sr != config.sr:
        y = librosa.resample(y, orig_sr=native_sr, target_sr=config.sr, res_type="soxr_hq")
        if config.max_duration_s is not None:
            y = y[: int(round(config.max_duration_s * config.sr))]
    return np.ascontiguousarray(y, dtype=np.float32)


def _read_soundfile(path: Path, max_duration_s: Optional[float]):
    """(samples (n, channels) float32, native rate) read with soundfile, at most max_duration_s."""
    with sf.SoundFile(str(path)) as f:
        native_sr = int(f.samplerate)
        if native_sr <= 0:
            raise ValueError(f"invalid sample rate {native_sr}")
        frames = -1
        if max_duration_s is not None:
            frames = int(math.ceil(max_duration_s * native_sr))
        data = f.read(frames=frames, dtype="float32", always_2d=True)
    return data, native_sr


def _describe_decode_failure(exc: Exception) -> str:
    msg = str(exc).strip().rstrip(".")
    low = msg.lower()
    if "format not recognised" in low or "unknown format" in low or "not recognised" in low:
        return "not a decodable audio file (the format could not be recognised)"
    if msg:
        # keep libsndfile's words after the file name it repeats
        msg = msg.split(": ")[-1] if ": " in msg else msg
        return f"not a decodable audio file ({msg[:120]})"
    return f"not a decodable audio file ({type(exc).__name__})"


# ------------------------------------------------------------------------------------------
# Extraction
# ------------------------------------------------------------------------------------------
def extract_clip(path: Union[str, os.PathLike], config: AudioConfig = AudioConfig()) -> ClipFeatures:
    """Decode ``path`` once (:func:`load_audio`) and extract its features (:func:`extract_signal`).

    Raises
    ------
    AudioDecodeError
        When the file cannot be decoded or is unusable (see :func:`load_audio`).
    """
    return extract_signal(load_audio(path, config), config)


def _stft(y: np.ndarray, config: AudioConfig) -> np.ndarray:
    """The one STFT of a clip: complex (1 + n_fft // 2, n_frames), Hann window, centred."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "n_fft too large" for clips < n_fft samples
        return librosa.stft(y, n_fft=config.n_fft, hop_length=config.hop_length, center=True)


def extract_signal(y: np.ndarray, config: AudioConfig = AudioConfig()) -> ClipFeatures:
    """Features and raw measures of one mono signal, from a single STFT.

    Parameters
    ----------
    y : numpy.ndarray, float32 or float64, shape (n_samples,)
        Mono signal at ``config.sr`` Hz, full scale = 1.0, finite, at least one sample (integer
        PCM is refused: its scale is ambiguous). Any length
        works (very short signals give finite, if uninformative, values).
    config : AudioConfig

    Returns
    -------
    ClipFeatures
        ``features`` float32 (len(feature_names(config)),) and ``stats`` float32
        (len(STAT_NAMES),), both finite. A silent signal gives ``silence_ratio = 1`` and
        ``usable_duration_s = 0``.
    """
    if not isinstance(config, AudioConfig):
        raise ParameterError(f"The 'config' parameter of extract_signal must be an AudioConfig. "
                             f"Got {type(config).__name__} instead.")
    arr = np.asarray(y)
    ok = (arr.ndim == 1 and arr.size > 0 and np.issubdtype(arr.dtype, np.floating)
          and bool(np.all(np.isfinite(arr))))
    if not ok:
        raise ParameterError(
            "The 'y' parameter of extract_signal must be a non-empty 1-D float array of finite samples "
            "(full scale 1.0). "
            f"Got an array of shape {arr.shape} and dtype {arr.dtype} instead.")
    y = np.ascontiguousarray(arr, dtype=np.float32)
    return _extract(y, config)


def _extract(y: np.ndarray, config: AudioConfig) -> ClipFeatures:
    sr, n_fft, hop = config.sr, config.n_fft, config.hop_length
    duration = y.shape[0] / float(sr)

    # -- the one STFT ----------------------------------------------------------------------
    S = np.abs(_stft(y, config))  # magnitude (bins, frames)
    power = S * S
    n_bins, n_frames = S.shape
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)

    # -- time-domain frame measures, aligned with the STFT frames --------------------------
    frame_rms, frame_clip = _frame_levels(y, n_fft, hop, n_frames, config.clip_level)
    frame_db = _to_db(frame_rms)
    silent = frame_db < config.silence_db
    clipped = frame_clip >= _CLIPPED_FRAME_SHARE
    active = ~silent
    pool = active if active.any() else np.ones(n_frames, dtype=bool)

    # -- low level: timbre ------------------------------------------------------------------
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

    # -- mid level: harmony and rhythm ------------------------------------------------------
    tuning = _tuning(power, sr, n_fft)
    chroma = librosa.feature.chroma_stft(S=power, sr=sr, n_fft=n_fft, tuning=tuning)
    tonnetz = librosa.feature.tonnetz(chroma=chroma, sr=sr)
    onset_env = librosa.onset.onset_strength(S=mel_db, sr=sr, hop_length=hop)
    onset_env = _fit_frames(onset_env[None, :], n_frames)[0]
    tempo, pulse_clarity = _tempo_and_pulse(onset_env, pool, sr, hop)
    onsets = librosa.onset.onset_detect(onset_envelope=onset_env, sr=sr, hop_length=hop,
                                        units="frames") if np.any(onset_env > 0) else np.zeros(0)
    onset_rate = len(onsets) / duration

    # -- high level: dynamics and texture ---------------------------------------------------
    harm_mask, perc_mask, perc_median = _hpss_masks(S)
    e_h = float(np.sum((harm_mask * S) ** 2, dtype=np.float64))
    e_p = float(np.sum((perc_mask * S) ** 2, dtype=np.float64))
    percussive_ratio = e_p / (e_h + e_p) if e_h + e_p > 0 else 0.0

    loudness = float(_to_db(np.sqrt(np.mean(np.square(y, dtype=np.float64)))))
    act_db = frame_db[active]
    dynamic_range = float(np.percentile(act_db, 95) - np.percentile(act_db, 5)) if act_db.size >= 2 else 0.0
    silence_ratio = float(np.mean(silent))
    clipping_ratio = float(np.mean(np.abs(y) >= config.clip_level))
    usable = float(np.sum(active & ~clipped)) * hop / sr
    usable = min(usable, duration)

    snr = _snr_db(power, active)
    vocal = _vocal_presence(S, power, perc_median, freqs, active, sr, hop, n_fft)
    density = _instrumental_density(mel_db, active)
    bandwidth_hz = float(np.mean(rolloff[0, active])) if active.any() else 0.0

    # -- pooling ----------------------------------------------------------------------------
    cols = []

    def mean_std(X):
        X = X[:, pool]
        cols.append(np.stack([X.mean(axis=1), X.std(axis=1)], axis=1).ravel())

    mean_std(mfcc)
    cols.append(mfcc_delta[:, pool].std(axis=1))
    for d in (centroid, bandwidth, rolloff, flatness):
        mean_std(d)
    mean_std(contrast)
    mean_std(zcr)
    mean_std(chroma)
    mean_std(tonnetz)
    cols.append(np.array([tempo, pulse_clarity, onset_rate]))
    mean_std(onset_env[None, :])
    mean_std(frame_rms[None, :])
    cols.append(np.array([loudness, dynamic_range, percussive_ratio, silence_ratio, clipping_ratio]))
    features = np.concatenate([np.asarray(c, dtype=np.float64).ravel() for c in cols])

    stats = np.array([duration, usable, loudness, dynamic_range, silence_ratio, clipping_ratio,
                      snr, percussive_ratio, vocal, onset_rate, density, bandwidth_hz],
                     dtype=np.float64)
    features = np.nan_to_num(features, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
    stats = np.nan_to_num(stats, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
    return ClipFeatures(features=features, stats=stats)


# ------------------------------------------------------------------------------------------
# Helpers (numpy in, numpy out; they assume clean float32 input)
# ------------------------------------------------------------------------------------------
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


@numba.njit(cache=True, nogil=True)
def _reflect_index(i, n):
    # scipy.ndimage 'reflect' (d c b a | a b c d | d c b a), any distance from the edge
    period = 2 * n
    i = i % period
    if i < 0:
        i += period
    if i >= n:
        i = period - 1 - i
    return i


@numba.njit(cache=True, nogil=True)
def _running_median_rows(X, k, out):
    """Median of each length-k (odd) window along the rows of X, 'reflect' edges, into out.

    Keeps the window sorted: each step finds the outgoing value by binary search and slides the
    incoming one into place, O(k) per sample at worst.
    """
    n_rows, n = X.shape
    h = k // 2
    buf = np.empty(k, dtype=X.dtype)
    ext = np.empty(n + 2 * h, dtype=X.dtype)
    for r in range(n_rows):
        for j in range(n + 2 * h):
            ext[j] = X[r, _reflect_index(j - h, n)]
        for j in range(k):
            buf[j] = ext[j]
        buf.sort()
        out[r, 0] = buf[h]
        for i in range(1, n):
            old = ext[i - 1]
            new = ext[i + k - 1]
            if new != old:
                lo = 0
                hi = k
                while lo < hi:
                    mid = (lo + hi) >> 1
                    if buf[mid] < old:
                        lo = mid + 1
                    else:
                        hi = mid
                p = lo
                if new > old:
                    while p < k - 1 and buf[p + 1] < new:
                        buf[p] = buf[p + 1]
                        p += 1
                else:
                    while p > 0 and buf[p - 1] > new:
                        buf[p] = buf[p - 1]
                        p -= 1
                buf[p] = new
            out[r, i] = buf[h]
    return out


def median_filter_axis(X: np.ndarray, size: int, axis: int) -> np.ndarray:
    """Running median of odd width ``size`` along ``axis`` of a 2-D array, 'reflect' edges.

    Gives the same values as ``scipy.ndimage.median_filter`` with a 1-D window along ``axis``
    (which librosa's HPSS uses), in O(size) per sample with a compiled sorted window.

    Parameters
    ----------
    X : numpy.ndarray, float32, shape (n_rows, n_cols)
    size : int, odd, >= 1
    axis : {0, 1}

    Returns
    -------
    numpy.ndarray, float32, same shape as X
    """
    if size % 2 == 0 or size < 1:
        raise ParameterError(f"The 'size' parameter of median_filter_axis must be an odd int >= 1. "
                             f"Got {size!r} instead.")
    A = np.ascontiguousarray(X if axis == 1 else X.T, dtype=np.float32)
    out = np.empty_like(A)
    if A.size:
        _running_median_rows(A, size, out)
    return out if axis == 1 else np.ascontiguousarray(out.T)


def _softmask(X, X_ref):
    """Wiener-like soft mask ``X**2 / (X**2 + X_ref**2)``, 0 where both are 0.

    The same values as ``librosa.util.softmask(X, X_ref, power=2, split_zeros=False)`` for
    non-negative arrays, computed in float32.
    """
    Z = np.maximum(X, X_ref)
    tiny = np.finfo(np.float32).tiny
    small = Z < tiny
    Z = np.where(small, np.float32(1.0), Z)
    a = (X / Z) ** 2
    den = a + (X_ref / Z) ** 2
    den[small] = 1.0
    mask = a / den
    mask[small] = 0.0
    return mask.astype(np.float32, copy=False)


def _hpss_masks(S, kernel=_HPSS_KERNEL):
    """Soft harmonic and percussive masks of magnitude S (as librosa.decompose.hpss, margin 1),
    and the median over frequency (reused by the vocal estimate)."""
    harm = median_filter_axis(S, kernel, axis=1)  # median over time
    perc = median_filter_axis(S, kernel, axis=0)  # median over frequency
    return _softmask(harm, perc), _softmask(perc, harm), perc


def _snr_db(power, active):
    """Signal-to-noise ratio (dB) against a broadband noise floor.

    The floor of each frequency bin is a low percentile of its power over the non-silent frames;
    a running 25th percentile across ``_NOISE_SMOOTH_BINS`` bins then removes narrow (tonal,
    sustained) peaks, since broadband noise is smooth across frequency, and the percentile's bias for
    noise (exponentially distributed power) is divided out. SNR = (mean frame power - floor
    power) / floor power, in dB, clipped to :data:`SNR_RANGE_DB`. Silence gives 0 dB.
    """
    if not active.any():
        return 0.0
    P = power[:, active]
    floor = np.percentile(P, _NOISE_PERCENTILE, axis=1).astype(np.float32)
    floor = ndimage.percentile_filter(floor, _NOISE_SMOOTH_PERCENTILE, size=_NOISE_SMOOTH_BINS, mode="reflect")
    noise = float(np.sum(floor, dtype=np.float64)) / _NOISE_BIAS
    total = float(np.mean(np.sum(P, axis=0, dtype=np.float64)))
    if total <= 0:
        return 0.0
    noise = max(noise, total * 10.0 ** (-SNR_RANGE_DB[1] / 10.0))
    snr = 10.0 * math.log10(max(total - noise, 1e-30) / noise)
    return float(np.clip(snr, *SNR_RANGE_DB))


def _odd(x):
    """Nearest odd int >= 1."""
    n = max(1, int(round(x)))
    return n if n % 2 else n + 1


def _vocal_presence(S, power, perc_median, freqs, active, sr, hop, n_fft):
    """0..1 estimate that a singing voice is present: both audio cues must agree.

    A singing voice is a pitched foreground that (a) does not sustain like the accompaniment and
    (b) glides or wavers in pitch. The estimate is the geometric mean of

    - the *foreground* score :func:`_foreground_score` (a), and
    - the *pitch-modulation* score :func:`_pitch_modulation` (b),

    so a clip needs both a non-sustained harmonic foreground in the vocal band and harmonics
    that move in pitch together (vibrato, glides). Accompaniment, noise, tones and silence
    alone score about 0. Known blind spots: a voice with almost no pitch movement (shouted or
    growled, buried under distorted guitars) scores low, and a lead instrument played with
    vibrato or pitch bends scores like a voice.
    """
    if int(active.sum()) < 3:
        return 0.0
    fg = _foreground_score(S, power, perc_median, freqs, active, sr, hop, n_fft)
    fm = _pitch_modulation(S, freqs, active, sr, hop, n_fft)
    return float(math.sqrt(max(fg, 0.0) * max(fm, 0.0)))


def _foreground_score(S, power, perc_median, freqs, active, sr, hop, n_fft):
    """0..1 score of a non-sustained harmonic foreground in the vocal band.

    Two-pass median filtering on the one magnitude spectrogram (after FitzGerald's multipass
    HPSS for vocal separation):

    1. *stable* part: a long median over time (``_VOCAL_STABLE_S``) against the HPSS median over
       frequency; sustained chords, pads, drones and bass are stable, while a sung line, whose
       pitch changes every syllable (and wavers with vibrato), is not. The rest is the
       *fluctuating* part.
    2. the fluctuating part is split again with short kernels (``_VOCAL_SHORT_S`` over time,
       ``_VOCAL_SHORT_HZ`` over frequency, harmonic margin ``_VOCAL_MARGIN``): its *harmonic* part
       (pitched, lasting a syllable) is the foreground; its percussive part (drums, noise) is
       dropped.

    The foreground share is the energy of that foreground within :data:`VOCAL_BAND_HZ` over the
    total energy, both over the non-silent frames, in dB; the score is a logistic of it,
    centred at ``_VOCAL_CENTRE_DB`` with scale ``_VOCAL_SCALE_DB`` (fixed a priori on hand-made
    examples: accompaniment, noise and tones alone sit near -30 dB or below, a sung line at
    the level of its accompaniment near -12 dB). Short notes of any instrument also count here.
    """
    bin_hz = sr / float(n_fft)
    frame_s = hop / float(sr)
    short_f = _odd(_VOCAL_SHORT_HZ / bin_hz)
    band = (freqs >= VOCAL_BAND_HZ[0]) & (freqs <= VOCAL_BAND_HZ[1])
    lo = max(0, int(np.argmax(band)) - short_f // 2)
    hi = min(len(freqs), len(band) - int(np.argmax(band[::-1])) + short_f // 2)
    X = S[lo:hi]
    stable = _softmask(median_filter_axis(X, _odd(_VOCAL_STABLE_S / frame_s), axis=1), perc_median[lo:hi])
    fluct = (1.0 - stable) * X
    h2 = median_filter_axis(fluct, _odd(_VOCAL_SHORT_S / frame_s), axis=1)
    p2 = median_filter_axis(fluct, short_f, axis=0)
    voice = _softmask(h2, _VOCAL_MARGIN * p2) * fluct
    voice = voice[band[lo:hi]][:, active]
    e_voice = float(np.sum(voice.astype(np.float64) ** 2))
    e_all = float(np.sum(power[:, active], dtype=np.float64))
    if e_all <= 0:
        return 0.0
    share_db = 10.0 * math.log10(max(e_voice / e_all, 1e-12))
    return float(1.0 / (1.0 + math.exp(-(share_db - _VOCAL_CENTRE_DB) / _VOCAL_SCALE_DB)))


def _pitch_modulation(S, freqs, active, sr, hop, n_fft):
    """0..1 share of the non-silent time near frames where several partials move in pitch together.

    In every frame, spectral peaks in ``_FM_BAND_HZ`` that stand ``_FM_PROMINENCE_DB`` above
    their neighbourhood are located to a fraction of a bin (parabolic interpolation of the log
    magnitude) and linked to the nearest peak within ``_FM_MAX_SHIFT`` bins in the previous and
    the next frame. A linked peak *moves* when its pitch changes by at least ``_FM_MIN_CENTS``
    cents, in the same direction, over both hops while its level stays within
    ``_FM_STEADY_DB`` dB (beating detuned oscillators change level as they appear to move;
    a voice's harmonics do not). A frame shows coherent modulation when at least
    ``_FM_MIN_GROUP`` moving peaks share one direction and about the same change in cents
    (``_FM_TOLERANCE``), and they make up ``_FM_DOMINANCE`` of the frame's moving peaks: the
    harmonics of one voice with vibrato or a glide move together, independent sounds do not.
    The result is the share of non-silent frames within ``_FM_SPREAD_S`` / 2 of such a frame.
    """
    n = S.shape[1]
    if n < 3:
        return 0.0
    half = 8
    band = np.where((freqs >= _FM_BAND_HZ[0]) & (freqs <= _FM_BAND_HZ[1]))[0]
    k0, k1 = max(0, band[0] - half), min(len(freqs), band[-1] + half + 1)
    X = np.ascontiguousarray(S[k0:k1], dtype=np.float32)
    if X.shape[0] < 2 * half + 3:
        return 0.0
    L = np.log(X + 1e-10)
    local = median_filter_axis(X, 2 * half + 1, axis=0)
    peak = np.zeros(X.shape, dtype=bool)
    peak[1:-1] = (X[1:-1] > X[:-2]) & (X[1:-1] >= X[2:])
    peak &= X > local * 10.0 ** (_FM_PROMINENCE_DB / 20.0)
    peak &= X > X.max(axis=0, keepdims=True) * 10.0 ** (_FM_FLOOR_DB / 20.0)
    peak[:half] = False
    peak[-half:] = False
    if peak.sum() < _FM_MIN_GROUP:
        return 0.0
    num = L[:-2] - L[2:]
    den = L[:-2] - 2.0 * L[1:-1] + L[2:]
    safe = np.where(np.abs(den) > 1e-9, den, 1.0)
    delta = np.zeros_like(X)
    delta[1:-1] = np.clip(np.where(np.abs(den) > 1e-9, 0.5 * num / safe, 0.0), -0.5, 0.5)
    pos = np.where(peak, np.arange(k0, k1, dtype=np.float32)[:, None] + delta, np.nan)
    lev = np.where(peak, L, np.nan)

    def shifted(A, step):  # column t of the result holds column t + step of A
        out = np.full_like(A, np.nan)
        if step > 0:
            out[:, :-step] = A[:, step:]
        else:
            out[:, -step:] = A[:, :step]
        return out

    def nearest(other_pos, other_lev):
        best = np.full_like(pos, np.nan)
        best_lev = np.full_like(pos, np.nan)
        dist = np.full(pos.shape, np.inf, dtype=np.float32)
        for s in range(-_FM_MAX_SHIFT, _FM_MAX_SHIFT + 1):
            cand = np.roll(other_pos, -s, axis=0)
            with np.errstate(invalid="ignore"):
                d = np.abs(cand - pos)
                better = d < dist
            best = np.where(better, cand, best)
            best_lev = np.where(better, np.roll(other_lev, -s, axis=0), best_lev)
            dist = np.where(better, d, dist)
        return best, best_lev

    p_prev, l_prev = nearest(shifted(pos, -1), shifted(lev, -1))
    p_next, l_next = nearest(shifted(pos, 1), shifted(lev, 1))
    db = 20.0 / math.log(10.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        c1 = 1200.0 * np.log2(pos / p_prev)
        c2 = 1200.0 * np.log2(p_next / pos)
        steady = (np.abs(lev - l_prev) * db <= _FM_STEADY_DB) & (np.abs(l_next - lev) * db <= _FM_STEADY_DB)
        linked = np.isfinite(c1) & np.isfinite(c2) & steady
        up = linked & (c1 >= _FM_MIN_CENTS) & (c2 >= _FM_MIN_CENTS)
        down = linked & (c1 <= -_FM_MIN_CENTS) & (c2 <= -_FM_MIN_CENTS)
    moving = up | down
    rate = np.where(moving, 0.5 * (c1 + c2), np.nan)
    coherent = np.zeros(n, dtype=bool)
    for t in np.flatnonzero(moving.sum(axis=0) >= _FM_MIN_GROUP):
        c = rate[:, t][moving[:, t]]
        for sign in (1.0, -1.0):
            cs = c[np.sign(c) == sign]
            if cs.size >= _FM_MIN_GROUP:
                m = float(np.median(cs))
                group = int(np.sum(np.abs(cs - m) <= _FM_TOLERANCE * abs(m) + 1.0))
                if group >= _FM_MIN_GROUP and group >= _FM_DOMINANCE * c.size:
                    coherent[t] = True
    if not coherent.any():
        return 0.0
    width = _odd(_FM_SPREAD_S * sr / hop)
    near = ndimage.maximum_filter1d(coherent.astype(np.uint8), width, mode="constant") > 0
    return float(np.mean(near[active]))


def _instrumental_density(mel_db, active):
    """Mean fraction of mel bands within _DENSITY_DB of the frame's loudest band (non-silent frames)."""
    if not active.any():
        return 0.0
    M = mel_db[:, active]
    return float(np.mean(M >= M.max(axis=0, keepdims=True) - _DENSITY_DB))
