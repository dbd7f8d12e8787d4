"""The dashboard's shareable settings as one typed value, and its round trip through a URL.

A view (dataset, algorithm, k, seed, fusion, map, colouring, every rule threshold and delta) is
a frozen :class:`ViewSettings`. :func:`to_query` turns it into short string parameters (only those
that differ from the defaults) and :func:`from_query` parses them back, tolerating junk: a bad
value is replaced by its default and named in the returned warnings, never raised at the user.
Pure functions, so they are tested without Streamlit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Mapping, Optional

from core.clustering import ALGORITHM_FUSIONS, ALGORITHMS, FUSIONS  # noqa: F401  (re-exported for the app)
from core.features.audio import LEARNED_MODELS
from core.features.lyrics.config import GLOSS_ENGINES
from core.features.levels import (DEFAULT_AUDIO_LEVELS, DEFAULT_LEARNED_MODEL, DEFAULT_LYRICS_LEVELS,
                                  parse_audio_levels, parse_lyrics_levels)
from core.indicators.specs import threshold_allowed
from core.rules import DEFAULT_RULES, RuleSet

PROJECTIONS = ("umap", "pca")
#: ``pin=1`` marks a pinned rule set A; its parameters carry this prefix.
PIN_KEY, PIN_PREFIX = "pin", "A."
BUILTIN = "builtin"
#: The clustering choices in words (the sidebar, the captions); the names stay in links, files and the CLI.
ALGORITHM_LABELS = {"kmeans": "k-means", "agglomerative": "agglomerative (Ward)", "spectral": "spectral",
                    "gmm": "Gaussian mixture", "hdbscan": "HDBSCAN (density)"}
FUSION_LABELS = {"concat": "scaled concatenation", "weighted": "weighted-distance k-means",
                 "affinity": "mixed similarity graphs"}


def clustering_words(algorithm: str, fusion: str) -> str:
    """E.g. "k-means, scaled concatenation" (an unknown name is shown as it is)."""
    return f"{ALGORITHM_LABELS.get(algorithm, algorithm)}, {FUSION_LABELS.get(fusion, fusion)}"


@dataclass(frozen=True)
class ViewSettings:
    """Everything a shared link restores.

    Attributes
    ----------
    dataset : str
        ``"builtin"`` or a folder / manifest path.
    algorithm, fusion : str
        See :data:`ALGORITHMS`, :data:`ALGORITHM_FUSIONS`.
    n_clusters : int
        0 means "automatic": the number of genres when labelled, else 8.
    seed : int >= 0
    projection : {"umap", "pca"}; dims : {2, 3}
    color_by : str
        "cluster", "genre", "weight" or an indicator name.
    ruleset : RuleSet
    track : str
        The track open in the inspector ("" for none).
    audio_levels : tuple of str
        The audio levels every page clusters on (canonical order; see :mod:`core.features.levels`).
    learned_model : str
        The learned level's model, one of :data:`core.features.audio.LEARNED_MODELS`.
    lyrics_levels : tuple of str
        The lyrics levels every page clusters on (canonical order; see :mod:`core.features.levels`).
    instant : bool
        The Clusters page's instant map (computed in the browser, :mod:`core.views.instant`) is on.
    map_rule : str
        The rule whose threshold the Clusters page shows (its instant map and "Move a rule here"); one of
        the default rules' names.
    gloss_engine : str
        How Spanish lyrics become English for the semantic level: ``"dictionary"`` (word by word) or
        ``"apertium"`` (machine translation); see :data:`core.features.lyrics.config.GLOSS_ENGINES`.
    ruleset_a : RuleSet or None
        The rule set pinned as "A" for the A/B comparison (``ruleset`` is then "B"); None: nothing
        pinned. In the URL as ``pin=1`` plus A's differences from the defaults, each key prefixed
        ``A.`` (``A.base``, ``A.t.loud``), so one link reproduces both rule sets.
    """

    dataset: str = BUILTIN
    algorithm: str = "kmeans"
    fusion: str = "concat"
    n_clusters: int = 0
    seed: int = 0
    projection: str = "umap"
    dims: int = 2
    color_by: str = "cluster"
    instant: bool = False
    map_rule: str = DEFAULT_RULES.rules[0].name
    ruleset: RuleSet = field(default=DEFAULT_RULES)
    track: str = ""
    ruleset_a: Optional[RuleSet] = None
    audio_levels: tuple = DEFAULT_AUDIO_LEVELS
    learned_model: str = DEFAULT_LEARNED_MODEL
    lyrics_levels: tuple = DEFAULT_LYRICS_LEVELS
    gloss_engine: str = "dictionary"

    def resolved_k(self, n_genres: int | None, n_tracks: int) -> int:
        """The number of clusters to use: explicit, or the genre count, or 8; at least 2 (one cluster
        separates nothing, and the metric table clusters with at least 2), at most n_tracks."""
        k = self.n_clusters or (n_genres or 8)
        return max(1, min(max(k, 2), n_tracks))


def _parse_flag(text: str) -> bool:
    """"1" -> True, "0" -> False; anything else is a ValueError (the link's value is then ignored)."""
    if text not in ("0", "1"):
        raise ValueError(text)
    return text == "1"


_SCALARS = {  # query key -> (field, parser)
    "ds": ("dataset", str),
    "algo": ("algorithm", str),
    "fusion": ("fusion", str),
    "k": ("n_clusters", int),
    "seed": ("seed", int),
    "proj": ("projection", str),
    "dims": ("dims", int),
    "color": ("color_by", str),
    "instant": ("instant", _parse_flag),
    "rule": ("map_rule", str),
    "track": ("track", str),
    "levels": ("audio_levels", parse_audio_levels),
    "model": ("learned_model", str),
    "lyrics": ("lyrics_levels", parse_lyrics_levels),
    "gloss": ("gloss_engine", str),
}
_RULESET_KEYS = {  # query key -> (RuleSet field, parser)
    "base": ("base_weight", float),
    "soft": ("soft", lambda s: {"1": True, "0": False}[s]),
    "clip_lo": ("clip", float),
    "clip_hi": ("clip", float),
    "hard_nolyrics": ("no_lyrics_rule", lambda s: {"1": True, "0": False}[s]),
    "hard_badaudio": ("unusable_audio_rule", lambda s: {"1": True, "0": False}[s]),
    "hard_novoice": ("no_voice_rule", lambda s: {"1": True, "0": False}[s]),
    "aq_floor": ("audio_quality_floor", float),
    "voice_floor": ("voice_floor", float),
}


def _fmt(value) -> str:
    if isinstance(value, tuple):  # levels: "low,mid,high,learned", "semantic,lexical"
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        short = f"{value:.6g}"
        return short if float(short) == value else repr(value)  # a link must restore the exact value
    return str(value)


def to_query(view: ViewSettings, defaults: ViewSettings = ViewSettings()) -> dict:
    """Query parameters (str -> str) for ``view``; keys equal to the default are left out,
    except ``ds`` which is always written so a link names its dataset."""
    out = {}
    for key, (name, _) in _SCALARS.items():
        value = getattr(view, name)
        if key == "ds" or value != getattr(defaults, name):
            out[key] = _fmt(value)
    out.update(ruleset_query(view.ruleset, defaults.ruleset))
    if view.ruleset_a is not None:
        out[PIN_KEY] = "1"
        out.update({PIN_PREFIX + k: v for k, v in ruleset_query(view.ruleset_a, defaults.ruleset).items()})
    return out


def ruleset_query(rs: RuleSet, drs: RuleSet = DEFAULT_RULES) -> dict:
    """Query parameters of the fields where ``rs`` differs from ``drs``."""
    out = {}
    for key, (name, _) in _RULESET_KEYS.items():
        if name == "clip":
            idx = 0 if key == "clip_lo" else 1
            if rs.clip[idx] != drs.clip[idx]:
                out[key] = _fmt(rs.clip[idx])
        elif getattr(rs, name) != getattr(drs, name):
            out[key] = _fmt(getattr(rs, name))
    default_rules = {r.name: r for r in drs.rules}
    for rule in rs.rules:
        d = default_rules.get(rule.name)
        if d is None or rule.threshold != d.threshold:
            out[f"t.{rule.name}"] = _fmt(rule.threshold)
        if d is None or rule.delta != d.delta:
            out[f"d.{rule.name}"] = _fmt(rule.delta)
        if d is not None and rule.indicator != d.indicator:  # e.g. a voice rule on the learned estimate
            out[f"i.{rule.name}"] = rule.indicator
    return out


def from_query(params: Mapping[str, str], defaults: ViewSettings = ViewSettings()) -> tuple[ViewSettings, list]:
    """Parse query parameters into settings; returns ``(settings, warnings)``.

    Unknown keys are ignored; a value that does not parse or is out of range keeps the default and
    adds a warning naming the key and the value.
    """
    warnings: list[str] = []
    kw = {}
    for key, (name, parse) in _SCALARS.items():
        if key in params:
            try:
                kw[name] = parse(params[key])
            except (TypeError, ValueError):
                warnings.append(f"ignored {key}={params[key]!r} (not a valid {name})")
    view = defaults
    for name, value in kw.items():
        candidate = dataclasses.replace(view, **{name: value})
        problem = validate_view(candidate)
        if problem:
            warnings.append(f"ignored {name}={value!r}: {problem}")
        else:
            view = candidate
    rs = ruleset_from_query(params, view.ruleset, warnings)
    pinned = None
    if params.get(PIN_KEY) == "1":
        sub = {k[len(PIN_PREFIX):]: v for k, v in params.items() if k.startswith(PIN_PREFIX)}
        pinned = ruleset_from_query(sub, defaults.ruleset, warnings, prefix=PIN_PREFIX)
    return dataclasses.replace(view, ruleset=rs, ruleset_a=pinned), warnings


def ruleset_from_query(params: Mapping[str, str], rs: RuleSet, warnings: list, prefix: str = "") -> RuleSet:
    """``rs`` with the rule-set parameters in ``params`` applied; bad ones are skipped and named
    (with ``prefix``) in ``warnings``."""
    clip = list(rs.clip)
    changes = {}
    for key, (name, parse) in _RULESET_KEYS.items():
        if key not in params:
            continue
        try:
            value = parse(params[key])
        except (KeyError, TypeError, ValueError):
            warnings.append(f"ignored {prefix}{key}={params[key]!r}")
            continue
        if name == "clip":
            clip[0 if key == "clip_lo" else 1] = value
        else:
            changes[name] = value
    for name, value in changes.items():
        try:
            rs = rs.with_changes(**{name: value})
        except ValueError as exc:
            warnings.append(f"ignored {prefix}{name}={value!r}: {exc}")
    if tuple(clip) != rs.clip:
        try:
            rs = rs.with_changes(clip=tuple(clip))
        except ValueError as exc:
            warnings.append(f"ignored {prefix}clip={tuple(clip)}: {exc}")
    for key, raw in params.items():
        if key[:2] == "i." and len(key) > 2:  # the indicator a rule reads (before its threshold)
            rule = key[2:]
            if rule not in rs.rule_names:
                warnings.append(f"ignored {prefix}{key}: no rule called {rule!r}")
                continue
            try:
                rs = rs.replace_rule(rule, indicator=str(raw))
            except ValueError as exc:
                warnings.append(f"ignored {prefix}{key}={raw!r}: {exc}")
    for key, raw in params.items():
        if key[:2] in ("t.", "d.") and len(key) > 2:
            rule, attr = key[2:], ("threshold" if key[0] == "t" else "delta")
            if rule not in rs.rule_names:
                warnings.append(f"ignored {prefix}{key}: no rule called {rule!r}")
                continue
            try:
                value = float(raw)
                allowed = threshold_allowed(rs.get_rule(rule).indicator, value) if attr == "threshold" else ""
                if allowed:
                    raise ValueError(f"the threshold must be {allowed}")
                rs = rs.replace_rule(rule, **{attr: value})
            except ValueError as exc:
                warnings.append(f"ignored {prefix}{key}={raw!r}: {exc}")
    return rs


def validate_view(view: ViewSettings) -> str:
    """'' if the settings are consistent, else what is wrong (in words)."""
    if view.algorithm not in ALGORITHMS:
        return f"algorithm must be one of {ALGORITHMS}"
    if view.fusion not in ALGORITHM_FUSIONS[view.algorithm]:
        return f"{view.algorithm} takes fusion {ALGORITHM_FUSIONS[view.algorithm]}"
    if not (0 <= view.n_clusters <= 100):
        return "k must be between 0 (automatic) and 100"
    if view.seed < 0:
        return "seed must be >= 0"
    if view.projection not in PROJECTIONS:
        return f"projection must be one of {PROJECTIONS}"
    if view.dims not in (2, 3):
        return "dims must be 2 or 3"
    if view.learned_model not in LEARNED_MODELS:
        return f"model must be one of {LEARNED_MODELS}"
    if view.gloss_engine not in GLOSS_ENGINES:
        return f"gloss must be one of {GLOSS_ENGINES}"
    if view.map_rule not in DEFAULT_RULES.rule_names:
        return f"rule must be one of {DEFAULT_RULES.rule_names}"
    return ""
