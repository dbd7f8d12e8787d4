"""Per-language NMI on the development seeds, dictionary gloss against Apertium for Spanish (a diagnosis).

Track i of the English set and of the five-language set have the same genre, plan and lyric stream (only the
language differs), so one language's tracks can be compared row for row: NMI between genre and the joint
lyrics-only clustering among that language's lyrics, for the English set and the five-language set of each
engine. Development seeds only; reads the feature sets the bench stored (same WORKBENCH_DATA_DIR).

    WORKBENCH_DATA_DIR=/tmp/ap-data .venv/bin/python docs/experiments/multilingual-block-3/per_language.py
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import numpy as np  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score as nmi  # noqa: E402

DEV_SEEDS = (0, 13, 14, 15, 16, 17, 18)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, nargs="+", default=list(DEV_SEEDS))
    p.add_argument("--levels", default="semantic;semantic,multilingual")
    p.add_argument("--clusterings", type=int, default=5)
    args = p.parse_args(argv)
    if set(args.seeds) - set(DEV_SEEDS):
        raise SystemExit("diagnosis on the development seeds only")
    from core.datasets.synthetic.config import SynthConfig
    from core.experiments import ExperimentConfig, prepare
    from core.experiments.conditions import partition
    from core.experiments.multilingual import synthetic_lyrics
    from core.features.extract import ExtractConfig, extract_features
    from core.features.levels import parse_lyrics_levels, select_lyrics_levels
    from core.features.lyrics import LyricsConfig

    langs5 = ("en", "de", "es", "fr", "pt")
    table = collections.defaultdict(list)  # (levels, set) -> per seed {lang: nmi}
    for seed in args.seeds:
        ds_en, _ = synthetic_lyrics(SynthConfig(seed=seed, languages=("en",)))
        ds_ml, true_lang = synthetic_lyrics(SynthConfig(seed=seed, languages=langs5))
        y = np.asarray(ds_ml.labels)
        sets = {"english": (ds_en, "dictionary"), "five, dictionary": (ds_ml, "dictionary"),
                "five, apertium": (ds_ml, "apertium")}
        for name, (ds, engine) in sets.items():
            cfg = ExtractConfig(lyrics=LyricsConfig(multilingual=True, gloss_engine=engine))
            fs, _ = extract_features(ds, cfg, n_jobs=1)
            ok = np.asarray(fs.lyrics_ok, bool)
            for spec in args.levels.split(";"):
                prep = prepare(select_lyrics_levels(fs, parse_lyrics_levels(spec)),
                               ExperimentConfig(seeds=tuple(range(args.clusterings))))
                per = collections.defaultdict(list)
                for s in range(args.clusterings):
                    idx, lab = partition(prep, "lyrics_only", s, labels=ds.labels)
                    rows = prep.keep.nonzero()[0][idx]
                    have = ok[rows]
                    for lang in langs5:
                        m = have & (true_lang[rows] == lang)
                        per[lang].append(nmi(y[rows][m], lab[m]))
                table[(spec, name)].append({k: float(np.mean(v)) for k, v in per.items()})
        print(f"seed {seed} done", flush=True)
    for spec in args.levels.split(";"):
        print(f"\n=== levels {spec}: NMI among one language's lyrics (same tracks), mean over seeds "
              f"{' '.join(map(str, args.seeds))}")
        for name in ("english", "five, dictionary", "five, apertium"):
            rows = table[(spec, name)]
            print(f"{name:17s} " + " ".join(f"{lang} {np.mean([r[lang] for r in rows]):.3f}" for lang in langs5)
                  + "   es per seed: " + " ".join(f"{r['es']:.3f}" for r in rows))


if __name__ == "__main__":
    main()
