"""Everything an experiment computes once and reuses: embeddings, indicators, scorers.

Pipeline position: features (cached) -> **prepare** -> conditions, ablation, auto-tune, grid.
Nothing here depends on weights, and nothing here reads labels (``k`` may count them).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import warnings
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from core.clustering import cluster
from core.errors import WorkbenchError, check_param
from core.experiments.config import ExperimentConfig
from core.fusion import Embeddings, embed_features
from core.indicators import Indicators, compute_indicators
from core.metrics import ExternalScorer, NeutralScorer, reference_space


@dataclass(eq=False)
class _Subset:
    idx: np.ndarray          # int64 (m,), sorted rows of the prepared tracks
    emb: Embeddings          # rows idx
    internal: NeutralScorer  # per-modality internal scores, rows idx
    graphs: object = None    # ModalityGraphs for fusion "affinity", built lazily


@dataclass(eq=False)
class Prepared:
    """Everything an experiment needs that does not depend on weights (computed once).

    Attributes
    ----------
    config : ExperimentConfig
        Algorithm, fusion, seeds, subsample ... the runs default to.
    track_ids : tuple of str, length n
        The prepared tracks (those with at least one usable modality), in Dataset order.
    keep : bool (n_features_tracks,)
        Which rows of the FeatureSet were kept; a track with neither usable audio nor usable
        lyrics has nothing to cluster and is dropped (counted in ``n_dropped``).
    embeddings : Embeddings
        Both modalities at width ``d``, unit rows, for the kept tracks.
    indicators : Indicators
        Indicators of the kept tracks (what the rules read; no label in them).
    x_ref : float32 (n, 2 * d)
        The equal-weight fused space (:func:`core.metrics.reference_space`); kept for callers
        that want it, no longer where internal metrics are computed.
    internal : NeutralScorer
        Internal scorer on all kept tracks, in each modality's own space
        (:data:`core.metrics.NEUTRAL_SPACE`): it favours no weight.
    has_lyrics : bool
        False when the dataset carries no lyrics at all.
    feature_meta : dict
        ``FeatureSet.meta`` (configuration and versions of the features).
    """

    config: ExperimentConfig
    track_ids: tuple
    keep: np.ndarray
    embeddings: Embeddings
    indicators: Indicators
    x_ref: np.ndarray
    internal: NeutralScorer
    has_lyrics: bool
    feature_meta: dict = field(default_factory=dict)
    _subsets: dict = field(default_factory=dict, repr=False)
    _external: dict = field(default_factory=dict, repr=False)
    _k_auto: Optional[tuple] = field(default=None, repr=False)
    _graphs: object = field(default=None, repr=False)

    @property
    def n_tracks(self) -> int:
        return int(self.embeddings.n_tracks)

    @property
    def n_dropped(self) -> int:
        return int(self.keep.size - self.keep.sum())

    @property
    def n_without_lyrics(self) -> int:
        return int((~self.embeddings.lyrics_ok).sum())

    @property
    def n_without_audio(self) -> int:
        return int((~self.embeddings.audio_ok).sum())

    def with_config(self, config: ExperimentConfig) -> "Prepared":
        """The same prepared state under another config (embedding width and seed must match)."""
        check_param("Prepared.with_config", "config", type(config).__name__, "an ExperimentConfig",
                    isinstance(config, ExperimentConfig))
        same = (config.n_components == self.config.n_components
                and config.embed_seed == self.config.embed_seed)
        check_param("Prepared.with_config", "config",
                    f"n_components={config.n_components}, embed_seed={config.embed_seed}",
                    f"n_components={self.config.n_components} and embed_seed="
                    f"{self.config.embed_seed} as prepared (call prepare again otherwise)", same)
        other = dataclasses.replace(self, config=config)
        other._subsets = self._subsets if config.subsample == self.config.subsample else {}
        other._external = self._external
        other._k_auto = self._k_auto
        other._graphs = self._graphs
        return other

    # -- labels -----------------------------------------------------------------------------
    def align(self, values, name: str = "labels") -> Optional[np.ndarray]:
        """Per-track values (labels) given for the FeatureSet's rows or the kept rows -> kept rows."""
        if values is None:
            return None
        arr = np.asarray(values)
        if arr.dtype.kind not in "OUSifb":
            arr = arr.astype(object)
        full, kept = self.keep.size, self.n_tracks
        check_param("Prepared", name, f"array of shape {arr.shape}",
                    f"a 1-d array of length {full} (every track) or {kept} (kept tracks)",
                    arr.ndim == 1 and arr.shape[0] in (full, kept))
        return arr[self.keep] if arr.shape[0] == full and full != kept else arr

    # -- per-seed subsamples -------------------------------------------------------------------
    def subset(self, seed: int) -> _Subset:
        """The track subsample of ``seed`` (all tracks when ``subsample == 1``), cached."""
        hit = self._subsets.get(seed)
        if hit is not None:
            return hit
        n = self.n_tracks
        m = n if self.config.subsample >= 1.0 else max(3, int(round(self.config.subsample * n)))
        m = min(m, n)
        if m == n:
            idx = np.arange(n, dtype=np.int64)
            sub = _Subset(idx=idx, emb=self.embeddings, internal=self.internal)
        else:
            rng = np.random.default_rng([int(seed), 0x5AB5])
            idx = np.sort(rng.choice(n, m, replace=False)).astype(np.int64)
            emb = _take(self.embeddings, idx)
            sub = _Subset(idx=idx, emb=emb, internal=NeutralScorer(emb))
        self._subsets[seed] = sub
        return sub

    def external_scorer(self, labels: np.ndarray, seed: Optional[int]) -> ExternalScorer:
        """ExternalScorer for ``labels`` (kept rows) restricted to the subsample of ``seed``."""
        digest = hashlib.sha1(np.asarray(labels).astype(str).astype("U").tobytes()).hexdigest()
        # the subsample share is part of the key: the same seed draws other rows at another share
        key = (seed, None if seed is None else self.config.subsample, digest)
        hit = self._external.get(key)
        if hit is None:
            rows = labels if seed is None else labels[self.subset(seed).idx]
            hit = ExternalScorer(rows)
            if len(self._external) > 256:
                self._external.clear()
            self._external[key] = hit
        return hit


def _take(emb: Embeddings, idx: np.ndarray) -> Embeddings:
    return Embeddings(audio=np.ascontiguousarray(emb.audio[idx]),
                      lyrics=np.ascontiguousarray(emb.lyrics[idx]),
                      audio_ok=emb.audio_ok[idx].copy(), lyrics_ok=emb.lyrics_ok[idx].copy())


def prepare(fs, config: Optional[ExperimentConfig] = None) -> Prepared:
    """Compute, once, everything the experiments reuse and that does not depend on weights.

    Parameters
    ----------
    fs : core.features.featureset.FeatureSet
        Cached features of a dataset (rows in Dataset order).
    config : ExperimentConfig, optional
        Default ``ExperimentConfig()``; its ``n_components`` and ``embed_seed`` set the embeddings.

    Returns
    -------
    Prepared
        Embeddings (float32, n x d per modality), indicators, the equal-weight space (float32,
        n x 2d) and the per-modality internal scorer, for the tracks with at least one usable modality.

    Raises
    ------
    WorkbenchError
        Fewer than 3 tracks with a usable modality: nothing to cluster.
    """
    config = ExperimentConfig() if config is None else config
    check_param("prepare", "config", type(config).__name__, "an ExperimentConfig",
                isinstance(config, ExperimentConfig))
    audio_ok = np.asarray(fs.audio_ok, bool)
    lyrics_ok = np.asarray(fs.lyrics_ok, bool) & bool(fs.has_lyrics)
    keep = audio_ok | lyrics_ok
    if int(keep.sum()) < 3:
        raise WorkbenchError(
            f"Nothing usable to cluster: {int(keep.sum())} of {len(keep)} tracks have usable audio "
            "or lyrics (at least 3 are needed).")
    emb_all = embed_features(fs, n_components=config.n_components, seed=config.embed_seed)
    ind_all = compute_indicators(fs)
    if keep.all():
        emb, ind = emb_all, ind_all
    else:
        emb = _take(emb_all, np.flatnonzero(keep))
        ind = Indicators(values=np.asarray(ind_all.values)[keep], names=ind_all.names)
    x_ref = reference_space(emb)
    return Prepared(config=config, track_ids=tuple(np.asarray(fs.track_ids, dtype=object)[keep]),
                    keep=keep, embeddings=emb, indicators=ind, x_ref=x_ref,
                    internal=NeutralScorer(emb), has_lyrics=bool(fs.has_lyrics),
                    feature_meta=dict(getattr(fs, "meta", {}) or {}))



# Number of clusters
def choose_n_clusters(prepared: Prepared, k_max: int = 15, seed: int = 0) -> int:
    """The unsupervised rule for ``k`` when there are no labels.

    Equal-weight (w = 0.5) k-means, scored by the per-modality silhouette, for ``k = 2 .. min(k_max, n // 5)``
    (at least 2); the ``k`` with the highest silhouette wins (ties: the smaller k). Labels are
    never read. Cached on ``prepared``.

    Returns
    -------
    int
    """
    if prepared._k_auto is not None and prepared._k_auto[0] == (k_max, seed):
        return prepared._k_auto[1]
    n = prepared.n_tracks
    hi = max(2, min(k_max, n // 5, n - 1))
    w = np.full(n, 0.5, np.float32)
    best_k, best_s = 2, -np.inf
    for k in range(2, hi + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = cluster(prepared.embeddings, w, algorithm="kmeans", n_clusters=k, seed=seed,
                          fusion="concat", n_init=3)
        s = prepared.internal(res.labels)["silhouette"]
        if np.isfinite(s) and s > best_s + 1e-12:
            best_k, best_s = k, s
    prepared._k_auto = ((k_max, seed), best_k)
    return best_k


def resolve_n_clusters(prepared: Prepared, labels=None, config: Optional[ExperimentConfig] = None):
    """``(k, how)``: the number of clusters every condition uses and how it was chosen."""
    config = prepared.config if config is None else config
    if config.n_clusters is not None:
        return int(config.n_clusters), "given"
    if labels is not None:
        lab = prepared.align(labels)
        present = [x for x in lab if x is not None and not (isinstance(x, float) and math.isnan(x))
                   and str(x) != ""]
        k = len(set(map(str, present)))
        if k >= 2:
            return k, "number of genres in the labels (a count; the same for every condition)"
    k = choose_n_clusters(prepared, seed=config.seeds[0])
    return k, ("unsupervised: best silhouette of equal-weight k-means over "
               "k = 2..min(15, n//5) (no labels used)")
