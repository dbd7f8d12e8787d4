"""Audio-only clustering of a small labelled real-music set, per audio level: what the learned level buys.

The set is cut from game soundtracks that Debian packages ship (openly licensed recorded music). The label of
a clip is its package, i.e. its soundtrack: a style in the loose sense (one composer or team, one game's
mood), not a genre taxonomy. Get the packages and run::

    cd /tmp && apt-get download drascula-music hyperrogue-music planetblupi-music-ogg
    for f in *.deb; do dpkg -x "$f" /tmp/realmusic-pkgs; done
    .venv/bin/python bench/real_music.py /tmp/realmusic-pkgs --out /tmp/realmusic

One 20 s clip from the middle of each track (at most ``--per-style`` tracks a package; files that are
symlinks to the same track count once), written as WAV into ``<out>/<package>/``; features are extracted
with every level (``--jobs`` processes); then k-means with k = number of styles on the audio of each level
alone and of combinations, ``--seeds`` seeds (each k-means++ with 5 restarts on a random 80 % of the clips),
and the NMI's mean and standard deviation are printed; then the same clips through the project's own
ablation per level (standardised, block-balanced, reduced to the embedding width, as ``python -m core
ablate`` reports them). Nothing here is tuned to this set.

``--patches 1,2,3,all`` then repeats the learned level with at most N 3 s patches a clip (evenly spaced;
``all``: every whole patch, 6 for a 20 s clip) and prints learned-alone and all-four NMI per N, with the
seconds the learned-only extraction took (the hand-crafted levels come from the cache)::

    .venv/bin/python bench/real_music.py /tmp/realmusic-pkgs --out /tmp/realmusic --patches 1,2,3,all
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

#: package -> folder inside the extracted packages that holds its music
SOURCES = {"drascula-music": "usr/share/scummvm/drascula/audio",
           "hyperrogue-music": "usr/share/hyperrogue/music",
           "planetblupi-music-ogg": "usr/share/planetblupi/music"}


def build(pkgs: Path, out: Path, per_style: int, seconds: float) -> Path:
    import soundfile as sf
    for pkg, sub in SOURCES.items():
        tracks = sorted({p.resolve() for p in (pkgs / sub).glob("*.ogg")})[:per_style]
        (out / pkg).mkdir(parents=True, exist_ok=True)
        for t in tracks:
            dest = out / pkg / f"{t.stem}.wav"
            if dest.exists():
                continue
            with sf.SoundFile(str(t)) as f:
                n = int(seconds * f.samplerate)
                f.seek(max(0, (f.frames - n) // 2))
                y = f.read(n, dtype="float32", always_2d=True).mean(axis=1)
                sf.write(dest, y, f.samplerate)
    return out


def nmi_per_levels(fs, labels, combos: dict, seeds: int) -> dict:
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score
    ok = fs.audio_ok
    y = np.asarray(labels)[ok]
    k = len(set(y))
    out = {}
    for name, levels in combos.items():
        cols = [c for lv in levels for c in fs.audio_blocks[lv]]
        X = fs.audio[ok][:, cols].astype(np.float64)
        scores = []
        for s in range(seeds):
            rng = np.random.default_rng(s)
            idx = rng.choice(len(y), int(round(0.8 * len(y))), replace=False)
            lab = KMeans(k, n_init=5, random_state=s).fit_predict(X[idx])
            scores.append(normalized_mutual_info_score(y[idx], lab))
        out[name] = (float(np.mean(scores)), float(np.std(scores)))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("packages", help="folder the .deb packages were extracted into (dpkg -x)")
    ap.add_argument("--out", default="/tmp/realmusic", help="where the clips go (default /tmp/realmusic)")
    ap.add_argument("--per-style", type=int, default=12, help="tracks per package (default 12)")
    ap.add_argument("--seconds", type=float, default=20.0, help="clip length, s (default 20)")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--model", default="MTT_musicnn")
    ap.add_argument("--patches", default=None, metavar="N,N,...",
                    help="also measure NMI with at most N patches a clip for the learned level ('all': every one)")
    args = ap.parse_args(argv)

    from core.datasets import load_dataset
    from core.features.extract import ExtractConfig, extract_features
    from core.features.levels import audio_config_for
    root = build(Path(args.packages), Path(args.out), args.per_style, args.seconds)
    ds = load_dataset(root)
    print(f"{ds.n_tracks} clips: " + ", ".join(f"{g} {n}" for g, n in ds.summary()["genres"].items()))
    config = ExtractConfig(audio=audio_config_for(("low", "mid", "high", "learned"), args.model))
    fs, rep = extract_features(ds, config, n_jobs=args.jobs)
    print(f"features: {rep.audio_extracted} extracted, {rep.audio_cached} cached, {rep.seconds:.0f} s")
    combos = {"low": ("low",), "mid": ("mid",), "high": ("high",), "low+mid+high": ("low", "mid", "high"),
              "learned": ("learned",), "all four": ("low", "mid", "high", "learned")}
    res = nmi_per_levels(fs, ds.labels, combos, args.seeds)
    print(f"audio-only k-means NMI, {args.seeds} seeds x 80 % subsamples, k = {len(set(ds.labels))}:")
    for name, (m, s) in res.items():
        print(f"  {name:14s} {m:.3f} +/- {s:.3f}")
    hand = res["low+mid+high"][0]
    print(f"learned / hand-crafted = {res['learned'][0] / max(hand, 1e-9):.2f}x; "
          f"all four / hand-crafted = {res['all four'][0] / max(hand, 1e-9):.2f}x")
    # The same clips through the project's own ablation (what `python -m core ablate` prints per level):
    # prepare() standardises, balances and reduces each level to its embedding width before k-means.
    from core.experiments.audio_levels import HAND_CRAFTED, audio_level_ablation, format_audio_levels
    from core.experiments.config import ExperimentConfig
    cfg = ExperimentConfig(seeds=tuple(range(args.seeds)))
    summary, _ = audio_level_ablation(fs, ds.labels, cfg, hand_crafted=True)
    print("through the project's ablation (prepare + k-means, as `ablate` reports per level):")
    print(format_audio_levels(summary, metrics=("nmi", "ari")))
    nmi = lambda s, lv: float(s[(s.level == lv) & (s.metric == "nmi")]["mean"].iloc[0])  # noqa: E731
    h = nmi(summary, HAND_CRAFTED)
    print(f"  learned / hand-crafted = {nmi(summary, 'learned') / h:.2f}x; "
          f"all four / hand-crafted = {nmi(summary, 'all levels') / h:.2f}x")
    if args.patches:
        print(f"NMI against the learned level's patches a clip (same {args.seeds} seeds):")
        print("  patches  learned          all four         extraction s (learned only)")
        for text in args.patches.split(","):
            n = None if text.strip() == "all" else int(text)
            cfg = ExtractConfig(audio=audio_config_for(("low", "mid", "high", "learned"), args.model, n))
            fs_n, rep_n = extract_features(ds, cfg, n_jobs=args.jobs)
            r = nmi_per_levels(fs_n, ds.labels, {"learned": ("learned",), "all four": combos["all four"]}, args.seeds)
            print(f"  {text.strip():7s}  {r['learned'][0]:.3f} +/- {r['learned'][1]:.3f}  "
                  f"{r['all four'][0]:.3f} +/- {r['all four'][1]:.3f}  {rep_n.seconds:.0f}")


if __name__ == "__main__":
    main()
