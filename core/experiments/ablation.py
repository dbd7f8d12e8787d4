"""The multi-seed ablation: every condition x every seed, summaries, paired tests, distributions.

Pipeline position: preparation -> conditions (per seed) -> stats, slices -> **ablation** ->
report, CLI and the Ablation page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import ParameterError, check_param
from core.experiments.config import (_NO_LABELS, EXTERNAL_METRICS, INTERNAL_METRICS,
                                     ExperimentConfig, static_name)
from core.experiments.conditions import _run, _score, dynamic_weights
from core.experiments.preparation import Prepared, resolve_n_clusters
from core.experiments.slices import degradation_slices, weight_distributions
from core.experiments.stats import _best, paired_test, summarize
from core.fusion import effective_weights
from core.metrics import REFERENCE_SPACE
from core.progress import ProgressCallback, report


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
            other = static_name(w)
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
        "dynamic", "static_0.5", static_name(best_static[primary]), "audio_only", "lyrics_only")
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
