"""Harmonic/percussive separation on the one magnitude spectrogram, with a compiled running median.

:func:`median_filter_axis` gives the same values as ``scipy.ndimage.median_filter`` along one
axis (which librosa's HPSS uses), several times faster; :func:`_softmask` and :func:`_hpss_masks`
give librosa's soft masks (margin 1). The vocal-presence cue reuses all three.
"""

from __future__ import annotations

import numba
import numpy as np

from core.errors import ParameterError

# HPSS median kernel (frames in time, bins in frequency), as librosa's default.
_HPSS_KERNEL = 31


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
