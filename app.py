"""Entry point: ``streamlit run app.py``.

Declares the pages, draws the shared sidebar (dataset choice) and runs the chosen page. Pages read
the shared settings from ``st.session_state``; nothing else happens here.
"""

from __future__ import annotations

import streamlit as st

from ui.state import BUILTIN, init_state, write_query_params

st.set_page_config(page_title="Audio-lyrics fusion workbench", page_icon="🎛️", layout="wide")
init_state()

with st.sidebar:
    st.header("Dataset")
    st.radio("Source", options=[BUILTIN, "path"], key="dataset_source",
             format_func=lambda v: "Built-in synthetic songs" if v == BUILTIN else "A folder or CSV manifest",
             help="The built-in set is generated on first start (python -m core synth).")
    if st.session_state.dataset_source != BUILTIN:
        st.text_input("Path", key="dataset_path", placeholder="/music/gtzan or /music/manifest.csv",
                      help="A GTZAN folder (<genre>/<genre>.000NN.wav), a folder <genre>/<name>.wav with optional "
                           "<name>.txt lyrics, or a CSV manifest with audio_path and lyrics/lyrics_path columns.")

pages = [
    st.Page("pages/dataset.py", title="Dataset", icon="🗂️", default=True, url_path="dataset"),
]
page = st.navigation(pages)
write_query_params()
page.run()
