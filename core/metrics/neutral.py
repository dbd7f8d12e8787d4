"""Neutral internal scores: each modality's own space scores the partition, then the mean.

Pipeline position: clustering -> **metrics** -> the experiments and the live metric table.

The fused reference space (:func:`core.metrics.reference_space`) is the fusion at w = 0.5, so
the k-means partition at w = 0.5 minimises its within-cluster sum of squares and
Calinski-Harabasz there prefers w = 0.5 by construction. :class:`NeutralScorer` avoids that:
silhouette, Calinski-Harabasz and Davies-Bouldin (units and ranges as in
:mod:`core.metrics.internal`) are computed in the audio embedding among tracks with audio and
in the lyrics embedding among tracks with lyrics, and averaged; each is reported apart too.
No fused space enters, so no audio weight is favoured (:data:`NEUTRAL_SPACE`).
"""

from __future__ import annotations

import numpy as np

from core.errors import check_param
from core.fusion.embeddings import Embeddings
from core.metrics.internal import INTERNAL_KEYS, METRIC_CONSTRAINTS, InternalScorer
from core.params import validate_params

__all__ = ["NEUTRAL_SPACE", "NeutralScorer"]

#: Where the experiments and the live table compute internal metrics (:class:`NeutralScorer`).
NEUTRAL_SPACE = ("each modality's own space, averaged: silhouette, Calinski-Harabasz and "
                 "Davies-Bouldin on the audio embedding (tracks with audio) and on the lyrics "
                 "embedding (tracks with lyrics), then the mean of the two (the one there is when a "
                 "modality is absent); no fused space, so no audio weight is favoured")

_NAN = float("nan")


class NeutralScorer:
    """Internal scores that favour no audio weight: each modality's own space, then the mean.

    For a partition of the tracks, silhouette, Calinski-Harabasz and Davies-Bouldin are computed
    in the audio embedding among the tracks with usable audio, and in the lyrics embedding among
    the tracks with usable lyrics; the reported ``silhouette`` (etc.) is the mean of the two, or
    the one there is when a modality has fewer than 3 usable tracks (or its score is NaN). No
    fused space enters, so no weight is built into the yardstick (see :data:`NEUTRAL_SPACE`).

    Parameters
    ----------
    emb : core.fusion.Embeddings
        Unit rows per modality (``audio_ok`` / ``lyrics_ok`` say which rows are usable).
    sample_size, seed : int
        As :class:`InternalScorer` (per modality).

    Attributes
    ----------
    parts_ : tuple of (name, rows int64, InternalScorer)
        One entry per modality with at least 3 usable tracks.
    """

    MODALITIES = ("audio", "lyrics")

    def __init__(self, emb: Embeddings, sample_size: int = 2000, seed: int = 0):
        validate_params("NeutralScorer", METRIC_CONSTRAINTS,
                        {"sample_size": sample_size, "seed": seed})
        self.space = NEUTRAL_SPACE
        self.n_tracks_ = int(emb.n_tracks)
        parts = []
        for name, X, ok in (("audio", emb.audio, emb.audio_ok), ("lyrics", emb.lyrics, emb.lyrics_ok)):
            rows = np.flatnonzero(np.asarray(ok, bool)).astype(np.int64)
            if len(rows) >= 3:
                parts.append((name, rows, InternalScorer(np.asarray(X)[rows], sample_size, seed,
                                                         space=f"{name} embedding")))
        self.parts_ = tuple(parts)
        self._last = None

    @property
    def subsampled(self) -> bool:
        return any(sc.subsampled for _, _, sc in self.parts_)

    def __call__(self, labels) -> dict:
        """Scores of ``labels`` int (n,): the means (``silhouette``, ``calinski_harabasz``,
        ``davies_bouldin``), each modality apart (``silhouette_audio``, ``silhouette_lyrics``,
        ...; NaN where a modality is missing), ``space``, ``n_clusters``, ``n_noise``,
        ``noise_as_cluster``, ``silhouette_subsampled``, ``silhouette_sample_size`` (the larger
        modality's)."""
        lab = np.asarray(labels)
        check_param("NeutralScorer", "labels", f"array of shape {lab.shape}",
                    f"a 1-d integer array of shape ({self.n_tracks_},)",
                    lab.shape == (self.n_tracks_,) and lab.dtype.kind in "iu")
        last = self._last
        if last is not None and np.array_equal(lab, last[0]):
            return dict(last[1])
        per = {f"{key}_{m}": _NAN for key in INTERNAL_KEYS for m in self.MODALITIES}
        for name, rows, scorer in self.parts_:
            res = scorer(lab[rows])
            per.update({f"{key}_{name}": res[key] for key in INTERNAL_KEYS})
        out = {}
        for key in INTERNAL_KEYS:
            vals = [per[f"{key}_{m}"] for m in self.MODALITIES if np.isfinite(per[f"{key}_{m}"])]
            out[key] = float(np.mean(vals)) if vals else _NAN
        n_noise = int(np.count_nonzero(lab < 0))
        out.update(per)
        out.update({"space": self.space, "silhouette_subsampled": self.subsampled,
                    "silhouette_sample_size": max((len(sc.sample_) for _, _, sc in self.parts_),
                                                  default=0),
                    "n_clusters": int(len(np.unique(lab))), "n_noise": n_noise,
                    "noise_as_cluster": bool(n_noise > 0)})
        self._last = (lab.copy(), out)
        return dict(out)
