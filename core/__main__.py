"""Command line: ``python -m core <command>``.

Commands
--------
synth     build a synthetic song set (seeded, deterministic)
extract   extract (or load cached) features for any dataset, with a progress bar and a summary
summary   print a dataset's summary (tracks, genres, lyrics coverage, problems)
prepare   make sure the built-in synthetic set and its features exist (what `make app` runs)

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


def _add_dataset(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", nargs="?", default=None,
                   help="a synthetic set's folder, a GTZAN folder, a folder of your music, or a CSV manifest "
                        "(default: the built-in synthetic set in data/synthetic)")
    p.add_argument("--kind", default="auto", choices=["auto", "synthetic", "gtzan", "folder", "manifest"],
                   help="how to read DATASET (default: detect)")


def _synth_config(args):
    from core.datasets.synthetic import SynthConfig
    kw = {}
    for name in ("tracks_per_genre", "clip_seconds", "seed"):
        value = getattr(args, name, None)
        if value is not None:
            kw[name] = value
    if getattr(args, "genres", None):
        kw["genres"] = tuple(g.strip() for g in args.genres.split(",") if g.strip())
    return SynthConfig(**kw)


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
    fs, rep = extract_features(ds, cache=cache, n_jobs=args.jobs, progress=TerminalBar("extract"),
                               use_dataset_cache=not args.no_dataset_cache)
    print("\n".join(rep.lines()))
    usable = int((fs.audio_ok | fs.lyrics_ok).sum())
    print(f"usable tracks: {usable} of {fs.n_tracks}")
    return 0 if usable > 0 else 1


def cmd_prepare(args) -> int:
    from core.datasets.synthetic import SynthConfig, ensure_synthetic
    from core.features.extract import extract_features
    from core.paths import default_synthetic_dir
    from core.progress import TerminalBar
    ds = ensure_synthetic(SynthConfig(), default_synthetic_dir(), n_jobs=args.jobs, progress=TerminalBar("synth"))
    fs, rep = extract_features(ds, n_jobs=args.jobs, progress=TerminalBar("features"))
    print(f"built-in set ready: {fs.n_tracks} tracks, features "
          f"{'from cache' if rep.from_dataset_cache else f'extracted in {rep.seconds:.0f} s'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core",
                                     description="Audio-lyrics fusion workbench: datasets, features, experiments.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("synth", help="build a synthetic song set", description=(
        "Build the synthetic song set: real waveforms and lyrics, seeded and deterministic. "
        "Skips the build when the folder already holds a set made with the same settings."))
    p.add_argument("--out", help="output folder (default: data/synthetic)")
    p.add_argument("--tracks-per-genre", dest="tracks_per_genre", type=int, help="tracks per genre (default 40)")
    p.add_argument("--clip-seconds", dest="clip_seconds", type=float, help="clip length in s (default 20)")
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--genres", help="comma-separated genre names (default: all)")
    p.add_argument("--force", action="store_true", help="rebuild even if an identical set exists")
    _add_jobs(p)
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("extract", help="extract features for a dataset", description=(
        "Extract audio and lyrics features (cached on disk under data/cache; an interrupted run resumes). "
        "Prints a summary: tracks done, from cache, failed with reasons."))
    _add_dataset(p)
    _add_jobs(p)
    p.add_argument("--cache", help="cache folder (default: data/cache)")
    p.add_argument("--no-dataset-cache", action="store_true",
                   help="re-assemble the feature set even when it is cached (per-clip entries are still used)")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("summary", help="print a dataset summary")
    _add_dataset(p)
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("prepare", help="build the built-in synthetic set and its features if missing")
    _add_jobs(p)
    p.set_defaults(func=cmd_prepare)
    return parser


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
