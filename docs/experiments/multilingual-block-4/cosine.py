"""A diagnosis on the development seeds: how near each way of making a lyric English lands to English.

For every French, Portuguese and Spanish lyric of a development seed's five-language set, the mean cosine between
MiniLM's vector of its English version (FreeDict gloss; Apertium through Spanish; Apertium through Catalan, for
French and Portuguese; Spanish goes through ``spa-eng`` in both Apertium columns) and MiniLM's vector of the lyric of
the same track in the English-only set (same genre and plan, same lyric stream; not a translation of it, so this
measures how near the theme lands, not translation quality). Development seeds only.

    .venv/bin/python docs/experiments/multilingual-block-4/cosine.py 0 13 14 15 16 17 18
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from core.datasets.synthetic.config import SynthConfig  # noqa: E402
from core.experiments.multilingual import synthetic_lyrics  # noqa: E402
from core.features.lyrics import LyricsConfig, embed_lyrics, load_model  # noqa: E402
from core.features.lyrics.gloss import semantic_texts  # noqa: E402

CHAINS = {"spa": "es=spa-eng;fr=fr-es+spa-eng;pt=pt-es+spa-eng",
          "cat": "es=spa-eng;fr=fra-cat+cat-eng;pt=por-cat+cat-eng"}


def main(seeds):
    if set(seeds) - {0, 13, 14, 15, 16, 17, 18}:
        raise SystemExit("development seeds only (0, 13-18)")
    model = load_model()
    for seed in seeds:
        en, _ = synthetic_lyrics(SynthConfig(seed=seed, languages=("en",)))
        ml, lang = synthetic_lyrics(SynthConfig(seed=seed, languages=("en", "de", "es", "fr", "pt")))
        ref_all, src_all = en.tracks.lyrics.tolist(), ml.tracks.lyrics.tolist()
        for code in ("fr", "pt", "es"):
            idx = [i for i in range(len(src_all)) if lang[i] == code and isinstance(src_all[i], str)
                   and isinstance(ref_all[i], str)]
            src, ref = [src_all[i] for i in idx], [ref_all[i] for i in idx]
            outs = {"dictionary": semantic_texts(src, languages=[code] * len(src))[0]}
            for name, chains in CHAINS.items():
                os.environ["WORKBENCH_APERTIUM_CHAINS"] = chains
                outs[name] = semantic_texts(src, languages=[code] * len(src), engine="apertium")[0]
            v_ref = embed_lyrics(ref, model, LyricsConfig())
            cos = {k: float(np.mean(np.sum(v_ref * embed_lyrics(v, model, LyricsConfig()), 1)))
                   for k, v in outs.items()}
            print(f"seed {seed} {code} {len(idx)} lyrics: " + " ".join(f"{k} {c:.3f}" for k, c in cos.items()),
                  flush=True)


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0])
