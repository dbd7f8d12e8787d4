"""The ablation of a dataset without lyrics: audio only, per feature level.

Pipeline position: features -> **audio levels** -> clustering -> metrics -> summaries. On a set with
no lyrics at all (GTZAN), every rule set gives audio weight 1 (hard rule "no lyrics"), so the
fusion ablation would print static rows that are all the same clustering, a lyrics-only score of
zero and paired tests between identical conditions. What is worth knowing there is which audio
level carries the genres: this clusters the audio of each level block alone ("low", "mid", "high",
and any other block the extractor wrote) and all levels together, over the same seeds (paired).
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np
import pandas as pd

from core.errors import check_param
from core.experiments.conditions import run_condition
from core.experiments.config import EXTERNAL_METRICS, INTERNAL_METRICS, ExperimentConfig
from core.experiments.preparation import prepare
from core.experiments.stats import summarize
from core.progress import ProgressCallback, report

#: Why a lyrics-free ablation reports audio levels (the CLI's dataset summary already says fusion is off).
WHY_LEVELS = ("every rule set gives audio weight 1 here (hard rule 'no lyrics'), so static weights, lyrics "
              "only and dynamic weights would all be the same audio clustering. Reported instead: audio only, "
              "per feature level.")
#: The same for a report read on its own.
FUSION_OFF_NOTE = "This dataset has no lyrics: fusion is off; " + WHY_LEVELS
ALL_LEVELS = "all levels"


def _level_features(fs, level: str):
    cols = list(range(fs.audio.shape[1])) if level == ALL_LEVELS else list(fs.audio_blocks[level])
    return dataclasses.replace(fs, audio=np.ascontiguousarray(fs.audio[:, cols]),
                               audio_names=[fs.audio_names[c] for c in cols],
                               audio_blocks={level: list(range(len(cols)))})


def audio_level_ablation(fs, labels=None, config: Optional[ExperimentConfig] = None,
                         progress: Optional[ProgressCallback] = None) -> tuple:
    """Audio-only clustering of each audio level block and of all levels, over ``config.seeds``.

    Parameters
    ----------
    fs : FeatureSet
    labels : (n,) or None
        Genres (external metrics only).
    config : ExperimentConfig, optional
        Seeds, algorithm, k, subsample, embedding width (cut to a block's width).

    Returns
    -------
    summary : DataFrame
        ``level``, ``metric``, ``n``, ``mean``, ``std``, ``ci_low``, ``ci_high`` (levels in the
        extractor's order, then "all levels").
    scores : DataFrame
        Per seed: ``level``, ``seed``, ``metric``, ``value``.
    """
    config = ExperimentConfig() if config is None else config
    check_param("audio_level_ablation", "fs", "a FeatureSet without audio blocks", "a FeatureSet with audio blocks",
                bool(getattr(fs, "audio_blocks", None)))
    levels = [lv for lv, cols in fs.audio_blocks.items() if len(cols)] + [ALL_LEVELS]
    metrics = (list(EXTERNAL_METRICS) if labels is not None else []) + list(INTERNAL_METRICS)
    total, done, rows = len(levels) * len(config.seeds), 0, []
    for level in levels:
        sub = _level_features(fs, level)
        cfg = config.with_changes(n_components=max(1, min(config.n_components, sub.audio.shape[1])))
        prepared = prepare(sub, cfg)
        for seed in config.seeds:
            res = run_condition(prepared, "audio_only", seed, labels, config=cfg)
            rows += [{"level": level, "seed": seed, "metric": m, "value": float(res.get(m, np.nan))}
                     for m in metrics]
            done += 1
            report(progress, done, total, f"{level}, seed {seed}")
    scores = pd.DataFrame(rows, columns=["level", "seed", "metric", "value"])
    summary = summarize(scores.rename(columns={"level": "condition"})).rename(columns={"condition": "level"})
    # an "audio only" column whose internal metrics are audio-space scores (no lyrics space exists)
    return summary, scores


def format_audio_levels(summary: pd.DataFrame, metrics=("nmi", "ari", "silhouette")) -> str:
    """The summary as a text table: one row per level, ``mean ± std`` per metric."""
    shown = [m for m in metrics if m in set(summary["metric"])]
    levels = list(dict.fromkeys(summary["level"]))
    width = max(len(ALL_LEVELS), *(len(lv) for lv in levels)) + 2
    lines = ["audio only, per feature level (mean ± std over seeds)",
             "level".ljust(width) + "".join(m.rjust(18) for m in shown)]
    by = summary.set_index(["level", "metric"])
    for lv in levels:
        cells = []
        for m in shown:
            r = by.loc[(lv, m)]
            cells.append(f"{r['mean']:.3f} ± {r['std']:.3f}".rjust(18))
        lines.append(lv.ljust(width) + "".join(cells))
    return "\n".join(lines)
