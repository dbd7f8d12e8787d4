"""A guided lesson for a class: steps as data, each with a claim checked against the real pipeline.

Each :class:`Step` sets a rule set (B) against a starting one (A), says what to look at, asks the
learner to predict before revealing, and names the page where it shows. Its ``claim`` is not prose
that can go stale: :func:`check_step` measures it on the prepared dataset (indicators -> rules ->
weights) and says whether it still holds, and a test runs every step's check on a generated set,
so if the method changes and a claim stops being true, the test fails.

Claims are about weights (exact, cheap, seed-free), so the lesson page can check them live.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from core.presets import PRESETS
from core.rules import DEFAULT_RULES, RuleResult, RuleSet, apply_rules

_EPS = 1e-4


@dataclass(frozen=True)
class Step:
    """One step of the lesson.

    ``before`` is pinned as A and ``after`` set on the sliders as B; ``choices`` are the predictions
    offered, ``answer`` the index of the right one; ``check`` names a function of :data:`CHECKS`.
    """

    key: str
    title: str
    before: RuleSet
    after: RuleSet
    look_at: str
    question: str
    choices: tuple
    answer: int
    explanation: str
    claim: str
    check: str
    page: str = "app_pages/compare.py"


@dataclass(frozen=True)
class Verdict:
    holds: bool
    measured: str


def _soft(r: RuleResult) -> np.ndarray:
    return r.decided_by == ""


def _base_shift(a: RuleResult, b: RuleResult, ind) -> Verdict:
    d = np.asarray(b.weights, np.float64) - np.asarray(a.weights, np.float64)
    soft = _soft(a) & _soft(b)
    unclipped = soft & (np.abs(a.column("clip")) < _EPS) & (np.abs(b.column("clip")) < _EPS)
    hard = ~_soft(a) & ~_soft(b)
    if not unclipped.any():  # e.g. a set without lyrics: every track is decided by a hard rule
        return Verdict(False, f"no track's weight is set by the soft rules here ({int(hard.sum())} are decided by "
                              "a hard rule), so the base has nothing to move.")
    ok = bool(np.allclose(d[unclipped], 0.2, atol=1e-3)) and bool(np.allclose(d[hard], 0, atol=_EPS))
    return Verdict(ok, f"{int(unclipped.sum())} unclipped soft-rule tracks moved by "
                       f"{np.mean(d[unclipped]) if unclipped.any() else float('nan'):+.3f} on average; "
                       f"{int(hard.sum())} hard-rule tracks moved by at most {np.max(np.abs(d[hard]), initial=0):.3f}.")


def _no_lyrics_off(a: RuleResult, b: RuleResult, ind) -> Verdict:
    nolyr = np.asarray(ind.column("lyrics_available")) == 0
    wa, wb = np.asarray(a.weights), np.asarray(b.weights)
    by = b.decided_by[nolyr]
    ok = bool(nolyr.any()) and bool(np.all(wa[nolyr] == 1.0)) and bool(np.all(by == "")) \
        and bool(np.all(wb[nolyr] < 1.0))
    hard = ", ".join(f"{name} {int((by == name).sum())}" for name in ("no_voice", "unusable_audio") if (by == name).any())
    return Verdict(ok, f"{int(nolyr.sum())} tracks without lyrics, all at weight 1 with the rule; without it the "
                       f"soft rules decide {int((by == '').sum())} of them (weights {np.min(wb[nolyr], initial=1):.2f}"
                       f"-{np.max(wb[nolyr], initial=0):.2f}); a hard rule decides {hard or 'none'}.")


def _no_voice_off(a: RuleResult, b: RuleResult, ind) -> Verdict:
    decided = a.decided_by == "no_voice"
    d = np.asarray(b.weights, np.float64) - np.asarray(a.weights, np.float64)
    moved = np.abs(d) > _EPS
    ok = not moved.any() and not decided.any()
    return Verdict(ok, f"'no voice' decided {int(decided.sum())} tracks; without it {int(moved.sum())} moved.")


def _poor_audio(a: RuleResult, b: RuleResult, ind) -> Verdict:
    d = np.asarray(b.weights, np.float64) - np.asarray(a.weights, np.float64)
    q = np.asarray(ind.column("audio_quality"), np.float64)
    low = np.nan_to_num(q, nan=1.0) < 0.7
    ok = bool(np.all(d <= _EPS)) and bool(np.all(np.abs(d[~low]) <= _EPS))  # "only": may be none on clean data
    moved, n_low = int((d < -_EPS).sum()), int(low.sum())
    said = (f"{moved} tracks moved toward the lyrics (all with audio quality under 0.7)" if moved else
            f"none of the {n_low} tracks with audio quality under 0.7 moved (a hard rule or the clip holds them)"
            if n_low else "no track has audio quality under 0.7, so none moved")
    return Verdict(ok, f"{said}; {int((np.abs(d) <= _EPS).sum())} did not move; none moved toward the audio.")


def _trust_lyrics(a: RuleResult, b: RuleResult, ind) -> Verdict:
    wa, wb = np.asarray(a.weights, np.float64), np.asarray(b.weights, np.float64)
    ok = bool(wb.mean() < wa.mean()) and bool(np.all(wb <= wa + _EPS))
    return Verdict(ok, f"mean audio weight {wa.mean():.3f} -> {wb.mean():.3f}; "
                       f"{int((wb > wa + _EPS).sum())} tracks moved toward the audio.")


def _soft_ramps(a: RuleResult, b: RuleResult, ind) -> Verdict:
    na = len(np.unique(np.round(np.asarray(a.weights)[_soft(a)], 4)))
    nb = len(np.unique(np.round(np.asarray(b.weights)[_soft(b)], 4)))
    return Verdict(nb > na, f"distinct weights among soft-rule tracks: {na} with steps, {nb} with ramps.")


#: name -> check(result_before, result_after, indicators) -> Verdict
CHECKS: dict[str, Callable] = {"base_shift": _base_shift, "no_lyrics_off": _no_lyrics_off,
                               "no_voice_off": _no_voice_off, "poor_audio": _poor_audio,
                               "trust_lyrics": _trust_lyrics, "soft_ramps": _soft_ramps}

D = DEFAULT_RULES
STEPS: tuple = (
    Step("base", "Where every track starts", D.with_changes(base_weight=0.5), D.with_changes(base_weight=0.7),
         "The weight histogram on the Compare page: A and B overlaid.",
         "The base audio weight goes from 0.5 to 0.7. What happens to the tracks?",
         ("Every track moves by +0.2", "Tracks the soft rules decide move by +0.2 (unless the clip stops them); "
          "tracks a hard rule decides stay", "Only loud tracks move"), 1,
         "Soft rules add their deltas to the base, so the base shifts their sum; hard rules set the weight "
         "outright and ignore the base.",
         "Every unclipped soft-rule track moves by exactly +0.2; no hard-rule track moves.", "base_shift"),
    Step("no_lyrics", "Instrumentals have no lyrics", D, D.with_changes(no_lyrics_rule=False),
         "'Tracks whose weight moved' on the Compare page, and the hard-rule table on the Rules page.",
         "Switch off the hard rule 'no lyrics → audio weight 1'. What happens to an instrumental?",
         ("The soft rules set its weight now, under 1", "Another hard rule still decides it", "It gets weight 0"), 0,
         "No other hard rule is on in the defaults, so the base and the soft rules set an instrumental's "
         "weight like any other track's. The rule weight is not the whole story: a track without lyrics has "
         "no lyrics features, so the fusion still uses its audio alone (the map does not change for it).",
         "Without the rule, the soft rules decide every track without lyrics, each at a weight under 1.",
         "no_lyrics_off", page="app_pages/rules.py"),
    Step("no_voice", "The voice detector's hard rule", D.with_changes(no_voice_rule=True), D.with_changes(no_voice_rule=False),
         "The metric table on the Compare page, and which tracks changed cluster.",
         "Switch off 'no voice → audio weight 1'. Which tracks move, and which way?",
         ("All tracks, toward the audio", "Only the tracks it decided, toward the lyrics",
          "None: the rule decides no track"), 2,
         "Vocal presence starts at 0.5 for every track with lyrics, so 'no voice' (under 0.1) can only fire "
         "on a track without lyrics, and 'no lyrics' decides those first. The rule is dead with these "
         "indicators: rules overlap, and a rule can be switched off without changing anything. That is why "
         "the default rules have it off. (With the audio-only voice estimate it used to fire on sung ballads "
         "and cost accuracy: the README's ablation.)",
         "No track is decided by 'no voice', and switching it off moves no track.", "no_voice_off"),
    Step("poor_audio", "Distrust degraded audio", D, PRESETS["distrust degraded audio"],
         "The moved tracks: listen to a few, hear the noise or the dropouts.",
         "The 'poor audio' rule now fires below quality 0.7 and pulls -0.35, and the hard rule 'unusable audio' "
         "is on, with its floor at quality 0.3. Which tracks move?",
         ("Only tracks with audio quality under 0.7, toward the lyrics", "Every track, toward the lyrics",
          "Tracks with good audio, toward the audio"), 0,
         "A rule touches only the tracks whose indicator crosses its threshold.",
         "Only tracks with audio quality under 0.7 move, and only toward the lyrics.", "poor_audio"),
    Step("trust_lyrics", "Trust the lyrics", D, PRESETS["trust lyrics"],
         "Mean audio weight A and B, and the NMI row of the metric table.",
         "A lower base and a stronger voice rule (it pulls -0.25 instead of -0.10): does any track move toward "
         "the audio?",
         ("Yes, some", "No: every change points to the lyrics"), 1,
         "Both changes in this preset lower a weight: the base, and the weight of every track where a voice "
         "is heard.",
         "The mean audio weight falls and no track moves toward the audio.", "trust_lyrics"),
    Step("soft", "Steps or ramps", D, D.with_changes(soft=True),
         "The weight histogram: steps give a few tall bars, ramps spread them.",
         "Switch on soft (ramped) rules. How many different weights do the tracks get?",
         ("The same few values", "More distinct values: weights spread out"), 1,
         "A ramp adds part of a delta to tracks near the threshold, so weights vary smoothly.",
         "Soft-rule tracks take more distinct weights with ramps than with steps.", "soft_ramps",
         page="app_pages/rules.py"),
)


def check_step(step: Step, indicators) -> Verdict:
    """Measure ``step.claim`` on these indicators (the real rule engine on the real dataset)."""
    a, b = apply_rules(indicators, step.before), apply_rules(indicators, step.after)
    return CHECKS[step.check](a, b, indicators)


def step_by_key(key: str) -> Step:
    for s in STEPS:
        if s.key == key:
            return s
    raise KeyError(key)
