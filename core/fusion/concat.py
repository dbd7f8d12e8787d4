"""Feature-level fusion: each track's two blocks scaled by its weight and put side by side.

Pipeline position: embeddings + weights -> **concat fusion** -> clustering (every slider move).

Both matrices are float32 (n_tracks, 2 * d), audio block first, built straight into a
preallocated buffer that the caller may reuse across slider moves:

* :func:`fuse_concat`: ``[sqrt(w) * audio, sqrt(1 - w) * lyrics]``, the scaled concatenation
  (unit rows; any algorithm clusters it);
* :func:`fuse_weighted`: ``[w * audio, (1 - w) * lyrics]``, the design matrix of the
  weighted-distance k-means (:class:`core.clustering.WeightedKMeans`).

See :mod:`core.fusion` for what a weight means in each.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from core.errors import check_param
from core.fusion.embeddings import Embeddings
from core.fusion.weights import _check_weights, _effective

__all__ = ["fuse_concat", "fuse_weighted"]


def fuse_concat(emb: Embeddings, w, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Scaled concatenation ``[sqrt(w) * audio, sqrt(1 - w) * lyrics]``.

    With unit-length blocks every fused row has unit length, and the squared distance between
    two tracks with the same weight is ``w * |a_i - a_j|^2 + (1 - w) * |l_i - l_j|^2``.

    Parameters
    ----------
    emb : Embeddings
        ``d = emb.width``.
    w : float (n,)
        Audio weight per track in [0, 1]; missing modalities are enforced
        (see :func:`effective_weights`).
    out : float32 (n, 2 * d), C-contiguous, optional
        Buffer to write into (reuse it across slider moves); a new one is allocated if None.

    Returns
    -------
    float32 (n, 2 * d)
        ``out`` if given.
    """
    n, d = emb.n_tracks, emb.width
    w = _check_weights("fuse_concat", w, n)
    out = _check_out("fuse_concat", out, n, 2 * d)
    return _fuse_concat_into(emb.audio, emb.lyrics, _effective(emb, w), out)


def _check_out(owner: str, out, n: int, dim: int) -> np.ndarray:
    """A caller's buffer for a fused matrix, checked (C-contiguous float32 (n, dim)); or a new one."""
    if out is None:
        return np.empty((n, dim), np.float32)
    check_param(owner, "out", f"array of shape {getattr(out, 'shape', None)} and dtype "
                f"{getattr(out, 'dtype', None)}",
                f"a C-contiguous float32 array of shape ({n}, {dim})",
                isinstance(out, np.ndarray) and out.shape == (n, dim)
                and out.dtype == np.float32 and out.flags.c_contiguous)
    return out

def _fuse_concat_into(audio: np.ndarray, lyrics: np.ndarray, w_eff: np.ndarray,
                      out: np.ndarray) -> np.ndarray:
    """Hot path: clean float32 inputs assumed. Two broadcasts straight into ``out``."""
    d = audio.shape[1]
    sa = np.sqrt(w_eff)
    sl = np.sqrt(np.float32(1.0) - w_eff)
    np.multiply(audio, sa[:, None], out=out[:, :d])
    np.multiply(lyrics, sl[:, None], out=out[:, d:])
    return out


def fuse_weighted(emb: Embeddings, w, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Design matrix ``[w * audio, (1 - w) * lyrics]`` of the weighted-distance k-means.

    Its inner product with a centre ``[c_a, c_l]`` is ``w * a.c_a + (1 - w) * l.c_l``, which is
    all the per-track distance ``w * |a - c_a|^2 + (1 - w) * |l - c_l|^2`` needs besides the
    centre norms (see :class:`core.clustering.WeightedKMeans`). A track without lyrics has an
    all-zero lyrics half, so it adds nothing to any lyrics centre.

    Parameters
    ----------
    emb : Embeddings
    w : float (n,)
        Audio weights in [0, 1]; missing modalities are enforced.
    out : float32 (n, 2 * d), C-contiguous, optional

    Returns
    -------
    float32 (n, 2 * d)
    """
    n, d = emb.n_tracks, emb.width
    w = _check_weights("fuse_weighted", w, n)
    out = _check_out("fuse_weighted", out, n, 2 * d)
    w_eff = _effective(emb, w)
    np.multiply(emb.audio, w_eff[:, None], out=out[:, :d])
    np.multiply(emb.lyrics, (np.float32(1.0) - w_eff)[:, None], out=out[:, d:])
    return out
