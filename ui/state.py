"""Session state for the dashboard: one widget key per setting, typed through ViewSettings.

* :func:`init_state` runs at the top of every script run (in app.py): on the first run of a
  session it fills the keys from the URL (``st.query_params``) or the defaults; on later runs it
  re-assigns every key so values survive page changes (Streamlit drops the state of widgets
  that a page does not draw).
* :func:`current_view` reads the keys into a :class:`~core.views.viewstate.ViewSettings`.
* :func:`write_query_params` writes the view back to the URL, on every page, so the address is
  always a shareable link (navigation clears query parameters).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import streamlit as st

from core.paths import default_synthetic_dir
from core.rules import DEFAULT_RULES
from core.views.viewstate import BUILTIN, ViewSettings, from_query, to_query

SCALAR_KEYS = ("algorithm", "fusion", "n_clusters", "seed", "projection", "dims", "color_by", "instant", "map_rule", "track")
RULESET_KEYS = ("base_weight", "soft", "no_lyrics_rule", "unusable_audio_rule", "no_voice_rule",
                "audio_quality_floor", "voice_floor")


def rule_key(rule: str, attr: str) -> str:
    """Widget key of a rule's threshold ("t"), delta ("d") or the indicator it reads ("i")."""
    return f"{attr}.{rule}"


def _state_from_view(view: ViewSettings) -> dict:
    out = {k: getattr(view, k) for k in SCALAR_KEYS}
    if view.dataset == BUILTIN:
        out["dataset_source"], out["dataset_path"] = BUILTIN, ""
    else:
        out["dataset_source"], out["dataset_path"] = "path", view.dataset
    rs = view.ruleset
    out.update({k: getattr(rs, k) for k in RULESET_KEYS})
    out["clip"] = tuple(rs.clip)
    out["ruleset_a"] = view.ruleset_a
    out["audio_levels"], out["learned_model"] = list(view.audio_levels), view.learned_model  # Dataset page
    out["learned_layer"] = view.learned_layer  # Dataset page
    out["lyrics_levels"], out["gloss_engine"] = list(view.lyrics_levels), view.gloss_engine  # Dataset page
    for r in rs.rules:
        out[rule_key(r.name, "t")] = float(r.threshold)
        out[rule_key(r.name, "d")] = float(r.delta)
        out[rule_key(r.name, "i")] = r.indicator
    return out


#: A copy of every view key's value, kept outside Streamlit's widget state. Streamlit drops the state of widgets a
#: page does not draw, and a key a fragment run changed (a Rules slider) reads its value of the last *full* run
#: on the next page's run; the next full run puts both right from here.
_KEPT = "_kept_view_values"
#: Every view key's value as the last full run resolved it (to tell a stale value from a user's change).
_FULL = "_view_values_last_full_run"
#: Every key a view is made of (the rules' thresholds, deltas and indicators included).
_VIEW_KEYS = tuple(_state_from_view(ViewSettings()))


def _copy(value):
    return list(value) if isinstance(value, list) else value


def apply_view(view: ViewSettings) -> None:
    """Set every widget key from ``view`` (e.g. after "apply auto-tune" or "reset")."""
    kept = st.session_state.setdefault(_KEPT, {})
    for key, value in _state_from_view(view).items():
        st.session_state[key] = value
        kept[key] = _copy(value)


def init_state() -> None:
    """First run of a session: URL or defaults into the keys. Every full run: keep the keys alive, and put
    back what a fragment run changed or dropped.

    For each key: dropped (a widget of another page) -> the kept value; still the value of the last full run
    while the kept copy differs -> a fragment run (or :func:`apply_view`) changed it since, and Streamlit
    shows the old value: the kept one; otherwise the value as it is (unchanged, or changed by the user's
    widget in this run)."""
    s = st.session_state
    if not s.get("_initialised"):
        view, problems = from_query(dict(st.query_params.to_dict()))
        for key, value in _state_from_view(view).items():
            if key not in s:  # keys set before the first run (tests, callbacks) win
                s[key] = value
        s["_url_warnings"] = problems
        s["_initialised"] = True
    kept, full = s.setdefault(_KEPT, {}), s.setdefault(_FULL, {})
    for key in _VIEW_KEYS:
        if key not in s:
            if key in kept:
                s[key] = _copy(kept[key])
        elif key in kept and key in full and s[key] == full[key] and kept[key] != full[key]:
            s[key] = _copy(kept[key])
        else:
            s[key] = s[key]
        if key in s:
            full[key] = _copy(s[key])
    keep_view_values()


def keep_view_values() -> None:
    """Copy every view key's current value into the kept copy. Called on every full run (:func:`init_state`)
    and in every fragment run (through :func:`write_query_params`), so a slider moved in a
    fragment is what the next page's run gets back."""
    s = st.session_state
    kept = s.setdefault(_KEPT, {})
    for key in _VIEW_KEYS:
        if key in s:
            kept[key] = _copy(s[key])


#: The view keys a rule slider holds (base weight, clip, switches, each rule's threshold, delta and indicator) and
#: the Clusters page's choice of rule.
_RULE_KEYS = tuple(k for k in _VIEW_KEYS if k in RULESET_KEYS or k in ("clip", "map_rule")
                   or k.split(".", 1)[0] in ("t", "d", "i"))


def hold_rule_values() -> None:
    """At the start of a fragment run that may leave out its rule sliders (the Clusters page's, while the instant
    map holds its own): keep every rule key alive as a session value, as :func:`init_state` does on a full run,
    and put back from the kept copy a key Streamlit already dropped. A fragment run skips ``init_state``, and
    Streamlit drops the state of a fragment's widget that the run does not draw: the rules then read their
    defaults (a link's thresholds lost), and the slider drawn again later started at its minimum (base weight 0)."""
    s = st.session_state
    kept = s.get(_KEPT, {})
    for key in _RULE_KEYS:
        if key in s:
            s[key] = s[key]
        elif key in kept:
            s[key] = _copy(kept[key])


def current_ruleset():
    """The RuleSet the sliders describe."""
    s = st.session_state
    rs = DEFAULT_RULES
    changes = {k: s[k] for k in RULESET_KEYS if k in s}
    if "clip" in s:
        lo, hi = s["clip"]
        changes["clip"] = (float(min(lo, hi)), float(max(lo, hi)))
    rules = []
    for r in rs.rules:
        rules.append(dataclasses.replace(r, threshold=float(s.get(rule_key(r.name, "t"), r.threshold)),
                                         delta=float(s.get(rule_key(r.name, "d"), r.delta)),
                                         indicator=str(s.get(rule_key(r.name, "i"), r.indicator))))
    return rs.with_changes(rules=tuple(rules), **changes)


def current_view() -> ViewSettings:
    s = st.session_state
    kw = {k: s[k] for k in SCALAR_KEYS if k in s}
    from ui.levels import current_gloss_engine, current_levels, current_lyrics_levels
    levels, model, layer = current_levels()
    return dataclasses.replace(ViewSettings(), dataset=dataset_location() or BUILTIN, ruleset=current_ruleset(),
                               ruleset_a=s.get("ruleset_a"), audio_levels=levels, learned_model=model,
                               learned_layer=layer,
                               lyrics_levels=current_lyrics_levels(), gloss_engine=current_gloss_engine(), **kw)


def pin_a() -> None:
    """Keep the current rule set as "A" (the sliders go on as "B")."""
    st.session_state["ruleset_a"] = current_ruleset()


def unpin_a() -> None:
    st.session_state["ruleset_a"] = None


def apply_ruleset(ruleset) -> None:
    """Set every rule slider from ``ruleset`` (a preset or an uploaded file); A stays pinned."""
    apply_view(dataclasses.replace(current_view(), ruleset=ruleset))


#: Session key of the track the inspector picked by default (the dataset's first), not by the user.
DEFAULT_TRACK = "_default_track"


def write_query_params() -> None:
    """Replace the URL's query parameters with the current view's, and keep a copy of the view's values
    (:func:`keep_view_values`; every fragment calls this, as a fragment run skips app.py's :func:`init_state`)."""
    keep_view_values()
    wanted = to_query(current_view())
    if "track" in wanted and wanted["track"] == st.session_state.get(DEFAULT_TRACK):
        del wanted["track"]  # the inspector's default track (its first): opening the link picks it again
    if dict(st.query_params.to_dict()) != wanted:
        st.query_params.from_dict(wanted)


def dataset_location() -> str:
    """``"builtin"`` or the path the user gave (folder, manifest or unpacked upload)."""
    if st.session_state.get("dataset_source", BUILTIN) == BUILTIN:
        return BUILTIN
    return str(st.session_state.get("dataset_path", "")).strip()


def dataset_path() -> Path:
    loc = dataset_location()
    return default_synthetic_dir() if loc == BUILTIN else Path(loc)
