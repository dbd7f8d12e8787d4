"""Entry point: ``streamlit run app.py``.

Pages live in ``app_pages/`` and not ``pages/``: Streamlit treats a folder named ``pages`` as its
old file-based navigation, and a shared deep link (``/rules?...``) to a fresh server then ran the
page without this script (no sidebar, no settings from the link).

Declares the pages, keeps the shared settings alive across pages, draws the shared sidebar
(dataset, algorithm, k, seed) and runs the chosen page. Pages read the settings from
``st.session_state`` through ``ui.state``.
"""

from __future__ import annotations

import streamlit as st

from core.views.viewstate import ALGORITHM_FUSIONS, ALGORITHM_LABELS, ALGORITHMS, BUILTIN, FUSION_LABELS
from ui.cached import feature_problem, start_map_warm_up
from ui.state import dataset_location, dataset_path, init_state, write_query_params

st.set_page_config(page_title="Audio-lyrics fusion workbench", page_icon=":material/equalizer:", layout="wide")
init_state()
start_map_warm_up()  # UMAP compiles in the background while the first page is read


def _fix_fusion():
    allowed = ALGORITHM_FUSIONS[st.session_state.algorithm]
    if st.session_state.get("fusion") not in allowed:
        st.session_state.fusion = allowed[0]


with st.sidebar:
    st.header("Dataset")
    st.radio("Source", options=[BUILTIN, "path"], key="dataset_source",
             format_func=lambda v: "Built-in synthetic songs" if v == BUILTIN else "A folder, file or upload",
             help="The built-in set is generated on first start. Upload a zip on the Dataset page.")
    if st.session_state.dataset_source != BUILTIN:
        st.text_input("Path", key="dataset_path", placeholder="/music/gtzan or /music/manifest.csv",
                      help="A GTZAN folder (<genre>/<genre>.000NN.wav), a folder <genre>/<name>.wav with optional "
                           "<name>.txt lyrics, a CSV manifest with audio_path and lyrics/lyrics_path columns, or "
                           "a features file (.parquet or .csv with audio_*/lyrics_* embedding columns).")
    st.header("Clustering")
    st.selectbox("Algorithm", ALGORITHMS, key="algorithm", on_change=_fix_fusion,
                 format_func=lambda a: ALGORITHM_LABELS.get(a, a))
    _fix_fusion()
    st.selectbox("Fusion", ALGORITHM_FUSIONS[st.session_state.algorithm], key="fusion",
                 format_func=lambda f: FUSION_LABELS[f],
                 help="How the two modalities are combined for clustering (see the README).")
    st.number_input("Clusters (0 = number of genres)", min_value=0, max_value=100, step=1, key="n_clusters")
    st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="seed")
    for problem in st.session_state.pop("_url_warnings", []):
        st.warning(f"Link parameter {problem}")
    health_slot = st.empty()  # filled after the page ran (it loads the features)

pages = [
    # The first page is served at "/"; a hidden twin of the same script at "/dataset", so the first
    # page's own address works as a bookmark too (Streamlit gives a default page no other URL).
    st.Page("app_pages/dataset.py", title="Dataset", icon=":material/folder_open:", default=True, url_path="home"),
    st.Page("app_pages/rules.py", title="Rules and weights", icon=":material/tune:", url_path="rules"),
    st.Page("app_pages/compare.py", title="Compare A/B", icon=":material/compare_arrows:", url_path="compare"),
    st.Page("app_pages/lesson.py", title="Lesson", icon=":material/school:", url_path="lesson"),
    st.Page("app_pages/clusters.py", title="Clusters and map", icon=":material/scatter_plot:", url_path="clusters"),
    st.Page("app_pages/weights.py", title="Weights per cluster", icon=":material/bar_chart:", url_path="weights"),
    st.Page("app_pages/ablation.py", title="Ablation", icon=":material/science:", url_path="ablation"),
    st.Page("app_pages/inspector.py", title="Track inspector", icon=":material/search:", url_path="inspector"),
    st.Page("app_pages/sensitivity.py", title="Sensitivity", icon=":material/thermostat:", url_path="sensitivity"),
    st.Page("app_pages/export.py", title="Export", icon=":material/download:", url_path="export"),
    st.Page("app_pages/dataset.py", title="Dataset", icon=":material/folder_open:", url_path="dataset",
            visibility="hidden"),
]
page = st.navigation(pages)
write_query_params()  # before the page too: one that stops early (st.stop) can no longer write in `finally`
try:
    page.run()
finally:  # after the page ran, so widget changes it made in this run are in the address at once
    write_query_params()
    _problem = feature_problem(str(dataset_path())) if dataset_location() else None
    if _problem:
        health_slot.error(f"Features not ready: {_problem}")
