"""The Ablation page's sweep section: read a sweep CSV the CLI wrote (or run a small sweep with a
progress bar) and draw it as one line chart."""

from __future__ import annotations

import time

import streamlit as st

from core.errors import WorkbenchError
from core.experiments import ExperimentConfig
from core.experiments.sweep import crossing, latest_sweep, read_sweep, run_sweep
from core.paths import data_dir
from ui.figures_sweep import sweep_figure

#: The small sweep the page runs itself (the CLI runs bigger ones).
SMALL_SWEEP = {"shares": (0.0, 0.25, 0.5), "data_seeds": (0,), "tracks_per_genre": 8,
               "clip_seconds": 5.0, "seeds": 3}


def _run_small() -> None:
    s = SMALL_SWEEP
    bar = st.progress(0.0, text="Sweep: building the first set...")

    def progress(done, total, message=""):
        bar.progress(min(done / max(total, 1), 1.0), text=f"Sweep: {done}/{total} sets ({message})")

    try:
        table = run_sweep(s["shares"], s["data_seeds"],
                          [ExperimentConfig(fusion="concat", seeds=tuple(range(s["seeds"])))],
                          tracks_per_genre=s["tracks_per_genre"], clip_seconds=s["clip_seconds"],
                          progress=progress)
    except WorkbenchError as exc:
        bar.empty()
        st.error(f"The sweep could not run: {exc}")
        return
    bar.empty()
    out = data_dir() / "runs" / f"sweep-app-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sweep.csv", index=False)
    st.session_state["_sweep_file"] = str(out / "sweep.csv")


def sweep_section() -> None:
    """Draw the sweep section (an expander)."""
    with st.expander("Degradation sweep: where do per-track weights start to pay?",
                     expanded=bool(st.session_state.get("sweep.path") or latest_sweep())):
        st.caption("Generator v2 sets with a growing share of degraded tracks per modality: dynamic, "
                   "its shuffle, static 0.5 and the oracle best static weight (NMI, mean and 95 % CI "
                   "over generated sets). `python -m core sweep --degrade 0,0.1,0.2,0.3,0.4,0.5 "
                   "--data-seeds 0,1,2` writes the CSV this reads.")
        if "_sweep_file" in st.session_state:
            st.session_state["sweep.path"] = st.session_state.pop("_sweep_file")
        default = latest_sweep()
        st.session_state.setdefault("sweep.path", str(default) if default else "")
        path = st.text_input("Sweep CSV", key="sweep.path")
        s = SMALL_SWEEP
        if st.button("Run a small sweep", help=(
                f"shares {', '.join(f'{x:g}' for x in s['shares'])}, {s['tracks_per_genre']} tracks "
                f"per genre, {s['clip_seconds']:g} s clips, {s['seeds']} clustering seeds, concat; "
                "a few minutes")):
            _run_small()
            st.rerun()
        if not path:
            st.info("No sweep yet: run `python -m core sweep` or press Run a small sweep.")
            return
        try:
            table = read_sweep(path)
        except WorkbenchError as exc:
            st.error(str(exc))
            return
        st.plotly_chart(sweep_figure(table), key="sweep.fig")
        for fusion in dict.fromkeys(table["fusion"]):
            cross = crossing(table, fusion)
            st.markdown(f"- **{fusion}**: " + (
                f"dynamic is above static 0.5 from a degraded share of {cross:g}" if cross is not None
                else "dynamic is not above static 0.5 at any share swept"))
        st.dataframe(table, hide_index=True, width="stretch")
