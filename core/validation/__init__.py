"""Indicator and rule validation against the generator's truth (README, "Do the indicators measure what they
say?").

One entry, :func:`validate_indicators`: indicators + the rules' result (+ the dataset's ground
truth, when it has one) -> an :class:`IndicatorReport` with

- ``distributions``: every indicator, what it claims to detect, its unit and spread;
- ``checks``: ROC AUC of each indicator against the truth it claims (:data:`CHECKS`);
- ``curves``: per audio degradation kind, AUC against clean audio over the kind's parameter;
- ``rules``: how often each rule fires, and its precision and recall against its target.

``python -m core indicators`` prints it (``--json``: :meth:`IndicatorReport.to_json`), the Rules
page shows it. Evaluation only: the truth goes into the report and nowhere else.

Modules: ``truth`` (the one adapter to ``ground_truth.csv``'s columns), ``checks`` (AUC, curves,
rule precision/recall), ``text`` (the terminal rendering).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import check_param
from core.indicators import INDICATORS, Indicators
from core.validation.checks import (
    AUC_PASS,
    CHECKS,
    indicator_checks,
    mildest_failures,
    parameter_curves,
    rule_checks,
)
from core.validation.truth import TRUTH_COLUMNS, read_truth, target

__all__ = ["AUC_PASS", "CHECKS", "TRUTH_COLUMNS", "IndicatorReport", "validate_indicators", "read_truth",
           "target", "indicator_distributions", "pool_sets"]


@dataclass(frozen=True, eq=False)
class IndicatorReport:
    """What :func:`validate_indicators` found. Tables are pandas DataFrames (see each builder).

    Attributes
    ----------
    n_tracks : int
    has_truth : bool
        False: ``checks`` and ``curves`` are empty and precision / recall are NaN.
    distributions, checks, curves, rules : DataFrame
    failures : list of str
        Checks below :data:`AUC_PASS` and kinds whose mildest parameter group fails, in words.
    """

    n_tracks: int
    has_truth: bool
    distributions: pd.DataFrame
    checks: pd.DataFrame
    curves: pd.DataFrame
    rules: pd.DataFrame
    failures: list

    def to_json(self) -> dict:
        """``{"has_truth", "n_tracks", "checks": [{indicator, target, auc, ...}], "rules": [{rule,
        fires, precision, recall, ...}], "curves": [...], "distributions": [...], "failures": [...]}``;
        NaN becomes None."""
        def records(df):
            return [{k: _plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")]
        return {"has_truth": self.has_truth, "n_tracks": self.n_tracks, "auc_pass": AUC_PASS,
                "checks": records(self.checks), "rules": records(self.rules), "curves": records(self.curves),
                "distributions": records(self.distributions), "failures": list(self.failures)}


def _plain(v):
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else float(v)
    return v


def indicator_distributions(ind: Indicators) -> pd.DataFrame:
    """One row per indicator: ``indicator``, ``claims`` (its description), ``unit``, ``p05``,
    ``median``, ``p95`` (over tracks where known, in the unit; NaN when none) and ``known`` (tracks)."""
    rows = []
    for name in ind.names:
        col = np.asarray(ind.column(name), np.float64)
        known = col[np.isfinite(col)]
        q = np.percentile(known, [5, 50, 95]) if known.size else [math.nan] * 3
        rows.append({"indicator": name, "claims": INDICATORS[name].description, "unit": INDICATORS[name].unit,
                     "p05": float(q[0]), "median": float(q[1]), "p95": float(q[2]), "known": int(known.size)})
    return pd.DataFrame(rows, columns=["indicator", "claims", "unit", "p05", "median", "p95", "known"])


def pool_sets(sets) -> tuple:
    """Pool several datasets' indicators (e.g. held-out generator seeds) into one table.

    Parameters
    ----------
    sets : list of (Indicators, ground truth DataFrame or None, track ids)
        Indicators with the same columns. One set passes through unchanged.

    Returns
    -------
    (Indicators, DataFrame or None, list of str)
        Rows stacked in order; with several sets, track ids become ``"<k>/<id>"`` (k the set's
        position) so they stay unique, and the truth is None unless every set has one.
    """
    check_param("pool_sets", "sets", len(sets), "at least one (indicators, truth, track ids) triple", len(sets) > 0)
    if len(sets) == 1:
        ind, truth, ids = sets[0]
        return ind, truth, list(ids)
    names = sets[0][0].names
    check_param("pool_sets", "sets", [s[0].names for s in sets], "indicators with the same columns",
                all(s[0].names == names for s in sets))
    ids = [f"{k}/{t}" for k, (_, _, tids) in enumerate(sets) for t in tids]
    languages = sum((tuple(s[0].languages) or ("",) * s[0].n_tracks for s in sets), ())
    ind = Indicators(values=np.vstack([s[0].values for s in sets]), names=names, languages=languages)
    truth = None
    if all(s[1] is not None for s in sets):
        truth = pd.concat([s[1].assign(track_id=[f"{k}/{t}" for t in s[1]["track_id"].astype(str)])
                           for k, s in enumerate(sets)], ignore_index=True)
    return ind, truth, ids


def validate_indicators(ind: Indicators, result, ground_truth: Optional[pd.DataFrame] = None,
                        track_ids: Optional[Sequence[str]] = None) -> IndicatorReport:
    """Check indicators and rules against the truth, where there is one.

    Parameters
    ----------
    ind : Indicators
        Rows in ``track_ids`` order.
    result : core.rules.RuleResult
        :func:`core.rules.apply_rules` on ``ind``.
    ground_truth : DataFrame, optional
        The dataset's ``ground_truth`` (synthetic sets); None: firing rates and distributions only.
    track_ids : sequence of str, optional
        Required with ``ground_truth``: the track of each row of ``ind``.

    Raises
    ------
    ParameterError
        Wrong types, ``result`` for another number of tracks, truth without ``track_ids`` or
        without a row for one of them.
    """
    from core.rules import RuleResult
    check_param("validate_indicators", "ind", type(ind).__name__, "an Indicators", isinstance(ind, Indicators))
    check_param("validate_indicators", "result", type(result).__name__, "a RuleResult",
                isinstance(result, RuleResult))
    check_param("validate_indicators", "result", f"{result.n_tracks} tracks",
                f"a RuleResult for the {ind.n_tracks} tracks of ind", result.n_tracks == ind.n_tracks)
    truth = None
    if ground_truth is not None:
        check_param("validate_indicators", "track_ids", None if track_ids is None else len(track_ids),
                    f"{ind.n_tracks} track ids (one per row of ind) when ground_truth is given",
                    track_ids is not None and len(track_ids) == ind.n_tracks)
        truth = read_truth(ground_truth, track_ids)
    dist = indicator_distributions(ind)
    if truth is None:
        empty = pd.DataFrame()
        return IndicatorReport(ind.n_tracks, False, dist, empty, empty, rule_checks(result), [])
    checks = indicator_checks(ind, truth)
    curves = parameter_curves(ind, truth)
    failures = [f"{r.indicator} vs {r.target}: AUC {r.auc:.3f} < {AUC_PASS}"
                for r in checks.itertuples() if not r.passes and math.isfinite(r.auc)]
    failures += mildest_failures(curves)
    return IndicatorReport(ind.n_tracks, True, dist, checks, curves, rule_checks(result, truth), failures)
