"""Lyrics reading (core.features.text_io) and lyrics features (core.features.lyrics).

Real parts only: the packaged all-MiniLM-L6-v2 model (loaded once per module), text files written by the
tests, strings whose measures are computed by hand in the comments.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from core.errors import ParameterError
from core.features import lyrics as L
from core.features.text_io import check_lyrics_text, normalise_lyrics, read_lyrics_file

LOVE = ("heart love kiss tender darling hold embrace sweet baby forever dream together touch "
        "warm desire romance lover honey smile beautiful").split()
STORM = ("ocean storm wave thunder sea sailor ship wind rain lightning harbor tide anchor "
         "deck waves sky cold salt drown shore").split()
CARS = ("engine motor wheel highway speed drive gasoline garage tire race road truck chrome "
        "diesel mechanic gear clutch brake fuel").split()


def make_lyric(rng, vocab, n_words, words_per_line=8, lines_per_stanza=4):
    words = [vocab[i] for i in rng.integers(0, len(vocab), n_words)]
    lines = [" ".join(words[i:i + words_per_line]) for i in range(0, n_words, words_per_line)]
    stanzas = ["\n".join(lines[i:i + lines_per_stanza]) for i in range(0, len(lines), lines_per_stanza)]
    return "\n\n".join(stanzas)


def cos(a, b):
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture(scope="module")
def model():
    return L.load_model()


@pytest.fixture(scope="module")
def cfg():
    return L.LyricsConfig()


# ------------------------------------------------------------------------------------------------
# Model and configuration
# ------------------------------------------------------------------------------------------------

def test_load_model_is_offline_cached_and_has_expected_shape(model):
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert L.load_model() is model  # second call is the cached object
    assert model.max_seq_length == 256
    assert os.path.isdir(L.model_path())


@pytest.mark.parametrize("field, value", [
    ("max_chunk_tokens", 8), ("max_chunk_tokens", 600), ("max_chunk_tokens", 200.0),
    ("svd_components", 0), ("tfidf_min_df", 0), ("tfidf_max_features", 0),
    ("seed", -1), ("seed", True), ("batch_size", 0),
])
def test_config_rejects_bad_values(field, value):
    with pytest.raises(ParameterError, match=rf"The '{field}' parameter of LyricsConfig must be .* Got "):
        L.LyricsConfig(**{field: value})


def test_config_keys_are_stable_and_track_settings():
    a, b = L.LyricsConfig(), L.LyricsConfig()
    assert a.key() == b.key() and len(a.key()) == 16
    assert L.LyricsConfig(svd_components=16).key() != a.key()
    # embeddings do not depend on the lexical settings, only on chunking
    assert L.LyricsConfig(svd_components=16, seed=3).embedding_key() == a.embedding_key()
    assert L.LyricsConfig(max_chunk_tokens=128).embedding_key() != a.embedding_key()


# ------------------------------------------------------------------------------------------------
# Chunking and embeddings
# ------------------------------------------------------------------------------------------------

def test_embeddings_are_unit_384d_float32(model, cfg):
    texts = ["I hold you close tonight", "Engines roar on the highway\nwe drive until dawn", "la"]
    emb = L.embed_lyrics(texts, model, cfg)
    assert emb.shape == (3, L.EMBED_DIM) == (3, 384)
    assert emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert L.embed_lyrics([], model, cfg).shape == (0, 384)


def test_related_lyrics_are_closer_than_unrelated(model, cfg):
    love1 = "My darling, I love you, hold me close\nyour kiss is all I need tonight"
    love2 = "Baby, you have my heart forever\nI dream of your sweet embrace"
    cars = "The diesel engine roars, I shift the gears\nrace the truck down the highway at full speed"
    e = L.embed_lyrics([love1, love2, cars], model, cfg)
    assert cos(e[0], e[1]) > cos(e[0], e[2]) + 0.1
    assert cos(e[0], e[1]) > cos(e[1], e[2]) + 0.1


def test_long_lyric_is_chunked_fully_and_every_chunk_counts(model, cfg):
    rng = np.random.default_rng(0)
    first = make_lyric(rng, LOVE, 1500)
    second = make_lyric(rng, STORM, 1500)
    text = first + "\n\n" + second  # 3,000 words, two themes
    chunks = L.chunk_lyrics(text, model, cfg.max_chunk_tokens)
    assert len(chunks) >= 10
    # every chunk fits the model, so nothing is truncated inside encode
    n_tok = [len(model.tokenizer.tokenize(c)) for c in chunks]
    assert max(n_tok) <= cfg.max_chunk_tokens <= model.max_seq_length - 2
    # chunks cover every word, in order
    assert " ".join(chunks).split() == text.split()
    # stanzas fit, so chunks break only at stanza boundaries
    stanzas = text.split("\n\n")
    assert all(set(c.split("\n\n")) <= set(stanzas) for c in chunks)

    pooled = L.embed_lyrics([text], model, cfg)[0]
    truncated = model.encode([text], normalize_embeddings=True)[0]  # what plain encode does: first 256 pieces
    storm_only = L.embed_lyrics([second], model, cfg)[0]
    assert cos(pooled, truncated) < 0.98
    # the storm half (beyond the first 256 pieces) is in the pooled vector, not in the truncated one
    assert cos(pooled, storm_only) > cos(truncated, storm_only) + 0.05


def test_long_stanza_splits_on_lines_and_long_line_on_words(model):
    rng = np.random.default_rng(1)
    lines = [" ".join(CARS[i] for i in rng.integers(0, len(CARS), 10)) for _ in range(30)]
    stanza = "\n".join(lines)  # one stanza of 300 words: over 64 pieces
    chunks = L.chunk_lyrics(stanza, model, 64)
    assert len(chunks) > 1
    assert all(set(c.split("\n")) <= set(lines) for c in chunks)  # cut between lines only
    assert " ".join(chunks).split() == stanza.split()

    one_line = " ".join(CARS[i] for i in rng.integers(0, len(CARS), 400))
    chunks = L.chunk_lyrics(one_line, model, 64)
    assert len(chunks) >= 6
    assert max(len(model.tokenizer.tokenize(c)) for c in chunks) <= 64
    assert " ".join(chunks).split() == one_line.split()

    short = "a b\na b\n\nc d"  # fits: a single chunk, text kept as is
    assert L.chunk_lyrics(short, model, 64) == [short]


def test_chunk_limit_is_checked_against_the_model(model):
    with pytest.raises(ParameterError, match=r"'max_tokens' parameter of chunk_lyrics must be .*254"):
        L.chunk_lyrics("hello", model, 300)
    with pytest.raises(ParameterError, match="max_chunk_tokens"):
        L.embed_lyrics(["hello"], model, L.LyricsConfig(max_chunk_tokens=300))


def test_order_is_preserved_when_lengths_differ(model, cfg):
    rng = np.random.default_rng(2)
    texts = ["yeah", make_lyric(rng, STORM, 700), "Drive all night\non the empty road",
             make_lyric(rng, LOVE, 60), "oh"]
    together = L.embed_lyrics(texts, model, cfg)
    alone = np.vstack([L.embed_lyrics([t], model, cfg) for t in texts])
    np.testing.assert_allclose(together, alone, atol=2e-4)
    assert cos(together[0], together[4]) < 0.999  # distinct rows, not one vector repeated


def test_progress_reports_start_and_end(model, cfg):
    calls = []
    texts = ["one line"] * 3 + ["another line\nand more"] * 2
    L.embed_lyrics(texts, model, L.LyricsConfig(batch_size=2), progress=lambda d, t, m: calls.append((d, t)))
    total = calls[0][1]
    assert calls[0] == (0, total) and calls[-1] == (total, total) and total == 5
    done = [d for d, _ in calls]
    assert done == sorted(done) and len(calls) >= 4  # per batch of 2: 3 batches + start + end


def test_embed_rejects_missing_texts(model, cfg):
    with pytest.raises(ParameterError, match="non-empty lyrics only"):
        L.embed_lyrics(["fine", None], model, cfg)
    with pytest.raises(ParameterError, match="index 0"):
        L.embed_lyrics(["   "], model, cfg)


# ------------------------------------------------------------------------------------------------
# Lexical block
# ------------------------------------------------------------------------------------------------

def _corpus(n_per_topic=12, seed=3):
    rng = np.random.default_rng(seed)
    texts, topic = [], []
    for t, vocab in enumerate((LOVE, STORM, CARS)):
        for _ in range(n_per_topic):
            texts.append(make_lyric(rng, vocab, 40))
            topic.append(t)
    return texts, np.array(topic)


def test_lexical_shape_names_nan_rows_and_topics():
    texts, topic = _corpus()
    texts[5] = None
    texts[20] = "   "
    X, names = L.lexical_features(texts, L.LyricsConfig(svd_components=8))
    assert X.shape == (36, 8) and X.dtype == np.float32
    assert names == [f"lex.svd{i:02d}" for i in range(8)]
    missing = np.isnan(X).all(axis=1)
    assert missing.tolist() == [i in (5, 20) for i in range(36)]
    assert np.isfinite(X[~missing]).all()
    # lyrics of one theme are nearer to each other than to the other themes
    keep = ~missing
    Z, tp = X[keep] / np.linalg.norm(X[keep], axis=1, keepdims=True), topic[keep]
    S = Z @ Z.T
    same = S[tp[:, None] == tp[None, :]].mean()
    other = S[tp[:, None] != tp[None, :]].mean()
    assert same > other + 0.3


def test_lexical_is_deterministic_for_a_seed():
    texts, _ = _corpus(seed=4)
    a, _ = L.lexical_features(texts, L.LyricsConfig(svd_components=16, seed=7))
    b, _ = L.lexical_features(texts, L.LyricsConfig(svd_components=16, seed=7))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (36, 16)


@pytest.mark.parametrize("texts, k", [
    (["hi"], 1),                                      # one text, one term: exact SVD path
    (["love me do", None], 1),                        # one present text
    (["love me do", "storm at sea"], 2),
    (["love me do", "storm at sea", "drive my car fast"], 3),
    ([None, None, ""], 0),                            # all missing: k = 0
    (["...", "!!!"], 0),                              # no words at all: k = 0
])
def test_lexical_tiny_inputs(texts, k):
    X, names = L.lexical_features(texts, L.LyricsConfig())
    assert X.shape == (len(texts), k) and len(names) == k
    if k:
        missing = np.array([t is None or not t.strip() for t in texts])
        assert np.isnan(X[missing]).all() and np.isfinite(X[~missing]).all()


def test_lexical_min_df_is_capped_not_crashing():
    # min_df=5 with 3 lyrics is capped at 3: only terms in all three survive ("the" here)
    X, names = L.lexical_features(["the sea", "the car", "the heart"], L.LyricsConfig(tfidf_min_df=5))
    assert X.shape == (3, 1) and np.isfinite(X).all()


# ------------------------------------------------------------------------------------------------
# Stylistic block and quality statistics
# ------------------------------------------------------------------------------------------------

def test_stylistic_hand_checked():
    texts = [
        "a b\na b\nc d",
        # pairs within stanzas: (night, light) rhyme; (fire, desire) rhyme; (desire, here) do not -> 2/3
        "I see the night\nI feel the light\n\nThe fire\nmy desire\nno rhyme here",
        "Hello, world!\nhello world\nHELLO   WORLD.",
        None,
    ]
    S = L.stylistic_features(texts, np.array([3.0, np.nan, 0.0, 10.0]))
    assert S.shape == (4, 5) and S.dtype == np.float32
    assert list(L.STYLE_NAMES) == ["word_count", "words_per_second", "type_token_ratio",
                                   "line_repetition", "rhyme_density"]
    # 6 words, 6 / 3 s, 4 distinct of 6, line 2 repeats line 1 (1 of 3), pairs (b,b) yes (b,d) no
    np.testing.assert_allclose(S[0], [6, 2.0, 4 / 6, 1 / 3, 1 / 2], rtol=1e-6)
    # 4 + 4 + 2 + 2 + 3 = 15 words; distinct: i see the night feel light fire my desire no rhyme here = 12
    np.testing.assert_allclose(S[1, [0, 2, 3, 4]], [15, 12 / 15, 0, 2 / 3], rtol=1e-6)
    assert np.isnan(S[1, 1]) and np.isnan(S[2, 1])  # unknown and zero duration
    # case, punctuation and spacing do not hide a repeated line: 2 of 3 lines repeat
    np.testing.assert_allclose(S[2, [0, 2, 3, 4]], [6, 2 / 6, 2 / 3, 1.0], rtol=1e-6)
    assert np.isnan(S[3]).all()


def test_stylistic_checks_durations():
    with pytest.raises(ParameterError, match="'durations_s' parameter of stylistic_features"):
        L.stylistic_features(["a", "b"], np.array([1.0]))


def test_stats_names_and_hand_checked_values():
    assert L.STAT_NAMES == ("word_count", "line_count", "type_token_ratio", "line_repetition",
                            "junk_token_share", "unknown_token_share", "mean_word_length", "language_id",
                            "language_confidence")
    S = L.lyrics_stats(["a b\na b\nc d", "Love me tender,\n\nlove me true...", None, "  "])
    assert S.shape == (4, 9) and S.dtype == np.float32
    np.testing.assert_allclose(S[0, :7], [6, 3, 4 / 6, 1 / 3, 0, 0, 1.0], rtol=1e-6)
    # words love me tender love me true: 6 words, 2 lines, 4 distinct, no repeated line,
    # all known, mean length (4+2+6+4+2+4)/6 = 22/6
    np.testing.assert_allclose(S[1, :7], [6, 2, 4 / 6, 0, 0, 0, 22 / 6], rtol=1e-6)
    from core.features.lyrics.language import code_from_number
    assert code_from_number(S[1, 7]) == "en" and 0.0 < S[1, 8] <= 1.0  # short text: low confidence
    assert np.isnan(S[2]).all() and np.isnan(S[3]).all()


def test_junk_and_unknown_tokens_hand_checked():
    # tokens: love, l0ve (digit), lo#ve (symbol), xqzt (no vowel), hmm (interjection), Café (known as
    # "cafe"), loqzve (rare pair "qz"); "..." is punctuation and not counted -> 7 tokens, 4 junk;
    # unknown: l0ve, lo#ve, xqzt, loqzve -> 4 (hmm and cafe are vocabulary words)
    S = L.lyrics_stats(["love l0ve lo#ve xqzt hmm Café ... loqzve"])
    j, u = L.STAT_NAMES.index("junk_token_share"), L.STAT_NAMES.index("unknown_token_share")
    np.testing.assert_allclose(S[0, [j, u]], [4 / 7, 4 / 7], rtol=1e-6)


def test_garbled_text_scores_worse_than_clean_text():
    clean = ("I walk alone tonight, baby, yeah!\nThe city lights are burning bright\n"
             "don't you cry, we're gonna dance until the morning comes")
    garbled = ("I wlk alnoe t0night, bbay, y#ah!\nTh3 cty lghts qzv brnig brght\n"
               "dn't yu cri, xqzt gonna dnace untl th mornign cmoes")
    S = L.lyrics_stats([clean, garbled])
    j, u = L.STAT_NAMES.index("junk_token_share"), L.STAT_NAMES.index("unknown_token_share")
    assert S[0, j] == 0.0 and S[0, u] < 0.1
    assert S[1, j] > 0.25 and S[1, u] > 0.6


# ------------------------------------------------------------------------------------------------
# text_io
# ------------------------------------------------------------------------------------------------

LYRIC = "Café au lait\r\nsous la pluie\r\n\r\nencore une fois"
EXPECTED = "Café au lait\nsous la pluie\n\nencore une fois"


@pytest.mark.parametrize("encoding, prefix", [
    ("utf-8", b""),
    ("utf-8", b"\xef\xbb\xbf"),           # UTF-8 with BOM
    ("utf-16-le", b"\xff\xfe"),           # UTF-16 LE with BOM
    ("utf-16-be", b"\xfe\xff"),           # UTF-16 BE with BOM
    ("utf-16-le", b""),                   # UTF-16 LE without BOM (every other byte NUL)
    ("latin-1", b""),                     # "é" is the single byte 0xE9
    ("cp1252", b""),
], ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le-nobom", "latin1", "cp1252"])
def test_read_lyrics_encodings(tmp_path, encoding, prefix):
    path = tmp_path / "song.txt"
    path.write_bytes(prefix + LYRIC.encode(encoding))
    text, problem = read_lyrics_file(path)
    assert problem is None
    assert text == EXPECTED and "Café" in text and "\r" not in text and "\ufeff" not in text


def test_read_cp1252_quotes(tmp_path):
    path = tmp_path / "quotes.txt"
    path.write_bytes(b"\x93Hello\x94 she said \x96 it\x92s late")  # not valid UTF-8
    assert read_lyrics_file(str(path)) == ("\u201cHello\u201d she said \u2013 it\u2019s late", None)


def test_read_rejects_binary(tmp_path):
    rng = np.random.default_rng(0)
    with_nul = tmp_path / "noise.txt"
    with_nul.write_bytes(rng.bytes(4000))
    assert read_lyrics_file(with_nul) == (None, "binary data, not text lyrics")
    raw = bytes(b for b in rng.bytes(4000) if b)  # no NUL byte: caught by the control-character share
    no_nul = tmp_path / "noise2.txt"
    no_nul.write_bytes(raw)
    assert read_lyrics_file(no_nul) == (None, "binary data, not text lyrics")
    png = tmp_path / "cover.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.bytes(200))
    assert read_lyrics_file(png) == (None, "binary data, not text lyrics")


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", "  \n ".encode("utf-16")],
                         ids=["empty", "whitespace", "utf16-whitespace"])
def test_read_rejects_empty(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert read_lyrics_file(path) == (None, "empty lyrics file")


def test_read_rejects_wordless_and_oversized(tmp_path):
    dots = tmp_path / "dots.txt"
    dots.write_text("...\n!!!\n")
    assert read_lyrics_file(dots) == (None, "no words in lyrics (only punctuation or symbols)")
    big = tmp_path / "big.txt"
    big.write_bytes(b"la " * 400_000)
    text, problem = read_lyrics_file(big)
    assert text is None and problem == "file too large for lyrics (1200000 bytes)"


def test_read_unreadable_paths(tmp_path):
    assert read_lyrics_file(tmp_path / "nope.txt") == (None, "file not found")
    assert read_lyrics_file(tmp_path) == (None, "is a directory, not a file")
    too_long = tmp_path / ("x" * 300 + ".txt")  # a real OS refusal (ENAMETOOLONG), root included
    text, problem = read_lyrics_file(too_long)
    assert text is None and problem.startswith("cannot read file: ") and "too long" in problem
    if os.path.exists("/proc/self/mem"):  # exists but reading offset 0 fails with EIO, even for root
        assert read_lyrics_file("/proc/self/mem") == (None, "cannot read file: Input/output error")


def test_read_permission_denied():
    """Unreadable for real even when the tests run as root (where chmod 000 stops nothing): the file is
    read by a subprocess that has dropped its privileges to user nobody."""
    from tests.test_bad_input import run_as_nobody, world_tempdir
    home = world_tempdir()
    try:
        secret, readable = home / "secret.txt", home / "open.txt"
        secret.write_text("hidden words")
        readable.write_text("open words")
        secret.chmod(0)
        readable.chmod(0o644)
        result = run_as_nobody("import json\nfrom core.features.text_io import read_lyrics_file\n"
                               f"print(json.dumps([read_lyrics_file({str(secret)!r}), "
                               f"read_lyrics_file({str(readable)!r})]))", home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert result == [[None, "permission denied"], ["open words", None]]


def test_normalise_lyrics_strings():
    assert normalise_lyrics("\ufeff  Hello\r\nworld\ragain  \n") == "Hello\nworld\nagain"
    assert normalise_lyrics(None) is None
    assert normalise_lyrics(float("nan")) is None  # a pandas cell without lyrics
    assert normalise_lyrics(" \n\t ") is None
    assert normalise_lyrics("ab\x00cd") is None
    assert check_lyrics_text(None) == (None, None)
    assert check_lyrics_text("   ") == (None, "empty lyrics file")
    assert check_lyrics_text("\x01\x02\x03\x04 junk") == (None, "binary data, not text lyrics")
    assert check_lyrics_text("— … —") == (None, "no words in lyrics (only punctuation or symbols)")
    assert check_lyrics_text("ok\tfine") == ("ok\tfine", None)
