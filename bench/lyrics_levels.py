"""The development-set measurement behind the first choice of ``core.features.levels.DEFAULT_LYRICS_LEVELS`` (all
blocks, kept then; the default is semantic alone since the rules were re-chosen for it): for each candidate set of
lyrics levels, fixed before looking, the objective that chose the rules ((NMI + ARI) / 2 of the dynamic condition
with the rules of that time, ``PREVIOUS_DEFAULT_RULES``, mean over concat and weighted k-means and 10 clustering
seeds; ``core.experiments.selection``), and NMI of lyrics only, static 0.5 and dynamic per fusion.

    WORKBENCH_DATA_DIR=data .venv/bin/python bench/lyrics_levels.py        # the development set, seed 0

Run it on the development set only (``data/synthetic-seed-0``, built by ``python -m core choose-rules`` or
``heldout --with-dev``): the held-out sets are for the frozen choice. Prints a table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

#: The a-priori candidates (all = semantic + lexical + stylistic on the default extraction).
CANDIDATES = {"semantic+lexical+stylistic (all)": ("semantic", "lexical", "stylistic"),
              "semantic": ("semantic",),
              "semantic+lexical": ("semantic", "lexical"),
              "semantic+stylistic": ("semantic", "stylistic")}


def main() -> int:
    from core.datasets import load_dataset
    from core.experiments import ExperimentConfig, prepare
    from core.experiments.conditions import run_condition
    from core.experiments.selection import _Objective
    from core.features.extract import extract_features
    from core.features.levels import select_lyrics_levels
    from core.paths import data_dir
    from core.rules import PREVIOUS_DEFAULT_RULES as RULES  # the rules the candidates were scored with
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", nargs="?", default=None, help="default: <data dir>/synthetic-seed-0")
    ap.add_argument("--seeds", type=int, default=10)
    args = ap.parse_args()
    ds = load_dataset(args.dataset or data_dir() / "synthetic-seed-0")
    fs, _ = extract_features(ds, n_jobs=1)
    seeds = tuple(range(args.seeds))
    print(f"{ds.name}: {ds.n_tracks} tracks; NMI means over {len(seeds)} clustering seeds")
    print(f"{'lyrics levels':34s} objective  lyrics-only  static0.5 concat/weighted  dynamic concat/weighted")
    for name, levels in CANDIDATES.items():
        p = prepare(select_lyrics_levels(fs, levels), ExperimentConfig(seeds=seeds, ruleset=RULES))
        objective = _Objective(p, ds.labels, ("concat", "weighted"), seeds)(RULES)
        nmi = {}
        for fusion in ("concat", "weighted"):
            config = p.config.with_changes(fusion=fusion)
            pf = p.with_config(config)
            for cond, w in (("lyrics_only", "lyrics_only"), ("static", 0.5), ("dynamic", RULES)):
                nmi[fusion, cond] = np.mean([run_condition(pf, w, s, ds.labels, config=config)["nmi"] for s in seeds])
        print(f"{name:34s} {objective:9.3f}  {nmi['concat', 'lyrics_only']:11.3f}  "
              f"{nmi['concat', 'static']:9.3f} / {nmi['weighted', 'static']:.3f}        "
              f"{nmi['concat', 'dynamic']:.3f} / {nmi['weighted', 'dynamic']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
