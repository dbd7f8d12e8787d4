"""Controls that tell a good rule from a lucky one: the shuffled weights and the per-rule ablation.

Pipeline position: rules -> **controls** (more weightings) -> conditions -> ablation.

``shuffled``
    Per seed, the dynamic weights permuted among the tracks that have both modalities (seeded;
    a track with one usable modality keeps its forced weight, as every condition does). Same
    weight distribution, no per-track information: dynamic beating its shuffle says the rules
    put the right weight on the right track; dynamic losing to static 0.5 while beating its
    shuffle says the rules carry information but spreading weights away from 0.5 costs more.
``without_<rule>``
    The rule set with one rule switched off: a soft rule removed, or a hard rule's switch set to
    False. Planned (every rule, in order), not chosen after seeing the numbers.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from core.experiments.stats import holm, paired_test
from core.rules import HARD_RULES, RuleSet

#: Offset mixed into a seed for the shuffle's generator (independent of the subsample's stream).
_SHUFFLE_STREAM = 0x5B0F
#: RuleSet switch of each hard rule.
HARD_RULE_SWITCHES = {"no_lyrics": "no_lyrics_rule", "unusable_audio": "unusable_audio_rule",
                      "no_voice": "no_voice_rule"}


def shuffled_weights(weights, both: np.ndarray, seed: int) -> np.ndarray:
    """``weights`` permuted among the rows where ``both`` is True (seeded by ``seed``).

    Parameters
    ----------
    weights : float (n,)
        Audio weights (the rules' weights of every prepared track).
    both : bool (n,)
        Tracks with both modalities usable: only their weights are exchanged.
    seed : int >= 0

    Returns
    -------
    float32 (n,)
        Same multiset of weights on the ``both`` rows, the rest unchanged.
    """
    w = np.array(weights, dtype=np.float32, copy=True)
    rows = np.flatnonzero(np.asarray(both, bool))
    rng = np.random.default_rng([int(seed), _SHUFFLE_STREAM])
    w[rows] = w[rng.permutation(rows)]
    return w


def rule_switches(ruleset: RuleSet) -> list:
    """``[(name, "soft" | "hard", RuleSet without that rule), ...]`` for every rule that is on.

    Soft rules in the rule set's order, then the hard rules in precedence order. A soft rule with
    delta 0 and a hard rule switched off move no weight, so they have nothing to switch off.
    """
    out = []
    for rule in ruleset.rules:
        if rule.delta == 0.0:
            continue
        rest = tuple(r for r in ruleset.rules if r.name != rule.name)
        out.append((rule.name, "soft", ruleset.with_changes(rules=rest)))
    for name, _, _ in HARD_RULES:
        switch = HARD_RULE_SWITCHES[name]
        if getattr(ruleset, switch):
            out.append((name, "hard", ruleset.with_changes(**{switch: False})))
    return out


def without_name(rule: str) -> str:
    """The condition name of the rule set with ``rule`` switched off."""
    return f"without_{rule}"


def rule_ablation_table(scores: pd.DataFrame, rules: Sequence[tuple], metrics: Sequence[str],
                        fired: Optional[dict] = None, changed: Optional[dict] = None) -> pd.DataFrame:
    """Per rule and metric: full dynamic vs the rule switched off, paired over seeds.

    Parameters
    ----------
    scores : DataFrame
        Tidy ablation scores with the ``dynamic`` and ``without_<rule>`` conditions.
    rules : sequence of (name, kind)
    metrics : sequence of str
    fired : dict rule -> int, optional
        Tracks the rule fired on (full rule set).
    changed : dict rule -> int, optional
        Tracks whose fused weight changes when the rule is off.

    Returns
    -------
    DataFrame
        ``rule``, ``kind``, ``n_fired``, ``n_changed``, ``metric``, ``dynamic``, ``rule_off``
        (means over seeds), ``delta`` (= dynamic - rule off, mean over seeds: > 0 means the rule
        earns its place, direction-aware for Davies-Bouldin via ``wins``), the
        :func:`paired_test` fields with the full rule set as the first side (``wins``: seeds
        the full set is better), and ``p_holm`` (Holm over every row of the table).
    """
    rows = []
    for name, kind in rules:
        for m in metrics:
            a = _values(scores, "dynamic", m)
            b = _values(scores, without_name(name), m)
            res = paired_test(a, b, m)
            rows.append({"rule": name, "kind": kind,
                         "n_fired": (fired or {}).get(name, math.nan),
                         "n_changed": (changed or {}).get(name, math.nan), "metric": m,
                         "dynamic": float(np.nanmean(a)) if len(a) else math.nan,
                         "rule_off": float(np.nanmean(b)) if len(b) else math.nan,
                         "delta": res["mean_diff"], **res})
    table = pd.DataFrame(rows)
    if len(table):
        table.insert(table.columns.get_loc("p_value") + 1, "p_holm",
                     holm(table["p_value"].to_numpy(np.float64)))
    return table


def _values(scores: pd.DataFrame, condition: str, metric: str) -> np.ndarray:
    rows = scores[(scores.condition == condition) & (scores.metric == metric)].sort_values("seed")
    return rows["value"].to_numpy(np.float64)


def rule_table_view(table: Optional[pd.DataFrame]) -> Optional[pd.DataFrame]:
    """:func:`rule_ablation_table` with readable columns, for a page or a report.

    Returns
    -------
    DataFrame or None
        ``rule switched off``, ``kind``, ``tracks fired``, ``tracks moved``, ``metric``,
        ``dynamic``, ``rule off``, ``Δ (dynamic − rule off)``, ``full better / worse / tied``,
        ``p value``, ``Holm p``, ``note``; None without a table.
    """
    if table is None or not len(table):
        return None
    return pd.DataFrame({
        "rule switched off": table["rule"], "kind": table["kind"],
        "tracks fired": table["n_fired"], "tracks moved": table["n_changed"],
        "metric": table["metric"], "dynamic": table["dynamic"], "rule off": table["rule_off"],
        "Δ (dynamic − rule off)": table["delta"],
        "full better / worse / tied": [f"{a} / {b} / {c}" for a, b, c in
                                       zip(table["wins"], table["losses"], table["ties"])],
        "p value": table["p_value"], "Holm p": table["p_holm"], "note": table["note"]})
