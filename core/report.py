"""Ablation reports: tidy CSV, one JSON with everything, and a short markdown report.

Pipeline position: :mod:`core.experiments` -> **report** -> files a person reads or re-plots.

:func:`write_report` writes into one output folder:

``scores.csv``      tidy, one row per fusion x condition x seed x metric
                    (``fusion, algorithm, condition, kind, static_weight, seed, metric, value``)
``summary.csv``     per fusion x condition x metric: ``n, mean, std, ci_low, ci_high`` (t-based 95 %
                    interval over seeds) and ``oracle_best_static`` (this static weight is the best
                    one for this metric, chosen with the labels)
``tests.csv``       paired Wilcoxon tests of dynamic vs the best static weight (``oracle``), vs
                    static 0.5 and vs its own shuffle, per metric; ``p_holm`` beside ``p_value``
``rules.csv``       the planned per-rule ablation: full dynamic vs each rule switched off
                    (``delta`` = dynamic - rule off), paired tests, ``p_holm``
``weights.csv``     weight distributions of the dynamic condition per cluster and per genre
                    (summary statistics + counts in 10 fixed bins over [0, 1])
``slices.csv``      degradation slices (synthetic ground truth; evaluation only), if any
``autotune.csv``    the auto-tune grid (if run), ``autotune_eval.csv`` its evaluation
``result.json``     the whole result: dataset, command, versions, config, oracle flag, notes,
                    summaries, tests, per-seed scores, weight distributions, slices, auto-tune
``report.md``       tables of the above; the command that regenerates it is at the top

:func:`format_main_table` renders the condition x metric table for a terminal.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import tempfile
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import check_param

__all__ = ["write_report", "format_main_table", "format_tests", "format_rule_table", "versions",
           "to_jsonable", "markdown_table"]

_VERSION_PACKAGES = ("numpy", "scipy", "scikit-learn", "pandas", "librosa", "soundfile",
                     "sentence-transformers", "torch")


def versions() -> dict:
    """Python, platform and the versions of the packages the results depend on."""
    from importlib import metadata

    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in _VERSION_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def to_jsonable(obj):
    """Plain JSON data: numpy scalars and arrays unwrapped, NaN and infinities -> None."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, pd.DataFrame):
        return to_jsonable(obj.to_dict(orient="records"))
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, (str, int)):
        return obj
    return str(obj)


def _fmt(x, digits: int = 3) -> str:
    if x is None:
        return ""
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else ""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        if not math.isfinite(float(x)):
            return "nan"
        x = float(x)
        if abs(x) < 1e-12:  # rounding noise (e.g. NMI of a one-cluster slice)
            x = 0.0
        if x != 0 and (abs(x) < 10 ** -digits):
            return f"{x:.1e}"
        return f"{x:.{digits}f}" if abs(x) < 1000 else f"{x:.1f}"
    return str(x)


def markdown_table(df: pd.DataFrame, index: bool = False, digits: int = 3) -> str:
    """A pipe table (GitHub markdown) of ``df``; floats to ``digits`` decimals, NaN as "nan"."""
    cols = ([df.index.name or ""] if index else []) + [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(["---"] * len(cols)) + "|"]
    for idx, row in df.iterrows():
        cells = ([str(idx)] if index else []) + [_fmt(v, digits).replace("|", "\\|") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
def _main_metrics(result) -> list:
    if result.labelled:
        return ["nmi", "ari", "accuracy", "silhouette"]
    return ["silhouette", "calinski_harabasz", "davies_bouldin"]


def format_main_table(result, metrics: Optional[Sequence[str]] = None, title: str = "") -> str:
    """The condition x metric table (mean ± std over seeds) as fixed-width text.

    The best static weight by the primary metric is marked ``<- oracle best static`` (labelled)
    or ``<- best static (post hoc)``; a line under the table says it plainly.
    """
    metrics = list(metrics or _main_metrics(result))
    head = f"{'condition':<12}" + "".join(f"{m:>20}" for m in metrics)
    lines = []
    if title:
        lines.append(title)
    lines.append(head)
    lines.append("-" * len(head))
    best = _static_name(result.best_static_weight)
    for c in result.conditions:
        cells = []
        for m in metrics:
            s = result.summary[(result.summary.condition == c) & (result.summary.metric == m)]
            if len(s):
                r = s.iloc[0]
                cells.append(f"{_fmt(r['mean'])} ± {_fmt(r['std'])}")
            else:
                cells.append("")
        mark = ""
        if c == best:
            mark = "  <- oracle best static" if result.oracle else "  <- best static (post hoc)"
        lines.append(f"{c:<12}" + "".join(f"{x:>20}" for x in cells) + mark)
    lines += _covered_lines(result)
    n = result.coverage["n_seeds"]
    if result.oracle:
        lines.append(f"mean ± std over {n} seeds. ORACLE: the best static weight "
                     f"({result.best_static_weight:g}, by {result.primary_metric}) was picked "
                     "with the labels.")
    else:
        lines.append(f"mean ± std over {n} seeds. No labels: internal metrics only; the best "
                     "static weight was picked post hoc on the silhouette.")
    return "\n".join(lines)


def _covered_lines(result) -> list:
    """Single-modality scores among the tracks that have the modality (when some lack it)."""
    out = []
    cov = result.coverage
    for cond, missing, what in (("lyrics_only", cov["n_without_lyrics"], "lyrics"),
                                ("audio_only", cov["n_without_audio"], "audio")):
        s = result.summary[(result.summary.condition == cond)
                           & result.summary.metric.str.endswith("_covered")]
        if not missing or not len(s):
            continue
        parts = [f"{r.metric[:-8]} {_fmt(r['mean'])} ± {_fmt(r['std'])}" for _, r in s.iterrows()]
        out.append(f"{cond} among the {cov['n_tracks'] - missing} tracks with {what} (the "
                   f"{missing} without {what} left out instead of grouped): " + ", ".join(parts))
    return out


def format_tests(result, metrics: Optional[Sequence[str]] = None) -> str:
    """The paired tests as text lines."""
    t = result.tests
    if metrics is not None:
        t = t[t.metric.isin(list(metrics))]
    lines = []
    for _, r in t.iterrows():
        flag = " [oracle]" if r["oracle"] else ""
        note = f" ({r['note']})" if r["note"] else ""
        lines.append(f"  {r['metric']:<10} {r['comparison']:<24} ({r['other']}{flag}): "
                     f"mean diff {_fmt(r['mean_diff'], 4):>8}, dynamic better in "
                     f"{r['wins']}/{r['n']} seeds, worse in {r['losses']}, Wilcoxon p = "
                     f"{_fmt(r['p_value'], 4)}, Holm p = {_fmt(r.get('p_holm'), 4)}{note}")
    return "\n".join(lines)


def format_rule_table(result) -> str:
    """The planned per-rule ablation as fixed-width text (one line per rule and metric)."""
    t = getattr(result, "rule_table", None)
    if t is None or not len(t):
        return "  (no rules to switch off)"
    head = (f"  {'rule switched off':<17} {'kind':<5} {'fired':>5} {'moved':>5} {'metric':<10} "
            f"{'dynamic':>8} {'rule off':>8} {'delta':>8} {'full better/worse':>17} "
            f"{'p':>7} {'Holm p':>7}")
    lines = [head]
    for _, r in t.iterrows():
        lines.append(f"  {r['rule']:<17} {r['kind']:<5} {_fmt(r['n_fired']):>5} "
                     f"{_fmt(r['n_changed']):>5} {r['metric']:<10} {_fmt(r['dynamic']):>8} "
                     f"{_fmt(r['rule_off']):>8} {_fmt(r['delta'], 4):>8} "
                     f"{str(r['wins']) + '/' + str(r['losses']):>17} {_fmt(r['p_value'], 4):>7} "
                     f"{_fmt(r['p_holm'], 4):>7}")
    lines.append("  delta = dynamic - rule off (> 0: the rule earns its place); fired: tracks the "
                 "rule fired on; moved: tracks whose fused weight changes without it; Holm over "
                 "every line of this table")
    return "\n".join(lines)


def _static_name(w) -> str:
    from core.experiments import static_name

    return static_name(w)


# ----------------------------------------------------------------------------------------------
# Files
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
                 extra: Optional[Mapping] = None) -> dict:
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
    if extra:
        doc.update(dict(extra))
    p = out / "result.json"
    _atomic_write(p, json.dumps(to_jsonable(doc), indent=1, allow_nan=False))
    paths["result.json"] = p

    p = out / "report.md"
    files = sorted(paths) + ["report.md"]
    _atomic_write(p, _markdown(results, dataset, command, created, tunes, evals, files))
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


def _markdown(results, dataset, command, created, tunes, evals, files=()) -> str:
    first = next(iter(results.values()))
    name = dataset.get("name", "dataset")
    L = [f"# Ablation: {name} ({first.config.algorithm}; fusion: {', '.join(results)})", ""]
    L += ["Regenerate every figure in this report with:", "", f"    {command}", ""]
    beside = [f for f in files if f != "report.md"]
    L += [f"Created {created}. Files beside this one: " + ", ".join(beside)
          + " (scores.csv holds every seed's value).", ""]
    if not first.labelled:
        L += ["**No labels: internal metrics only** (silhouette, Calinski-Harabasz, "
              "Davies-Bouldin, in one fixed reference space). No external score is reported.", ""]
    else:
        L += ["**Oracle warning:** the \"best static weight\" is chosen per metric by looking "
              "at the scores computed with the labels. It is marked *oracle* wherever it appears; "
              "an unsupervised user could not pick it.", ""]
    cov = first.coverage
    L += ["## Dataset", ""]
    L += [f"- {name}: {cov['n_tracks']} tracks clustered"
          + (f" ({cov['n_dropped']} left out: neither usable audio nor lyrics)" if cov["n_dropped"] else ""),
          f"- without usable lyrics: {cov['n_without_lyrics']}; without usable audio: "
          f"{cov['n_without_audio']}",
          f"- k = {first.n_clusters} clusters ({first.n_clusters_rule})",
          f"- each seed clusters {cov['subsample_size']} tracks; {cov['n_seeds']} seeds", ""]
    L += ["Notes:", ""] + [f"- {n}" for n in first.notes] + [""]

    for fusion, r in results.items():
        L += [f"## Fusion: {fusion}", ""]
        L += [f"### Conditions x metrics: mean ± std [95 % CI, t-based] over "
              f"{r.coverage['n_seeds']} seeds", ""]
        tab = r.table()
        tab.index.name = "condition"
        L += [markdown_table(tab, index=True), ""]
        cl = _covered_lines(r)
        if cl:
            L += ["Single modality, scored only among the tracks that have it: "] + \
                 [f"- {line}" for line in cl] + [""]
        if r.oracle:
            L += [f"Best static weight by {r.primary_metric}: **{r.best_static_weight:g} "
                  "(oracle, picked with the labels)**. Per metric: "
                  + ", ".join(f"{m} {w:g}" for m, w in r.best_static.items()) + ".", ""]
        else:
            L += [f"No labels: best static weight by silhouette: {r.best_static_weight:g} "
                  "(picked post hoc).", ""]
        L += _markdown_tests(r)
        L += _markdown_rules(r)
        L += ["### Weight distributions of the dynamic condition (audio weight)", "",
              f"Per cluster: the dynamic condition clustered on all {r.coverage['n_tracks']} "
              f"tracks with seed {r.config.seeds[0]}. Counts in 10 fixed bins over [0, 1].", ""]
        wd = r.weight_dist.drop(columns=["n_missing"])
        for gt in ("cluster", "genre"):
            part = wd[wd.group_type == gt].drop(columns=["group_type"]).rename(columns={"group": gt})
            if len(part):
                L += [markdown_table(part, digits=2), ""]
        if r.rule_counts:
            L += ["Tracks each rule fired on: " + ", ".join(f"{k} {v}" for k, v in
                                                            r.rule_counts.items()) + ".", ""]
        if r.slices is not None and len(r.slices):
            L += ["### Degradation slices (evaluation only; ground truth never reaches the rules)", "",
                  "Accuracy: share of a slice's tracks whose cluster is matched (Hungarian, on the "
                  "whole subsample) to their genre; NMI of the partition restricted to the slice. "
                  "mean ± std over seeds.", ""]
            sl = r.slices
            piv = {}
            for (sname, cond), g in sl.groupby(["slice", "condition"], sort=False):
                acc = g[g.metric == "accuracy"].iloc[0]
                nmi = g[g.metric == "nmi"].iloc[0]
                piv.setdefault(sname, {"tracks": int(acc["n_tracks"])})
                piv[sname][f"{cond} acc"] = f"{_fmt(acc['mean'])} ± {_fmt(acc['std'])}"
                piv[sname][f"{cond} nmi"] = f"{_fmt(nmi['mean'])} ± {_fmt(nmi['std'])}"
            pdf = pd.DataFrame.from_dict(piv, orient="index")
            pdf.index.name = "slice"
            best = _static_name(r.best_static_weight)
            pdf.columns = [c.replace(best, best + " (oracle)") if best and best != "static_0.5"
                           else c for c in pdf.columns]
            L += [markdown_table(pdf, index=True), ""]
        if r.warnings:
            L += ["Warnings while clustering: " + "; ".join(r.warnings), ""]

    for fusion, autotune in tunes.items():
        autotune_eval = evals.get(fusion)
        L += [f"## Auto-tune, fusion {fusion} (unsupervised; labels never used)", "",
              autotune.description + ".", ""]
        rows = [{"threshold": k, "default": autotune.default_thresholds[k],
                 "auto-tuned": autotune.best_thresholds[k]} for k in autotune.keys]
        L += [markdown_table(pd.DataFrame(rows), digits=2), ""]
        tb = autotune.table
        cols = list(autotune.keys) + ["stability", "silhouette", "mean_weight", "is_default",
                                      "is_best"]
        top = tb.sort_values("score", ascending=False).head(5)
        default_row = tb[tb.is_default]
        show = pd.concat([top, default_row[~default_row.index.isin(top.index)]])
        L += [f"Top of the grid ({len(tb)} points) by {autotune.criterion}, plus the default:", "",
              markdown_table(show[cols], digits=3), ""]
        if autotune_eval is not None and len(autotune_eval):
            L += ["What the labels say about both (evaluation only, after the choice): "
                  "dynamic condition, mean ± std [95 % CI] over seeds.", ""]
            piv = {}
            for _, e in autotune_eval.iterrows():
                piv.setdefault(e["ruleset"], {})[e["metric"]] = _fmt_stat_row(e)
            edf = pd.DataFrame.from_dict(piv, orient="index")
            edf.index.name = "rules"
            L += [markdown_table(edf, index=True), ""]
    L += ["## Versions", "", ", ".join(f"{k} {v}" for k, v in versions().items() if v), ""]
    return "\n".join(L)


def _markdown_tests(r) -> list:
    L = ["### Paired tests: dynamic vs static and vs its shuffle (two-sided Wilcoxon signed-rank "
         "over seeds; unit: clustering seed on this one dataset)", "",
         "*dynamic vs static 0.5*: do per-track weights beat the weight a user would pick without "
         "labels? *dynamic vs shuffled*: the same weights given to random tracks (same "
         "distribution, no per-track information), so a win says the rules put the right weight "
         "on the right track. " + ("*dynamic vs best static* compares with an oracle (picked with "
                                   "the labels)." if r.oracle else "*dynamic vs best static*: "
                                   "the static weight with the best internal score, picked post "
                                   "hoc.") + " Holm p: adjusted for every test in this table.", ""]
    t = r.tests.copy()
    if len(t):
        t["other"] = [o + (" (oracle)" if fl else "") for o, fl in zip(t.other, t.oracle)]
        t["dyn better/worse/tie"] = [f"{a}/{b}/{c}" for a, b, c in zip(t.wins, t.losses, t.ties)]
        cols = ["metric", "comparison", "other", "mean_diff", "median_diff", "dyn better/worse/tie",
                "statistic", "p_value", "p_holm", "note"]
        L += [markdown_table(t[[c for c in cols if c in t.columns]], digits=4), ""]
    return L


def _markdown_rules(r) -> list:
    t = getattr(r, "rule_table", None)
    if t is None or not len(t):
        return []
    t = t.copy()
    t["full better/worse/tie"] = [f"{a}/{b}/{c}" for a, b, c in zip(t.wins, t.losses, t.ties)]
    cols = ["rule", "kind", "n_fired", "n_changed", "metric", "dynamic", "rule_off", "delta",
            "full better/worse/tie", "p_value", "p_holm", "note"]
    return ["### Per-rule ablation (planned: every rule switched off in turn)", "",
            "delta = dynamic (full rule set) - dynamic with the rule off, mean over seeds: > 0 means "
            "the rule earns its place. n_fired: tracks the rule fires on; n_changed: tracks whose "
            "fused weight changes without it (0: the rule cannot matter here). Paired Wilcoxon "
            "over seeds; Holm p over every row of this table.", "",
            markdown_table(t[cols], digits=4), ""]


def _fmt_stat_row(r) -> str:
    return f"{_fmt(r['mean'])} ± {_fmt(r['std'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
