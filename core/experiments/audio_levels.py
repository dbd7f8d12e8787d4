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
from typing import Mapping, Optional

import numpy as np
import pandas as pd

from core.errors import check_param
from core.experiments.conditions import run_condition
from core.experiments.config import EXTERNAL_METRICS, INTERNAL_METRICS, LOWER_IS_BETTER, ExperimentConfig
from core.experiments.preparation import prepare
from core.experiments.stats import summarize
from core.features.audio import AUDIO_LEVELS
from core.progress import ProgressCallback, report

#: Why a lyrics-free ablation reports audio levels (the CLI's dataset summary already says fusion is off).
WHY_LEVELS = ("every rule set gives audio weight 1 here (hard rule 'no lyrics'), so static weights, lyrics "
              "only and dynamic weights would all be the same audio clustering. Reported instead: audio only, "
              "per feature level.")
#: The same for a report read on its own.
FUSION_OFF_NOTE = "This dataset has no lyrics: fusion is off; " + WHY_LEVELS
ALL_LEVELS = "all levels"
#: The hand-crafted audio levels (everything but the learned one).
HAND_CRAFTED_LEVELS = tuple(lv for lv in AUDIO_LEVELS if lv != "learned")
#: The hand-crafted levels together, a row of its own only where another level (learned) is in use too;
#: otherwise it is :data:`ALL_LEVELS`. What each level is measured against over generated sets.
HAND_CRAFTED = "hand-crafted levels"


def _level_features(fs, level: str):
    if level == ALL_LEVELS:
        cols = list(range(fs.audio.shape[1]))
    elif level == HAND_CRAFTED:
        cols = [c for lv, block in fs.audio_blocks.items() if lv in HAND_CRAFTED_LEVELS for c in block]
    else:
        cols = list(fs.audio_blocks[level])
    return dataclasses.replace(fs, audio=np.ascontiguousarray(fs.audio[:, cols]),
                               audio_names=[fs.audio_names[c] for c in cols],
                               audio_blocks={level: list(range(len(cols)))})


def audio_level_ablation(fs, labels=None, config: Optional[ExperimentConfig] = None,
                         progress: Optional[ProgressCallback] = None, *, hand_crafted: bool = False) -> tuple:
    """Audio-only clustering of each audio level block and of all levels, over ``config.seeds``.

    Parameters
    ----------
    fs : FeatureSet
    labels : (n,) or None
        Genres (external metrics only).
    config : ExperimentConfig, optional
        Seeds, algorithm, k, subsample, embedding width (cut to a block's width).
    hand_crafted : bool
        Also cluster the hand-crafted levels together (:data:`HAND_CRAFTED`, before "all levels")
        when a level that is not hand-crafted (learned) is in use too; without one, "all levels" is
        that combination and no row is added. The other rows do not change.

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
    levels = [lv for lv, cols in fs.audio_blocks.items() if len(cols)]
    if hand_crafted and _reference(levels) == HAND_CRAFTED:
        levels.append(HAND_CRAFTED)
    levels.append(ALL_LEVELS)
    # an "audio only" column whose internal metrics are audio-space scores (no lyrics space exists)
    return level_scores(levels, lambda level: _level_features(fs, level), "audio_only", "audio", labels, config,
                        progress)


def level_scores(levels, features_of, condition: str, modality: str, labels, config: ExperimentConfig,
                 progress: Optional[ProgressCallback] = None) -> tuple:
    """One modality's clustering (``condition``: "audio_only" / "lyrics_only") on the features of each
    level, ``features_of(level)``, over ``config.seeds``: the loop the audio and lyrics level tables share.

    The embedding width is cut to each level's width (``modality``: "audio" or "lyrics" names the block).
    Returns ``(summary, scores)`` as :func:`audio_level_ablation` does.
    """
    metrics = (list(EXTERNAL_METRICS) if labels is not None else []) + list(INTERNAL_METRICS)
    total, done, rows = len(levels) * len(config.seeds), 0, []
    for level in levels:
        sub = features_of(level)
        width = getattr(sub, modality).shape[1]
        cfg = config.with_changes(n_components=max(1, min(config.n_components, width)))
        prepared = prepare(sub, cfg)
        for seed in config.seeds:
            res = run_condition(prepared, condition, seed, labels, config=cfg)
            rows += [{"level": level, "seed": seed, "metric": m, "value": float(res.get(m, np.nan))}
                     for m in metrics]
            done += 1
            report(progress, done, total, f"{level}, seed {seed}")
    scores = pd.DataFrame(rows, columns=["level", "seed", "metric", "value"])
    summary = summarize(scores.rename(columns={"level": "condition"})).rename(columns={"condition": "level"})
    return summary, scores


def format_audio_levels(summary: pd.DataFrame, metrics=("nmi", "ari", "silhouette")) -> str:
    """The summary as a text table: one row per level, ``mean ± std`` per metric."""
    return _text_table("audio only, per feature level (mean ± std over seeds)", summary, metrics, 18,
                       lambda lv, r: f"{r['mean']:.3f} ± {r['std']:.3f}")


def _text_table(title: str, table: pd.DataFrame, metrics, cell_width: int, cell) -> str:
    """``title``, then one row per level of ``table`` (columns ``level``, ``metric``, ...) and one
    ``cell(level, row)`` per metric shown (those of ``metrics`` the table has)."""
    shown = [m for m in metrics if m in set(table["metric"])]
    levels = list(dict.fromkeys(table["level"]))
    width = max(len(ALL_LEVELS), *(len(lv) for lv in levels)) + 2
    lines = [title, "level".ljust(width) + "".join(m.rjust(cell_width) for m in shown)]
    by = table.set_index(["level", "metric"])
    for lv in levels:
        lines.append(lv.ljust(width) + "".join(cell(lv, by.loc[(lv, m)]).rjust(cell_width) for m in shown))
    return "\n".join(lines)


def _reference(levels) -> Optional[str]:
    """The row that holds the hand-crafted levels together, given the level blocks in use: "all levels"
    when every one is hand-crafted, :data:`HAND_CRAFTED` when another level is in use too, None
    without a hand-crafted level."""
    levels = [lv for lv in levels if lv not in (ALL_LEVELS, HAND_CRAFTED)]
    if not any(lv in HAND_CRAFTED_LEVELS for lv in levels):
        return None
    return ALL_LEVELS if all(lv in HAND_CRAFTED_LEVELS for lv in levels) else HAND_CRAFTED


def levels_across_datasets(summaries: Mapping[int, pd.DataFrame]) -> pd.DataFrame:
    """The audio-level table over generated sets, from each set's :func:`audio_level_ablation` summary.

    A set's score of a level is its mean over the clustering seeds (as in :mod:`core.experiments.dataseeds`).

    Parameters
    ----------
    summaries : mapping data seed -> summary DataFrame
        The same levels, metrics and config on every set (``hand_crafted=True`` where a learned level is
        in use, so the hand-crafted combination has its row).

    Returns
    -------
    DataFrame
        One row per level and metric, levels in the sets' order: ``level``, ``metric``, ``n_sets``, ``mean``,
        ``std``, ``ci_low``, ``ci_high`` (over the sets' means), ``reference`` (the row holding the
        hand-crafted combination), ``beat_hand_crafted`` (in how many sets the level's mean was better than
        the reference's: higher, or lower for a lower-is-better metric; empty on the reference row) and
        ``data_seed_<S>`` (each set's mean).
    """
    seeds = tuple(summaries)
    per = pd.concat([df.assign(seed=s) for s, df in summaries.items()], ignore_index=True)
    levels = list(dict.fromkeys(per["level"]))
    ref = _reference(levels)
    per = per.rename(columns={"level": "condition", "mean": "value"})[["condition", "seed", "metric", "value"]]
    over = summarize(per).rename(columns={"condition": "level", "n": "n_sets"})
    wide = per.pivot_table(index=["condition", "metric"], columns="seed", values="value", dropna=False)
    beat, columns = [], {f"data_seed_{s}": [] for s in seeds}
    for lv, m in zip(over["level"], over["metric"]):
        mine = wide.loc[(lv, m)].reindex(list(seeds)).to_numpy(np.float64)
        for s, v in zip(seeds, mine):
            columns[f"data_seed_{s}"].append(v)
        if ref is None or lv == ref:
            beat.append(np.nan)
            continue
        other = wide.loc[(ref, m)].reindex(list(seeds)).to_numpy(np.float64)
        better = mine < other if m in LOWER_IS_BETTER else mine > other
        beat.append(float(np.count_nonzero(better & np.isfinite(mine) & np.isfinite(other))))
    over["reference"] = ref or ""
    over["beat_hand_crafted"] = beat
    for name, values in columns.items():
        over[name] = values
    return over


def format_levels_across_datasets(table: pd.DataFrame, metrics=("nmi", "ari", "silhouette")) -> str:
    """:func:`levels_across_datasets` as text: per level, the mean over sets and in how many sets it beat
    the hand-crafted combination, per metric."""
    n = int(table["n_sets"].max()) if len(table) else 0
    ref = table["reference"].iloc[0] if len(table) else ""
    seeds = [c[len("data_seed_"):] for c in table.columns if c.startswith("data_seed_")]

    def cell(lv, r):
        beat = r["beat_hand_crafted"]
        won = "reference" if lv == ref else "" if not np.isfinite(beat) else f"beat {int(beat)}/{int(r['n_sets'])}"
        return f"{r['mean']:.3f} {won:>11}"

    return _text_table(f"audio only, per feature level, over {n} generated sets (data seeds {', '.join(seeds)}): "
                       "mean over sets of each set's mean over clustering seeds; beat = sets in which the level "
                       f"did better than the hand-crafted levels together ({ref or 'none in use'})",
                       table, metrics, 22, cell)
