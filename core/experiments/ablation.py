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
from core.experiments.controls import (rule_ablation_table, rule_switches, shuffled_weights,
                                       without_name)
from core.experiments.stats import _best, paired_test, summarize, with_holm
from core.fusion import effective_weights
from core.metrics import NEUTRAL_SPACE
from core.progress import ProgressCallback, report
from core.rules import rule_counts


def _condition_list(config: ExperimentConfig, switches: Sequence[tuple] = ()) -> list:
    """``[(name, kind, parameter)]``: the main conditions, then one per switched-off rule."""
    out = [("audio_only", "audio_only", None), ("lyrics_only", "lyrics_only", None)]
    out += [(static_name(w), "static", w) for w in config.static_grid]
    out.append(("dynamic", "dynamic", None))
    out.append(("shuffled", "shuffled", None))
    out += [(without_name(name), "rule_off", name) for name, _, _ in switches]
    return out


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


def run_ablation(prepared: Prepared, config: Optional[ExperimentConfig] = None, labels=None,
                 progress: Optional[ProgressCallback] = None, *,
                 ground_truth: Optional[pd.DataFrame] = None) -> AblationResult:
    """Every condition x every seed, with summaries, paired tests and weight distributions.

    Conditions: audio only, lyrics only, every static weight of the grid, dynamic (the rules),
    shuffled (the dynamic weights permuted among the tracks with both modalities, per seed) and,
    planned, the rule set with each rule switched off in turn (:mod:`core.experiments.controls`).

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
    weights = _Weights.of(prepared, config.ruleset, np.asarray(rule_result.weights, np.float32))
    conds = _condition_list(config, weights.switches)
    scores, runs_by_cond, all_warnings = _run_conditions(prepared, config, conds, weights, k, lab,
                                                         progress)
    quality = (EXTERNAL_METRICS if labelled else ()) + INTERNAL_METRICS
    summary = summarize(scores)
    test_metrics = EXTERNAL_METRICS if labelled else INTERNAL_METRICS
    primary = "nmi" if labelled else "silhouette"
    best_static, tests = _paired_tests(scores, summary, conds, quality, test_metrics, labelled)
    rule_table = rule_ablation_table(
        scores, [(name, kind) for name, kind, _ in weights.switches],
        ("nmi", "ari") if labelled else ("silhouette",), fired=rule_counts(rule_result),
        changed=weights.n_changed(prepared))

    # the reference run on every track: per-cluster weight distributions
    total = len(conds) * len(config.seeds) + 1
    ref = _run(prepared, "weights", weights.dynamic, config.seeds[0], k, config, full=True)
    all_warnings.update(ref.warnings)
    report(progress, total, total, "reference run")
    dist = [weight_distributions(ref.w_eff, ref.labels, "cluster")]
    if labelled:
        dist.append(weight_distributions(ref.w_eff, lab.astype(str), "genre"))
    slices = degradation_slices(prepared, {c: runs_by_cond[c] for c in (
        "dynamic", "shuffled", "static_0.5", static_name(best_static[primary]), "audio_only",
        "lyrics_only") if c in runs_by_cond}, lab, ground_truth) if labelled else None

    coverage = {"n_tracks": prepared.n_tracks, "n_dropped": prepared.n_dropped,
                "n_without_lyrics": prepared.n_without_lyrics,
                "n_without_audio": prepared.n_without_audio, "subsample_size": m_sub,
                "n_seeds": len(config.seeds)}
    info = {name: {"kind": kind, "weight": w if kind == "static" else None,
                   "description": _describe_condition(kind, w)} for name, kind, w in conds}
    main = tuple(name for name, kind, _ in conds if kind != "rule_off")
    return AblationResult(
        config=config, conditions=main, condition_info=info, scores=scores,
        summary=summary, tests=tests, best_static=best_static, oracle=labelled, labelled=labelled,
        metrics=quality, test_metrics=test_metrics, primary_metric=primary, n_clusters=k,
        n_clusters_rule=k_rule, weights=effective_weights(prepared.embeddings, weights.dynamic),
        reference_labels=ref.labels, weight_dist=pd.concat(dist, ignore_index=True),
        slices=slices, coverage=coverage, rule_counts=rule_counts(rule_result),
        notes=_notes(labelled, config, coverage, k, k_rule, prepared.has_lyrics),
        warnings=sorted(all_warnings), rule_table=rule_table,
        rule_conditions=tuple(name for name, kind, _ in conds if kind == "rule_off"))


@dataclass(eq=False)
class _Weights:
    """The per-track weightings of one ablation: dynamic, and each rule switched off."""

    dynamic: np.ndarray          # float32 (n,) the rules' weights
    both: np.ndarray             # bool (n,) tracks with both modalities (the shuffle's domain)
    switches: list               # [(rule, "soft" | "hard", RuleSet without it)]
    off: dict                    # rule -> float32 (n,) weights without it

    @classmethod
    def of(cls, prepared: Prepared, ruleset, w_dyn: np.ndarray) -> "_Weights":
        emb = prepared.embeddings
        switches = rule_switches(ruleset)
        off = {name: np.asarray(dynamic_weights(prepared, rs).weights, np.float32)
               for name, _, rs in switches}
        return cls(dynamic=w_dyn, both=np.asarray(emb.audio_ok & emb.lyrics_ok, bool),
                   switches=switches, off=off)

    def for_condition(self, kind: str, parameter, seed: int, n: int) -> np.ndarray:
        if kind == "static":
            return np.full(n, parameter, np.float32)
        if kind == "dynamic":
            return self.dynamic
        if kind == "shuffled":
            return shuffled_weights(self.dynamic, self.both, seed)
        return self.off[parameter]

    def n_changed(self, prepared: Prepared) -> dict:
        """Tracks whose fused weight changes when each rule is switched off."""
        base = effective_weights(prepared.embeddings, self.dynamic)
        return {name: int(np.count_nonzero(effective_weights(prepared.embeddings, w) != base))
                for name, w in self.off.items()}


def _run_conditions(prepared: Prepared, config: ExperimentConfig, conds: list, weights: _Weights,
                    k: int, lab, progress) -> tuple:
    """Cluster and score every condition for every seed (paired by seed).

    Within a seed, a weighting identical to one already clustered reuses that run (the same
    weights, subsample and seed give the same partition): a rule that fires on no track costs
    nothing.
    """
    total = len(conds) * len(config.seeds) + 1
    done = 0
    rows, runs_by_cond, all_warnings = [], {}, set()
    for seed in config.seeds:
        seen: dict = {}
        for name, kind, w in conds:
            if kind in ("audio_only", "lyrics_only"):
                run = _run(prepared, "audio" if kind == "audio_only" else "lyrics", None, seed, k,
                           config)
            else:
                wk = weights.for_condition(kind, w, seed, prepared.n_tracks)
                key = wk.tobytes()
                run = seen.get(key)
                if run is None:
                    run = seen[key] = _run(prepared, "weights", wk, seed, k, config)
            all_warnings.update(run.warnings)
            runs_by_cond.setdefault(name, []).append(run)
            static_w = w if kind == "static" else None
            for metric, value in _score(prepared, run, seed, lab).items():
                rows.append({"condition": name, "kind": kind, "static_weight": static_w,
                             "seed": seed, "metric": metric, "value": float(value)})
            done += 1
            report(progress, done, total, f"seed {seed} {name}")
    scores = pd.DataFrame(rows, columns=["condition", "kind", "static_weight", "seed", "metric",
                                         "value"])
    return scores, runs_by_cond, all_warnings


def _paired_tests(scores, summary, conds, quality, test_metrics, labelled) -> tuple:
    """Best static weight per metric (an oracle with labels) and the paired tests of dynamic
    against it, against static 0.5 and against its own shuffle, with Holm over the table."""
    statics = [(name, w) for name, kind, w in conds if kind == "static"]
    best_static = {}
    for m in quality:
        means = {w: float(summary[(summary.condition == n) & (summary.metric == m)]["mean"].iloc[0])
                 for n, w in statics}
        best_static[m] = _best(means, m)
    has_half = any(abs(w - 0.5) < 1e-9 for _, w in statics)
    tests = []
    for m in test_metrics:
        dyn = _vals(scores, "dynamic", m)
        comps = [("best static", static_name(best_static[m]), best_static[m], True)]
        if has_half:
            comps.append(("static 0.5", "static_0.5", 0.5, False))
        comps.append(("shuffled", "shuffled", math.nan, False))
        for label, other, w, is_best in comps:
            if is_best and not np.isfinite(w):
                continue
            res = paired_test(dyn, _vals(scores, other, m), m)
            tests.append({"metric": m, "comparison": f"dynamic vs {label}", "other": other,
                          "other_weight": w, "oracle": bool(is_best and labelled),
                          "selected_post_hoc": bool(is_best), **res})
    return best_static, with_holm(pd.DataFrame(tests))


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
    if kind == "shuffled":
        return ("the dynamic weights permuted (per seed) among the tracks with both modalities: "
                "same distribution, no per-track information")
    if kind == "rule_off":
        return f"dynamic with the rule {w!r} switched off"
    return "per-track audio weights from the rules (indicators only)"


def _notes(labelled, config, coverage, k, k_rule, has_lyrics) -> list:
    notes = []
    if labelled:
        notes.append("labelled: external metrics (NMI, ARI, AMI, V-measure, purity, accuracy) "
                     "and internal metrics in each modality's own space (averaged)")
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
    notes.append("shuffled: per seed, the dynamic weights permuted (seeded) among the tracks "
                 "with both modalities: the same weight distribution without per-track "
                 "information; per rule: the rule set with each rule switched off in turn "
                 "(planned, every rule)")
    notes.append("Holm: p_holm adjusts every p-value of a table for the number of tests in it")
    notes.append("internal metrics: " + NEUTRAL_SPACE)
    return notes
