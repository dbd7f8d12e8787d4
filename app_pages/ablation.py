"""Ablation page: audio only, lyrics only (when the set has lyrics), static weights 0..1 and the dynamic
rules over several seeds.

Reads the sidebar (algorithm, fusion, k) and the rule sliders, runs
:func:`core.experiments.run_ablation` when asked (with a progress bar), keeps the result in
``st.session_state["_ablation"]`` and draws it: the metric against the static weight with its
95 % interval band and the dynamic result as a line with its band, the condition table, the
paired Wilcoxon tests with the oracle flag, and the degradation slices when ground truth exists.
Above it, the degradation sweep (:mod:`ui.sweep_section`): a sweep CSV drawn as one line chart.
"""

from __future__ import annotations

import streamlit as st

from core.errors import WorkbenchError
from core.experiments import (DEFAULT_STATIC_GRID, ExperimentConfig, condition_list, rule_switches,
                              run_ablation)
from core.experiments.controls import rule_table_view
from core.views.ablation import (ablation_conditions_table, ablation_slices_table, ablation_tests_table,
                                 metric_words)
from core.views.viewstate import ALGORITHM_FUSIONS
from core.views.viewstate import ALGORITHM_LABELS, FUSION_LABELS, clustering_words
from ui.common import fusion_note, require_ready
from ui.figures_report import ablation_figure
from ui.state import current_ruleset, current_view, dataset_path
from ui.sweep_section import sweep_section

METRIC_LABELS = {"nmi": "NMI", "ari": "ARI", "ami": "AMI", "v_measure": "V-measure",
                 "purity": "purity", "accuracy": "cluster accuracy", "silhouette": "silhouette",
                 "calinski_harabasz": "Calinski-Harabasz", "davies_bouldin": "Davies-Bouldin (lower is better)"}

for key, default in (("abl.seeds", 5), ("abl.subsample", 0.8), ("abl.both", False)):
    st.session_state.setdefault(key, default)

st.title("Ablation")
sweep_section()
ready = require_ready()
fusion_note(ready)
ds = ready.dataset
view = current_view()
path = str(dataset_path())
labelled = ds.labels is not None
if not labelled:
    st.info("No genre labels: internal metrics only (silhouette, Calinski-Harabasz, Davies-Bouldin, each "
            "in the audio and in the lyrics embedding, averaged). The best static weight is then picked post "
            "hoc on the silhouette, and no external score is reported.")

fusions = ALGORITHM_FUSIONS[view.algorithm]
c1, c2, c3 = st.columns(3)
c1.number_input("Seeds", min_value=2, max_value=50, step=1, key="abl.seeds",
                help="Each seed is one paired replicate: its own clustering initialisation and its own "
                     "random subsample of the tracks, the same for every condition.")
c2.slider("Share of tracks per seed", min_value=0.5, max_value=1.0, step=0.05, key="abl.subsample",
          help="Each seed clusters this share of the tracks (drawn without looking at labels); 1.0 "
               "keeps every track, so only the initialisation varies.")
c3.checkbox(f"Both fusions ({' and '.join(FUSION_LABELS[f] for f in fusions)})", key="abl.both",
            disabled=len(fusions) < 2,
            help="Run the ablation once per fusion this algorithm supports." if len(fusions) > 1
            else f"{ALGORITHM_LABELS.get(view.algorithm, view.algorithm)} has one fusion only.")

chosen = list(fusions) if (st.session_state["abl.both"] and len(fusions) > 1) else [view.fusion]
k = int(view.n_clusters) or None
n_seeds = int(st.session_state["abl.seeds"])
switches = rule_switches(current_ruleset())
n_switches = len(switches)
planned = condition_list(DEFAULT_STATIC_GRID, switches, ready.prepared.has_lyrics)  # what run_ablation runs
kinds = {kind for _, kind, _ in planned}
n_conditions = len(planned)
listed = ", ".join(["audio only"] + (["lyrics only"] if "lyrics_only" in kinds else [])
                   + [f"static {DEFAULT_STATIC_GRID[0]:g}..{DEFAULT_STATIC_GRID[-1]:g}", "dynamic", "shuffled"])
st.caption(f"Algorithm **{ALGORITHM_LABELS.get(view.algorithm, view.algorithm)}**, fusion "
           f"**{', '.join(FUSION_LABELS.get(f, f) for f in chosen)}**, "
           f"k = {k if k else ('number of genres' if labelled else 'chosen by silhouette (no labels)')}; "
           f"rules as set on the Rules page. {n_conditions} conditions ({listed}, and each of the "
           f"{n_switches} rules switched off) x {n_seeds} seeds x "
           f"{len(chosen)} fusion(s) = {n_conditions * n_seeds * len(chosen)} clusterings."
           + ("" if "lyrics_only" in kinds else " No lyrics-only condition: this dataset has no lyrics."))

settings = {"path": path, "algorithm": view.algorithm, "fusions": tuple(chosen), "k": k,
            "seeds": n_seeds, "subsample": float(st.session_state["abl.subsample"]),
            "ruleset": current_ruleset()}

if st.button("Run ablation", type="primary"):
    bar = st.progress(0.0, text="Starting...")
    results = {}
    try:
        configs = [ExperimentConfig(algorithm=view.algorithm, fusion=f, n_clusters=k,
                                    seeds=tuple(range(n_seeds)), subsample=settings["subsample"],
                                    ruleset=settings["ruleset"]) for f in chosen]
        for i, config in enumerate(configs):
            def progress(done, total, message="", i=i, fusion=config.fusion):
                frac = (i + done / max(total, 1)) / len(configs)
                bar.progress(min(frac, 1.0), text=f"{FUSION_LABELS.get(fusion, fusion)}: {done}/{total} {message}")

            prepared = ready.prepared.with_config(config)
            results[config.fusion] = run_ablation(prepared, labels=ds.labels, progress=progress,
                                                  ground_truth=ds.ground_truth)
    except WorkbenchError as exc:
        bar.empty()
        st.error(f"The ablation could not run: {exc}")
        st.stop()
    bar.empty()
    st.session_state["_ablation"] = {"settings": settings, "results": results}

stored = st.session_state.get("_ablation")
if not stored or stored["settings"]["path"] != path:
    st.info("Press **Run ablation** to compare the conditions. It re-clusters every condition once "
            "per seed; the progress bar counts the clusterings.")
    st.stop()
if stored["settings"] != settings:
    s = stored["settings"]
    ran = "; ".join(clustering_words(s["algorithm"], f) for f in s["fusions"])
    st.warning(f"The settings changed since the last run. The results below are for: {ran}, "
               f"{s['seeds']} seeds, share {s['subsample']:g}"
               + ("" if s["ruleset"] == settings["ruleset"] else ", other rule settings")
               + ". Press Run ablation to update them.")

results = stored["results"]
first = next(iter(results.values()))
with st.expander("How this ablation was run (seeds, intervals, tests, tracks without a modality)"):
    for note in first.notes:
        st.markdown(f"- {note}")
if st.session_state.get("abl.metric") not in first.metrics:
    st.session_state.pop("abl.metric", None)
metric = st.selectbox("Metric", list(first.metrics), key="abl.metric",
                      index=list(first.metrics).index(first.primary_metric),
                      format_func=lambda m: METRIC_LABELS.get(m, m))

tabs = st.tabs([FUSION_LABELS.get(f, f) for f in results]) if len(results) > 1 else [st.container()]
for tab, (fusion, res) in zip(tabs, results.items()):
    with tab:
        st.subheader(f"{clustering_words(res.config.algorithm, fusion)}: k = {res.n_clusters}")
        st.caption(f"k: {res.n_clusters_rule}. {res.coverage['n_tracks']} tracks, each seed clusters "
                   f"{res.coverage['subsample_size']}.")
        st.plotly_chart(ablation_figure(res, metric), key=f"abl.fig.{fusion}")
        best = res.best_static.get(metric)
        if res.oracle:
            st.warning(f"Best static weight for {METRIC_LABELS.get(metric, metric)}: {best:g}, **picked with "
                       "the labels (an oracle)**. An unsupervised user could not choose it; the dynamic "
                       "rules never see the labels.")
        else:
            st.info(f"Best static weight for {METRIC_LABELS.get(metric, metric)}: {best:g}, picked post hoc "
                    "(no labels).")
        st.markdown("**Conditions: mean ± std [95 % CI] over seeds**")
        st.dataframe(ablation_conditions_table(res), width="stretch")
        st.markdown("**Paired tests: dynamic against static and against its own shuffle (two-sided "
                    "Wilcoxon signed-rank over seeds)**")
        st.dataframe(ablation_tests_table(res), hide_index=True, width="stretch",
                     column_config={"mean diff": st.column_config.NumberColumn(format="%.4f"),
                                    "p value": st.column_config.NumberColumn(format="%.4f"),
                                    "Holm p": st.column_config.NumberColumn(format="%.4f")})
        st.caption("Dynamic vs static 0.5: do per-track weights beat the weight a user would pick without "
                   "labels? Dynamic vs shuffled: the same weights given to random tracks (same distribution, "
                   "no per-track information); a win says the rules put the right weight on the right "
                   "track. Holm p: adjusted for every test in the table. Unit: clustering seed on this "
                   "one dataset (`python -m core ablate --data-seeds` adds generated datasets as the unit).")
        rules_view = rule_table_view(res.rule_table)
        if rules_view is not None:
            rules_view["metric"] = rules_view["metric"].map(metric_words)
            st.markdown("**Per-rule ablation** (planned: each rule switched off in turn, hard rules too; "
                        "Δ > 0 means the rule earns its place)")
            st.dataframe(rules_view, hide_index=True, width="stretch",
                         column_config={c: st.column_config.NumberColumn(format="%.4f")
                                        for c in ("dynamic", "rule off", "Δ (dynamic − rule off)",
                                                  "p value", "Holm p")})
        slices = ablation_slices_table(res)
        if slices is not None:
            st.markdown("**Degradation slices** (synthetic ground truth; evaluation only, the rules never "
                        "see it): accuracy = share of a slice's tracks whose cluster is matched to their "
                        "genre; NMI within the slice.")
            st.dataframe(slices, hide_index=True, width="stretch",
                         column_config={c: st.column_config.NumberColumn(format="%.3f")
                                        for c in ("accuracy", "accuracy std", "NMI", "NMI std")})
        elif res.labelled:
            st.caption("No degradation slices: this dataset has no generator ground truth.")
        for w in res.warnings:
            st.warning(f"While clustering: {w}")
