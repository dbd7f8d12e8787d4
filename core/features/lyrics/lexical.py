"""The lexical block: TF-IDF of word uni- and bigrams reduced with truncated SVD, fitted per dataset."""

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
