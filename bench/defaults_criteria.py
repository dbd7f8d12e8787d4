"""The pre-registered criteria for switching the defaults to semantic lyrics + the re-chosen rules, evaluated
from two ``python -m core heldout`` runs on the fresh sets (seeds 9, 10, 11 and changed seed 12)::

    .venv/bin/python bench/defaults_criteria.py docs/experiments/heldout-seeds-9-12/semantic \\
        docs/experiments/heldout-seeds-9-12/frozen

The criteria were fixed before any figure on these seeds (README, "Defaults switched on fresh seeds 9-12"):

(a) candidate dynamic > candidate static 0.5 in mean NMI on >= 3 of 4 sets, in both fusions;
(b) candidate dynamic > its own shuffled-weights control in mean NMI on >= 3 of 4 sets, in both fusions;
(c) candidate dynamic mean NMI pooled over the 4 sets >= the control's, in both fusions.

The tables name the two runs ``--names CANDIDATE CONTROL`` (default: the names of the 9-12 switch, "semantic +
re-chosen rules" and "previous defaults (all blocks)"); the 19-22 run, for instance::

    .venv/bin/python bench/defaults_criteria.py docs/experiments/heldout-seeds-19-22/candidate \\
        docs/experiments/heldout-seeds-19-22/control --names "semantic + multilingual" "defaults (semantic)"

Reads ``conditions.csv`` of each run (NMI means over the clustering seeds); prints each criterion with its
numbers and whether all three hold, then the README's tables (per set, over the sets, the targets of
``targets.csv`` with every p-value). Exit code 0 either way.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

FUSIONS = ("concat", "weighted")


def criteria(candidate: pd.DataFrame, control: pd.DataFrame) -> list:
    """``[(name, fusion, holds, detail)]`` for (a), (b), (c) from two ``conditions.csv`` tables."""
    out = []
    for fusion in FUSIONS:
        cand = candidate[candidate["fusion"] == fusion]
        ctrl = control[control["fusion"] == fusion]
        n = len(cand)
        diff_static = cand["dynamic nmi"] - cand["static 0.5 nmi"]
        diff_shuffled = cand["dynamic nmi"] - cand["shuffled nmi"]
        wins_a, wins_b = int((diff_static > 0).sum()), int((diff_shuffled > 0).sum())
        out.append(("(a) dynamic > static 0.5", fusion, wins_a >= 3,
                    f"{wins_a} of {n} sets ({', '.join(f'{d:+.3f}' for d in diff_static)})"))
        out.append(("(b) dynamic > shuffled", fusion, wins_b >= 3,
                    f"{wins_b} of {n} sets ({', '.join(f'{d:+.3f}' for d in diff_shuffled)})"))
        mc, mo = cand["dynamic nmi"].mean(), ctrl["dynamic nmi"].mean()
        out.append(("(c) pooled dynamic >= control's", fusion, bool(mc >= mo),
                    f"{mc:.3f} vs {mo:.3f} ({mc - mo:+.3f}) over {n} and {len(ctrl)} sets"))
    return out


def _f(x) -> str:
    return f"{x:.3f}"


def per_set_table(runs: dict) -> str:
    """Markdown: one row per set, fusion and setup (``runs``: setup name -> conditions.csv table)."""
    head = ("| set | fusion | setup | lyrics only | static 0.5 | oracle (w) | **dynamic** | shuffled | "
            "deg. audio: static 0.5 / dynamic | deg. lyrics: static 0.5 / dynamic |")
    lines = [head, "|" + " --- |" * 10]
    first = next(iter(runs.values()))
    for label in first["set"].unique():
        for fusion in FUSIONS:
            for i, (setup, t) in enumerate(runs.items()):
                r = t[(t["set"] == label) & (t["fusion"] == fusion)].iloc[0]
                name = f"{label.split(' (')[0]} (audio only {_f(r['audio nmi'])})" if i == 0 else ""
                lines.append(f"| {name} | {fusion} | {setup} | {_f(r['lyrics nmi'])} | {_f(r['static 0.5 nmi'])} | "
                             f"{_f(r['oracle nmi'])} ({r['oracle w']:g}) | {_f(r['dynamic nmi'])} | "
                             f"{_f(r['shuffled nmi'])} | {_f(r['deg. audio: static 0.5'])} / "
                             f"{_f(r['deg. audio: dynamic'])} | {_f(r['deg. lyrics: static 0.5'])} / "
                             f"{_f(r['deg. lyrics: dynamic'])} |")
    return "\n".join(lines)


def pooled_table(runs: dict) -> str:
    """Markdown: over the sets (the set as the unit), per fusion and setup."""
    lines = ["| fusion | setup | static 0.5 | oracle | **dynamic** | shuffled | sets dynamic > static 0.5 | "
             "sets dynamic >= oracle | sets dynamic > shuffled |", "|" + " --- |" * 9]
    for fusion in FUSIONS:
        for setup, t in runs.items():
            t = t[t["fusion"] == fusion]
            n = len(t)
            lines.append(f"| {fusion} | {setup} | {_f(t['static 0.5 nmi'].mean())} | {_f(t['oracle nmi'].mean())} | "
                         f"{_f(t['dynamic nmi'].mean())} | {_f(t['shuffled nmi'].mean())} | "
                         f"{int((t['dynamic nmi'] > t['static 0.5 nmi']).sum())} of {n} | "
                         f"{int((t['dynamic nmi'] >= t['oracle nmi']).sum())} of {n} | "
                         f"{int((t['dynamic nmi'] > t['shuffled nmi']).sum())} of {n} |")
    return "\n".join(lines)


def targets_table(targets: dict) -> str:
    """Markdown: each target's passes per setup and fusion, with every set's value (difference, seeds, p)."""
    lines = []
    for setup, t in targets.items():
        t = t[t["set"].str.contains("held out")]
        lines += [f"**{setup}**", "", "| target | fusion | passes | per set |", "| --- | --- | --- | --- |"]
        for target in t["target"].unique():
            for fusion in t[t["target"] == target]["fusion"].unique():
                rows = t[(t["target"] == target) & (t["fusion"] == fusion)]
                vals = "; ".join(f"{r['set'].split(' (')[0].replace('synthetic-', '')}: {r['value']}"
                                 for _, r in rows.iterrows())
                lines.append(f"| {target} | {fusion} | **{int(rows['passes'].sum())} of {len(rows)}** | {vals} |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("candidate", help="folder of the candidate's heldout run (holds conditions.csv)")
    parser.add_argument("control", help="folder of the control's heldout run")
    parser.add_argument("--names", nargs=2, metavar=("CANDIDATE", "CONTROL"),
                        default=("semantic + re-chosen rules", "previous defaults (all blocks)"),
                        help="what the tables call the two runs")
    opts = parser.parse_args(argv)
    args = (opts.candidate, opts.control)
    cand, ctrl = (pd.read_csv(Path(a) / "conditions.csv") for a in args)
    cand, ctrl = (t[t["set"].str.contains("held out")] for t in (cand, ctrl))  # never the development set
    rows = criteria(cand, ctrl)
    for name, fusion, holds, detail in rows:
        print(f"{name:34s} {fusion:9s} {'holds' if holds else 'FAILS':6s} {detail}")
    print("all hold: switch" if all(r[2] for r in rows) else "not all hold: do not switch")
    runs = {opts.names[0]: cand, opts.names[1]: ctrl}
    print("\n" + per_set_table(runs) + "\n\n" + pooled_table(runs) + "\n")
    targets = {name: pd.read_csv(Path(a) / "targets.csv") for name, a in zip(runs, args)}
    print(targets_table(targets))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
