"""Why a track got its weight: :func:`explain` (the trace as words and amounts),
:func:`explain_text` (for a tooltip or the terminal) and :func:`rule_counts` (tracks per rule).
"""

from __future__ import annotations

import numpy as np

from core.errors import check_param
from core.rules.engine import RuleResult
from core.rules.model import HARD_RULES

def _check_track(result, i, owner) -> int:
    check_param(owner, "result", type(result).__name__, "a RuleResult", isinstance(result, RuleResult))
    ok = isinstance(i, (int, np.integer)) and not isinstance(i, bool) and -result.n_tracks <= i < result.n_tracks
    check_param(owner, "i", i, f"a track index in [0, {result.n_tracks})", ok)
    return int(i) % result.n_tracks


def explain(result: RuleResult, i: int, atol: float = 1e-6) -> list:
    """Why track ``i`` got its weight: ``[(what, amount), ...]`` whose amounts sum to the weight.

    Lists the base weight, each soft rule that moved the weight by more than ``atol`` (with the
    indicator value it read), the clip if it removed anything, and the hard rule that decided the
    track (always listed when one did, even if it changed nothing).

    Returns
    -------
    list of (str, float)
    """
    i = _check_track(result, i, "explain")
    rs = result.ruleset
    row = result.trace[i]
    r = len(rs.rules)
    out = [("base audio weight", float(row[0]))]
    for j, rule in enumerate(rs.rules):
        amount = float(row[1 + j])
        if abs(amount) > atol:
            x = float(result.inputs[i, j])
            toward = "toward audio" if rule.delta > 0 else "toward lyrics"
            unit = f" {rule.unit}" if rule.unit else ""
            state = "" if result.fired[i, j] else ", ramp below threshold"
            out.append((f"{rule.name}: {rule.indicator} = {x:.3g}{unit} "
                        f"({rule.op} {rule.threshold:g}{unit}{state}), {toward}", amount))
    clip_amount = float(row[r + 1])
    if abs(clip_amount) > atol:
        out.append((f"clipped to [{rs.clip[0]:g}, {rs.clip[1]:g}]", clip_amount))
    for k, (name, _weight, words) in enumerate(HARD_RULES):
        if result.fired[i, r + k]:
            extra = " (audio unusable too: track flagged, nothing reliable)" if (
                name == "no_lyrics" and result.flagged[i]) else ""
            out.append((f"hard rule {name}: {words}{extra}", float(row[r + 2 + k])))
    return out


def explain_text(result: RuleResult, i: int) -> str:
    """:func:`explain` as aligned lines ending with the total, for a tooltip or the terminal."""
    items = explain(result, i, atol=5e-4)  # what rounds to +0.000 is left out of the display
    lines = [f"{amount:+.3f}  {what}" for what, amount in items]
    lines.append(f"={float(result.weights[_check_track(result, i, 'explain_text')]):.3f}  audio weight")
    return "\n".join(lines)


def rule_counts(result: RuleResult) -> dict:
    """``{rule name: number of tracks it fired on}`` for soft then hard rules (see RuleResult.fired)."""
    check_param("rule_counts", "result", type(result).__name__, "a RuleResult", isinstance(result, RuleResult))
    counts = result.fired.sum(axis=0)
    return {name: int(c) for name, c in zip(result.rule_names, counts)}
