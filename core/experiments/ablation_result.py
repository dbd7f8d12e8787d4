"""The result of one ablation: :class:`AblationResult` (every score, summary and test of one
algorithm x one fusion) and its condition x metric table of formatted statistics.

Filled by :func:`core.experiments.ablation.run_ablation`; read by the report, the CLI and the
Ablation page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from core.experiments.config import ExperimentConfig, static_name
from core.metrics import NEUTRAL_SPACE

__all__ = ["AblationResult"]


@dataclass(eq=False)
class AblationResult:
    """Everything one ablation produced (one algorithm x one fusion).

    Attributes
    ----------
    config : ExperimentConfig
    conditions : tuple of str
        The main table, in display order: audio_only, lyrics_only, static_0.0 .. static_1.0,
        dynamic, shuffled.
    condition_info : dict name -> dict
        ``kind`` ("audio_only", "lyrics_only", "static", "dynamic", "shuffled", "rule_off"),
        ``weight`` (static) and ``description``; every condition, the rule switches too.
    scores : DataFrame
        Tidy: ``condition``, ``kind``, ``static_weight``, ``seed``, ``metric``, ``value``; one
        row per condition x seed x metric.
    summary : DataFrame
        :func:`summarize` of ``scores``.
    tests : DataFrame
        One row per (metric, comparison): dynamic vs the best static weight (``oracle`` True),
        vs static 0.5 and vs its own shuffle; :func:`paired_test` fields plus ``other``,
        ``other_weight`` and ``p_holm`` (Holm over every row of this table).
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
    space : str
        Where the internal metrics were computed (:data:`core.metrics.NEUTRAL_SPACE`).
    rule_table : DataFrame
        The planned per-rule ablation (:func:`core.experiments.controls.rule_ablation_table`):
        per rule and metric, full dynamic vs that rule switched off, paired, Holm-adjusted.
    rule_conditions : tuple of str
        The ``without_<rule>`` conditions (in ``scores`` and ``summary``, not in ``conditions``).
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
    space: str = NEUTRAL_SPACE
    rule_table: Optional[pd.DataFrame] = None
    rule_conditions: tuple = ()

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
        best_name = static_name(self.best_static_weight)
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


def _fmt_stat(mean, std, lo, hi) -> str:
    def f(x):
        return "nan" if x is None or not np.isfinite(x) else (
            f"{x:.3f}" if abs(x) < 100 else f"{x:.1f}")
    return f"{f(mean)} ± {f(std)} [{f(lo)}, {f(hi)}]"
