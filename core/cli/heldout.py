"""The ``choose-rules`` and ``heldout`` commands: how the default rules were chosen on the
development set, and how they fare on generated sets they were not chosen on.
"""

from __future__ import annotations

import time
from pathlib import Path

from core.cli.options import _add_generated_sets, _add_jobs, _add_levels, _add_out, _add_seeds, _features, level_flags


def _set_dataset(hs, args):
    """The generated set of ``hs`` (built once, cached under data/<name>), its features."""
    from core.datasets.synthetic import ensure_synthetic
    from core.paths import data_dir
    from core.progress import tqdm_progress
    suffix = ""
    if args.tracks_per_genre is not None or args.clip_seconds is not None:
        suffix = f"-t{args.tracks_per_genre or 'd'}-c{args.clip_seconds or 'd'}"
    ds = ensure_synthetic(hs.synth_config(args.tracks_per_genre, args.clip_seconds),
                          data_dir() / (hs.name + suffix), n_jobs=args.jobs,
                          progress=tqdm_progress(f"synth {hs.name}"))
    return ds, _features(ds, args)


def cmd_choose_rules(args) -> int:
    """Run the documented selection procedure on the development set and print the result."""
    from core.experiments import ExperimentConfig, prepare
    from core.experiments.heldout import DEV_SET
    from core.experiments.selection import choose_rules
    from core.presets import read_ruleset_file, ruleset_to_json, write_ruleset_file
    from core.progress import tqdm_progress
    from core.rules import A_PRIORI_RULES
    from core.validation.truth import read_truth
    ds, fs = _set_dataset(DEV_SET, args)
    prepared = prepare(fs, ExperimentConfig(seeds=tuple(range(args.seeds))))
    truth = read_truth(ds.ground_truth, prepared.track_ids)
    start = read_ruleset_file(args.start) if args.start else A_PRIORI_RULES
    t0 = time.perf_counter()
    res = choose_rules(prepared, ds.labels, truth, start, seeds=tuple(range(args.seeds)),
                       progress=tqdm_progress("candidates"))
    print(f"\nprocedure: {res.description}")
    print("\nstep 1, indicator checks on the development set (AUC >= 0.95 to move weight):")
    print(res.eligibility.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print("\nswitched off before the ascent:")
    for name, why in res.switched_off.items():
        print(f"  {name}: {why}")
    print(f"\naccepted changes (objective {res.start_objective:.4f} at the start):")
    print(res.steps.to_string(index=False) if len(res.steps) else "  none")
    print(f"\nobjective {res.objective:.4f}; {res.n_evaluated} distinct weightings scored in "
          f"{time.perf_counter() - t0:.0f} s")
    print("\nchosen rule set (freeze it in core.rules.DEFAULT_RULES):")
    print(ruleset_to_json(res.best, "chosen on the development set", res.description))
    if args.out:
        write_ruleset_file(args.out, res.best, "chosen on the development set", res.description)
        print(f"written to {args.out}")
    return 0


def cmd_heldout(args) -> int:
    """The frozen rules on every held-out set: per-set tables, the target checklist, a report."""
    import pandas as pd
    from core.experiments import ExperimentConfig, prepare, run_ablation
    from core.experiments.heldout import (DEV_SET, condition_table, format_targets, heldout_sets,
                                          moving_rule_checks, pooled_rows, target_rows)
    from core.presets import read_ruleset_file
    from core.progress import tqdm_progress
    from core.rules import DEFAULT_RULES
    from core.validation.truth import read_truth
    ruleset = read_ruleset_file(args.rules) if args.rules else DEFAULT_RULES
    data_seeds = _parse_seed_tokens(args.data_seeds) if args.data_seeds else None
    sets = ((DEV_SET,) if args.with_dev else ()) + heldout_sets(data_seeds, args.changed_seed)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    from core.paths import data_dir
    out = Path(args.out) if args.out else data_dir() / "runs" / f"heldout-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    tables, targets, per_set = [], [], {}
    for hs in sets:
        ds, fs = _set_dataset(hs, args)
        results = {}
        prepared = None
        for fusion in ("concat", "weighted"):
            config = ExperimentConfig(fusion=fusion, seeds=tuple(range(args.seeds)), ruleset=ruleset)
            prepared = prepare(fs, config) if prepared is None else prepared.with_config(config)
            results[fusion] = run_ablation(prepared, labels=ds.labels, ground_truth=ds.ground_truth,
                                           progress=tqdm_progress(f"{hs.name} ({fusion})"))
        truth = read_truth(ds.ground_truth, prepared.track_ids)
        rules = moving_rule_checks(prepared.indicators, ruleset, truth)
        label = f"{hs.name} ({hs.role}: {hs.describe()})"
        tables.append(condition_table(label, results))
        targets += target_rows(label, results, rules)
        if hs.role == "held out":
            per_set[label] = results
        rules.insert(0, "set", label)
        rules.to_csv(out / f"rules-{hs.name}.csv", index=False)
    table = pd.concat(tables, ignore_index=True)
    checks = pd.DataFrame(targets)
    pooled = pooled_rows(per_set)
    table.to_csv(out / "conditions.csv", index=False)
    checks.to_csv(out / "targets.csv", index=False)
    pooled.to_csv(out / "pooled.csv", index=False)
    fmt = lambda x: f"{x:.3f}"  # noqa: E731
    shown = ["set", "fusion", "audio nmi", "lyrics nmi", "static 0.5 nmi", "oracle nmi", "oracle w",
             "dynamic nmi", "shuffled nmi", "static 0.5 ari", "dynamic ari",
             "clean: static 0.5", "deg. audio: static 0.5", "deg. audio: dynamic",
             "deg. lyrics: static 0.5", "deg. lyrics: dynamic"]
    text = ("NMI / ARI means over clustering seeds (oracle: best static weight, picked with the labels)\n"
            + table[shown].to_string(index=False, float_format=fmt)
            + "\n\nOver the held-out sets (unit: dataset):\n" + pooled.to_string(index=False, float_format=fmt)
            + "\n\nTargets:\n" + format_targets(checks))
    print("\n" + text)
    command = "python -m core heldout" + (f" --rules {Path(args.rules).absolute()}" if args.rules else "") + \
        f" --seeds {args.seeds}" + (" --with-dev" if args.with_dev else "")
    if data_seeds is not None:
        command += " --data-seeds " + " ".join(str(s) for s in data_seeds)
    if args.changed_seed is not None:
        command += f" --changed-seed {args.changed_seed}"
    if args.tracks_per_genre is not None:
        command += f" --tracks-per-genre {args.tracks_per_genre}"
    if args.clip_seconds is not None:
        command += f" --clip-seconds {args.clip_seconds:g}"
    command += "".join(" " + flag for flag in level_flags(args))  # every level and extraction flag, not only lyrics
    title = (f"Rules from {Path(args.rules).name} on held-out generated sets" if args.rules
             else "Default rules on held-out generated sets")
    (out / "report.md").write_text(f"# {title}\n\nRegenerate with:\n\n    "
                                   + command + "\n\n```\n" + text + "\n```\n", encoding="utf-8")
    print(f"\nreport written to {out}")
    return 0


def _parse_seed_tokens(tokens) -> list:
    """``--data-seeds 5 6 7`` or ``--data-seeds 5,6,7``: the ints, in order."""
    from core.errors import ParameterError
    try:
        return [int(t) for tok in tokens for t in str(tok).split(",") if t.strip()]
    except ValueError:
        raise ParameterError(f"The 'data_seeds' parameter of heldout must be ints; got {' '.join(tokens)!r}.") from None


def _common(p) -> None:
    _add_seeds(p, 10, "clustering seeds per condition")
    _add_generated_sets(p, each="each generated set", builtin=True, genres=False)
    _add_levels(p)
    _add_jobs(p)
    p.set_defaults(scheduler=None, cache=None)


def _add_heldout_parsers(sub) -> None:
    p = sub.add_parser("choose-rules", help="the documented procedure that chose the default rules",
                       description=(
                           "Choose a rule set on the development set (the built-in generator, seed 0; "
                           "labels and truth are allowed there only) by the procedure of "
                           "core.experiments.selection: rules whose indicator fails its check move "
                           "nothing; coordinate ascent on (NMI + ARI) / 2 over base weight, each rule's "
                           "threshold and delta, clip and hard rules; every rule that moves weight must "
                           "fire truthfully. Prints the chosen rule set as JSON (the format --rules reads)."))
    p.add_argument("--start", default=None, metavar="FILE.json",
                   help="rule set to start from (default: the a-priori rules, core.rules.A_PRIORI_RULES)")
    p.add_argument("--out", default=None, metavar="FILE.json", help="also write the chosen rule set here")
    _common(p)
    p.set_defaults(func=cmd_choose_rules)

    p = sub.add_parser("heldout", help="the default rules on generated sets they were not chosen on",
                       description=(
                           "Ablate the frozen default rules (or --rules) on the held-out generated sets "
                           "(built-in config, seeds 1, 2, 3; changed config: seed 4, twice the degradation, "
                           "six genres), concat and weighted k-means, and check the targets: dynamic beats "
                           "static 0.5 (paired Wilcoxon p < 0.01, NMI and ARI), reaches the oracle best "
                           "static weight, gains >= 0.05 NMI on the degraded slices, every rule fires "
                           "truthfully. Writes CSVs and report.md."))
    p.add_argument("--rules", default=None, metavar="FILE.json", help="rule set (default: the built-in defaults)")
    p.add_argument("--with-dev", dest="with_dev", action="store_true",
                   help="also report the development set (seed 0) the rules were chosen on")
    p.add_argument("--data-seeds", dest="data_seeds", nargs="+", default=None, metavar="S",
                   help="generator seeds of the built-in-config held-out sets instead of 1 2 3 (fresh seeds "
                        "for a rule set chosen after those were looked at); each is built once under "
                        "data/synthetic-seed-<S>")
    p.add_argument("--changed-seed", dest="changed_seed", type=int, default=None, metavar="S",
                   help="generator seed of the changed-config held-out set instead of 4 "
                        "(data/changed-seed-<S>)")
    _add_out(p, "data/runs/heldout-<time>")
    _common(p)
    p.set_defaults(func=cmd_heldout)
