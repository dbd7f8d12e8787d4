"""Shared command-line options and steps: jobs, scheduler, dataset, feature levels, generator
flags, the clustering flags (seeds, algorithm, fusion, clusters, subsample), the size of generated
sets, output folders; loading a dataset, extracting its features (stopping when too much audio failed).

Each group of flags is declared here once (name, destination, type, default); a command passes only
what its help says differently (what its seeds count, its default output folder, ...).
"""

from __future__ import annotations

import argparse
from pathlib import Path

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


def _add_workers(p: argparse.ArgumentParser) -> None:
    """``--jobs`` and ``--scheduler``: where the audio extraction runs."""
    _add_jobs(p)
    _add_scheduler(p)


def _add_out(p: argparse.ArgumentParser, default: str) -> None:
    """``--out``: the output folder, ``default`` naming where it goes without the flag."""
    p.add_argument("--out", help=f"output folder (default: {default})")


def _add_seeds(p: argparse.ArgumentParser, default: int, what: str) -> None:
    """``--seeds N``: clustering seeds 0..N-1; ``what`` says what they are per, in the help."""
    p.add_argument("--seeds", type=int, default=default, help=f"{what} (default {default})")


#: The fusions a command may name; ``both`` (where offered) runs the two the algorithm takes.
FUSIONS = ["concat", "weighted", "affinity"]
CLUSTERS_HELP = "number of clusters (default: number of genres, or a silhouette rule without labels)"


def _add_clustering(p: argparse.ArgumentParser, *, both: bool = True, algorithm_help: str = None,
                    fusion_help: str = None, clusters_help: str = CLUSTERS_HELP) -> None:
    """``--algorithm``, ``--fusion`` (default ``both`` when ``both``, else ``concat``) and ``--clusters``."""
    from core.clustering import ALGORITHMS
    p.add_argument("--algorithm", default="kmeans", choices=list(ALGORITHMS), help=algorithm_help)
    p.add_argument("--fusion", default="both" if both else "concat", choices=FUSIONS + (["both"] if both else []),
                   help=fusion_help)
    p.add_argument("--clusters", type=int, default=None, help=clusters_help)


def _add_subsample(p: argparse.ArgumentParser, subsample_help: str) -> None:
    """``--subsample`` (share of tracks a seed clusters) and ``--n-init`` (k-means restarts)."""
    p.add_argument("--subsample", type=float, default=0.8, help=subsample_help)
    p.add_argument("--n-init", dest="n_init", type=int, default=5, help="k-means restarts (default 5)")


def _add_generated_sets(p: argparse.ArgumentParser, *, each: str, when: str = "", builtin: bool = False,
                        genres: bool = True, data_seeds: tuple = None) -> None:
    """The built-in generator's knobs for the sets a command generates: ``--data-seeds`` (when
    ``data_seeds`` = (default, help)), ``--tracks-per-genre``, ``--clip-seconds`` and ``--genres``.

    ``each`` names a set in the help ("each set"), ``when`` starts it ("with --data-seeds: "), and
    ``builtin`` says the defaults are the built-in set's.
    """
    if data_seeds is not None:
        default, help_text = data_seeds
        p.add_argument("--data-seeds", dest="data_seeds", default=default, metavar="S,S,...", help=help_text)
    default = "default: the built-in {}" if builtin else "default {}"
    p.add_argument("--tracks-per-genre", dest="tracks_per_genre", type=int, default=None,
                   help=f"{when}tracks per genre of {each} ({default.format(40)})")
    p.add_argument("--clip-seconds", dest="clip_seconds", type=float, default=None,
                   help=f"{when}clip length in s of {each} ({default.format(20)})")
    if genres:
        p.add_argument("--genres", default=None, help=f"{when}comma-separated genre names (default: all)")


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
                   help="a synthetic set's folder, a GTZAN folder, a folder of your music, a CSV manifest, or a "
                        "features file (.parquet or .csv with audio_*/lyrics_* embedding columns) "
                        "(default: the built-in synthetic set in data/synthetic)")
    p.add_argument("--kind", default="auto", choices=["auto", "synthetic", "gtzan", "folder", "manifest", "features"],
                   help="how to read DATASET (default: detect)")


def _levels_arg(value: str) -> tuple:
    from core.errors import ParameterError
    from core.features.levels import parse_audio_levels
    try:
        return parse_audio_levels(value)
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _lyrics_levels_arg(value: str) -> tuple:
    from core.errors import ParameterError
    from core.features.levels import parse_lyrics_levels
    try:
        return parse_lyrics_levels(value)
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_levels(p: argparse.ArgumentParser) -> None:
    from core.features.audio import LEARNED_LAYERS, LEARNED_MODELS
    from core.features.levels import DEFAULT_AUDIO_LEVELS, DEFAULT_LEARNED_MODEL, DEFAULT_LYRICS_LEVELS
    p.add_argument("--audio-levels", dest="audio_levels", type=_levels_arg, default=DEFAULT_AUDIO_LEVELS,
                   metavar="L,L,...", help="audio levels to extract and use, of low, mid, high, learned "
                   f"(default: {','.join(DEFAULT_AUDIO_LEVELS)}); learned = musicnn tags and embeddings")
    p.add_argument("--lyrics-levels", dest="lyrics_levels", type=_lyrics_levels_arg, default=DEFAULT_LYRICS_LEVELS,
                   metavar="L,L,...", help="lyrics levels to cluster on, of semantic, lexical, character, multilingual, "
                   f"stylistic (default: {','.join(DEFAULT_LYRICS_LEVELS)}, plus character with --char-ngrams and "
                   "multilingual with --multilingual); every level "
                   "is still extracted, and the indicators do not read them")
    p.add_argument("--learned-model", dest="learned_model", default=DEFAULT_LEARNED_MODEL, choices=LEARNED_MODELS,
                   help=f"model of the learned level (default {DEFAULT_LEARNED_MODEL})")
    p.add_argument("--learned-patches", dest="learned_patches", type=int, default=None, metavar="N",
                   help="at most N 3-s patches a clip for the learned level, evenly spaced (default: all)")
    p.add_argument("--learned-layer", dest="learned_layer", default=LEARNED_LAYERS[0], choices=LEARNED_LAYERS,
                   help="which layer of musicnn the learned level reads: penultimate (default; 450 columns), "
                        "midend (the mid-end stack pooled over time, 3,062 columns) or both (3,462); the 50 tag "
                        "probabilities are in each")
    p.add_argument("--char-ngrams", dest="char_ngrams", action="store_true",
                   help="add the character 2-5-gram lyrics block (any language; off by default: it lowered "
                        "lyrics-only NMI on the English built-in set)")
    p.add_argument("--multilingual", dest="multilingual", action="store_true",
                   help="add the multilingual lyrics block: Google's Universal Sentence Encoder multilingual v3 "
                        "(16 languages, packaged; on each lyric as written; about 0.1 s a lyric); naming the level in "
                        "--lyrics-levels also extracts it")
    p.add_argument("--no-gloss", dest="gloss", action="store_false",
                   help="embed non-English lyrics untranslated (default: German, Spanish, French, Portuguese and "
                        "Italian lyrics are glossed into English word by word with the FreeDict dictionaries)")
    p.add_argument("--gloss-engine", dest="gloss_engine", default="dictionary", choices=("dictionary", "apertium"),
                   help="how the gloss makes lyrics English: FreeDict word by word (default), or Apertium machine "
                        "translation for Spanish (Debian apertium-eng-spa; the other languages keep the dictionary "
                        "gloss, and so does Spanish when Apertium is missing; French and Portuguese through a pivot "
                        "pair with WORKBENCH_APERTIUM_CHAINS, README 'A fourth attempt')")


def level_flags(args) -> list:
    """The level and extraction flags of ``args`` that differ from the defaults, as command-line words (for the
    "regenerate with" line of a report): audio and lyrics levels, learned model, patches and layer, the opt-in lyrics
    blocks, glossing."""
    from core.features.levels import DEFAULT_AUDIO_LEVELS, DEFAULT_LEARNED_MODEL, DEFAULT_LYRICS_LEVELS
    parts = []
    if tuple(args.audio_levels) != DEFAULT_AUDIO_LEVELS:
        parts.append(f"--audio-levels {','.join(args.audio_levels)}")
    if tuple(args.lyrics_levels) != DEFAULT_LYRICS_LEVELS:
        parts.append(f"--lyrics-levels {','.join(args.lyrics_levels)}")
    if "learned" in args.audio_levels and args.learned_model != DEFAULT_LEARNED_MODEL:
        parts.append(f"--learned-model {args.learned_model}")
    if "learned" in args.audio_levels and args.learned_patches is not None:
        parts.append(f"--learned-patches {args.learned_patches}")
    if "learned" in args.audio_levels and getattr(args, "learned_layer", "penultimate") != "penultimate":
        parts.append(f"--learned-layer {args.learned_layer}")
    if args.char_ngrams:
        parts.append("--char-ngrams")
    if getattr(args, "multilingual", False):
        parts.append("--multilingual")
    if not args.gloss:
        parts.append("--no-gloss")
    if getattr(args, "gloss_engine", "dictionary") != "dictionary":
        parts.append(f"--gloss-engine {args.gloss_engine}")
    return parts


def _extract_config(args):
    """The ExtractConfig the level flags ask for (the default one for commands without them)."""
    from core.features.extract import ExtractConfig
    from core.features.levels import audio_config_for
    if not hasattr(args, "audio_levels"):
        return ExtractConfig()
    from core.features.lyrics import LyricsConfig
    return ExtractConfig(audio=audio_config_for(args.audio_levels, args.learned_model, args.learned_patches,
                                                layer=getattr(args, "learned_layer", "penultimate")),
                         lyrics=LyricsConfig(char_ngrams=bool(args.char_ngrams), gloss=bool(args.gloss),
                                             gloss_engine=getattr(args, "gloss_engine", "dictionary"),
                                             multilingual=bool(getattr(args, "multilingual", False))
                                             or "multilingual" in tuple(getattr(args, "lyrics_levels", ()))))


def _add_synth_flags(p: argparse.ArgumentParser) -> None:
    from core.datasets.synthetic.fields import add_synth_flags
    add_synth_flags(p)


def _synth_config(args):
    from core.datasets.synthetic.fields import config_from_args
    return config_from_args(args)


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
    if ds.kind == "features":
        _print_given(ds, s)
    if not ds.has_lyrics:
        print("lyrics: none in this dataset -> fusion is off, audio weight is 1 for every track")
    elif s["with_audio"] == 0:
        print("audio: none in this dataset -> fusion is off, lyrics weight is 1 for every track")
    else:
        print(f"lyrics coverage: {s['lyrics_coverage']:.0%}")
    if ds.has_lyrics:
        print(languages_line(ds.tracks["lyrics"].tolist()))
    if ds.has_labels:
        print("genres: " + ", ".join(f"{g} ({c})" for g, c in s["genres"].items()))
    else:
        print("genres: none (unlabelled set: only internal metrics apply)")
    if ds.problems:
        print(f"problems while loading ({len(ds.problems)}):")
        for p in ds.problems:
            print(f"  - {p}")


#: At most this many lyrics are identified for the summary's languages line (py3langid, ~0.3 ms a lyric).
LANGUAGE_SAMPLE = 5000


def languages_line(texts: list) -> str:
    """"lyrics languages: en 200, de 40, es 19" (identified by py3langid; the first :data:`LANGUAGE_SAMPLE`
    lyrics of a larger set), with what the semantic level does with languages other than English."""
    from collections import Counter

    from core.features.lyrics.language import identify
    present = [t for t in texts if isinstance(t, str) and t.strip()]
    counts = Counter(identify(t)[0] or "unidentified" for t in present[:LANGUAGE_SAMPLE])
    line = "lyrics languages: " + ", ".join(f"{code} {n}" for code, n in counts.most_common())
    if len(present) > LANGUAGE_SAMPLE:
        line += f" (the first {LANGUAGE_SAMPLE:,} of {len(present):,} lyrics)"
    if set(counts) - {"en", "unidentified"}:
        line += ("; the semantic level glosses German, Spanish, French, Portuguese and Italian into English "
                 "(--gloss-engine apertium translates Spanish); --multilingual reads 16 languages as written")
    return line


def _print_given(ds, s) -> None:
    """What a features file gives: embeddings, playable files, and the rules that cannot fire."""
    from core.features.given import read_feature_table
    from core.features.extract import extract_features
    from core.indicators import compute_indicators
    from core.views.silent_rules import silent_rules_text
    table = read_feature_table(ds.source)
    print(f"features file: audio embedding width {table.audio.shape[1]}, lyrics embedding width "
          f"{table.lyrics.shape[1]}; {s['playable']} tracks with a playable audio file "
          "(the others have no play button)")
    print("indicators given: " + (", ".join(sorted(table.indicators)) or "none"))
    text = silent_rules_text(compute_indicators(extract_features(ds)[0]))
    if text:
        print(text)


def _load_or_build(args):
    """The dataset named on the command line, or the built-in synthetic set (built if missing)."""
    if args.dataset is None:
        from core.datasets.synthetic import SynthConfig, ensure_synthetic
        from core.paths import default_synthetic_dir
        from core.progress import tqdm_progress
        return ensure_synthetic(SynthConfig(), default_synthetic_dir(), n_jobs=args.jobs,
                                progress=tqdm_progress("synth"))
    return _load(args)


def _features(ds, args):
    from core.features.extract import extract_features
    from core.features.levels import DEFAULT_LYRICS_LEVELS, lyrics_levels_for, select_audio_levels, select_lyrics_levels
    from core.progress import tqdm_progress
    with _executor(args) as executor:
        fs, rep = extract_features(ds, _extract_config(args), n_jobs=args.jobs,
                                   progress=tqdm_progress("features (audio clips + lyrics)"),
                                   executor=executor)
    if ds.kind != "features":  # a features file has one block a modality
        if hasattr(args, "audio_levels"):
            fs = select_audio_levels(fs, args.audio_levels)
        # a command without --lyrics-levels (sweep) still clusters on the default lyrics levels, the ones the
        # default rules were chosen on
        fs = select_lyrics_levels(fs, lyrics_levels_for(fs, getattr(args, "lyrics_levels", DEFAULT_LYRICS_LEVELS)))
    print(features_line(fs, rep))
    if rep.problems:
        print(f"feature problems ({len(rep.problems)}):")
        for p in rep.problems:
            print(f"  - {p}")
    _raise_if_unhealthy(rep)
    return fs


def features_line(fs, rep) -> str:
    """One line for a log: how many tracks have audio and lyrics features, and where they came from (the
    progress bar above it counts audio clips and lyrics together)."""
    head = (f"features: {fs.n_tracks} tracks, {int(fs.audio_ok.sum())} with audio features "
            f"({rep.audio_failed} clips failed), {int((fs.lyrics_ok & fs.has_lyrics).sum())} with lyrics features")
    if "multilingual" in (fs.lyrics_blocks or {}):  # the counts below are the semantic model's
        head += " (with the multilingual block)"
    if rep.from_dataset_cache:
        return head + "; all from the feature cache"
    return (head + f"; {rep.audio_extracted} clips analysed and {rep.audio_cached} from the cache, "
            f"{rep.lyrics_embedded} lyrics embedded and {rep.lyrics_cached} from the cache, in {rep.seconds:.0f} s")


def work_line(ds, config, cache=None) -> str:
    """One line for a log before an extraction: what is left to do ("" when everything is cached), so a log
    does not sit silent while a first run compiles the audio code (about a minute on a new machine)."""
    from core.features.extract import cached_status
    s = cached_status(ds, config, cache)
    clips, lyrics = s["audio_total"] - s["audio_cached"], s["lyrics_total"] - s["lyrics_cached"]
    if s["complete"] or clips + lyrics <= 0:
        return ""
    return (f"features: {clips} clips to analyse and {lyrics} lyrics to embed ({s['audio_cached']} clips and "
            f"{s['lyrics_cached']} lyrics cached); on a machine's first run, compiling the audio code comes "
            "first (about a minute)")


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
