"""The stylistic block: word count, words per second, type-token ratio, line repetition, rhyme density."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from core.errors import check_param
from core.features.lyrics.config import STYLE_NAMES
from core.features.lyrics.words import (
    _is_missing,
    _line_repetition,
    _rhyme_density,
    _type_token_ratio,
    _word_lines,
    _words,
)


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
