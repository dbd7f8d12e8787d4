"""Experiments: the multi-seed ablation, an unsupervised threshold auto-tune and a sensitivity grid.

Pipeline position: features (cached) -> indicators -> rules -> fusion -> clustering -> metrics,
run many times. This module is the ONE place the app and the command line get experiment results
from (``python -m core ablate`` and ``python -m core export`` call it; the dashboard will too).

Work is split by cost:

* :func:`prepare` (once per feature set): per-modality embeddings, the indicators, the fixed
  reference space and its internal-metric scorer, and per-seed subsamples with their scorers.
  Nothing in it depends on weights, and nothing in it reads labels.
* :func:`run_condition` (one clustering): weights -> fusion -> clustering -> metrics.
* :func:`run_ablation`: every condition x every seed, summaries, paired tests, weight
  distributions and (synthetic sets) degradation slices, as an :class:`AblationResult`.
* :func:`autotune` and :func:`sensitivity_grid`: rule thresholds searched / swept on the same
  prepared state.

Conditions
----------
``audio_only``
    Only the audio representation. Tracks without usable audio have no audio representation:
    they are NOT given their lyrics; they form one group of their own ("no audio"), and the
    tracks with audio are clustered into ``k - 1`` clusters so that the partition still has ``k``
    groups like every other condition. Every track is scored (the group counts as a cluster).
    How many tracks lack audio is reported (``n_without_modality``).
``lyrics_only``
    The same with the lyrics: tracks without usable lyrics (instrumentals, missing lyric files)
    form one "no lyrics" group, the others are clustered into ``k - 1`` clusters on their lyrics
    alone. They are never given audio.
``static_<w>``
    Audio weight ``w`` for every track that has both modalities; a track with one usable
    modality uses it (the fusion enforces this, :func:`core.fusion.effective_weights`), so
    ``static_0.0`` is *not* lyrics-only: instrumentals still cluster by their audio.
``dynamic``
    Per-track weights from the rule set (:func:`core.rules.apply_rules`) on the indicators;
    missing modalities enforced the same way.

What a seed changes
-------------------
Two things, both derived from the seed and identical for every condition (so the conditions are
*paired* by seed): (1) the clustering's random initialisation (k-means++ seeding and restarts,
the spectral eigensolver, GMM init), and (2) a random subsample of ``subsample`` (default 80 %)
of the tracks, drawn without replacement and without looking at labels. Metrics of a seed are
computed on its subsample. The subsample makes the spread reflect how the result depends on the
data, not only initialisation noise (set ``subsample=1.0`` for init noise only). The embeddings
(per-modality PCA) are fitted once on all tracks and not re-fitted per seed.

Statistics
----------
Per condition and metric: mean, standard deviation (ddof 1) and a **t-based** 95 % confidence
interval of the mean over seeds, ``mean +- t(0.975, n - 1) * std / sqrt(n)``. Paired test: the
Wilcoxon signed-rank test (``scipy.stats.wilcoxon``, two-sided, zero differences dropped) of
dynamic against the best static weight and against static 0.5, per external metric when labels
exist, per internal metric otherwise. When every paired difference is 0 the test is not run:
``p = 1``, note "identical". **The best static weight is chosen per metric by looking at the
scores, i.e. with the labels for external metrics: an oracle.** Every output flags it.

Number of clusters
------------------
``ExperimentConfig.n_clusters`` when given; otherwise the number of distinct labels (genres) when
labels are given (the same ``k`` for every condition: a count, no per-track information); otherwise
the unsupervised rule of :func:`choose_n_clusters` (best mean silhouette of equal-weight k-means
in the reference space over ``k = 2 .. min(15, n // 5)``).

Honesty
-------
Rules see indicators only; :func:`prepare`, :func:`autotune` and the weights never receive labels
or ground truth. Labels and the synthetic ground truth enter only the scoring (external metrics,
per-genre weight distributions, degradation slices).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import numbers
import warnings
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from core.clustering import ALGORITHM_FUSIONS, ALGORITHMS, cluster
from core.errors import ParameterError, WorkbenchError, check_param
from core.fusion import Embeddings, build_graphs, effective_weights, embed_features, hot_path
from core.indicators import Indicators, compute_indicators
from core.metrics import (
    REFERENCE_SPACE,
    ExternalScorer,
    InternalScorer,
    contingency,
    external_metrics,
    reference_space,
)
from core.progress import ProgressCallback, report
from core.rules import DEFAULT_RULES, RuleSet, apply_rules

__all__ = [
    "EXTERNAL_METRICS",
    "INTERNAL_METRICS",
    "LOWER_IS_BETTER",
    "DEFAULT_SEEDS",
    "DEFAULT_STATIC_GRID",
    "DEFAULT_AUTOTUNE_GRID",
    "HIST_BINS",
    "ExperimentConfig",
    "Prepared",
    "prepare",
    "resolve_n_clusters",
    "choose_n_clusters",
    "dynamic_weights",
    "run_condition",
    "partition",
    "AblationResult",
    "run_ablation",
    "summarize",
    "paired_test",
    "weight_distributions",
    "degradation_slices",
    "AutotuneResult",
    "autotune",
    "evaluate_rulesets",
    "sensitivity_grid",
    "track_table",
]

#: External metrics reported in the ablation (labels needed).
EXTERNAL_METRICS = ("nmi", "ari", "ami", "v_measure", "purity", "accuracy")
#: Internal metrics (always), computed in the fixed reference space.
INTERNAL_METRICS = ("silhouette", "calinski_harabasz", "davies_bouldin")
#: Metrics where lower is better; every other metric is higher-is-better.
LOWER_IS_BETTER = frozenset({"davies_bouldin"})
DEFAULT_SEEDS = tuple(range(10))
DEFAULT_STATIC_GRID = tuple(round(0.1 * i, 1) for i in range(11))
#: Fixed histogram bins of weight distributions: 10 bins over [0, 1] (the last one closed).
HIST_BINS = np.linspace(0.0, 1.0, 11)
#: The default auto-tune grid: three rule thresholds, three values each (27 rule sets), centred
#: on the a-priori defaults of :data:`core.rules.DEFAULT_RULES`.
DEFAULT_AUTOTUNE_GRID = {
    "voice_present": (0.3, 0.5, 0.7),
    "poor_audio": (0.3, 0.5, 0.7),
    "poor_lyrics": (0.3, 0.5, 0.7),
}
#: RuleSet fields a grid may sweep besides soft-rule thresholds.
_RULESET_THRESHOLDS = ("voice_floor", "audio_quality_floor", "base_weight")
_FUSIONS_FOR = ALGORITHM_FUSIONS
_NO_LABELS = "no labels: internal metrics only (silhouette, Calinski-Harabasz, Davies-Bouldin)"


def _is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))


def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_)) and math.isfinite(x)


# ----------------------------------------------------------------------------------------------
# Configuration
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExperimentConfig:
    """What an ablation runs: a frozen, hashable value.

    Parameters
    ----------
    algorithm : {"kmeans", "agglomerative", "spectral", "gmm", "hdbscan"}, default "kmeans"
    fusion : str, default "concat"
        "concat" (scaled concatenation) or "weighted" (per-track weighted-distance k-means,
        k-means only); "affinity" (mixed kNN graphs) for spectral, agglomerative and HDBSCAN.
    n_clusters : int >= 2 or None, default None
        None: the number of genres when labels are given, else :func:`choose_n_clusters`.
    seeds : tuple of int >= 0, default (0, ..., 9)
        Distinct; each is one paired replicate (initialisation + track subsample).
    static_grid : tuple of float in [0, 1], default (0.0, 0.1, ..., 1.0)
        Static audio weights swept; sorted, distinct.
    ruleset : RuleSet, default DEFAULT_RULES
        Rules of the dynamic condition.
    n_components : int >= 1, default 32
        Common embedding width per modality (PCA).
    subsample : float in (0, 1], default 0.8
        Share of tracks each seed draws (without replacement); 1.0 keeps every track.
    n_init : int >= 1, default 5
        k-means restarts per clustering (lowest inertia wins); the same for every condition.
    embed_seed : int >= 0, default 0
        Seed of the embedding PCA (fitted once, not per seed).
    """

    algorithm: str = "kmeans"
    fusion: str = "concat"
    n_clusters: Optional[int] = None
    seeds: tuple = DEFAULT_SEEDS
    static_grid: tuple = DEFAULT_STATIC_GRID
    ruleset: RuleSet = DEFAULT_RULES
    n_components: int = 32
    subsample: float = 0.8
    n_init: int = 5
    embed_seed: int = 0

    def __post_init__(self):
        own = "ExperimentConfig"
        check_param(own, "algorithm", self.algorithm, f"one of {ALGORITHMS}",
                    isinstance(self.algorithm, str) and self.algorithm in ALGORITHMS)
        allowed = _FUSIONS_FOR[self.algorithm]
        check_param(own, "fusion", self.fusion,
                    f"one of {allowed} with algorithm {self.algorithm!r}",
                    isinstance(self.fusion, str) and self.fusion in allowed)
        check_param(own, "n_clusters", self.n_clusters, "None or an int >= 2",
                    self.n_clusters is None or (_is_int(self.n_clusters) and self.n_clusters >= 2))
        seeds = self.seeds
        ok = isinstance(seeds, (tuple, list, range)) and len(seeds) > 0 and all(
            _is_int(s) and 0 <= s < 2**32 for s in seeds) and len(set(seeds)) == len(seeds)
        check_param(own, "seeds", seeds, "a non-empty sequence of distinct ints in [0, 2**32)", ok)
        grid = self.static_grid
        ok = isinstance(grid, (tuple, list)) and len(grid) > 0 and all(
            _is_real(g) and 0.0 <= g <= 1.0 for g in grid) and len(set(map(float, grid))) == len(grid)
        check_param(own, "static_grid", grid, "a non-empty sequence of distinct floats in [0, 1]", ok)
        check_param(own, "ruleset", type(self.ruleset).__name__, "a RuleSet",
                    isinstance(self.ruleset, RuleSet))
        check_param(own, "n_components", self.n_components, "an int >= 1",
                    _is_int(self.n_components) and self.n_components >= 1)
        check_param(own, "subsample", self.subsample, "a float in the range (0, 1]",
                    _is_real(self.subsample) and 0.0 < self.subsample <= 1.0)
        check_param(own, "n_init", self.n_init, "an int >= 1", _is_int(self.n_init) and self.n_init >= 1)
        check_param(own, "embed_seed", self.embed_seed, "an int in [0, 2**32)",
                    _is_int(self.embed_seed) and 0 <= self.embed_seed < 2**32)
        object.__setattr__(self, "seeds", tuple(int(s) for s in seeds))
        object.__setattr__(self, "static_grid", tuple(sorted(round(float(g), 6) for g in grid)))
        object.__setattr__(self, "subsample", float(self.subsample))

    def with_changes(self, **changes) -> "ExperimentConfig":
        """A validated copy with the given fields replaced."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        check_param("ExperimentConfig.with_changes", "changes", unknown,
                    "field names of ExperimentConfig: " + ", ".join(sorted(names)), not unknown)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """JSON-ready description (the rule set in full)."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["seeds"] = list(self.seeds)
        d["static_grid"] = list(self.static_grid)
        d["ruleset"] = ruleset_to_dict(self.ruleset)
        return d


def ruleset_to_dict(rs: RuleSet) -> dict:
    """A RuleSet as plain JSON-ready data."""
    d = dataclasses.asdict(rs)
    d["rules"] = [dataclasses.asdict(r) for r in rs.rules]
    d["clip"] = list(rs.clip)
    return d


# ----------------------------------------------------------------------------------------------
# Prepared state
# ----------------------------------------------------------------------------------------------
@dataclass(eq=False)
class _Subset:
    idx: np.ndarray          # int64 (m,), sorted rows of the prepared tracks
    emb: Embeddings          # rows idx
    internal: InternalScorer  # reference space rows idx
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
        The fixed reference space of internal metrics (:func:`core.metrics.reference_space`).
    internal : InternalScorer
        Internal scorer on all kept tracks.
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
    internal: InternalScorer
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
            sub = _Subset(idx=idx, emb=_take(self.embeddings, idx),
                          internal=InternalScorer(self.x_ref[idx]))
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
        Embeddings (float32, n x d per modality), indicators, the reference space (float32,
        n x 2d) and its internal scorer, for the tracks with at least one usable modality.

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
                    internal=InternalScorer(x_ref), has_lyrics=bool(fs.has_lyrics),
                    feature_meta=dict(getattr(fs, "meta", {}) or {}))


# ----------------------------------------------------------------------------------------------
# Number of clusters
# ----------------------------------------------------------------------------------------------
def choose_n_clusters(prepared: Prepared, k_max: int = 15, seed: int = 0) -> int:
    """The unsupervised rule for ``k`` when there are no labels.

    Equal-weight (w = 0.5) k-means in the reference space for ``k = 2 .. min(k_max, n // 5)``
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


# ----------------------------------------------------------------------------------------------
# One clustering
# ----------------------------------------------------------------------------------------------
def dynamic_weights(prepared: Prepared, ruleset: Optional[RuleSet] = None):
    """``apply_rules(prepared.indicators, ruleset)``: the RuleResult (weights + trace)."""
    ruleset = prepared.config.ruleset if ruleset is None else ruleset
    return apply_rules(prepared.indicators, ruleset)


@dataclass(eq=False)
class _Run:
    idx: np.ndarray          # rows of the prepared tracks clustered (the seed's subsample)
    labels: np.ndarray       # int64 (m,) partition
    w_eff: Optional[np.ndarray]
    n_without: int           # single modality: tracks without it (own group)
    warnings: list
    covered: Optional[np.ndarray] = None  # single modality: bool (m,), tracks that have it


def _spec(prepared: Prepared, weights):
    """Normalise the weights argument: ("audio"|"lyrics", None) or ("weights", float32 (n,))."""
    n = prepared.n_tracks
    if isinstance(weights, str):
        name = {"audio": "audio", "audio_only": "audio", "lyrics": "lyrics",
                "lyrics_only": "lyrics"}.get(weights)
        check_param("run_condition", "weights", weights,
                    "'audio_only', 'lyrics_only', a float in [0, 1], a RuleSet or an array (n,)",
                    name is not None)
        return name, None
    if isinstance(weights, RuleSet):
        return "weights", np.asarray(dynamic_weights(prepared, weights).weights, np.float32)
    if _is_real(weights):
        check_param("run_condition", "weights", weights, "a static weight in [0, 1]",
                    0.0 <= float(weights) <= 1.0)
        return "weights", np.full(n, float(weights), np.float32)
    w = np.asarray(weights)
    check_param("run_condition", "weights", f"array of shape {w.shape}",
                f"a 1-d array of {n} audio weights in [0, 1]",
                w.ndim == 1 and w.shape[0] == n and w.dtype.kind in "fiu"
                and bool(np.all(np.isfinite(w))) and (n == 0 or (w.min() >= 0 and w.max() <= 1)))
    return "weights", w.astype(np.float32)


def _cluster_call(emb, w, k, seed, config, init=None, graphs=None):
    opts = {}
    if config.algorithm == "kmeans":
        opts["n_init"] = config.n_init
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = cluster(emb, w, algorithm=config.algorithm, n_clusters=k, seed=seed,
                      fusion=config.fusion, init=init,
                      graphs=graphs if config.fusion == "affinity" else None, **opts)
    return res, sorted({str(c.message) for c in caught})


def _run(prepared: Prepared, kind: str, w: Optional[np.ndarray], seed: int, k: int,
         config: ExperimentConfig, full: bool = False) -> _Run:
    """Cluster one condition on the seed's subsample (or every track if ``full``)."""
    if full:
        idx, emb = np.arange(prepared.n_tracks, dtype=np.int64), prepared.embeddings
        graphs_owner = prepared
    else:
        sub = prepared.subset(seed)
        idx, emb, graphs_owner = sub.idx, sub.emb, sub
    m = len(idx)
    check_param("run_condition", "n_clusters", k,
                f"at most the number of tracks clustered (n_tracks={m})", k <= m)
    if kind == "weights":
        graphs = None
        if config.fusion == "affinity":
            attr = "_graphs" if graphs_owner is prepared else "graphs"
            graphs = getattr(graphs_owner, attr)
            if graphs is None:
                graphs = build_graphs(emb)
                setattr(graphs_owner, attr, graphs)
        wk = w[idx]
        res, msgs = _cluster_call(emb, wk, k, seed, config, graphs=graphs)
        return _Run(idx=idx, labels=res.labels, w_eff=effective_weights(emb, wk), n_without=0,
                    warnings=msgs)
    # single modality: tracks without it form one group of their own
    has = emb.audio_ok if kind == "audio" else emb.lyrics_ok
    n_without = int((~has).sum())
    labels = np.zeros(m, np.int64)
    msgs: list = []
    if n_without == 0:
        target = 1.0 if kind == "audio" else 0.0
        res, msgs = _cluster_call(emb, np.full(m, target, np.float32), k, seed, config)
        labels = res.labels
    elif n_without < m:
        rows = np.flatnonzero(has)
        k_cov = max(1, min(k - 1, len(rows)))
        sub_emb = _take(emb, rows)
        target = 1.0 if kind == "audio" else 0.0
        if k_cov == 1:
            part = np.zeros(len(rows), np.int64)
        else:
            res, msgs = _cluster_call(sub_emb, np.full(len(rows), target, np.float32), k_cov,
                                      seed, config)
            part = res.labels
        labels[rows] = part
        labels[~has] = int(part.max()) + 1  # the missing-modality group
    w_eff = np.where(has, 1.0 if kind == "audio" else 0.0, np.nan).astype(np.float32)
    return _Run(idx=idx, labels=labels, w_eff=w_eff, n_without=n_without, warnings=msgs,
                covered=has.copy())


def _score(prepared: Prepared, run: _Run, seed: Optional[int], labels: Optional[np.ndarray],
           full: bool = False) -> dict:
    internal = prepared.internal if full else prepared.subset(seed).internal
    with hot_path():
        out = {}
        if labels is not None:
            ext = prepared.external_scorer(labels, None if full else seed)(run.labels)
            out.update({m: float(ext[m]) for m in EXTERNAL_METRICS})
        ints = internal(run.labels)
        out.update({m: float(ints[m]) for m in INTERNAL_METRICS})
        if labels is not None and run.covered is not None and run.n_without:
            # single modality: the scores among the tracks that have it (the group of tracks
            # without it left out), so a reader can see both views
            t = labels[run.idx][run.covered]
            cov = external_metrics(t, run.labels[run.covered]) if len(t) >= 3 else None
            for m in ("nmi", "ari", "accuracy"):
                out[f"{m}_covered"] = float(cov[m]) if cov is not None else math.nan
    out["n_clusters_found"] = int(np.unique(run.labels[run.labels >= 0]).size)
    out["n_tracks"] = int(len(run.idx))
    out["n_without_modality"] = int(run.n_without)
    return out


def run_condition(prepared: Prepared, weights, seed: int, labels=None, *,
                  config: Optional[ExperimentConfig] = None) -> dict:
    """Cluster once and score: weights -> fusion -> clustering -> metrics.

    Parameters
    ----------
    prepared : Prepared
    weights : "audio_only", "lyrics_only", float in [0, 1], RuleSet, or float (n,) array
        The condition: a single modality (see the module docstring for tracks that lack it), a
        static audio weight, the rules' weights, or any per-track audio weights.
    seed : int >= 0
        Clustering initialisation and track subsample (see "What a seed changes").
    labels : (n,) or None
        Genre labels, for the FeatureSet's rows or the kept rows; only for external metrics.
    config : ExperimentConfig, optional
        Default ``prepared.config``.

    Returns
    -------
    dict
        External metrics (``nmi``, ``ari``, ``ami``, ``v_measure``, ``purity``, ``accuracy``)
        when labels are given; internal metrics (``silhouette``, ``calinski_harabasz``,
        ``davies_bouldin``) in the reference space always; ``n_clusters_found``, ``n_tracks``
        (scored), ``n_without_modality`` (single-modality conditions: tracks in the
        missing-modality group); for a single modality with tracks lacking it and labels given,
        also ``nmi_covered``, ``ari_covered``, ``accuracy_covered``: the scores among the tracks
        that have the modality only.
    """
    config = prepared.config if config is None else config
    check_param("run_condition", "seed", seed, "an int in [0, 2**32)",
                _is_int(seed) and 0 <= seed < 2**32)
    if config.subsample != prepared.config.subsample:
        prepared = prepared.with_config(config)
    kind, w = _spec(prepared, weights)
    lab = prepared.align(labels)
    k, _ = resolve_n_clusters(prepared, lab, config)
    run = _run(prepared, kind, w, int(seed), k, config)
    return _score(prepared, run, int(seed), lab)


def partition(prepared: Prepared, weights, seed: int, labels=None, *,
              config: Optional[ExperimentConfig] = None, full: bool = False):
    """The clustering :func:`run_condition` scores, without scoring it.

    Parameters are those of :func:`run_condition` (labels only set ``k`` when the config leaves
    it open); ``full=True`` clusters every prepared track instead of the seed's subsample.

    Returns
    -------
    idx : int64 (m,)
        Rows of the prepared tracks that were clustered (sorted).
    labels : int64 (m,)
        Cluster of each; in a single-modality condition the tracks without the modality share
        the highest label (their own group).
    """
    config = prepared.config if config is None else config
    check_param("partition", "seed", seed, "an int in [0, 2**32)", _is_int(seed) and 0 <= seed < 2**32)
    if config.subsample != prepared.config.subsample:
        prepared = prepared.with_config(config)
    kind, w = _spec(prepared, weights)
    k, _ = resolve_n_clusters(prepared, prepared.align(labels), config)
    run = _run(prepared, kind, w, int(seed), k, config, full=full)
    return run.idx, run.labels


# ----------------------------------------------------------------------------------------------
# Statistics
# ----------------------------------------------------------------------------------------------
def _ci95(values: np.ndarray):
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = float(v.mean())
    if n == 1:
        return 1, mean, math.nan, math.nan, math.nan
    from scipy.stats import t

    std = float(v.std(ddof=1))
    half = float(t.ppf(0.975, n - 1)) * std / math.sqrt(n)
    return n, mean, std, mean - half, mean + half


def summarize(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean, std (ddof 1) and t-based 95 % CI over seeds, per condition and metric.

    Parameters
    ----------
    scores : DataFrame
        Tidy, with columns ``condition``, ``seed``, ``metric``, ``value`` (plus any others).

    Returns
    -------
    DataFrame
        ``condition``, ``metric``, ``n``, ``mean``, ``std``, ``ci_low``, ``ci_high`` in the order
        conditions and metrics first appear.
    """
    rows = []
    conds = list(dict.fromkeys(scores["condition"]))
    metrics = list(dict.fromkeys(scores["metric"]))
    groups = scores.groupby(["condition", "metric"], sort=False)["value"]
    for c in conds:
        for m in metrics:
            try:
                v = groups.get_group((c, m)).to_numpy()
            except KeyError:
                continue
            n, mean, std, lo, hi = _ci95(v)
            rows.append({"condition": c, "metric": m, "n": n, "mean": mean, "std": std,
                         "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["condition", "metric", "n", "mean", "std", "ci_low",
                                       "ci_high"])


def paired_test(a, b, metric: str = "") -> dict:
    """Two-sided Wilcoxon signed-rank test of paired samples ``a`` (dynamic) vs ``b``.

    Zero differences are dropped (``zero_method="wilcox"``). If every difference is 0 the test
    is not run: ``p_value = 1`` and ``note = "identical"``. Differences are ``a - b``; ``better``
    says which side wins on average given the metric's direction.

    Returns
    -------
    dict
        ``n``, ``n_nonzero``, ``mean_diff``, ``median_diff``, ``wins``, ``losses``, ``ties`` (from
        ``a``'s side, direction-aware), ``statistic``, ``p_value``, ``better``, ``note``.
    """
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    check_param("paired_test", "b", f"array of shape {b.shape}", f"shape {a.shape} like 'a'",
                a.shape == b.shape and a.ndim == 1)
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    good = d * sign
    out = {"n": int(len(d)), "n_nonzero": int(np.count_nonzero(d)),
           "mean_diff": float(d.mean()) if len(d) else math.nan,
           "median_diff": float(np.median(d)) if len(d) else math.nan,
           "wins": int((good > 0).sum()), "losses": int((good < 0).sum()),
           "ties": int((d == 0).sum()), "statistic": math.nan, "p_value": math.nan,
           "better": "", "note": ""}
    if len(d) == 0:
        out["note"] = "no paired values"
        return out
    if not np.any(d != 0):
        out.update(statistic=0.0, p_value=1.0, better="neither", note="identical")
        return out
    from scipy.stats import wilcoxon

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = wilcoxon(d, zero_method="wilcox", alternative="two-sided")
    out["statistic"] = float(res.statistic)
    out["p_value"] = float(res.pvalue)
    m = float(np.mean(good))
    out["better"] = "dynamic" if m > 0 else ("other" if m < 0 else "neither")
    if out["n_nonzero"] < 6:
        out["note"] = (f"only {out['n_nonzero']} non-zero differences: p cannot fall below "
                       f"{2.0 / 2 ** out['n_nonzero']:.3g}")
    return out


def _best(means: Mapping[float, float], metric: str) -> float:
    items = [(w, v) for w, v in means.items() if np.isfinite(v)]
    if not items:
        return math.nan
    if metric in LOWER_IS_BETTER:
        return min(items, key=lambda t: (t[1], abs(t[0] - 0.5)))[0]
    return max(items, key=lambda t: (t[1], -abs(t[0] - 0.5)))[0]


# ----------------------------------------------------------------------------------------------
# Weight distributions and degradation slices
# ----------------------------------------------------------------------------------------------
def _hist_columns() -> list:
    edges = HIST_BINS
    names = [f"[{edges[i]:.1f},{edges[i + 1]:.1f})" for i in range(len(edges) - 2)]
    names.append(f"[{edges[-2]:.1f},{edges[-1]:.1f}]")
    return names


def weight_distributions(weights, groups, group_type: str) -> pd.DataFrame:
    """Summary statistics and histogram counts of audio weights per group.

    Parameters
    ----------
    weights : float (n,)
        Audio weights in [0, 1] (NaN entries are left out and counted in ``n_missing``).
    groups : (n,)
        Group of every track (cluster id or genre).
    group_type : str
        "cluster" or "genre" (written in the ``group_type`` column).

    Returns
    -------
    DataFrame
        One row per group (sorted): ``group_type``, ``group``, ``n``, ``mean``, ``std``,
        ``min``, ``q25``, ``median``, ``q75``, ``max``, then the counts of the 10 fixed bins
        over [0, 1] (:data:`HIST_BINS`; columns ``[0.0,0.1)`` ... ``[0.9,1.0]``), which sum
        to ``n``.
    """
    w = np.asarray(weights, np.float64)
    g = np.asarray(groups)
    check_param("weight_distributions", "groups", f"array of shape {g.shape}",
                f"a 1-d array of shape {w.shape} like 'weights'", g.shape == w.shape)
    cols = _hist_columns()
    rows = []
    for grp in sorted(set(g.tolist()), key=lambda x: (str(type(x)), x)):
        x = w[g == grp]
        miss = int(np.isnan(x).sum())
        x = x[np.isfinite(x)]
        counts, _ = np.histogram(x, bins=HIST_BINS)
        row = {"group_type": group_type, "group": grp, "n": int(len(x)), "n_missing": miss}
        if len(x):
            q = np.quantile(x, [0.0, 0.25, 0.5, 0.75, 1.0])
            row.update(mean=float(x.mean()), std=float(x.std(ddof=0)), min=float(q[0]),
                       q25=float(q[1]), median=float(q[2]), q75=float(q[3]), max=float(q[4]))
        else:
            row.update({k: math.nan for k in ("mean", "std", "min", "q25", "median", "q75", "max")})
        row.update({c: int(v) for c, v in zip(cols, counts)})
        rows.append(row)
    return pd.DataFrame(rows, columns=["group_type", "group", "n", "n_missing", "mean", "std",
                                       "min", "q25", "median", "q75", "max"] + cols)


def _slice_masks(truth: pd.DataFrame) -> dict:
    a = truth["audio_degradation"].fillna("none").astype(str)
    lyr = truth["lyrics_degradation"].fillna("none").astype(str)
    return {
        "clean (sung, no degradation)": ((a == "none") & (lyr == "none")).to_numpy(),
        "degraded audio": (a != "none").to_numpy(),
        "degraded lyrics (truncated/garbled/missing)": lyr.isin(
            ["truncated", "garbled", "missing"]).to_numpy(),
        "instrumental": (lyr == "instrumental").to_numpy(),
    }


def degradation_slices(prepared: Prepared, runs: Mapping[str, Sequence[_Run]], labels,
                       ground_truth: pd.DataFrame) -> Optional[pd.DataFrame]:
    """Evaluation only: accuracy and NMI per degradation slice of the synthetic ground truth.

    For each condition and seed, clusters are matched to genres one-to-one (Hungarian) on the
    whole subsample; a slice's ``accuracy`` is the share of its tracks whose cluster maps to
    their genre, and its ``nmi`` the NMI of the partition restricted to the slice.

    Returns
    -------
    DataFrame or None
        ``slice``, ``condition``, ``n_tracks`` (in the slice, all kept tracks), ``metric``,
        ``n`` (seeds), ``mean``, ``std``, ``ci_low``, ``ci_high``; None without ground truth.
    """
    if ground_truth is None or labels is None:
        return None
    need = {"track_id", "audio_degradation", "lyrics_degradation"}
    if not need.issubset(ground_truth.columns):
        return None
    truth = ground_truth.set_index(ground_truth["track_id"].astype(str))
    ids = [str(t) for t in prepared.track_ids]
    if not set(ids).issubset(truth.index):
        return None
    truth = truth.loc[ids].reset_index(drop=True)
    masks = _slice_masks(truth)
    lab = prepared.align(labels)
    from scipy.optimize import linear_sum_assignment

    rows = []
    for cond, cond_runs in runs.items():
        per = {s: {"accuracy": [], "nmi": []} for s in masks}
        for run in cond_runs:
            t = lab[run.idx].astype(str)
            p = run.labels
            ct = contingency(t, p)
            r, c = linear_sum_assignment(ct.table, maximize=True)
            mapped = {int(ct.clusters[j]): str(ct.classes[i]) for i, j in zip(r, c)}
            hit = np.array([mapped.get(int(x)) == y for x, y in zip(p, t)])
            for name, mask in masks.items():
                ms = mask[run.idx]
                if not ms.any():
                    continue
                per[name]["accuracy"].append(float(hit[ms].mean()))
                per[name]["nmi"].append(float(external_metrics(t[ms], p[ms])["nmi"])
                                        if ms.sum() >= 3 else math.nan)
        for name, mask in masks.items():
            for metric in ("accuracy", "nmi"):
                n, mean, std, lo, hi = _ci95(np.array(per[name][metric]))
                rows.append({"slice": name, "condition": cond, "n_tracks": int(mask.sum()),
                             "metric": metric, "n": n, "mean": mean, "std": std,
                             "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# The ablation
# ----------------------------------------------------------------------------------------------
def _condition_list(config: ExperimentConfig) -> list:
    out = [("audio_only", "audio_only", None), ("lyrics_only", "lyrics_only", None)]
    out += [(f"static_{w:.1f}" if round(w, 1) == w else f"static_{w:g}", "static", w)
            for w in config.static_grid]
    out.append(("dynamic", "dynamic", None))
    return out


@dataclass(eq=False)
class AblationResult:
    """Everything one ablation produced (one algorithm x one fusion).

    Attributes
    ----------
    config : ExperimentConfig
    conditions : tuple of str
        In display order: audio_only, lyrics_only, static_0.0 .. static_1.0, dynamic.
    condition_info : dict name -> dict
        ``kind`` ("audio_only", "lyrics_only", "static", "dynamic"), ``weight`` (static) and
        ``description``.
    scores : DataFrame
        Tidy: ``condition``, ``kind``, ``static_weight``, ``seed``, ``metric``, ``value``; one
        row per condition x seed x metric.
    summary : DataFrame
        :func:`summarize` of ``scores``.
    tests : DataFrame
        One row per (metric, comparison): dynamic vs the best static weight (``oracle`` True)
        and vs static 0.5; :func:`paired_test` fields plus ``other``, ``other_weight``.
    best_static : dict metric -> float
        The static weight with the best mean per metric (chosen with the scores: an oracle for
        external metrics).
    oracle : bool
        True when the best static weight was picked with labels.
    labelled : bool
    metrics : tuple of str
        Quality metrics reported (external first when labelled).
    test_metrics : tuple of str
        Metrics the paired tests are run on.
    primary_metric : str
        "nmi" when labelled, else "silhouette": the headline metric and the one that picks the
        headline best static weight.
    n_clusters : int
    n_clusters_rule : str
    weights : float32 (n,)
        Dynamic audio weights of the kept tracks (as the fusion used them).
    reference_labels : int64 (n,)
        The dynamic condition clustered on ALL kept tracks with the first seed: the partition
        the per-cluster weight distributions describe.
    weight_dist : DataFrame
        :func:`weight_distributions` per cluster (of ``reference_labels``) and, when labelled,
        per genre.
    slices : DataFrame or None
        :func:`degradation_slices` (synthetic ground truth only).
    coverage : dict
        Track counts: ``n_tracks``, ``n_dropped``, ``n_without_lyrics``, ``n_without_audio``,
        ``subsample_size``.
    rule_counts : dict
        Tracks each rule fired on (all kept tracks).
    notes : list of str
        Plain statements every output repeats (labels or not, oracle, seeds, single modality).
    warnings : list of str
        Distinct warnings raised while clustering (e.g. collapsed clusters).
    """

    config: ExperimentConfig
    conditions: tuple
    condition_info: dict
    scores: pd.DataFrame
    summary: pd.DataFrame
    tests: pd.DataFrame
    best_static: dict
    oracle: bool
    labelled: bool
    metrics: tuple
    test_metrics: tuple
    primary_metric: str
    n_clusters: int
    n_clusters_rule: str
    weights: np.ndarray
    reference_labels: np.ndarray
    weight_dist: pd.DataFrame
    slices: Optional[pd.DataFrame]
    coverage: dict
    rule_counts: dict
    notes: list
    warnings: list = field(default_factory=list)
    space: str = REFERENCE_SPACE

    @property
    def best_static_weight(self) -> float:
        """The headline best static weight (by :attr:`primary_metric`)."""
        return self.best_static[self.primary_metric]

    def mean(self, condition: str, metric: str) -> float:
        row = self.summary[(self.summary.condition == condition) & (self.summary.metric == metric)]
        return float(row["mean"].iloc[0]) if len(row) else math.nan

    def values(self, condition: str, metric: str) -> np.ndarray:
        """Per-seed values, in seed order."""
        s = self.scores
        rows = s[(s.condition == condition) & (s.metric == metric)].sort_values("seed")
        return rows["value"].to_numpy(np.float64)

    def table(self, metrics: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Condition x metric table of ``"mean ± std [ci_low, ci_high]"`` strings; the best static
        row (by the primary metric) is marked "(oracle best static)"."""
        metrics = list(self.metrics if metrics is None else metrics)
        out = {}
        best_name = _static_name(self.best_static_weight)
        for c in self.conditions:
            row = {}
            for m in metrics:
                s = self.summary[(self.summary.condition == c) & (self.summary.metric == m)]
                if not len(s):
                    continue
                r = s.iloc[0]
                row[m] = _fmt_stat(r["mean"], r["std"], r["ci_low"], r["ci_high"])
            label = c + ("  *oracle best static*" if c == best_name and self.oracle
                         else "  *best static (post hoc)*" if c == best_name else "")
            out[label] = row
        return pd.DataFrame.from_dict(out, orient="index")


def _static_name(w: float) -> str:
    if w is None or (isinstance(w, float) and math.isnan(w)):
        return ""
    return f"static_{w:.1f}" if round(w, 1) == w else f"static_{w:g}"


def _fmt_stat(mean, std, lo, hi) -> str:
    def f(x):
        return "nan" if x is None or not np.isfinite(x) else (
            f"{x:.3f}" if abs(x) < 100 else f"{x:.1f}")
    return f"{f(mean)} ± {f(std)} [{f(lo)}, {f(hi)}]"


def run_ablation(prepared: Prepared, config: Optional[ExperimentConfig] = None, labels=None,
                 progress: Optional[ProgressCallback] = None, *,
                 ground_truth: Optional[pd.DataFrame] = None) -> AblationResult:
    """Every condition x every seed, with summaries, paired tests and weight distributions.

    Parameters
    ----------
    prepared : Prepared
    config : ExperimentConfig, optional
        Default ``prepared.config`` (its embedding width must match the prepared one).
    labels : (n,) or None
        Genres for external metrics and per-genre distributions; None: internal metrics only.
    progress : callable(done, total, message), optional
        Counts clusterings.
    ground_truth : DataFrame, optional
        The synthetic generator's truth (``Dataset.ground_truth``); evaluation only: the
        degradation slices. Never passed to rules, fusion or clustering.

    Returns
    -------
    AblationResult
    """
    config = prepared.config if config is None else config
    check_param("run_ablation", "config", type(config).__name__, "an ExperimentConfig",
                isinstance(config, ExperimentConfig))
    if config is not prepared.config:
        prepared = prepared.with_config(config)
    lab = prepared.align(labels)
    labelled = lab is not None
    k, k_rule = resolve_n_clusters(prepared, lab, config)
    m_sub = len(prepared.subset(config.seeds[0]).idx)
    if k > m_sub:
        raise ParameterError(
            f"The 'n_clusters' parameter of run_ablation must be at most the number of tracks each "
            f"seed clusters (n_tracks={m_sub}, subsample={config.subsample:g}). Got n_clusters={k} "
            "instead.")

    rule_result = dynamic_weights(prepared, config.ruleset)
    w_dyn = np.asarray(rule_result.weights, np.float32)
    conds = _condition_list(config)
    total = len(conds) * len(config.seeds) + 1
    done = 0
    rows, runs_by_cond, all_warnings = [], {}, set()
    for seed in config.seeds:
        for name, kind, w in conds:
            if kind in ("audio_only", "lyrics_only"):
                run = _run(prepared, "audio" if kind == "audio_only" else "lyrics", None, seed, k,
                           config)
            else:
                weights = w_dyn if kind == "dynamic" else np.full(prepared.n_tracks, w, np.float32)
                run = _run(prepared, "weights", weights, seed, k, config)
            all_warnings.update(run.warnings)
            runs_by_cond.setdefault(name, []).append(run)
            for metric, value in _score(prepared, run, seed, lab).items():
                rows.append({"condition": name, "kind": kind, "static_weight": w, "seed": seed,
                             "metric": metric, "value": float(value)})
            done += 1
            report(progress, done, total, f"seed {seed} {name}")
    scores = pd.DataFrame(rows, columns=["condition", "kind", "static_weight", "seed", "metric",
                                         "value"])
    quality = (EXTERNAL_METRICS if labelled else ()) + INTERNAL_METRICS
    summary = summarize(scores)
    test_metrics = EXTERNAL_METRICS if labelled else INTERNAL_METRICS
    primary = "nmi" if labelled else "silhouette"

    # best static per metric (oracle when chosen with labels) and the paired tests
    statics = [(name, w) for name, kind, w in conds if kind == "static"]
    best_static = {}
    for m in quality:
        means = {w: float(summary[(summary.condition == n) & (summary.metric == m)]["mean"].iloc[0])
                 for n, w in statics}
        best_static[m] = _best(means, m)
    dyn = {m: _vals(scores, "dynamic", m) for m in quality}
    tests = []
    for m in test_metrics:
        comps = [("best static", best_static[m], True)]
        if any(abs(w - 0.5) < 1e-9 for _, w in statics):
            comps.append(("static 0.5", 0.5, False))
        for label, w, is_best in comps:
            if not np.isfinite(w):
                continue
            other = _static_name(w)
            res = paired_test(dyn[m], _vals(scores, other, m), m)
            tests.append({"metric": m, "comparison": f"dynamic vs {label}", "other": other,
                          "other_weight": w, "oracle": bool(is_best and labelled),
                          "selected_post_hoc": bool(is_best), **res})
    tests = pd.DataFrame(tests)

    # the reference run on every track: per-cluster weight distributions
    ref = _run(prepared, "weights", w_dyn, config.seeds[0], k, config, full=True)
    all_warnings.update(ref.warnings)
    report(progress, total, total, "reference run")
    w_eff = ref.w_eff
    dist = [weight_distributions(w_eff, ref.labels, "cluster")]
    if labelled:
        dist.append(weight_distributions(w_eff, lab.astype(str), "genre"))
    weight_dist = pd.concat(dist, ignore_index=True)

    slices = degradation_slices(prepared, {c: runs_by_cond[c] for c in (
        "dynamic", "static_0.5", _static_name(best_static[primary]), "audio_only", "lyrics_only")
        if c in runs_by_cond}, lab, ground_truth) if labelled else None

    coverage = {"n_tracks": prepared.n_tracks, "n_dropped": prepared.n_dropped,
                "n_without_lyrics": prepared.n_without_lyrics,
                "n_without_audio": prepared.n_without_audio, "subsample_size": m_sub,
                "n_seeds": len(config.seeds)}
    notes = _notes(labelled, config, coverage, k, k_rule, prepared.has_lyrics)
    info = {}
    for name, kind, w in conds:
        info[name] = {"kind": kind, "weight": w, "description": _describe_condition(kind, w)}
    from core.rules import rule_counts

    return AblationResult(
        config=config, conditions=tuple(c[0] for c in conds), condition_info=info, scores=scores,
        summary=summary, tests=tests, best_static=best_static, oracle=labelled, labelled=labelled,
        metrics=quality, test_metrics=test_metrics, primary_metric=primary, n_clusters=k,
        n_clusters_rule=k_rule, weights=effective_weights(prepared.embeddings, w_dyn),
        reference_labels=ref.labels, weight_dist=weight_dist, slices=slices, coverage=coverage,
        rule_counts=rule_counts(rule_result), notes=notes, warnings=sorted(all_warnings))


def _vals(scores: pd.DataFrame, condition: str, metric: str) -> np.ndarray:
    rows = scores[(scores.condition == condition) & (scores.metric == metric)].sort_values("seed")
    return rows["value"].to_numpy(np.float64)


def _describe_condition(kind: str, w) -> str:
    if kind == "audio_only":
        return ("audio representation only; tracks without usable audio form one group of their "
                "own (never given their lyrics); the others are clustered into k - 1 clusters")
    if kind == "lyrics_only":
        return ("lyrics representation only; tracks without usable lyrics (instrumentals, missing "
                "lyrics) form one group of their own (never given audio); the others are "
                "clustered into k - 1 clusters")
    if kind == "static":
        return (f"audio weight {w:g} for every track with both modalities (a track with one "
                "usable modality uses it)")
    return "per-track audio weights from the rules (indicators only)"


def _notes(labelled, config, coverage, k, k_rule, has_lyrics) -> list:
    notes = []
    if labelled:
        notes.append("labelled: external metrics (NMI, ARI, AMI, V-measure, purity, accuracy) "
                     "and internal metrics in the reference space")
        notes.append("ORACLE: the best static weight is chosen per metric by looking at the "
                     "scores, i.e. with the labels; no unsupervised user could pick it")
    else:
        notes.append(_NO_LABELS + "; the best static weight is chosen post hoc on the same "
                     "internal metric (an optimistic choice)")
    notes.append(f"k = {k} clusters for every condition ({k_rule})")
    sub = ("every track" if config.subsample >= 1.0 else
           f"a random {config.subsample:.0%} subsample of the tracks "
           f"({coverage['subsample_size']} of {coverage['n_tracks']}), drawn without labels")
    notes.append(f"{len(config.seeds)} seeds; a seed sets the clustering initialisation "
                 f"(k-means++ seeding, {config.n_init} restart(s) for k-means) and {sub}; every "
                 "condition sees the same seeds (paired)")
    notes.append("95 % intervals: t-based over seeds (mean ± t(0.975, n-1)·std/√n); paired "
                 "test: two-sided Wilcoxon signed-rank, zero differences dropped, "
                 "all-zero differences reported as p = 1 (identical)")
    notes.append(f"lyrics-only: {coverage['n_without_lyrics']} of {coverage['n_tracks']} tracks "
                 "have no usable lyrics and form one 'no lyrics' group (not given audio); "
                 f"audio-only: {coverage['n_without_audio']} tracks have no usable audio and form "
                 "one 'no audio' group")
    if not has_lyrics:
        notes.append("no lyrics in this dataset: every weighting reduces to audio only")
    if coverage["n_dropped"]:
        notes.append(f"{coverage['n_dropped']} tracks with neither usable audio nor lyrics were "
                     "left out")
    notes.append("internal metrics are computed in one fixed space: " + REFERENCE_SPACE)
    return notes


# ----------------------------------------------------------------------------------------------
# Rule-set helpers, auto-tune, evaluation of rule sets
# ----------------------------------------------------------------------------------------------
def _threshold_keys(ruleset: RuleSet) -> tuple:
    return tuple(ruleset.rule_names) + _RULESET_THRESHOLDS


def _set_threshold(ruleset: RuleSet, key: str, value: float) -> RuleSet:
    if key in ruleset.rule_names:
        return ruleset.replace_rule(key, threshold=float(value))
    return ruleset.with_changes(**{key: float(value)})


def _get_threshold(ruleset: RuleSet, key: str) -> float:
    if key in ruleset.rule_names:
        return float(ruleset.get_rule(key).threshold)
    return float(getattr(ruleset, key))


def _check_key(owner: str, name: str, ruleset: RuleSet, key) -> None:
    keys = _threshold_keys(ruleset)
    check_param(owner, name, key, "a soft-rule name of the rule set or one of "
                + ", ".join(map(repr, _RULESET_THRESHOLDS)) + f" (rules: {list(ruleset.rule_names)})",
                isinstance(key, str) and key in keys)


def _check_values(owner: str, name: str, values) -> tuple:
    ok = isinstance(values, (tuple, list, np.ndarray, range)) and len(values) > 0 and all(
        _is_real(float(v)) for v in values)
    check_param(owner, name, values, "a non-empty sequence of finite numbers", ok)
    return tuple(float(v) for v in values)


def _stability(partitions: list) -> float:
    """Mean pairwise ARI between partitions ``(idx, labels)`` on the tracks two subsamples share."""
    from sklearn.metrics import adjusted_rand_score

    vals = []
    for i in range(len(partitions)):
        for j in range(i + 1, len(partitions)):
            ia, la = partitions[i]
            ib, lb = partitions[j]
            common, pa, pb = np.intersect1d(ia, ib, assume_unique=True, return_indices=True)
            if len(common) >= 3:
                vals.append(adjusted_rand_score(la[pa], lb[pb]))
    return float(np.mean(vals)) if vals else math.nan


@dataclass(eq=False)
class AutotuneResult:
    """What :func:`autotune` found (labels never involved).

    Attributes
    ----------
    best : RuleSet
        The rule set of the grid with the best criterion (ties and near-ties: the one closest to
        the default).
    default : RuleSet
        The rule set the grid was built around.
    table : DataFrame
        One row per grid point: the swept thresholds, ``stability`` (mean pairwise ARI between
        seeds), ``silhouette`` (mean over seeds, reference space), ``score`` (the criterion),
        ``n_changed`` (thresholds differing from the default), ``mean_weight``, ``is_default``,
        ``is_best``.
    criterion : str
    keys : tuple of str
        The swept thresholds.
    tolerance : float
        Scores within this of the best count as ties.
    description : str
        The criterion and the tie rule in words.
    """

    best: RuleSet
    default: RuleSet
    table: pd.DataFrame
    criterion: str
    keys: tuple
    tolerance: float
    description: str
    n_clusters: int = 0

    @property
    def best_thresholds(self) -> dict:
        return {k: _get_threshold(self.best, k) for k in self.keys}

    @property
    def default_thresholds(self) -> dict:
        return {k: _get_threshold(self.default, k) for k in self.keys}


_CRITERIA = ("stability", "silhouette")


def autotune(prepared: Prepared, ruleset: RuleSet = DEFAULT_RULES, grid: Optional[Mapping] = None,
             *, criterion: str = "stability", seeds: Optional[Sequence[int]] = None,
             n_clusters: Optional[int] = None, tolerance: float = 0.005,
             progress: Optional[ProgressCallback] = None) -> AutotuneResult:
    """Unsupervised threshold auto-tune over a small grid; never touches labels.

    Each grid point is a copy of ``ruleset`` with the swept thresholds set; its dynamic weights
    are clustered once per seed (the seed's subsample and initialisation, as in the ablation).

    Criterion (``criterion``):

    ``"stability"`` (default)
        Mean pairwise adjusted Rand index between the partitions of different seeds, on the
        tracks their subsamples share. A weighting that exposes real structure yields the same
        partition whatever the subsample and initialisation; one that mixes the modalities badly
        gives partitions that depend on chance. It scores the partitions themselves, in no
        particular space, so it does not favour any weight value by construction.
    ``"silhouette"``
        Mean silhouette over seeds in the fixed reference space. Reported for every grid point
        either way, but not the default criterion: the reference space is the equal-weight
        (w = 0.5) fusion, so it leans toward weightings close to 0.5.

    Ties: every grid point scoring within ``tolerance`` of the best counts as tied, and the tie
    goes to the point closest to ``ruleset`` (fewest changed thresholds, then the smallest
    relative change); so the defaults are kept unless the data clearly prefer another point.

    Parameters
    ----------
    prepared : Prepared
    ruleset : RuleSet
        The starting (default) rule set.
    grid : mapping str -> sequence of float, optional
        Threshold name (a soft rule of ``ruleset``, or "voice_floor", "audio_quality_floor",
        "base_weight") -> values. Default :data:`DEFAULT_AUTOTUNE_GRID` (27 points).
    criterion : {"stability", "silhouette"}
    seeds : sequence of int, optional
        Default ``prepared.config.seeds`` (at least 2 for stability).
    n_clusters : int, optional
        Default ``prepared.config.n_clusters``, else :func:`choose_n_clusters` (unsupervised).
    tolerance : float >= 0
    progress : callable(done, total, message), optional

    Returns
    -------
    AutotuneResult
    """
    own = "autotune"
    check_param(own, "ruleset", type(ruleset).__name__, "a RuleSet", isinstance(ruleset, RuleSet))
    check_param(own, "criterion", criterion, f"one of {_CRITERIA}", criterion in _CRITERIA)
    check_param(own, "tolerance", tolerance, "a float >= 0", _is_real(tolerance) and tolerance >= 0)
    grid = dict(DEFAULT_AUTOTUNE_GRID if grid is None else grid)
    check_param(own, "grid", grid, "a non-empty mapping of threshold name -> values",
                isinstance(grid, dict) and len(grid) > 0)
    for key, values in grid.items():
        _check_key(own, "grid", ruleset, key)
        grid[key] = _check_values(own, "grid", values)
    config = prepared.config
    seeds = tuple(config.seeds if seeds is None else seeds)
    check_param(own, "seeds", seeds, "a sequence of at least 2 distinct ints >= 0",
                len(seeds) >= 2 and len(set(seeds)) == len(seeds)
                and all(_is_int(s) and s >= 0 for s in seeds))
    if n_clusters is None:
        n_clusters = config.n_clusters if config.n_clusters is not None else \
            choose_n_clusters(prepared, seed=seeds[0])
    check_param(own, "n_clusters", n_clusters, "an int >= 2", _is_int(n_clusters) and n_clusters >= 2)

    keys = tuple(grid)
    default_vals = {k: _get_threshold(ruleset, k) for k in keys}
    points = [dict(zip(keys, combo)) for combo in _product([grid[k] for k in keys])]
    if not any(all(abs(p[k] - default_vals[k]) < 1e-12 for k in keys) for p in points):
        points.append(dict(default_vals))
    total = len(points)
    cache: dict = {}
    rows = []
    for i, point in enumerate(points):
        rs = ruleset
        for key, value in point.items():
            rs = _set_threshold(rs, key, value)
        w = np.asarray(apply_rules(prepared.indicators, rs).weights, np.float32)
        digest = hashlib.sha1(w.tobytes()).hexdigest()
        if digest not in cache:
            parts, sils = [], []
            for seed in seeds:
                run = _run(prepared, "weights", w, seed, int(n_clusters), config)
                parts.append((run.idx, run.labels))
                sils.append(prepared.subset(seed).internal(run.labels)["silhouette"])
            cache[digest] = (_stability(parts), float(np.nanmean(sils)) if len(sils) else math.nan)
        stab, sil = cache[digest]
        changed = [k for k in keys if abs(point[k] - default_vals[k]) > 1e-12]
        rel = sum(abs(point[k] - default_vals[k]) / max(abs(default_vals[k]), 1e-9) for k in keys)
        rows.append({**point, "stability": stab, "silhouette": sil,
                     "score": stab if criterion == "stability" else sil,
                     "n_changed": len(changed), "relative_change": rel,
                     "mean_weight": float(w.mean()), "is_default": not changed,
                     "ruleset": rs})
        report(progress, i + 1, total, "auto-tune " + ", ".join(f"{k}={v:g}" for k, v in point.items()))
    table = pd.DataFrame(rows)
    finite = table["score"].replace([np.inf, -np.inf], np.nan)
    best_score = float(finite.max())
    tied = table[finite >= best_score - tolerance] if np.isfinite(best_score) else table[table.is_default]
    pick = tied.sort_values(["n_changed", "relative_change", "score"],
                            ascending=[True, True, False]).index[0]
    table["is_best"] = False
    table.loc[pick, "is_best"] = True
    best = table.loc[pick, "ruleset"]
    table = table.drop(columns=["ruleset"])
    desc = (f"criterion: {criterion} ("
            + ("mean pairwise ARI between the partitions of different seeds on shared tracks"
               if criterion == "stability" else "mean silhouette in the reference space")
            + f"), {len(seeds)} seeds, k = {n_clusters}; grid points within {tolerance:g} of the "
              "best count as ties and the tie goes to the point closest to the defaults; "
              "labels are never used")
    return AutotuneResult(best=best, default=ruleset, table=table, criterion=criterion, keys=keys,
                          tolerance=float(tolerance), description=desc, n_clusters=int(n_clusters))


def _product(lists):
    import itertools

    return itertools.product(*lists)


def evaluate_rulesets(prepared: Prepared, rulesets: Mapping[str, RuleSet],
                      seeds: Optional[Sequence[int]] = None, labels=None,
                      n_clusters: Optional[int] = None) -> pd.DataFrame:
    """Evaluation (labels allowed here): each rule set's dynamic condition over seeds, summarised.

    Used to say, after the fact, what the labels think of the auto-tuned rules versus the
    defaults. Returns :func:`summarize`-shaped rows with a ``ruleset`` column instead of
    ``condition``.
    """
    seeds = tuple(prepared.config.seeds if seeds is None else seeds)
    lab = prepared.align(labels)
    if n_clusters is None:
        n_clusters, _ = resolve_n_clusters(prepared, lab)
    rows = []
    for name, rs in rulesets.items():
        w = np.asarray(apply_rules(prepared.indicators, rs).weights, np.float32)
        for seed in seeds:
            run = _run(prepared, "weights", w, seed, int(n_clusters), prepared.config)
            for metric, value in _score(prepared, run, seed, lab).items():
                rows.append({"condition": name, "seed": seed, "metric": metric, "value": value})
    tidy = pd.DataFrame(rows)
    keep = (EXTERNAL_METRICS if lab is not None else ()) + INTERNAL_METRICS
    out = summarize(tidy[tidy.metric.isin(keep)]).rename(columns={"condition": "ruleset"})
    return out


# ----------------------------------------------------------------------------------------------
# Sensitivity grid
# ----------------------------------------------------------------------------------------------
def sensitivity_grid(prepared: Prepared, ruleset: RuleSet, rule_a: str, rule_b: str, values_a,
                     values_b, metric: str = "silhouette", seed: int = 0, labels=None, *,
                     n_clusters: Optional[int] = None) -> pd.DataFrame:
    """A metric over a 2-D grid of two thresholds, for a heatmap.

    Every cell sets the two thresholds on ``ruleset``, recomputes the weights and clusters ALL
    prepared tracks (no subsample) with ``seed``. Fast by reuse: one prepared state, weights
    that repeat are scored once, and k-means is warm-started (one Lloyd run, no restarts) from
    the centres of an anchor clustering of ``ruleset`` itself, so every cell starts from the
    same place and the grid does not depend on the order cells are visited.

    Parameters
    ----------
    prepared : Prepared
    ruleset : RuleSet
    rule_a, rule_b : str
        Soft-rule names of ``ruleset`` (their thresholds move), or "voice_floor",
        "audio_quality_floor", "base_weight". Must differ.
    values_a, values_b : sequence of float
        Threshold values (rows, columns).
    metric : str
        An internal metric, or an external one (then ``labels`` are required), or
        "mean_weight" (the mean audio weight: no clustering needed).
    seed : int
    labels : (n,), optional
    n_clusters : int, optional
        Default: as :func:`resolve_n_clusters`.

    Returns
    -------
    DataFrame (len(values_a), len(values_b))
        Index named ``rule_a`` (values_a), columns named ``rule_b`` (values_b); ``attrs`` holds
        ``metric``, ``seed``, ``n_clusters`` and ``distinct_weightings``.
    """
    own = "sensitivity_grid"
    check_param(own, "ruleset", type(ruleset).__name__, "a RuleSet", isinstance(ruleset, RuleSet))
    _check_key(own, "rule_a", ruleset, rule_a)
    _check_key(own, "rule_b", ruleset, rule_b)
    check_param(own, "rule_b", rule_b, f"different from rule_a ({rule_a!r})", rule_b != rule_a)
    va = _check_values(own, "values_a", values_a)
    vb = _check_values(own, "values_b", values_b)
    allowed = EXTERNAL_METRICS + INTERNAL_METRICS + ("mean_weight",)
    check_param(own, "metric", metric, f"one of {allowed}", metric in allowed)
    check_param(own, "seed", seed, "an int in [0, 2**32)", _is_int(seed) and 0 <= seed < 2**32)
    lab = prepared.align(labels)
    if metric in EXTERNAL_METRICS:
        check_param(own, "labels", None, f"labels (metric {metric!r} is external)", lab is not None)
    config = prepared.config
    k = int(n_clusters) if n_clusters is not None else resolve_n_clusters(prepared, lab)[0]
    emb = prepared.embeddings
    anchor_w = np.asarray(apply_rules(prepared.indicators, ruleset).weights, np.float32)
    init = None
    if metric != "mean_weight" and config.algorithm == "kmeans":
        anchor, _ = _cluster_call(emb, anchor_w, k, seed, config)
        init = anchor.centers
    ext = prepared.external_scorer(lab, None) if lab is not None else None
    out = np.full((len(va), len(vb)), np.nan)
    cache: dict = {}
    for i, a in enumerate(va):
        rs_a = _set_threshold(ruleset, rule_a, a)
        for j, b in enumerate(vb):
            rs = _set_threshold(rs_a, rule_b, b)
            w = np.asarray(apply_rules(prepared.indicators, rs).weights, np.float32)
            if metric == "mean_weight":
                out[i, j] = float(effective_weights(emb, w).mean())
                continue
            key = hashlib.sha1(w.tobytes()).hexdigest()
            if key not in cache:
                if init is not None:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        res = cluster(emb, w, algorithm="kmeans", n_clusters=k, seed=seed,
                                      fusion=config.fusion, init=init)
                else:
                    res, _ = _cluster_call(emb, w, k, seed, config)
                with hot_path():
                    if metric in EXTERNAL_METRICS:
                        cache[key] = float(ext(res.labels)[metric])
                    else:
                        cache[key] = float(prepared.internal(res.labels)[metric])
            out[i, j] = cache[key]
    df = pd.DataFrame(out, index=pd.Index(va, name=rule_a), columns=pd.Index(vb, name=rule_b))
    df.attrs.update(metric=metric, seed=int(seed), n_clusters=k,
                    distinct_weightings=len(cache) if metric != "mean_weight" else None)
    return df


# ----------------------------------------------------------------------------------------------
# Per-track table (export, dashboard download)
# ----------------------------------------------------------------------------------------------
def track_table(prepared: Prepared, seed: Optional[int] = None, labels=None,
                ruleset: Optional[RuleSet] = None, *, n_clusters: Optional[int] = None) -> pd.DataFrame:
    """Per-track weights, rule traces, indicators and the dynamic condition's clusters.

    The dynamic condition is clustered on ALL prepared tracks with ``seed`` (default: the
    config's first seed). Labels, when given, only fill the ``genre`` column and set ``k``.

    Returns
    -------
    DataFrame, one row per prepared track
        ``track_id``, ``genre`` (if labels), ``cluster``, ``audio_weight`` (the rules' weight),
        ``lyrics_weight``, ``fusion_audio_weight`` (after the fusion enforced missing
        modalities), ``decided_by`` (hard rule or ""), ``fired`` (rules that fired, ";"-joined),
        ``flagged``, ``audio_ok``, ``lyrics_ok``, ``trace_<column>`` (contributions summing to
        ``audio_weight``), ``ind_<indicator>`` (indicator values, NaN where unknown).
    """
    config = prepared.config
    seed = config.seeds[0] if seed is None else seed
    check_param("track_table", "seed", seed, "an int in [0, 2**32)", _is_int(seed) and 0 <= seed < 2**32)
    rr = dynamic_weights(prepared, ruleset)
    lab = prepared.align(labels)
    k = int(n_clusters) if n_clusters is not None else resolve_n_clusters(prepared, lab)[0]
    w = np.asarray(rr.weights, np.float32)
    run = _run(prepared, "weights", w, int(seed), k, config, full=True)
    data = {"track_id": list(prepared.track_ids)}
    if lab is not None:
        data["genre"] = lab.astype(str)
    data["cluster"] = run.labels
    data["audio_weight"] = w
    data["lyrics_weight"] = (1.0 - w).astype(np.float32)
    data["fusion_audio_weight"] = run.w_eff
    data["decided_by"] = rr.decided_by
    data["fired"] = [";".join(n for n, f in zip(rr.rule_names, row) if f) for row in rr.fired]
    data["flagged"] = rr.flagged
    data["audio_ok"] = prepared.embeddings.audio_ok
    data["lyrics_ok"] = prepared.embeddings.lyrics_ok
    for j, col in enumerate(rr.columns):
        data[f"trace_{col}"] = rr.trace[:, j]
    for name, values in prepared.indicators.as_dict().items():
        data[f"ind_{name}"] = values
    df = pd.DataFrame(data)
    df.attrs.update(seed=int(seed), n_clusters=k, algorithm=config.algorithm, fusion=config.fusion)
    return df
