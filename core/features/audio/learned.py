"""The learned audio level: musicnn tag probabilities and penultimate or mid-end embeddings of a decoded clip.

For one clip (the signal :func:`~core.features.audio.decode.load_audio` already decoded, at ``config.sr``):

1. resample to 16 kHz (soxr, as ``librosa.load(sr=16000)`` does in the original), mono;
2. mel power spectrogram with librosa, ``n_fft=512``, ``hop_length=256``, 96 bands (this is the model's
   own input: the level needs its own STFT at 16 kHz, which costs a few milliseconds a clip);
3. cast to float16, then ``log10(10000 * mel + 1)`` in float32, as the original computed it: musicnn
   0.1.0 pinned ``numpy<1.17``, which promoted ``10000 * float16`` to float32. (Under NumPy 2 the original's
   line stays in float16 and overflows to ``inf`` for mel power above 6.55 -- about 0.5 % of the bins of
   ordinary music at -18 dBFS -- and then gives NaN tags; ``tools/record_musicnn_parity.py`` says more.)
4. cut into non-overlapping patches of 187 frames (3 s), dropping the remainder, as the original does; a clip
   shorter than one patch is repeat-padded to one patch (the models were trained with ``repeat-pad``);
   with ``config.learned_patches`` set, at most that many patches are taken, evenly spaced over the clip;
5. run the network (:mod:`core.features.audio.musicnn`) one patch at a time on one torch thread (batch 1 was
   the fastest per patch on these CPUs), and pool over patches.

Columns of the block (:func:`learned_names`), by the layer it reads (:data:`LEARNED_LAYERS`; every layer
costs the same forward pass):

- ``"penultimate"`` (the default, 450 columns): ``learned.pen{j:03d}.mean`` and ``learned.pen{j:03d}.max``,
  j < 200: mean and max over patches of the penultimate layer (unitless activations, batch-normalised,
  roughly -2 .. 6);
- ``"midend"`` (3,062 columns): ``learned.mid{c:03d}.{t}.{p}``, c < 753, ``t`` in ``tmax``, ``tmean``: the
  front-end + mid-end stack pooled over each patch's time frames by max and mean (musicnn's ``max_pool`` and
  ``mean_pool``, before the back end), then over patches by ``p`` = ``mean`` and ``max`` (3,012 columns,
  all ``.mean`` ones first); the tag-trained back end is skipped;
- ``"both"`` (3,462 columns): the penultimate columns, then the mid-end ones;
- and with every layer, last, ``learned.tag.<name>``: mean over patches of the 50 tag probabilities (0..1),
  names from the model's label list (MTT: ``vocal``, ``no vocals``, ``drums``, ``rock`` ...; MSD: ``rock``,
  ``instrumental`` ...). The learned indicators read these.
"""

from __future__ import annotations

import contextlib

import numpy as np

from core.features.audio import musicnn
from core.features.audio.config import LEARNED_LAYERS

#: Sample rate, FFT size, hop and mel bands the musicnn models were trained with.
SR, N_FFT, HOP = 16000, 512, 256


def _layer_parts(layer: str) -> tuple:
    """(penultimate columns?, mid-end columns?) of ``layer``; ParameterError naming the layers otherwise."""
    if layer not in LEARNED_LAYERS:
        from core.errors import ParameterError
        raise ParameterError(f"The 'learned_layer' parameter must be one of {', '.join(LEARNED_LAYERS)}. "
                             f"Got {layer!r} instead.")
    return layer in ("penultimate", "both"), layer in ("midend", "both")


def learned_names(model: str, layer: str = "penultimate") -> list:
    """Column names of the learned block for ``model`` and ``layer`` (see the module docstring): 450
    (penultimate), 3,062 (midend) or 3,462 (both), the 50 tag probabilities last."""
    pen_on, mid_on = _layer_parts(layer)
    pen = [f"learned.pen{j:03d}.{s}" for s in ("mean", "max") for j in range(musicnn.EMBED_DIM)] if pen_on else []
    mid = [f"learned.mid{c:03d}.{t}.{p}" for p in ("mean", "max") for t in ("tmax", "tmean")
           for c in range(musicnn.MIDEND_DIM)] if mid_on else []
    return pen + mid + [f"learned.tag.{t.lower().replace(' ', '_')}" for t in musicnn.labels(model)]


def log_mel(y16: np.ndarray) -> np.ndarray:
    """The model's input representation of a 16 kHz signal.

    Parameters
    ----------
    y16 : numpy.ndarray, float32, shape (n_samples,)
        Mono signal at 16 kHz.

    Returns
    -------
    numpy.ndarray, float32, shape (n_frames, 96)
        ``log10(10000 * mel + 1)`` of the float16-cast mel power spectrogram (time frames first), computed
        in float32.
    """
    import warnings

    import librosa
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "n_fft too large" for clips under 32 ms
        mel = librosa.feature.melspectrogram(y=y16, sr=SR, hop_length=HOP, n_fft=N_FFT, n_mels=musicnn.N_MELS).T
    mel16 = mel.astype(np.float16)  # the original's quantisation
    # the float32 arithmetic of the original's era (numpy < 1.17 promoted 10000 * float16 to float32)
    return np.log10(np.float32(10000) * mel16.astype(np.float32) + np.float32(1))


def patches(rep: np.ndarray, max_patches=None) -> np.ndarray:
    """Non-overlapping 187-frame patches of ``rep`` (n_frames, 96) -> (n_patches, 187, 96), n_patches >= 1.

    The remainder after the last whole patch is dropped (as the original does); a representation shorter
    than one patch is repeated until it fills one. ``max_patches`` keeps at most that many, evenly spaced.
    """
    n = musicnn.N_FRAMES
    if rep.shape[0] < n:
        reps = int(np.ceil(n / max(rep.shape[0], 1)))
        rep = np.tile(rep, (reps, 1))[:n] if rep.shape[0] else np.zeros((n, rep.shape[1]), rep.dtype)
    starts = np.arange(0, rep.shape[0] - n + 1, n)
    if max_patches is not None and len(starts) > max_patches:
        starts = starts[np.round(np.linspace(0, len(starts) - 1, max_patches)).astype(int)]
    return np.stack([rep[s:s + n] for s in starts])


@contextlib.contextmanager
def _torch_threads(n: int):
    """Run torch on ``n`` intra-op threads, then restore the process's setting."""
    import torch
    before = torch.get_num_threads()
    if before != n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if before != n:
            torch.set_num_threads(before)


def run_patches(batch: np.ndarray, model: str, threads: int = 1, midend: bool = False) -> tuple:
    """Tag probabilities and penultimate embeddings of each patch (and its mid-end stack pooled over time).

    Parameters
    ----------
    batch : numpy.ndarray, float32, shape (n_patches, 187, 96)
    model : str
        One of :data:`musicnn.MODELS`.
    threads : int
        Torch threads for the forward pass (1 in worker processes: parallelism comes from the processes).
    midend : bool
        Also return the mid-end stack pooled over each patch's frames (same forward pass).

    Returns
    -------
    tags : numpy.ndarray, float32, shape (n_patches, 50)
        Sigmoid of the logits, 0..1.
    penultimate : numpy.ndarray, float32, shape (n_patches, 200)
    max_pool, mean_pool : numpy.ndarray, float32, shape (n_patches, 753) each, only with ``midend``
        Max and mean over time of the front-end + mid-end stack (musicnn's ``max_pool``, ``mean_pool``).
    """
    import torch
    net = musicnn.load_model(model)
    x = torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32))
    outs = []
    with _torch_threads(threads):
        for i in range(x.shape[0]):
            out = net(x[i:i + 1], midend=midend)
            outs.append((torch.sigmoid(out[0]),) + tuple(out[1:]))
    return tuple(torch.cat(part).numpy() for part in zip(*outs))


def learned_level(y: np.ndarray, sr: int, model: str, max_patches=None, layer: str = "penultimate") -> np.ndarray:
    """The learned block of one decoded clip.

    Parameters
    ----------
    y : numpy.ndarray, float32, shape (n_samples,)
        The decoded mono clip at ``sr`` Hz (the same array the hand-crafted levels read).
    sr : int
        Its sample rate, Hz.
    model : str
        One of :data:`musicnn.MODELS`.
    max_patches : int or None
        At most this many 3 s patches (evenly spaced); None: all of them.
    layer : str
        One of :data:`LEARNED_LAYERS`: which layer's columns come before the tags.

    Returns
    -------
    numpy.ndarray, float64, shape (len(learned_names(model, layer)),)
        In :func:`learned_names` order: penultimate mean over patches (200) and max (200) with
        "penultimate" or "both"; the mid-end stack's time max and time mean (753 each), mean over patches,
        then the same max over patches, with "midend" or "both"; tag probabilities, mean over patches (50).
    """
    import librosa
    pen_on, mid_on = _layer_parts(layer)
    y16 = y if sr == SR else librosa.resample(y, orig_sr=sr, target_sr=SR, res_type="soxr_hq")
    out = run_patches(patches(log_mel(np.asarray(y16, np.float32)), max_patches), model, midend=mid_on)
    tags, pen = out[0], out[1]
    cols = [pen.mean(axis=0), pen.max(axis=0)] if pen_on else []
    if mid_on:
        stack = np.concatenate(out[2:], axis=1)  # (n_patches, 1506): time max (753), time mean (753)
        cols += [stack.mean(axis=0), stack.max(axis=0)]
    return np.concatenate(cols + [tags.mean(axis=0)]).astype(np.float64)


# -- tags read as measures (the indicators' raw values) -----------------------------------------------------

#: Raw measures read from the learned level's tag probabilities, per model: name -> (tags for, tags against).
#: Chosen from what the tags mean, never fitted: every voice tag of a model against its "no voice" tags, and
#: the quiet/soft tags against the loud ones (MSD has no loudness tags; its mellow/chill tags stand in).
TAG_MEASURES = {
    "learned_voice": {
        "MTT_musicnn": (("vocal", "vocals", "voice", "singing", "male", "female", "woman", "man", "male vocal",
                         "female vocal", "male voice", "female voice", "choir", "choral", "opera"),
                        ("no vocal", "no vocals", "no voice")),
        "MSD_musicnn": (("female vocalists", "male vocalists", "female vocalist"), ("instrumental",)),
    },
    "learned_quiet": {
        "MTT_musicnn": (("quiet", "soft"), ("loud",)),
        "MSD_musicnn": (("Mellow", "chill", "chillout", "easy listening"), ("heavy metal", "hard rock", "punk")),
    },
}

#: Names of the measures, in the order :func:`tag_measures` returns them.
TAG_MEASURE_NAMES = tuple(TAG_MEASURES)


def tag_measures(tags: np.ndarray, model: str) -> np.ndarray:
    """The learned measures of :data:`TAG_MEASURES` from mean tag probabilities.

    For each measure, ``e_for`` and ``e_against`` are the mean probabilities of its two tag groups, and the
    measure is ``e_for / (e_for + e_against)``: 0..1, 0.5 when the tags of both groups are equally likely
    whatever the groups' sizes (NaN when both are 0). A mean, not a noisy-or: 15 voice tags against 3
    "no voice" tags, all at the same small probability, must not read as a voice.

    Parameters
    ----------
    tags : numpy.ndarray, shape (n_tracks, 50)
        Tag probabilities 0..1 in the model's label order (the ``learned.tag.*`` columns).
    model : str
        One of :data:`musicnn.MODELS`.

    Returns
    -------
    numpy.ndarray, float64, shape (n_tracks, len(TAG_MEASURE_NAMES))
    """
    tags = np.asarray(tags, dtype=np.float64)
    names = musicnn.labels(model)
    if tags.ndim != 2 or tags.shape[1] != len(names):
        from core.errors import ParameterError
        raise ParameterError(f"The 'tags' parameter of tag_measures must be an array of shape (n_tracks, "
                             f"{len(names)}). Got shape {tags.shape} instead.")
    out = np.empty((tags.shape[0], len(TAG_MEASURE_NAMES)))
    for j, name in enumerate(TAG_MEASURE_NAMES):
        pro, con = TAG_MEASURES[name][model]
        e_for = tags[:, [names.index(t) for t in pro]].mean(axis=1)
        e_against = tags[:, [names.index(t) for t in con]].mean(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, j] = e_for / (e_for + e_against)
    return out
