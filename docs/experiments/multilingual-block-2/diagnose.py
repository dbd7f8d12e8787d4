"""Where the five-language set loses against English (development seed 0 only): a diagnosis, not a score.

Track i of the English set and track i of the five-language set have the same genre, plan and lyric random
stream (only the language differs), so a subset of tracks (one language's) can be compared row for row.
Prints, per lyrics level choice: per-language NMI (genre vs cluster among that language's lyrics, both sets),
NMI(cluster, language) of the mixed set, per-genre F1-like recall; the gloss's misses per language (most frequent
unknown words); language identification errors; cross-language genre alignment of each block (genre centroids of
the English lyrics of the mixed set, nearest-centroid accuracy on each other language, against the within-language
leave-one-out figure).

    WORKBENCH_DATA_DIR=/tmp/mlgap .venv/bin/python docs/experiments/multilingual-block-2/diagnose.py --seed 0
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import numpy as np  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score as nmi  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--levels", default="semantic;multilingual;semantic,multilingual")
    p.add_argument("--clusterings", type=int, default=5)
    args = p.parse_args(argv)
    if args.seed != 0:
        raise SystemExit("diagnosis on the development seed only")
    from core.datasets.synthetic.config import SynthConfig
    from core.experiments import ExperimentConfig, prepare
    from core.experiments.conditions import partition
    from core.experiments.multilingual import synthetic_lyrics
    from core.features.extract import ExtractConfig, extract_features
    from core.features.levels import parse_lyrics_levels, select_lyrics_levels
    from core.features.lyrics import LyricsConfig, dictionaries
    from core.features.lyrics.gloss import _WORD, lookup

    langs5 = ("en", "de", "es", "fr", "pt")
    ds_en, _ = synthetic_lyrics(SynthConfig(seed=args.seed, languages=("en",)))
    ds_ml, true_lang = synthetic_lyrics(SynthConfig(seed=args.seed, languages=langs5))
    cfg = ExtractConfig(lyrics=LyricsConfig(gloss=True, multilingual=True))
    fs_en, _ = extract_features(ds_en, cfg, n_jobs=1)
    fs_ml, _ = extract_features(ds_ml, cfg, n_jobs=1)
    y = np.asarray(ds_ml.labels)
    ok = np.asarray(fs_ml.lyrics_ok, bool)
    assert (np.asarray(ds_en.labels) == y).all() and (np.asarray(fs_en.lyrics_ok, bool) == ok).all()

    # language identification and gloss coverage
    from core.features.lyrics.gloss import semantic_texts
    texts = ds_ml.tracks["lyrics"].tolist()
    _, rep = semantic_texts([t if isinstance(t, str) and t.strip() else None for t in texts])
    ident = np.asarray(rep.languages, dtype=object)
    print("lyrics per true language:", dict(collections.Counter(true_lang[ok])))
    wrong = [(true_lang[i], ident[i]) for i in np.flatnonzero(ok) if true_lang[i] != ident[i]]
    print(f"language misidentified: {len(wrong)}", dict(collections.Counter(wrong)))
    print("known share per language:", {k: round(v, 3) for k, v in rep.known_share.items()})
    for lang in langs5[1:]:
        words = dictionaries.word_map(lang)
        miss, tot = collections.Counter(), 0
        for i in np.flatnonzero(ok & (true_lang == lang)):
            for w in _WORD.findall(texts[i].lower()):
                tot += 1
                if lookup(w, words, lang) is None:
                    miss[w] += 1
        print(f"  {lang}: {sum(miss.values())} of {tot} word tokens unknown ({len(miss)} types); top:",
              ", ".join(f"{w} {n}" for w, n in miss.most_common(25)))
    # what a glossed line looks like
    for lang in langs5[1:]:
        i = int(np.flatnonzero(ok & (true_lang == lang))[0])
        g = semantic_texts([texts[i]])[0][0]
        print(f"  {lang} example: {texts[i].splitlines()[0]!r} -> {g.splitlines()[0]!r}")

    seeds = tuple(range(args.clusterings))
    for spec in args.levels.split(";"):
        levels = parse_lyrics_levels(spec)
        print(f"\n=== levels {spec}")
        res = {}
        for name, fs in (("english", fs_en), ("five", fs_ml)):
            f = select_lyrics_levels(fs, levels)
            prep = prepare(f, ExperimentConfig(seeds=seeds))
            per_lang = collections.defaultdict(list)
            lang_nmi, allcov = [], []
            conf = np.zeros((len(np.unique(y)), ), float)
            for s in seeds:
                idx, lab = partition(prep, "lyrics_only", s, labels=ds_ml.labels)
                rows = prep.keep.nonzero()[0][idx]
                have = ok[rows]
                allcov.append(nmi(y[rows][have], lab[have]))
                lang_nmi.append(nmi(true_lang[rows][have], lab[have]))
                for lang in langs5:
                    m = have & (true_lang[rows] == lang)
                    per_lang[lang].append(nmi(y[rows][m], lab[m]))
                # per genre: share of a genre's lyrics in its majority cluster
                for gi, g in enumerate(np.unique(y)):
                    m = have & (y[rows] == g)
                    if m.sum():
                        conf[gi] += np.bincount(lab[m]).max() / m.sum() / len(seeds)
            res[name] = (np.mean(allcov), {k: np.mean(v) for k, v in per_lang.items()}, np.mean(lang_nmi), conf)
            print(f"{name:8s} NMI among lyrics {np.mean(allcov):.3f}; per language (same tracks): "
                  + " ".join(f"{k} {np.mean(v):.3f}" for k, v in per_lang.items())
                  + f"; NMI(cluster, language) {np.mean(lang_nmi):.3f}")
        gen = np.unique(y)
        print("genre majority share english/five:", " ".join(
            f"{g} {a:.2f}/{b:.2f}" for g, a, b in zip(gen, res["english"][3], res["five"][3])))

    # cross-language alignment of each block (after standardising and centring, before PCA)
    print("\n=== alignment: nearest genre centroid (cosine) on each block, mixed set")
    for block in [b for b in ("semantic", "lexical", "multilingual") if b in fs_ml.lyrics_blocks]:
        x = fs_ml.lyrics[:, fs_ml.lyrics_blocks[block]].astype(np.float64)
        xe = fs_en.lyrics[:, fs_en.lyrics_blocks[block]].astype(np.float64)
        out = []
        for lang in langs5:
            src = ok & (true_lang == "en")
            m = ok & (true_lang == lang)
            out.append(f"{lang}: en-centroids {_ncc(x, y, src, m):.2f} own-LOO {_ncc(x, y, m, m):.2f}"
                       f" (english set same tracks own-LOO {_ncc(xe, y, m, m):.2f})")
        print(f"{block:13s}", " | ".join(out))


def _ncc(x, y, train, test):
    """Accuracy of nearest genre centroid (cosine), centroids from ``train`` rows (leave-one-out when the
    same rows are tested)."""
    xs = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    genres = np.unique(y[train])
    hits = 0
    for i in np.flatnonzero(test):
        cents = []
        for g in genres:
            m = train & (y == g)
            if train[i] and y[i] == g:
                m = m.copy()
                m[i] = False
            c = xs[m].mean(axis=0)
            cents.append(c / max(np.linalg.norm(c), 1e-12))
        hits += genres[int(np.argmax(np.array(cents) @ xs[i]))] == y[i]
    return hits / max(int(test.sum()), 1)


if __name__ == "__main__":
    main()
