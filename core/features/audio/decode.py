"""Decoding a clip once (soundfile, mono, resampled only when needed) and its one STFT."""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Optional, Union

import librosa
import numpy as np
import soundfile as sf

from core.errors import AudioDecodeError, ParameterError
from core.features.audio.config import AudioConfig

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
        Naming the file and the reason: not found, a directory, not a regular file, empty (0 bytes), permission denied,
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
    if not p.is_file():  # a named pipe or a device: opening it would wait or read forever
        raise AudioDecodeError(p, "not a regular file (a named pipe or a device)", "point it at an audio file")
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


def _stft(y: np.ndarray, config: AudioConfig) -> np.ndarray:
    """The one STFT of a clip: complex (1 + n_fft // 2, n_frames), Hann window, centred."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "n_fft too large" for clips < n_fft samples
        return librosa.stft(y, n_fft=config.n_fft, hop_length=config.hop_length, center=True)
