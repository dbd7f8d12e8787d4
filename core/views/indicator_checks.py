"""Data behind "Do the indicators measure what they say?" on the Rules page: the indicator report
of :mod:`core.validation` for a prepared dataset, and the current rules against the truth."""

from __future__ import annotations

from typing import Optional, Sequence

import pandas as pd

from core.rules import DEFAULT_RULES, apply_rules
from core.validation import IndicatorReport, read_truth, validate_indicators
from core.validation.checks import rule_checks


def indicator_report(ind, ground_truth: Optional[pd.DataFrame], track_ids: Sequence[str]) -> IndicatorReport:
    """The indicator report (distributions, AUC checks, parameter curves) with the default rules.

    Slow part of the view (a few hundred ms on 400 tracks): cache it per dataset. ``ind`` rows are in
    ``track_ids`` order; ``ground_truth`` None gives firing rates and distributions only.
    """
    return validate_indicators(ind, apply_rules(ind, DEFAULT_RULES), ground_truth, list(track_ids))


def current_rules_table(result, truth: Optional[pd.DataFrame]) -> pd.DataFrame:
    """How often each rule of the current rule set fires, with precision and recall against its
    target where ``truth`` (from :func:`truth_table`) exists. Cheap: run it on every slider move."""
    return rule_checks(result, truth)


def truth_table(ground_truth: Optional[pd.DataFrame], track_ids: Sequence[str]) -> Optional[pd.DataFrame]:
    """The canonical truth for ``track_ids`` (see :func:`core.validation.read_truth`), or None."""
    return read_truth(ground_truth, track_ids)
