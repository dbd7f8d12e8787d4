"""The multi-seed ablation: every condition x every seed, summaries, paired tests, distributions.

Pipeline position: preparation -> conditions (per seed) -> stats, slices -> **ablation** ->
report, CLI and the Ablation page.

The result container is :mod:`core.experiments.ablation_result` (:class:`AblationResult`, imported
here too); the condition descriptions and notes are :mod:`core.experiments.ablation_notes`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import ParameterError, check_param
from core.experiments.ablation_notes import _describe_condition, _notes
from core.experiments.ablation_result import AblationResult
from core.experiments.config import EXTERNAL_METRICS, INTERNAL_METRICS, ExperimentConfig, static_name
from core.experiments.conditions import _run, _score, dynamic_weights
from core.experiments.preparation import Prepared, resolve_n_clusters
from core.experiments.slices import degradation_slices, weight_distributions
from core.experiments.controls import (rule_ablation_table, rule_switches, shuffled_weights,
                                       without_name)
from core.experiments.stats import _best, paired_test, summarize, with_holm
from core.fusion import effective_weights
from core.progress import ProgressCallback, report
from core.rules import rule_counts

__all__ = ["AblationResult", "condition_list", "run_ablation"]


def condition_list(static_grid: Sequence[float], switches: Sequence[tuple] = (), has_lyrics: bool = True) -> list:
    """``[(name, kind, parameter)]``: the main conditions, then one per switched-off rule (``switches``:
    :func:`core.experiments.controls.rule_switches`). Without lyrics in the dataset (``has_lyrics``
    False) there is no lyrics-only condition: it would put every track in one "no lyrics" group."""
    out = [("audio_only", "audio_only", None)]
    if has_lyrics:
        out.append(("lyrics_only", "lyrics_only", None))
    out += [(static_name(w), "static", w) for w in static_grid]
    out.append(("dynamic", "dynamic", None))
    out.append(("shuffled", "shuffled", None))
    out += [(without_name(name), "rule_off", name) for name, _, _ in switches]
    return out


def run_ablation(prepared: Prepared, config: Optional[ExperimentConfig] = None, labels=None,
                 progress: Optional[ProgressCallback] = None, *,
                 ground_truth: Optional[pd.DataFrame] = None) -> AblationResult:
    """Every condition x every seed, with summaries, paired tests and weight distributions.

    Conditions (:func:`condition_list`): audio only, lyrics only (when the dataset has lyrics), every
    static weight of the grid, dynamic (the rules),
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
    conds = condition_list(config.static_grid, weights.switches, prepared.has_lyrics)
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
