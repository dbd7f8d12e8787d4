"""The data commands: ``synth``, ``extract``, ``summary``, ``prepare``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from core.cli.options import (
    _add_dataset, _add_jobs, _add_levels, _add_out, _add_scheduler, _add_synth_flags, _add_workers, _executor,
    _extract_config, _load, _print_summary, _raise_if_unhealthy, _synth_config, features_line, work_line)


def _say_work(ds, config, cache=None) -> None:
    line = work_line(ds, config, cache)
    if line:
        print(line, flush=True)


def cmd_synth(args) -> int:
    from core.datasets.synthetic import ensure_synthetic, generate
    from core.paths import default_synthetic_dir
    from core.progress import tqdm_progress
    config = _synth_config(args)
    out = Path(args.out) if args.out else default_synthetic_dir()
    bar = tqdm_progress("synth")
    ds = generate(config, out, n_jobs=args.jobs, progress=bar) if args.force else \
        ensure_synthetic(config, out, n_jobs=args.jobs, progress=bar)
    s = ds.summary()
    print(f"synthetic set in {out}: {s['tracks']} tracks, {len(s.get('genres', {}))} genres, "
          f"{s['with_lyrics']} with lyrics")
    return 0


def cmd_summary(args) -> int:
    ds = _load(args)
    _print_summary(ds)
    return 0


def cmd_extract(args) -> int:
    from core.features.cache import FeatureCache
    from core.features.extract import extract_features
    from core.progress import tqdm_progress
    ds = _load(args)
    _print_summary(ds)
    cache = FeatureCache(Path(args.cache)) if args.cache else None
    _say_work(ds, _extract_config(args), cache)
    with _executor(args) as executor:
        fs, rep = extract_features(ds, _extract_config(args), cache=cache, n_jobs=args.jobs,
                                   progress=tqdm_progress("extract (clips + lyrics)"),
                                   use_dataset_cache=not args.no_dataset_cache, executor=executor)
    print("\n".join(rep.lines()))
    said = (fs.meta or {}).get("semantic_languages", {}).get("message")
    if said:  # which languages the semantic level glossed, which it embeds untranslated
        print(f"semantic level: {said}")
    usable = int((fs.audio_ok | fs.lyrics_ok).sum())
    print(f"usable tracks: {usable} of {fs.n_tracks}")
    problem = rep.health_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    return 0 if usable > 0 else 1


def cmd_prepare(args) -> int:
    from core.datasets.synthetic import ensure_synthetic
    from core.features.extract import extract_features
    from core.paths import default_synthetic_dir
    from core.progress import tqdm_progress
    ds = ensure_synthetic(_synth_config(args), default_synthetic_dir(), n_jobs=args.jobs,
                          progress=tqdm_progress("synth"))
    _say_work(ds, _extract_config(args))
    with _executor(args) as executor:
        fs, rep = extract_features(ds, _extract_config(args), n_jobs=args.jobs, progress=tqdm_progress("features (audio clips + lyrics)"),
                                   executor=executor)
    _raise_if_unhealthy(rep)
    print(features_line(fs, rep))
    print(f"built-in set ready: {fs.n_tracks} tracks, features "
          f"{'from cache' if rep.from_dataset_cache else f'extracted in {rep.seconds:.0f} s'}")
    return 0


def _add_synth_parser(sub) -> None:
    """The ``synth`` command: build a synthetic song set."""
    p = sub.add_parser("synth", help="build a synthetic song set", description=(
        "Build the synthetic song set: real waveforms and lyrics, seeded and deterministic. "
        "Skips the build when the folder already holds a set made with the same settings."))
    _add_out(p, "data/synthetic")
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


def _add_summary_parser(sub) -> None:
    """The ``summary`` command."""
    p = sub.add_parser("summary", help="print a dataset summary")
    _add_dataset(p)
    p.set_defaults(func=cmd_summary)


def _add_prepare_parser(sub) -> None:
    """The ``prepare`` command (what `make app` runs)."""
    p = sub.add_parser("prepare", help="build the built-in synthetic set and its features if missing",
                       description="Build the built-in synthetic set (data/synthetic) if it is missing or was "
                                   "built with other settings, then extract its features. Exits 1 when too "
                                   "many clips fail to give audio features.")
    _add_synth_flags(p)
    _add_levels(p)
    _add_workers(p)
    p.set_defaults(func=cmd_prepare)
