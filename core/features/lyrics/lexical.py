"""The lexical blocks, fitted per dataset: TF-IDF of word uni- and bigrams, and TF-IDF of character 2-5-grams
(any language, any alphabet), each reduced with truncated SVD."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from core.errors import check_param
from core.features.lyrics.config import LyricsConfig
from core.features.lyrics.words import _is_missing


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

    check_param("lexical_features", "config", type(config).__name__, "a LyricsConfig",
                isinstance(config, LyricsConfig))
    return _tfidf_svd(texts, lambda n_docs: TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode", lowercase=True,
        token_pattern=r"(?u)[^\W_]+(?:['\u2019][^\W_]+)*",
        min_df=min(config.tfidf_min_df, n_docs), max_features=config.tfidf_max_features,
        dtype=np.float64,
    ), config.svd_components, config.seed, "lex")


def char_features(texts: Sequence[Optional[str]], config: LyricsConfig) -> tuple:
    """TF-IDF of character 2-5-grams inside words, reduced with truncated SVD, fitted on this dataset.

    Works for any language and alphabet: nothing here knows a vocabulary, a tokenizer or a stop list, so
    German compounds, Spanish inflections or Cyrillic words carry their themes through shared stems and
    endings, where the English-trained sentence encoder sees unknown word pieces.

    Parameters
    ----------
    texts : list of (str or None), length n
        ``None`` (or empty) for a track without lyrics.
    config : LyricsConfig
        ``char_svd_components``, ``char_max_features``, ``tfidf_min_df`` and ``seed`` are used.

    Returns
    -------
    features : ndarray, float32, shape (n, k)
        SVD scores of each lyric's L2-normalised TF-IDF vector (unitless, row sum of squares at most 1);
        NaN rows for missing lyrics. ``k = min(char_svd_components, number of lyrics, n-gram vocabulary)``.
    names : list of str, length k
        ``"char.svd00"``, ``"char.svd01"``, ...

    Notes
    -----
    scikit-learn's ``analyzer="char_wb"`` (n-grams inside space-padded words, so no n-gram spans two
    words), lower-cased, accents kept (they carry meaning in many languages), sublinear term frequency, the
    ``max_features`` most frequent n-grams. The SVD is as in :func:`lexical_features`.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    check_param("char_features", "config", type(config).__name__, "a LyricsConfig",
                isinstance(config, LyricsConfig))
    return _tfidf_svd(texts, lambda n_docs: TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True,
        min_df=min(config.tfidf_min_df, n_docs), max_features=config.char_max_features, dtype=np.float64,
    ), config.char_svd_components, config.seed, "char")


def _tfidf_svd(texts, make_vectorizer, components: int, seed: int, prefix: str) -> tuple:
    """Fit ``make_vectorizer(n_docs)`` on the present texts, then a truncated SVD; NaN rows for missing."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.utils.extmath import svd_flip

    n = len(texts)
    present = [i for i, t in enumerate(texts) if not _is_missing(t)]
    empty = np.zeros((n, 0), dtype=np.float32)
    if not present:
        return empty, []
    docs = [str(texts[i]) for i in present]
    try:
        X = make_vectorizer(len(docs)).fit_transform(docs)
    except ValueError:  # empty vocabulary: no lyric has a single word
        return empty, []
    n_docs, n_terms = X.shape
    k = min(components, n_docs, n_terms)
    if k < n_terms and n_docs > 1:
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=7, random_state=seed)
        Z = svd.fit_transform(X)
    else:
        U, S, Vt = np.linalg.svd(X.toarray(), full_matrices=False)
        U, Vt = svd_flip(U, Vt, u_based_decision=False)
        Z = (U * S)[:, :k]
    out = np.full((n, k), np.nan, dtype=np.float32)
    out[present] = Z.astype(np.float32)
    return out, [f"{prefix}.svd{j:02d}" for j in range(k)]
