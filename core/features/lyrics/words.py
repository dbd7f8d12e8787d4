"""Tokenising helpers shared by the lexical, stylistic and quality measures: words, lines and
stanzas, type-token ratio, line repetition, an orthographic rhyme key and rhyme density."""

from __future__ import annotations

import re
import unicodedata

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
