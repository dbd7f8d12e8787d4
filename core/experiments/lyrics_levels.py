"""Lyrics only, per lyrics level: what each lyrics block buys on a dataset.

Pipeline position: features -> **lyrics levels** -> clustering -> metrics -> summaries. The lyrics counterpart of
:func:`core.experiments.audio_levels.audio_level_ablation`: clusters the lyrics of each level block in use alone
("semantic", "lexical", "stylistic", and "character" with ``--char-ngrams``) and all of them together (the
combination the fusion conditions use: its rows equal the ablation's lyrics-only condition), over the same seeds
(paired). Blocks keep their balanced values (:func:`core.features.levels.select_lyrics_levels`).
"""

from __future__ import annotations

from typing import Optional

import pandas as pd

from core.errors import check_param
from core.experiments.audio_levels import ALL_LEVELS, _text_table, level_scores
from core.experiments.config import ExperimentConfig
from core.features.levels import select_lyrics_levels
from core.progress import ProgressCallback


def lyrics_level_ablation(fs, labels=None, config: Optional[ExperimentConfig] = None,
                          progress: Optional[ProgressCallback] = None) -> tuple:
    """Lyrics-only clustering of each lyrics level block in use and of all of them, over ``config.seeds``.

    Parameters
    ----------
    fs : FeatureSet
        With the extractor's lyrics blocks (already restricted to the chosen lyrics levels, if any).
    labels : (n,) or None
        Genres (external metrics only).
    config : ExperimentConfig, optional
        Seeds, algorithm, k, subsample, embedding width (cut to a block's width).

    Returns
    -------
    summary : DataFrame
        ``level``, ``metric``, ``n``, ``mean``, ``std``, ``ci_low``, ``ci_high`` (levels in the extractor's
        order, then "all levels").
    scores : DataFrame
        Per seed: ``level``, ``seed``, ``metric``, ``value``.
    """
    config = ExperimentConfig() if config is None else config
    check_param("lyrics_level_ablation", "fs", "a FeatureSet without lyrics blocks",
                "a FeatureSet with lyrics blocks", bool(getattr(fs, "lyrics_blocks", None)))
    levels = [lv for lv, cols in fs.lyrics_blocks.items() if len(cols)]
    levels = (levels + [ALL_LEVELS]) if len(levels) > 1 else [ALL_LEVELS]
    return level_scores(levels, lambda level: fs if level == ALL_LEVELS else select_lyrics_levels(fs, (level,)),
                        "lyrics_only", "lyrics", labels, config, progress)


def format_lyrics_levels(summary: pd.DataFrame, metrics=("nmi", "ari", "silhouette")) -> str:
    """The summary as a text table: one row per level, ``mean ± std`` per metric."""
    return _text_table("lyrics only, per lyrics level (mean ± std over seeds)", summary, metrics, 18,
                       lambda lv, r: f"{r['mean']:.3f} ± {r['std']:.3f}")
