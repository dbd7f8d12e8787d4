"""Data behind the "Rules and weights" page: weight summary and histogram, rule tables, slider
ranges for every threshold and delta, the indicator a rule reads with its threshold."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Optional

import numpy as np
import pandas as pd

from core.errors import check_param
from core.indicators import INDICATORS, Indicators
from core.rules import HARD_RULES, Rule, RuleResult, RuleSet, apply_rules
from core.views.checks import _check_result, _same_length, _weights

#: Name of the group of tracks whose weight the soft rules (base + rules + clip) set.
SOFT_DECIDED = "soft rules"
#: Groups of :func:`weight_histogram`, in display (stacking) order.
DECIDED_ORDER = (SOFT_DECIDED,) + tuple(h[0] for h in HARD_RULES)
#: Bins of the audio-weight histogram: 20 bins of width 0.05 over [0, 1] (the last one closed).
WEIGHT_BINS = np.linspace(0.0, 1.0, 21)

_HARD_CONDITIONS = {
    "no_lyrics": lambda rs: "lyrics_available = 0",
    "unusable_audio": lambda rs: f"audio_available = 0 or audio_quality < {rs.audio_quality_floor:g}",
    "no_voice": lambda rs: f"vocal_presence < {rs.voice_floor:g}",
}
_HARD_SWITCH = {"no_lyrics": "no_lyrics_rule", "unusable_audio": "unusable_audio_rule",
                "no_voice": "no_voice_rule"}


def weight_summary(result: RuleResult) -> dict:
    """The headline numbers of a rule result.

    Parameters
    ----------
    result : RuleResult
        From :func:`core.rules.apply_rules`.

    Returns
    -------
    dict
        ``n_tracks``; ``mean``, ``median``, ``std`` (ddof 0) of the audio weight (0..1);
        ``n_hard`` tracks a hard rule decided and ``n_<hard rule>`` for each;
        ``n_clipped`` tracks whose soft sum the clip bounds changed; ``n_flagged`` tracks without
        lyrics AND with unusable audio.
    """
    _check_result("weight_summary", result)
    w = np.asarray(result.weights, np.float64)
    decided = result.decided_by
    out = {
        "n_tracks": int(w.size),
        "mean": float(w.mean()) if w.size else math.nan,
        "median": float(np.median(w)) if w.size else math.nan,
        "std": float(w.std()) if w.size else math.nan,
        "n_hard": int((decided != "").sum()),
    }
    for name in DECIDED_ORDER[1:]:
        out[f"n_{name}"] = int((decided == name).sum())
    out["n_clipped"] = int((np.abs(result.column("clip")) > 1e-7).sum())
    out["n_flagged"] = int(np.asarray(result.flagged).sum())
    return out


def flagged_note(result: RuleResult, track_ids) -> str:
    """The Rules page's note on tracks without lyrics whose audio is unusable too (:attr:`RuleResult.flagged`),
    or "" when there are none.

    Parameters
    ----------
    result : RuleResult
    track_ids : sequence of str (n_tracks,)
        The ids of the result's rows (``LoopResult.track_ids``); up to five are named.

    Returns
    -------
    str
        E.g. "1 of 7 tracks has no lyrics and unusable audio (no audio, or audio quality below the floor
        0.1): blues.00009. ..."
    """
    _check_result("flagged_note", result)
    ids = [str(track_ids[i]) for i in np.flatnonzero(np.asarray(result.flagged, bool))]
    if not ids:
        return ""
    n = len(ids)
    named = ", ".join(ids[:5]) + (f" and {n - 5} more" if n > 5 else "")
    return (f"{n} of {result.n_tracks} tracks {'have' if n != 1 else 'has'} no lyrics "
            f"and unusable audio (no audio, or audio quality below the floor "
            f"{result.ruleset.audio_quality_floor:g}): {named}. "
            f"{'Each is' if n != 1 else 'It is'} kept at audio weight 1, since audio is all there is, but "
            "nothing about it is reliable: its cluster rests on audio that carries little or nothing. The Track "
            "inspector says so on each; the floor is the 'Audio quality floor' slider under Hard rules.")


def weight_histogram(weights, decided_by=None, bins=WEIGHT_BINS) -> pd.DataFrame:
    """Counts of audio weights per bin, split by what decided each track (for a stacked histogram).

    Parameters
    ----------
    weights : float (n,)
        Audio weights in [0, 1].
    decided_by : str (n,), optional
        ``RuleResult.decided_by``: "" (soft rules) or a hard rule name. None: all soft rules.
    bins : float (b + 1,), increasing, default :data:`WEIGHT_BINS`
        Bin edges; the last bin is closed (a weight of exactly 1 counts in it).

    Returns
    -------
    DataFrame, ``b * len(DECIDED_ORDER)`` rows
        ``bin_lo``, ``bin_hi``, ``decided_by`` (one of :data:`DECIDED_ORDER`; every group appears,
        with zero counts, so colours stay put as sliders move), ``count``. The counts sum to ``n``.
    """
    w = _weights("weight_histogram", weights)
    edges = np.asarray(bins, np.float64)
    check_param("weight_histogram", "bins", f"array of shape {edges.shape}",
                "at least two increasing bin edges", edges.ndim == 1 and edges.size >= 2
                and bool(np.all(np.diff(edges) > 0)))
    if decided_by is None:
        groups = np.full(w.size, SOFT_DECIDED, dtype=object)
    else:
        groups = _same_length("weight_histogram", "decided_by", decided_by, w.size).astype(object)
        groups = np.where(groups == "", SOFT_DECIDED, groups)
    unknown = sorted(set(groups.tolist()) - set(DECIDED_ORDER))
    check_param("weight_histogram", "decided_by", unknown,
                "'' or a hard rule name (" + ", ".join(DECIDED_ORDER[1:]) + ")", not unknown)
    w = np.round(w, 6)  # a float32 0.45 (0.4499999881) belongs in the bin [0.45, 0.5)
    rows = []
    for name in DECIDED_ORDER:
        counts, _ = np.histogram(w[groups == name], bins=edges)
        rows.append(pd.DataFrame({"bin_lo": edges[:-1], "bin_hi": edges[1:], "decided_by": name,
                                  "count": counts.astype(np.int64)}))
    return pd.concat(rows, ignore_index=True)


def mean_contributions(result: RuleResult) -> pd.Series:
    """Mean contribution of every trace column over all tracks; the values sum to the mean weight.

    Returns
    -------
    Series, float, indexed by ``result.columns`` ("base", soft rules, "clip", hard rules)
    """
    _check_result("mean_contributions", result)
    trace = np.asarray(result.trace, np.float64)
    means = trace.mean(axis=0) if trace.shape[0] else np.full(trace.shape[1], math.nan)
    return pd.Series(means, index=list(result.columns), name="mean contribution")


def rules_table(result: RuleResult) -> pd.DataFrame:
    """One row per soft rule: what it reads, its condition and shift, and what it did.

    Returns
    -------
    DataFrame
        ``rule``, ``indicator``, ``condition`` (e.g. "loudness_dbfs > -20 dBFS"), ``delta``
        (shift of the audio weight when it fires), ``fired`` (tracks it fired on, as
        :func:`core.rules.rule_counts`: condition held and no hard rule decided), ``share``
        (fired / tracks), ``mean_contribution`` (its trace column's mean over all tracks),
        ``description``.
    """
    _check_result("rules_table", result)
    rs = result.ruleset
    n = max(result.n_tracks, 1)
    means = mean_contributions(result)
    fired = np.asarray(result.fired).sum(axis=0)
    rows = []
    for j, rule in enumerate(rs.rules):
        rows.append({"rule": rule.name, "indicator": rule.indicator, "condition": rule.condition(),
                     "delta": float(rule.delta), "fired": int(fired[j]), "share": float(fired[j]) / n,
                     "mean_contribution": float(means[rule.name]), "description": rule.description})
    return pd.DataFrame(rows, columns=["rule", "indicator", "condition", "delta", "fired", "share",
                                       "mean_contribution", "description"])


def hard_rules_table(result: RuleResult) -> pd.DataFrame:
    """One row per hard rule, in precedence order.

    Returns
    -------
    DataFrame
        ``rule``, ``enabled``, ``condition`` (with the current floor), ``sets_audio_weight_to``,
        ``decided`` (tracks it decided, as :func:`core.rules.rule_counts`), ``mean_contribution``,
        ``meaning``.
    """
    _check_result("hard_rules_table", result)
    rs = result.ruleset
    n_soft = len(rs.rules)
    fired = np.asarray(result.fired).sum(axis=0)
    means = mean_contributions(result)
    rows = []
    for k, (name, target, words) in enumerate(HARD_RULES):
        rows.append({"rule": name, "enabled": bool(getattr(rs, _HARD_SWITCH[name])),
                     "condition": _HARD_CONDITIONS[name](rs), "sets_audio_weight_to": float(target),
                     "decided": int(fired[n_soft + k]), "mean_contribution": float(means[name]),
                     "meaning": words})
    return pd.DataFrame(rows, columns=["rule", "enabled", "condition", "sets_audio_weight_to",
                                       "decided", "mean_contribution", "meaning"])


@dataclass(frozen=True)
class SliderSpec:
    """Bounds and words for one slider.

    Attributes
    ----------
    min_value, max_value, step : float
        Bounds (always containing the current value) and a round step (1, 2 or 5 times a power
        of ten, about a hundredth of the range).
    format : str
        printf format with as many decimals as the step needs.
    label : str
        What the slider sets, with the unit.
    help : str
        What the rule and the indicator mean.
    """

    min_value: float
    max_value: float
    step: float
    format: str
    label: str
    help: str


def _nice_step(span: float) -> float:
    raw = span / 100.0
    if not math.isfinite(raw) or raw <= 0:
        return 0.01
    exp = math.floor(math.log10(raw))
    for m in (5.0, 2.0, 1.0):
        if m * 10.0 ** exp <= raw * (1 + 1e-9):
            return float(f"{m * 10.0 ** exp:.12g}")
    return float(f"{10.0 ** exp:.12g}")


def _fmt_for(step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return f"%.{decimals}f"


def indicator_choices(rule: Rule) -> list:
    """The indicators ``rule`` may read on the Rules page: those in the unit of the indicator it reads by
    default (:data:`core.rules.DEFAULT_RULES`; its own for another rule), so its threshold keeps its meaning
    and scale (``voice_present`` may read ``vocal_presence_learned`` instead of ``vocal_presence``)."""
    from core.rules import DEFAULT_RULES
    check_param("indicator_choices", "rule", type(rule).__name__, "a Rule", isinstance(rule, Rule))
    default = next((r.indicator for r in DEFAULT_RULES.rules if r.name == rule.name), rule.indicator)
    unit = INDICATORS[default].unit
    names = [n for n, spec in INDICATORS.items() if spec.unit == unit]
    return names if rule.indicator in names else names + [rule.indicator]


def threshold_slider(rule: Rule, current: Optional[float] = None) -> SliderSpec:
    """Slider for a rule's threshold: bounds from ``INDICATORS[rule.indicator].lo/hi``.

    Parameters
    ----------
    rule : Rule
    current : float, optional
        The value the slider will show (default ``rule.threshold``); the bounds are widened to
        hold it, so a value from a shared link never breaks the slider.
    """
    check_param("threshold_slider", "rule", type(rule).__name__, "a Rule", isinstance(rule, Rule))
    spec = INDICATORS[rule.indicator]
    value = float(rule.threshold if current is None else current)
    check_param("threshold_slider", "current", current, "a finite number", math.isfinite(value))
    step = _nice_step(float(spec.hi) - float(spec.lo))
    lo, hi = min(float(spec.lo), value), max(float(spec.hi), value)
    unit = spec.unit or "0–1"
    return SliderSpec(min_value=lo, max_value=hi, step=step, format=_fmt_for(step),
                      label=f"Threshold on {rule.indicator} ({unit})",
                      help=f"{rule.name} fires when {rule.indicator} {rule.op} threshold. {rule.description} "
                           f"Indicator: {spec.description}")


def delta_slider(rule: Rule, current: Optional[float] = None, bound: float = 0.5) -> SliderSpec:
    """Slider for a rule's delta: ``-bound .. bound`` (widened to hold ``current``), step 0.01."""
    check_param("delta_slider", "rule", type(rule).__name__, "a Rule", isinstance(rule, Rule))
    check_param("delta_slider", "bound", bound, "a float in the range (0, 1]",
                isinstance(bound, Real) and 0.0 < bound <= 1.0)
    value = float(rule.delta if current is None else current)
    return SliderSpec(min_value=min(-float(bound), value), max_value=max(float(bound), value), step=0.01,
                      format="%+.2f", label="Shift of the audio weight (delta)",
                      help=f"What {rule.name} adds to the audio weight when it fires. Positive: toward audio. "
                           "Negative: toward lyrics (the lyrics weight is 1 - audio weight).")


@dataclass(frozen=True)
class IndicatorHistogram:
    """Histogram of the indicator one rule reads, with the rule's threshold.

    Attributes
    ----------
    indicator, unit, op : str
    threshold : float
        In the indicator's unit.
    counts : int64 (b,)
        Tracks per bin (NaN values left out).
    edges : float64 (b + 1,)
        Bin edges over the typical range widened to the data and the threshold.
    n_missing : int
        Tracks where the indicator is unknown (NaN: the modality it needs is missing).
    n_past : int
        Tracks strictly past the threshold (``value op threshold``), hard-rule tracks included.
    """

    indicator: str
    unit: str
    op: str
    threshold: float
    counts: np.ndarray
    edges: np.ndarray
    n_missing: int
    n_past: int


def indicator_histogram(values, rule: Rule, bins: int = 30) -> IndicatorHistogram:
    """Histogram of ``values`` (the indicator ``rule`` reads) and how many tracks pass its threshold.

    Parameters
    ----------
    values : float (n,)
        The indicator per track, e.g. ``prepared.indicators.column(rule.indicator)``; NaN: unknown.
    rule : Rule
    bins : int >= 1, default 30
    """
    check_param("indicator_histogram", "rule", type(rule).__name__, "a Rule", isinstance(rule, Rule))
    check_param("indicator_histogram", "bins", bins, "an int >= 1",
                isinstance(bins, Integral) and not isinstance(bins, bool) and bins >= 1)
    x = np.asarray(values, np.float64)
    check_param("indicator_histogram", "values", f"array of shape {x.shape}", "a 1-d array", x.ndim == 1)
    spec = INDICATORS[rule.indicator]
    finite = x[np.isfinite(x)]
    lo = min([float(spec.lo), rule.threshold] + ([float(finite.min())] if finite.size else []))
    hi = max([float(spec.hi), rule.threshold] + ([float(finite.max())] if finite.size else []))
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(finite, bins=int(bins), range=(lo, hi))
    past = finite > rule.threshold if rule.op == ">" else finite < rule.threshold
    return IndicatorHistogram(indicator=rule.indicator, unit=spec.unit, op=rule.op,
                              threshold=float(rule.threshold), counts=counts.astype(np.int64),
                              edges=edges, n_missing=int(x.size - finite.size), n_past=int(past.sum()))


def rule_response(rule: Rule, soft: bool, x) -> np.ndarray:
    """How much ``rule`` shifts the audio weight at indicator values ``x`` (the rule engine itself).

    Runs :func:`core.rules.apply_rules` on ``x`` with this rule alone (no hard rules, no clip),
    so the curve is exactly what the engine adds: a step of ``delta`` at the threshold, or the
    logistic ramp when ``soft`` is on and the rule has a ``soft_width``.

    Returns
    -------
    float32 (len(x),)
    """
    check_param("rule_response", "rule", type(rule).__name__, "a Rule", isinstance(rule, Rule))
    xs = np.asarray(x, np.float32).reshape(-1)
    ind = Indicators.from_columns({rule.indicator: xs})
    rs = RuleSet(base_weight=0.5, rules=(rule,), clip=(0.0, 1.0), soft=bool(soft), no_lyrics_rule=False,
                 unusable_audio_rule=False, no_voice_rule=False)
    return np.array(apply_rules(ind, rs).column(rule.name), dtype=np.float32)
