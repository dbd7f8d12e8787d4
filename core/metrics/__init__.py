"""Clustering quality: external scores against labels, internal scores in one fixed space.

Pipeline position: clustering -> **metrics** -> views and ablations.

External (only where labels exist): adjusted Rand index, normalised and adjusted mutual
information, V-measure, purity and cluster accuracy (Hungarian matching), all from one
contingency table (:func:`contingency`). Internal (always): silhouette, Calinski-Harabasz and
Davies-Bouldin.

**Neutral space.** The experiments and the live metric table score internal metrics with
:class:`NeutralScorer`: each modality's own embedding scores the partition (audio among tracks
with audio, lyrics among tracks with lyrics) and the two scores are averaged (each is reported
apart too). The fused reference space below is the fusion at w = 0.5, so the k-means partition
at w = 0.5 minimises its within-cluster sum of squares and Calinski-Harabasz there prefers
w = 0.5 by construction; per-modality spaces do not contain any weight. See
:data:`NEUTRAL_SPACE`.

**Reference space.** The equal-weight fused space (still available): one space that does not depend on the
weights, so conditions with different weights (audio only, static 0.3, dynamic, ...) are
comparable: the equal-weight scaled concatenation ``[a / sqrt(2), l / sqrt(2)]``, i.e.
:func:`core.fusion.fuse_concat` with ``w = 0.5``; a track without lyrics keeps its audio row at
full (unit) length ``[a, 0]`` and a track without audio ``[0, l]``, so every usable row has unit
length. Scoring a weighted condition in its own fused space would reward the weights for
shrinking distances, not for finding structure. The name is in every result (``"space"``).

**Noise.** HDBSCAN's noise label ``-1`` is treated as one more cluster by every metric (results
say so with ``noise_as_cluster`` and ``n_noise``).

**Degenerate cases** never raise and never warn: fewer than 3 scored tracks give NaN for every
score; internal scores are NaN when there are fewer than 2 clusters (noise included) or as many
clusters as tracks. External scores of a one-cluster partition keep their defined values
(ARI 0, NMI 0 when the truth has several classes, purity = majority share).

**Speed.** Everything is numpy. Silhouette is O(m^2): above ``sample_size`` tracks (default
2,000) it runs on a fixed seeded subsample (sklearn's ``sample_size`` semantics), and the result
says so. :class:`InternalScorer` and :class:`ExternalScorer` precompute what does not change
between slider moves (the subsample's distance matrix, the label encoding), so the loop pays
only for what the new labels change.

**Layout**, one job a module (everything is importable from here):

* :mod:`core.metrics.external`: :func:`contingency`, :func:`external_metrics`,
  :class:`ExternalScorer`;
* :mod:`core.metrics.internal`: :func:`reference_space`, :func:`internal_metrics`,
  :class:`InternalScorer`, :data:`METRIC_CONSTRAINTS`;
* :mod:`core.metrics.neutral`: :class:`NeutralScorer`, :data:`NEUTRAL_SPACE`;
* :mod:`core.metrics.labels`: label encoding and the repeat-call memory the scorers share.
"""

from __future__ import annotations

from core.metrics.external import (EXTERNAL_KEYS, Contingency, ExternalScorer, contingency,
                                   external_metrics)
from core.metrics.internal import (INTERNAL_KEYS, METRIC_CONSTRAINTS, REFERENCE_SPACE,
                                   InternalScorer, internal_metrics, reference_space)
from core.metrics.neutral import NEUTRAL_SPACE, NeutralScorer

__all__ = [
    "REFERENCE_SPACE",
    "METRIC_CONSTRAINTS",
    "Contingency",
    "contingency",
    "external_metrics",
    "internal_metrics",
    "reference_space",
    "NEUTRAL_SPACE",
    "ExternalScorer",
    "InternalScorer",
    "NeutralScorer",
]
