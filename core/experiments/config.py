"""What an experiment runs: metric names, default grids and the frozen :class:`ExperimentConfig`.

Pipeline position: the first module of :mod:`core.experiments`; every other module reads it.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Optional

import numpy as np

from core.clustering import ALGORITHM_FUSIONS, ALGORITHMS
from core.errors import check_param
from core.rules import DEFAULT_RULES, RuleSet

#: External metrics reported in the ablation (labels needed).
EXTERNAL_METRICS = ("nmi", "ari", "ami", "v_measure", "purity", "accuracy")
#: Internal metrics (always): the mean of each modality's own score (:class:`core.metrics.NeutralScorer`).
#: Each modality's score is also reported apart, as ``<metric>_audio`` and ``<metric>_lyrics``.
INTERNAL_METRICS = ("silhouette", "calinski_harabasz", "davies_bouldin")
#: The same, each modality apart (scores of the ablation, not its headline table).
INTERNAL_BY_MODALITY = tuple(f"{m}_{mod}" for m in INTERNAL_METRICS for mod in ("audio", "lyrics"))
#: Metrics where lower is better; every other metric is higher-is-better.
LOWER_IS_BETTER = frozenset({"davies_bouldin", "davies_bouldin_audio", "davies_bouldin_lyrics"})
#: Each metric in plain words (for readers who do not know the abbreviations; the Compare page shows them).
METRIC_MEANING = {
    "nmi": "agreement with the genres, 0 to 1 (normalised mutual information)",
    "ari": "agreement with the genres, 0 = chance, 1 = same (adjusted Rand)",
    "ami": "like NMI, corrected for chance (adjusted mutual information)",
    "v_measure": "each cluster one genre, each genre one cluster: 0 to 1",
    "purity": "share of tracks in their cluster's most common genre",
    "accuracy": "share right after matching each cluster to one genre",
    "silhouette": "tracks nearer their own cluster than the next, -1 to 1; no labels needed",
    "calinski_harabasz": "spread between clusters over spread within (higher: tighter); no labels needed",
    "davies_bouldin": "overlap with the nearest cluster (lower is better); no labels needed",
}
DEFAULT_SEEDS = tuple(range(10))
DEFAULT_STATIC_GRID = tuple(round(0.1 * i, 1) for i in range(11))
#: Fixed histogram bins of weight distributions: 10 bins over [0, 1] (the last one closed).
HIST_BINS = np.linspace(0.0, 1.0, 11)
#: The default auto-tune grid: three rule thresholds, three values each (27 rule sets): 0.3, the
#: default threshold of :data:`core.rules.DEFAULT_RULES` and 0.7 (the defaults are always a grid point).
DEFAULT_AUTOTUNE_GRID = {
    name: tuple(sorted({0.3, DEFAULT_RULES.get_rule(name).threshold, 0.7}))
    for name in ("voice_present", "poor_audio", "poor_lyrics")
}
#: RuleSet fields a grid may sweep besides soft-rule thresholds.

_NO_LABELS = "no labels: internal metrics only (silhouette, Calinski-Harabasz, Davies-Bouldin)"


def _is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))


def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_)) and math.isfinite(x)



# Configuration
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
        allowed = ALGORITHM_FUSIONS[self.algorithm]
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



def static_name(w) -> str:
    """The condition name of static audio weight ``w`` (``static_0.5``); "" for None or NaN."""
    if w is None or (isinstance(w, float) and math.isnan(w)):
        return ""
    return f"static_{w:.1f}" if round(w, 1) == w else f"static_{w:g}"
