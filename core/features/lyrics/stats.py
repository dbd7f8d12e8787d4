"""Raw lyrics quality measures for the indicators (:data:`~core.features.lyrics.config.STAT_NAMES`):
length, repetition, junk and unknown token shares, word length, language and its confidence.

Junk is judged by the token's shape, in any language and script; "unknown" means outside the
(mostly English) vocabulary of the packaged model, which says something only about English lyrics
(the indicators read it only where the language is English)."""

from __future__ import annotations

import re
from typing import Optional, Sequence

import numpy as np

from core.features.lyrics.config import STAT_NAMES
from core.features.lyrics.language import code_number, identify
from core.features.lyrics.model import _rare_letter_pairs, _vocab_words
from core.features.lyrics.words import (
    _EDGE_PUNCT,
    _INNER_OK,
    _INTERJECTIONS,
    _fold,
    _is_missing,
    _line_repetition,
    _type_token_ratio,
    _word_lines,
    _words,
)


#: Stripped from token edges beside the shared set: Spanish inverted marks, guillemets, low quotes.
_EDGE_EXTRA = "\u00bf\u00a1\u00ab\u00bb\u201e\u201a\u2039\u203a"
#: Tokens that are punctuation-like words, never junk ("rock & roll").
_STANDALONE = frozenset({"&", "+", "/"})
#: Split tokens here too: dashes joining words in verse ("night\u2014and").
_SPLIT_RE = re.compile(r"[\s\u2014\u2013]+")
_LATIN = frozenset("abcdefghijklmnopqrstuvwxyz")


def _tokens(text: str) -> list:
    """Whitespace/dash-separated tokens, edge punctuation stripped; punctuation-only tokens dropped."""
    edge = _EDGE_PUNCT + _EDGE_EXTRA
    return [t for t in (raw.strip(edge) for raw in _SPLIT_RE.split(text)) if t and t not in _STANDALONE]


def _token_flags(token: str, vocab: frozenset, rare_pairs: frozenset) -> tuple:
    """(is_junk, is_unknown) for one token already stripped of edge punctuation.

    The vowel and letter-pair tests apply to tokens written in the Latin letters a-z only (after
    folding accents), so words of other scripts are judged by the symbol and digit tests alone.
    """
    t = _fold(token)
    parts = [p for p in re.split(r"['\u2019-]", t) if p]
    unknown = not parts or any(p not in vocab for p in parts)
    has_alpha = any(ch.isalpha() for ch in t)
    has_digit = any(ch.isdigit() for ch in t)
    junk = (has_alpha and has_digit) or any(not (ch.isalnum() or ch in _INNER_OK) for ch in t)  # l0ve, lo#ve, $%&
    if not junk and unknown and has_alpha and set(t) <= _LATIN | _INNER_OK:
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
    ndarray, float32, shape (n, 9)
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
        - ``mean_word_length`` (characters per word, apostrophes excluded);
        - ``language_id``: the language py3langid identifies (:func:`~core.features.lyrics.language.identify`),
          its ISO 639 code packed as a number (:func:`~core.features.lyrics.language.code_number`; decode
          with ``code_from_number``), NaN when no language is identified (too few letters, or "no
          linguistic content");
        - ``language_confidence`` in [0, 1]: the identifier's probability of that language.

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
        tokens = _tokens(text)
        junk = unknown = 0
        for t in tokens:
            j, u = _token_flags(t, vocab, rare)
            junk += j
            unknown += u
        n_tok = len(tokens)
        mean_len = (sum(len(w) - w.count("'") - w.count("\u2019") for w in words) / len(words)) if words else 0.0
        code, confidence = identify(text)
        out[i] = (len(words), len(lines), _type_token_ratio(words), _line_repetition(lines),
                  junk / n_tok if n_tok else 0.0, unknown / n_tok if n_tok else 0.0, mean_len,
                  code_number(code), confidence)
    return out
