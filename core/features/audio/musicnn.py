"""musicnn (Pons & Serra, 2019) in PyTorch: the MTT/MSD ``musicnn`` taggers, weights converted from the
checkpoints that the PyPI wheel ``musicnn`` 0.1.0 ships (``tools/convert_musicnn.py``).

The network, for a batch of B log-mel patches ``x`` of shape (B, 187, 96) (time frames, mel bands):

- front end: batch norm of the input, then five convolutions read the same patch: two *timbral* ones
  (7 x 38 and 7 x 67 kernels over time x frequency, 204 filters each, time padded by 3 on both sides so the
  output keeps 187 frames) and three *temporal* ones (128 x 1, 64 x 1, 32 x 1, 51 filters each, TensorFlow
  ``same`` padding); each is ReLU -> batch norm -> max over frequency. Concatenated: (B, 187, 561).
- mid end: three 1-D convolutions over time (kernel 7, 64 filters), ReLU -> batch norm, the 2nd and 3rd
  with residual connections; concatenated with the front end: (B, 187, 753).
- back end: max and mean over time (B, 753) each, interleaved into (B, 1506) exactly as TensorFlow flattens
  ``concat([max, mean], axis=2)``; batch norm, dense 200 + ReLU + batch norm (the *penultimate* layer,
  (B, 200)), dense 50 (the tag logits). Tag probabilities are ``sigmoid(logits)``.

Cost: the timbral convolutions are most of it (about 2.5 GFLOP a patch). They run through PyTorch's
``conv2d`` (oneDNN on a CPU; measured about 1.8x faster than an explicit ``unfold`` + matrix product here),
and the ReLU -> batch norm -> max over frequency that follows each front-end convolution is one
min/max reduction (:func:`_relu_bn_max`) instead of three passes over the largest tensor.

Nothing here downloads or trains anything: :func:`load_model` reads ``weights/<name>.npz`` beside this file,
once per process.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

#: Models whose converted weights ship in ``weights/`` (``tools/convert_musicnn.py`` writes them).
MODELS = ("MTT_musicnn", "MSD_musicnn")

#: Time frames per patch (3 s at 16 kHz with a 256-sample hop) and mel bands.
N_FRAMES, N_MELS = 187, 96

#: Width of the penultimate embedding and the number of tags.
EMBED_DIM, N_TAGS = 200, 50

#: Channels of the front-end + mid-end stack that the back end pools over time (561 front end + 3 x 64).
MIDEND_DIM = 753

#: Batch-norm epsilon of ``tf.compat.v1.layers.batch_normalization`` (its default).
_BN_EPS = 1e-3

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

MTT_LABELS = ('guitar', 'classical', 'slow', 'techno', 'strings', 'drums', 'electronic', 'rock', 'fast',
              'piano', 'ambient', 'beat', 'violin', 'vocal', 'synth', 'female', 'indian', 'opera', 'male',
              'singing', 'vocals', 'no vocals', 'harpsichord', 'loud', 'quiet', 'flute', 'woman', 'male vocal',
              'no vocal', 'pop', 'soft', 'sitar', 'solo', 'man', 'classic', 'choir', 'voice', 'new age', 'dance',
              'male voice', 'female vocal', 'beats', 'harp', 'cello', 'no voice', 'weird', 'country', 'metal',
              'female voice', 'choral')
MSD_LABELS = ('rock', 'pop', 'alternative', 'indie', 'electronic', 'female vocalists', 'dance', '00s',
              'alternative rock', 'jazz', 'beautiful', 'metal', 'chillout', 'male vocalists', 'classic rock',
              'soul', 'indie rock', 'Mellow', 'electronica', '80s', 'folk', '90s', 'chill', 'instrumental',
              'punk', 'oldies', 'blues', 'hard rock', 'ambient', 'acoustic', 'experimental', 'female vocalist',
              'guitar', 'Hip-Hop', '70s', 'party', 'country', 'easy listening', 'sexy', 'catchy', 'funk',
              'electro', 'heavy metal', 'Progressive rock', '60s', 'rnb', 'indie pop', 'sad', 'House', 'happy')


def labels(model: str) -> tuple:
    """The 50 tag names of ``model``, in output order."""
    return MTT_LABELS if model.startswith("MTT") else MSD_LABELS


def _bn(w: dict, name: str):
    """(scale, shift) float32 tensors so that ``bn(x) = x * scale + shift`` (inference mode)."""
    import torch
    g, b = w[f"{name}/gamma"], w[f"{name}/beta"]
    m, v = w[f"{name}/moving_mean"], w[f"{name}/moving_variance"]
    # the same operation order as TensorFlow's fused inference batch norm: (x - m) * (g / sqrt(v + eps)) + b
    scale = g / np.sqrt(v + np.float32(_BN_EPS))
    return torch.from_numpy(scale.astype(np.float32)), torch.from_numpy((b - m * scale).astype(np.float32))


class Musicnn:
    """The musicnn network in inference mode (no dropout, batch norm with the stored statistics).

    Parameters
    ----------
    weights : dict str -> numpy.ndarray
        The arrays of a converted checkpoint, under their TensorFlow names.
    """

    def __init__(self, weights: dict):
        import torch
        t = torch.from_numpy
        w = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}
        self.bn = [_bn(w, "batch_normalization" + ("" if i == 0 else f"_{i}")) for i in range(11)]
        # timbral: TF (kh, kw, 1, out) -> conv2d weight (out, 1, kh, kw)
        self.timbral = [(t(np.ascontiguousarray(w[f"{n}/kernel"].transpose(3, 2, 0, 1))), t(w[f"{n}/bias"]))
                        for n in ("conv2d", "conv2d_1")]
        # temporal: TF (k, 1, 1, out) -> conv1d weight (out, 1, k)
        self.temporal = [(t(np.ascontiguousarray(w[f"{n}/kernel"][:, 0, 0, :].T[:, None, :])), t(w[f"{n}/bias"]))
                         for n in ("conv2d_2", "conv2d_3", "conv2d_4")]
        # mid end: TF (7, c_in, 1, out) -> conv1d weight (out, c_in, 7)
        self.mid = [(t(np.ascontiguousarray(w[f"{n}/kernel"][:, :, 0, :].transpose(2, 1, 0))), t(w[f"{n}/bias"]))
                    for n in ("conv2d_5", "conv2d_6", "conv2d_7")]
        self.dense = [(t(w[f"{n}/kernel"]), t(w[f"{n}/bias"])) for n in ("dense", "dense_1")]
        self.n_params = int(sum(a.size for a in w.values()))

    def __call__(self, x, midend: bool = False):
        """Forward pass.

        Parameters
        ----------
        x : torch.Tensor, float32, shape (B, 187, 96)
            Log-compressed mel patches, ``log10(10000 * mel + 1)``.
        midend : bool
            Also return the mid-end stack pooled over time (the same forward pass; nothing more is computed).

        Returns
        -------
        logits : torch.Tensor, (B, 50)
        penultimate : torch.Tensor, (B, 200)
            The batch-normalised penultimate layer (musicnn's ``penultimate`` feature).
        max_pool, mean_pool : torch.Tensor, (B, 753) each, only with ``midend``
            Max and mean over the patch's 187 frames of the 753-d front-end + mid-end stack, before the
            back end's batch norm (musicnn's ``max_pool`` and ``mean_pool`` features; unitless
            batch-normalised activations).
        """
        import torch
        import torch.nn.functional as F
        with torch.inference_mode():
            B, T, M = x.shape
            s, b = self.bn[0]
            x = x * s + b  # (B, T, M), one channel
            front = []
            xp = F.pad(x, (0, 0, 3, 3))  # time padded by 3: 'valid' 7-frame kernels keep T frames
            for i, (W, bias) in enumerate(self.timbral):
                y = F.conv2d(xp[:, None], W, bias)  # (B, out, T, M - kw + 1)
                front.append(_relu_bn_max(y, *self.bn[1 + i], dim=3))  # (B, out, T)
            cols = x.transpose(1, 2).reshape(B * M, 1, T)  # each mel band as its own 1-D signal over time
            for i, (W, bias) in enumerate(self.temporal):
                k = W.shape[2]
                y = F.conv1d(F.pad(cols, ((k - 1) // 2, k - 1 - (k - 1) // 2)), W, bias)  # (B*M, out, T)
                front.append(_relu_bn_max(y.reshape(B, M, -1, T), *self.bn[3 + i], dim=1))  # (B, out, T)
            f = torch.cat(front, dim=1)  # (B, 561, T)
            feats = [f]
            h = f
            for i, (W, bias) in enumerate(self.mid):
                y = torch.relu_(F.conv1d(F.pad(h, (3, 3)), W, bias))
                s, b = self.bn[6 + i]
                y = y * s[None, :, None] + b[None, :, None]
                h = y if i == 0 else y + h
                feats.append(h)
            m = torch.cat(feats, dim=1)  # (B, 753, T)
            pooled = torch.stack([m.amax(dim=2), m.mean(dim=2)], dim=2).reshape(B, -1)  # (B, 1506), TF order
            s, b = self.bn[9]
            h = pooled * s + b
            (W1, b1), (W2, b2) = self.dense
            s, b = self.bn[10]
            pen = torch.relu_(h @ W1 + b1) * s + b
            if midend:
                return pen @ W2 + b2, pen, pooled[:, 0::2], pooled[:, 1::2]
            return pen @ W2 + b2, pen


def _relu_bn_max(y, scale, shift, dim: int):
    """``max over dim of bn(relu(y))`` for channels on axis 1, without writing ``bn(relu(y))``.

    ReLU and a per-channel affine map are monotone, so the maximum of the mapped values is the mapped
    maximum (for a negative scale, the mapped minimum) -- the same floats, element for element, as
    mapping first and reducing afterwards, at the cost of one pass over ``y`` instead of three.
    """
    import torch
    lo, hi = torch.aminmax(y, dim=dim)  # (B, out, ...)
    shape = [1, -1] + [1] * (lo.dim() - 2)
    s, b = scale.reshape(shape), shift.reshape(shape)
    pick = torch.where(s >= 0, hi, lo)
    return torch.relu(pick) * s + b


@functools.lru_cache(maxsize=None)
def load_model(name: str = "MTT_musicnn") -> Musicnn:
    """The converted model ``name`` (one of :data:`MODELS`), read once per process from ``weights/``."""
    from core.errors import ParameterError
    if name not in MODELS:
        raise ParameterError(f"The learned-level model must be one of {', '.join(MODELS)}. Got {name!r} instead.")
    path = WEIGHTS_DIR / f"{name}.npz"
    with np.load(path) as z:
        return Musicnn({k: z[k] for k in z.files})
