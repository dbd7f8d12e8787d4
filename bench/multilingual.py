"""Lyrics-only NMI of a multilingual synthetic set against the English-only set of the same size (issue 16,
item 4), with and without the dictionary gloss of the semantic level.

For each generator seed: the v2 set's lyrics (default configuration: 10 genres x 40 tracks; no audio is
rendered, :func:`core.experiments.multilingual.synthetic_lyrics`), written once in English only and once in
``--languages`` (spread evenly over each genre's tracks), each clustered lyrics-only (the ablation's
``lyrics_only`` condition, k = genres, 80 % subsamples) over ``--clusterings`` seeds. Prints the mean
NMI per condition and seed, the gap multilingual - English, and whether it is within ``--margin``.
Figures are printed, nothing is asserted.

``--texts`` instead measures the hand-written test texts (``tests/multilingual_lyrics.py``: sea and war
lyrics, 10 a language): theme NMI of k-means (k = 2) on the semantic level of a mixed set, untranslated and
glossed, against an English set of the same size.

Usage::

    WORKBENCH_DATA_DIR=/tmp/ml .venv/bin/python bench/multilingual.py                 # seeds 0 1 2 3
    WORKBENCH_DATA_DIR=/tmp/ml .venv/bin/python bench/multilingual.py --lyrics-levels semantic
    .venv/bin/python bench/multilingual.py --seeds 0 --tracks 20 --json out.json     # quicker
    .venv/bin/python bench/multilingual.py --texts                                    # the test texts
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3], help="generator seeds (0 = dev)")
    p.add_argument("--languages", default="en,de,es,fr,pt")
    p.add_argument("--tracks", type=int, default=40, help="tracks per genre")
    p.add_argument("--clusterings", type=int, default=5, help="clustering seeds per condition")
    p.add_argument("--char-ngrams", action="store_true", help="add the character 2-5-gram block")
    p.add_argument("--multilingual", action="store_true",
                   help="add the multilingual block (USE multilingual v3 on each lyric as written)")
    p.add_argument("--multilingual-input", default="written", choices=("written", "gloss", "both"),
                   help="what the multilingual block reads: the lyric as written (default), its gloss, or both")
    p.add_argument("--gloss-engine", default="dictionary", choices=("dictionary", "apertium"),
                   help="how glossed lyrics become English: FreeDict word by word (default), or Apertium machine "
                        "translation for Spanish (apertium-eng-spa; the other languages keep the dictionary gloss; French "
                        "and Portuguese through a pivot pair with WORKBENCH_APERTIUM_CHAINS, see "
                        "core/features/lyrics/apertium.py)")
    p.add_argument("--no-controls", action="store_true",
                   help="run only the English-only and the glossed multilingual conditions (skip the untranslated "
                        "set and the English set with glossing on)")
    p.add_argument("--lyrics-levels", default="",
                   help="cluster only these lyrics levels, e.g. 'semantic' (default: every extracted level)")
    p.add_argument("--margin", type=float, default=0.02)
    p.add_argument("--json", help="write every figure to this file")
    p.add_argument("--texts", action="store_true", help="measure the hand-written test texts instead")
    args = p.parse_args(argv)
    if args.texts:
        return _texts()

    from core.datasets.synthetic.config import SynthConfig
    from core.experiments.multilingual import lyrics_only_scores, synthetic_lyrics
    from core.features.extract import ExtractConfig
    from core.features.lyrics import LyricsConfig
    from core.features.levels import parse_lyrics_levels
    from core.features.lyrics.dictionaries import available

    levels = parse_lyrics_levels(args.lyrics_levels) if args.lyrics_levels else None
    langs = tuple(args.languages.split(","))
    seeds = tuple(range(args.clusterings))
    print(f"dictionaries installed: {', '.join(available()) or 'none'}")
    rows = []
    for seed in args.seeds:
        base = SynthConfig(seed=seed, tracks_per_genre=args.tracks)
        conds = [("english", ("en",), False), ("multi, no gloss", langs, False), ("multi, gloss", langs, True),
                 ("english, gloss on", ("en",), True)]
        if args.no_controls:
            conds = [c for c in conds if c[0] in ("english", "multi, gloss")]
        out = {"seed": seed}
        for name, lang, gloss in conds:
            t0 = time.perf_counter()
            ds, _ = synthetic_lyrics(SynthConfig(**{**base.__dict__, "languages": lang}))
            cfg = ExtractConfig(lyrics=LyricsConfig(gloss=gloss, char_ngrams=args.char_ngrams,
                                                    multilingual=args.multilingual,
                                                    multilingual_input=args.multilingual_input,
                                                    gloss_engine=args.gloss_engine))
            res = lyrics_only_scores(ds, cfg, seeds=seeds, lyrics_levels=levels)
            out[name] = float(np.mean(res["nmi"]))
            out[name + " (covered)"] = float(np.mean(res["nmi_covered"]))
            out[name + " per clustering"] = res["nmi"]
            msg = res["meta"].get("semantic_languages", {}).get("message", "")
            print(f"seed {seed} {name:18s} NMI {out[name]:.3f} (with lyrics only {out[name + ' (covered)']:.3f}) "
                  f"[{int(ds.tracks.lyrics.notna().sum())} lyrics, {time.perf_counter() - t0:.0f} s] {msg}",
                  flush=True)
        out["gloss engine"] = args.gloss_engine
        out["gap, no gloss"] = out.get("multi, no gloss", np.nan) - out["english"]
        out["gap, gloss"] = out["multi, gloss"] - out["english"]
        out["english identical with gloss on"] = out.get("english, gloss on per clustering",
                                                         out["english per clustering"]) == out["english per clustering"]
        rows.append(out)

    print(f"\nlyrics-only NMI, mean of {len(seeds)} clusterings; languages {'+'.join(langs)}; "
          f"{args.tracks} tracks per genre; lyrics levels {'+'.join(levels) if levels else 'all extracted'}; "
          f"gloss engine {args.gloss_engine}; target: gap >= -{args.margin}")
    print(f"{'seed':>4} {'english':>8} {'multi':>8} {'multi+gloss':>12} {'gap':>7} {'gap+gloss':>10} met")
    for r in rows:
        print(f"{r['seed']:>4} {r['english']:8.3f} {r.get('multi, no gloss', np.nan):8.3f} {r['multi, gloss']:12.3f} "
              f"{r['gap, no gloss']:+7.3f} {r['gap, gloss']:+10.3f} {'yes' if r['gap, gloss'] >= -args.margin else 'no'}"
              f"{'' if r['english identical with gloss on'] else '  (english changed with gloss on!)'}")
    if len(rows) > 1:
        m = {k: float(np.mean([r.get(k, np.nan) for r in rows]))
             for k in ("english", "multi, no gloss", "multi, gloss", "gap, no gloss", "gap, gloss")}
        print(f"mean {m['english']:8.3f} {m['multi, no gloss']:8.3f} {m['multi, gloss']:12.3f} "
              f"{m['gap, no gloss']:+7.3f} {m['gap, gloss']:+10.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))  # NaN (a skipped control) is written as NaN
    return 0


def _texts() -> int:
    import tempfile

    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score

    from core.features.cache import FeatureCache
    from core.features.extract import ExtractConfig, extract_features
    from core.features.lyrics import LyricsConfig
    from core.tracks import Dataset
    from tests.multilingual_lyrics import make_lyrics

    cache = FeatureCache(Path(tempfile.mkdtemp()))

    def nmi(texts, themes, gloss):
        tracks = pd.DataFrame({"track_id": [f"t{i:03d}" for i in range(len(texts))], "audio_path": None,
                               "lyrics": texts, "lyrics_path": None})
        ds = Dataset(name="texts", kind="manifest", root=Path("."), tracks=tracks, has_lyrics=True)
        fs, _ = extract_features(ds, ExtractConfig(lyrics=LyricsConfig(gloss=gloss)), cache=cache, n_jobs=1)
        x = fs.lyrics[:, fs.lyrics_blocks["semantic"]]
        return normalized_mutual_info_score(themes, KMeans(2, n_init=10, random_state=0).fit_predict(x))

    print("theme NMI, k-means k = 2 on the semantic level; 10 lyrics a language (5 sea, 5 war)")
    for langs in (("de", "es", "fr", "en"), ("de", "es", "fr", "pt", "it", "en")):
        texts, themes = [], []
        for j, lang in enumerate(langs):
            t, th = make_lyrics(lang, per_theme=5, seed=j, theme_every=2)
            texts += t
            themes += list(th)
        en, en_th = make_lyrics("en", per_theme=5 * len(langs), seed=0, theme_every=2)
        e, off, on = nmi(en, en_th, True), nmi(texts, np.array(themes), False), nmi(texts, np.array(themes), True)
        print(f"{'+'.join(langs):18s} ({len(texts)} lyrics): english {e:.2f}  mixed untranslated {off:.2f}  "
              f"mixed glossed {on:.2f}  gap {on - e:+.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
