"""Which audio levels a run uses: parse ``--audio-levels``, build the matching :class:`AudioConfig`, and
keep only the chosen level blocks of a :class:`FeatureSet`.

Two different choices meet here. *Extraction* computes the learned level only when it is asked for (it
costs a forward pass of musicnn per 3 s patch); the hand-crafted levels are always computed, since they are
cheap and the indicators read their raw measures. *Use* keeps only the listed blocks in the audio
representation that fusion and clustering see (:func:`select_audio_levels`), so ``--audio-levels learned``
clusters on the learned block alone and ``low,mid,high`` on the hand-crafted ones.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Optional

import numpy as np

from core.errors import ParameterError
from core.features.audio import AUDIO_LEVELS, LEARNED_MODELS, AudioConfig

#: The levels a run uses when none are named (see the README's "Learned audio level" for the measurement
#: behind this choice).
DEFAULT_AUDIO_LEVELS = ("low", "mid", "high")

#: The learned level's model when none is named.
DEFAULT_LEARNED_MODEL = "MTT_musicnn"


def parse_audio_levels(text: str) -> tuple:
    """``"low,mid,high,learned"`` -> ``("low", "mid", "high", "learned")`` in canonical order.

    Raises
    ------
    ParameterError
        On an unknown name or an empty list (naming the allowed ones).
    """
    names = [t.strip().lower() for t in str(text).split(",") if t.strip()]
    bad = [n for n in names if n not in AUDIO_LEVELS]
    if bad or not names:
        raise ParameterError(f"The 'audio_levels' parameter must be a comma-separated list of "
                             f"{', '.join(AUDIO_LEVELS)}. Got {text!r} instead.")
    return tuple(level for level in AUDIO_LEVELS if level in names)


def audio_config_for(levels: Iterable[str], model: str = DEFAULT_LEARNED_MODEL,
                     patches: Optional[int] = None, base: AudioConfig = AudioConfig()) -> AudioConfig:
    """``base`` with the learned level on (``model``, at most ``patches`` patches a clip) iff "learned" is
    in ``levels``, off otherwise."""
    if model not in LEARNED_MODELS:
        raise ParameterError(f"The 'learned_model' parameter must be one of {', '.join(LEARNED_MODELS)}. "
                             f"Got {model!r} instead.")
    on = "learned" in tuple(levels)
    return dataclasses.replace(base, learned_model=model if on else None, learned_patches=patches if on else None)


def select_audio_levels(fs, levels: Iterable[str]):
    """A copy of the FeatureSet ``fs`` whose audio keeps only the blocks in ``levels``.

    Columns keep their standardised, block-balanced values (each block was scaled on its own), so the kept
    blocks stay balanced with each other. Raises ParameterError naming what the set has when a level is
    missing (e.g. "learned" from features extracted without it). A FeatureSet with none of the
    extractor's levels (a features file, whose audio is the user's own embedding) is returned as is.
    """
    levels = tuple(levels)
    if not set(fs.audio_blocks) & set(AUDIO_LEVELS):
        return fs  # a features file's own embedding: the extractor's levels do not apply to it
    missing = [lv for lv in levels if lv not in fs.audio_blocks]
    if missing:
        raise ParameterError(f"The feature set has no {', '.join(missing)} audio level (it has "
                             f"{', '.join(fs.audio_blocks)}); extract with --audio-levels including it.")
    if set(levels) == set(fs.audio_blocks):
        return fs
    cols = [c for lv in levels for c in fs.audio_blocks[lv]]
    blocks, start = {}, 0
    for lv in levels:
        blocks[lv] = list(range(start, start + len(fs.audio_blocks[lv])))
        start += len(fs.audio_blocks[lv])
    idx = np.asarray(cols, dtype=int)
    return dataclasses.replace(fs, audio=np.ascontiguousarray(fs.audio[:, idx]),
                               audio_names=[fs.audio_names[i] for i in idx], audio_blocks=blocks,
                               meta={**fs.meta, "audio_levels": list(levels)})
