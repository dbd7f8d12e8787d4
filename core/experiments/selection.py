"""Choosing the default rule set on a development set, by a written procedure (labels allowed there only).

Pipeline position: preparation -> conditions (per candidate and seed) -> **selection** -> the
frozen :data:`core.rules.DEFAULT_RULES`, reported on held-out sets by :mod:`core.experiments.heldout`.

The procedure (:func:`choose_rules`; the README's "How the default rules were chosen" repeats it):

1. **Only rules that tell the truth may move weight.** A soft rule is *eligible* when its
   indicator has a truth target (:data:`core.validation.checks.RULE_TARGETS`) and passes its
   check on the development set (ROC AUC >= :data:`core.validation.checks.AUC_PASS`). An
   ineligible rule stays in the rule set with ``delta = 0`` (its sliders stay in the app; it
   moves no weight). The hard rule ``no_voice`` is eligible when ``vocal_presence`` passes
   against ``has_voice``; ``unusable_audio`` when ``audio_quality`` passes against
   ``audio_degraded``.
2. **Coordinate ascent** from the starting rule set (the a-priori one), over the
   coordinates of :func:`search_space`: the base weight, each eligible rule's threshold and delta
   (the delta keeps the sign its meaning gives it, or 0), the clip bounds, the hard rules'
   switches and floors. For each coordinate in turn every candidate value is scored and the best
   is kept if it beats the current value by more than ``tolerance``. Rounds repeat until a round
   changes nothing (at most ``max_rounds``).
3. **A candidate must keep every firing rule truthful on the development set**: a rule that
   moves weight must fire on at least :data:`MIN_SHARE` of the tracks with precision at least
   :data:`MIN_PRECISION` against its target, and not fire on more than its target's share plus
   :data:`MAX_EXCESS`; candidates that break this are not scored.
4. **The objective** is the mean, over the fusions (concat and weighted k-means) and the
   clustering seeds, of (NMI + ARI) / 2 against the genre labels of the development set.

Then the result is frozen in :data:`core.rules.DEFAULT_RULES` and never tuned again on the
held-out sets. Labels and truth are read only here and in evaluation; :func:`core.rules.apply_rules`
still sees indicators only.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import ParameterError, check_param
from core.experiments.conditions import _run
from core.experiments.config import ExperimentConfig
from core.experiments.preparation import Prepared, resolve_n_clusters
from core.progress import ProgressCallback, report
from core.rules import RuleSet, apply_rules

#: A rule that moves weight must fire on at least this share of the tracks ...
MIN_SHARE = 0.02
#: ... with at least this precision against its target ...
MIN_PRECISION = 0.9
#: ... and on no more than its target's share plus this.
MAX_EXCESS = 0.10

#: Candidate base weights, deltas (magnitudes) and clip bounds.
BASE_WEIGHTS = tuple(round(0.2 + 0.05 * i, 2) for i in range(13))          # 0.2 .. 0.8
DELTAS = tuple(round(0.05 * i, 2) for i in range(0, 13))                     # 0 .. 0.6
CLIP_LO = (0.0, 0.05, 0.1, 0.2)
CLIP_HI = (0.8, 0.9, 0.95, 1.0)
FLOORS = (0.05, 0.1, 0.2, 0.3, 0.4)


@dataclass(frozen=True)
class Coordinate:
    """One coordinate of the search: ``keys`` name what it sets, ``values`` its candidates (one
    tuple per candidate, a value per key: a rule's threshold and delta are searched jointly, since
    neither helps alone when the other is off).

    Keys: ``"base_weight"``, ``"clip_lo"``, ``"clip_hi"``, ``"soft"``, a RuleSet boolean or floor
    field (``"unusable_audio_rule"``, ``"audio_quality_floor"``, ``"no_voice_rule"``,
    ``"voice_floor"``), ``"<rule>.threshold"`` or ``"<rule>.delta"``.
    """

    keys: tuple
    values: tuple

    @property
    def name(self) -> str:
        return " + ".join(self.keys)


def set_value(rs: RuleSet, key: str, value) -> RuleSet:
    """``rs`` with coordinate ``key`` set to ``value`` (validated)."""
    if "." in key:
        name, field = key.split(".", 1)
        return rs.replace_rule(name, **{field: float(value)})
    if key == "clip_lo":
        return rs.with_changes(clip=(float(value), rs.clip[1]))
    if key == "clip_hi":
        return rs.with_changes(clip=(rs.clip[0], float(value)))
    return rs.with_changes(**{key: value})


def set_values(rs: RuleSet, keys: tuple, values: tuple) -> RuleSet:
    for key, value in zip(keys, values):
        rs = set_value(rs, key, value)
    return rs


def get_value(rs: RuleSet, key: str):
    if "." in key:
        name, field = key.split(".", 1)
        return getattr(rs.get_rule(name), field)
    if key == "clip_lo":
        return rs.clip[0]
    if key == "clip_hi":
        return rs.clip[1]
    return getattr(rs, key)


def _nice(x: float) -> float:
    """Two significant digits: thresholds a person can read and type."""
    if not np.isfinite(x) or x == 0:
        return float(x)
    return float(f"{x:.2g}")


def eligibility(prepared: Prepared, rs: RuleSet, truth: pd.DataFrame) -> pd.DataFrame:
    """Step 1: per soft rule (and the two checked hard rules) its check's AUC on this set and
    whether it is eligible to move weight. Columns ``rule``, ``indicator``, ``target``, ``auc``,
    ``eligible``."""
    from core.validation.checks import AUC_PASS, RULE_TARGETS, auc
    from core.validation.truth import target

    rows = []
    items = [(r.name, r.indicator) for r in rs.rules]
    items += [("no_voice", "vocal_presence"), ("unusable_audio", "audio_quality")]
    for name, indicator in items:
        tgt = RULE_TARGETS.get(indicator)
        if tgt is None or indicator not in prepared.indicators:
            rows.append({"rule": name, "indicator": indicator, "target": "", "auc": math.nan,
                         "eligible": False})
            continue
        pos, pop = target(truth, tgt[0])
        a, _, _ = auc(prepared.indicators.column(indicator), pos, pop, tgt[1])
        rows.append({"rule": name, "indicator": indicator, "target": tgt[0], "auc": a,
                     "eligible": bool(np.isfinite(a) and a >= AUC_PASS)})
    return pd.DataFrame(rows)


def search_space(prepared: Prepared, rs: RuleSet, eligible: Sequence[str]) -> list:
    """Step 2's coordinates for ``rs``: base weight, each eligible rule's threshold (the
    indicator's 10th..90th percentiles on this set, two significant digits, plus the current
    value) and delta (the sign of the current delta, magnitudes :data:`DELTAS`), clip bounds,
    ramps on/off and the eligible hard rules' switches and floors."""
    def one(key, values):
        return Coordinate((key,), tuple((v,) for v in values))

    coords = [one("base_weight", BASE_WEIGHTS)]
    for rule in rs.rules:
        if rule.name not in eligible:
            continue
        x = prepared.indicators.column(rule.indicator)
        x = x[np.isfinite(x)]
        qs = {_nice(v) for v in np.quantile(x, np.linspace(0.1, 0.9, 9))} if x.size else set()
        sign = 1.0 if rule.delta >= 0 else -1.0
        coords.append(Coordinate((f"{rule.name}.threshold", f"{rule.name}.delta"), tuple(
            (t, sign * d) for t in sorted(qs | {rule.threshold}) for d in DELTAS)))
    coords += [one("clip_lo", CLIP_LO), one("clip_hi", CLIP_HI), one("soft", (False, True))]
    if "unusable_audio" in eligible:
        coords.append(Coordinate(("unusable_audio_rule", "audio_quality_floor"),
                                 ((False, rs.audio_quality_floor),) + tuple((True, f) for f in FLOORS)))
    if "no_voice" in eligible:
        coords.append(Coordinate(("no_voice_rule", "voice_floor"),
                                 ((False, rs.voice_floor),) + tuple((True, f) for f in FLOORS)))
    return coords


def _moving(rs: RuleSet) -> set:
    """Names of the rules that can move a weight: soft rules with a delta, hard rules switched on."""
    out = {r.name for r in rs.rules if r.delta != 0.0}
    return out | {name for name, on in (("no_lyrics", rs.no_lyrics_rule),
                                        ("unusable_audio", rs.unusable_audio_rule),
                                        ("no_voice", rs.no_voice_rule)) if on}


def untruthful(ind, rs: RuleSet, truth: pd.DataFrame) -> dict:
    """Step 3: ``{rule: reason}`` for every rule that moves weight and does not fire on >= MIN_SHARE
    of the tracks, with precision >= MIN_PRECISION, on no more than its target's share +
    MAX_EXCESS. A rule without a truth target that moves weight is listed too (nothing shows
    that it tells the truth). Empty: the rule set is truthful on this set.

    ``ind``: :class:`core.indicators.Indicators`, rows in ``truth``'s order."""
    from core.validation.checks import rule_checks

    table = rule_checks(apply_rules(ind, rs), truth)
    moving = _moving(rs)
    out = {}
    for row in table.itertuples():
        if row.rule not in moving:
            continue
        if not row.target:
            out[row.rule] = "no truth target"
        elif row.share < MIN_SHARE:
            out[row.rule] = f"fires on {row.share:.1%} < {MIN_SHARE:.0%} of the tracks"
        elif not (row.precision >= MIN_PRECISION):
            out[row.rule] = f"precision {row.precision:.2f} < {MIN_PRECISION}"
        elif row.share > row.target_share + MAX_EXCESS:
            out[row.rule] = (f"fires on {row.share:.1%} > its target's {row.target_share:.1%} "
                             f"+ {MAX_EXCESS * 100:.0f} points")
    return out


def switch_off(rs: RuleSet, name: str) -> RuleSet:
    """``rs`` with rule ``name`` moving nothing: a soft rule's delta 0, a hard rule switched off."""
    if name in rs.rule_names:
        return rs.replace_rule(name, delta=0.0)
    return rs.with_changes(**{f"{name}_rule": False})


@dataclass(eq=False)
class SelectionResult:
    """What :func:`choose_rules` found.

    Attributes
    ----------
    best : RuleSet
        The chosen rule set (to freeze).
    start : RuleSet
    eligibility : DataFrame
        :func:`eligibility` on the development set.
    steps : DataFrame
        One row per accepted change: ``round``, ``key``, ``old``, ``new``, ``objective``.
    start_objective, objective : float
        The objective of the start and of the chosen rule set.
    n_evaluated : int
        Distinct weight vectors scored.
    description : str
    switched_off : dict
        Rule -> why it was made to move nothing before the ascent (steps 1 and 3).
    """

    best: RuleSet
    start: RuleSet
    eligibility: pd.DataFrame
    steps: pd.DataFrame
    start_objective: float
    objective: float
    n_evaluated: int
    description: str
    switched_off: dict


class _Objective:
    """Mean over fusions and seeds of (NMI + ARI) / 2, cached by the weight vector."""

    def __init__(self, prepared: Prepared, labels, fusions, seeds):
        self.prepared = {f: prepared.with_config(prepared.config.with_changes(fusion=f)) for f in fusions}
        self.labels = prepared.align(labels)
        self.seeds = tuple(seeds)
        first = next(iter(self.prepared.values()))
        self.k, _ = resolve_n_clusters(first, self.labels, first.config)
        self.cache: dict = {}

    def __call__(self, rs: RuleSet) -> float:
        w = np.asarray(apply_rules(next(iter(self.prepared.values())).indicators, rs).weights, np.float32)
        key = hashlib.sha1(w.tobytes()).hexdigest()
        if key not in self.cache:
            vals = []
            for p in self.prepared.values():
                for seed in self.seeds:
                    run = _run(p, "weights", w, seed, self.k, p.config)
                    ext = p.external_scorer(self.labels, seed)(run.labels)
                    vals.append((float(ext["nmi"]) + float(ext["ari"])) / 2.0)
            self.cache[key] = float(np.mean(vals))
        return self.cache[key]


def choose_rules(prepared: Prepared, labels, truth: pd.DataFrame, start: RuleSet, *,
                 fusions: Sequence[str] = ("concat", "weighted"), seeds: Sequence[int] = tuple(range(10)),
                 tolerance: float = 0.002, max_rounds: int = 3,
                 progress: Optional[ProgressCallback] = None) -> SelectionResult:
    """The procedure of the module docstring on one (development) set.

    Parameters
    ----------
    prepared : Prepared
        The development set, prepared with k-means.
    labels : (n,)
        Genre labels (development set only).
    truth : DataFrame
        :func:`core.validation.truth.read_truth` rows in ``prepared.track_ids`` order.
    start : RuleSet
        Where the ascent starts (the a-priori rule set).
    fusions, seeds
        The objective's fusions and clustering seeds.
    tolerance : float >= 0
        A change is kept only if it raises the objective by more than this (NMI/ARI units).
    max_rounds : int >= 1
    progress : callable(done, total, message), optional
        Counts candidates of the current round.
    """
    check_param("choose_rules", "start", type(start).__name__, "a RuleSet", isinstance(start, RuleSet))
    check_param("choose_rules", "labels", None if labels is None else "labels", "genre labels",
                labels is not None)
    check_param("choose_rules", "truth", None if truth is None else "truth",
                "the development set's ground truth", truth is not None)
    elig = eligibility(prepared, start, truth)
    eligible = set(elig.loc[elig.eligible, "rule"])
    rs = start
    off = {}
    for name in sorted(_moving(start) - eligible - {"no_lyrics"}):
        off[name] = "its indicator has no truth target or fails its check"
        rs = switch_off(rs, name)  # step 1: rules whose indicator does not tell the truth move nothing
    for name, why in untruthful(prepared.indicators, rs, truth).items():
        off[name] = why  # step 3 at the start: a rule that does not fire truthfully moves nothing
        rs = switch_off(rs, name)
    objective = _Objective(prepared, labels, fusions, seeds)
    start_value = objective(start)
    current = objective(rs)
    steps = []
    for rnd in range(1, max_rounds + 1):
        changed = False
        coords = search_space(prepared, rs, eligible)
        total = sum(len(c.values) for c in coords)
        done = 0
        for coord in coords:
            old = tuple(get_value(rs, k) for k in coord.keys)
            best_rs, best_val = rs, current
            for values in coord.values:
                done += 1
                report(progress, done, total, f"round {rnd}: {coord.name} = {values}")
                if values == old:
                    continue
                try:
                    cand = set_values(rs, coord.keys, values)
                except ParameterError:  # an invalid combination (e.g. clip lo > hi) is not a candidate
                    continue
                if untruthful(prepared.indicators, cand, truth):
                    continue
                val = objective(cand)
                if val > best_val + tolerance:
                    best_rs, best_val = cand, val
            if best_rs is not rs:
                steps.append({"round": rnd, "key": coord.name, "old": old,
                              "new": tuple(get_value(best_rs, k) for k in coord.keys), "objective": best_val})
                rs, current, changed = best_rs, best_val, True
        if not changed:
            break
    desc = (f"coordinate ascent on (NMI + ARI) / 2, mean over fusions {', '.join(fusions)} and "
            f"{len(seeds)} clustering seeds, k = {objective.k}; a change must gain more than "
            f"{tolerance:g}; rules that move weight must pass their indicator check (AUC) and fire on "
            f">= {MIN_SHARE:.0%} of tracks with precision >= {MIN_PRECISION} and no more than "
            f"their target's share + {MAX_EXCESS * 100:.0f} points")
    return SelectionResult(best=rs, start=start, eligibility=elig,
                           steps=pd.DataFrame(steps, columns=["round", "key", "old", "new", "objective"]),
                           start_objective=start_value, objective=current,
                           n_evaluated=len(objective.cache), description=desc, switched_off=off)
