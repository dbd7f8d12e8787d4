"""The rule engine: :func:`apply_rules` turns indicators and a :class:`~core.rules.RuleSet` into
one audio weight per track with its exact trace (:class:`RuleResult`), vectorised over tracks.

See :mod:`core.rules` for the order of steps and NaN handling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import ParameterError, check_param
from core.indicators import Indicators
from core.rules.model import _HARD_NAMES, _RAMP, RuleSet

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
        No lyrics AND unusable audio (``lyrics_available`` 0, and ``audio_available`` 0 or
        ``audio_quality`` below ``audio_quality_floor``): kept at audio weight 1 but nothing is
        reliable. Read from the indicators whichever hard rules are on (the defaults switch
        ``unusable_audio`` off, and such a track was then never flagged); an indicator that is
        missing or NaN does not flag.
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


def _flagged(ind: Indicators, floor: float) -> np.ndarray:
    """bool (n,): no lyrics and unusable audio, from the indicators alone (not from which hard rules are on)."""
    def below(name: str, limit) -> np.ndarray:
        return ind.column(name) < limit if name in ind else np.zeros(ind.n_tracks, dtype=bool)

    return below("lyrics_available", 0.5) & (below("audio_available", 0.5) |
                                             below("audio_quality", np.float32(floor)))


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
    flagged = _flagged(ind, ruleset.audio_quality_floor)

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
