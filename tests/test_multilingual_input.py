"""What the multilingual block reads (``LyricsConfig.multilingual_input``, opt-in): the lyric as written (the
default, unchanged), the semantic model's text (the English gloss where there is one), or both averaged. The
real packaged model runs here."""

import numpy as np
import pandas as pd
import pytest

from core.errors import ParameterError
from core.features.cache import FeatureCache
from core.features.extract import ExtractConfig, extract_features
from core.features.extract.assemble import _multilingual_block
from core.features.lyrics import LyricsConfig, embed_multilingual
from core.features.lyrics.gloss import semantic_texts
from core.tracks import Dataset

TEXTS = ["Das Schwert und das Blut der Schlacht,\nder Krieger kämpft in der Nacht",
         "The sea is calling me home tonight,\nwaves are singing under the moon",
         None,
         "La mer m'appelle ce soir,\nles vagues chantent sous la lune"]


def _dataset(texts):
    n = len(texts)
    tracks = pd.DataFrame({"track_id": [f"t{i:03d}" for i in range(n)], "audio_path": [None] * n,
                           "lyrics": list(texts), "lyrics_path": [None] * n})
    return Dataset(name="lyrics", kind="manifest", root=".", tracks=tracks, has_lyrics=True)


def test_config_checks_the_choice_and_keeps_the_earlier_keys():
    with pytest.raises(ParameterError, match="multilingual_input"):
        LyricsConfig(multilingual=True, multilingual_input="translation")
    on = LyricsConfig(multilingual=True)
    assert on.multilingual_input == "written"
    assert LyricsConfig(multilingual=True, multilingual_input="written").key() == on.key()
    keys = {LyricsConfig(multilingual=True, multilingual_input=v).key() for v in ("written", "gloss", "both")}
    assert len(keys) == 3
    # without the block the choice means nothing and changes no key
    assert LyricsConfig(multilingual_input="both").key() == LyricsConfig().key()


def test_each_input_embeds_what_it_names(tmp_path):
    cache = FeatureCache(tmp_path)
    ok = np.array([t is not None for t in TEXTS])
    sem, rep = semantic_texts(TEXTS)
    assert rep.languages[0] == "de" and sem[0] != TEXTS[0] and sem[1] == TEXTS[1]  # the German one is glossed
    present = [t for t in TEXTS if t]
    written = embed_multilingual(present)
    glossed = embed_multilingual([s for s in sem if s])

    def block(choice):
        return _multilingual_block(TEXTS, sem, ok, LyricsConfig(multilingual=True, multilingual_input=choice),
                                   cache, None, 0, 1)

    w, g, b = block("written"), block("gloss"), block("both")
    assert np.isnan(w[2]).all() and np.isnan(g[2]).all() and np.isnan(b[2]).all()
    np.testing.assert_allclose(w[ok], written, atol=1e-5)
    np.testing.assert_allclose(g[ok], glossed, atol=1e-5)
    mean = written + glossed
    np.testing.assert_allclose(b[ok], mean / np.linalg.norm(mean, axis=1, keepdims=True), atol=1e-5)
    np.testing.assert_allclose(b[1], w[1], atol=1e-5)  # an English lyric: the same vector whatever the choice
    assert np.abs(b[0] - w[0]).max() > 1e-3  # a glossed one: not


def test_extraction_with_both_inputs_is_a_different_feature_set(tmp_path):
    ds = _dataset(TEXTS)
    cache = FeatureCache(tmp_path)
    fs_w, _ = extract_features(ds, ExtractConfig(lyrics=LyricsConfig(multilingual=True)), cache=cache, n_jobs=1)
    fs_b, _ = extract_features(ds, ExtractConfig(lyrics=LyricsConfig(multilingual=True, multilingual_input="both")),
                               cache=cache, n_jobs=1)
    assert fs_w.meta["config_key"] != fs_b.meta["config_key"]
    cols = fs_b.lyrics_blocks["multilingual"]
    assert np.isfinite(fs_b.lyrics[:, cols]).all()
    assert not np.allclose(fs_w.lyrics[:, cols], fs_b.lyrics[:, cols])
