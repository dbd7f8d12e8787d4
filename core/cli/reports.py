"""The commands that report on a dataset: ``export`` (per-track tables), ``indicators`` (checks
against the generator's truth) and ``sweep`` (the ablation over shares of degraded tracks).
"""

from __future__ import annotations

import sys
from pathlib import Path

from core.cli.options import (
    _add_clustering, _add_dataset, _add_generated_sets, _add_levels, _add_out, _add_seeds, _add_subsample,
    _add_workers, _executor, _experiment_configs, _extract_config, _features, _load_or_build, _raise_if_unhealthy)


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


def _add_export_parser(sub) -> None:
    """The ``export`` command: the per-track table of one seed."""
    p = sub.add_parser("export", help="per-track weights, traces, indicators and clusters", description=(
        "Write the per-track table of the dynamic condition (rule weights, the rule trace, indicators "
        "and cluster assignments for one seed) as tracks.csv and tracks.json."))
    _add_dataset(p)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=int, default=0, help="clustering seed (default 0)")
    _add_clustering(p, both=False)
    _add_levels(p)  # --audio-levels and --lyrics-levels: the representation the exported clusters come from
    _add_workers(p)
    p.set_defaults(func=cmd_export)


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
    from core.progress import tqdm_progress
    cache = FeatureCache(Path(args.cache)) if args.cache else None
    with _executor(args) as executor:
        fs, rep = extract_features(ds, _extract_config(args), cache=cache, n_jobs=args.jobs, executor=executor,
                                   progress=None if args.json else tqdm_progress("features"))
    _raise_if_unhealthy(rep)
    return compute_indicators(fs)


def _add_indicators_parser(sub) -> None:
    """The ``indicators`` command: indicators and rules against the ground truth."""
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
    _add_levels(p)  # with learned: the learned level's indicators (vocal_presence_learned, ...) are known
    _add_workers(p)
    p.set_defaults(func=cmd_indicators)


def cmd_sweep(args) -> int:
    """``sweep``: per share of degraded tracks, dynamic / shuffled / static 0.5 / oracle static."""
    import time
    from core.errors import ParameterError
    from core.experiments.sweep import format_sweep, parse_shares, run_sweep
    from core.paths import data_dir
    from core.progress import tqdm_progress
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
                      features=features, progress=tqdm_progress("sweep"))
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sweep.csv", index=False)
    print(format_sweep(table))
    print(f"\nsweep written to {out / 'sweep.csv'}")
    return 0


def _add_sweep_parser(sub) -> None:
    """The ``sweep`` command: the ablation over shares of degraded tracks (generator v2)."""
    p = sub.add_parser("sweep", help="ablation over shares of degraded tracks (generator v2)",
                       description=(
        "For each share of degraded tracks (per modality), build generator-v2 sets (one per data "
        "seed, cached in data/sweep/), extract, and run the ablation: dynamic, shuffled, static 0.5 "
        "and the oracle best static weight, NMI mean and 95 % CI over the data seeds. Writes "
        "sweep.csv (the Ablation page draws it)."))
    p.add_argument("--degrade", default="0,0.1,0.2,0.3,0.4,0.5", metavar="D,D,...",
                   help="shares of degraded tracks per modality (default 0,0.1,0.2,0.3,0.4,0.5)")
    _add_generated_sets(p, each="each set", data_seeds=("0", "generator seeds, one set each per share (default 0)"))
    _add_out(p, "data/runs/sweep-<time>")
    _add_seeds(p, 5, "clustering seeds per set")
    _add_clustering(p, clusters_help="number of clusters (default: genres)")
    _add_subsample(p, "share of tracks each seed clusters")
    _add_workers(p)
    from core.cli.options import _lyrics_levels_arg
    from core.features.levels import DEFAULT_LYRICS_LEVELS
    p.add_argument("--rules", default=None, metavar="FILE.json",
                   help="the dynamic condition's rule set from a JSON file (format in the README); default: the "
                        "built-in defaults")
    p.add_argument("--lyrics-levels", dest="lyrics_levels", type=_lyrics_levels_arg, default=DEFAULT_LYRICS_LEVELS,
                   metavar="L,L,...", help="lyrics levels to cluster on, of semantic, lexical, stylistic "
                   f"(default: {','.join(DEFAULT_LYRICS_LEVELS)}, the ones the default rules were chosen on)")
    p.set_defaults(func=cmd_sweep)
