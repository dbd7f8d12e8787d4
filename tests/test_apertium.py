"""The Apertium gloss engine (opt-in, ``LyricsConfig(gloss_engine="apertium")``): Spanish lyrics are translated
into English by the real Apertium pair that `make install-test` installs (Debian ``apertium-eng-spa``), all in
one call, and embedded by the real MiniLM model.

Nothing is mocked. The missing-Apertium case points ``WORKBENCH_APERTIUM`` at a command that does not exist (the
real code path of a machine without the package). The tests that need Apertium skip only when it is not
installed (the Makefile's ``dictionaries`` target installs it with the FreeDict dictionaries).
"""

import numpy as np
import pandas as pd
import pytest

from core.errors import ParameterError
from core.features.cache import FeatureCache
from core.features.extract import ExtractConfig, extract_features, track_keys
from core.features.lyrics import LyricsConfig, embed_lyrics
from core.features.lyrics import apertium
from core.features.lyrics.gloss import semantic_texts
from core.tracks import Dataset

#: A lyric written in English for this test, and the same lyric in ordinary Spanish (written by hand, not
#: machine-translated). Theme words the FreeDict Spanish dictionaries lack (soledad, rebeldes, ...) included.
ENGLISH = """I walk alone through the empty streets tonight
Loneliness burns inside my chest
We will fight against the wind and the rain
Rebels without a home, we never surrender
My heart is tired but my soul is free
Tomorrow the sun will rise over the city"""
SPANISH = """Camino solo por las calles vacías esta noche
La soledad me quema dentro del pecho
Lucharemos contra el viento y la lluvia
Rebeldes sin hogar, nunca nos rendimos
Mi corazón está cansado pero mi alma es libre
Mañana el sol saldrá sobre la ciudad"""
OTHER_ES = """El mar es azul y profundo
las olas cantan en la playa

Navegamos hacia el horizonte"""

APERTIUM = ExtractConfig(lyrics=LyricsConfig(gloss_engine="apertium"))


@pytest.fixture(autouse=True)
def _default_chains(monkeypatch):
    """The engine's own chain map (Spanish only), whatever WORKBENCH_APERTIUM_CHAINS the shell has set."""
    monkeypatch.delenv("WORKBENCH_APERTIUM_CHAINS", raising=False)


def need_apertium(*langs):
    """Skip, naming what is missing, when Apertium or the chain of one of ``langs`` is not installed."""
    for lang in langs or ("es",):
        reason = apertium.missing_reason(lang)
        if reason:
            pytest.skip(f"{reason} (make install-test installs it)")


def lyrics_dataset(texts, name: str = "apertium"):
    """A manifest Dataset of lyrics only, one track a text (ids t000, t001, ...)."""
    n = len(texts)
    tracks = pd.DataFrame({"track_id": [f"t{i:03d}" for i in range(n)], "audio_path": [None] * n,
                           "lyrics": list(texts), "lyrics_path": [None] * n})
    return Dataset(name=name, kind="manifest", root=".", tracks=tracks, has_lyrics=True)


def test_apertium_translation_lands_nearer_the_english_original_than_the_dictionary_gloss(lyrics_model):
    need_apertium()
    by_dict, rep_d = semantic_texts([SPANISH], gloss=True, languages=["es"])
    by_mt, rep_m = semantic_texts([SPANISH], gloss=True, languages=["es"], engine="apertium")
    assert rep_d.glossed == {"es": 1} and rep_m.translated == {"es": 1} and not rep_m.glossed
    assert "soledad" in by_dict[0].lower() and "solitude" in by_mt[0].lower()  # FreeDict lacks the word
    assert by_mt[0].count("\n") == SPANISH.count("\n")  # line for line
    en, d, m = embed_lyrics([ENGLISH, by_dict[0], by_mt[0]], lyrics_model, LyricsConfig())
    cos_d, cos_m = float(en @ d), float(en @ m)
    # measured: cosine to the English original 0.64 for the dictionary gloss, 0.82 for Apertium's translation
    assert cos_m > cos_d, (cos_d, cos_m, by_dict[0], by_mt[0])


def test_one_call_translates_every_lyric_and_keeps_their_lines():
    need_apertium()
    texts = [SPANISH, OTHER_ES, "||| 0 |||\nla guerra"]  # a line that looks like the separator is blanked
    out = apertium.translate(texts, "es")
    assert len(out) == 3
    assert out[1][0].split("\n")[2] == "" and out[1][0].count("\n") == 3  # the blank line between stanzas
    assert "war" in out[2][0].lower() and "|||" not in out[2][0]
    assert all(0 < known <= total for _, known, total in out)
    _, known, total = apertium.translate(["Xqzvw rebeldes"], "es")[0]
    assert (known, total) == (1, 2)  # the unknown word is counted, kept and its mark removed
    assert "*" not in apertium.translate(["Xqzvw rebeldes"], "es")[0][0]


def test_engine_is_validated_and_keys_change_only_when_asked():
    with pytest.raises(ParameterError, match="gloss_engine"):
        LyricsConfig(gloss_engine="google")
    assert LyricsConfig(gloss_engine="dictionary").key() == LyricsConfig().key()  # earlier keys kept
    assert LyricsConfig(gloss_engine="apertium").key() != LyricsConfig().key()
    assert LyricsConfig(gloss=False, gloss_engine="apertium").key() == LyricsConfig(gloss=False).key()


def test_english_and_other_languages_are_untouched_by_the_engine():
    need_apertium()
    texts = [ENGLISH, "Der Krieg ist kalt und dunkel\nwir kämpfen in der Nacht", SPANISH]
    ds = lyrics_dataset(texts)
    k_dict, k_mt = track_keys(ds, ExtractConfig())[1], track_keys(ds, APERTIUM)[1]
    assert k_dict[:2] == k_mt[:2] and k_dict[2] != k_mt[2]  # only the Spanish lyric's text changes


def test_missing_apertium_says_so_and_falls_back_to_the_dictionary_gloss(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_APERTIUM", str(tmp_path / "no-such-apertium"))
    assert "not installed" in apertium.missing_reason("es") and apertium.available_modes() == ()
    with pytest.raises(apertium.ApertiumError, match="apt-get install apertium-eng-spa"):
        apertium.translate([SPANISH], "es")
    texts = [ENGLISH, SPANISH, OTHER_ES]
    fs, rep = extract_features(lyrics_dataset(texts), APERTIUM, cache=FeatureCache(tmp_path / "c"), n_jobs=1)
    said = [p for p in rep.problems if p.path == "semantic level"]
    assert len(said) == 1 and "Apertium could not translate" in said[0].reason, rep.problems
    assert "not installed" in said[0].reason and "dictionary gloss" in said[0].reason
    assert fs.meta["semantic_languages"]["glossed"] == {"es": 2}
    plain, _ = extract_features(lyrics_dataset(texts), ExtractConfig(), cache=FeatureCache(tmp_path / "d"), n_jobs=1)
    assert np.array_equal(fs.semantic, plain.semantic)  # the very dictionary gloss


def test_command_line_extract_with_the_apertium_engine(tmp_path):
    import argparse
    import os
    import subprocess
    import sys

    from core.cli.options import _add_levels, _extract_config, level_flags
    p = argparse.ArgumentParser()
    _add_levels(p)
    assert _extract_config(p.parse_args(["--gloss-engine", "apertium"])).lyrics.gloss_engine == "apertium"
    assert _extract_config(p.parse_args([])).lyrics.gloss_engine == "dictionary"
    assert level_flags(p.parse_args(["--gloss-engine", "apertium"])) == ["--gloss-engine apertium"]
    need_apertium()
    pd.DataFrame({"audio_path": ["", "", ""], "lyrics": [ENGLISH, SPANISH, OTHER_ES],
                  "track_id": ["en", "es1", "es2"]}).to_csv(tmp_path / "manifest.csv", index=False)
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    run = subprocess.run([sys.executable, "-m", "core", "extract", str(tmp_path / "manifest.csv"), "--jobs", "1",
                          "--gloss-engine", "apertium"], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "translated into English by Apertium: es 2 lyrics" in run.stdout, run.stdout[-2000:]
    assert "Traceback" not in run.stderr


def test_the_gloss_engine_round_trips_through_the_url_and_a_bad_one_is_named():
    from core.views.viewstate import ViewSettings, from_query, to_query
    view = ViewSettings(gloss_engine="apertium")
    assert to_query(view)["gloss"] == "apertium" and "gloss" not in to_query(ViewSettings())
    assert from_query(to_query(view)) == (view, [])
    back, warnings = from_query({"gloss": "google"})
    assert back.gloss_engine == "dictionary" and any("gloss" in w for w in warnings)


def test_the_dataset_page_switches_spanish_lyrics_to_apertium_without_extracting_audio_again(tmp_path, monkeypatch):
    """A folder with Spanish and English lyrics: extracted with the dictionary gloss, the page says so; choosing
    machine translation re-embeds the lyrics only (every clip still cached), says Apertium translated the Spanish
    ones, and puts the choice in the URL; the Rules page then clusters those features."""
    need_apertium()
    from streamlit.testing.v1 import AppTest

    from core.paths import REPO_ROOT
    from tests.audio_fixtures import song_like, write_clip
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "songs"
    for i, (genre, text) in enumerate([("rock", SPANISH), ("rock", ENGLISH), ("folk", OTHER_ES), ("folk", ENGLISH)]):
        (data / genre).mkdir(parents=True, exist_ok=True)
        write_clip(data / genre / f"t{i}.wav", song_like(seed=i, seconds=3.0))
        (data / genre / f"t{i}.txt").write_text(text, encoding="utf-8")
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=300)
    at.session_state["dataset_source"], at.session_state["dataset_path"] = "path", str(data)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    next(b for b in at.button if b.label == "Extract features").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="gloss_engine").value == "dictionary"
    assert any("word by word (FreeDict): es 2 lyrics" in c.value for c in at.caption), [c.value for c in at.caption]

    at.selectbox(key="gloss_engine").set_value("apertium").run()
    assert not at.exception, [e.value for e in at.exception]
    status = " ".join(m.value for m in at.markdown)
    assert "Audio: 4 of 4 clips extracted" in status, status      # the lyrics alone need embedding again
    next(b for b in at.button if b.label == "Extract features").click().run()
    assert not at.exception, [e.value for e in at.exception]
    captions = " ".join(c.value for c in at.caption)
    assert "translated into English by Apertium: es 2 lyrics" in captions and "FreeDict" not in captions, captions
    assert at.query_params["gloss"] in (["apertium"], "apertium")
    at.switch_page("app_pages/rules.py").run()
    assert not at.exception, [e.value for e in at.exception]
    (key, loop), = at.session_state["_loops"].items()
    assert key[-1] == "apertium" and loop.prepared.n_tracks == 4


def test_the_translation_memo_stays_bounded_and_a_full_memo_still_translates_every_lyric(monkeypatch):
    need_apertium()
    apertium._MEMO.clear()
    first = apertium.translate([SPANISH], "es")
    monkeypatch.setattr(apertium, "MEMO_LIMIT", 2)
    both = apertium.translate([SPANISH, OTHER_ES, "La noche es larga y fría"], "es")  # over the limit: memo emptied
    assert both[0] == first[0] and all(text for text, _, _ in both)
    assert len(apertium._MEMO) == 3
