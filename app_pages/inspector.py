"""Track inspector: one track's audio, lyrics, indicators, why it got its weight (every rule that fired
and by how much), its cluster, and its nearest neighbours in the fused space and in each modality."""

from __future__ import annotations

import streamlit as st

from core import views
from core.rules import explain_text
from ui import figures
from ui.common import fusion_note, run_current
from ui.state import DEFAULT_TRACK, write_query_params

st.title("Track inspector")
ready, result = run_current()
fusion_note(ready)

ds = ready.dataset
ids = ds.track_ids
labels = views.track_labels(ids, result.track_ids, ds.labels)
if st.session_state.get("track") not in labels:  # nothing chosen yet, or a link to another dataset
    st.session_state["track"] = ids[0]
    # a default, not a choice: kept out of the address, or it would add a browser history entry of its own
    # and Back from here would land on this page again (/inspector, then /inspector?track=...)
    st.session_state[DEFAULT_TRACK] = ids[0]
track = st.selectbox("Track", ids, key="track", format_func=labels.get,
                     on_change=lambda: st.session_state.pop(DEFAULT_TRACK, None),  # a choice: into the address
                     help="Clicking a point on the Clusters and map page opens that track here.")
write_query_params()  # the choice above may have changed the track: keep the link current

row = ds.tracks.iloc[ids.index(track)]
genre = str(ds.labels[ids.index(track)]) if ds.has_labels else None
kept = {t: k for k, t in enumerate(result.track_ids)}
i = kept.get(track)

if i is None:
    st.warning("This track is not clustered: it has neither usable audio nor usable lyrics "
               "(the Dataset page lists why).")
else:
    w = float(result.weights[i])
    cluster = int(result.labels[i])
    size = int((result.labels == cluster).sum())
    hard = result.rules.decided_by[i]  # a hard rule's name ('no_lyrics'), said in words as on the Rules page
    decided = hard.replace("_", " ") if hard else "soft rules"
    row_ = st.container(horizontal=True, gap="large")  # wraps in a narrow window (5 columns cut "soft rules")
    row_.metric("Audio weight", f"{w:.3f}", width="content")
    row_.metric("Lyrics weight", f"{1.0 - w:.3f}", width="content")
    row_.metric("Cluster", "noise" if cluster == -1 else str(cluster), help=f"{size} tracks in it.", width="content")
    row_.metric("Decided by", decided, width="content",
                help="A hard rule set this track's weight outright." if hard else
                     "The base weight plus the soft rules' shifts, clipped (below: each step).")
    row_.metric("Genre", genre if genre is not None else "unlabelled", width="content")
    if float(result.effective[i]) != w:
        st.caption(f"Fusion uses audio weight {float(result.effective[i]):.3f}: a missing modality is enforced.")
    if bool(result.rules.flagged[i]):  # from the indicators, whichever hard rules are on
        st.warning(views.flagged_line(ready.prepared.indicators, i, result.rules.ruleset.audio_quality_floor),
                   icon=":material/report:")

listen, words = st.columns(2)
with listen:
    st.subheader("Audio")
    playable, message = views.audio_status(row["audio_path"])
    if playable:
        st.audio(str(row["audio_path"]))
        st.caption(f"`{row['audio_path']}`")
    else:
        st.warning(message)
        if ds.kind == "features":
            st.caption("This dataset is a features file: the track is clustered on its embeddings; give it an "
                       "`audio_path` column to get a play button.")
with words:
    st.subheader("Lyrics")
    lyrics = row["lyrics"]
    if isinstance(lyrics, str) and lyrics.strip():
        with st.container(height=240):
            st.text(lyrics)
    elif not ds.has_lyrics:
        st.info("No lyrics: this dataset has none.")
    elif ds.kind == "features" and bool(row.get("lyrics_features", False)):  # an embedding without its words
        st.info("No lyrics text for this track: this dataset is a features file, and the track is clustered on "
                "its lyrics embedding; give it a `lyrics` column to read the words here.")
    else:
        st.info("No lyrics for this track.")

if i is not None:
    st.subheader("Why this weight")
    why = views.explain_table(result.rules, i)
    left, right = st.columns([3, 2])
    with left:
        st.dataframe(why, hide_index=True, width="stretch", key="inspector_why",
                     column_config={"contribution": st.column_config.NumberColumn(format="%+.4f"),
                                    "running_total": st.column_config.NumberColumn("running total", format="%.4f")})
        st.caption(f"The contributions add up to the audio weight {w:.3f}.")
        with st.expander("As text"):
            st.code(explain_text(result.rules, i), language=None)
    with right:
        st.plotly_chart(figures.waterfall_figure(why, w), width="stretch", key="inspector_waterfall")

    st.subheader("Indicators")
    indicator_rows = views.indicator_table(ready.prepared.indicators, i, result.rules.ruleset)
    st.dataframe(indicator_rows, hide_index=True, width="stretch", key="inspector_indicators",
                 height=35 * (len(indicator_rows) + 1) + 3,
                 column_config={"value": st.column_config.NumberColumn(format="%.4g",
                                                                       help="Empty: unknown (modality missing)."),
                                "read_by": st.column_config.TextColumn("read by rules")})

    st.subheader("Nearest neighbours")
    most = min(20, len(result.track_ids) - 1)
    k = st.slider("Neighbours", min_value=1, max_value=most, value=min(5, most), key="inspector_k") \
        if most > 1 else 1
    genres = ready.prepared.align(ds.labels) if ds.has_labels else None
    tables = views.neighbour_tables(ready.prepared.embeddings, result.weights, i, result.track_ids, k=k,
                                    clusters=result.labels, genres=genres)
    for col, (space, table) in zip(st.columns(3), tables.items()):
        with col:
            st.markdown(f"**{space.capitalize()}**")
            st.caption(views.NEIGHBOUR_SPACES[space])
            if table.empty:
                st.caption(f"This track has no {space}: no neighbours in this space.")
            else:
                st.dataframe(table, hide_index=True, width="stretch", key=f"inspector_nn_{space}",
                             column_config={"distance": st.column_config.NumberColumn(format="%.3f")})
