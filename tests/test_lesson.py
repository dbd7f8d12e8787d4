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


#: How a step's question names a setting the Compare page lists as changed (core.compare.ruleset_diff).
_NAMED_AS = {"base_weight": "base", "soft": "soft", "no_lyrics_rule": "no lyrics", "no_voice_rule": "no voice",
             "unusable_audio_rule": "unusable audio", "audio_quality_floor": "floor",
             "poor_audio.threshold": "fires below", "poor_audio.delta": "pulls", "voice_present.delta": "voice rule"}
_HARD = ("no_lyrics_rule", "no_voice_rule", "unusable_audio_rule")


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.key)
def test_every_question_names_exactly_what_the_compare_page_lists(step):
    """A teacher follows the step to the Compare page, whose 'What differs' table lists every setting B changes:
    the question must name each of them, and must not announce a hard-rule change that is not there (the
    'trust lyrics' step once said "no 'no voice' rule" although the defaults already have it off, and the
    'distrust degraded audio' step left out the hard rule it switches on)."""
    from core.compare import ruleset_diff
    changed = set(ruleset_diff(step.before, step.after)["setting"])
    q = step.question.lower()
    for setting in changed:
        assert _NAMED_AS[setting] in q, f"{step.key}: the question does not name {setting}: {step.question}"
    for setting in _HARD:
        assert (_NAMED_AS[setting] in q) == (setting in changed), f"{step.key}: {setting} vs {step.question}"


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.key)
def test_every_claim_holds_on_the_generated_set(step, tiny_features):
    _, fs = tiny_features
    verdict = check_step(step, prepare(fs).indicators)
    assert verdict.holds, f"{step.claim} -> {verdict.measured}"


def test_on_a_set_without_lyrics_the_claims_say_why_in_words(tmp_path):
    """Every track is decided by the 'no lyrics' hard rule: step 1 said "Holds: 0 unclipped soft-rule tracks moved
    by +nan on average", step 4 "Holds: 0 tracks moved toward the lyrics (all with audio quality under 0.7)"."""
    from bench.feature_file import write_feature_file
    from core.datasets import load_dataset
    from core.features.extract import extract_features
    from core.lesson import step_by_key
    path = write_feature_file(tmp_path / "audio.csv", 40, n_genres=2, d_audio=5, lyrics=False)
    indicators = prepare(extract_features(load_dataset(path))[0]).indicators
    base = check_step(step_by_key("base"), indicators)
    assert not base.holds and "nan" not in base.measured and "nothing to move" in base.measured, base.measured
    poor = check_step(step_by_key("poor_audio"), indicators).measured
    assert "0 tracks moved" not in poor and ("none of the" in poor or "no track has" in poor), poor


def _lesson_page(cache, dataset, monkeypatch) -> AppTest:
    """The app on ``dataset`` (features in ``cache``), opened on the Lesson page."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(dataset)
    at.run()
    return at.switch_page("app_pages/lesson.py").run()


def test_the_lesson_page_runs_start_to_end(tiny_app_cache, tiny_synth_dir, monkeypatch):
    at = _lesson_page(tiny_app_cache, tiny_synth_dir, monkeypatch)
    for i, step in enumerate(STEPS):
        assert not at.exception, [e.value for e in at.exception]
        next(b for b in at.button if b.label == "Set up this step").click().run()
        assert at.session_state["ruleset_a"] == step.before   # the sliders now describe step.after
        assert any(c.value == f"Look at: {step.look_at}" for c in at.caption), step.key  # ... and the page knows it
        at.radio(key=f"lesson_guess_{step.key}").set_value(step.choices[step.answer]).run()
        next(b for b in at.button if b.label == "Reveal").click().run()
        texts = [s.value for s in at.success]
        assert any(t.startswith("Right:") for t in texts) and any("Holds" in t for t in texts), texts
        if i < len(STEPS) - 1:
            next(b for b in at.button if b.label == "Next step").click().run()
    assert not at.exception


def test_revealing_before_setting_up_says_the_pages_show_other_rules(tiny_app_cache, tiny_synth_dir, monkeypatch):
    """A teacher who reveals without "Set up this step" followed "See it for yourself" to a Compare page with
    other rules than the claim's, and nothing said so."""
    at = _lesson_page(tiny_app_cache, tiny_synth_dir, monkeypatch)
    step = STEPS[0]
    at.radio(key=f"lesson_guess_{step.key}").set_value(step.choices[step.answer]).run()
    next(b for b in at.button if b.label == "Reveal").click().run()
    assert not at.exception
    assert any("do not hold this step's rules yet" in i.value for i in at.info)
    assert not any(c.value.startswith("Look at:") for c in at.caption)
    next(b for b in at.button if b.label == "Set up this step").click().run()
    assert not any("do not hold this step's rules yet" in i.value for i in at.info)
    assert any(c.value.startswith("Look at:") for c in at.caption)
