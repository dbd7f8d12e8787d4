"""The instant panel's browser numerics (``LiveMath``, plain JavaScript) and what Python hands them.

:func:`live_math_source` is the script to put in front of the component module (it defines
``globalThis.LiveMath``); :func:`truth_codes` and :func:`internal_samples` turn Python state into
the typed arrays ``LiveMath.external`` and ``LiveMath.prepareInternal`` expect. No streamlit here.

One slider move in the page (as ``bench/instant_math.py`` runs it; ``d`` = embedding width,
``D = 2 d``; arrays are typed arrays, matrices row-major)::

    // once per dataset
    const ctx = LiveMath.prepareInternal(audio, lyrics, n, d, audioOk, lyricsOk, samples);
    // per move (ruleset: the "ruleset" object of core.presets.ruleset_to_json)
    const r = LiveMath.applyRules(cols, n, ruleset);               // weights, decided, fired
    const wEff = LiveMath.effectiveWeights(r.weights, audioOk, lyricsOk);
    X = LiveMath.fuseConcat(audio, lyrics, n, d, wEff, X);          // reuses X
    const km = LiveMath.lloyd(X, n, D, centers, k, 100, 0, memo);   // warm start
    centers = km.centers; memo = km.memo;
    map = LiveMath.project(X, n, D, map, 2);                         // {coords, axes}: pass back
    const ext = LiveMath.external(truth, km.labels);                  // truth: truth_codes(labels)
    const ints = LiveMath.internal(ctx, km.labels);

The first centres come from Python (k-means++ as ``core.clustering`` seeds them, e.g. the
previous ``LoopResult.centers``); ``map = null`` for the first map (a cold PCA).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.views.instant import internal_samples as _internal_samples
from core.views.instant import truth_codes as _truth_codes

HERE = Path(__file__).resolve().parent
#: The plain scripts, in load order (each adds to ``globalThis.LiveMath``).
LIVE_MATH_FILES = ("live_math.js", "live_pca.js", "live_metrics.js")


def live_math_source() -> str:
    """The three scripts concatenated in load order (a plain script, no import/export)."""
    return "\n".join((HERE / name).read_text(encoding="utf-8") for name in LIVE_MATH_FILES)


def truth_codes(labels) -> np.ndarray:
    """int32 (n,) class codes for ``LiveMath.external`` (-1 where missing): the codes of
    :func:`core.views.instant.truth_codes`, as the panel's payload sends them."""
    return _truth_codes(labels)[0]


def internal_samples(scorer) -> dict:
    """:func:`core.views.instant.internal_samples` as JSON (lists of ints, or None) for ``page.evaluate``."""
    return {name: None if rows is None else [int(i) for i in rows] for name, rows in _internal_samples(scorer).items()}
