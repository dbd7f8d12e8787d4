"""Which language a lyric is in: py3langid's naive-Bayes identifier over byte n-grams (97 languages
and ``zxx``, "no linguistic content"), whose model ships inside the PyPI wheel. Nothing is downloaded.

The code travels through the float lyrics stats as a number (:func:`code_number`): ISO 639 letters
packed base 27, exact in float32, decoded by :func:`code_from_number` without loading the model.
"""

from __future__ import annotations

import functools
import math
from typing import Optional

from core.errors import WorkbenchError

#: Code for "no language identified": no letters, or py3langid's "no linguistic content".
UNKNOWN = ""
#: Shortest text (letters) worth identifying; shorter texts get UNKNOWN.
MIN_LETTERS = 3


@functools.lru_cache(maxsize=1)
def _identifier():
    """The py3langid identifier with normalised probabilities, loaded once per process (~3 s)."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError as exc:  # pragma: no cover - a broken install
        raise WorkbenchError("The language identifier py3langid is not installed; "
                             "install the pinned requirements (pip install -r requirements.txt).") from exc
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: Optional[str]) -> tuple:
    """``(code, confidence)`` of one text.

    Parameters
    ----------
    text : str or None

    Returns
    -------
    code : str
        ISO 639-1 code ("en", "de", ...), or :data:`UNKNOWN` ("") when the text has fewer than
        :data:`MIN_LETTERS` letters or the identifier finds no linguistic content (``zxx``).
    confidence : float in [0, 1]
        The identifier's normalised probability of ``code`` (for ``zxx``: 1 minus its probability);
        0 for a text too short to judge.
    """
    if text is None or sum(ch.isalpha() for ch in str(text)) < MIN_LETTERS:
        return UNKNOWN, 0.0
    code, prob = _identifier().classify(str(text))
    prob = float(prob) if math.isfinite(float(prob)) else 0.0
    if code == "zxx":
        return UNKNOWN, 1.0 - prob
    return str(code), prob


def code_number(code: str) -> float:
    """An ISO 639 code of up to 3 letters a-z as a number (base 27, a = 1); NaN for UNKNOWN."""
    if not code:
        return math.nan
    n = 0
    for ch in code[:3].lower():
        n = n * 27 + (ord(ch) - 96 if "a" <= ch <= "z" else 0)
    return float(n)


def code_from_number(x) -> str:
    """Inverse of :func:`code_number`; UNKNOWN ("") for NaN or a non-positive value."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return UNKNOWN
    if not math.isfinite(v) or v <= 0:
        return UNKNOWN
    n, out = int(round(v)), []
    while n > 0:
        n, r = divmod(n, 27)
        out.append(chr(96 + r) if r else "?")
    return "".join(reversed(out))
