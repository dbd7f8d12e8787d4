"""The command line, called through ``main([...])`` as a user would type it."""

from __future__ import annotations

import pytest

from core.__main__ import main
from tests.audio_fixtures import make_gtzan


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("synth", "extract", "summary", "prepare"):
        assert command in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_synth_then_extract_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "set"
    assert main(["synth", "--out", str(out), "--tracks-per-genre", "1", "--clip-seconds", "2", "--seed", "1"]) == 0
    assert (out / "manifest.csv").is_file() and (out / "ground_truth.csv").is_file()
    assert main(["extract", str(out), "--jobs", "1"]) == 0
    text = capsys.readouterr().out
    assert "tracks:" in text and "audio:" in text and "extracted" in text
    assert main(["extract", str(out)]) == 0
    assert "whole feature set from cache" in capsys.readouterr().out


def test_extract_gtzan_names_the_unreadable_clip(tmp_path, capsys):
    root = make_gtzan(tmp_path / "gtzan")
    assert main(["extract", str(root), "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "jazz/jazz.00054.wav: not a decodable audio file" in out
    assert "fusion is off" in out


def test_missing_dataset_is_an_error_not_a_traceback(tmp_path, capsys):
    assert main(["summary", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Dataset not found")
    assert "Traceback" not in err
