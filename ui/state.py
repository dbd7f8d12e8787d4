"""Session state: defaults set once, the dataset choice, and the URL round-trip."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.paths import default_synthetic_dir

BUILTIN = "builtin"

DEFAULTS = {
    "dataset_source": BUILTIN,   # "builtin" or a path (folder or CSV manifest)
    "dataset_path": "",
}


def init_state() -> None:
    """Set each default once (behind a presence check), then apply query parameters once per session."""
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value
    if not st.session_state.get("_query_applied"):
        qp = st.query_params
        if "dataset" in qp:
            value = qp["dataset"]
            if value == BUILTIN:
                st.session_state.dataset_source = BUILTIN
            else:
                st.session_state.dataset_source = "path"
                st.session_state.dataset_path = value
        st.session_state._query_applied = True


def write_query_params() -> None:
    """Write the shareable settings back to the URL (navigation clears query parameters)."""
    st.query_params["dataset"] = dataset_location()


def dataset_location() -> str:
    """``"builtin"`` or the path the user gave."""
    if st.session_state.get("dataset_source", BUILTIN) == BUILTIN:
        return BUILTIN
    return st.session_state.get("dataset_path", "").strip()


def dataset_path() -> Path:
    loc = dataset_location()
    return default_synthetic_dir() if loc == BUILTIN else Path(loc)
