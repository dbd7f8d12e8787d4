"""Sensitivity: a metric over a grid of two rule thresholds (heatmap, current sliders marked), and
the unsupervised auto-tune with a button that puts its thresholds on the rule sliders.
Reads the settings, calls core.experiments (cached), draws."""

from __future__ import annotations

import math

import streamlit as st

from core.errors import WorkbenchError
from core.experiments import (DEFAULT_AUTOTUNE_GRID, EXTERNAL_METRICS, INTERNAL_METRICS, autotune,
                              sensitivity_grid)
from core.views.sensitivity import (NO_LYRICS_FLAT, autotune_grid, autotune_table, best_cell, cell_value,
                                    default_axes, grid_values, inert_reason, k_source, slider_updates,
                                    threshold_specs)
from core.views.tables import LOWER_IS_BETTER, METRIC_NAMES, NO_LABELS_NOTE
from core.views.viewstate import clustering_words
from ui import cached
from ui.common import fusion_note, require_ready, resolved_k
from ui.figures_grids import sensitivity_figure
from ui.state import current_ruleset, current_view, dataset_path, keep_view_values, rule_key, write_query_params

st.title("Sensitivity")
ready = require_ready()
fusion_note(ready)
if not ready.prepared.has_lyrics:  # the weights cannot matter: every grid cell, every rule set, the same clustering
    st.info(NO_LYRICS_FLAT)
    st.stop()
path = str(dataset_path())
view = current_view()
ruleset = current_ruleset()
labelled = ready.dataset.labels is not None
n_genres = len(set(ready.dataset.labels)) if labelled else None
k = resolved_k(ready)
specs = threshold_specs(ruleset)
names = list(specs)


def _set_sliders(updates: dict) -> None:
    """Button callback: runs before the next script run, so the Rules page's sliders show it."""
    for key, value in updates.items():
        st.session_state[key] = value
    keep_view_values()  # the kept copy too: the next page's run must not put the old thresholds back


def _keep_valid(key: str, options, default) -> None:
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def _prepared_for(r: cached.Ready, algorithm: str, fusion: str):
    config = r.prepared.config.with_changes(algorithm=algorithm, fusion=fusion)
    return r.prepared.with_config(config)


@st.cache_data(show_spinner=False, max_entries=32)
def _grid(path: str, stamp: float, ruleset, rule_a: str, rule_b: str, values_a: tuple, values_b: tuple,
          metric: str, seed: int, k: int, algorithm: str, fusion: str):
    r = cached.ready(path)
    labels = r.dataset.labels if metric in EXTERNAL_METRICS else None
    return sensitivity_grid(_prepared_for(r, algorithm, fusion), ruleset, rule_a, rule_b, values_a, values_b,
                            metric=metric, seed=seed, labels=labels, n_clusters=k)


# ---------------------------------------------------------------------------------------------
@st.fragment
def grid_panel() -> None:
    """The grid's controls, heatmap and cell picker: a change here reruns only this part."""
    ruleset = current_ruleset()  # fresh: "set the sliders" reruns only this fragment
    specs = threshold_specs(ruleset)
    st.subheader("A metric over two thresholds")
    st.caption(f"Every cell sets the two thresholds on the current rules, recomputes the weights and clusters "
               f"all {ready.prepared.n_tracks} tracks ({clustering_words(view.algorithm, view.fusion)}, k = {k}, "
               f"seed {view.seed}).")
    metrics = (list(EXTERNAL_METRICS) if labelled else []) + list(INTERNAL_METRICS) + ["mean_weight"]
    first, second = default_axes(ruleset)
    _keep_valid("sens_a", names, first)
    _keep_valid("sens_b", names, second)
    _keep_valid("sens_metric", metrics, "nmi" if labelled else "silhouette")
    st.session_state.setdefault("sens_n", 7)

    cols = st.columns([2, 2, 2, 1])
    cols[0].selectbox("Rows: threshold A", names, key="sens_a", format_func=lambda n: specs[n].label)
    cols[1].selectbox("Columns: threshold B", names, key="sens_b", format_func=lambda n: specs[n].label)
    cols[2].selectbox("Metric", metrics, key="sens_metric", format_func=lambda m: METRIC_NAMES.get(m, m),
                      help="External metrics need genre labels; internal ones in each modality's own "
                           "embedding, averaged; 'mean audio weight' needs no clustering.")
    cols[3].slider("Cells per axis", 3, 11, key="sens_n")
    if not labelled:
        st.caption(f"{NO_LABELS_NOTE.capitalize()}: this dataset has no genre labels.")
    rule_a, rule_b = st.session_state["sens_a"], st.session_state["sens_b"]
    metric, n_cells = st.session_state["sens_metric"], int(st.session_state["sens_n"])
    if rule_a == rule_b:
        st.info("Choose two different thresholds.")
        return
    for name, along in ((rule_a, "row"), (rule_b, "column")):
        if inert_reason(ruleset, name):
            st.info(f"In the current rules {inert_reason(ruleset, name)}: every {along} of the grid is alike. "
                    "Give it a delta (or switch its hard rule on) on the Rules page, or pick another threshold.")
    picked_ranges = []
    for col, name in zip(st.columns(2), (rule_a, rule_b)):
        s = specs[name]
        key = f"sens_range.{name}"
        st.session_state.setdefault(key, (s.lo, s.hi))
        unit = f" ({s.unit})" if s.unit else ""
        col.slider(f"Range of {name}{unit}", min_value=s.lo, max_value=s.hi, key=key, step=(s.hi - s.lo) / 100.0)
        lo, hi = st.session_state[key]
        picked_ranges.append(grid_values(float(lo), float(max(hi, lo)), n_cells))
    values_a, values_b = picked_ranges
    lower = metric in LOWER_IS_BETTER
    try:
        with st.spinner(f"Clustering {len(values_a) * len(values_b)} grid cells..."):
            grid = _grid(path, cached.stamp(path), ruleset, rule_a, rule_b, values_a, values_b, metric,
                         int(view.seed), int(k), view.algorithm, view.fusion)
    except WorkbenchError as exc:
        st.error(f"The grid could not be computed: {exc}")
        return
    ba, bb, bv = best_cell(grid, lower_is_better=lower)
    _keep_valid("sens_pick_a", list(grid.index), ba if not math.isnan(ba) else grid.index[0])
    _keep_valid("sens_pick_b", list(grid.columns), bb if not math.isnan(bb) else grid.columns[0])
    current = (specs[rule_a].current, specs[rule_b].current)
    chosen = (st.session_state["sens_pick_a"], st.session_state["sens_pick_b"])
    label = METRIC_NAMES.get(metric, metric)
    st.plotly_chart(sensitivity_figure(grid, current, metric_label=label, lower_is_better=lower,
                                       label_a=rule_a, label_b=rule_b, chosen=chosen),
                    key="sensitivity_chart", width="stretch")
    distinct = grid.attrs.get("distinct_weightings")
    oracle = metric in EXTERNAL_METRICS  # the best cell was found with this set's genre labels
    if oracle:
        st.warning(f"The best cell by {label} is **picked with this dataset's genre labels (an oracle)**: "
                   "thresholds set from it are tuned on the answers, so their score here overstates what they "
                   "do on music they were not chosen on. To choose without labels use the auto-tune below, "
                   "or a metric without labels (silhouette, ...).", icon=":material/warning:")
    st.caption(f"Cross: the current sliders ({rule_a} = {current[0]:g}, {rule_b} = {current[1]:g}), "
               f"{label} there (nearest cell): {cell_value(grid, *current):.4f}. "
               f"Best cell: {rule_a} = {ba:g}, {rule_b} = {bb:g}: {bv:.4f}."
               + (f" {distinct} distinct weightings among the cells." if distinct else "")
               + (" Lower is better for this metric (colour scale reversed)." if lower else "")
               + " Heatmap cells cannot be clicked: pick one below.")
    pick = st.columns([2, 2, 3])
    pick[0].selectbox(f"Cell: {rule_a}", list(grid.index), key="sens_pick_a", format_func=lambda v: f"{v:g}")
    pick[1].selectbox(f"Cell: {rule_b}", list(grid.columns), key="sens_pick_b", format_func=lambda v: f"{v:g}")
    pick[2].metric(f"{label} in this cell", f"{cell_value(grid, *chosen):.4f}")
    st.button("Set the sliders to this cell", key="sens_apply", on_click=_set_sliders,
              args=(slider_updates({rule_a: chosen[0], rule_b: chosen[1]}, ruleset, rule_key),),
              help="Puts the two thresholds on the Rules page's sliders (and in the URL)."
              + (f" A cell chosen by {label} was chosen with the genre labels (an oracle)." if oracle else ""))
    write_query_params()  # a fragment rerun skips app.py


grid_panel()

# ---------------------------------------------------------------------------------------------
st.subheader("Auto-tune (unsupervised)")
st.caption("Searches a small grid of thresholds for the rules whose clustering is most stable across "
           "seeds and track subsamples (or has the best silhouette). Labels are never used. "
           f"k = {k} ({k_source(view.n_clusters, n_genres, ready.prepared.n_tracks)}).")
_keep_valid("tune_criterion", ["stability", "silhouette"], "stability")
st.session_state.setdefault("tune_keys", [n for n in DEFAULT_AUTOTUNE_GRID if n in names])
st.session_state["tune_keys"] = [n for n in st.session_state["tune_keys"] if n in names]
st.session_state.setdefault("tune_seeds", 5)
tcols = st.columns([3, 1, 1])
tcols[0].multiselect("Thresholds to tune (3 values each)", names, key="tune_keys",
                     format_func=lambda n: specs[n].label)
tcols[1].radio("Criterion", ["stability", "silhouette"], key="tune_criterion")
tcols[2].slider("Seeds", 2, 10, key="tune_seeds")
keys = st.session_state["tune_keys"]
if keys:
    grid_spec = autotune_grid(keys, ruleset, DEFAULT_AUTOTUNE_GRID)
    n_points = math.prod(len(v) for v in grid_spec.values())
    n_seeds = int(st.session_state["tune_seeds"])
    st.write("Grid: " + "; ".join(f"{name} ∈ {{{', '.join(f'{v:g}' for v in vals)}}}"
                                  for name, vals in grid_spec.items())
             + f" — {n_points} rule sets × {n_seeds} seeds.")
    if st.button("Run the auto-tune", type="primary", key="tune_run"):
        bar = st.progress(0.0, text="Starting...")

        def progress(done, total, message=""):
            bar.progress(min(done / max(total, 1), 1.0), text=f"{done}/{total} {message}")

        try:
            res = autotune(_prepared_for(ready, view.algorithm, view.fusion), ruleset, grid_spec,
                           criterion=st.session_state["tune_criterion"],
                           seeds=tuple(range(int(view.seed), int(view.seed) + n_seeds)), n_clusters=int(k),
                           progress=progress)
        except WorkbenchError as exc:
            st.error(f"The auto-tune failed: {exc}")
        else:
            st.session_state["_autotune"] = {"path": path, "result": res}
        bar.empty()
else:
    st.info("Choose at least one threshold to tune.")

tuned = st.session_state.get("_autotune")
if tuned and tuned["path"] == path:
    res = tuned["result"]
    best, start = res.best_thresholds, res.default_thresholds
    changed = {n: v for n, v in best.items() if abs(v - start[n]) > 1e-12}
    if changed:
        st.success("The auto-tune prefers " + ", ".join(f"{n} = {v:g} (was {start[n]:g})"
                                                       for n, v in changed.items()) + ".")
    else:
        st.success("The auto-tune keeps the starting thresholds: no grid point scored clearly better.")
    st.caption(res.description)
    st.dataframe(autotune_table(res.table, res.keys, "score")
                 .style.format(precision=3), width="stretch", hide_index=True)
    st.button("Apply to the sliders", key="tune_apply", type="primary", on_click=_set_sliders,
              args=(slider_updates(best, res.best, rule_key),),
              help="Sets the tuned thresholds on the Rules page's sliders (and in the URL).")
