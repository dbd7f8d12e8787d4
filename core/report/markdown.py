"""The markdown report (``report.md``): header, one section per fusion, the auto-tune, versions."""

from __future__ import annotations

import pandas as pd

from core.report.text import _covered_lines, _fmt, _fmt_stat_row, _static_name, markdown_table
from core.report.values import versions


def _markdown(results, dataset, command, created, tunes, evals, files=(), audio_levels=None,
              lyrics_levels=None) -> str:
    L = _md_header(results, dataset, command, created, files)
    L += _md_audio_levels(audio_levels)
    L += _md_lyrics_levels(lyrics_levels)
    for fusion, r in results.items():
        L += _md_fusion(fusion, r)
    for fusion, autotune in tunes.items():
        L += _md_autotune(fusion, autotune, evals.get(fusion))
    L += ["## Versions", "", ", ".join(f"{k} {v}" for k, v in versions().items() if v), ""]
    return "\n".join(L)


def _md_header(results, dataset, command, created, files) -> list:
    """Title, how to regenerate, the oracle (or no-labels) warning, the dataset and the notes."""
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
          f"- each seed clusters {cov['subsample_size']} tracks; {cov['n_seeds']} seeds"]
    for side in ("audio", "lyrics"):
        if dataset.get(f"{side}_levels"):
            L += [f"- {side} levels: {', '.join(dataset[f'{side}_levels'])}"]
    L += [""]
    L += ["Notes:", ""] + [f"- {n}" for n in first.notes] + [""]
    return L


def _md_fusion(fusion, r) -> list:
    """One fusion's section: table, single-modality lines, best static weight, tests, weights."""
    L = [f"## Fusion: {fusion}", ""]
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
    L += _md_tests(r)
    L += _md_rules(r)
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
    L += _md_slices(r)
    if r.warnings:
        L += ["Warnings while clustering: " + "; ".join(r.warnings), ""]
    return L


def _md_tests(r) -> list:
    """The paired tests of dynamic against static 0.5, the best static weight and its shuffle."""
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


def _md_rules(r) -> list:
    """The planned per-rule ablation; [] when the rule set has no rules."""
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


def _md_slices(r) -> list:
    """Degradation slices (synthetic ground truth), accuracy and NMI per condition; [] if none."""
    if r.slices is None or not len(r.slices):
        return []
    L = ["### Degradation slices (evaluation only; ground truth never reaches the rules)", "",
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
    return L


def _md_autotune(fusion, autotune, autotune_eval) -> list:
    """One fusion's auto-tune: chosen thresholds, the top of the grid, what the labels say."""
    L = [f"## Auto-tune, fusion {fusion} (unsupervised; labels never used)", "",
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
    return L


def _level_rows(summary, column: str) -> list:
    """One row per level of a per-level summary (``level``, ``metric``, ``mean``, ``std``): ``mean ± std``
    per metric shown; the "all levels" row names the levels it joins."""
    metrics = [m for m in ("nmi", "ari", "ami", "silhouette") if m in set(summary["metric"])]
    levels = list(dict.fromkeys(summary["level"]))
    by = summary.set_index(["level", "metric"])
    rows = []
    for lv in levels:
        row = {column: lv if lv != "all levels" else "all together (" + "+".join(levels[:-1]) + ")"}
        for m in metrics:
            r = by.loc[(lv, m)]
            row[m] = f"{r['mean']:.3f} ± {r['std']:.3f}"
        rows.append(row)
    return rows


def _md_lyrics_levels(summary) -> list:
    """Lyrics only, per lyrics level and for all levels in use together."""
    if summary is None or not len(summary):
        return []
    return ["## Lyrics only, per lyrics level", "",
            "k-means on the lyrics embedding of each level alone and of all levels in use together (the lyrics-only "
            "condition below), over the same seeds and subsamples; mean ± std (lyrics_levels.csv has the 95 % "
            "intervals, lyrics_levels_scores.csv every seed).", "",
            markdown_table(pd.DataFrame(_level_rows(summary, "lyrics levels"))), ""]


def _md_audio_levels(summary) -> list:
    """Audio only, per audio level and for all levels together: what each level buys on this dataset."""
    if summary is None or not len(summary):
        return []
    return ["## Audio only, per audio level", "",
            "k-means on the audio embedding of each level alone and of all levels together (the combination "
            "the conditions below use), over the same seeds and subsamples; mean ± std "
            "(audio_levels.csv has the 95 % intervals, audio_levels_scores.csv every seed).", "",
            markdown_table(pd.DataFrame(_level_rows(summary, "audio levels"))), ""]
