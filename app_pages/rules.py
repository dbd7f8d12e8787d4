"""Rules and weights: a slider for every threshold and delta; weights, rule counts, metrics and the
indicator a rule reads all update at once (one fragment, so a slider reruns only this part)."""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from core import views
from core.indicators.specs import INDICATORS
from core.rules import DEFAULT_RULES, rule_counts
from core.views.indicator_checks import current_rules_table
from ui import cached, figures
from ui.common import fusion_note, require_ready, run_current
from ui.compare import pin_bar
from ui.presets import presets_panel
from ui.state import apply_view, current_ruleset, current_view, dataset_path, rule_key, write_query_params

st.title("Rules and weights")
st.caption("Each track starts at the base audio weight; every soft rule whose condition holds shifts it by its "
           "delta; the sum is clipped; then a hard rule may decide the track outright. The lyrics weight is "
           "1 − audio weight. Move a slider: everything on the right follows.")
ready = require_ready()
fusion_note(ready)
presets_panel()


def _reset() -> None:
    apply_view(dataclasses.replace(current_view(), ruleset=DEFAULT_RULES))


def _fit_threshold(name: str) -> None:
    """"Reads" callback: a threshold outside the values the newly chosen indicator can take (a dB level above
    0 dB, say) is moved to the nearest one, so the rule can fire and a shared link carries it."""
    s = st.session_state
    lo, hi = INDICATORS[s[rule_key(name, "i")]].limits
    t = s.get(rule_key(name, "t"))
    if t is not None and not lo <= t <= hi:
        s[rule_key(name, "t")] = float(min(max(t, lo), hi))


def _slider(spec: views.SliderSpec, key: str) -> None:
    st.slider(spec.label, min_value=spec.min_value, max_value=spec.max_value, step=spec.step,
              format=spec.format, key=key, help=spec.help)


def _controls(rs, counts: dict) -> None:
    st.button("Reset to defaults", on_click=_reset, icon=":material/restart_alt:", help="Put every rule setting back to the "
              "documented defaults (core.rules.DEFAULT_RULES).")
    with st.expander("Base weight, clip and ramps", expanded=True):
        st.slider("Base audio weight (0–1)", min_value=0.0, max_value=1.0, step=0.01, key="base_weight",
                  help="Where every track starts before any rule (0.5: no preference).")
        st.slider("Clip the soft-rule sum to (0–1)", min_value=0.0, max_value=1.0, step=0.01, key="clip",
                  help="Soft rules can never push a weight outside this range; only hard rules reach 0 or 1.")
        st.toggle("Soft (ramped) rules", key="soft",
                  help="Off: a rule adds its full delta past the threshold and nothing before it. On: a "
                       "logistic ramp of the rule's width around the threshold, so weights move smoothly.")
    with st.expander("Soft rules", expanded=True):
        for rule in rs.rules:
            with st.container(border=True):
                st.markdown(f"**{rule.name}** · {rule.condition()} → {rule.delta:+.2f} · "
                            f"fired on **{counts[rule.name]}** tracks")
                st.selectbox("Reads", views.indicator_choices(rule), key=rule_key(rule.name, "i"),
                             on_change=_fit_threshold, args=(rule.name,),
                             help="The indicator this rule reads (those in the same unit), e.g. the learned "
                                  "level's voice estimate instead of the signal-processing one. An indicator "
                                  "unknown on a track (NaN: its modality or level is missing) never fires.")
                left, right = st.columns(2)
                with left:
                    _slider(views.threshold_slider(rule, st.session_state.get(rule_key(rule.name, "t"))),
                            rule_key(rule.name, "t"))
                with right:
                    _slider(views.delta_slider(rule, st.session_state.get(rule_key(rule.name, "d"))),
                            rule_key(rule.name, "d"))
    with st.expander("Hard rules (decisive, applied last)", expanded=True):
        st.toggle(f"No lyrics → audio weight 1 ({counts['no_lyrics']} tracks)", key="no_lyrics_rule")
        st.toggle(f"Unusable audio → lyrics weight 1 ({counts['unusable_audio']} tracks)",
                  key="unusable_audio_rule")
        st.slider("Audio quality floor (0–1)", min_value=0.0, max_value=1.0, step=0.01, key="audio_quality_floor",
                  help="Below this audio quality score the audio counts as unusable.")
        st.toggle(f"No voice → audio weight 1 ({counts['no_voice']} tracks)", key="no_voice_rule")
        st.slider("Voice floor (0–1)", min_value=0.0, max_value=1.0, step=0.01, key="voice_floor",
                  help="Below this vocal presence no voice is heard, so the lyrics are not part of the sound.")


def _headline(result) -> None:
    summary = views.weight_summary(result.rules)
    row = st.container(horizontal=True, gap="large")  # wraps in a narrow window (5 columns cut "151 of 1000" to "15...")
    row.metric("Mean audio weight", f"{summary['mean']:.3f}", width="content")
    row.metric("Decided by hard rules", f"{summary['n_hard']} of {summary['n_tracks']}", width="content")
    row.metric("Clipped", summary["n_clipped"], width="content")
    if "nmi" in result.metrics:
        row.metric("NMI", f"{result.metrics['nmi']:.3f}", help="Against the genre labels (evaluation only).",
                   width="content")
    row.metric("Silhouette", f"{result.metrics['silhouette']:.3f}", width="content",
               help="In each modality's own embedding (audio, lyrics), averaged: it contains no "
                    "weight, so it compares across weights.")


def _views(ready, result) -> None:
    rr = result.rules
    summary = views.weight_summary(rr)
    st.plotly_chart(figures.weight_histogram_figure(views.weight_histogram(rr.weights, rr.decided_by)),
                    width="stretch", key="rules_weight_hist")
    means = views.mean_contributions(rr)
    soft_sum = float(means[list(rr.ruleset.rule_names)].sum())
    hard_sum = float(means[[n for n in views.DECIDED_ORDER[1:]]].sum())
    st.caption(f"Mean audio weight {summary['mean']:.3f} = base {means['base']:.3f} "
               f"{soft_sum:+.3f} (soft rules) {means['clip']:+.3f} (clip) {hard_sum:+.3f} (hard rules).")

    st.subheader("Soft rules")
    st.dataframe(views.rules_table(rr), hide_index=True, width="stretch", key="rules_table",
                 column_order=("rule", "condition", "delta", "fired", "share", "mean_contribution", "description"),
                 column_config={
                     "delta": st.column_config.NumberColumn(format="%+.2f"),
                     "fired": st.column_config.NumberColumn("fired on", help="Tracks the rule fired on "
                                                            "(condition held and no hard rule decided)."),
                     "share": st.column_config.ProgressColumn("share", format="percent", min_value=0.0,
                                                              max_value=1.0),
                     "mean_contribution": st.column_config.NumberColumn(
                         "mean contribution", format="%+.4f", help="Mean shift over all tracks."),
                 })
    st.subheader("Hard rules")
    st.dataframe(views.hard_rules_table(rr), hide_index=True, width="stretch", key="hard_rules_table",
                 column_order=("rule", "enabled", "decided", "sets_audio_weight_to", "condition",
                               "mean_contribution", "meaning"),
                 column_config={
                     "enabled": st.column_config.CheckboxColumn("on", width="small"),
                     "decided": st.column_config.NumberColumn("decided", width="small",
                                                              help="Tracks this hard rule decided."),
                     "sets_audio_weight_to": st.column_config.NumberColumn("→ weight", format="%g", width="small",
                                                                           help="The audio weight it sets."),
                     "mean_contribution": st.column_config.NumberColumn("mean contribution", format="%+.4f"),
                 })

    st.subheader("The indicator a rule reads")
    names = list(rr.ruleset.rule_names)
    if st.session_state.get("rules_focus") not in names:
        st.session_state["rules_focus"] = names[0]
    name = st.selectbox("Rule", names, key="rules_focus",
                        format_func=lambda n: f"{n} ({rr.ruleset.get_rule(n).indicator})")
    rule = rr.ruleset.get_rule(name)
    values = ready.prepared.indicators.column(rule.indicator)
    hist = views.indicator_histogram(values, rule)
    xs = np.linspace(hist.edges[0], hist.edges[-1], 200)
    response = (xs, views.rule_response(rule, rr.ruleset.soft, xs))
    st.plotly_chart(figures.indicator_histogram_figure(hist, response, rule.name), width="stretch",
                    key="rules_indicator_hist")
    st.caption(f"{rule.description} Orange bars are past the threshold ({hist.n_past} tracks); the rule "
               f"fired on {rule_counts(rr)[name]} of them (a hard rule "
               f"decides the others). The blue line is the shift the rule adds at each value"
               + (" (ramped: soft rules on)." if rr.ruleset.soft and rule.soft_width > 0 else "."))
    if result.warnings:
        st.info("Clustering: " + "; ".join(result.warnings))
    t = result.timings_ms
    st.caption(f"Loop: {t.get('total', float('nan')):.0f} ms (rules {t.get('rules', float('nan')):.1f} ms, "
               f"fusion + clustering {t.get('clustering', float('nan')):.0f} ms, "
               f"metrics {t.get('metrics', float('nan')):.0f} ms) on {summary['n_tracks']} tracks.")


_PCT = st.column_config.NumberColumn(format="%.3f")


def _truth_checks(result) -> None:
    """Do the indicators measure what they say? AUC against the generator's truth, rules against theirs."""
    st.subheader("Do the indicators measure what they say?")
    report, truth = cached.indicator_report(str(dataset_path()))
    rules = current_rules_table(result.rules, truth)
    if not report.has_truth:
        st.info("No ground truth is available for this dataset: below are how often each rule fires and "
                "each indicator's distribution, but no AUC, precision or recall.")
    else:
        st.caption(f"ROC AUC of each indicator against the generator's truth (pass: ≥ 0.95; "
                   f"`python -m core indicators` prints the same). Evaluation only: the rules never see it.")
        st.dataframe(report.checks, hide_index=True, width="stretch", key="indicator_checks",
                     column_config={"auc": _PCT, "passes": st.column_config.CheckboxColumn("pass")})
        if not report.curves.empty:
            with st.expander("AUC over each degradation's parameter (harshest first)"):
                st.dataframe(report.curves, hide_index=True, width="stretch", key="indicator_curves",
                             column_config={"auc": _PCT})
        for line in report.failures:
            st.caption(f"Below the bar: {line}")
    st.dataframe(rules, hide_index=True, width="stretch", key="rule_checks",
                 column_config={"share": st.column_config.ProgressColumn("share", format="percent", min_value=0.0,
                                                                         max_value=1.0),
                                "target_share": _PCT, "precision": _PCT, "recall": _PCT})
    with st.expander("What each indicator claims, and its distribution"):
        st.dataframe(report.distributions, hide_index=True, width="stretch", key="indicator_distributions")


@st.fragment
def playground() -> None:
    rs = current_ruleset()
    ready, result = run_current()
    write_query_params()  # a fragment rerun does not pass through app.py: keep the link current
    pin_bar("rules")  # inside the fragment: its "B differs in ..." follows the sliders
    counts = rule_counts(result.rules)
    _headline(result)
    controls, shown = st.columns([2, 3], gap="large")
    with controls:
        _controls(rs, counts)
    with shown:
        _views(ready, result)
    _truth_checks(result)


playground()
