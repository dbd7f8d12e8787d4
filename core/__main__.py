"""Command line: ``python -m core <command>``.

Commands
--------
synth     build a synthetic song set (seeded, deterministic)
extract   extract (or load cached) features for any dataset, with a progress bar and a summary
summary   print a dataset's summary (tracks, genres, lyrics coverage, problems)
prepare   make sure the built-in synthetic set and its features exist (what `make app` runs)
ablate    multi-seed ablation (audio only, lyrics only, static weights, dynamic rules) + report
sweep     the ablation over shares of degraded tracks (generator v2), CSV for the Ablation page
export    per-track weights, rule traces, indicators and clusters as CSV and JSON
indicators  what each indicator claims, its distribution, its ROC AUC against the generator's truth,
          and each rule's firing rate, precision and recall (``--json`` for one JSON object)

Every command returns an exit code: 0 on success, 1 when nothing usable remains, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from core.errors import WorkbenchError


def _add_jobs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", "-j", type=int, default=2, help="worker processes (default: 2)")


def _scheduler_arg(value: str):
    from core.errors import ParameterError
    from core.features.distributed import parse_scheduler
    try:
        parse_scheduler(value)
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _add_scheduler(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scheduler", type=_scheduler_arg, default=None, metavar="ADDRESS",
                   help="extract audio on Dask: 'local' (a local cluster of --jobs worker processes) or the "
                        "address of a running `dask scheduler`, e.g. tcp://HOST:8786 (workers must import "
                        "this project and see the audio files at the same paths). Default: worker "
                        "processes on this machine, without Dask")


def _executor(args):
    """A context manager giving the audio executor the flags ask for (None: the local default)."""
    import contextlib
    scheduler = getattr(args, "scheduler", None)
    if scheduler is None:
        return contextlib.nullcontext(None)
    from core.features.distributed import dask_executor

    @contextlib.contextmanager
    def connected():
        with dask_executor(scheduler, n_workers=max(args.jobs, 1)) as ex:
            print(f"audio extraction on the {ex.describe()}")
            yield ex

    return connected()


def _add_dataset(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", nargs="?", default=None,
                   help="a synthetic set's folder, a GTZAN folder, a folder of your music, or a CSV manifest "
                        "(default: the built-in synthetic set in data/synthetic)")
    p.add_argument("--kind", default="auto", choices=["auto", "synthetic", "gtzan", "folder", "manifest"],
                   help="how to read DATASET (default: detect)")


def _levels_arg(value: str) -> tuple:
    from core.errors import ParameterError
    from core.features.levels import parse_audio_levels
    try:
        return parse_audio_levels(value)
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_levels(p: argparse.ArgumentParser) -> None:
    from core.features.audio import LEARNED_MODELS
    from core.features.levels import DEFAULT_AUDIO_LEVELS, DEFAULT_LEARNED_MODEL
    p.add_argument("--audio-levels", dest="audio_levels", type=_levels_arg, default=DEFAULT_AUDIO_LEVELS,
                   metavar="L,L,...", help="audio levels to extract and use, of low, mid, high, learned "
                   f"(default: {','.join(DEFAULT_AUDIO_LEVELS)}); learned = musicnn tags and embeddings")
    p.add_argument("--learned-model", dest="learned_model", default=DEFAULT_LEARNED_MODEL, choices=LEARNED_MODELS,
                   help=f"model of the learned level (default {DEFAULT_LEARNED_MODEL})")
    p.add_argument("--learned-patches", dest="learned_patches", type=int, default=None, metavar="N",
                   help="at most N 3-s patches a clip for the learned level, evenly spaced (default: all)")
    p.add_argument("--char-ngrams", dest="char_ngrams", action="store_true",
                   help="add the character 2-5-gram lyrics block (any language; off by default: it lowered "
                        "lyrics-only NMI on the English built-in set)")


def _extract_config(args):
    """The ExtractConfig the level flags ask for (the default one for commands without them)."""
    from core.features.extract import ExtractConfig
    from core.features.levels import audio_config_for
    if not hasattr(args, "audio_levels"):
        return ExtractConfig()
    from core.features.lyrics import LyricsConfig
    return ExtractConfig(audio=audio_config_for(args.audio_levels, args.learned_model, args.learned_patches),
                         lyrics=LyricsConfig(char_ngrams=bool(args.char_ngrams)))


def _add_synth_flags(p: argparse.ArgumentParser) -> None:
    from core.datasets.synthetic.fields import add_synth_flags
    add_synth_flags(p)


def _synth_config(args):
    from core.datasets.synthetic.fields import config_from_args
    return config_from_args(args)


def cmd_synth(args) -> int:
    from core.datasets.synthetic import ensure_synthetic, generate
    from core.paths import default_synthetic_dir
    from core.progress import TerminalBar
    config = _synth_config(args)
    out = Path(args.out) if args.out else default_synthetic_dir()
    bar = TerminalBar("synth")
    ds = generate(config, out, n_jobs=args.jobs, progress=bar) if args.force else \
        ensure_synthetic(config, out, n_jobs=args.jobs, progress=bar)
    s = ds.summary()
    print(f"synthetic set in {out}: {s['tracks']} tracks, {len(s.get('genres', {}))} genres, "
          f"{s['with_lyrics']} with lyrics")
    return 0


def _load(args):
    from core.datasets import load_dataset
    from core.paths import default_synthetic_dir
    path = Path(args.dataset) if args.dataset else default_synthetic_dir()
    if args.dataset is None and not path.exists():
        raise WorkbenchError(f"No dataset given and the built-in set is not built yet ({path}); "
                             "run `python -m core synth` first or pass a folder.")
    return load_dataset(path, kind=args.kind)


def _print_summary(ds) -> None:
    s = ds.summary()
    print(f"dataset: {s['name']} ({s['kind']}) at {ds.root}")
    print(f"tracks: {s['tracks']} ({s['with_audio']} with audio, {s['with_lyrics']} with lyrics)")
    if not ds.has_lyrics:
        print("lyrics: none in this dataset -> fusion is off, audio weight is 1 for every track")
    else:
        print(f"lyrics coverage: {s['lyrics_coverage']:.0%}")
    if ds.has_labels:
        print("genres: " + ", ".join(f"{g} ({c})" for g, c in s["genres"].items()))
    else:
        print("genres: none (unlabelled set: only internal metrics apply)")
    if ds.problems:
        print(f"problems while loading ({len(ds.problems)}):")
        for p in ds.problems:
            print(f"  - {p}")


def cmd_summary(args) -> int:
    ds = _load(args)
    _print_summary(ds)
    return 0


def cmd_extract(args) -> int:
    from core.features.cache import FeatureCache
    from core.features.extract import extract_features
    from core.progress import TerminalBar
    ds = _load(args)
    _print_summary(ds)
    cache = FeatureCache(Path(args.cache)) if args.cache else None
    with _executor(args) as executor:
        fs, rep = extract_features(ds, _extract_config(args), cache=cache, n_jobs=args.jobs,
                                   progress=TerminalBar("extract"),
                                   use_dataset_cache=not args.no_dataset_cache, executor=executor)
    print("\n".join(rep.lines()))
    usable = int((fs.audio_ok | fs.lyrics_ok).sum())
    print(f"usable tracks: {usable} of {fs.n_tracks}")
    problem = rep.health_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    return 0 if usable > 0 else 1


def cmd_prepare(args) -> int:
    from core.datasets.synthetic import SynthConfig, ensure_synthetic
    from core.features.extract import extract_features
    from core.paths import default_synthetic_dir
    from core.progress import TerminalBar
    ds = ensure_synthetic(_synth_config(args), default_synthetic_dir(), n_jobs=args.jobs,
                          progress=TerminalBar("synth"))
    with _executor(args) as executor:
        fs, rep = extract_features(ds, _extract_config(args), n_jobs=args.jobs, progress=TerminalBar("features"),
                                   executor=executor)
    _raise_if_unhealthy(rep)
    print(f"built-in set ready: {fs.n_tracks} tracks, features "
          f"{'from cache' if rep.from_dataset_cache else f'extracted in {rep.seconds:.0f} s'}")
    return 0


# -- ablate / export ---------------------------------------------------------------------------

def _load_or_build(args):
    """The dataset named on the command line, or the built-in synthetic set (built if missing)."""
    if args.dataset is None:
        from core.datasets.synthetic import SynthConfig, ensure_synthetic
        from core.paths import default_synthetic_dir
        from core.progress import TerminalBar
        return ensure_synthetic(SynthConfig(), default_synthetic_dir(), n_jobs=args.jobs,
                                progress=TerminalBar("synth"))
    return _load(args)


def _features(ds, args):
    from core.features.extract import extract_features
    from core.features.levels import select_audio_levels
    from core.progress import TerminalBar
    with _executor(args) as executor:
        fs, rep = extract_features(ds, _extract_config(args), n_jobs=args.jobs, progress=TerminalBar("features"),
                                   executor=executor)
    if hasattr(args, "audio_levels"):
        fs = select_audio_levels(fs, args.audio_levels)
    if rep.problems:
        print(f"feature problems ({len(rep.problems)}):")
        for p in rep.problems:
            print(f"  - {p}")
    _raise_if_unhealthy(rep)
    return fs


def _raise_if_unhealthy(rep) -> None:
    """Stop with the one message that names the cause and the fix when too much audio failed."""
    problem = rep.health_problem()
    if problem:
        raise WorkbenchError(problem)


def _fusions(algorithm: str, choice: str) -> list:
    from core.clustering import ALGORITHM_FUSIONS
    if choice != "both":
        return [choice]
    allowed = ALGORITHM_FUSIONS.get(algorithm, ("concat",))
    return list(allowed[:2])


def _experiment_configs(args) -> list:
    """One ExperimentConfig per fusion from the flags (ParameterError on a bad value)."""
    from core.errors import ParameterError
    from core.experiments import ExperimentConfig
    if args.seeds < 1:
        raise ParameterError(f"The 'seeds' parameter of ablate must be an int >= 1. Got {args.seeds} instead.")
    kw = dict(algorithm=args.algorithm, n_clusters=args.clusters, seeds=tuple(range(args.seeds)),
              subsample=args.subsample, n_init=args.n_init)
    if getattr(args, "rules", None):  # a rule-set file (the app's preset download); PresetError names the field
        from core.presets import read_ruleset_file
        kw["ruleset"] = read_ruleset_file(args.rules)
    return [ExperimentConfig(fusion=f, **kw) for f in _fusions(args.algorithm, args.fusion)]


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
    from core.features.levels import DEFAULT_AUDIO_LEVELS, DEFAULT_LEARNED_MODEL
    if tuple(args.audio_levels) != DEFAULT_AUDIO_LEVELS:
        parts.append(f"--audio-levels {','.join(args.audio_levels)}")
    if "learned" in args.audio_levels and args.learned_model != DEFAULT_LEARNED_MODEL:
        parts.append(f"--learned-model {args.learned_model}")
    if "learned" in args.audio_levels and args.learned_patches is not None:
        parts.append(f"--learned-patches {args.learned_patches}")
    if args.char_ngrams:
        parts.append("--char-ngrams")
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
    from core.experiments.dataseeds import across_datasets, format_dataset_tests, seed_dir, synth_config
    from core.paths import data_dir
    from core.progress import TerminalBar
    from core.report import format_rule_table, format_tests, write_report
    try:
        seeds = _parse_data_seeds(args.data_seeds)
        genres = [g.strip() for g in args.genres.split(",") if g.strip()] if args.genres else None
        synths = {s: synth_config(s, args.tracks_per_genre, args.clip_seconds, genres) for s in seeds}
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(args.out) if args.out else data_dir() / "runs" / f"ablation-data-seeds-{stamp}"
    by_fusion: dict = {c.fusion: {} for c in configs}
    for s, sc in synths.items():
        ds = ensure_synthetic(sc, seed_dir(sc), n_jobs=args.jobs, progress=TerminalBar(f"synth seed {s}"))
        fs = _features(ds, args)
        prepared = prepare(fs, configs[0])
        results = {}
        for config in configs:
            results[config.fusion] = r = run_ablation(
                prepared.with_config(config), labels=ds.labels, ground_truth=ds.ground_truth,
                progress=TerminalBar(f"data seed {s}: ablation ({config.fusion})"))
            by_fusion[config.fusion][s] = r
            metrics = ["nmi", "ari"] if r.labelled else ["silhouette"]
            print(f"\n== data seed {s}, fusion {config.fusion}: unit clustering seed "
                  f"({len(config.seeds)} seeds on this one dataset) ==")
            print(format_tests(r, metrics))
            print(format_rule_table(r))
        write_report(out / f"data-seed-{s}", results, dataset={**ds.summary(), "root": str(ds.root)},
                     command=_regenerate_command(args, out.absolute()))
    texts = []
    for fusion, per_seed in by_fusion.items():
        res = across_datasets(per_seed, fusion)
        texts.append(format_dataset_tests(res))
        print()
        print(texts[-1])
        out.mkdir(parents=True, exist_ok=True)
        for name, df in (("per_dataset", res.per_dataset), ("summary", res.summary), ("tests", res.tests)):
            df.to_csv(out / f"datasets_{name}_{fusion}.csv", index=False)
    (out / "report.md").write_text(
        "# Ablation over generated datasets\n\nRegenerate with:\n\n    "
        + _regenerate_command(args, out.absolute()) + "\n\nPer dataset (unit: clustering seed): "
        + ", ".join(f"data-seed-{s}/report.md" for s in seeds) + "\n\n```\n"
        + "\n\n".join(texts) + "\n```\n", encoding="utf-8")
    print(f"\nreport written to {out}")
    return 0


def cmd_ablate(args) -> int:
    import time
    from core.errors import ParameterError
    from core.experiments import prepare, run_ablation
    from core.progress import TerminalBar
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
    fs = _features(ds, args)
    usable = int((fs.audio_ok | (fs.lyrics_ok & fs.has_lyrics)).sum())
    if usable < 3:
        print(f"error: nothing usable to cluster ({usable} tracks with usable audio or lyrics)",
              file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    if not fs.has_lyrics:
        return _ablate_audio_levels(args, ds, fs, configs[0])
    try:
        prepared = prepare(fs, configs[0])
        results = {}
        for config in configs:
            p = prepared.with_config(config)
            results[config.fusion] = run_ablation(
                p, labels=ds.labels, ground_truth=ds.ground_truth,
                progress=TerminalBar(f"ablation ({config.algorithm}, {config.fusion})"))
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print_ablation(results)
    tuned, tuned_eval = ({}, {}) if args.no_autotune else _autotune_all(prepared, results, ds.labels)
    from core.paths import data_dir
    stamp = time.strftime("%Y%m%d-%H%M%S")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in ds.name)
    out = Path(args.out) if args.out else data_dir() / "runs" / f"ablation-{safe}-{stamp}"
    dataset_info = {**ds.summary(), "root": str(ds.root)}
    paths = write_report(out, results, dataset=dataset_info, command=_regenerate_command(args, out.absolute()),
                         autotune=tuned, autotune_eval=tuned_eval,
                         extra={"seconds": round(time.perf_counter() - t0, 2)})
    print()
    print(f"report written to {out} ({', '.join(sorted(paths))})")
    return 0


def _ablate_audio_levels(args, ds, fs, config) -> int:
    """``ablate`` on a set without lyrics: one note that fusion is off, then audio only per level."""
    import time
    from core.experiments.audio_levels import (FUSION_OFF_NOTE, WHY_LEVELS, audio_level_ablation,
                                              format_audio_levels)
    from core.paths import data_dir
    from core.progress import TerminalBar
    print(f"\nnote: no lyrics, so {WHY_LEVELS}")  # the summary above said fusion is off, once
    summary, scores = audio_level_ablation(fs, ds.labels, config.with_changes(fusion="concat"),
                                           progress=TerminalBar("audio levels"))
    text = format_audio_levels(summary)
    print()
    print(text)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in ds.name)
    out = Path(args.out) if args.out else data_dir() / "runs" / f"ablation-{safe}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    summary.to_csv(out / "audio_levels_summary.csv", index=False)
    scores.to_csv(out / "audio_levels_scores.csv", index=False)
    (out / "report.md").write_text(f"# Ablation: {ds.name}\n\n{FUSION_OFF_NOTE}\n\nRegenerate with:\n\n    "
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
    from core.progress import TerminalBar
    tuned, tuned_eval = {}, {}
    for fusion, res in results.items():
        print()
        p = prepared.with_config(res.config)
        t = autotune(p, res.config.ruleset, n_clusters=res.n_clusters,
                     progress=TerminalBar(f"auto-tune ({fusion})"))
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


def cmd_export(args) -> int:
    import json
    from core.errors import ParameterError
    from core.experiments import ExperimentConfig, prepare, track_table
    from core.report import to_jsonable
    try:
        config = ExperimentConfig(algorithm=args.algorithm, fusion=args.fusion,
                                  n_clusters=args.clusters, seeds=(args.seed,))
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ds = _load_or_build(args)
    fs = _features(ds, args)
    usable = int((fs.audio_ok | (fs.lyrics_ok & fs.has_lyrics)).sum())
    if usable < 3:
        print(f"error: nothing usable to export ({usable} tracks with usable audio or lyrics)",
              file=sys.stderr)
        return 1
    try:
        prepared = prepare(fs, config)
        table = track_table(prepared, seed=args.seed, labels=ds.labels)
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "tracks.csv", index=False)
    doc = {"dataset": ds.name, "root": str(ds.root), "condition": "dynamic", **table.attrs,
           "labelled": ds.has_labels, "n_dropped": prepared.n_dropped,
           "ruleset": config.to_dict()["ruleset"], "tracks": table.to_dict(orient="records")}
    (out / "tracks.json").write_text(json.dumps(to_jsonable(doc), indent=1, allow_nan=False),
                                     encoding="utf-8")
    print(f"{len(table)} tracks (dynamic condition, {config.algorithm}/{config.fusion}, "
          f"k = {table.attrs['n_clusters']}, seed {args.seed}) written to {out / 'tracks.csv'} "
          f"and {out / 'tracks.json'}")
    return 0


def cmd_indicators(args) -> int:
    import json
    from core.rules import DEFAULT_RULES, apply_rules
    from core.validation import pool_sets, validate_indicators
    from core.validation.text import report_text
    sets = []
    for dataset in args.datasets or [None]:
        args.dataset = dataset
        ds = _load_or_build(args)
        sets.append((ds, _indicators_of(ds, args)))
    ind, truth, ids = pool_sets([(i, ds.ground_truth, ds.track_ids) for ds, i in sets])
    report = validate_indicators(ind, apply_rules(ind, DEFAULT_RULES), truth, ids)
    if args.json:
        print(json.dumps(report.to_json(), indent=1, allow_nan=False))
    else:
        names = ", ".join(f"{ds.name} ({ds.root})" for ds, _ in sets)
        print(report_text(report, names + (" pooled" if len(sets) > 1 else "")))
    return 0


def _indicators_of(ds, args):
    from core.features.cache import FeatureCache
    from core.features.extract import extract_features
    from core.indicators import compute_indicators
    from core.progress import TerminalBar
    cache = FeatureCache(Path(args.cache)) if args.cache else None
    with _executor(args) as executor:
        fs, rep = extract_features(ds, cache=cache, n_jobs=args.jobs, executor=executor,
                                   progress=None if args.json else TerminalBar("features"))
    _raise_if_unhealthy(rep)
    return compute_indicators(fs)


def cmd_sweep(args) -> int:
    """``sweep``: per share of degraded tracks, dynamic / shuffled / static 0.5 / oracle static."""
    import time
    from core.errors import ParameterError
    from core.experiments.sweep import format_sweep, parse_shares, run_sweep
    from core.paths import data_dir
    from core.progress import TerminalBar
    try:
        shares = parse_shares(args.degrade)
        seeds = tuple(int(s) for s in args.data_seeds.split(",") if s.strip()) \
            if args.data_seeds else (0,)
        if not seeds or min(seeds) < 0 or len(set(seeds)) != len(seeds):
            raise ParameterError("The 'data_seeds' parameter of sweep must be distinct ints >= 0. "
                                 f"Got {args.data_seeds!r} instead.")
        configs = _experiment_configs(args)
        genres = [g.strip() for g in args.genres.split(",") if g.strip()] if args.genres else None
    except (ParameterError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else data_dir() / "runs" / f"sweep-{time.strftime('%Y%m%d-%H%M%S')}"

    def features(ds):
        return _features(ds, args)

    table = run_sweep(shares, seeds, configs, tracks_per_genre=args.tracks_per_genre,
                      clip_seconds=args.clip_seconds, genres=genres, n_jobs=args.jobs,
                      features=features, progress=TerminalBar("sweep"))
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sweep.csv", index=False)
    print(format_sweep(table))
    print(f"\nsweep written to {out / 'sweep.csv'}")
    return 0


def _add_sweep_parser(sub) -> None:
    """The ``sweep`` command: the ablation over shares of degraded tracks (generator v2)."""
    from core.clustering import ALGORITHMS
    p = sub.add_parser("sweep", help="ablation over shares of degraded tracks (generator v2)",
                       description=(
        "For each share of degraded tracks (per modality), build generator-v2 sets (one per data "
        "seed, cached in data/sweep/), extract, and run the ablation: dynamic, shuffled, static 0.5 "
        "and the oracle best static weight, NMI mean and 95 % CI over the data seeds. Writes "
        "sweep.csv (the Ablation page draws it)."))
    p.add_argument("--degrade", default="0,0.1,0.2,0.3,0.4,0.5", metavar="D,D,...",
                   help="shares of degraded tracks per modality (default 0,0.1,0.2,0.3,0.4,0.5)")
    p.add_argument("--data-seeds", dest="data_seeds", default="0", metavar="S,S,...",
                   help="generator seeds, one set each per share (default 0)")
    p.add_argument("--tracks-per-genre", dest="tracks_per_genre", type=int, default=None,
                   help="tracks per genre of each set (default 40)")
    p.add_argument("--clip-seconds", dest="clip_seconds", type=float, default=None,
                   help="clip length in s of each set (default 20)")
    p.add_argument("--genres", default=None, help="comma-separated genre names (default: all)")
    p.add_argument("--out", help="output folder (default: data/runs/sweep-<time>)")
    p.add_argument("--seeds", type=int, default=5, help="clustering seeds per set (default 5)")
    p.add_argument("--algorithm", default="kmeans", choices=list(ALGORITHMS))
    p.add_argument("--fusion", default="both", choices=["concat", "weighted", "affinity", "both"])
    p.add_argument("--clusters", type=int, default=None, help="number of clusters (default: genres)")
    p.add_argument("--subsample", type=float, default=0.8, help="share of tracks each seed clusters")
    p.add_argument("--n-init", dest="n_init", type=int, default=5, help="k-means restarts (default 5)")
    _add_jobs(p)
    _add_scheduler(p)
    p.set_defaults(func=cmd_sweep)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core",
                                     description="Audio-lyrics fusion workbench: datasets, features, experiments.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_synth_parser(sub)
    _add_extract_parser(sub)
    p = sub.add_parser("summary", help="print a dataset summary")
    _add_dataset(p)
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("prepare", help="build the built-in synthetic set and its features if missing",
                       description="Build the built-in synthetic set (data/synthetic) if it is missing or was "
                                   "built with other settings, then extract its features. Exits 1 when too "
                                   "many clips fail to give audio features.")
    _add_synth_flags(p)
    _add_levels(p)
    _add_jobs(p)
    _add_scheduler(p)
    p.set_defaults(func=cmd_prepare)

    _add_ablate_parser(sub)
    _add_sweep_parser(sub)
    _add_export_parser(sub)
    p = sub.add_parser("indicators", help="check indicators and default rules against the ground truth",
                       description="For every indicator: what it claims to detect, its distribution and, where "
                                   "the dataset has ground truth (the built-in synthetic set does), its ROC AUC "
                                   "against that truth, per degradation kind and over the degradation's "
                                   "parameter; for every default rule: how often it fires and its precision and "
                                   "recall against the truth it targets. Several datasets are pooled (e.g. "
                                   "the held-out generator seeds), each track keeping its own truth.")
    p.add_argument("datasets", nargs="*", metavar="DATASET",
                   help="synthetic set folders, GTZAN folders, folders of your music or CSV manifests "
                        "(default: the built-in synthetic set in data/synthetic)")
    p.add_argument("--kind", default="auto", choices=["auto", "synthetic", "gtzan", "folder", "manifest"],
                   help="how to read each DATASET (default: detect)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: checks [{indicator, target, auc}], rules [{rule, fires, "
                        "precision, recall}], curves, distributions")
    p.add_argument("--cache", help="feature cache folder (default: data/cache)")
    _add_jobs(p)
    _add_scheduler(p)
    p.set_defaults(func=cmd_indicators)
    return parser


def _add_synth_parser(sub) -> None:
    """The ``synth`` command: build a synthetic song set."""
    p = sub.add_parser("synth", help="build a synthetic song set", description=(
        "Build the synthetic song set: real waveforms and lyrics, seeded and deterministic. "
        "Skips the build when the folder already holds a set made with the same settings."))
    p.add_argument("--out", help="output folder (default: data/synthetic)")
    _add_synth_flags(p)
    p.add_argument("--force", action="store_true", help="rebuild even if an identical set exists")
    _add_jobs(p)
    p.set_defaults(func=cmd_synth)


def _add_extract_parser(sub) -> None:
    """The ``extract`` command: features for a dataset."""
    p = sub.add_parser("extract", help="extract features for a dataset", description=(
        "Extract audio and lyrics features (cached on disk under data/cache; an interrupted run resumes). "
        "Prints a summary: tracks done, from cache, failed with reasons."))
    _add_dataset(p)
    _add_jobs(p)
    p.add_argument("--cache", help="cache folder (default: data/cache)")
    p.add_argument("--no-dataset-cache", action="store_true",
                   help="re-assemble the feature set even when it is cached (per-clip entries are still used)")
    _add_levels(p)
    _add_scheduler(p)
    p.set_defaults(func=cmd_extract)


def _add_ablate_parser(sub) -> None:
    """The ``ablate`` command: multi-seed ablation and report."""
    from core.clustering import ALGORITHMS
    p = sub.add_parser("ablate", help="multi-seed ablation and report", description=(
        "Ablation: audio only, lyrics only, static audio weights 0, 0.1, ..., 1 and the dynamic "
        "rule weights, over several seeds (each seed: clustering initialisation + an 80% track "
        "subsample), with mean, spread, t-based 95% intervals and paired Wilcoxon tests of dynamic vs "
        "the best static weight (an oracle: picked with the labels) and vs static 0.5. Also an "
        "unsupervised threshold auto-tune. Prints the main table and writes CSV, JSON and a "
        "markdown report."))
    _add_dataset(p)
    p.add_argument("--out", help="output folder (default: data/runs/ablation-<dataset>-<time>)")
    p.add_argument("--seeds", type=int, default=10, help="number of seeds, 0..N-1 (default 10)")
    p.add_argument("--algorithm", default="kmeans", choices=list(ALGORITHMS),
                   help="clustering algorithm (default kmeans)")
    p.add_argument("--fusion", default="both", choices=["concat", "weighted", "affinity", "both"],
                   help="concat (scaled concatenation), weighted (weighted-distance k-means), affinity "
                        "(graphs; spectral/agglomerative/hdbscan) or both (default: the two the "
                        "algorithm takes: concat and weighted for k-means)")
    p.add_argument("--clusters", type=int, default=None,
                   help="number of clusters (default: number of genres, or a silhouette rule without labels)")
    p.add_argument("--subsample", type=float, default=0.8,
                   help="share of tracks each seed clusters (default 0.8; 1 = all)")
    p.add_argument("--n-init", dest="n_init", type=int, default=5, help="k-means restarts (default 5)")
    p.add_argument("--no-autotune", action="store_true", help="skip the unsupervised threshold auto-tune")
    p.add_argument("--rules", default=None, metavar="FILE.json",
                   help="the dynamic condition's rule set from a JSON file (the app's preset download; "
                        "format in the README); default: the built-in defaults")
    p.add_argument("--data-seeds", dest="data_seeds", default=None, metavar="S,S,...",
                   help="regenerate the built-in set once per generator seed (cached in "
                        "data/synthetic-seed-<S>...) and also report paired tests with the generated "
                        "dataset as the unit, e.g. 0,1,2 (no DATASET then; auto-tune is skipped)")
    p.add_argument("--tracks-per-genre", dest="tracks_per_genre", type=int, default=None,
                   help="with --data-seeds: tracks per genre of each generated set (default 40)")
    p.add_argument("--clip-seconds", dest="clip_seconds", type=float, default=None,
                   help="with --data-seeds: clip length in s of each generated set (default 20)")
    p.add_argument("--genres", default=None,
                   help="with --data-seeds: comma-separated genre names (default: all)")
    _add_levels(p)
    _add_jobs(p)
    _add_scheduler(p)
    p.set_defaults(func=cmd_ablate)


def _add_export_parser(sub) -> None:
    """The ``export`` command: the per-track table of one seed."""
    from core.clustering import ALGORITHMS
    p = sub.add_parser("export", help="per-track weights, traces, indicators and clusters", description=(
        "Write the per-track table of the dynamic condition (rule weights, the rule trace, indicators "
        "and cluster assignments for one seed) as tracks.csv and tracks.json."))
    _add_dataset(p)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=int, default=0, help="clustering seed (default 0)")
    p.add_argument("--algorithm", default="kmeans", choices=list(ALGORITHMS))
    p.add_argument("--fusion", default="concat", choices=["concat", "weighted", "affinity"])
    p.add_argument("--clusters", type=int, default=None,
                   help="number of clusters (default: number of genres, or a silhouette rule without labels)")
    _add_jobs(p)
    _add_scheduler(p)
    p.set_defaults(func=cmd_export)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; finished work is cached and the next run resumes from there", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
