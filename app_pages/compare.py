"""Compare A and B: the pinned rule set (A) beside the sliders' rule set (B). Metrics with the paired
difference over 10 seeds, the two weight histograms, the tracks that moved and why, and the map.
Computed on demand here (never on the slider loop) and cached per (A, B, setting)."""

from __future__ import annotations

import streamlit as st

from core.compare import COMPARE_SEEDS, CompareSettings, comparison_map, ruleset_diff
from core.errors import WorkbenchError
from core.experiments.config import METRIC_MEANING
from core.views.inspector import audio_status
from ui.common import fusion_note, require_ready, resolved_k
from ui.compare import comparer, highlight_spec, overlay_spec, pin_bar
from ui.state import current_view, write_query_params

st.title("Compare rule sets A and B")
st.caption("A is the rule set you pinned; B is what the sliders say now. Both are in the address, so the "
           "link reproduces this comparison.")
ready = require_ready()
fusion_note(ready)
view = current_view()
pin_bar("compare")
if view.ruleset_a is None:
    st.info("Nothing is pinned yet. Press **Pin as A** (here or on the Rules page), move some sliders, and "
            "come back: this page then shows what changed.")
    st.page_link("app_pages/rules.py", label="Go to the rule sliders", icon=":material/tune:")
    st.stop()

a, b = view.ruleset_a, view.ruleset
diff = ruleset_diff(a, b)
st.subheader("What differs")
if diff.empty:
    st.info("B is the same as A: move a slider on the Rules page to make a difference.")
else:
    st.dataframe(diff, hide_index=True, width="stretch", key="compare_diff")

settings = CompareSettings(algorithm=view.algorithm, fusion=view.fusion,
                           n_clusters=max(2, resolved_k(ready)), seed=view.seed)
try:
    with st.spinner(f"Clustering A and B over {len(COMPARE_SEEDS)} seeds (once per pair)..."):
        comparison = comparer()(ready.prepared, a, b, ready.dataset.labels, settings)
except WorkbenchError as exc:
    st.error(f"The comparison could not be computed: {exc}")
    st.stop()
st.session_state["_last_comparison"] = comparison

s = comparison.summary
row = st.container(horizontal=True, gap="large")  # wraps in a narrow window instead of cutting the numbers
row.metric("Mean audio weight A", f"{s['mean_weight_a']:.3f}", width="content")
row.metric("Mean audio weight B", f"{s['mean_weight_b']:.3f}", f"{s['mean_weight_b'] - s['mean_weight_a']:+.3f}",
           width="content")
row.metric("Tracks whose weight moved", f"{s['n_weight_moved']} of {s['n_tracks']}", width="content")
row.metric("Tracks that changed cluster", s["n_cluster_changed"], width="content")

st.subheader("Metrics")
shown = comparison.metrics.assign(**{"what it measures": [METRIC_MEANING.get(m, "") for m in comparison.metrics.index]})
st.dataframe(shown.style.format({"A": "{:.3f}", "B": "{:.3f}", "B - A": "{:+.3f}",
                                 "ci_low": "{:+.3f}", "ci_high": "{:+.3f}"}, na_rep="–"),
             width="stretch", key="compare_metrics",
             column_config={"what it measures": st.column_config.TextColumn(width="large")})
st.caption(f"Each metric is the mean over {len(settings.seeds)} clustering seeds; each seed clusters a random "
           f"{settings.subsample:.0%} of the tracks, the same for A and B (paired; k-means++ with "
           f"{settings.n_init} restarts). B − A is the mean paired "
           "difference and [ci_low, ci_high] its 95 % interval (t-based): an interval that excludes 0 is a "
           "difference the seeds agree on. 'B better' counts the seeds where B wins (Davies-Bouldin: lower "
           f"wins). Computed in {comparison.seconds:.1f} s.")

data, spec = overlay_spec(comparison.overlay)  # Vega-Lite: plotly cost the browser most of the redraw
st.vega_lite_chart(data, spec, width="stretch", key="compare_overlay")


def _tracks(table, title: str, key: str) -> None:
    st.subheader(title)
    if table.empty:
        st.caption("None.")
        return
    st.dataframe(table, hide_index=True, width="stretch", key=key,
                 column_config={c: st.column_config.NumberColumn(format="%.2f")
                                for c in ("weight A", "weight B", "change") if c in table})
    paths = ready.dataset.tracks.set_index("track_id")["audio_path"]
    with st.expander("Listen to them (with the rule trace that moved each)"):
        for row in table.head(8).itertuples(index=False):
            tid = row.track_id
            left, right = st.columns([2, 3])
            left.markdown(f"**{tid}** · weight {row[table.columns.get_loc('weight A')]:.2f} → "
                          f"{row[table.columns.get_loc('weight B')]:.2f}")
            left.caption(row.why)
            playable, message = audio_status(paths.get(tid))
            if playable:
                right.audio(str(paths.get(tid)))
            else:
                right.caption(message)


_tracks(comparison.moved, "Tracks whose weight moved most", "compare_moved")
_tracks(comparison.changed, "Tracks that changed cluster", "compare_changed")
st.caption("Clusters of A and B come from one clustering of every track each (the sidebar's seed); B's "
           "cluster numbers are matched to A's first, so a renumbering is not a change.")

frame = comparison_map(ready.prepared, comparison, seed=view.seed)
data, spec = highlight_spec(frame)
st.vega_lite_chart(data, spec, width="stretch", key="compare_map")
write_query_params()
