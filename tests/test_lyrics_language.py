"""Lyrics quality and language in any language: real public-domain poems and songs (tests/lyrics_texts/),
clean and garbled, through the real py3langid model, the real lyrics stats and the real indicators."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from core.features.featureset import FeatureSet
from core.features.lyrics import STAT_NAMES, lyrics_stats
from core.features.lyrics.language import UNKNOWN, code_from_number, code_number, identify
from core.indicators import compute_indicators
from core.rules import DEFAULT_RULES

TEXTS = Path(__file__).parent / "lyrics_texts"
FILES = sorted(TEXTS.glob("*.txt"))
POOR = DEFAULT_RULES.get_rule("poor_lyrics").threshold  # "poor" is what the default rule calls poor


def garble(text: str, seed: int) -> str:
    """The synthetic generator's own seeded garbling (v1's rates: per word, 15 % become a junk token,
    35 % get one typo; a junk token follows 8 % of words)."""
    from core.datasets.synthetic.degrade import _garble
    return _garble(text, np.random.default_rng(seed))


def indicators_of(texts):
    """Real lyrics stats -> real indicators, for tracks with clean audio and these lyrics."""
    from tests.test_indicators import AUDIO_STATS, CLEAN_AUDIO
    n = len(texts)
    audio = np.array([[CLEAN_AUDIO[k] for k in AUDIO_STATS]] * n, np.float32)
    return compute_indicators(FeatureSet(
        track_ids=[f"t{i}" for i in range(n)], audio=np.zeros((n, 1), np.float32), audio_names=["a"],
        audio_blocks={"low": [0]}, audio_ok=np.ones(n, bool), audio_stats=audio,
        audio_stat_names=list(AUDIO_STATS), lyrics=np.zeros((n, 1), np.float32), lyrics_names=["l"],
        lyrics_blocks={"stylistic": [0]}, lyrics_ok=np.ones(n, bool), lyrics_stats=lyrics_stats(texts),
        lyrics_stat_names=list(STAT_NAMES), has_lyrics=True, semantic=np.zeros((n, 384), np.float32)))


@pytest.fixture(scope="module")
def scored():
    clean = [p.read_text(encoding="utf-8") for p in FILES]
    garbled = [garble(t, seed) for seed, t in enumerate(clean)]
    ind = indicators_of(clean + garbled)
    n = len(clean)
    return {"clean": ind.column("lyrics_quality")[:n], "garbled": ind.column("lyrics_quality")[n:],
            "languages": ind.languages[:n], "garbled_languages": ind.languages[n:], "ind": ind}


def test_there_are_texts_in_five_languages_clean_and_readable():
    langs = {p.name[:2] for p in FILES}
    assert langs >= {"de", "es", "fr", "it", "en"}
    assert all(len(p.read_text(encoding="utf-8").split()) >= 40 for p in FILES)


def test_the_packaged_identifier_names_each_texts_language(scored):
    assert list(scored["languages"]) == [p.name[:2] for p in FILES]
    # garbling keeps enough words for the identifier: it still names the language
    assert list(scored["garbled_languages"]) == [p.name[:2] for p in FILES]
    english = scored["ind"].column("lyrics_english")[:len(FILES)]
    np.testing.assert_array_equal(english, [float(p.name.startswith("en")) for p in FILES])


def test_clean_lyrics_score_in_the_band_of_clean_english_in_every_language(scored):
    q = dict(zip((p.stem for p in FILES), scored["clean"]))
    english = [v for k, v in q.items() if k.startswith("en")]
    low = min(english) - 0.1
    for name, value in q.items():
        assert value >= max(low, 0.8), f"{name}: clean lyrics quality {value:.3f}"
        assert value > POOR, name


def test_garbled_lyrics_are_poor_in_every_language(scored):
    for p, value in zip(FILES, scored["garbled"]):
        assert value < POOR, f"{p.stem} garbled: quality {value:.3f} is not poor"
    assert scored["garbled"].max() < scored["clean"].min() - 0.4


def test_a_german_lyric_is_not_poor_english():
    text = (TEXTS / "de_heine_lorelei.txt").read_text(encoding="utf-8")
    ind = indicators_of([text])
    assert ind.column("unknown_token_share")[0] > 0.4  # outside the English vocabulary ...
    assert ind.column("lyrics_quality")[0] > 0.9        # ... and still a well-formed lyric
    assert ind.column("lyrics_english")[0] == 0.0 and ind.languages == ("de",)


def test_language_codes_round_trip_and_unknown_cases():
    for code in ("en", "de", "es", "fr", "it", "zh", "haw"):
        assert code_from_number(np.float32(code_number(code))) == code
    assert math.isnan(code_number(UNKNOWN)) and code_from_number(float("nan")) == UNKNOWN
    assert identify(None) == (UNKNOWN, 0.0) and identify("!! 12") == (UNKNOWN, 0.0)
    code, conf = identify("Der Mond ist aufgegangen, die goldnen Sternlein prangen")
    assert code == "de" and 0.5 < conf <= 1.0


def test_other_scripts_are_not_junk():
    # Cyrillic and Greek words have no Latin vowels: they must not count as junk
    stats = dict(zip(STAT_NAMES, lyrics_stats(["Ночь тиха, и ветер спит\nΤὸ φῶς τῆς ἡμέρας"])[0]))
    assert stats["junk_token_share"] == 0.0
    # Spanish inverted marks, guillemets and a joining dash are punctuation, "&" a word
    stats = dict(zip(STAT_NAMES, lyrics_stats(["¿Qué es poesía? «Oui» night\u2014and day & night"])[0]))
    assert stats["junk_token_share"] == 0.0
