"""The presets panel: load a shipped or saved rule set, save the current one under a name, download it
as JSON and upload a JSON file (core.presets parses and validates; a bad file changes nothing)."""

from __future__ import annotations

import streamlit as st

from core.errors import WorkbenchError
from core.presets import PRESET_NOTES, PRESETS, ruleset_from_json, ruleset_to_json
from core.rules import DEFAULT_RULES
from ui.state import apply_ruleset, current_ruleset

_SAVED = "_saved_presets"


def saved() -> dict:
    """Presets saved in this session (name -> RuleSet); shipped ones are in core.presets.PRESETS."""
    return st.session_state.setdefault(_SAVED, {})


def all_presets() -> dict:
    return {**PRESETS, **saved()}


def check_app_rules(ruleset) -> str:
    """'' when the app's sliders can show ``ruleset`` (the default rules, by name), else why not."""
    want, got = set(DEFAULT_RULES.rule_names), set(ruleset.rule_names)
    if want != got:
        extra, missing = sorted(got - want), sorted(want - got)
        return ("Field 'ruleset.rules': the app's sliders hold the default rules "
                f"({', '.join(DEFAULT_RULES.rule_names)}); "
                + (f"unknown: {', '.join(extra)}. " if extra else "")
                + (f"missing: {', '.join(missing)}. " if missing else "")
                + "Use the file with `python -m core ablate --rules` instead.")
    return ""


def _load() -> None:
    name = st.session_state.get("preset_choice")
    rs = all_presets().get(name)
    if rs is not None:
        apply_ruleset(rs)
        st.session_state["_preset_message"] = ("success", f"Loaded the preset {name!r}.")


def _save() -> None:
    name = str(st.session_state.get("preset_name", "")).strip()
    if not name:
        st.session_state["_preset_message"] = ("error", "Give the preset a name first.")
        return
    if name in PRESETS:
        st.session_state["_preset_message"] = ("error", f"{name!r} is a shipped preset: choose another name.")
        return
    saved()[name] = current_ruleset()
    st.session_state["preset_choice"] = name
    st.session_state["_preset_message"] = ("success", f"Saved the current rules as {name!r} (this session; "
                                                      "download the JSON to keep it).")


def _upload() -> None:
    f = st.session_state.get("preset_upload")
    if f is None:
        return
    try:
        rs, name, _ = ruleset_from_json(f.getvalue().decode("utf-8", errors="replace"), source=f.name)
        problem = check_app_rules(rs)
        if problem:
            raise WorkbenchError(problem)
    except WorkbenchError as exc:
        st.session_state["_preset_message"] = ("error", f"{f.name} was not loaded, nothing changed. {exc}")
        return
    apply_ruleset(rs)
    label = name or f.name
    saved()[label] = rs
    st.session_state["preset_choice"] = label
    st.session_state["_preset_message"] = ("success", f"Loaded {f.name} as {label!r}.")


def presets_panel() -> None:
    with st.expander("Presets: load, save, download, upload", expanded=False):
        names = list(all_presets())
        if st.session_state.get("preset_choice") not in names:
            st.session_state["preset_choice"] = names[0]
        cols = st.columns([3, 1])
        cols[0].selectbox("Preset", names, key="preset_choice",
                          format_func=lambda n: f"{n}: {PRESET_NOTES[n]}" if n in PRESET_NOTES else n)
        cols[1].button("Load", key="preset_load", on_click=_load, icon=":material/upload_file:", width="stretch")
        cols = st.columns([3, 1])
        cols[0].text_input("Save the current rules as", key="preset_name", placeholder="my rules")
        cols[1].button("Save", key="preset_save", on_click=_save, icon=":material/save:", width="stretch")
        name = str(st.session_state.get("preset_name", "")).strip() or "my rules"
        st.download_button("Download the current rules (JSON)", data=ruleset_to_json(current_ruleset(), name),
                           file_name=f"{name.replace(' ', '_')}.json", mime="application/json",
                           icon=":material/download:", key="preset_download")
        st.file_uploader("Upload rules (JSON)", type=["json"], key="preset_upload", on_change=_upload,
                         help="A file from the download above (format in the README).")
        kind, text = st.session_state.pop("_preset_message", (None, ""))
        if kind == "error":
            st.error(text)
        elif kind == "success":
            st.success(text)
