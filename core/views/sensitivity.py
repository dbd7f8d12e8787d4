"""Data behind the "Sensitivity" page: which thresholds can be swept (unit, slider range), the grid,
its best cell, the label-free auto-tune grid and table, and the slider values it writes back."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import check_param
from core.indicators import INDICATORS
from core.rules import RuleSet
from core.views.checks import _is_real

#: What the Sensitivity page says instead of a grid on a dataset without lyrics (GTZAN's layout): each track
#: is clustered on its audio alone whatever the weight, so every threshold gives the same clustering.
NO_LYRICS_FLAT = ("Nothing to sweep here: this dataset has no lyrics, so every track is clustered on its audio "
                  "alone, whatever its audio weight. Every cell of a grid of two thresholds would be the same "
                  "clustering with the same score, and the auto-tune would find every rule set alike, so neither "
                  "is drawn. On a dataset with lyrics both appear here.")

#: RuleSet fields (besides soft-rule thresholds) that can be swept; both are in [0, 1].
_FLOORS = {
    "voice_floor": ("vocal_presence", "hard rule no_voice: vocal presence floor"),
    "audio_quality_floor": ("audio_quality", "hard rule unusable_audio: audio quality floor"),
}


@dataclass(frozen=True)
class ThresholdSpec:
    """A threshold a sensitivity grid or the auto-tune can move.

    Attributes
    ----------
    name : str
        A soft-rule name, or ``"voice_floor"`` / ``"audio_quality_floor"``.
    label : str
        Menu label: the condition in words.
    indicator : str
        The indicator compared with the threshold.
    unit : str
    lo, hi : float
        Slider range, from :data:`core.indicators.INDICATORS` (``lo``/``hi``) or [0, 1].
    current : float
        The threshold in the given rule set.
    """

    name: str
    label: str
    indicator: str
    unit: str
    lo: float
    hi: float
    current: float


def threshold_specs(ruleset: RuleSet) -> dict:
    """Every threshold of ``ruleset`` that can be swept, with its range and current value.

    Returns
    -------
    dict str -> ThresholdSpec
        Soft rules in rule order, then the two hard-rule floors. The range is the indicator's
        typical range, widened to include the current value.
    """
    check_param("threshold_specs", "ruleset", type(ruleset).__name__, "a RuleSet",
                isinstance(ruleset, RuleSet))
    out = {}
    for r in ruleset.rules:
        spec = INDICATORS[r.indicator]
        unit = f" {spec.unit}" if spec.unit else ""
        out[r.name] = ThresholdSpec(
            name=r.name, label=f"{r.name}: {r.indicator} {r.op} t{unit}", indicator=r.indicator,
            unit=spec.unit, lo=float(min(spec.lo, r.threshold)), hi=float(max(spec.hi, r.threshold)),
            current=float(r.threshold))
    for name, (indicator, words) in _FLOORS.items():
        value = float(getattr(ruleset, name))
        out[name] = ThresholdSpec(name=name, label=f"{name}: {words}", indicator=indicator, unit="",
                                  lo=0.0, hi=1.0, current=value)
    return out


_FLOOR_RULES = {"voice_floor": ("no_voice_rule", "no voice"), "audio_quality_floor": ("unusable_audio_rule",
                                                                                       "unusable audio")}


def inert_reason(ruleset: RuleSet, name: str) -> str:
    """Why sweeping threshold ``name`` cannot move any weight in ``ruleset`` ("" when it can): a soft rule whose
    delta is 0, or a floor whose hard rule is off."""
    if name in _FLOOR_RULES:
        switch, words = _FLOOR_RULES[name]
        return "" if getattr(ruleset, switch) else f"the hard rule '{words}' that reads {name} is off"
    rule = next((r for r in ruleset.rules if r.name == name), None)
    return f"{name}'s delta is 0, so it moves no weight wherever its threshold is" if rule and rule.delta == 0 else ""


def default_axes(ruleset: RuleSet) -> tuple:
    """The two thresholds the grid opens on: ``voice_present`` first when it moves weights, then the first
    others in rule order that move weights (an axis that moves nothing draws identical rows or columns)."""
    names = list(threshold_specs(ruleset))
    live = [n for n in names if not inert_reason(ruleset, n)]
    order = (["voice_present"] if "voice_present" in live else []) + [n for n in live if n != "voice_present"]
    order += [n for n in names if n not in order]
    return order[0], order[1]


def grid_values(lo: float, hi: float, n: int) -> tuple:
    """``n`` evenly spaced thresholds from ``lo`` to ``hi`` (inclusive), rounded to 4 significant
    digits of the span so axis labels read cleanly.

    Returns
    -------
    tuple of float, length n (one value when ``lo == hi``)
    """
    own = "grid_values"
    check_param(own, "lo", lo, "a finite number", _is_real(lo))
    check_param(own, "hi", hi, f"a finite number >= lo ({lo!r})", _is_real(hi) and hi >= lo)
    check_param(own, "n", n, "an int >= 2", isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 2)
    if hi == lo:
        return (float(lo),)
    span = hi - lo
    decimals = max(0, 3 - int(math.floor(math.log10(span))))
    vals = np.round(np.linspace(lo, hi, int(n)), decimals)
    return tuple(float(v) for v in dict.fromkeys(vals.tolist()))


def best_cell(grid: pd.DataFrame, lower_is_better: bool = False) -> tuple:
    """The best cell of a sensitivity grid (:func:`core.experiments.sensitivity_grid`).

    Ties go to the first cell in row-major order. NaN cells are ignored.

    Returns
    -------
    (a, b, value) : (float, float, float)
        Row value (threshold A), column value (threshold B) and the metric there; all NaN when
        every cell is NaN.
    """
    check_param("best_cell", "grid", type(grid).__name__, "a DataFrame", isinstance(grid, pd.DataFrame))
    z = grid.to_numpy(dtype=np.float64)
    if z.size == 0 or not np.isfinite(z).any():
        return math.nan, math.nan, math.nan
    score = np.where(np.isfinite(z), -z if lower_is_better else z, -np.inf)
    i, j = np.unravel_index(int(np.argmax(score)), z.shape)
    return float(grid.index[i]), float(grid.columns[j]), float(z[i, j])


def cell_value(grid: pd.DataFrame, a: float, b: float) -> float:
    """The metric in the cell nearest to thresholds ``(a, b)`` (rows A, columns B)."""
    check_param("cell_value", "grid", type(grid).__name__, "a non-empty DataFrame",
                isinstance(grid, pd.DataFrame) and grid.size > 0)
    i = int(np.argmin(np.abs(np.asarray(grid.index, np.float64) - float(a))))
    j = int(np.argmin(np.abs(np.asarray(grid.columns, np.float64) - float(b))))
    return float(grid.iat[i, j])


def autotune_grid(names: Sequence[str], ruleset: RuleSet,
                  defaults: Optional[Mapping[str, Sequence[float]]] = None) -> dict:
    """The auto-tune grid for the chosen thresholds: 3 values each.

    A name in ``defaults`` (e.g. :data:`core.experiments.DEFAULT_AUTOTUNE_GRID`) keeps its
    values; any other threshold gets its current value and the values a quarter of its slider
    range (:func:`threshold_specs`) below and above, clipped to the range.

    Returns
    -------
    dict str -> tuple of float
    """
    specs = threshold_specs(ruleset)
    check_param("autotune_grid", "names", list(names), f"a non-empty list of {list(specs)}",
                len(names) > 0 and all(n in specs for n in names))
    defaults = dict(defaults or {})
    out = {}
    for name in names:
        if name in defaults:
            out[name] = tuple(float(v) for v in defaults[name])
            continue
        s = specs[name]
        step = (s.hi - s.lo) / 4.0
        vals = [min(s.hi, max(s.lo, s.current + d)) for d in (-step, 0.0, step)]
        out[name] = tuple(dict.fromkeys(round(v, 6) for v in vals))
    return out


def k_source(n_clusters: int, n_genres: Optional[int], n_tracks: int) -> str:
    """Where the number of clusters the pages use came from, in words, for a caption ``k = 8 (...)``.

    Mirrors :meth:`core.views.viewstate.ViewSettings.resolved_k`: the sidebar's k when set (``n_clusters``
    > 0), else the number of genres (``n_genres``, None when the set has no genre labels), else 8; then at
    least 2 and at most ``n_tracks``.

    Returns
    -------
    str
        E.g. "the sidebar's", "automatic: the number of genres, a count, no per-track label", "automatic:
        this dataset has no genre labels, so the default 8", with ", raised to 2" / ", cut to the 6 tracks"
        when the bounds changed it.
    """
    if n_clusters:
        words, wanted = "the sidebar's", int(n_clusters)
    elif n_genres:
        words, wanted = "automatic: the number of genres, a count, no per-track label", int(n_genres)
    else:
        words, wanted = "automatic: this dataset has no genre labels, so the default 8", 8
    if wanted < 2:
        words += ", raised to 2 (one cluster separates nothing)"
    if max(wanted, 2) > n_tracks:
        words += f", cut to the {n_tracks} tracks"
    return words


def autotune_table(table: pd.DataFrame, keys: Sequence[str], criterion: str) -> pd.DataFrame:
    """:attr:`core.experiments.AutotuneResult.table` for display: best first.

    Columns: the swept thresholds, ``stability``, ``silhouette``, ``mean audio weight``,
    ``changed`` (thresholds differing from the start), ``start`` and ``chosen`` flags. Sorted by
    the criterion (descending), the chosen row first.
    """
    check_param("autotune_table", "table", type(table).__name__, "a DataFrame",
                isinstance(table, pd.DataFrame))
    check_param("autotune_table", "criterion", criterion, f"a column of the table ({list(table.columns)})",
                criterion in table.columns)
    cols = list(keys) + ["stability", "silhouette", "mean_weight", "n_changed", "is_default", "is_best"]
    view = table[[c for c in cols if c in table.columns]].copy()
    view["_order"] = table[criterion].fillna(-np.inf)
    view = view.sort_values(["is_best", "_order"], ascending=[False, False], kind="stable")
    view = view.drop(columns="_order").rename(columns={
        "mean_weight": "mean audio weight", "n_changed": "changed", "is_default": "start",
        "is_best": "chosen"})
    return view.reset_index(drop=True)


def slider_updates(thresholds: Mapping[str, float], ruleset: RuleSet,
                   rule_key: Callable[[str, str], str]) -> dict:
    """Widget keys and values that put ``thresholds`` on the rule sliders.

    Parameters
    ----------
    thresholds : mapping str -> float
        Soft-rule name or "voice_floor" / "audio_quality_floor" -> threshold.
    ruleset : RuleSet
        Knows which names are soft rules.
    rule_key : callable(rule, "t") -> str
        The dashboard's widget key of a rule's threshold (``ui.state.rule_key``).

    Returns
    -------
    dict str -> float
        ``{rule_key(name, "t"): value}`` for soft rules, ``{name: value}`` for the floors (their
        widget keys are the RuleSet field names).
    """
    specs = threshold_specs(ruleset)
    out = {}
    for name, value in thresholds.items():
        check_param("slider_updates", "thresholds", name, f"one of {list(specs)}", name in specs)
        check_param("slider_updates", "thresholds", value, "finite numbers", _is_real(float(value)))
        key = rule_key(name, "t") if name in ruleset.rule_names else name
        out[key] = float(value)
    return out
