"""The ``ablate`` command: the multi-seed ablation (one dataset, several generated sets with
``--data-seeds``, or audio only per level on a set without lyrics), auto-tune, report.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from core.cli.options import (
    _add_clustering, _add_dataset, _add_generated_sets, _add_levels, _add_out, _add_seeds, _add_subsample,
    _add_workers, _experiment_configs, _features, _load_or_build, _print_summary, level_flags)


def _regenerate_command(args, out: Path) -> str:
    parts = ["python -m core ablate"]
    if args.dataset:
        parts.append(str(Path(args.dataset).absolute()))
        if args.kind != "auto":
            parts.append(f"--kind {args.kind}")
    parts += [f"--seeds {args.seeds}", f"--algorithm {args.algorithm}", f"--fusion {args.fusion}"]
    if args.clusters is not None:
        parts.append(f"--clusters {args.clusters}")
    parts += [f"--subsample {args.subsample:g}", f"--n-init {args.n_init}"]
    if getattr(args, "rules", None):
        parts.append(f"--rules {Path(args.rules).absolute()}")
    if args.no_autotune:
        parts.append("--no-autotune")
    parts += level_flags(args)
    if getattr(args, "data_seeds", None):
        parts.append(f"--data-seeds {args.data_seeds}")
        for flag, value in (("--tracks-per-genre", args.tracks_per_genre),
                            ("--clip-seconds", args.clip_seconds), ("--genres", args.genres)):
            if value is not None:
                parts.append(f"{flag} {value:g}" if isinstance(value, float) else f"{flag} {value}")
    parts.append(f"--out {out}")
    return " ".join(parts)


def _parse_data_seeds(text: str) -> tuple:
    from core.errors import ParameterError
    try:
        seeds = tuple(int(s) for s in text.split(",") if s.strip() != "")
    except ValueError:
        seeds = ()
    if len(seeds) < 2 or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise ParameterError("The 'data_seeds' parameter of ablate must be at least 2 distinct "
                             f"comma-separated ints >= 0. Got {text!r} instead.")
    return seeds


def _ablate_data_seeds(args, configs) -> int:
    """``ablate --data-seeds``: one generated set per generator seed, both units reported."""
    import time
    from core.datasets.synthetic import ensure_synthetic
    from core.errors import ParameterError
    from core.experiments import prepare, run_ablation
    from core.experiments.audio_levels import format_levels_across_datasets, levels_across_datasets
    from core.experiments.dataseeds import across_datasets, format_dataset_tests, seed_dir, synth_config
    from core.paths import data_dir
    from core.progress import tqdm_progress
    from core.report import format_rule_table, format_tests, write_report
    try:
        seeds = _parse_data_seeds(args.data_seeds)
        genres = [g.strip() for g in args.genres.split(",") if g.strip()] if args.genres else None
        synths = {s: synth_config(s, args.tracks_per_genre, args.clip_seconds, genres) for s in seeds}
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(rules_line(args, configs[0].ruleset))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(args.out) if args.out else data_dir() / "runs" / f"ablation-data-seeds-{stamp}"
    by_fusion: dict = {c.fusion: {} for c in configs}
    level_tables: dict = {}  # data seed -> (summary, scores): audio only per level, as a plain ablate reports it
    for s, sc in synths.items():
        ds = ensure_synthetic(sc, seed_dir(sc), n_jobs=args.jobs, progress=tqdm_progress(f"synth seed {s}"))
        fs = _features(ds, args)
        prepared = prepare(fs, configs[0])
        results = {}
        for config in configs:
            results[config.fusion] = r = run_ablation(
                prepared.with_config(config), labels=ds.labels, ground_truth=ds.ground_truth,
                progress=tqdm_progress(f"data seed {s}: ablation ({config.fusion})"))
            by_fusion[config.fusion][s] = r
            metrics = ["nmi", "ari"] if r.labelled else ["silhouette"]
            print(f"\n== data seed {s}, fusion {config.fusion}: unit clustering seed "
                  f"({len(config.seeds)} seeds on this one dataset) ==")
            print(format_tests(r, metrics))
            print(format_rule_table(r))
        print(f"\n== data seed {s}: audio only, per feature level ==", end="")
        level_tables[s] = _audio_levels_table(fs, ds.labels, configs[0], hand_crafted=True)
        write_report(out / f"data-seed-{s}", results, dataset={**ds.summary(), "root": str(ds.root),
                                                               **_levels_info(fs)},
                     command=_regenerate_command(args, out.absolute()), audio_levels=level_tables[s])
    texts = []
    for fusion, per_seed in by_fusion.items():
        res = across_datasets(per_seed, fusion)
        texts.append(format_dataset_tests(res))
        print()
        print(texts[-1])
        out.mkdir(parents=True, exist_ok=True)
        for name, df in (("per_dataset", res.per_dataset), ("summary", res.summary), ("tests", res.tests)):
            df.to_csv(out / f"datasets_{name}_{fusion}.csv", index=False)
    levels = levels_across_datasets({s: summary for s, (summary, _) in level_tables.items()})
    texts.append(format_levels_across_datasets(levels))
    print()
    print(texts[-1])
    levels.to_csv(out / "audio_levels.csv", index=False)
    (out / "report.md").write_text(
        "# Ablation over generated datasets\n\nRegenerate with:\n\n    "
        + _regenerate_command(args, out.absolute()) + "\n\nPer dataset (unit: clustering seed): "
        + ", ".join(f"data-seed-{s}/report.md" for s in seeds) + "\n\n```\n"
        + "\n\n".join(texts) + "\n```\n\naudio_levels.csv: audio only per level over the sets (each set's "
        "mean in the data_seed_<S> columns; data-seed-<S>/audio_levels.csv has each set's spread over "
        "clustering seeds)\n", encoding="utf-8")
    print(f"\nreport written to {out}")
    return 0


def rules_line(args, ruleset) -> str:
    """Which rule set the dynamic condition uses, for the log: the defaults, or the file and how it differs."""
    from core.compare import ruleset_diff
    from core.rules import DEFAULT_RULES
    if not getattr(args, "rules", None):
        return "rules: the defaults (core.rules.DEFAULT_RULES; docs/experiments/rules-semantic.json)"
    diff = ruleset_diff(DEFAULT_RULES, ruleset)
    changes = ", ".join(f"{r.setting} {r.A} -> {r.B}" for r in diff.itertuples(index=False))
    return (f"rules: {Path(args.rules).absolute()} ("
            + (f"differs from the defaults in {len(diff)}: {changes})" if len(diff) else "the same as the defaults)"))


def cmd_ablate(args) -> int:
    import time
    from core.errors import ParameterError
    from core.experiments import prepare, run_ablation
    from core.progress import tqdm_progress
    from core.report import write_report
    try:
        configs = _experiment_configs(args)
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "data_seeds", None):
        if args.dataset is not None:
            print("error: --data-seeds regenerates the built-in set; give no DATASET with it",
                  file=sys.stderr)
            return 2
        return _ablate_data_seeds(args, configs)
    ds = _load_or_build(args)
    _print_summary(ds)
    print(rules_line(args, configs[0].ruleset))
    fs = _features(ds, args)
    usable = int((fs.audio_ok | (fs.lyrics_ok & fs.has_lyrics)).sum())
    if usable < 3:
        print(f"error: nothing usable to cluster ({usable} tracks with usable audio or lyrics)",
              file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    if not fs.has_lyrics:
        return _ablate_audio_levels(args, ds, fs, configs[0])
    if not fs.audio_ok.any():  # a features file with lyrics embeddings only: fusion is off the other way
        from core.features.given import lyrics_as_only_modality
        return _ablate_audio_levels(args, ds, lyrics_as_only_modality(fs), configs[0], modality="lyrics")
    try:
        prepared = prepare(fs, configs[0])
        results = {}
        for config in configs:
            p = prepared.with_config(config)
            results[config.fusion] = run_ablation(
                p, labels=ds.labels, ground_truth=ds.ground_truth,
                progress=tqdm_progress(f"ablation ({config.algorithm}, {config.fusion})"))
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print_ablation(results)
    levels = _audio_levels_table(fs, ds.labels, configs[0])
    lyrics_levels = _lyrics_levels_table(fs, ds.labels, configs[0])
    tuned, tuned_eval = ({}, {}) if args.no_autotune else _autotune_all(prepared, results, ds.labels)
    from core.paths import data_dir
    stamp = time.strftime("%Y%m%d-%H%M%S")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in ds.name)
    out = Path(args.out) if args.out else data_dir() / "runs" / f"ablation-{safe}-{stamp}"
    dataset_info = {**ds.summary(), "root": str(ds.root), **_levels_info(fs)}
    paths = write_report(out, results, dataset=dataset_info, command=_regenerate_command(args, out.absolute()),
                         autotune=tuned, autotune_eval=tuned_eval,
                         extra={"seconds": round(time.perf_counter() - t0, 2)}, audio_levels=levels,
                         lyrics_levels=lyrics_levels)
    print()
    print(f"report written to {out} ({', '.join(sorted(paths))})")
    return 0


def _levels_info(fs) -> dict:
    """The audio and lyrics levels the run clustered on, for the report's Dataset section."""
    return {"audio_levels": list(fs.audio_blocks), "lyrics_levels": list(fs.lyrics_blocks)}


def _lyrics_levels_table(fs, labels, config) -> Optional[tuple]:
    """Lyrics only, each lyrics level in use alone and all of them together, over the ablation's seeds:
    printed, and returned as (summary, scores) for the report; None for a features file's own embedding."""
    from core.experiments.lyrics_levels import format_lyrics_levels, lyrics_level_ablation
    from core.features.levels import LYRICS_LEVELS
    from core.progress import tqdm_progress
    if not set(fs.lyrics_blocks) & set(LYRICS_LEVELS):
        return None
    summary, scores = lyrics_level_ablation(fs, labels, config.with_changes(fusion="concat"),
                                            progress=tqdm_progress("lyrics only, per level"))
    print()
    print(format_lyrics_levels(summary))
    return summary, scores


def _audio_levels_table(fs, labels, config, hand_crafted: bool = False) -> tuple:
    """Audio only, each audio level in use alone and all of them together, over the ablation's seeds:
    printed, and returned as (summary, scores) for the report (what each level buys on this dataset).
    ``hand_crafted``: also the hand-crafted levels together where the learned one is in use too (what
    ``--data-seeds`` measures each level against)."""
    from core.experiments.audio_levels import audio_level_ablation, format_audio_levels
    from core.progress import tqdm_progress
    summary, scores = audio_level_ablation(fs, labels, config.with_changes(fusion="concat"),
                                           progress=tqdm_progress("audio only, per level"),
                                           hand_crafted=hand_crafted)
    print()
    print(format_audio_levels(summary))
    return summary, scores


def _ablate_audio_levels(args, ds, fs, config, modality: str = "audio") -> int:
    """``ablate`` on a set without lyrics: one note that fusion is off, then audio only per level.
    ``modality="lyrics"``: a set without audio, whose lyrics ``fs`` carries as its only modality."""
    import time
    from core.experiments.audio_levels import (FUSION_OFF_NOTE, WHY_LEVELS, audio_level_ablation,
                                              format_audio_levels)
    from core.paths import data_dir
    from core.progress import tqdm_progress
    note = FUSION_OFF_NOTE
    if modality == "audio":
        print(f"\nnote: no lyrics, so {WHY_LEVELS}")  # the summary above said fusion is off, once
    else:
        note = ("This dataset has no audio: fusion is off; every track gets lyrics weight 1 (no audio to "
                "weigh), so static weights, audio only and dynamic weights would all be the same lyrics "
                "clustering. Reported instead: lyrics only.")
        print(f"\nnote: {note}")
    summary, scores = audio_level_ablation(fs, ds.labels, config.with_changes(fusion="concat"),
                                           progress=tqdm_progress(f"{modality} levels"))
    text = format_audio_levels(summary)
    if modality != "audio":
        text = text.replace("audio only, per feature level", f"{modality} only, per feature level", 1)
    print()
    print(text)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in ds.name)
    out = Path(args.out) if args.out else data_dir() / "runs" / f"ablation-{safe}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    summary.to_csv(out / "audio_levels_summary.csv", index=False)
    scores.to_csv(out / "audio_levels_scores.csv", index=False)
    (out / "report.md").write_text(f"# Ablation: {ds.name}\n\n{note}\n\nRegenerate with:\n\n    "
                                   f"{_regenerate_command(args, out.absolute())}\n\n```\n{text}\n```\n",
                                   encoding="utf-8")
    print(f"\nreport written to {out}")
    return 0


def _print_ablation(results: dict) -> None:
    """The notes, then per fusion the main table, the paired tests and the per-rule ablation."""
    from core.report import format_main_table, format_rule_table, format_tests
    first = next(iter(results.values()))
    print()
    for line in first.notes:
        print(f"note: {line}")
    for fusion, res in results.items():
        print()
        print(format_main_table(res, title=f"== {res.config.algorithm}, fusion: {fusion} "
                                           f"(k = {res.n_clusters}) =="))
        primary = ["nmi", "ari"] if res.labelled else ["silhouette"]
        print("paired tests (unit: clustering seed on this dataset; dynamic vs static 0.5, vs its "
              "shuffle, vs the oracle best static; Holm over the whole table):")
        print(format_tests(res, primary))
        print("planned per-rule ablation (each rule switched off in turn):")
        print(format_rule_table(res))


def _autotune_all(prepared, results: dict, labels) -> tuple:
    """Auto-tune the thresholds per fusion (labels unused), then evaluate default and tuned rules
    (labels used, evaluation only); prints both. Returns ``(tuned, tuned_eval)`` by fusion."""
    from core.experiments import autotune, evaluate_rulesets
    from core.progress import tqdm_progress
    tuned, tuned_eval = {}, {}
    for fusion, res in results.items():
        print()
        p = prepared.with_config(res.config)
        t = autotune(p, res.config.ruleset, n_clusters=res.n_clusters,
                     progress=tqdm_progress(f"auto-tune ({fusion})"))
        print(f"auto-tune, fusion {fusion} ({t.description})")
        print("  default:    " + ", ".join(f"{k}={v:g}" for k, v in t.default_thresholds.items()))
        print("  auto-tuned: " + ", ".join(f"{k}={v:g}" for k, v in t.best_thresholds.items()))
        e = evaluate_rulesets(p, {"default rules": t.default, "auto-tuned rules": t.best},
                              labels=labels, n_clusters=res.n_clusters)
        shown = ["nmi", "ari", "silhouette"] if res.labelled else ["silhouette"]
        print("  evaluation only" + (" (labels)" if res.labelled else " (no labels: internal)")
              + ", dynamic condition, mean ± std over seeds:")
        for _, row in e[e.metric.isin(shown)].iterrows():
            print(f"    {row['ruleset']:<17} {row['metric']:<11} {row['mean']:.3f} ± {row['std']:.3f}")
        tuned[fusion], tuned_eval[fusion] = t, e
    return tuned, tuned_eval


def _add_ablate_parser(sub) -> None:
    """The ``ablate`` command: multi-seed ablation and report."""
    p = sub.add_parser("ablate", help="multi-seed ablation and report", description=(
        "Ablation: audio only, lyrics only, static audio weights 0, 0.1, ..., 1 and the dynamic "
        "rule weights, over several seeds (each seed: clustering initialisation + an 80% track "
        "subsample), with mean, spread, t-based 95% intervals and paired Wilcoxon tests of dynamic vs "
        "the best static weight (an oracle: picked with the labels) and vs static 0.5. Also an "
        "unsupervised threshold auto-tune. Prints the main table and writes CSV, JSON and a "
        "markdown report."))
    _add_dataset(p)
    _add_out(p, "data/runs/ablation-<dataset>-<time>")
    _add_seeds(p, 10, "number of seeds, 0..N-1")
    _add_clustering(p, algorithm_help="clustering algorithm (default kmeans)",
                    fusion_help="concat (scaled concatenation), weighted (weighted-distance k-means), affinity "
                                "(graphs; spectral/agglomerative/hdbscan) or both (default: the two the "
                                "algorithm takes: concat and weighted for k-means)")
    _add_subsample(p, "share of tracks each seed clusters (default 0.8; 1 = all)")
    p.add_argument("--no-autotune", action="store_true", help="skip the unsupervised threshold auto-tune")
    p.add_argument("--rules", default=None, metavar="FILE.json",
                   help="the dynamic condition's rule set from a JSON file (the app's preset download; "
                        "format in the README); default: the built-in defaults")
    _add_generated_sets(p, each="each generated set", when="with --data-seeds: ", data_seeds=(
        None, "regenerate the built-in set once per generator seed (cached in data/synthetic-seed-<S>...) and "
              "also report paired tests with the generated dataset as the unit, e.g. 0,1,2 (no DATASET then; "
              "auto-tune is skipped)"))
    _add_levels(p)
    _add_workers(p)
    p.set_defaults(func=cmd_ablate)
