"""A guided lesson: each step sets the sliders (A pinned, B changed), says what to look at, asks for a
prediction, then reveals the answer and the step's claim as measured on this dataset (core.lesson)."""

from __future__ import annotations

import streamlit as st

from core.lesson import STEPS, check_step
from ui.common import fusion_note, require_ready
from ui.compare import COMPARE_PAGE
from ui.state import apply_ruleset, current_ruleset

st.title("Lesson: what a rule does")
st.caption("Six short steps on the current dataset. Each one sets the sliders for you (the starting rules are "
           "pinned as A), asks what you expect, then shows what really happens and where to see it.")
ready = require_ready()
fusion_note(ready)

n = len(STEPS)
if not isinstance(st.session_state.get("lesson_step"), int) or not 0 <= st.session_state["lesson_step"] < n:
    st.session_state["lesson_step"] = 0


def _setup(i: int) -> None:
    step = STEPS[i]
    st.session_state["ruleset_a"] = step.before
    apply_ruleset(step.after)
    st.session_state[f"lesson_ready_{step.key}"] = True


def _go(i: int) -> None:
    st.session_state["lesson_step"] = max(0, min(n - 1, i))


i = st.session_state["lesson_step"]
step = STEPS[i]
st.progress((i + 1) / n, text=f"Step {i + 1} of {n}: {step.title}")
st.button("Set up this step", key="lesson_setup", on_click=_setup, args=(i,), icon=":material/play_arrow:",
          help="Pins the starting rules as A and sets the sliders to this step's rules (B).")
# on this step only while A and the sliders hold its rules (a later step, or a slider moved, changes them)
on_step = st.session_state.get("ruleset_a") == step.before and current_ruleset() == step.after
if on_step:
    st.caption(f"Look at: {step.look_at}")
st.markdown(f"**{step.question}**")
guess = st.radio("Your prediction", step.choices, index=None, key=f"lesson_guess_{step.key}")
if st.button("Reveal", key="lesson_reveal", disabled=guess is None, icon=":material/visibility:"):
    st.session_state[f"lesson_revealed_{step.key}"] = True
if st.session_state.get(f"lesson_revealed_{step.key}"):
    right = step.choices[step.answer]
    (st.success if guess == right else st.info)(
        ("Right: " if guess == right else f"The answer: {right}. ") + step.explanation)
    verdict = check_step(step, ready.prepared.indicators)
    (st.success if verdict.holds else st.warning)(
        f"Checked on this dataset: {step.claim} {'Holds' if verdict.holds else 'Does NOT hold here'}: "
        f"{verdict.measured}")
    if not on_step:
        st.info("The sliders do not hold this step's rules yet: press **Set up this step** first, or the pages "
                "below show other rules than the ones this answer is about.")
    st.page_link(step.page, label="See it for yourself", icon=":material/open_in_new:")
    if step.page != COMPARE_PAGE:
        st.page_link(COMPARE_PAGE, label="Compare A and B", icon=":material/compare_arrows:")
cols = st.columns(2)
cols[0].button("Previous step", key="lesson_prev", on_click=_go, args=(i - 1,), disabled=i == 0,
               icon=":material/arrow_back:")
cols[1].button("Next step", key="lesson_next", on_click=_go, args=(i + 1,), disabled=i == n - 1,
               icon=":material/arrow_forward:")
