"""Reading and setting one threshold of a rule set by name (auto-tune and sensitivity grid).

A key is a soft rule's name (its threshold) or one of the RuleSet fields in
:data:`_RULESET_THRESHOLDS`.
"""

from __future__ import annotations

import numpy as np

from core.errors import check_param
from core.experiments.config import _is_real
from core.rules import RuleSet

#: RuleSet fields a grid may sweep besides soft-rule thresholds.
_RULESET_THRESHOLDS = ("voice_floor", "audio_quality_floor", "base_weight")


def _threshold_keys(ruleset: RuleSet) -> tuple:
    return tuple(ruleset.rule_names) + _RULESET_THRESHOLDS


def _set_threshold(ruleset: RuleSet, key: str, value: float) -> RuleSet:
    if key in ruleset.rule_names:
        return ruleset.replace_rule(key, threshold=float(value))
    return ruleset.with_changes(**{key: float(value)})


def _get_threshold(ruleset: RuleSet, key: str) -> float:
    if key in ruleset.rule_names:
        return float(ruleset.get_rule(key).threshold)
    return float(getattr(ruleset, key))


def _check_key(owner: str, name: str, ruleset: RuleSet, key) -> None:
    keys = _threshold_keys(ruleset)
    check_param(owner, name, key, "a soft-rule name of the rule set or one of "
                + ", ".join(map(repr, _RULESET_THRESHOLDS)) + f" (rules: {list(ruleset.rule_names)})",
                isinstance(key, str) and key in keys)


def _check_values(owner: str, name: str, values) -> tuple:
    ok = isinstance(values, (tuple, list, np.ndarray, range)) and len(values) > 0 and all(
        _is_real(float(v)) for v in values)
    check_param(owner, name, values, "a non-empty sequence of finite numbers", ok)
    return tuple(float(v) for v in values)
