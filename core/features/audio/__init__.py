"""Multi-level audio features from one decode and one STFT per clip.

Pipeline for one clip (every step reuses what the previous ones computed):

1. :func:`load_audio` decodes the file once (soundfile), mixes to mono, truncates to
   ``max_duration_s`` and resamples to ``sr`` only when the file's rate differs.
2. :func:`extract_signal` computes **one** short-time Fourier transform (:func:`_stft`, the only
   place in this package that transforms the signal) and derives everything else from it:

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
   blocks: ``low`` (timbre), ``mid`` (harmony, rhythm), ``high`` (dynamics, texture), and, when
   ``AudioConfig.learned_model`` is set, ``learned`` (musicnn tag probabilities and embeddings of the same
   decoded signal, resampled to 16 kHz; see ``learned`` and ``musicnn``). The raw
   per-clip measures the indicators read are returned separately as ``stats`` (see
   :data:`STAT_NAMES`, with units).

Features are raw (Hz, dB, ratios): standardisation and block balancing happen later, over a
whole dataset.

Modules, one job each: ``config`` (settings, result type, column names and units), ``decode``
(decoding and the STFT), ``frames`` (frame measures and helpers), ``low``, ``mid`` and ``high``
(the level blocks), ``learned`` and ``musicnn`` (the learned level and its PyTorch network),
``hpss`` (compiled running median and HPSS masks), ``vocal`` (the vocal-presence cue), ``measures`` (SNR, instrumental density) and ``extract`` (one clip, end to end).
"""

from __future__ import annotations

from core.features.audio.config import (
    DB_FLOOR,
    AUDIO_LEVELS,
    FEATURE_VERSION,
    LEARNED_LAYERS,
    LEARNED_MODELS,
    LEARNED_VERSION,
    SNR_RANGE_DB,
    STAT_NAMES,
    VOCAL_BAND_HZ,
    AudioConfig,
    ClipFeatures,
    feature_levels,
    feature_names,
)
from core.features.audio.decode import load_audio
from core.features.audio.extract import extract_clip, extract_learned, extract_signal
from core.features.audio.hpss import median_filter_axis

__all__ = [
    "DB_FLOOR",
    "FEATURE_VERSION",
    "AUDIO_LEVELS",
    "LEARNED_LAYERS",
    "LEARNED_MODELS",
    "LEARNED_VERSION",
    "SNR_RANGE_DB",
    "STAT_NAMES",
    "VOCAL_BAND_HZ",
    "AudioConfig",
    "ClipFeatures",
    "feature_names",
    "feature_levels",
    "load_audio",
    "extract_signal",
    "extract_clip",
    "extract_learned",
    "median_filter_axis",
]
