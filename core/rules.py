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
   keeps w = 1 and is *flagged* in :attr:`RuleResult.flagged`); with lyrics present, unusable
   audio sends the track to the lyrics; the voice estimate comes from the audio, so ``no_voice``
   is only trusted when the audio is usable. A NaN ``audio_quality`` or ``vocal_presence`` does
   not trigger its hard rule. On a track a hard rule decides, the soft rules and the clip have no
   effect and their trace entries are 0: the trace shows base plus the override.

The trace: :attr:`RuleResult.trace` has columns ``("base", <soft rule names...>, "clip",
"no_lyrics", "unusable_audio", "no_voice")`` and every row sums to the track's weight (to
float32 rounding). :func:`explain` turns one row into words, :func:`rule_counts` counts tracks
per rule.

Default thresholds in :data:`DEFAULT_RULES` are fixed a priori from what the quantities mean
physically (dBFS alignment level, compression, quality scores), never from genres or any
evaluation data; :func:`apply_rules` takes indicators and a rule set and nothing else.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from numbers import Real

import numpy as np

from core.errors import ParameterError, check_param
from core.indicators import INDICATORS, Indicators
from core.params import Boolean, Constraint, Interval, StrOptions, Text, validate_fields

__all__ = [
    "Rule",
    "RuleSet",
    "RuleResult",
    "HARD_RULES",
    "DEFAULT_RULES",
    "apply_rules",
    "explain",
    "explain_text",
    "rule_counts",
]

#: Hard rules in precedence order: (name, target audio weight, what it means).
HARD_RULES = (
    ("no_lyrics", 1.0, "no lyrics: audio weight 1"),
    ("unusable_audio", 0.0, "no audio or audio quality below the floor: lyrics weight 1"),
    ("no_voice", 1.0, "no audible voice: audio weight 1"),
)
_HARD_NAMES = tuple(h[0] for h in HARD_RULES)
_RESERVED = ("base", "clip") + _HARD_NAMES

#: Steepness of the soft ramp: s goes from sigmoid(-4) to sigmoid(4) over one soft_width.
_RAMP = 8.0


@dataclass(frozen=True)
class Rule:
    """One soft rule: "if ``indicator`` ``op`` ``threshold``, shift the audio weight by ``delta``".

    Parameters
    ----------
    name : str
        Unique within a RuleSet; names a trace column. Not one of "base", "clip" or a hard rule.
    indicator : str
        A key of :data:`core.indicators.INDICATORS`.
    op : {">", "<"}
        The rule fires where ``indicator op threshold`` (strict); NaN never fires.
    threshold : float
        In the indicator's unit (see ``INDICATORS[indicator].unit``).
    delta : float in [-1, 1]
        Signed shift of the audio weight: > 0 toward audio, < 0 toward lyrics.
    soft_width : float >= 0
        0: hard step. > 0: logistic ramp spanning this width (indicator's unit) around the
        threshold, used when the RuleSet's ``soft`` switch is on.
    description : str
        Why the rule exists, in words.
    """

    name: str
    indicator: str
    op: str
    threshold: float
    delta: float
    soft_width: float = 0.0
    description: str = ""

    _parameter_constraints = {
        "name": [Text(nonempty=True)],
        "indicator": [StrOptions(INDICATORS)],
        "op": [StrOptions((">", "<"))],
        "threshold": [Interval(Real, None, None)],
        "delta": [Interval(Real, -1.0, 1.0)],
        "soft_width": [Interval(Real, 0.0, None)],
        "description": [Text()],
    }

    def __post_init__(self):
        validate_fields("Rule", self, self._parameter_constraints)
        check_param("Rule", "name", self.name, "not one of " + ", ".join(map(repr, _RESERVED)),
                    self.name not in _RESERVED)
        for name in ("threshold", "delta", "soft_width"):
            object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def unit(self) -> str:
        return INDICATORS[self.indicator].unit

    def condition(self) -> str:
        """The condition in words, e.g. ``"loudness_dbfs > -20 dBFS"``."""
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.indicator} {self.op} {self.threshold:g}{unit}"


_UNIT = Interval(Real, 0.0, 1.0)


class _RuleTuple(Constraint):
    """A tuple (or list) of :class:`Rule` with unique names."""

    def is_satisfied_by(self, value) -> bool:
        if not isinstance(value, (tuple, list)) or not all(isinstance(r, Rule) for r in value):
            return False
        names = [r.name for r in value]
        return len(set(names)) == len(names)

    def __str__(self) -> str:
        return "a tuple of Rule with unique names"

    def invalid_values(self) -> tuple:
        r = Rule("dup", "loudness_dbfs", ">", -20.0, 0.1)
        return (None, "rules", (r, r), ({"name": "x"},))


class _ClipPair(Constraint):
    """A pair ``(lo, hi)`` with ``0 <= lo <= hi <= 1``."""

    def is_satisfied_by(self, value) -> bool:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            return False
        return _UNIT.is_satisfied_by(value[0]) and _UNIT.is_satisfied_by(value[1]) and value[0] <= value[1]

    def __str__(self) -> str:
        return "a pair (lo, hi) with 0 <= lo <= hi <= 1"

    def invalid_values(self) -> tuple:
        return (None, 0.5, (0.2,), (0.8, 0.2), (-0.1, 0.9), (0.1, 1.1), (0.0, float("nan")))


@dataclass(frozen=True)
class RuleSet:
    """A complete weighting policy: a frozen, hashable value (usable as a cache key).

    Parameters
    ----------
    base_weight : float in [0, 1]
        Audio weight before any rule.
    rules : tuple of Rule
        Soft rules, applied in order (order only affects trace column order). A list is
        accepted and stored as a tuple.
    clip : (float, float), 0 <= lo <= hi <= 1
        Bounds on the soft-rule weight; hard rules are decisive and not clipped.
    soft : bool
        True: rules with ``soft_width > 0`` use their logistic ramp. False: every rule is a step.
    no_lyrics_rule : bool
        Enable the hard rule ``no_lyrics`` (lyrics_available == 0 -> audio weight 1).
    unusable_audio_rule : bool
        Enable ``unusable_audio`` (no audio, or audio_quality < audio_quality_floor -> 0).
    audio_quality_floor : float in [0, 1]
        Below this ``audio_quality`` the audio is unusable. Default 0.1: with the product
        score this means e.g. SNR under 2 dB, 90 % silence, or under 0.3 s of usable audio.
    no_voice_rule : bool
        Enable ``no_voice`` (vocal_presence < voice_floor -> audio weight 1).
    voice_floor : float in [0, 1]
        Below this ``vocal_presence`` the track counts as having no audible voice. Default 0.1:
        under a tenth of full voice-likeness.

    Methods :meth:`with_changes` and :meth:`replace_rule` return a new, validated RuleSet (one
    slider move = one new value).
    """

    base_weight: float = 0.5
    rules: tuple = ()
    clip: tuple = (0.0, 1.0)
    soft: bool = False
    no_lyrics_rule: bool = True
    unusable_audio_rule: bool = True
    audio_quality_floor: float = 0.1
    no_voice_rule: bool = True
    voice_floor: float = 0.1

    _parameter_constraints = {
        "base_weight": [_UNIT],
        "rules": [_RuleTuple()],
        "clip": [_ClipPair()],
        "soft": [Boolean()],
        "no_lyrics_rule": [Boolean()],
        "unusable_audio_rule": [Boolean()],
        "audio_quality_floor": [_UNIT],
        "no_voice_rule": [Boolean()],
        "voice_floor": [_UNIT],
    }

    def __post_init__(self):
        validate_fields("RuleSet", self, self._parameter_constraints)
        # Normalise to hashable, canonical values: a tuple of rules, a float pair, plain floats and bools.
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "clip", (float(self.clip[0]), float(self.clip[1])))
        for name in ("base_weight", "audio_quality_floor", "voice_floor"):
            object.__setattr__(self, name, float(getattr(self, name)))
        for name in ("soft", "no_lyrics_rule", "unusable_audio_rule", "no_voice_rule"):
            object.__setattr__(self, name, bool(getattr(self, name)))

    @property
    def rule_names(self) -> tuple:
        return tuple(r.name for r in self.rules)

    def get_rule(self, name: str) -> Rule:
        """The soft rule called ``name``."""
        for r in self.rules:
            if r.name == name:
                return r
        raise ParameterError(f"The 'name' parameter of RuleSet.get_rule must be one of "
                             f"{list(self.rule_names)}. Got {name!r} instead.")

    def with_changes(self, **changes) -> "RuleSet":
        """A copy with the given fields replaced, validated (e.g. ``with_changes(soft=True)``)."""
        unknown = [k for k in changes if k not in self._parameter_constraints]
        check_param("RuleSet.with_changes", "changes", unknown,
                    "field names of RuleSet: " + ", ".join(self._parameter_constraints), not unknown)
        return dataclasses.replace(self, **changes)

    def replace_rule(self, name: str, **changes) -> "RuleSet":
        """A copy where rule ``name`` has the given fields replaced (e.g. ``threshold=-18``)."""
        old = self.get_rule(name)
        fields = [f.name for f in dataclasses.fields(Rule)]
        unknown = [k for k in changes if k not in fields]
        check_param("RuleSet.replace_rule", "changes", unknown,
                    "field names of Rule: " + ", ".join(fields), not unknown)
        new = dataclasses.replace(old, **changes)
        return dataclasses.replace(self, rules=tuple(new if r.name == name else r for r in self.rules))


#: The default rule set, covering instrument presence, energy and quality like the paper.
#: Every threshold is fixed a priori from the quantity's meaning (never fitted to genres):
#:
#: ``voice_present``   vocal_presence > 0.5 -> -0.15 (toward lyrics): sung words are more likely
#:                     present than not, so the lyrics are part of what a listener hears.
#: ``percussive``      percussive_ratio > 0.5 -> +0.10 (toward audio): percussion carries more
#:                     energy than the harmonic part, rhythm defines the sound.
#: ``loud``            loudness_dbfs > -20 dBFS -> +0.10 (toward audio): louder than the -20 dBFS
#:                     digital alignment level (SMPTE RP 155), i.e. hot, produced loud.
#: ``compressed``      dynamic_range_db < 6 dB -> +0.05 (toward audio): under 6 dB between loud
#:                     and quiet passages is heavy compression, a production signature.
#: ``dense_mix``       instrumental_density > 0.7 -> +0.05 (toward audio): instruments fill most
#:                     of time and spectrum and mask the voice.
#: ``poor_audio``      audio_quality < 0.5 -> -0.20 (toward lyrics): e.g. SNR under 10 dB or half
#:                     the clip silent (the score halves).
#: ``poor_lyrics``     lyrics_quality < 0.5 -> +0.20 (toward audio): e.g. under 25 words or a
#:                     quarter junk tokens.
#:
#: Base 0.5 (no prior preference), clip (0.1, 0.9) so that soft rules never silence a modality
#: (only the hard rules do), hard steps by default (``soft=False``; switch on for ramps of the
#: widths given), hard-rule floors 0.1.
DEFAULT_RULES = RuleSet(
    base_weight=0.5,
    rules=(
        Rule("voice_present", "vocal_presence", ">", 0.5, -0.15, 0.2,
             "Sung words are more likely present than not: lyrics are part of what is heard."),
        Rule("percussive", "percussive_ratio", ">", 0.5, 0.10, 0.2,
             "Percussion carries more energy than the harmonic part: rhythm defines the sound."),
        Rule("loud", "loudness_dbfs", ">", -20.0, 0.10, 6.0,
             "Louder than the -20 dBFS alignment level: produced hot."),
        Rule("compressed", "dynamic_range_db", "<", 6.0, 0.05, 3.0,
             "Under 6 dB of dynamic range: heavy compression, a production signature."),
        Rule("dense_mix", "instrumental_density", ">", 0.7, 0.05, 0.2,
             "Instruments fill most of time and spectrum and mask the voice."),
        Rule("poor_audio", "audio_quality", "<", 0.5, -0.20, 0.2,
             "Poor audio (noise, silence, clipping): trust the lyrics more."),
        Rule("poor_lyrics", "lyrics_quality", "<", 0.5, 0.20, 0.2,
             "Poor lyrics (short, garbled, repetitive): trust the audio more."),
    ),
    clip=(0.1, 0.9),
    soft=False,
    no_lyrics_rule=True,
    unusable_audio_rule=True,
    audio_quality_floor=0.1,
    no_voice_rule=True,
    voice_floor=0.1,
)


@dataclass(frozen=True, eq=False)
class RuleResult:
    """Weights and their exact explanation for ``n`` tracks.

    Attributes
    ----------
    weights : float32 (n_tracks,)
        Audio weight in [0, 1]; the lyrics weight is ``1 - weights``.
    trace : float32 (n_tracks, n_columns)
        Contribution of each step to each track's weight; ``trace.sum(axis=1) == weights`` to
        float32 rounding. Columns: :attr:`columns`.
    columns : tuple of str
        ``("base", *soft rule names, "clip", "no_lyrics", "unusable_audio", "no_voice")``.
    fired : bool (n_tracks, n_rules)
        Per rule of :attr:`rule_names`: for a soft rule, its condition held and no hard rule
        decided the track (a ramp may still contribute a little just outside its threshold); for
        a hard rule, it decided the track.
    rule_names : tuple of str
        Soft rule names then hard rule names (precedence order).
    inputs : float32 (n_tracks, n_soft_rules)
        The indicator value each soft rule read (NaN: unknown, did not fire).
    flagged : bool (n_tracks,)
        No lyrics AND unusable audio: kept at audio weight 1 but nothing is reliable.
    ruleset : RuleSet
        The rule set that produced this result.
    """

    weights: np.ndarray
    trace: np.ndarray
    columns: tuple
    fired: np.ndarray
    rule_names: tuple
    inputs: np.ndarray
    flagged: np.ndarray
    ruleset: RuleSet

    @property
    def n_tracks(self) -> int:
        return int(self.weights.shape[0])

    def column(self, name: str) -> np.ndarray:
        """Trace column ``name``, float32 (n_tracks,)."""
        if name not in self.columns:
            raise ParameterError(f"The 'name' parameter of RuleResult.column must be one of "
                                 f"{list(self.columns)}. Got {name!r} instead.")
        return self.trace[:, self.columns.index(name)]

    @property
    def decided_by(self) -> np.ndarray:
        """object (n_tracks,): the hard rule that decided each track, or "" when soft rules did."""
        out = np.full(self.n_tracks, "", dtype=object)
        n_soft = len(self.ruleset.rules)
        for k, name in enumerate(_HARD_NAMES):
            out[self.fired[:, n_soft + k]] = name
        return out


def _required_indicators(ruleset: RuleSet) -> list:
    need = [r.indicator for r in ruleset.rules]
    if ruleset.no_lyrics_rule:
        need.append("lyrics_available")
    if ruleset.unusable_audio_rule:
        need += ["audio_available", "audio_quality"]
    if ruleset.no_voice_rule:
        need.append("vocal_presence")
    return need


def apply_rules(ind: Indicators, ruleset: RuleSet) -> RuleResult:
    """Audio weight per track from indicators, vectorised over tracks, with its trace.

    Parameters
    ----------
    ind : Indicators
        ``values`` float32 (n_tracks, k); must hold every indicator the rule set reads (each
        rule's ``indicator``, plus ``lyrics_available``, ``audio_available``, ``audio_quality``
        and ``vocal_presence`` for the enabled hard rules).
    ruleset : RuleSet

    Returns
    -------
    RuleResult
        ``weights`` float32 (n_tracks,) in [0, 1], ``trace`` whose rows sum to them, ``fired``,
        ``flagged``. See the module docstring for the order of steps and NaN handling.

    Raises
    ------
    ParameterError
        If ``ind`` is not Indicators, ``ruleset`` not a RuleSet, or an indicator is missing.
    """
    check_param("apply_rules", "ind", type(ind).__name__, "an Indicators", isinstance(ind, Indicators))
    check_param("apply_rules", "ruleset", type(ruleset).__name__, "a RuleSet", isinstance(ruleset, RuleSet))
    missing = sorted({name for name in _required_indicators(ruleset) if name not in ind})
    check_param("apply_rules", "ind", f"Indicators without {missing}",
                "Indicators holding every indicator the rule set reads", not missing)

    n = ind.n_tracks
    rules = ruleset.rules
    r = len(rules)
    n_cols = r + 2 + len(_HARD_NAMES)
    # Column-major buffers: every per-rule write below is to a contiguous column.
    contrib = np.empty((n, r), dtype=np.float64, order="F")
    inputs = np.empty((n, r), dtype=np.float32, order="F")
    fired = np.empty((n, r + len(_HARD_NAMES)), dtype=bool, order="F")

    for j, rule in enumerate(rules):  # a handful of rules; every operation is over all tracks
        x = ind.column(rule.indicator)
        inputs[:, j] = x
        d = contrib[:, j]  # scratch: signed distance past the threshold, float64
        if rule.op == ">":
            np.subtract(x, rule.threshold, out=d)
        else:
            np.subtract(rule.threshold, x, out=d)
        cond = np.greater(d, 0.0, out=fired[:, j])  # NaN compares False: the rule does not fire
        if ruleset.soft and rule.soft_width > 0.0:
            np.multiply(d, -_RAMP / rule.soft_width, out=d)
            with np.errstate(over="ignore"):
                np.exp(d, out=d)
            d += 1.0
            np.divide(rule.delta, d, out=d)
            d[np.isnan(d)] = 0.0
        else:
            np.multiply(cond, rule.delta, out=d)

    raw = contrib.sum(axis=1) + ruleset.base_weight
    lo, hi = ruleset.clip
    soft_w = np.clip(raw, lo, hi)

    # Hard rules, in precedence order; NaN never triggers one.
    no_lyrics = np.zeros(n, dtype=bool)
    if ruleset.no_lyrics_rule:
        no_lyrics = ind.column("lyrics_available") < 0.5
    unusable = np.zeros(n, dtype=bool)
    if ruleset.unusable_audio_rule:
        unusable = (ind.column("audio_available") < 0.5) | \
                   (ind.column("audio_quality") < np.float32(ruleset.audio_quality_floor))
    no_voice = np.zeros(n, dtype=bool)
    if ruleset.no_voice_rule:
        no_voice = ind.column("vocal_presence") < np.float32(ruleset.voice_floor)
    d_lyrics = no_lyrics
    d_audio = unusable & ~no_lyrics
    d_voice = no_voice & ~no_lyrics & ~unusable
    hard = d_lyrics | d_audio | d_voice
    flagged = no_lyrics & unusable

    decisive = np.where(d_audio, 0.0, 1.0)  # audio weight a hard rule sets
    weights = np.where(hard, decisive, soft_w)

    trace = np.empty((n, n_cols), dtype=np.float32, order="F")
    trace[:, 0] = ruleset.base_weight
    contrib[hard] = 0.0
    trace[:, 1:r + 1] = contrib
    trace[:, r + 1] = np.where(hard, 0.0, soft_w - raw)
    override = decisive - ruleset.base_weight
    for k, decided in enumerate((d_lyrics, d_audio, d_voice)):
        trace[:, r + 2 + k] = np.where(decided, override, 0.0)
        fired[:, r + k] = decided
    fired[hard, :r] = False

    weights = weights.astype(np.float32)
    for a in (weights, trace, fired, inputs, flagged):
        a.flags.writeable = False
    return RuleResult(
        weights=weights,
        trace=trace,
        columns=("base",) + ruleset.rule_names + ("clip",) + _HARD_NAMES,
        fired=fired,
        rule_names=ruleset.rule_names + _HARD_NAMES,
        inputs=inputs,
        flagged=flagged,
        ruleset=ruleset,
    )


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
