"""Writing an ablation report: the files (CSV, JSON, markdown), each written atomically."""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Mapping, Optional

import pandas as pd

from core.errors import check_param
from core.report.markdown import _markdown
from core.report.text import _static_name
from core.report.values import to_jsonable, versions

def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ----------------------------------------------------------------------------------------------
# Terminal tables
# ----------------------------------------------------------------------------------------------


def _result_json(result) -> dict:
    return {
        "config": result.config.to_dict(),
        "labelled": result.labelled,
        "oracle": result.oracle,
        "oracle_note": ("the best static weight is chosen per metric with the labels (oracle)"
                        if result.oracle else "no labels: best static chosen post hoc on the "
                        "internal metric"),
        "primary_metric": result.primary_metric,
        "best_static_weight": result.best_static_weight,
        "best_static": result.best_static,
        "n_clusters": result.n_clusters,
        "n_clusters_rule": result.n_clusters_rule,
        "metrics": list(result.metrics),
        "test_metrics": list(result.test_metrics),
        "reference_space": result.space,
        "coverage": result.coverage,
        "conditions": result.condition_info,
        "notes": result.notes,
        "warnings": result.warnings,
        "rule_counts": result.rule_counts,
        "summary": result.summary,
        "tests": result.tests,
        "rule_ablation": getattr(result, "rule_table", None),
        "weight_distributions": result.weight_dist,
        "slices": result.slices,
        "scores": result.scores,
    }


def _summary_with_flags(result) -> pd.DataFrame:
    s = result.summary.copy()
    s["oracle_best_static"] = [
        bool(c == _static_name(result.best_static.get(m, math.nan)))
        for c, m in zip(s.condition, s.metric)]
    return s


def write_report(out_dir, results: Mapping[str, object], *, dataset: Mapping, command: str,
                 autotune=None, autotune_eval: Optional[pd.DataFrame] = None,
                 extra: Optional[Mapping] = None, audio_levels=None, lyrics_levels=None) -> dict:
    """Write CSV, JSON and markdown for one or more ablations (one per fusion) into ``out_dir``.

    Parameters
    ----------
    out_dir : path-like
        Created if missing; files are written atomically.
    results : mapping fusion name -> AblationResult
    dataset : mapping
        At least ``name``; typically :meth:`Dataset.summary` plus ``root``.
    command : str
        The command that regenerates every figure (printed at the top of the report).
    autotune : AutotuneResult or mapping fusion -> AutotuneResult, optional
        A single result belongs to the first fusion of ``results``.
    autotune_eval : DataFrame or mapping fusion -> DataFrame, optional
        :func:`core.experiments.evaluate_rulesets` of the default and auto-tuned rules.
    extra : mapping, optional
        More JSON fields (e.g. timings).
    audio_levels : (summary, scores) DataFrames, optional
        :func:`core.experiments.audio_levels.audio_level_ablation` of the same features: audio-only scores
        of each audio level alone and of all of them together. Written as ``audio_levels.csv`` (summary),
        ``audio_levels_scores.csv`` (per seed), ``result.json["audio_levels"]`` and a section of the report.
    lyrics_levels : (summary, scores) DataFrames, optional
        :func:`core.experiments.lyrics_levels.lyrics_level_ablation` of the same features, the lyrics
        counterpart: ``lyrics_levels.csv``, ``lyrics_levels_scores.csv``, ``result.json["lyrics_levels"]``
        and a section of the report.

    Returns
    -------
    dict name -> Path of every file written.
    """
    check_param("write_report", "results", type(results).__name__,
                "a non-empty mapping fusion -> AblationResult",
                isinstance(results, Mapping) and len(results) > 0)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}

    def csv(name, frames):
        frames = [f for f in frames if f is not None and len(f)]
        if not frames:
            return
        p = out / name
        _atomic_write(p, pd.concat(frames, ignore_index=True).to_csv(index=False))
        paths[name] = p

    def tag(df, fusion, result):
        if df is None:
            return None
        df = df.copy()
        df.insert(0, "algorithm", result.config.algorithm)
        df.insert(0, "fusion", fusion)
        return df

    csv("scores.csv", [tag(r.scores, f, r) for f, r in results.items()])
    csv("summary.csv", [tag(_summary_with_flags(r), f, r) for f, r in results.items()])
    csv("tests.csv", [tag(r.tests, f, r) for f, r in results.items()])
    csv("rules.csv", [tag(getattr(r, "rule_table", None), f, r) for f, r in results.items()])
    csv("weights.csv", [tag(r.weight_dist, f, r) for f, r in results.items()])
    csv("slices.csv", [tag(r.slices, f, r) for f, r in results.items()])
    tunes = _per_fusion(autotune, results)
    evals = _per_fusion(autotune_eval, results)
    csv("autotune.csv", [_tag_plain(t.table, f) for f, t in tunes.items()])
    csv("autotune_eval.csv", [_tag_plain(e, f) for f, e in evals.items()])
    level_summary, level_scores = audio_levels if audio_levels is not None else (None, None)
    csv("audio_levels.csv", [level_summary])
    csv("audio_levels_scores.csv", [level_scores])
    lyr_summary, lyr_scores = lyrics_levels if lyrics_levels is not None else (None, None)
    csv("lyrics_levels.csv", [lyr_summary])
    csv("lyrics_levels_scores.csv", [lyr_scores])

    created = _dt.datetime.now().isoformat(timespec="seconds")
    doc = {
        "dataset": dict(dataset),
        "command": command,
        "created": created,
        "versions": versions(),
        "results": {f: _result_json(r) for f, r in results.items()},
    }
    if tunes:
        doc["autotune"] = {f: {
            "criterion": t.criterion,
            "description": t.description,
            "keys": list(t.keys),
            "default_thresholds": t.default_thresholds,
            "best_thresholds": t.best_thresholds,
            "n_clusters": t.n_clusters,
            "labels_used": False,
            "table": t.table,
            "evaluation_with_labels": evals.get(f),
        } for f, t in tunes.items()}
    if level_summary is not None:
        doc["audio_levels"] = {"what": "audio only (k-means on the audio embedding), each audio level alone and "
                                       "all levels together, over the same seeds",
                               "summary": level_summary, "scores": level_scores}
    if lyr_summary is not None:
        doc["lyrics_levels"] = {"what": "lyrics only (k-means on the lyrics embedding), each lyrics level alone and "
                                        "all levels in use together, over the same seeds",
                                "summary": lyr_summary, "scores": lyr_scores}
    if extra:
        doc.update(dict(extra))
    p = out / "result.json"
    _atomic_write(p, json.dumps(to_jsonable(doc), indent=1, allow_nan=False))
    paths["result.json"] = p

    p = out / "report.md"
    files = sorted(paths) + ["report.md"]
    _atomic_write(p, _markdown(results, dataset, command, created, tunes, evals, files, level_summary,
                               lyr_summary))
    paths["report.md"] = p
    return paths


# ----------------------------------------------------------------------------------------------
# Markdown
# ----------------------------------------------------------------------------------------------
def _per_fusion(value, results) -> dict:
    """``value`` as a mapping fusion -> value: a single value belongs to the first fusion."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {f: v for f, v in value.items() if v is not None}
    return {next(iter(results)): value}


def _tag_plain(df, fusion):
    if df is None:
        return None
    df = df.copy()
    df.insert(0, "fusion", fusion)
    return df
