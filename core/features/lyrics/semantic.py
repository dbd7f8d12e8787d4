"""The semantic block: lyrics cut into chunks the sentence encoder reads whole, every chunk embedded
in one encoder call, and the chunks pooled back to one unit vector per lyric."""

from __future__ import annotations

import re
from typing import Optional, Sequence

import numpy as np

from core.errors import ParameterError, check_param
from core.features.lyrics.config import _SPECIAL_TOKENS, EMBED_DIM, LyricsConfig
from core.progress import ProgressCallback, report


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
    chunks, owner, weight = _all_chunks(texts, tok, config.max_chunk_tokens)
    total = len(chunks)
    report(progress, 0, total, f"embedding {total} chunks of {n} lyrics")
    emb = _encode(model, chunks, config, progress)

    owner_idx = np.asarray(owner, dtype=np.intp)
    w = np.asarray(weight, dtype=np.float32)[:, None]
    pooled = np.zeros((n, emb.shape[1]), dtype=np.float32)
    np.add.at(pooled, owner_idx, emb * w)
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    report(progress, total, total, f"embedded {n} lyrics")
    return pooled


def _all_chunks(texts: Sequence[str], tok, max_tokens: int) -> tuple[list, list, list]:
    """Every chunk of every text, with the index of its text and its weight (word pieces, >= 1).

    A text of only punctuation gives no chunk: it is embedded as it is rather than given an
    invented vector.
    """
    n = len(texts)
    chunks, owner, weight = [], [], []
    for i, text in enumerate(texts):
        for chunk, n_tok in _chunks_with_counts(text, tok, max_tokens):
            chunks.append(chunk)
            owner.append(i)
            weight.append(max(n_tok, 1))
    missing = sorted(set(range(n)) - set(owner))
    if missing:  # a text of only punctuation gives no chunk: embed it as it is rather than invent a vector
        for i in missing:
            chunks.append(texts[i].strip())
            owner.append(i)
            weight.append(1)
    return chunks, owner, weight


def _encode(model, chunks: list, config: LyricsConfig,
            progress: Optional[ProgressCallback]) -> np.ndarray:
    """One ``model.encode`` call over all chunks (unit rows, float32), reporting after every batch."""
    total = len(chunks)
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
    return np.asarray(emb, dtype=np.float32)
