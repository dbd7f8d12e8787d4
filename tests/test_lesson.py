"""The guided lesson: every step's claim holds on a generated set when measured by the real rule engine
(if the method changes and a claim stops being true, this fails), and the lesson page runs start to end."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.experiments import prepare
from core.lesson import CHECKS, STEPS, check_step
from core.paths import REPO_ROOT


def test_steps_are_data_with_valid_answers_and_checks():
    assert 5 <= len(STEPS) <= 8 and len({s.key for s in STEPS}) == len(STEPS)
    for s in STEPS:
        assert 0 <= s.answer < len(s.choices) and s.check in CHECKS and s.before != s.after
        assert (REPO_ROOT / s.page).is_file()


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.key)
def test_every_claim_holds_on_the_generated_set(step, tiny_features):
    _, fs = tiny_features
    verdict = check_step(step, prepare(fs).indicators)
    assert verdict.holds, f"{step.claim} -> {verdict.measured}"


def test_the_lesson_page_runs_start_to_end(tiny_app_cache, tiny_synth_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tiny_app_cache))
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(tiny_synth_dir)
    at.run()
    at.switch_page("app_pages/lesson.py").run()
    for i, step in enumerate(STEPS):
        assert not at.exception, [e.value for e in at.exception]
        next(b for b in at.button if b.label == "Set up this step").click().run()
        assert at.session_state["ruleset_a"] == step.before   # the sliders now describe step.after
        at.radio(key=f"lesson_guess_{step.key}").set_value(step.choices[step.answer]).run()
        next(b for b in at.button if b.label == "Reveal").click().run()
        texts = [s.value for s in at.success]
        assert any(t.startswith("Right:") for t in texts) and any("Holds" in t for t in texts), texts
        if i < len(STEPS) - 1:
            next(b for b in at.button if b.label == "Next step").click().run()
    assert not at.exception
