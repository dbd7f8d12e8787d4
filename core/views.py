"""Data behind the views of "Rules and weights", "Weights per cluster" and "Track inspector".

Pipeline position: rules -> weights -> fusion -> clustering -> **views**. Every function here is
pure (numpy / pandas in, numpy / pandas out, no Streamlit, no plotting), so what a page shows can
be recomputed and checked in a test. Pages call these and hand the results to :mod:`ui.figures`.

Rows follow the prepared tracks (``LoopResult.track_ids``); the page maps them to Dataset rows
through the track ids (a prepared set may have dropped tracks with no usable modality).

Contents
--------
Rules and weights
    :func:`weight_summary`, :func:`weight_histogram` (stacked by what decided each track),
    :func:`mean_contributions`, :func:`rules_table`, :func:`hard_rules_table`,
    :func:`threshold_slider`, :func:`delta_slider`, :func:`indicator_histogram`,
    :func:`rule_response`.
Weights per cluster
    :func:`weights_frame`, :func:`cluster_leaning`, :func:`cluster_genre_weights`.
Track inspector
    :func:`track_labels`, :func:`explain_table`, :func:`indicator_table`,
    :func:`nearest_neighbours`, :func:`neighbour_tables`, :func:`audio_status`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import check_param
from core.fusion import Embeddings, fuse_concat
from core.indicators import INDICATORS, Indicators
from core.rules import HARD_RULES, Rule, RuleResult, RuleSet, apply_rules, explain

__all__ = [
    "SOFT_DECIDED",
    "DECIDED_ORDER",
    "WEIGHT_BINS",
    "LEAN_AUDIO",
    "LEAN_LYRICS",
    "weight_summary",
    "weight_histogram",
    "mean_contributions",
    "rules_table",
    "hard_rules_table",
    "SliderSpec",
    "threshold_slider",
    "delta_slider",
    "IndicatorHistogram",
    "indicator_histogram",
    "rule_response",
    "weights_frame",
    "Leaning",
    "cluster_leaning",
    "cluster_genre_weights",
    "track_labels",
    "explain_table",
    "indicator_table",
    "nearest_neighbours",
    "NEIGHBOUR_SPACES",
    "neighbour_tables",
    "audio_status",
]

#: Name of the group of tracks whose weight the soft rules (base + rules + clip) set.
SOFT_DECIDED = "soft rules"
#: Groups of :func:`weight_histogram`, in display (stacking) order.
DECIDED_ORDER = (SOFT_DECIDED,) + tuple(h[0] for h in HARD_RULES)
#: Bins of the audio-weight histogram: 20 bins of width 0.05 over [0, 1] (the last one closed).
WEIGHT_BINS = np.linspace(0.0, 1.0, 21)
#: A cluster whose mean audio weight is above this "leans on audio".
LEAN_AUDIO = 0.6
#: A cluster whose mean audio weight is below this "leans on lyrics".
LEAN_LYRICS = 0.4

_HARD_CONDITIONS = {
    "no_lyrics": lambda rs: "lyrics_available = 0",
    "unusable_audio": lambda rs: f"audio_available = 0 or audio_quality < {rs.audio_quality_floor:g}",
    "no_voice": lambda rs: f"vocal_presence < {rs.voice_floor:g}",
}
_HARD_SWITCH = {"no_lyrics": "no_lyrics_rule", "unusable_audio": "unusable_audio_rule",
                "no_voice": "no_voice_rule"}


def _check_result(owner: str, result) -> RuleResult:
    check_param(owner, "result", type(result).__name__, "a RuleResult", isinstance(result, RuleResult))
    return result


def _weights(owner: str, weights, name: str = "weights") -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    check_param(owner, name, f"array of shape {w.shape}", "a 1-d array of audio weights", w.ndim == 1)
    finite = w[np.isfinite(w)]
    check_param(owner, name, f"values in [{finite.min() if finite.size else math.nan:g}, "
                f"{finite.max() if finite.size else math.nan:g}]", "audio weights in [0, 1]",
                bool(np.all((finite >= 0.0) & (finite <= 1.0))))
    return w


def _same_length(owner: str, name: str, values, n: int) -> np.ndarray:
    arr = np.asarray(values)
    check_param(owner, name, f"array of shape {arr.shape}", f"a 1-d array of length {n} like 'weights'",
                arr.ndim == 1 and arr.shape[0] == n)
    return arr


def _group_key(x):
    """Sort clusters numerically and genres alphabetically, whatever their type."""
    return (0, float(x), "") if isinstance(x, (Integral, Real)) and not isinstance(x, bool) else (1, 0.0, str(x))


def _cluster_name(c) -> str:
    return "noise" if isinstance(c, (Integral, np.integer)) and int(c) == -1 else f"cluster {c}"


# ----------------------------------------------------------------------------------------------
# Rules and weights
# ----------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------
# Weights per cluster
# ----------------------------------------------------------------------------------------------
def weights_frame(track_ids: Sequence[str], weights, clusters, genres=None, decided_by=None) -> pd.DataFrame:
    """One row per track: ``track_id``, ``cluster``, ``genre`` (when given), ``audio_weight``,
    ``decided_by`` (when given; "" -> :data:`SOFT_DECIDED`). All inputs have length n."""
    w = _weights("weights_frame", weights)
    n = w.size
    data = {"track_id": [str(t) for t in _same_length("weights_frame", "track_ids", list(track_ids), n)],
            "cluster": _same_length("weights_frame", "clusters", clusters, n)}
    if genres is not None:
        data["genre"] = _same_length("weights_frame", "genres", genres, n).astype(str)
    data["audio_weight"] = w
    if decided_by is not None:
        d = _same_length("weights_frame", "decided_by", decided_by, n).astype(object)
        data["decided_by"] = np.where(d == "", SOFT_DECIDED, d)
    return pd.DataFrame(data)


@dataclass(frozen=True)
class Leaning:
    """Which clusters lean on which modality.

    Attributes
    ----------
    table : DataFrame
        One row per cluster (sorted): ``cluster``, ``n``, ``mean``, ``median``, ``leans``
        ("audio", "lyrics" or "both").
    sentence : str
        The same in words, with the numbers.
    audio_above, lyrics_below : float
        The cut-offs used.
    """

    table: pd.DataFrame
    sentence: str
    audio_above: float
    lyrics_below: float


def _join(words: list) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def cluster_leaning(weights, clusters, audio_above: float = LEAN_AUDIO,
                    lyrics_below: float = LEAN_LYRICS) -> Leaning:
    """Say which clusters lean on audio (mean weight > ``audio_above``) and which on lyrics
    (mean weight < ``lyrics_below``); the others use both.

    Parameters
    ----------
    weights : float (n,)
        Audio weight per track in [0, 1].
    clusters : int (n,)
        Cluster per track (-1 is HDBSCAN noise, named "noise").
    audio_above, lyrics_below : float in [0, 1], ``lyrics_below <= audio_above``

    Returns
    -------
    Leaning
    """
    own = "cluster_leaning"
    for name, v in (("audio_above", audio_above), ("lyrics_below", lyrics_below)):
        check_param(own, name, v, "a float in the range [0, 1]",
                    isinstance(v, Real) and not isinstance(v, bool) and 0.0 <= v <= 1.0)
    check_param(own, "lyrics_below", lyrics_below, f"at most audio_above={audio_above:g}",
                lyrics_below <= audio_above)
    w = _weights(own, weights)
    c = _same_length(own, "clusters", clusters, w.size)
    rows = []
    for grp in sorted(set(c.tolist()), key=_group_key):
        x = w[c == grp]
        x = x[np.isfinite(x)]
        mean = float(x.mean()) if x.size else math.nan
        leans = "audio" if mean > audio_above else ("lyrics" if mean < lyrics_below else "both")
        rows.append({"cluster": grp, "n": int(x.size), "mean": mean,
                     "median": float(np.median(x)) if x.size else math.nan, "leans": leans})
    table = pd.DataFrame(rows, columns=["cluster", "n", "mean", "median", "leans"])
    if table.empty:
        return Leaning(table, "No clusters.", float(audio_above), float(lyrics_below))

    def named(sub: pd.DataFrame) -> list:
        sub = sub.sort_values("mean", ascending=False, kind="stable")
        return [f"{_cluster_name(r.cluster)} (mean {r.mean:.2f}, {r.n} track{'' if r.n == 1 else 's'})"
                for r in sub.itertuples()]

    parts = []
    for leans, verb_one, verb_many, what in (
            ("audio", "leans", "lean", f"on audio (mean audio weight above {audio_above:g})"),
            ("lyrics", "leans", "lean", f"on lyrics (below {lyrics_below:g})"),
            ("both", "uses", "use", "both")):
        names = named(table[table["leans"] == leans])
        if names:
            verb = verb_one if len(names) == 1 else verb_many
            parts.append(f"{_join(names)} {verb} {what}")
    sentence = "; ".join(parts) + "."
    sentence = sentence[0].upper() + sentence[1:]
    return Leaning(table, sentence, float(audio_above), float(lyrics_below))


def cluster_genre_weights(weights, clusters, genres) -> tuple:
    """Mean audio weight and track count in every cluster x genre cell.

    Returns
    -------
    means : DataFrame (clusters x genres), float, NaN where a cell is empty
    counts : DataFrame (clusters x genres), int
        Index named "cluster", columns named "genre", both sorted.
    """
    own = "cluster_genre_weights"
    w = _weights(own, weights)
    c = _same_length(own, "clusters", clusters, w.size)
    g = _same_length(own, "genres", genres, w.size).astype(str)
    frame = pd.DataFrame({"cluster": c, "genre": g, "w": w})
    rows = sorted(set(c.tolist()), key=_group_key)
    cols = sorted(set(g.tolist()))
    means = frame.pivot_table(index="cluster", columns="genre", values="w", aggfunc="mean")
    counts = frame.pivot_table(index="cluster", columns="genre", values="w", aggfunc="size", fill_value=0)
    means = means.reindex(index=rows, columns=cols).astype(float)
    counts = counts.reindex(index=rows, columns=cols, fill_value=0).astype(np.int64)
    for df in (means, counts):
        df.index.name, df.columns.name = "cluster", "genre"
    return means, counts


# ----------------------------------------------------------------------------------------------
# Track inspector
# ----------------------------------------------------------------------------------------------
def track_labels(track_ids: Sequence[str], kept_ids: Sequence[str], genres=None) -> dict:
    """``{track_id: label}`` for a track picker, in ``track_ids`` order.

    The label is the id, its genre when known, and "not clustered" for a track that is not in
    ``kept_ids`` (dropped for having no usable audio or lyrics).
    """
    ids = [str(t) for t in track_ids]
    kept = {str(t) for t in kept_ids}
    if genres is not None:
        genres = _same_length("track_labels", "genres", genres, len(ids)).astype(str)
    out = {}
    for j, tid in enumerate(ids):
        parts = [tid]
        if genres is not None:
            parts.append(genres[j])
        if tid not in kept:
            parts.append("not clustered")
        out[tid] = " · ".join(parts)
    return out


def explain_table(result: RuleResult, i: int, atol: float = 5e-4) -> pd.DataFrame:
    """"Why this weight": :func:`core.rules.explain` for track ``i`` as a table.

    Every non-zero contribution is listed except those smaller than ``atol``, which are summed
    into one "other rules" row (soft ramps contribute a little everywhere), so the
    ``contribution`` column always sums to the track's weight (to float32 rounding).

    Returns
    -------
    DataFrame
        ``step`` (what happened, in words), ``contribution`` (to the audio weight),
        ``running_total`` (ends at the weight).
    """
    _check_result("explain_table", result)
    check_param("explain_table", "atol", atol, "a float >= 0",
                isinstance(atol, Real) and not isinstance(atol, bool) and atol >= 0)
    items = explain(result, i, atol=0.0)
    shown, small = [], []
    for what, amount in items:
        keep = what == "base audio weight" or what.startswith("hard rule") or abs(amount) >= atol
        (shown if keep else small).append((what, amount))
    if small:
        hard_at = next((k for k, (w, _) in enumerate(shown) if w.startswith("hard rule")), len(shown))
        shown.insert(hard_at, (f"other rules, each under ±{atol:g} ({len(small)})",
                               float(sum(a for _, a in small))))
    df = pd.DataFrame(shown, columns=["step", "contribution"])
    df["running_total"] = df["contribution"].cumsum()
    return df


def indicator_table(indicators: Indicators, i: int, ruleset: Optional[RuleSet] = None) -> pd.DataFrame:
    """Track ``i``'s indicators with their units and meaning.

    Returns
    -------
    DataFrame, one row per indicator (registry order)
        ``indicator``, ``group``, ``value`` (float, NaN: unknown), ``unit``, ``read_by`` (the
        rules of ``ruleset`` that read it, ", "-joined; hard rules included), ``meaning``.
    """
    check_param("indicator_table", "indicators", type(indicators).__name__, "an Indicators",
                isinstance(indicators, Indicators))
    n = indicators.n_tracks
    check_param("indicator_table", "i", i, f"a track index in [0, {n})",
                isinstance(i, (Integral, np.integer)) and not isinstance(i, bool) and -n <= i < n)
    readers: dict = {}
    if ruleset is not None:
        for r in ruleset.rules:
            readers.setdefault(r.indicator, []).append(r.name)
        if ruleset.no_lyrics_rule:
            readers.setdefault("lyrics_available", []).append("no_lyrics")
        if ruleset.unusable_audio_rule:
            readers.setdefault("audio_available", []).append("unusable_audio")
            readers.setdefault("audio_quality", []).append("unusable_audio")
        if ruleset.no_voice_rule:
            readers.setdefault("vocal_presence", []).append("no_voice")
    row = indicators.values[int(i)]
    rows = []
    for j, (name, spec) in enumerate(zip(indicators.names, indicators.specs)):
        rows.append({"indicator": name, "group": spec.group, "value": float(row[j]), "unit": spec.unit,
                     "read_by": ", ".join(readers.get(name, [])), "meaning": spec.description})
    return pd.DataFrame(rows, columns=["indicator", "group", "value", "unit", "read_by", "meaning"])


def nearest_neighbours(X, i: int, k: int = 5, ok=None) -> tuple:
    """The ``k`` rows of ``X`` nearest to row ``i`` (Euclidean), ``i`` itself left out.

    Parameters
    ----------
    X : float (n, d)
    i : int
        Query row.
    k : int >= 1
        At most this many neighbours (fewer when fewer rows are eligible).
    ok : bool (n,), optional
        Only these rows are eligible (e.g. tracks that have lyrics). If the query row is not
        eligible itself, there are no neighbours in this space.

    Returns
    -------
    idx : int64 (m,), m <= k
        Rows, nearest first (ties broken by row order).
    dist : float64 (m,)
        Euclidean distances, in the unit of ``X``.
    """
    X = np.asarray(X, np.float64)
    check_param("nearest_neighbours", "X", f"array of shape {X.shape}", "a 2-d array", X.ndim == 2)
    n = X.shape[0]
    check_param("nearest_neighbours", "i", i, f"a row index in [0, {n})",
                isinstance(i, (Integral, np.integer)) and not isinstance(i, bool) and -n <= i < n)
    check_param("nearest_neighbours", "k", k, "an int >= 1",
                isinstance(k, (Integral, np.integer)) and not isinstance(k, bool) and k >= 1)
    i = int(i) % n
    mask = np.ones(n, bool) if ok is None else _same_length("nearest_neighbours", "ok", ok, n).astype(bool)
    if not mask[i]:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    mask = mask.copy()
    mask[i] = False
    cand = np.flatnonzero(mask)
    dist = np.sqrt(np.maximum(((X[cand] - X[i]) ** 2).sum(axis=1), 0.0))
    order = np.argsort(dist, kind="stable")[: int(k)]
    return cand[order].astype(np.int64), dist[order]


#: Spaces :func:`neighbour_tables` searches, with what each means.
NEIGHBOUR_SPACES = {
    "fused": "fused space of the current weights: [sqrt(w) audio, sqrt(1 - w) lyrics]",
    "audio": "audio embedding alone",
    "lyrics": "lyrics embedding alone",
}


def neighbour_tables(emb: Embeddings, weights, i: int, track_ids: Sequence[str], k: int = 5,
                     clusters=None, genres=None) -> dict:
    """Nearest neighbours of track ``i`` in the fused space and in each modality.

    Parameters
    ----------
    emb : Embeddings
        The prepared embeddings (unit rows per modality).
    weights : float (n,)
        Current audio weights (``LoopResult.weights``); missing modalities are enforced as in
        the fusion (:func:`core.fusion.effective_weights`).
    i : int
        Row of the track (prepared order).
    track_ids : str (n,)
    k : int >= 1
    clusters, genres : (n,), optional
        Added as columns when given.

    Returns
    -------
    dict ``{"fused" | "audio" | "lyrics": DataFrame}``
        Columns ``track_id``, ``distance`` (Euclidean; unit rows, so 0..2), then ``cluster`` and
        ``genre`` when given. Empty when the track lacks that modality.
    """
    check_param("neighbour_tables", "emb", type(emb).__name__, "an Embeddings", isinstance(emb, Embeddings))
    n = emb.n_tracks
    ids = _same_length("neighbour_tables", "track_ids", [str(t) for t in track_ids], n)
    w = _weights("neighbour_tables", weights)
    _same_length("neighbour_tables", "weights", w, n)
    spaces = {"fused": (fuse_concat(emb, w.astype(np.float32)), None),
              "audio": (emb.audio, emb.audio_ok),
              "lyrics": (emb.lyrics, emb.lyrics_ok)}
    extra = {}
    if clusters is not None:
        extra["cluster"] = _same_length("neighbour_tables", "clusters", clusters, n)
    if genres is not None:
        extra["genre"] = _same_length("neighbour_tables", "genres", genres, n).astype(str)
    out = {}
    for name, (X, ok) in spaces.items():
        idx, dist = nearest_neighbours(X, i, k, ok)
        df = pd.DataFrame({"track_id": ids[idx].astype(str), "distance": dist})
        for col, values in extra.items():
            df[col] = values[idx]
        out[name] = df
    return out


def audio_status(path) -> tuple:
    """Whether a track's audio can be played: ``(playable, message)``.

    ``(True, "")`` when ``path`` names an existing file; otherwise False and a sentence saying
    why (no audio path, or the file is missing at that path).
    """
    if path is None or (isinstance(path, float) and math.isnan(path)) or str(path).strip() == "":
        return False, "This track has no audio file."
    if not os.path.isfile(str(path)):
        return False, f"The audio file is missing: {path}"
    return True, ""
