"""Which rules cannot fire on a dataset, because the indicator they read is unknown everywhere.

A features file may give only some indicators (:mod:`core.features.given`); the others are NaN,
and a rule on a NaN indicator does not fire (:mod:`core.rules`). This says so in words, once,
instead of leaving a user to wonder why a slider does nothing.
"""

from __future__ import annotations

import numpy as np

from core.rules import DEFAULT_RULES, RuleSet

#: The hard rules and the indicators each reads (besides the always-known availability flags).
HARD_RULES = {"unusable_audio_rule": ("unusable audio", "audio_quality"),
              "no_voice_rule": ("no voice", "vocal_presence")}


def silent_rules(indicators, ruleset: RuleSet = DEFAULT_RULES) -> list:
    """``[(rule name, indicator)]`` for each rule of ``ruleset`` whose indicator is NaN on every track
    that has both modalities (the tracks whose weight the rules decide; every track when none has both).

    Parameters
    ----------
    indicators : core.indicators.Indicators
    ruleset : RuleSet
        Default: the default rules.
    """
    rows = np.ones(indicators.n_tracks, bool)
    if "audio_available" in indicators and "lyrics_available" in indicators:
        both = (indicators.column("audio_available") > 0.5) & (indicators.column("lyrics_available") > 0.5)
        rows = both if both.any() else rows
    unknown = {name for name in indicators.names if np.isnan(indicators.column(name)[rows]).all()}
    out = [(r.name, r.indicator) for r in ruleset.rules if r.indicator in unknown]
    for switch, (name, indicator) in HARD_RULES.items():
        if getattr(ruleset, switch) and indicator in unknown:
            out.append((f"{name} (hard rule)", indicator))
    return out


def silent_rules_text(indicators, ruleset: RuleSet = DEFAULT_RULES) -> str:
    """One sentence naming the rules that cannot fire and why, or "" when every rule can."""
    rows = silent_rules(indicators, ruleset)
    if not rows:
        return ""
    names = ", ".join(f"{rule} ({ind})" for rule, ind in rows)
    return (f"{len(rows)} rule{'s' if len(rows) > 1 else ''} cannot fire on this dataset, because the indicator "
            f"{'they read is' if len(rows) > 1 else 'it reads is'} unknown (NaN) on every track with both modalities: "
            f"{names}.")
