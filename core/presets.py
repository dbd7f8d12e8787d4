"""Named rule-set presets and their JSON file format (the app's download/upload and ``ablate --rules``).

The file (documented in the README)::

    {
      "format": "workbench-ruleset",        # required, this exact string
      "version": 1,                         # required, 1
      "name": "trust lyrics",               # optional, a label
      "description": "...",                 # optional
      "ruleset": {                          # required; every field optional (default: DEFAULT_RULES)
        "base_weight": 0.5, "clip": [0.1, 0.9], "soft": false,
        "no_lyrics_rule": true, "unusable_audio_rule": true, "audio_quality_floor": 0.1,
        "no_voice_rule": true, "voice_floor": 0.1,
        "rules": [{"name": "loud", "threshold": -20, "delta": 0.1}, ...]
      }
    }

``rules``, when given, is the complete list of soft rules. An entry named like a default rule may
give only the fields it changes (``threshold``, ``delta``, ...); a new rule gives ``name``,
``indicator``, ``op``, ``threshold`` and ``delta``. Anything malformed or out of range raises a
:class:`PresetError` whose message names the field (``ruleset.rules[2].delta``) and what is allowed;
nothing is half-applied (a rule set is a frozen value, built only when every field is valid).

Pure: no Streamlit, no file writes except :func:`write_ruleset_file`.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Mapping, Optional

from core.errors import ParameterError
from core.indicators.specs import threshold_allowed
from core.params import describe, is_allowed
from core.rules import A_PRIORI_RULES, DEFAULT_RULES, PREVIOUS_DEFAULT_RULES, Rule, RuleSet

FORMAT = "workbench-ruleset"
VERSION = 1

__all__ = ["FORMAT", "VERSION", "PRESETS", "PRESET_NOTES", "PREVIOUS_DEFAULTS", "PresetError", "ruleset_to_json",
           "ruleset_from_json", "ruleset_from_dict", "read_ruleset_file", "write_ruleset_file"]


class PresetError(ParameterError):
    """A rule-set file or preset is malformed or out of range; the message names the field."""


def _fail(field: str, allowed: str, got, rule: str = "") -> None:
    named = f" (rule {rule!r})" if rule else ""  # a hand-edited file's rules are found by name, not position
    raise PresetError(f"Field '{field}'{named} must be {allowed}. Got {got!r} instead.")


_RULESET_FIELDS = {k: v for k, v in RuleSet._parameter_constraints.items() if k != "rules"}
_RULE_FIELDS = dict(Rule._parameter_constraints)


def _check(field: str, value, allowed, rule: str = "") -> None:
    if not is_allowed(value, allowed):
        _fail(field, describe(allowed), value, rule)


def _rule_from(entry, i: int, base: Mapping[str, Rule]) -> Rule:
    where = f"ruleset.rules[{i}]"
    if not isinstance(entry, dict):
        _fail(where, "an object with at least a 'name'", entry)
    unknown = sorted(set(entry) - set(_RULE_FIELDS))
    if unknown:
        _fail(f"{where}.{unknown[0]}", "one of the rule fields " + ", ".join(_RULE_FIELDS), "(unknown field)")
    if "name" not in entry:
        _fail(f"{where}.name", "present", None)
    rule_name = entry["name"] if isinstance(entry["name"], str) else ""
    for name, value in entry.items():
        _check(f"{where}.{name}", value, _RULE_FIELDS[name], rule_name if name != "name" else "")
    old = base.get(entry["name"])
    if old is None:
        missing = [f for f in ("indicator", "op", "threshold", "delta") if f not in entry]
        if missing:
            _fail(f"{where}.{missing[0]}", f"given for the new rule {entry['name']!r}", None)
        rule = Rule(**entry)
    else:
        rule = dataclasses.replace(old, **{k: v for k, v in entry.items() if k != "name"})
    _check_threshold(where, rule)
    return rule


def _check_threshold(where: str, rule: Rule) -> None:
    """A threshold outside the values its indicator can take never or always fires: refused."""
    allowed = threshold_allowed(rule.indicator, rule.threshold)
    if allowed:
        _fail(f"{where}.threshold", allowed, rule.threshold, rule.name)


def ruleset_from_dict(data, base: RuleSet = DEFAULT_RULES, field: str = "ruleset") -> RuleSet:
    """A RuleSet from the ``ruleset`` object of the file format (fields left out keep ``base``)."""
    if not isinstance(data, dict):
        _fail(field, "an object", data)
    unknown = sorted(set(data) - set(_RULESET_FIELDS) - {"rules"})
    if unknown:
        _fail(f"{field}.{unknown[0]}", "one of " + ", ".join(list(_RULESET_FIELDS) + ["rules"]), "(unknown field)")
    changes = {}
    for name, value in data.items():
        if name == "rules":
            continue
        if name == "clip" and isinstance(value, list):
            value = tuple(value)
        _check(f"{field}.{name}", value, _RULESET_FIELDS[name])
        changes[name] = value
    if "rules" in data:
        rules = data["rules"]
        if not isinstance(rules, list):
            _fail(f"{field}.rules", "a list of rule objects", rules)
        known = {r.name: r for r in base.rules}
        built = tuple(_rule_from(e, i, known) for i, e in enumerate(rules))
        names = [r.name for r in built]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup is not None:
            _fail(f"{field}.rules", "rules with distinct names", f"{dup} (twice)")
        changes["rules"] = built
    try:
        return base.with_changes(**changes)
    except ParameterError as exc:  # a cross-field check (e.g. clip lo > hi) the per-field checks allow
        raise PresetError(f"Field '{field}': {exc}") from None


def ruleset_from_json(text: str, source: str = "the file") -> tuple[RuleSet, str, str]:
    """Parse a rule-set file: ``(ruleset, name, description)``; :class:`PresetError` names the field."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PresetError(f"{source} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        _fail("(top level)", "a JSON object", type(data).__name__)
    if data.get("format") != FORMAT:
        _fail("format", repr(FORMAT), data.get("format"))
    if data.get("version") != VERSION:
        _fail("version", str(VERSION), data.get("version"))
    unknown = sorted(set(data) - {"format", "version", "name", "description", "ruleset"})
    if unknown:
        _fail(unknown[0], "one of format, version, name, description, ruleset", "(unknown field)")
    for key in ("name", "description"):
        if not isinstance(data.get(key, ""), str):
            _fail(key, "a string", data[key])
    if "ruleset" not in data:
        _fail("ruleset", "present", None)
    return ruleset_from_dict(data["ruleset"]), data.get("name", ""), data.get("description", "")


def _rule_dict(rule: Rule) -> dict:
    return {"name": rule.name, "indicator": rule.indicator, "op": rule.op, "threshold": rule.threshold,
            "delta": rule.delta, "soft_width": rule.soft_width, "description": rule.description}


def ruleset_to_json(ruleset: RuleSet, name: str = "", description: str = "") -> str:
    """The complete file for ``ruleset`` (every field written, so it does not depend on defaults)."""
    rs = {k: getattr(ruleset, k) for k in _RULESET_FIELDS}
    rs["clip"] = list(ruleset.clip)
    rs["rules"] = [_rule_dict(r) for r in ruleset.rules]
    doc = {"format": FORMAT, "version": VERSION, "name": name, "description": description, "ruleset": rs}
    return json.dumps(doc, indent=2) + "\n"


def read_ruleset_file(path) -> RuleSet:
    """The RuleSet in a file written by the app's download or :func:`write_ruleset_file`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PresetError(f"Cannot read the rule-set file {p}: {exc.strerror or exc}") from None
    try:
        return ruleset_from_json(text, source=str(p))[0]
    except PresetError as exc:  # a field's message does not say which file: a command line may read several
        if str(p) in str(exc):
            raise
        raise PresetError(f"Rule-set file {p}: {exc}") from None


def write_ruleset_file(path, ruleset: RuleSet, name: str = "", description: str = "") -> Path:
    p = Path(path)
    p.write_text(ruleset_to_json(ruleset, name, description), encoding="utf-8")
    return p


def _preset(**changes) -> RuleSet:
    rules = changes.pop("rules", {})
    rs = DEFAULT_RULES.with_changes(**changes)
    for name, fields in rules.items():
        rs = rs.replace_rule(name, **fields)
    return rs


#: The name of the preset that holds :data:`core.rules.PREVIOUS_DEFAULT_RULES`.
PREVIOUS_DEFAULTS = "previous defaults (all lyrics blocks)"

#: Instructive presets shipped with the app (name -> RuleSet). Each changes few things, so a
#: comparison against "defaults" reads as one idea.
PRESETS: dict = {
    "defaults": DEFAULT_RULES,
    # The rules as fixed from the quantities' meaning before any experiment (the selection's start).
    "a priori": A_PRIORI_RULES,
    # The defaults before the switch to semantic-only lyrics, chosen on all lyrics blocks (base 0.8): use them
    # with the lyrics levels semantic, lexical, stylistic (the Dataset page's box, --lyrics-levels).
    PREVIOUS_DEFAULTS: PREVIOUS_DEFAULT_RULES,
    # Lean on the words: a lower base (0.35 against 0.55), a stronger pull of an audible voice (-0.25 against
    # -0.10), and the "no voice" hard rule off (as in the defaults; the README's ablation shows the weak voice
    # detector sends voiced ballads to audio). Every change lowers a weight.
    "trust lyrics": _preset(base_weight=0.35, no_voice_rule=False,
                            rules={"voice_present": {"delta": -0.25}}),
    # Audio with any damage moves toward the lyrics: the quality rule fires earlier (0.7 against 0.39) and
    # pulls harder (-0.35 against -0.30), and the hard floor sends clearly broken audio to the lyrics outright.
    "distrust degraded audio": _preset(unusable_audio_rule=True, audio_quality_floor=0.3,
                                       rules={"poor_audio": {"threshold": 0.7, "delta": -0.35}}),
    # The opposite stance: audio unless the lyrics are clearly good (base 0.9 against 0.55; poor_lyrics fires
    # below 0.7 with +0.25 against 0.36 and +0.15).
    "trust audio": _preset(base_weight=0.9, clip=(0.1, 1.0),
                           rules={"poor_lyrics": {"threshold": 0.7, "delta": 0.25}}),
}

PRESET_NOTES: dict = {
    "defaults": "The defaults chosen on the development set for semantic-only lyrics (the default lyrics levels), "
                "then frozen (core.rules.DEFAULT_RULES; README: how the default rules were chosen).",
    "a priori": "The rules fixed from what the quantities mean before any experiment (core.rules.A_PRIORI_RULES): "
                "energy and mix rules on, 'no voice' on; they lose to static 0.5.",
    PREVIOUS_DEFAULTS: "The defaults until the switch to semantic-only lyrics (core.rules.PREVIOUS_DEFAULT_RULES): "
                       "base 0.8, chosen on all lyrics blocks; pair them with the lyrics levels semantic, lexical, "
                       "stylistic (Dataset page) to reproduce the README's older tables.",
    "trust lyrics": "Base 0.35 (defaults 0.55), voice pulls -0.25 (defaults -0.10), hard rule 'no voice' off.",
    "distrust degraded audio": "poor_audio fires below 0.7 with -0.35 (defaults: below 0.39, -0.30); the hard rule 'unusable audio' is on: "
                               "audio below quality 0.3 goes to the lyrics.",
    "trust audio": "Base 0.9 (defaults 0.55), clip up to 1; poor_lyrics fires below 0.7 with +0.25 (defaults: below "
                   "0.36, +0.15).",
}


def preset(name: str) -> Optional[RuleSet]:
    """The shipped preset called ``name`` (None when there is none)."""
    return PRESETS.get(name)
