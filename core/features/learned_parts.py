"""What the learned audio level adds to a dataset's extraction, kept apart from :mod:`core.features.extract`.

- **Cache reuse.** A clip's hand-crafted levels do not depend on the learned level, so with the level on the
  extractor looks up the clip's hand-crafted entry under its own key (:func:`hand_crafted_entry`): turning the
  level on, or switching its model, patch limit or layer, then computes only the learned block
  (:func:`core.features.audio.extract_learned`), and an extraction with the level on stores the hand-crafted
  part too, so turning the level off again extracts nothing.
- **Tag measures.** The assembly appends the raw measures the learned indicators read (``learned_voice``,
  ``learned_quiet``; 0..1, :func:`core.features.audio.learned.tag_measures`) to the feature set's
  ``audio_stats`` (:func:`with_tag_measures`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from core.features import audio as audio_mod
from core.features.cache import FeatureCache, file_digest, make_key


def without_learned(config: audio_mod.AudioConfig) -> audio_mod.AudioConfig:
    """``config`` with the learned level off (the hand-crafted levels' own configuration)."""
    return dataclasses.replace(config, learned_model=None, learned_patches=None,
                               learned_layer=audio_mod.LEARNED_LAYERS[0])


def hand_crafted_entry(path: str, config: audio_mod.AudioConfig, cache: FeatureCache) -> tuple:
    """With the learned level on: (cache key of the clip's hand-crafted levels alone, that entry or None).

    The hand-crafted levels do not depend on the learned level, so turning it on (or changing its model,
    patch limit or layer) computes only the learned block when they are cached, and an extraction with it on also
    stores them under their own key. ``(None, None)`` with the level off or an unreadable file.
    """
    if config.learned_model is None:
        return None, None
    try:
        base_key = make_key(file_digest(path), without_learned(config).key(), audio_mod.FEATURE_VERSION)
    except OSError:
        return None, None
    return base_key, cache.get("audio", base_key)


def with_tag_measures(afeats, astats, anames, config) -> tuple:
    """``astats`` with the learned level's tag measures appended (raw tag probabilities in, 0..1 out; see
    :func:`core.features.audio.learned.tag_measures`) when the level is on, and the stat names."""
    names = list(audio_mod.STAT_NAMES)
    if config.learned_model is None:
        return astats, names
    from core.features.audio.learned import TAG_MEASURE_NAMES, tag_measures
    cols = [j for j, n in enumerate(anames) if n.startswith("learned.tag.")]
    extra = tag_measures(afeats[:, cols], config.learned_model).astype(np.float32)
    return np.hstack([astats, extra]), names + list(TAG_MEASURE_NAMES)

