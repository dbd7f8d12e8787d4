"""The interactive loop behind every slider: rules -> weights -> fusion -> clustering -> metrics.

:class:`InteractiveLoop` holds what does not change while sliders move (the
:class:`~core.experiments.Prepared` state: embeddings, indicators, reference space, scorers) plus
what makes the next move cheap: the previous k-means centres for each (algorithm, fusion, k, seed),
so k-means warm-starts and clusters keep their identity as a threshold moves, and one reused
buffer for the fused matrix. Each :meth:`InteractiveLoop.run` clusters every prepared track (no
subsample: what is drawn is what is scored).

The live metric table compares like with like: every row (dynamic, audio only, lyrics only,
static 0.5) is clustered by one protocol (:meth:`InteractiveLoop.table_config`: every track,
k-means++ from the seed with :data:`COLD_N_INIT` restarts, no warm start). The baselines do not
depend on the rules and are computed once per clustering setting; the dynamic row once per
weighting. The drawn map keeps its warm start (cluster identity follows the slider).
"""

from __future__ import annotations

import hashlib
import time
import warnings
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd

from core.clustering import ALGORITHM_FUSIONS, cluster
from core.experiments import (EXTERNAL_METRICS, INTERNAL_METRICS, ExperimentConfig, Prepared,
                              run_condition)
from core.fusion import effective_weights, hot_path
from core.metrics import ExternalScorer
from core.rules import RuleResult, RuleSet, apply_rules


#: k-means restarts on a cold start (no previous centres); warm starts use one.
COLD_N_INIT = 5
#: Above this many tracks the live metric table clusters each row with one k-means++ start, not
#: :data:`COLD_N_INIT`: at 100,000 tracks five restarts took 1.4 s (p50) per slider move
#: (``bench/features_scale.py``), and with that many points one start varies little between seeds.
BIG_TABLE_TRACKS = 20_000


@dataclass(eq=False)
class LoopResult:
    """One pass of the loop, rows in ``track_ids`` order (the prepared tracks).

    Attributes
    ----------
    rules : RuleResult
        Weights, trace and fired rules (see :mod:`core.rules`).
    weights : float32 (n,)
        Audio weight per track as the rules set it, in [0, 1]; the lyrics weight is 1 - weight.
    effective : float32 (n,)
        The weight fusion used (a track without lyrics is forced to 1, without audio to 0).
    labels : int64 (n,)
        Cluster per track (-1: HDBSCAN noise).
    centers : array or None
        k-means centres, the next warm start.
    metrics : dict
        External metrics (when labelled) and internal metrics in the reference space.
    warnings : list of str
        What the clusterer reported (collapsed clusters, disconnected graphs, ...).
    n_clusters : int
        Requested number of clusters.
    timings_ms : dict
        Milliseconds per stage: rules, clustering (fusion included), metrics, total.
    """

    track_ids: tuple
    rules: RuleResult
    weights: np.ndarray
    effective: np.ndarray
    labels: np.ndarray
    centers: Optional[np.ndarray]
    metrics: dict
    warnings: list
    n_clusters: int
    timings_ms: dict = field(default_factory=dict)


class InteractiveLoop:
    """Reusable state for many loop passes over one prepared dataset.

    Parameters
    ----------
    prepared : Prepared
        From :func:`core.experiments.prepare`.
    labels : array (n_feature_rows,) or (n_prepared,), optional
        Genre labels for external metrics only; the rules never see them.
    """

    def __init__(self, prepared: Prepared, labels=None):
        self.prepared = prepared
        self.labels = prepared.align(labels) if labels is not None else None
        self._external = ExternalScorer(self.labels) if self.labels is not None else None
        self._centers: dict = {}
        self._out: Optional[np.ndarray] = None
        self._baselines: dict = {}
        self._dynamic_rows: dict = {}

    @property
    def labelled(self) -> bool:
        return self.labels is not None

    def run(self, ruleset: RuleSet, algorithm: str = "kmeans", fusion: str = "concat",
            n_clusters: int = 8, seed: int = 0, warm_start: bool = True) -> LoopResult:
        """Weights from ``ruleset``, then cluster and score every prepared track."""
        t0 = time.perf_counter()
        emb = self.prepared.embeddings
        rules = apply_rules(self.prepared.indicators, ruleset)
        w = np.asarray(rules.weights, np.float32)
        t1 = time.perf_counter()
        key = (algorithm, fusion, int(n_clusters), int(seed))
        init = self._centers.get(key) if warm_start and algorithm in ("kmeans",) else None
        if fusion in ("concat", "weighted") and (self._out is None or self._out.shape[0] != emb.audio.shape[0]):
            self._out = np.empty((emb.audio.shape[0], emb.audio.shape[1] + emb.lyrics.shape[1]), np.float32)
        options = {}
        if algorithm == "kmeans":  # a cold start tries a few seeds; warm starts follow the previous centres
            options["n_init"] = 1 if init is not None else COLD_N_INIT
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = cluster(emb, w, algorithm=algorithm, n_clusters=int(n_clusters), seed=int(seed),
                          fusion=fusion, init=init,
                          out=self._out if fusion in ("concat", "weighted") else None, **options)
        if res.centers is not None:
            self._centers[key] = np.array(res.centers, copy=True)
        t2 = time.perf_counter()
        with hot_path():
            metrics = {}
            if self._external is not None:
                ext = self._external(res.labels)
                metrics.update({m: float(ext[m]) for m in EXTERNAL_METRICS})
            ints = self.prepared.internal(res.labels)
            metrics.update({m: float(ints[m]) for m in INTERNAL_METRICS})
        t3 = time.perf_counter()
        messages = sorted({str(c.message) for c in caught} | set(res.warnings))
        return LoopResult(
            track_ids=self.prepared.track_ids, rules=rules, weights=w,
            effective=effective_weights(emb, w), labels=np.asarray(res.labels, np.int64),
            centers=res.centers, metrics=metrics, warnings=messages, n_clusters=int(n_clusters),
            timings_ms={"rules": (t1 - t0) * 1e3, "clustering": (t2 - t1) * 1e3,
                        "metrics": (t3 - t2) * 1e3, "total": (t3 - t0) * 1e3})

    def reseed(self) -> None:
        """Forget the warm-start centres (a warm start can stick in a poor local optimum)."""
        self._centers.clear()

    def table_config(self, algorithm: str = "kmeans", fusion: str = "concat",
                     n_clusters: int = 8) -> ExperimentConfig:
        """The one clustering protocol of every row of the live metric table.

        Every prepared track (no subsample), k-means++ seeded by the sidebar seed with
        :data:`COLD_N_INIT` restarts (lowest inertia wins; one above :data:`BIG_TABLE_TRACKS`
        tracks), never warm-started: the rows differ only in their weights, and no row depends on
        the slider history.
        """
        n_init = COLD_N_INIT if self.prepared.n_tracks <= BIG_TABLE_TRACKS else 1
        return self.prepared.config.with_changes(
            algorithm=algorithm, fusion=fusion if fusion in ALGORITHM_FUSIONS[algorithm] else "concat",
            n_clusters=max(2, int(n_clusters)), subsample=1.0, n_init=n_init)

    def baselines(self, algorithm: str = "kmeans", fusion: str = "concat", n_clusters: int = 8,
                  seed: int = 0) -> dict:
        """Metrics of audio only, lyrics only and static 0.5 for this clustering setting (cached).

        Uses :func:`core.experiments.run_condition` on every track (no subsample) with
        :meth:`table_config`, so the numbers match the ablation's definitions of those conditions
        and are clustered exactly like the table's dynamic row.
        """
        key = (algorithm, fusion, int(n_clusters), int(seed))
        if key not in self._baselines:
            config = self.table_config(algorithm, fusion, n_clusters)
            out = {}
            for name, weights in (("audio only", "audio_only"), ("lyrics only", "lyrics_only"),
                                  ("static 0.5", 0.5)):
                if name == "lyrics only" and not self.prepared.has_lyrics:
                    continue
                out[name] = run_condition(self.prepared, weights, int(seed), self.labels, config=config)
            self._baselines[key] = out
        return self._baselines[key]

    def has_baselines(self, algorithm: str = "kmeans", fusion: str = "concat", n_clusters: int = 8,
                      seed: int = 0) -> bool:
        """True when :meth:`baselines` of this clustering setting are computed already (a cheap call)."""
        return (algorithm, fusion, int(n_clusters), int(seed)) in self._baselines

    def table_dynamic(self, weights, algorithm: str, fusion: str, n_clusters: int, seed: int) -> dict:
        """Metrics of the rules' weights clustered by :meth:`table_config` (cached per weighting).

        The map shows the warm-started clustering (it follows the previous one as a slider moves);
        the table's dynamic row is clustered afresh like every baseline row, so a comparison
        never mixes a warm start with cold restarts.
        """
        w = np.asarray(weights, np.float32)
        key = (hashlib.sha1(w.tobytes()).hexdigest(), algorithm, fusion, int(n_clusters), int(seed))
        hit = self._dynamic_rows.get(key)
        if hit is None:
            if len(self._dynamic_rows) > 64:
                self._dynamic_rows.clear()
            config = self.table_config(algorithm, fusion, n_clusters)
            hit = self._dynamic_rows[key] = run_condition(self.prepared, w, int(seed), self.labels,
                                                          config=config)
        return hit

    def comparison_table(self, result: LoopResult, algorithm: str, fusion: str, seed: int) -> pd.DataFrame:
        """Rows: dynamic (this result's weights) beside audio only, lyrics only and static 0.5.

        Every row is clustered the same way (:meth:`table_config`: every track, k-means++ from
        ``seed`` with :data:`COLD_N_INIT` restarts, no warm start); ``attrs`` records it.
        Columns: metrics (internal ones in :data:`core.metrics.NEUTRAL_SPACE`).
        """
        rows = {"dynamic (rules)": self.table_dynamic(result.weights, algorithm, fusion,
                                                      result.n_clusters, seed)}
        rows.update(self.baselines(algorithm, fusion, result.n_clusters, seed))
        metrics = ([m for m in EXTERNAL_METRICS] if self.labelled else []) + list(INTERNAL_METRICS)
        table = pd.DataFrame({name: {m: vals.get(m, np.nan) for m in metrics} for name, vals in rows.items()}).T
        table.index.name = "condition"
        config = self.table_config(algorithm, fusion, result.n_clusters)
        table.attrs.update(n_init=config.n_init if config.algorithm == "kmeans" else None,
                           init="k-means++ from the seed, no warm start", seed=int(seed),
                           subsample=config.subsample)
        return table


def default_experiment_config() -> ExperimentConfig:
    """The config the app prepares datasets with (embedding width and seed of the PCA)."""
    return ExperimentConfig()
