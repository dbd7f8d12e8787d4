"""Development figures for the fourth attempt (Apertium pivots for French and Portuguese): which pivot per language.

For each development seed (0, 13-18 only; refuses others): the English-only set (gloss off, as the bench's
"english" condition) and the five-language set (en, de, es, fr, pt) under five Apertium chain maps
(``WORKBENCH_APERTIUM_CHAINS``, set in this process between extractions; the chains are part of the cache key):

- ``control``: Spanish only (``es=spa-eng``, the engine of the third attempt);
- ``fr spa / pt spa``, ``fr cat / pt cat``, ``fr spa / pt cat``, ``fr cat / pt spa``: Spanish as the control, French
  and Portuguese through the Spanish pivot (``fr-es>spa-eng``, ``pt-es>spa-eng``) or the Catalan one
  (``fra-cat>cat-eng``, ``por-cat>cat-eng``).

For each lyrics-level choice (semantic + multilingual; semantic alone): the bench's figure (lyrics-only NMI, mean of
5 clusterings, :func:`core.experiments.run_condition`, as ``bench/multilingual.py``), the gap to the English-only
set, and per language the NMI between genre and the clustering among that language's lyrics (same tracks in the
English set: as ``multilingual-block-3/per_language.py``). Everything goes to ``--json``.

    WORKBENCH_DATA_DIR=/tmp/ap2-dev nice -n 10 .venv/bin/python docs/experiments/multilingual-block-4/dev.py \
        --json docs/experiments/multilingual-block-4/dev.json

``--fresh --seeds 26 27 28`` gives the per-language report on the fresh seeds, for the control and the candidate
only (:data:`core.features.lyrics.apertium.PIVOT_CHAINS`, which was ``CHAINS`` when it ran), after the bench runs of
``criteria.md`` (same cache, same keys).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import numpy as np  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score as nmi  # noqa: E402

DEV_SEEDS = (0, 13, 14, 15, 16, 17, 18)
FRESH_SEEDS = (26, 27, 28)
LANGS5 = ("en", "de", "es", "fr", "pt")
PIV = {"fr": {"spa": "fr-es+spa-eng", "cat": "fra-cat+cat-eng"},
       "pt": {"spa": "pt-es+spa-eng", "cat": "por-cat+cat-eng"}}
VARIANTS = {"control": "es=spa-eng"}
for _f in ("spa", "cat"):
    for _p in ("spa", "cat"):
        VARIANTS[f"fr {_f} / pt {_p}"] = f"es=spa-eng;fr={PIV['fr'][_f]};pt={PIV['pt'][_p]}"


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, nargs="+", default=list(DEV_SEEDS))
    p.add_argument("--levels", default="semantic,multilingual;semantic")
    p.add_argument("--clusterings", type=int, default=5)
    p.add_argument("--json")
    p.add_argument("--fresh", action="store_true",
                   help="the per-language report on fresh seeds 26-28, after the bench runs of criteria.md: the "
                        "control and the candidate (PIVOT_CHAINS; CHAINS when it ran, at 3957f1a) only")
    args = p.parse_args(argv)
    variants = dict(VARIANTS)
    if args.fresh:
        if set(args.seeds) - set(FRESH_SEEDS):
            raise SystemExit("--fresh: seeds 26, 27, 28 only")
        from core.features.lyrics.apertium import PIVOT_CHAINS
        variants = {"control": VARIANTS["control"], "candidate": PIVOT_CHAINS}
    elif set(args.seeds) - set(DEV_SEEDS):
        raise SystemExit("development seeds only (0, 13-18)")
    from core.datasets.synthetic.config import SynthConfig
    from core.experiments import ExperimentConfig, prepare, run_condition
    from core.experiments.conditions import partition
    from core.experiments.multilingual import synthetic_lyrics
    from core.features.extract import ExtractConfig, extract_features
    from core.features.levels import parse_lyrics_levels, select_lyrics_levels
    from core.features.lyrics import LyricsConfig

    specs = args.levels.split(";")
    seeds = tuple(range(args.clusterings))
    rows = []
    for seed in args.seeds:
        t0 = time.perf_counter()
        ds_en, _ = synthetic_lyrics(SynthConfig(seed=seed, languages=("en",)))
        ds_ml, true_lang = synthetic_lyrics(SynthConfig(seed=seed, languages=LANGS5))
        y = np.asarray(ds_ml.labels)
        sets = {"english": (ds_en, None)}
        sets.update({name: (ds_ml, chains) for name, chains in variants.items()})
        row = {"seed": seed}
        for name, (ds, chains) in sets.items():
            os.environ["WORKBENCH_APERTIUM_CHAINS"] = chains or "es=spa-eng"
            cfg = ExtractConfig(lyrics=LyricsConfig(multilingual=True, gloss=chains is not None,
                                                    gloss_engine="apertium"))
            fs, _ = extract_features(ds, cfg, n_jobs=1)
            ok = np.asarray(fs.lyrics_ok, bool)
            sem = fs.meta.get("semantic_languages", {})
            row[name] = {"message": sem.get("message", ""), "known_share": sem.get("known_share", {}),
                         "engines": sem.get("engines", {})}
            for spec in specs:
                prep = prepare(select_lyrics_levels(fs, parse_lyrics_levels(spec)), ExperimentConfig(seeds=seeds))
                overall, per = [], collections.defaultdict(list)
                for s in seeds:
                    overall.append(float(run_condition(prep, "lyrics_only", s, labels=ds.labels)["nmi"]))
                    idx, lab = partition(prep, "lyrics_only", s, labels=ds.labels)
                    rws = prep.keep.nonzero()[0][idx]
                    have = ok[rws]
                    for lang in LANGS5:
                        m = have & (true_lang[rws] == lang)
                        per[lang].append(nmi(y[rws][m], lab[m]))
                row[name][spec] = {"nmi": float(np.mean(overall)), "per clustering": overall,
                                   "per language": {k: float(np.mean(v)) for k, v in per.items()}}
        for spec in specs:
            for name in variants:
                row[name][spec]["gap"] = row[name][spec]["nmi"] - row["english"][spec]["nmi"]
        rows.append(row)
        print(f"seed {seed} done in {time.perf_counter() - t0:.0f} s: " + "; ".join(
            f"{name} {row[name][specs[0]]['gap']:+.3f}" for name in variants) + "".join(
            f"  [{row[name]['message']}]" for name in variants if name != "control"), flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1))
    for spec in specs:
        print(f"\n=== levels {spec}: lyrics-only NMI and gap (mean over seeds {' '.join(map(str, args.seeds))})")
        print(f"{'set':20s} {'NMI':>6s} {'gap':>7s}  per seed gap")
        for name in ["english", *variants]:
            v = [r[name][spec]["nmi"] for r in rows]
            g = [r[name][spec].get("gap", 0.0) for r in rows]
            print(f"{name:20s} {np.mean(v):6.3f} {np.mean(g):+7.3f}  " + " ".join(f"{x:+.3f}" for x in g))
        print("per language (NMI among one language's lyrics, same tracks), mean over seeds")
        for name in ["english", *variants]:
            print(f"{name:20s} " + " ".join(
                f"{lang} {np.mean([r[name][spec]['per language'][lang] for r in rows]):.3f}" for lang in LANGS5))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
