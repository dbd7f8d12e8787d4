"""The instant panel on the Clusters page: a Streamlit component (``st.components.v2``) whose sliders
move the map and its live metric row in the browser, with no round trip (JavaScript in
``ui/instant_js/``, data from :mod:`core.views.instant`).

State the browser sends back (each with a callback that runs before the page's fragment reruns):

* ``have``: the dataset key the browser holds; the large dataset part is sent only while it differs;
* ``rules``: ``{base_weight, rule, threshold}`` on a slider's release: copied into the same session keys
  the page's own sliders use, so the URL, the comparison table, the other pages follow;
* ``track``: a clicked point (the inspector's track);
* ``colour``: the colour chosen in the panel (cluster, genre or audio weight), into the map's ``color_by``
  so the link and a reload keep it.
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

from core.views import instant as core_instant
from ui import cached
from ui.figures_map import PALETTE
from ui.instant_js import live_math_source
from ui.state import DEFAULT_TRACK, rule_key, write_query_params

KEY = "instant_panel"
#: The colourings the panel draws (``color_by`` values of the server's map).
COLOURS = ("cluster", "genre", "weight")
_JS = Path(__file__).resolve().parent / "instant_js"
#: Session key: the dataset key the browser said it holds.
_HAVE = "_instant_have"
#: Session key: how often the page's "Re-seed clustering" was pressed (the panel then starts from the server's
#: fresh clustering instead of its own warm start).
EPOCH = "_instant_epoch"


def reseed(loop) -> None:
    """"Re-seed clustering": the server's loop forgets its centres, and so does the panel."""
    loop.reseed()
    st.session_state[EPOCH] = st.session_state.get(EPOCH, 0) + 1


@functools.lru_cache(maxsize=1)
def _component():
    js = live_math_source() + "\n" + (_JS / "panel.js").read_text(encoding="utf-8")  # plain scripts, then the module
    return st.components.v2.component("workbench_instant_panel", js=js,
                                      css=(_JS / "panel.css").read_text(encoding="utf-8"))


def _state() -> dict:
    value = st.session_state.get(KEY)
    return dict(value) if isinstance(value, dict) else {}


def _on_have() -> None:
    st.session_state[_HAVE] = _state().get("have")


def _on_rules() -> None:
    """A slider released in the panel: into the session keys of the page's own sliders."""
    v = _state().get("rules") or {}
    try:
        rule, threshold, base = str(v["rule"]), float(v["threshold"]), float(v["base_weight"])
    except (KeyError, TypeError, ValueError):
        return  # not a message of ours: nothing changes
    s = st.session_state
    s["map_rule"] = rule
    s[rule_key(rule, "t")] = threshold
    s["base_weight"] = min(max(base, 0.0), 1.0)


def _on_track() -> None:
    track = _state().get("track")
    if track:
        st.session_state["track"] = str(track)
        st.session_state.pop(DEFAULT_TRACK, None)


def _on_colour() -> None:
    colour = _state().get("colour")
    if colour in COLOURS:
        st.session_state["color_by"] = colour


def dataset_key(path: str, prepared) -> str:
    """The browser's cache key of this prepared dataset (path, stamp, level choice, size)."""
    parts = (path, cached.stamp(path), *cached.levels_choice(), cached.lyrics_choice(), cached.gloss_choice())
    return core_instant.dataset_key(repr(parts), prepared)


def instant_panel(path: str, view, prepared, result, genres) -> None:
    """Mount the panel for the current view (the caller checked :func:`core.views.instant.instant_unavailable`)."""
    key = dataset_key(path, prepared)
    rule = st.session_state.get("map_rule")
    names = [r.name for r in view.ruleset.rules]
    if rule not in names:
        rule = names[0]
    data = {
        "key": key, "have_check": st.session_state.get(_HAVE), "palette": list(PALETTE),
        "setting": core_instant.setting_payload(
            view.ruleset, rule, algorithm=view.algorithm, fusion=view.fusion, n_clusters=result.n_clusters,
            seed=view.seed, centers=result.centers, selected=st.session_state.get("track") or "",
            color_by=st.session_state.get("color_by") or "cluster", epoch=st.session_state.get(EPOCH, 0)),
    }
    if st.session_state.get(_HAVE) != key:
        data["dataset"] = core_instant.dataset_payload(key, prepared, genres)
    _component()(key=KEY, data=data, default={"have": None, "rules": None, "track": None, "colour": None},
                 on_have_change=_on_have, on_rules_change=_on_rules, on_track_change=_on_track,
                 on_colour_change=_on_colour)
    write_query_params()
