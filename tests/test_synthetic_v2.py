"""Generator v2: per-track truth (voice, level, stratified degradation with severity), opaque ids,
shuffled tables, lyrics in several languages; every SynthConfig field on the command line and in
the Regenerate form. One small real set (24 clips of 2 s) is built once for the module."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.__main__ import build_parser, _synth_config
from core.datasets.synthetic import SynthConfig, generate, read_config
from core.datasets.synthetic.fields import FIELD_SPECS
from core.datasets.synthetic.plan import genre_plan
from core.datasets.synthetic.track_v2 import voiced_share
from core.datasets.synthetic.vocab import VOCABULARIES
from core.errors import ParameterError
from core.paths import REPO_ROOT, default_synthetic_dir

V2 = SynthConfig(version=2, genres=("ballad", "metal", "ambient"), tracks_per_genre=8,
                 clip_seconds=2.0, seed=5, instrumental_rate=0.25,
                 languages=("en", "de", "es")).with_degrade(0.5)


@pytest.fixture(scope="module")
def v2_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("v2") / "set"
    ds = generate(V2, root, n_jobs=2)
    truth = pd.read_csv(root / "ground_truth.csv", keep_default_na=False)
    manifest = pd.read_csv(root / "manifest.csv", dtype=str, keep_default_na=False)
    return ds, root, truth, manifest


def test_voice_truth_is_per_track_not_per_genre(v2_set):
    ds, root, truth, _ = v2_set
    for genre in ("ballad", "metal"):                       # vocal genres
        g = truth[truth.genre == genre]
        assert (~g.has_voice).sum() == 2                     # 0.25 of 8 made instrumental
        assert (g[~g.has_voice].voiced_share == 0).all()
        # a voiced track may still be silent in a short clip (the voice may enter at bar 1),
        # which is exactly what voiced_share records
        assert (g[g.has_voice].voiced_share > 0.05).any()
        assert set(g[~g.has_voice].lyrics_degradation) == {"instrumental"}
    assert not truth[truth.genre == "ambient"].has_voice.any()
    # no lyrics file for an instrumental version; the loaded truth keeps the v2 columns
    for tid in truth[~truth.has_voice].track_id:
        assert not (root / "lyrics" / f"{tid}.txt").exists()
    assert {"voiced_share", "language", "gain_db", "audio_degradation_severity",
            "lyrics_degradation_strength"} <= set(ds.ground_truth.columns)


def test_voiced_share_is_the_union_of_the_notes_within_the_clip():
    notes = [(0.0, 1.0, 60, "a"), (0.5, 1.0, 62, "e"), (3.0, 1.0, 64, "o"), (9.5, 2.0, 65, "i")]
    assert voiced_share(notes, 10.0) == pytest.approx((1.5 + 1.0 + 0.5) / 10.0)
    assert voiced_share([], 10.0) == 0.0


def test_ids_carry_no_genre_and_the_tables_are_shuffled(v2_set):
    _, root, truth, manifest = v2_set
    assert "genre" not in manifest.columns
    for tid in manifest.track_id:
        assert re.fullmatch(r"t[0-9a-f]{10}", tid)
    genres = truth.set_index("track_id").loc[manifest.track_id, "genre"].tolist()
    changes = sum(a != b for a, b in zip(genres, genres[1:]))
    assert changes > len(V2.genres) + 3                      # genre blocks would give 2 changes
    assert manifest.track_id.tolist() == truth.track_id.tolist()


def test_degradation_is_stratified_with_severity_and_strength(v2_set):
    _, root, truth, _ = v2_set
    audio = pd.crosstab(truth.genre, truth.audio_degradation)
    for kind in ("noise", "dropout", "clipping", "lowpass"):
        assert (audio[kind] == 1).all()                      # 0.5 / 4 of 8 tracks, every genre
    sung = truth[truth.has_voice]
    lyr = pd.crosstab(sung.genre, sung.lyrics_degradation)
    for kind in ("truncated", "garbled", "missing"):
        assert (lyr[kind] == 1).all()                        # 0.5 / 3 of 6 sung tracks
    deg = truth[truth.audio_degradation != "none"]
    assert deg.audio_degradation_severity.between(0, 1).all()
    assert (truth[truth.audio_degradation == "none"].audio_degradation_severity == 0).all()
    trunc = truth[truth.lyrics_degradation == "truncated"]
    for row in trunc.itertuples():
        n_kept = len((root / "lyrics" / f"{row.track_id}.txt").read_text(encoding="utf-8").split())
        assert 0 < row.lyrics_degradation_strength < 1
        assert n_kept >= 2
    assert (truth[truth.lyrics_degradation == "missing"].lyrics_degradation_strength == 1).all()


def test_rates_are_independent_of_each_other():
    base = dataclasses.replace(V2, tracks_per_genre=40)
    more_noise = dataclasses.replace(base, audio_noise_rate=0.25)
    for genre in base.genres:
        a, b = genre_plan(base, genre), genre_plan(more_noise, genre)
        for p, q in zip(a, b):
            if p.audio_kind != "noise":
                assert q.audio_kind in (p.audio_kind, "noise")
                if q.audio_kind != "noise":
                    assert q.audio_kind == p.audio_kind
            else:
                assert q.audio_kind == "noise"
            assert (p.lyrics_kind, p.has_voice, p.track_id) == (q.lyrics_kind, q.has_voice,
                                                                q.track_id)
        assert sum(q.audio_kind == "noise" for q in b) == 10
    with pytest.raises(ParameterError, match="'audio_noise_rate' parameter of SynthConfig"):
        dataclasses.replace(base, audio_noise_rate=0.3)


def test_languages_are_spread_evenly_and_written_in_that_language(v2_set):
    _, root, truth, _ = v2_set
    sung = truth[truth.has_voice]
    assert set(sung.language) <= {"en", "de", "es"}
    assert set(truth[~truth.has_voice].language) == {""}
    counts = pd.crosstab(truth.genre, truth.language.replace("", "none"))
    assert counts.drop(columns="none", errors="ignore").sum().min() >= 3
    german = {w.lower() for part in VOCABULARIES["de"].common for w in part}
    for theme in VOCABULARIES["de"].themes.values():
        german |= {w.lower() for part in theme for w in part}
    clean_de = sung[(sung.language == "de") & (sung.lyrics_degradation == "none")]
    assert len(clean_de)
    for tid in clean_de.track_id:
        words = (root / "lyrics" / f"{tid}.txt").read_text(encoding="utf-8").lower().split()
        assert sum(w in german for w in words) > 0.3 * len(words)


def test_every_config_field_is_a_flag_that_round_trips():
    parser = build_parser()
    help_text = parser._subparsers._group_actions[0].choices["synth"].format_help()
    values = {"version": ("v1", 1), "genres": ("pop,metal", ("pop", "metal")),
              "languages": ("de,fr", ("de", "fr")), "tracks_per_genre": ("3", 3),
              "sr": ("16000", 16000), "seed": ("9", 9), "clip_seconds": ("4", 4.0)}
    argv, expected = ["synth"], {}
    for spec in FIELD_SPECS:
        assert spec.flag in help_text
        if spec.name in values:
            text, value = values[spec.name]
            argv += [spec.flag, text]
        elif spec.kind == "pair":
            lo, hi = getattr(SynthConfig(), spec.name)
            value = (lo + 0.25 * (hi - lo), lo + 0.5 * (hi - lo))
            argv += [spec.flag, str(value[0]), str(value[1])]
        else:
            value = 0.2 if spec.name != "theme_share" else 0.7
            argv += [spec.flag, str(value)]
        expected[spec.name] = value
    argv[argv.index("--generator") + 1] = "v2"
    expected["version"] = 2
    config = _synth_config(parser.parse_args(argv))
    for name, value in expected.items():
        got = getattr(config, name)
        assert got == (pytest.approx(value) if isinstance(value, (float, tuple)) and name not in
                       ("genres", "languages") else value), name
    degraded = _synth_config(parser.parse_args(["synth", "--degrade", "0.4",
                                                "--audio-noise-rate", "0.01"]))
    assert degraded.audio_dropout_rate == pytest.approx(0.1)
    assert degraded.lyrics_garble_rate == pytest.approx(0.4 / 3)
    assert degraded.audio_noise_rate == pytest.approx(0.01)   # an explicit rate wins
    with pytest.raises(ParameterError, match="'languages' parameter of SynthConfig"):
        _synth_config(parser.parse_args(["synth", "--languages", "en,xx"]))
    with pytest.raises(ParameterError, match="generator v2 only"):
        _synth_config(parser.parse_args(["synth", "--generator", "v1", "--theme-share", "0.9"]))


def test_a_v1_record_reads_back_as_v1():
    record = SynthConfig(version=1, seed=4).to_dict()
    assert "version" not in record and "theme_share" not in record
    assert SynthConfig.from_dict(record).version == 1
    assert SynthConfig.from_dict(V2.to_dict()) == V2


def test_regenerate_form_keeps_the_current_values():
    current = SynthConfig(version=2, genres=("pop", "techno"), tracks_per_genre=1,
                          clip_seconds=1.0, seed=4, theme_share=0.7, languages=("de", "fr"),
                          gain_db=(-3.0, 2.0), audio_noise_rate=0.2)
    generate(current, default_synthetic_dir(), n_jobs=1)
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="synth.version").value == "v2"
    assert at.multiselect(key="synth.genres").value == ["pop", "techno"]
    assert at.multiselect(key="synth.languages").value == ["de", "fr"]
    assert at.number_input(key="synth.seed").value == 4
    assert at.number_input(key="synth.theme_share").value == pytest.approx(0.7)
    assert at.number_input(key="synth.audio_noise_rate").value == pytest.approx(0.2)
    assert at.number_input(key="synth.gain_db.low").value == pytest.approx(-3.0)
    assert at.number_input(key="synth.gain_db.high").value == pytest.approx(2.0)
    # Regenerate with one change: everything else stays as it was
    at.number_input(key="synth.seed").set_value(6)
    [b for b in at.button if b.label == "Regenerate"][0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert SynthConfig.from_dict(read_config(default_synthetic_dir())) == \
        dataclasses.replace(current, seed=6)
