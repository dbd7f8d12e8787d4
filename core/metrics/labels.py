"""Label arrays as the scorers need them: missing true labels, integer codes, repeat calls.

Pipeline position: clustering -> **metrics** (shared by the external and internal scorers).

:func:`_missing_mask` finds missing true labels (None, NaN, ""), :func:`_encode` and
:func:`_encode_int` turn labels into codes 0 .. k-1 (O(n) for cluster labels), and
:class:`_RemembersLastPartition` checks each partition (int (n_tracks,)) and hands back the
previous result when the slider loop scores the same partition twice. Nothing here scores.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from core.errors import check_param


def _missing_mask(labels: np.ndarray) -> np.ndarray:
    """True where a true label is missing (None, NaN, empty string)."""
    if labels.dtype.kind == "f":
        return np.isnan(labels)
    if labels.dtype.kind in "OUS":
        return np.array([x is None or (isinstance(x, float) and math.isnan(x))
                         or (isinstance(x, (str, bytes)) and len(x) == 0) for x in labels], bool)
    return np.zeros(labels.shape, bool)


def _encode(labels: np.ndarray):
    """Sorted distinct values and the index of each entry among them."""
    if labels.dtype == object:
        labels = labels.astype(str)
    if labels.dtype.kind in "iu":
        return _encode_int(labels)
    return np.unique(labels, return_inverse=True)


def _encode_int(labels: np.ndarray):
    """Like ``np.unique(labels, return_inverse=True)`` for integer labels, in O(n) when their
    range is small (cluster labels): a ``bincount`` and a lookup table instead of a sort."""
    if labels.size == 0:
        return np.unique(labels, return_inverse=True)
    lo, hi = int(labels.min()), int(labels.max())
    if hi - lo > 4 * labels.size + 1024:
        return np.unique(labels, return_inverse=True)
    shifted = labels - lo if lo else labels
    counts = np.bincount(shifted)
    present = np.flatnonzero(counts)
    lut = np.zeros(len(counts), np.int64)
    lut[present] = np.arange(len(present))
    return (present + lo).astype(labels.dtype), lut[shifted]


class _RemembersLastPartition:
    """A scorer that checks each partition and returns the previous result for the same one
    (slider moves often leave the partition unchanged). Needs ``n_tracks_`` and ``_last``."""

    def _check_partition(self, owner: str, name: str, labels) -> np.ndarray:
        arr = np.asarray(labels)
        check_param(owner, name, f"array of shape {arr.shape}",
                    f"a 1-d integer array of shape ({self.n_tracks_},)",
                    arr.shape == (self.n_tracks_,) and arr.dtype.kind in "iu")
        return arr

    def _repeat(self, labels: np.ndarray) -> Optional[dict]:
        """A copy of the previous result when ``labels`` equals the previous call's, else None."""
        last = self._last
        if last is not None and np.array_equal(labels, last[0]):
            return dict(last[1])
        return None
