"""The Apertium engine's pivots: French and Portuguese lyrics reach English through two real Apertium modes one after
the other (Debian has no French or Portuguese pair into English; it has them into Spanish and Catalan, which have
English pairs). They did worse than the FreeDict gloss on the synthetic sets, so the engine uses them only when
``WORKBENCH_APERTIUM_CHAINS`` asks (:data:`apertium.PIVOT_CHAINS`: French through Spanish, Portuguese through
Catalan); the pairs of that map are the ones `make install-test` installs. The lyrics are embedded by the real MiniLM.

Nothing is mocked. A missing pair is the real code path of a machine without it: ``WORKBENCH_APERTIUM`` pointing at
a command that does not exist, or ``WORKBENCH_APERTIUM_CHAINS`` naming a mode that is not installed.
"""

import numpy as np
import pytest

from core.features.cache import FeatureCache
from core.features.extract import ExtractConfig, extract_features, track_keys
from core.features.lyrics import LyricsConfig, embed_lyrics
from core.features.lyrics import apertium
from core.features.lyrics.gloss import semantic_texts
from tests.test_apertium import ENGLISH, SPANISH, lyrics_dataset, need_apertium

#: The English lyric of tests/test_apertium.py written by hand in ordinary French and Portuguese (not
#: machine-translated).
FRENCH = """Je marche seul dans les rues vides ce soir
La solitude brûle dans ma poitrine
Nous lutterons contre le vent et la pluie
Rebelles sans foyer, nous ne nous rendons jamais
Mon cœur est fatigué mais mon âme est libre
Demain le soleil se lèvera sur la ville"""
PORTUGUESE = """Caminho sozinho pelas ruas vazias esta noite
A solidão queima dentro do meu peito
Vamos lutar contra o vento e a chuva
Rebeldes sem lar, nunca nos rendemos
Meu coração está cansado mas minha alma é livre
Amanhã o sol vai nascer sobre a cidade"""
GERMAN = "Der Krieg ist kalt und dunkel\nwir kämpfen in der Nacht"
TEXTS = {"fr": FRENCH, "pt": PORTUGUESE}
APERTIUM = ExtractConfig(lyrics=LyricsConfig(gloss_engine="apertium"))


@pytest.fixture(autouse=True)
def _default_chains(monkeypatch):
    """Every test starts from the engine's own chain map, whatever the shell running the tests has set."""
    monkeypatch.delenv("WORKBENCH_APERTIUM_CHAINS", raising=False)


@pytest.fixture
def pivots(monkeypatch):
    """The engine with the pivots on (:data:`apertium.PIVOT_CHAINS`); the chain map in effect."""
    monkeypatch.setenv("WORKBENCH_APERTIUM_CHAINS", apertium.PIVOT_CHAINS)
    return apertium.chains()



@pytest.mark.parametrize("lang", ["fr", "pt"])
def test_a_pivot_translation_lands_nearer_the_english_original_than_the_dictionary_gloss(lyrics_model, pivots, lang):
    need_apertium(lang)
    text = TEXTS[lang]
    by_dict, rep_d = semantic_texts([text], gloss=True, languages=[lang])
    by_mt, rep_m = semantic_texts([text], gloss=True, languages=[lang], engine="apertium")
    assert rep_d.glossed == {lang: 1} and rep_m.translated == {lang: 1} and not rep_m.glossed
    assert rep_m.routes[lang] == ">".join(pivots[lang]) and len(pivots[lang]) == 2
    assert rep_m.engines() == {lang: f"apertium:{rep_m.routes[lang]}"}
    assert "through " + rep_m.routes[lang] in rep_m.message()
    assert by_mt[0].count("\n") == text.count("\n")  # line for line through both stages
    assert "solitude" in by_mt[0].lower() and "free" in by_mt[0].lower()
    en, d, m = embed_lyrics([ENGLISH, by_dict[0], by_mt[0]], lyrics_model, LyricsConfig())
    cos_d, cos_m = float(en @ d), float(en @ m)
    # measured, cosine to the English original: French dictionary 0.59, through Spanish 0.83 (through Catalan
    # 0.79); Portuguese dictionary 0.67, through Catalan 0.83 (through Spanish 0.79)
    assert cos_m > cos_d + 0.05, (cos_d, cos_m, by_dict[0], by_mt[0])


@pytest.mark.parametrize("lang", ["fr", "pt"])
def test_unknown_words_of_both_stages_are_counted_once_and_their_marks_removed(pivots, lang):
    need_apertium(lang)
    assert len(pivots[lang]) == 2
    (text, known, total), = apertium.translate(["Xqzvw " + TEXTS[lang].split("\n")[1]], lang)
    assert text.startswith("Xqzvw ") and not any(c in text for c in "*#@"), text
    assert known == total - 1, (text, known, total)  # the unknown word, marked by both stages, counts once
    out = apertium.translate([TEXTS[lang], "||| 0 |||\n" + TEXTS[lang]], lang)  # one process a stage for both
    assert out[0][0] == out[1][0].lstrip("\n") and "|||" not in out[1][0]


def _pivot_set(texts):
    return lyrics_dataset(texts, name="pivot")


def test_the_chains_are_in_the_cache_key_and_the_default_map_keeps_the_earlier_identity(monkeypatch):
    assert apertium.chains() == {"es": ("spa-eng",)}  # the pivots are off by default
    identity = apertium.identity()
    assert identity.startswith("spa-eng=") and "," not in identity and ";" not in identity  # as before the pivots
    default = LyricsConfig(gloss_engine="apertium").key()
    dictionary = LyricsConfig().key()
    monkeypatch.setenv("WORKBENCH_APERTIUM_CHAINS", apertium.PIVOT_CHAINS)
    assert "fr=fr-es>spa-eng" in apertium.identity() and "pt=por-cat>cat-eng" in apertium.identity()
    assert LyricsConfig(gloss_engine="apertium").key() != default
    assert LyricsConfig().key() == dictionary  # the dictionary gloss never reads the chains
    with pytest.raises(apertium.ApertiumError, match="lang=mode"):
        monkeypatch.setenv("WORKBENCH_APERTIUM_CHAINS", "fr")
        apertium.chains()


def test_only_the_translated_languages_change_and_an_english_set_is_identical(tmp_path, monkeypatch):
    texts = [ENGLISH, GERMAN, FRENCH, PORTUGUESE]
    k_plain, k_default = track_keys(_pivot_set(texts), ExtractConfig())[1], track_keys(_pivot_set(texts), APERTIUM)[1]
    assert k_plain == k_default  # without the pivots, French and Portuguese keep the dictionary gloss's keys
    monkeypatch.setenv("WORKBENCH_APERTIUM_CHAINS", apertium.PIVOT_CHAINS)
    need_apertium("fr", "pt")
    ds = _pivot_set(texts)
    k_dict, k_mt = track_keys(ds, ExtractConfig())[1], track_keys(ds, APERTIUM)[1]
    assert k_dict[:2] == k_mt[:2] and k_dict[2] != k_mt[2] and k_dict[3] != k_mt[3]
    english = _pivot_set([ENGLISH, "The sea is deep and blue\nthe waves sing on the shore"])
    cache = FeatureCache(tmp_path / "c")
    plain, _ = extract_features(english, ExtractConfig(), cache=cache, n_jobs=1)
    mt, _ = extract_features(english, APERTIUM, cache=cache, n_jobs=1)
    assert np.array_equal(plain.semantic, mt.semantic) and np.array_equal(plain.lyrics, mt.lyrics)
    assert "engines" not in mt.meta["semantic_languages"]


def test_the_meta_says_which_route_each_language_took(tmp_path, monkeypatch):
    need_apertium("es")
    texts = [ENGLISH, GERMAN, SPANISH, FRENCH, PORTUGUESE]
    fs, _ = extract_features(_pivot_set(texts), APERTIUM, cache=FeatureCache(tmp_path / "c"), n_jobs=1)
    assert fs.meta["semantic_languages"]["engines"] == {"de": "freedict", "es": "apertium:spa-eng", "fr": "freedict",
                                                        "pt": "freedict"}
    monkeypatch.setenv("WORKBENCH_APERTIUM_CHAINS", apertium.PIVOT_CHAINS)
    need_apertium("fr", "pt")
    fs, rep = extract_features(_pivot_set(texts), APERTIUM, cache=FeatureCache(tmp_path / "c"), n_jobs=1)
    sem = fs.meta["semantic_languages"]
    assert sem["engines"] == {"de": "freedict", "es": "apertium:spa-eng", "fr": "apertium:fr-es>spa-eng",
                              "pt": "apertium:por-cat>cat-eng"}
    assert sem["glossed"] == {"de": 1} and not [p for p in rep.problems if p.path == "semantic level"]


def test_a_missing_pair_is_named_with_its_package_and_the_lyrics_get_the_dictionary_gloss(tmp_path, monkeypatch,
                                                                                         pivots):
    texts = [ENGLISH, FRENCH, PORTUGUESE]
    plain, _ = extract_features(_pivot_set(texts), ExtractConfig(), cache=FeatureCache(tmp_path / "d"), n_jobs=1)
    # no Apertium at all: every package of the chain is named
    monkeypatch.setenv("WORKBENCH_APERTIUM", str(tmp_path / "no-such-apertium"))
    assert "apt-get install apertium-fr-es apertium-eng-spa" in apertium.missing_reason("fr")
    assert "apt-get install apertium-por-cat apertium-eng-cat" in apertium.missing_reason("pt")
    fs, rep = extract_features(_pivot_set(texts), APERTIUM, cache=FeatureCache(tmp_path / "c"), n_jobs=1)
    said = [p for p in rep.problems if p.path == "semantic level"]
    assert len(said) == 1 and "Apertium could not translate" in said[0].reason, rep.problems
    assert "fr: Apertium is not installed" in said[0].reason and "pt: Apertium is not installed" in said[0].reason
    assert "apertium-fr-es apertium-eng-spa apertium-por-cat apertium-eng-cat" in said[0].hint, said[0].hint
    assert fs.meta["semantic_languages"]["glossed"] == {"fr": 1, "pt": 1}
    assert fs.meta["semantic_languages"]["engines"] == {"fr": "freedict", "pt": "freedict"}
    assert np.array_equal(fs.semantic, plain.semantic)  # the very dictionary gloss
    # Apertium there, but the first stage's mode not installed: that mode and its package are named
    monkeypatch.delenv("WORKBENCH_APERTIUM")
    need_apertium("es")
    monkeypatch.setenv("WORKBENCH_APERTIUM_CHAINS", "fr=fra-xyz+spa-eng")  # a pair this machine lacks
    assert "the Apertium mode fra-xyz is not installed" in apertium.missing_reason("fr")
    with pytest.raises(apertium.ApertiumError, match="fra-xyz"):
        apertium.translate([FRENCH], "fr")
    out, rep = semantic_texts([FRENCH], languages=["fr"], engine="apertium")
    assert rep.glossed == {"fr": 1} and "fra-xyz" in rep.engine_problem
