"""Indicators from hand-made FeatureSets whose values can be checked on paper."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import math
from pathlib import Path

import numpy as np
import pytest

import core.indicators as indicators_module
from core.errors import ParameterError
from core.features.featureset import FeatureSet
from core.features.lyrics.language import code_number
from core.indicators import (
    GROUPS,
    INDICATOR_NAMES,
    INDICATORS,
    IndicatorConfig,
    Indicators,
    compute_indicators,
)

AUDIO_STATS = ("duration_s", "usable_duration_s", "loudness_dbfs", "dynamic_range_db", "silence_ratio",
               "clipping_ratio", "snr_db", "percussive_ratio", "vocal_presence", "onset_rate",
               "instrumental_density", "bandwidth_hz", "high_band_db",
               "learned_voice", "learned_quiet")  # the last two: extracted with the learned level
LYRICS_STATS = ("word_count", "line_count", "type_token_ratio", "line_repetition", "junk_token_share",
                "unknown_token_share", "mean_word_length", "language_id", "language_confidence")
EN = code_number("en")

CLEAN_AUDIO = dict(duration_s=10.0, usable_duration_s=10.0, loudness_dbfs=-12.0, dynamic_range_db=12.0,
                   silence_ratio=0.0, clipping_ratio=0.0, snr_db=40.0, percussive_ratio=0.4,
                   vocal_presence=0.8, onset_rate=3.0, instrumental_density=0.5, bandwidth_hz=8000.0,
                   high_band_db=-20.0, learned_voice=0.7, learned_quiet=0.3)
CLEAN_LYRICS = dict(word_count=120.0, line_count=20.0, type_token_ratio=0.5, line_repetition=0.3,
                    junk_token_share=0.0, unknown_token_share=0.0, mean_word_length=4.2,
                    language_id=EN, language_confidence=0.99)


def make_featureset(audio_rows, lyrics_rows, audio_ok=None, lyrics_ok=None, has_lyrics=True):
    """A FeatureSet with only the raw stats filled (the blocks are placeholders).

    ``audio_rows`` / ``lyrics_rows``: one dict per track overriding CLEAN_AUDIO / CLEAN_LYRICS, or
    None for a missing modality (stats NaN, mask False).
    """
    n = len(audio_rows)
    a = np.full((n, len(AUDIO_STATS)), np.nan, dtype=np.float32)
    l = np.full((n, len(LYRICS_STATS)), np.nan, dtype=np.float32)
    a_ok = np.zeros(n, dtype=bool)
    l_ok = np.zeros(n, dtype=bool)
    for i, (ar, lr) in enumerate(zip(audio_rows, lyrics_rows)):
        if ar is not None:
            a[i] = [{**CLEAN_AUDIO, **ar}[k] for k in AUDIO_STATS]
            a_ok[i] = True
        if lr is not None and has_lyrics:
            l[i] = [{**CLEAN_LYRICS, **lr}[k] for k in LYRICS_STATS]
            l_ok[i] = True
    if audio_ok is not None:
        a_ok = np.asarray(audio_ok, dtype=bool)
    if lyrics_ok is not None:
        l_ok = np.asarray(lyrics_ok, dtype=bool)
    return FeatureSet(
        track_ids=[f"t{i:03d}" for i in range(n)],
        audio=np.zeros((n, 2), np.float32), audio_names=["a0", "a1"], audio_blocks={"low": [0, 1]},
        audio_ok=a_ok, audio_stats=a, audio_stat_names=list(AUDIO_STATS),
        lyrics=np.zeros((n, 2), np.float32), lyrics_names=["l0", "l1"], lyrics_blocks={"stylistic": [0, 1]},
        lyrics_ok=l_ok, lyrics_stats=l, lyrics_stat_names=list(LYRICS_STATS),
        has_lyrics=has_lyrics, semantic=np.zeros((n, 384), np.float32),
    )


def test_registry_is_complete_and_documented():
    assert tuple(INDICATORS) == INDICATOR_NAMES
    required = {"vocal_presence", "lyrics_available", "percussive_ratio", "instrumental_density",
                "loudness_dbfs", "dynamic_range_db", "audio_quality", "silence_ratio", "clipping_ratio",
                "snr_db", "usable_duration_s", "lyrics_quality", "word_count", "type_token_ratio",
                "line_repetition", "junk_token_share"}
    assert required <= set(INDICATOR_NAMES)
    for spec in INDICATORS.values():
        assert spec.group in GROUPS
        assert spec.needs in ("audio", "lyrics", "both", "none")
        assert spec.lo < spec.hi
        assert isinstance(spec.unit, str) and spec.description.strip()
    assert {s.group for s in INDICATORS.values()} == set(GROUPS)
    assert INDICATORS["loudness_dbfs"].unit == "dBFS" and INDICATORS["snr_db"].unit == "dB"


def test_quality_scores_worked_out_by_hand():
    fs = make_featureset(
        [CLEAN_AUDIO, dict(silence_ratio=0.2, clipping_ratio=0.01, snr_db=10.0, usable_duration_s=6.0)],
        [CLEAN_LYRICS, dict(word_count=25.0, type_token_ratio=0.6, line_repetition=0.75,
                            junk_token_share=0.1, unknown_token_share=0.2)],
    )
    ind = compute_indicators(fs)
    # clean: every part 1 (snr 40 dB >= 15, 10 s >= 3 s, 120 words >= 50, ttr 0.5 >= 0.3, rep 0.3 <= 0.5)
    assert ind.column("audio_quality")[0] == pytest.approx(1.0)
    assert ind.column("lyrics_quality")[0] == pytest.approx(1.0)
    # (1 - 0.2 / 0.4) * (1 - 0.01 / 0.05) * (10 / 15) * min(6 / 3, 1) * q_band(-20 dB >= -40) = 0.2667
    assert ind.column("audio_quality")[1] == pytest.approx(0.8 / 3, abs=1e-6)
    # (25 / 50) * min(0.6 / 0.3, 1) * (1 - 0.75) / 0.5 * (1 - 0.1 / 0.25) * (1 - 0.2 / 0.5)
    # = 0.5 * 1 * 0.5 * 0.6 * 0.6 = 0.09 (English lyrics: the unknown share counts)
    assert ind.column("lyrics_quality")[1] == pytest.approx(0.09, abs=1e-6)
    # the parts pass through in their units
    assert ind.column("snr_db")[1] == pytest.approx(10.0)
    assert ind.column("usable_duration_s")[1] == pytest.approx(6.0)
    assert ind.column("word_count")[1] == pytest.approx(25.0)
    assert ind.column("loudness_dbfs")[0] == pytest.approx(-12.0)


def test_config_scales_change_the_scores():
    fs = make_featureset([dict(snr_db=10.0)], [dict(word_count=25.0)])
    default = compute_indicators(fs)
    relaxed = compute_indicators(fs, IndicatorConfig(snr_good_db=10.0, words_good=25.0))
    assert default.column("audio_quality")[0] == pytest.approx(10 / 15)
    assert default.column("lyrics_quality")[0] == pytest.approx(0.5)
    assert relaxed.column("audio_quality")[0] == pytest.approx(1.0)
    assert relaxed.column("lyrics_quality")[0] == pytest.approx(1.0)


def test_vocal_presence_combines_voice_and_lyrics():
    fs = make_featureset(
        [dict(vocal_presence=0.8), dict(vocal_presence=0.8), None, dict(vocal_presence=0.05), None],
        [CLEAN_LYRICS, None, CLEAN_LYRICS, CLEAN_LYRICS, None],
    )
    ind = compute_indicators(fs)
    vp = ind.column("vocal_presence")
    assert vp[0] == pytest.approx(0.9)          # lyrics and audible voice: 0.5 + 0.5 * 0.8
    assert vp[1] == 0.0                         # audible voice but no words: 0
    assert math.isnan(vp[2])                    # words but no audio: unknown
    assert vp[3] == pytest.approx(0.525)        # words, the audio hears little: the lyrics' prior 0.5
    assert vp[4] == 0.0                         # nothing at all: no words can be sung
    np.testing.assert_allclose(ind.column("vocal_presence_audio"), [0.8, 0.8, np.nan, 0.05, np.nan])
    np.testing.assert_array_equal(ind.column("lyrics_available"), [1, 0, 1, 1, 0])
    np.testing.assert_array_equal(ind.column("audio_available"), [1, 1, 0, 1, 0])


def test_missing_modality_gives_nan_exactly_where_documented():
    fs = make_featureset([CLEAN_AUDIO, None, CLEAN_AUDIO], [None, CLEAN_LYRICS, CLEAN_LYRICS])
    ind = compute_indicators(fs)
    for name, spec in INDICATORS.items():
        col = ind.column(name)
        assert not math.isnan(col[2]), name  # both modalities present: nothing unknown
        if spec.needs == "audio":
            assert not math.isnan(col[0]) and math.isnan(col[1]), name
        elif spec.needs == "lyrics":
            assert math.isnan(col[0]) and not math.isnan(col[1]), name
        elif spec.needs == "none":
            assert not np.isnan(col).any(), name


def test_learned_indicators_pass_their_measures_through_and_are_nan_without_the_level():
    fs = make_featureset([dict(learned_voice=0.9, learned_quiet=0.1), CLEAN_AUDIO], [None, CLEAN_LYRICS],
                         audio_ok=[True, False])
    ind = compute_indicators(fs)
    assert ind.column("vocal_presence_learned")[0] == pytest.approx(0.9)
    assert ind.column("quiet_learned")[0] == pytest.approx(0.1)
    assert math.isnan(ind.column("vocal_presence_learned")[1])  # no usable audio
    keep = [j for j, n in enumerate(AUDIO_STATS) if not n.startswith("learned_")]
    off = dataclasses.replace(fs, audio_stats=fs.audio_stats[:, keep],
                              audio_stat_names=[AUDIO_STATS[j] for j in keep])
    ind = compute_indicators(off)  # extracted without the learned level: unknown on every track
    assert np.isnan(ind.column("vocal_presence_learned")).all() and np.isnan(ind.column("quiet_learned")).all()
    assert ind.column("vocal_presence_audio")[0] == pytest.approx(0.8)


def test_masks_win_over_finite_stats():
    # stats present but the masks say the extraction failed: the masks decide
    fs = make_featureset([CLEAN_AUDIO, CLEAN_AUDIO], [CLEAN_LYRICS, CLEAN_LYRICS],
                         audio_ok=[True, False], lyrics_ok=[False, True])
    ind = compute_indicators(fs)
    assert math.isnan(ind.column("audio_quality")[1]) and not math.isnan(ind.column("audio_quality")[0])
    assert math.isnan(ind.column("lyrics_quality")[0]) and not math.isnan(ind.column("lyrics_quality")[1])


def test_dataset_without_lyrics_has_no_lyrics_anywhere():
    fs = make_featureset([CLEAN_AUDIO] * 4, [CLEAN_LYRICS] * 4, lyrics_ok=[True] * 4, has_lyrics=False)
    ind = compute_indicators(fs)
    np.testing.assert_array_equal(ind.column("lyrics_available"), 0.0)
    np.testing.assert_array_equal(ind.column("vocal_presence"), 0.0)
    assert np.isnan(ind.column("lyrics_quality")).all()


def test_a_nan_part_is_left_out_of_the_score():
    fs = make_featureset([dict(snr_db=float("nan"), silence_ratio=0.2)],
                         [dict(unknown_token_share=float("nan"), junk_token_share=0.125)])
    ind = compute_indicators(fs)
    assert ind.column("audio_quality")[0] == pytest.approx(0.5)    # (1 - 0.2 / 0.4), snr unknown
    assert ind.column("lyrics_quality")[0] == pytest.approx(0.5)   # 1 - 0.125 / 0.25
    all_nan = {k: float("nan") for k in ("silence_ratio", "clipping_ratio", "snr_db", "usable_duration_s",
                                         "high_band_db")}
    ind = compute_indicators(make_featureset([all_nan], [CLEAN_LYRICS]))
    assert math.isnan(ind.column("audio_quality")[0])


def test_ratios_are_clipped_into_unit_range():
    fs = make_featureset([dict(silence_ratio=1.3, vocal_presence=-0.2, percussive_ratio=1.5)], [CLEAN_LYRICS])
    ind = compute_indicators(fs)
    assert ind.column("silence_ratio")[0] == 1.0
    assert ind.column("vocal_presence_audio")[0] == 0.0
    assert ind.column("vocal_presence")[0] == 0.5  # the lyrics' prior, nothing added from the audio
    assert ind.column("percussive_ratio")[0] == 1.0
    assert ind.column("audio_quality")[0] == 0.0


def test_indicators_are_per_track_independent_of_the_other_rows():
    rng = np.random.default_rng(3)
    audio = [dict(snr_db=float(s), silence_ratio=float(r), vocal_presence=float(v))
             for s, r, v in zip(rng.uniform(-5, 40, 30), rng.uniform(0, 1, 30), rng.uniform(0, 1, 30))]
    lyrics = [dict(word_count=float(w)) if w > 20 else None for w in rng.uniform(0, 200, 30)]
    audio[4] = None
    full = compute_indicators(make_featureset(audio, lyrics)).values
    idx = [4, 7, 12]
    part = compute_indicators(make_featureset([audio[i] for i in idx], [lyrics[i] for i in idx])).values
    np.testing.assert_array_equal(part, full[idx])


def test_indicators_object_shape_dtype_and_immutability():
    ind = compute_indicators(make_featureset([CLEAN_AUDIO] * 3, [CLEAN_LYRICS] * 3))
    assert ind.values.dtype == np.float32 and ind.values.shape == (3, len(INDICATOR_NAMES))
    assert ind.names == INDICATOR_NAMES and ind.n_tracks == 3
    assert [s.name for s in ind.specs] == list(INDICATOR_NAMES)
    assert ind.spec("snr_db").unit == "dB"
    with pytest.raises(ValueError):
        ind.values[0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        ind.values = np.zeros((3, len(INDICATOR_NAMES)))
    assert set(ind.as_dict()) == set(INDICATOR_NAMES)


def test_from_columns_does_not_freeze_the_callers_array():
    col = np.array([0.1, 0.9], dtype=np.float32)
    ind = Indicators.from_columns({"vocal_presence": col})
    col[0] = 0.5
    assert ind.column("vocal_presence")[0] == pytest.approx(0.1)
    raw = np.zeros((2, 1), dtype=np.float32, order="F")
    Indicators(values=raw, names=("snr_db",))
    raw[0, 0] = 3.0  # still writeable: Indicators kept its own copy


@pytest.mark.parametrize("bad", [
    dict(values=np.zeros((2, 2)), names=("snr_db",)),
    dict(values=np.zeros((2, 1)), names=("not_an_indicator",)),
    dict(values=np.zeros((2, 2)), names=("snr_db", "snr_db")),
    dict(values=np.zeros(2), names=("snr_db",)),
], ids=["width", "unknown-name", "duplicate", "1-D"])
def test_indicators_rejects_malformed_tables(bad):
    with pytest.raises(ParameterError, match="parameter of Indicators must be"):
        Indicators(**bad)


def test_errors_name_what_is_missing():
    ind = compute_indicators(make_featureset([CLEAN_AUDIO], [CLEAN_LYRICS]))
    with pytest.raises(ParameterError, match="'name' parameter of Indicators.column"):
        ind.column("loudness")
    with pytest.raises(ParameterError, match="equal-length"):
        Indicators.from_columns({"snr_db": [1.0, 2.0], "word_count": [3.0]})
    fs = make_featureset([CLEAN_AUDIO], [CLEAN_LYRICS])
    fs.audio_stat_names = [n if n != "snr_db" else "snr" for n in fs.audio_stat_names]
    with pytest.raises(ParameterError, match=r"'fs' parameter of compute_indicators.*snr_db"):
        compute_indicators(fs)
    fs = make_featureset([CLEAN_AUDIO, CLEAN_AUDIO], [CLEAN_LYRICS, CLEAN_LYRICS])
    fs.audio_ok = np.ones(3, dtype=bool)
    with pytest.raises(ParameterError, match="'fs' parameter of compute_indicators"):
        compute_indicators(fs)
    with pytest.raises(ParameterError, match="'config' parameter of compute_indicators"):
        compute_indicators(fs, config={"snr_good_db": 10})


# -- label blindness ---------------------------------------------------------------------------

FORBIDDEN = {"label", "labels", "genre", "genres", "ground_truth", "truth", "y", "y_true", "target"}


def test_compute_indicators_signature_takes_no_labels():
    params = set(inspect.signature(compute_indicators).parameters)
    assert params == {"fs", "config"}
    assert not params & FORBIDDEN


def test_indicator_code_reads_no_label_attribute():
    # every module of the package (registry, table, computation), not only its __init__
    files = sorted(Path(indicators_module.__file__).parent.glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "compute.py", "specs.py", "table.py"}
    for path in files:
        tree = ast.parse(path.read_text())
        used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        used |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        used |= {node.value for node in ast.walk(tree)
                 if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 20}
        assert not used & FORBIDDEN, path.name
