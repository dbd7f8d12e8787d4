"""core.progress: the tqdm progress callback (issue 14: ``TerminalBar`` removed, tqdm by name)."""

from __future__ import annotations

import io

import core.progress as progress_mod
from core.progress import report, tqdm_progress


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_terminal_bar_name_is_gone():
    assert not hasattr(progress_mod, "TerminalBar")


def test_not_a_tty_writes_one_summary_line_and_no_carriage_return():
    out = io.StringIO()
    bar = tqdm_progress("extract", stream=out)
    for i in range(1, 51):
        bar(i, 50, f"clip {i}")
    bar(50, 50, "done")  # a repeated final call adds nothing
    text = out.getvalue()
    assert "\r" not in text
    assert text.count("\n") == 1 and text.startswith("extract: 50/50 in ") and text.endswith(" s\n")


def test_not_a_tty_long_work_writes_a_line_now_and_then():
    out = io.StringIO()
    bar = tqdm_progress("features", stream=out, log_every=0)   # every call is "long" here
    for i in range(1, 4):
        bar(i, 3)
    lines = out.getvalue().splitlines()
    assert [ln.split(" after ")[0] for ln in lines[:2]] == ["features: 1/3", "features: 2/3"]
    assert lines[2].startswith("features: 3/3 in ") and len(lines) == 3 and "\r" not in out.getvalue()
    quiet = io.StringIO()
    bar = tqdm_progress("features", stream=quiet, log_every=3600)  # short work: the summary line only
    for i in range(1, 4):
        bar(i, 3)
    assert quiet.getvalue().count("\n") == 1


def test_on_a_tty_tqdm_draws_a_bar_with_its_label():
    out = _Tty()
    bar = tqdm_progress("features", stream=out, min_interval=0)
    for i in range(1, 6):
        bar(i, 5)
    text = out.getvalue()
    assert "features" in text and "5/5" in text and "\r" in text  # tqdm redraws in place on a terminal
    assert "features: 5/5 in" not in text  # no summary line when the bar was drawn


def test_a_new_total_starts_a_new_bar_and_each_writes_its_line():
    out = io.StringIO()
    bar = tqdm_progress("synth", stream=out)
    bar(1, 1, "waiting")
    bar(3, 3)
    lines = out.getvalue().splitlines()
    assert [ln.split(" in ")[0] for ln in lines] == ["synth: 1/1", "synth: 3/3"]


def test_disable_forces_the_bar_off_even_on_a_tty():
    out = _Tty()
    bar = tqdm_progress("x", stream=out, disable=True)
    bar(2, 2)
    assert out.getvalue().startswith("x: 2/2 in ") and "\r" not in out.getvalue()


def test_report_calls_the_callback_or_nothing():
    seen = []
    report(lambda d, t, m: seen.append((d, t, m)), 1, 2, "half")
    report(None, 1, 2)
    assert seen == [(1, 2, "half")]


def test_in_parts_names_each_count_and_leaves_out_an_empty_part():
    from core.progress import in_parts
    seen = []
    bar = in_parts(lambda d, t, m: seen.append((d, t, m)), [("clips", 400), ("lyrics", 259)])
    bar(412, 659, "embedding lyrics")
    bar(0, 659)
    assert seen == [(412, 659, "400 of 400 clips, 12 of 259 lyrics: embedding lyrics"),
                    (0, 659, "0 of 400 clips, 0 of 259 lyrics")]
    seen.clear()
    in_parts(lambda d, t, m: seen.append(m), [("clips", 6), ("lyrics", 0)])(6, 6, "done")
    assert seen == ["6 of 6 clips: done"]                        # a set without lyrics: no "0 of 0 lyrics"
    assert in_parts(None, [("clips", 1)]) is None
