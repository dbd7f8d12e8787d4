"""Heuristic rules: indicators -> audio weight per track, with an exact "why" trace.

Pipeline position: indicators -> **rules** -> weights -> fusion. This is the start of the
interactive loop: a slider builds a new :class:`RuleSet` (frozen, hashable: a cache key) and
:func:`apply_rules` recomputes every weight in well under a millisecond for 10,000 tracks.

How a weight is made, for track ``i`` (``w`` is the audio weight; the lyrics weight is ``1 - w``):

1. **Base.** ``w = base_weight``.
2. **Soft rules.** Each :class:`Rule` "if ``indicator`` ``op`` ``threshold``, shift ``w`` by
   ``delta``" adds ``delta * s_i``. With a hard step (``soft_width == 0`` or ``RuleSet.soft``
   False) ``s_i`` is 1 when the condition holds and 0 otherwise (strict comparison). With a
   ramp (``RuleSet.soft`` True and ``soft_width > 0``) ``s_i`` is the logistic
   ``1 / (1 + exp(-8 d / soft_width))`` of the signed distance ``d`` past the threshold
   (``x - threshold`` for ">", ``threshold - x`` for "<"), so ``s`` climbs from 0.018 to 0.982
   across ``threshold -+ soft_width / 2`` (in the indicator's unit) and the weight moves
   smoothly as a threshold slider moves. **NaN indicator: the rule does not fire (s = 0).**
3. **Clip.** The sum is clipped to ``clip = (lo, hi)``; the trace records the amount removed.
4. **Hard rules**, decisive, applied last and not clipped, in this precedence:

   ``no_lyrics``       lyrics_available == 0               -> w = 1
   ``unusable_audio``  audio_available == 0, or
                       audio_quality < audio_quality_floor -> w = 0
   ``no_voice``        vocal_presence < voice_floor        -> w = 1

   The first that applies decides. Why this order: a track without lyrics has nothing on the
   lyrics side, so audio is all there is, even poor audio (such a track, with unusable audio too,
   keeps w = 1 and is *flagged* in :attr:`RuleResult.flagged`, whether ``unusable_audio`` is on or
   not: the flag reads the indicators); with lyrics present, unusable
   audio sends the track to the lyrics; the voice estimate comes from the audio, so ``no_voice``
   is only trusted when the audio is usable. A NaN ``audio_quality`` or ``vocal_presence`` does
   not trigger its hard rule. On a track a hard rule decides, the soft rules and the clip have no
   effect and their trace entries are 0: the trace shows base plus the override.

The trace: :attr:`RuleResult.trace` has columns ``("base", <soft rule names...>, "clip",
"no_lyrics", "unusable_audio", "no_voice")`` and every row sums to the track's weight (to
float32 rounding). :func:`explain` turns one row into words, :func:`rule_counts` counts tracks
per rule.

The thresholds of :data:`A_PRIORI_RULES` are fixed a priori from what the quantities mean
physically (dBFS alignment level, compression, quality scores). :data:`DEFAULT_RULES` are chosen
from them on the development generator set by a written procedure (labels allowed there only,
:mod:`core.experiments.selection`) for the default lyrics levels (semantic only) and frozen;
:data:`PREVIOUS_DEFAULT_RULES`, chosen the same way on all lyrics blocks, were the defaults before. :func:`apply_rules` takes indicators and a rule set
and nothing else.

Modules: :mod:`~core.rules.model` (Rule, RuleSet), :mod:`~core.rules.engine` (apply_rules,
RuleResult), :mod:`~core.rules.explain` (explain, explain_text, rule_counts),
:mod:`~core.rules.defaults` (A_PRIORI_RULES, DEFAULT_RULES, PREVIOUS_DEFAULT_RULES).
"""

from __future__ import annotations

from core.rules.defaults import A_PRIORI_RULES, DEFAULT_RULES, PREVIOUS_DEFAULT_RULES
from core.rules.engine import RuleResult, apply_rules
from core.rules.explain import explain, explain_text, rule_counts
from core.rules.model import HARD_RULES, Rule, RuleSet

__all__ = [
    "Rule",
    "RuleSet",
    "RuleResult",
    "HARD_RULES",
    "A_PRIORI_RULES",
    "DEFAULT_RULES",
    "PREVIOUS_DEFAULT_RULES",
    "apply_rules",
    "explain",
    "explain_text",
    "rule_counts",
]

# Public names live at core.rules (reprs, pickles and the parameter-table walk name them there).
for _cls in (Rule, RuleSet, RuleResult):
    _cls.__module__ = __name__
for _fn in (apply_rules, explain, explain_text, rule_counts):
    _fn.__module__ = __name__
del _cls, _fn
