"""The rule model: :class:`Rule` (one soft rule) and :class:`RuleSet` (a complete weighting
policy), frozen, validated and hashable, plus the hard rules' names and meaning.

See :mod:`core.rules` for how a weight is made from them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from numbers import Real

from core.errors import ParameterError, check_param
from core.indicators import INDICATORS
from core.params import Boolean, Constraint, Interval, StrOptions, Text, validate_fields

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
