"""Fusion: put both modalities on equal footing, then mix them with per-track audio weights.

Pipeline position: features (cached) -> indicators -> rules -> **fusion** -> clustering -> metrics.

Two stages with very different costs:

* **Once per dataset** (slow-ish, cacheable, independent of the weights):
  :class:`ModalityReducer` reduces each modality with PCA, fitted on the tracks where that
  modality is usable, to a common width ``d`` (default 32, capped by the data's rank), then
  L2-normalises every row, giving :class:`Embeddings`. :func:`build_graphs` builds the cosine
  k-nearest-neighbour graph of each modality once, as :class:`ModalityGraphs`.
* **Every slider move** (fast, float32, no needless copies): :func:`fuse_concat` builds
  ``[sqrt(w) * audio, sqrt(1 - w) * lyrics]`` into a preallocated buffer, and
  :func:`fuse_affinity` mixes the two prebuilt graphs with per-pair weights.

**What a weight means in each fusion.** In the scaled concatenation a track's weight scales its
*vector*, not its distances. With unit rows, ``|x_i - c|^2 = 1 - 2 x_i . c + |c|^2``, so track
``i`` goes to the centre ``c = [c_a, c_l]`` that maximises
``sqrt(w_i) * (a_i . c_a) + sqrt(1 - w_i) * (l_i . c_l) - |c|^2 / 2``: its audio and lyrics
similarities count as ``sqrt(w) : sqrt(1 - w)``. A weight of 0.8 acts like 2 : 1 on the
track's assignment, not 4 : 1 (only between two tracks of the *same* weight is the squared
distance ``w |a_i - a_j|^2 + (1 - w) |l_i - l_j|^2``). The weighted-distance k-means
(:func:`fuse_weighted`, ``fusion="weighted"``) scores track ``i`` against a centre by
``w_i |a_i - c_a|^2 + (1 - w_i) |l_i - c_l|^2``: there w means what it says (0.8 is 4 : 1).

Missing modalities are enforced here, not trusted to the caller (:func:`effective_weights`): a
track without usable lyrics gets audio weight 1 whatever ``w`` says, so it never contributes
lyrics and is never pulled toward a zero lyrics vector; a track without usable audio gets
audio weight 0. A track with neither is a zero row (drop such tracks upstream).

Settings are declared as constraint tables (:data:`REDUCER_CONSTRAINTS`,
:data:`GRAPH_CONSTRAINTS`) and checked at the public entry by :mod:`core.params`.

**Layout**, one job a module, in pipeline order (everything is importable from here):

* :mod:`core.fusion.embeddings`: :class:`Embeddings`, :class:`ModalityReducer`,
  :func:`embed_features` (once per dataset);
* :mod:`core.fusion.weights`: :func:`effective_weights` (missing modalities enforced);
* :mod:`core.fusion.concat`: :func:`fuse_concat`, :func:`fuse_weighted` (every slider move);
* :mod:`core.fusion.affinity`: :class:`ModalityGraphs`, :func:`build_graphs`,
  :func:`fuse_affinity`, :func:`affinity_to_distance`;
* :mod:`core.fusion.blas`: :func:`hot_path`, which limits BLAS to
  :data:`HOT_PATH_BLAS_THREADS` threads in the loop's hot paths (set it here, on
  ``core.fusion``).
"""

from __future__ import annotations

from typing import Optional

from core.fusion.affinity import (GRAPH_CONSTRAINTS, ModalityGraphs, affinity_to_distance,
                                  build_graphs, fuse_affinity)
from core.fusion.blas import hot_path
from core.fusion.concat import _check_out, _fuse_concat_into, fuse_concat, fuse_weighted
from core.fusion.embeddings import REDUCER_CONSTRAINTS, Embeddings, ModalityReducer, embed_features
from core.fusion.weights import _check_weights, _effective, effective_weights

# The private helpers above (_check_out, _check_weights, _effective, _fuse_concat_into) are
# shared with core.clustering and core.metrics, which import them from their modules; they
# stay importable from core.fusion, where they lived before the split.

__all__ = [
    "hot_path",
    "HOT_PATH_BLAS_THREADS",
    "Embeddings",
    "ModalityReducer",
    "embed_features",
    "effective_weights",
    "fuse_concat",
    "fuse_weighted",
    "ModalityGraphs",
    "build_graphs",
    "fuse_affinity",
    "affinity_to_distance",
    "REDUCER_CONSTRAINTS",
    "GRAPH_CONSTRAINTS",
]

#: BLAS threads inside the slider-loop hot paths (Lloyd steps of k-means, the metric scorers).
#: Their matrix products are small (n x 64 by 64 x k): a second thread gains nothing, and on
#: shared cores a spinning OpenBLAS thread made the 1,000-track loop 5-10x slower
#: (bench/loop.py, ``--threads``). Results do not depend on it. ``None`` leaves BLAS alone.
#: :func:`hot_path` (:mod:`core.fusion.blas`) reads it here at every entry, so setting it on
#: ``core.fusion`` at run time takes effect (``bench/loop.py --hot-path-threads`` does).
HOT_PATH_BLAS_THREADS: Optional[int] = 1
