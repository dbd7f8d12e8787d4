"""Lyrics-level variants on development seed 0 only (the bench's lyrics-only condition, 5 clusterings, English-only
set against the five-language set, both glossed and centred, the multilingual block on the lyric as written):
adding the lexical level, the character level, and a weight on the multilingual block (a prototype: the block's
columns scaled after standardisation, not an option of the project).

    WORKBENCH_DATA_DIR=/tmp/mlgap .venv/bin/python docs/experiments/multilingual-block-2/variants_dev.py
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import numpy as np  # noqa: E402

from core.datasets.synthetic.config import SynthConfig  # noqa: E402
from core.experiments import ExperimentConfig, prepare, run_condition  # noqa: E402
from core.experiments.multilingual import synthetic_lyrics  # noqa: E402
from core.features.extract import ExtractConfig, extract_features  # noqa: E402
from core.features.levels import select_lyrics_levels  # noqa: E402
from core.features.lyrics import LyricsConfig  # noqa: E402

SEED = 0  # development seed only
LANGS = ("en", "de", "es", "fr", "pt")


def feature_sets(**lyrics):
    out = {}
    for name, langs in (("en", ("en",)), ("five", LANGS)):
        ds, _ = synthetic_lyrics(SynthConfig(seed=SEED, languages=langs))
        fs, _ = extract_features(ds, ExtractConfig(lyrics=LyricsConfig(multilingual=True, **lyrics)), n_jobs=1)
        out[name] = (ds, fs)
    return out


def score(ds, fs, levels, weights=None):
    f = select_lyrics_levels(fs, levels)
    if weights:
        x = f.lyrics.copy()
        for block, w in weights.items():
            x[:, f.lyrics_blocks[block]] *= w
        f = dataclasses.replace(f, lyrics=x)
    prep = prepare(f, ExperimentConfig(seeds=tuple(range(5))))
    return float(np.mean([run_condition(prep, "lyrics_only", s, labels=ds.labels)["nmi"] for s in range(5)]))


def row(tag, sets, levels, weights=None):
    e, m = score(*sets["en"], levels, weights), score(*sets["five"], levels, weights)
    print(f"{tag:40s} english {e:.3f}  five {m:.3f}  gap {m - e:+.3f}", flush=True)


def main():
    base = feature_sets()
    row("semantic+multilingual (last candidate)", base, ("semantic", "multilingual"))
    row("semantic+lexical+multilingual", base, ("semantic", "lexical", "multilingual"))
    for w in (0.5, 0.7, 1.4, 2.0):
        row(f"semantic+multilingual, ml weight {w}", base, ("semantic", "multilingual"), {"multilingual": w})
    row("semantic+character+multilingual", feature_sets(char_ngrams=True), ("semantic", "character", "multilingual"))
    # context, not candidates
    row("semantic+lexical (context)", base, ("semantic", "lexical"))
    row("lexical (context)", base, ("lexical",))


if __name__ == "__main__":
    main()
