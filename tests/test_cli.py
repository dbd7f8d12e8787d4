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


def test_a_bad_flag_value_is_named_by_its_flag_not_the_setting_behind_it(tmp_path, capsys):
    """`synth --tracks-per-genre 0` said "The 'tracks_per_genre' parameter of SynthConfig must be ...": a name
    the user never typed. A setting without a flag of that name keeps the library's message."""
    assert main(["synth", "--tracks-per-genre", "0", "--out", str(tmp_path / "s")]) == 1
    err = capsys.readouterr().err
    assert "--tracks-per-genre must be" in err and "SynthConfig" not in err, err
    from core.cli.main import build_parser, in_flag_words
    other = "The 'n_clusters' parameter of ExperimentConfig must be >= 2. Got 1 instead."
    assert in_flag_words(build_parser(), "synth", other) == other


def test_synth_then_extract_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "set"
    assert main(["synth", "--out", str(out), "--tracks-per-genre", "1", "--clip-seconds", "2", "--seed", "1"]) == 0
    assert (out / "manifest.csv").is_file() and (out / "ground_truth.csv").is_file()
    assert main(["extract", str(out), "--jobs", "1"]) == 0
    text = capsys.readouterr().out
    assert "tracks:" in text and "audio:" in text and "extracted" in text
    # before the work, a log says what is left (it sat silent while a first run compiled the audio code)
    clips = len(list(out.rglob("*.wav")))
    assert f"features: {clips} clips to analyse and " in text, text
    assert text.index("clips to analyse") < text.index("usable tracks")
    assert main(["extract", str(out)]) == 0
    again = capsys.readouterr().out
    assert "whole feature set from cache" in again and "to analyse" not in again


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


def test_summary_names_the_lyrics_languages_and_what_happens_to_them(tmp_path, capsys):
    """`summary` listed no languages: only `extract` and the Dataset page said which lyrics are not English."""
    from tests.audio_fixtures import song_like, write_clip
    texts = {"a": "Ich gehe allein durch die leeren Straßen heute Nacht und mein Herz ist müde",
             "b": "Die Sonne wird morgen über der Stadt aufgehen und wir werden frei sein",
             "c": "I walk alone through the empty streets tonight and my heart is tired"}
    for i, (name, text) in enumerate(texts.items()):
        (tmp_path / "set" / "rock").mkdir(parents=True, exist_ok=True)
        write_clip(tmp_path / "set" / "rock" / f"{name}.wav", song_like(seed=i, seconds=1.0))
        (tmp_path / "set" / "rock" / f"{name}.txt").write_text(text, encoding="utf-8")
    assert main(["summary", str(tmp_path / "set")]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("lyrics languages:"))
    assert line.startswith("lyrics languages: de 2, en 1") and "--multilingual" in line, line


def test_extract_names_what_its_progress_counts(tmp_path, capsys):
    """`extract` wrote "extract: 5/5 in 1.2 s" for 3 clips and 2 lyrics: the count is named now."""
    from tests.audio_fixtures import song_like, write_clip
    (tmp_path / "set" / "rock").mkdir(parents=True)
    for i in range(3):
        write_clip(tmp_path / "set" / "rock" / f"s{i}.wav", song_like(seed=i, seconds=1.0))
    for i in range(2):
        (tmp_path / "set" / "rock" / f"s{i}.txt").write_text("the night is long and the road goes home",
                                                             encoding="utf-8")
    assert main(["extract", str(tmp_path / "set"), "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert "extract (clips + lyrics): 5/5 in " in err, err
