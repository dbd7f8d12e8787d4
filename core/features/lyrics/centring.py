"""Per-language centring of the lyrics blocks: what is left of a lyric's language after glossing.

A German lyric glossed word by word into English still reads unlike an English lyric (other function
words, the dictionary's choice of translation, words it lacks), so in a set that mixes languages every
lyrics block keeps a per-language offset, and k-means splits by language before theme. Removing each
language's mean from the standardised lyrics features takes that offset away and keeps the differences
within each language. Measured on generator seed 0 (README "Lyrics in other languages").

Only a set with at least two languages of :data:`MIN_LYRICS` lyrics each is touched, and then only the
rows of those languages: an English-only set (or one with a stray misidentified lyric) is returned as it is.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

#: Lyrics a language needs in a set for its mean to be removed.
MIN_LYRICS = 5


def centre_by_language(x: np.ndarray, rows: np.ndarray, languages: Sequence[str]) -> np.ndarray:
    """Remove each language's mean from the rows in that language.

    Parameters
    ----------
    x : float array (n, d)
        Standardised lyrics features (rows outside ``rows`` are left as they are).
    rows : bool (n,)
        Tracks with lyrics.
    languages : list of str, length n
        Each track's lyric language code ("" = not identified).

    Returns
    -------
    array (n, d), same dtype
        ``x`` itself when fewer than two languages have :data:`MIN_LYRICS` lyrics; otherwise a copy with
        the mean of each such language's rows subtracted from them.
    """
    langs = np.asarray([str(code or "") for code in languages], dtype=object)
    rows = np.asarray(rows, dtype=bool)
    groups = [code for code in sorted(set(langs[rows]))
              if code and int((rows & (langs == code)).sum()) >= MIN_LYRICS]
    if len(groups) < 2:
        return x
    out = x.copy()
    for code in groups:
        m = rows & (langs == code)
        out[m] = (x[m].astype(np.float64) - x[m].astype(np.float64).mean(axis=0)).astype(x.dtype)
    return out
