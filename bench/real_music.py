"""Audio-only clustering of labelled real music, per audio level: what the learned level buys.

The sets are cut from game soundtracks that Debian packages ship (openly licensed recorded music, and
tracker modules rendered to audio). The label of a clip is its package, i.e. its soundtrack: a style in
the loose sense (one composer or team, one game's mood), not a genre taxonomy. The sets come from
**disjoint** packages: ``dev``, on which the learned level's open choices are made, and ``heldout`` and
``heldout2``, on which a frozen choice is reported once (:data:`SOURCES`). Get the packages and run::

    PKGS=$(.venv/bin/python bench/real_music.py --list dev heldout)
    mkdir -p /tmp/realmusic-debs && (cd /tmp/realmusic-debs && apt-get download $PKGS)
    for f in /tmp/realmusic-debs/*.deb; do dpkg -x "$f" /tmp/realmusic-pkgs; done
    apt-get install openmpt123          # renders the tracker modules (heroes-sound-tracks, pingus-data)
    .venv/bin/python bench/real_music.py /tmp/realmusic-pkgs --group dev --model MTT_musicnn
    .venv/bin/python bench/real_music.py /tmp/realmusic-pkgs --group dev --model MSD_musicnn
    .venv/bin/python bench/real_music.py /tmp/realmusic-pkgs --group heldout --model MTT_musicnn

``heldout2`` (``--list heldout2`` names its packages; every track of them is recorded audio or a module) was
added for the choice of the learned layer (``--learned-layer penultimate|midend|both``, the extractor's option of
that name). ``--learned-layer both --variants V,...`` compares column subsets of the "both" block
(:data:`VARIANTS`, each rescaled to its own block width, so it is the block that layer's extraction gives)
instead of printing the per-level report; docs/experiments/learned-layer/ holds that experiment.
``heldout3`` was added for the learned block's weight and patch count (``--mix LAYER/wW/pN,...`` or
``--mix grid``: the "both" block at N patches, cut to a layer, weighted w against one hand-crafted level by
``core.features.levels.weight_learned_block``); docs/experiments/learned-mix/ holds that experiment.

One 20 s clip from the middle of each track (the first ``--per-style`` tracks of a package in name order,
tracks shorter than ``--min-seconds`` skipped as jingles, files that are symlinks to the same track counted
once), written as WAV into ``<out>/<group>/<package>/``; a module (.mod, .xm, .it, .s3m) is first rendered
once through with ``openmpt123`` (44.1 kHz, mono). Features are extracted with every level (``--jobs``
processes); then k-means with k = number of styles on the audio of each level alone and of combinations,
``--seeds`` seeds (each k-means++ with 5 restarts on a random 80 % of the clips), and the NMI's mean and
standard deviation are printed; then the same clips through the project's own ablation per level
(standardised, block-balanced, reduced to the embedding width, as ``python -m core ablate`` reports them).
Nothing here is tuned to either set.

``--patches 1,2,3,all`` then repeats the learned level with at most N 3 s patches a clip (evenly spaced;
``all``: every whole patch, 6 for a 20 s clip) and prints learned-alone and all-four NMI per N, with the
seconds the learned-only extraction took (the hand-crafted levels come from the cache).

**Decision rule, written before the held-out run** (2026-12-06): the model (MTT_musicnn or MSD_musicnn) is
the one with the higher all-four NMI through the ablation on ``dev``. The learned level goes on by default
only if, with that model, all four levels beat low+mid+high through the ablation by more than one pooled
standard deviation (sqrt of the mean of the two variances over the seeds) on ``dev`` AND on ``heldout``
(the line "all four - low+mid+high ... YES"), and first-run extraction stays within 2x the hand-crafted
cost. Otherwise it stays off. The plain k-means rows and the tag / penultimate split are reported, not used.
Outcome (README, "Learned audio level"): MTT_musicnn chosen; +0.033 NMI on dev and +0.013 on held out, each
under one pooled std, so the level stays off. The layer was chosen later on dev the same way, and checked on
``heldout`` and ``heldout2`` against criteria written before (docs/experiments/learned-layer/).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

#: group -> package -> folder inside the extracted packages that holds its music. The groups share no
#: package (nor a game); they were fixed before any clip of the new packages was clustered.
SOURCES = {
    "dev": {"drascula-music": "usr/share/scummvm/drascula/audio",
            "hyperrogue-music": "usr/share/hyperrogue/music",
            "planetblupi-music-ogg": "usr/share/planetblupi/music",
            "colobot-common-sounds": "usr/share/games/colobot/music",
            "fillets-ng-data": "usr/share/games/fillets-ng/music",
            "starfighter-data": "usr/share/starfighter/music",
            "pushover-data": "usr/share/pushover/themes",
            "heroes-sound-tracks": "usr/share/games/heroes/mod"},
    "heldout": {"marsshooter-data": "usr/share/games/marsshooter/audio/music",
                "ardentryst": "usr/share/games/ardentryst/Music",
                "pingus-data": "usr/share/games/pingus/data/music",
                "amoebax-data": "usr/share/games/amoebax/music",
                "plee-the-bear-data": "usr/share/games/plee-the-bear/music",
                "extremetuxracer-data": "usr/share/games/etr/music",
                "xmoto-data": "usr/share/games/xmoto/Textures/Musics"},
    # Fixed on 2026-12-07 before any of its clips was clustered: Debian main packages in neither group above
    # (nor the same game), each with at least 6 music tracks of 10 s or more in a folder of music alone
    # (tracks counted and their lengths read, nothing else looked at), no file shared with another package.
    "heldout2": {"hedgewars-data": "usr/share/games/hedgewars/Data/Music",
                 "warmux-data": "usr/share/games/warmux/music/ingame",
                 "freedroidrpg-data": "usr/share/freedroidrpg/data/sound/music",
                 "flare-game": "usr/share/games/flare/mods/fantasycore/music",
                 "enigma-data": "usr/share/games/enigma/music/game",
                 "biniax2-data": "usr/share/games/biniax2/music",
                 "bomberclone-data": "usr/share/games/bomberclone/music"},
    # Fixed on 2026-12-07 before any of its clips was clustered (docs/experiments/learned-mix/): Debian main
    # packages in none of the groups above (nor the same game) and none of those excluded by the task
    # (wesnoth-1.16-music, fretsonfire-songs-*, widelands-data, nexuiz-music, singularity-music,
    # warzone2100-music, openclonk-data, supertux-data, tecnoballz-data, cheesecutter), each with at least 6
    # music tracks of 10 s or more in its music folder (tracks counted and their lengths read, nothing else);
    # adonthell-data's folder also holds two short UI sounds (under 1 s), skipped as jingles like any track
    # under --min-seconds.
    "heldout3": {"supertuxkart-data": "usr/share/games/supertuxkart/data/music",
                 "naev-data": "usr/share/naev/dat/snd/music",
                 "btanks-data": "usr/share/games/btanks/data/tunes",
                 "freecol": "usr/share/games/freecol/default/resources/music/default",
                 "lordsawar-data": "usr/share/games/lordsawar/music",
                 "adonthell-data": "usr/share/games/adonthell/games/wastesedge/audio"},
}

#: recorded audio, read as it is
AUDIO_SUFFIXES = (".ogg", ".flac", ".mp3", ".wav")
#: tracker modules, rendered to audio first
MODULE_SUFFIXES = (".mod", ".xm", ".it", ".s3m")


def render_module(path: Path, dest: Path, samplerate: int = 44100) -> None:
    """Render the tracker module ``path`` once through (no repeat) to the mono float WAV ``dest`` with
    ``openmpt123`` (Debian package of that name)."""
    exe = shutil.which("openmpt123")
    if exe is None:
        raise SystemExit(f"{path.name} is a tracker module: install openmpt123 (apt-get install openmpt123)")
    subprocess.run([exe, "--batch", "-q", "--force", "--repeat", "0", "--samplerate", str(samplerate),
                    "--channels", "1", "-o", str(dest), str(path)], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL)


def cut_middle(src: Path, dest: Path, seconds: float, min_seconds: float) -> bool:
    """Write ``seconds`` s from the middle of ``src`` (mono) to ``dest``; False (nothing written) when the
    track is shorter than ``min_seconds`` s."""
    import soundfile as sf
    with sf.SoundFile(str(src)) as f:
        if f.frames < min_seconds * f.samplerate:
            return False
        n = int(seconds * f.samplerate)
        f.seek(max(0, (f.frames - n) // 2))
        y = f.read(n, dtype="float32", always_2d=True).mean(axis=1)
        sf.write(dest, y, f.samplerate)
    return True


def build(pkgs: Path, out: Path, sources: dict, per_style: int, seconds: float, min_seconds: float) -> Path:
    """Cut the clips of ``sources`` (package -> folder under ``pkgs``, one group of :data:`SOURCES`) into
    ``out/<package>/`` (clips already there are not cut again); returns ``out``."""
    for pkg, sub in sources.items():
        folder = pkgs / sub
        if not folder.is_dir():
            raise SystemExit(f"{folder} is missing: apt-get download {pkg} and dpkg -x it into {pkgs}")
        (out / pkg).mkdir(parents=True, exist_ok=True)
        tracks = sorted({p.resolve() for p in folder.iterdir()
                         if p.suffix.lower() in AUDIO_SUFFIXES + MODULE_SUFFIXES})
        kept = 0
        for t in tracks:
            if kept >= per_style:
                break
            dest = out / pkg / f"{t.stem}.wav"
            skip = out / pkg / f".{t.stem}.short"  # remembers a track too short, so it is not re-rendered
            if dest.exists():
                kept += 1
                continue
            if skip.exists():
                continue
            if t.suffix.lower() in MODULE_SUFFIXES:
                with tempfile.TemporaryDirectory() as tmp:
                    wav = Path(tmp) / "render.wav"
                    render_module(t, wav)
                    ok = cut_middle(wav, dest, seconds, min_seconds)
            else:
                ok = cut_middle(t, dest, seconds, min_seconds)
            if ok:
                kept += 1
            else:
                skip.touch()
    return out


#: parts of the learned block by column name: "learned:tag" the 50 tag probabilities, "learned:pen" the
#: 400 pooled penultimate-layer columns
LEARNED_PARTS = {"learned:tag": ".tag.", "learned:pen": ".pen"}


def _is_pen(name: str) -> bool:
    return name.startswith("learned.pen")


def _is_mid(name: str) -> bool:
    return name.startswith("learned.mid")


def _is_tag(name: str) -> bool:
    return name.startswith("learned.tag.")


#: Variants of the learned block compared by ``--variants``, each a test on a column name of the block that
#: ``--learned-layer both`` extracts (which holds every column of the other layers, with the same values).
#: Listed before the first run on the dev set (docs/experiments/learned-layer/dev.md):
#: "penultimate" is today's block (the control), "midend" and "both" the other layers, "midend-mean" the
#: mid-end pooled over patches by the mean alone, "tags" the 50 tag probabilities alone.
VARIANTS = {
    "penultimate": lambda n: _is_pen(n) or _is_tag(n),
    "midend": lambda n: _is_mid(n) or _is_tag(n),
    "both": lambda n: True,
    "midend-mean": lambda n: (_is_mid(n) and n.endswith(".mean")) or _is_tag(n),
    "tags": _is_tag,
}


def learned_variant(fs, keep):
    """A copy of the FeatureSet ``fs`` whose learned block keeps only the columns whose names pass ``keep``
    (the other blocks unchanged, block indices renumbered), rescaled as the extractor scales a block of that
    width: the assembly standardises each column and divides a block by sqrt(its width), so the kept
    columns are multiplied by sqrt(full width / kept width) -- the values an extraction of that layer gives."""
    import dataclasses
    blocks, cols, start = {}, [], 0
    scale = np.ones(fs.audio.shape[1])
    for lv, block in fs.audio_blocks.items():
        mine = [c for c in block if lv != "learned" or keep(fs.audio_names[c])]
        if lv == "learned" and mine:
            scale[mine] = np.sqrt(len(block) / len(mine))
        blocks[lv] = list(range(start, start + len(mine)))
        cols += mine
        start += len(mine)
    idx = np.asarray(cols, dtype=int)
    audio = (fs.audio[:, idx] * scale[idx]).astype(fs.audio.dtype)
    return dataclasses.replace(fs, audio=np.ascontiguousarray(audio),
                               audio_names=[fs.audio_names[i] for i in idx], audio_blocks=blocks)


def _columns(fs, levels) -> list:
    cols = []
    for lv in levels:
        if lv in LEARNED_PARTS:
            cols += [c for c in fs.audio_blocks["learned"] if LEARNED_PARTS[lv] in fs.audio_names[c]]
        else:
            cols += list(fs.audio_blocks[lv])
    return cols


def beats(a: tuple, b: tuple) -> str:
    """The decision rule's test: is mean ``a`` above mean ``b`` by more than their pooled std?"""
    pooled = float(np.sqrt((a[1] ** 2 + b[1] ** 2) / 2))
    return f"{a[0] - b[0]:+.3f} vs pooled std {pooled:.3f}: {'YES' if a[0] - b[0] > pooled else 'no'}"


def nmi_per_levels(fs, labels, combos: dict, seeds: int) -> dict:
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score
    ok = fs.audio_ok
    y = np.asarray(labels)[ok]
    k = len(set(y))
    out = {}
    for name, levels in combos.items():
        cols = _columns(fs, levels)
        X = fs.audio[ok][:, cols].astype(np.float64)
        scores = []
        for s in range(seeds):
            rng = np.random.default_rng(s)
            idx = rng.choice(len(y), int(round(0.8 * len(y))), replace=False)
            lab = KMeans(k, n_init=5, random_state=s).fit_predict(X[idx])
            scores.append(normalized_mutual_info_score(y[idx], lab))
        out[name] = (float(np.mean(scores)), float(np.std(scores)))
    return out


def compare_variants(fs, labels, variants: list, seeds: int) -> dict:
    """Print, per variant of :data:`VARIANTS`, the audio-only NMI of the learned block alone and of all four
    levels, by plain k-means and through the project's ablation, with the ratios to low+mid+high and the
    decision rule's test (all four - low+mid+high > pooled std); returns {variant: {row: (mean, std)}}."""
    from core.experiments.audio_levels import HAND_CRAFTED, audio_level_ablation
    from core.experiments.config import ExperimentConfig
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variant(s) {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    cfg = ExperimentConfig(seeds=tuple(range(seeds)))
    out = {}
    for v in variants:
        fv = learned_variant(fs, VARIANTS[v])
        plain = nmi_per_levels(fv, labels, {"low+mid+high": ("low", "mid", "high"), "learned": ("learned",),
                                            "all four": ("low", "mid", "high", "learned")}, seeds)
        summary, _ = audio_level_ablation(fv, labels, cfg, hand_crafted=True)
        row = lambda lv: tuple(summary[(summary.level == lv) & (summary.metric == "nmi")][["mean", "std"]]  # noqa: E731
                               .iloc[0].astype(float))
        abl = {"low+mid+high": row(HAND_CRAFTED), "learned": row("learned"), "all four": row("all levels")}
        out[v] = {"plain": plain, "ablation": abl, "columns": len(fv.audio_blocks["learned"])}
    print(f"learned-block variants, audio-only NMI, {seeds} seeds x 80 % subsamples (mean ± std; / low+mid+high):")
    print("| variant | learned columns | plain: learned | plain: all four | ablation: learned | ablation: all four "
          "| ablation: all four - l+m+h |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for v, r in out.items():
        def cell(kind, name):
            m, s = r[kind][name]
            return f"{m:.3f} ± {s:.3f} ({m / max(r[kind]['low+mid+high'][0], 1e-9):.2f}x)"
        print(f"| {v} | {r['columns']} | {cell('plain', 'learned')} | {cell('plain', 'all four')} | "
              f"{cell('ablation', 'learned')} | {cell('ablation', 'all four')} | "
              f"{beats(r['ablation']['all four'], r['ablation']['low+mid+high'])} |")
    first = out[variants[0]]
    for kind in ("plain", "ablation"):
        m, s = first[kind]["low+mid+high"]
        print(f"  low+mid+high ({kind}): {m:.3f} ± {s:.3f}")
    return out


#: The grid ``--mix`` compares by default (docs/experiments/learned-mix/dev.md, listed before its first run):
#: learned layer x weight of the learned block against one hand-crafted level x patches a clip.
MIX_LAYERS = ("both", "penultimate")
MIX_WEIGHTS = (1.0, 2.0, 3.0)
MIX_PATCHES = (None, 3)


def mix_name(layer: str, weight: float, patches) -> str:
    """``both/w3/p3``: the name of a ``--mix`` variant (``pall``: every patch)."""
    return f"{layer}/w{weight:g}/p{'all' if patches is None else patches}"


def parse_mix(text: str) -> list:
    """``"both/w3/p3,penultimate/w1/pall"`` (or ``"grid"``: every combination of :data:`MIX_LAYERS`,
    :data:`MIX_WEIGHTS`, :data:`MIX_PATCHES`) -> ``[(layer, weight, patches or None), ...]``."""
    if text.strip() == "grid":
        return [(lay, w, n) for n in MIX_PATCHES for lay in MIX_LAYERS for w in MIX_WEIGHTS]
    out = []
    for item in text.split(","):
        parts = item.strip().split("/")
        try:
            layer, w, n = parts
            if layer not in VARIANTS or not w.startswith("w") or not n.startswith("p"):
                raise ValueError(item)
            out.append((layer, float(w[1:]), None if n[1:] == "all" else int(n[1:])))
        except ValueError:
            raise SystemExit(f"--mix: {item!r} is not LAYER/wWEIGHT/pN (e.g. both/w3/p3, penultimate/w1/pall)")
    return out


def compare_mix(ds, model: str, variants: list, seeds: int, jobs: int) -> dict:
    """Per ``(layer, weight, patches)`` variant, the audio-only NMI through the project's ablation of
    low+mid+high, of the learned block alone and of all four levels with the learned block weighted
    (:func:`core.features.levels.weight_learned_block`), with the decision rule's test; printed as a table.
    The learned block is the "both" layer extracted at that patch count, cut to the variant's layer
    (:func:`learned_variant`, rescaled to its own width) and then weighted. Returns {name: {row: (mean, std)}}
    plus the extraction seconds per patch count under ``"_seconds"``."""
    from core.experiments.audio_levels import HAND_CRAFTED, audio_level_ablation
    from core.experiments.config import ExperimentConfig
    from core.features.extract import ExtractConfig, extract_features
    from core.features.levels import audio_config_for, weight_learned_block
    cfg = ExperimentConfig(seeds=tuple(range(seeds)))
    out, seconds, feats = {}, {}, {}
    for layer, weight, patches in variants:
        if patches not in feats:
            config = ExtractConfig(audio=audio_config_for(("low", "mid", "high", "learned"), model, patches,
                                                          layer="both"))
            feats[patches], rep = extract_features(ds, config, n_jobs=jobs)
            seconds[patches] = (rep.audio_extracted, rep.audio_cached, rep.seconds)
        fw = weight_learned_block(learned_variant(feats[patches], VARIANTS[layer]), weight)
        summary, _ = audio_level_ablation(fw, ds.labels, cfg, hand_crafted=True)
        row = lambda lv: tuple(summary[(summary.level == lv) & (summary.metric == "nmi")][["mean", "std"]]  # noqa: E731
                               .iloc[0].astype(float))
        out[mix_name(layer, weight, patches)] = {"low+mid+high": row(HAND_CRAFTED), "learned": row("learned"),
                                                 "all four": row("all levels")}
    for n, (ext, cached, sec) in seconds.items():
        print(f"features, 'both' layer, {'every patch' if n is None else f'{n} patches'} a clip: {ext} extracted, "
              f"{cached} cached, {sec:.0f} s")
    print(f"learned block: layer x weight (against one hand-crafted level) x patches; audio-only NMI through the "
          f"ablation, {seeds} seeds x 80 % subsamples (mean ± std; / low+mid+high):")
    print("| variant | low+mid+high | learned alone | all four | all four - l+m+h |")
    print("| --- | --- | --- | --- | --- |")
    for name, r in out.items():
        h = r["low+mid+high"][0]
        cell = lambda k: f"{r[k][0]:.3f} ± {r[k][1]:.3f} ({r[k][0] / max(h, 1e-9):.2f}x)"  # noqa: E731
        print(f"| {name} | {r['low+mid+high'][0]:.3f} ± {r['low+mid+high'][1]:.3f} | {cell('learned')} | "
              f"{cell('all four')} | {beats(r['all four'], r['low+mid+high'])} |")
    out["_seconds"] = seconds
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("packages", nargs="?", help="folder the .deb packages were extracted into (dpkg -x)")
    ap.add_argument("--group", choices=tuple(SOURCES), default="dev",
                    help="which set: dev (choices are made on it), heldout, heldout2 or heldout3 (reported once); "
                         "default dev")
    ap.add_argument("--list", nargs="+", choices=tuple(SOURCES), metavar="GROUP",
                    help="print the Debian packages of these groups and stop")
    ap.add_argument("--out", default="/tmp/realmusic2",
                    help="clips go to <out>/<group>/<package>/ (default /tmp/realmusic2)")
    ap.add_argument("--per-style", type=int, default=12, help="tracks per package (default 12)")
    ap.add_argument("--seconds", type=float, default=20.0, help="clip length, s (default 20)")
    ap.add_argument("--min-seconds", type=float, default=10.0,
                    help="skip tracks shorter than this, s: jingles (default 10)")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--model", default="MTT_musicnn")
    ap.add_argument("--learned-layer", default="penultimate", choices=("penultimate", "midend", "both"),
                    help="the layer the learned level reads (the extractor's --learned-layer); default penultimate")
    ap.add_argument("--variants", default=None, metavar="V,V,...",
                    help=f"compare these variants of the learned block ({', '.join(VARIANTS)}) instead of the "
                         "per-level report; needs --learned-layer both")
    ap.add_argument("--mix", default=None, metavar="L/wW/pN,...",
                    help="compare learned-block variants LAYER/wWEIGHT/pN (e.g. both/w3/p3; 'grid': every "
                         "combination of MIX_LAYERS, MIX_WEIGHTS, MIX_PATCHES) through the ablation instead of "
                         "the per-level report")
    ap.add_argument("--patches", default=None, metavar="N,N,...",
                    help="also measure NMI with at most N patches a clip for the learned level ('all': every one)")
    args = ap.parse_args(argv)
    if args.list:
        print(" ".join(pkg for g in args.list for pkg in SOURCES[g]))
        return
    if not args.packages:
        ap.error("the packages folder is required (or --list)")

    from core.datasets import load_dataset
    from core.features.extract import ExtractConfig, extract_features
    from core.features.levels import audio_config_for
    root = build(Path(args.packages), Path(args.out) / args.group, SOURCES[args.group], args.per_style, args.seconds,
                 args.min_seconds)
    ds = load_dataset(root)
    styles = ", ".join(f"{g} {n}" for g, n in ds.summary()["genres"].items())
    print(f"group {args.group}, model {args.model}: {ds.n_tracks} clips: {styles}")
    if args.mix:  # extracts the "both" layer at each patch count it needs, and nothing else
        compare_mix(ds, args.model, parse_mix(args.mix), args.seeds, args.jobs)
        return
    config = ExtractConfig(audio=audio_config_for(("low", "mid", "high", "learned"), args.model,
                                                  layer=args.learned_layer))
    fs, rep = extract_features(ds, config, n_jobs=args.jobs)
    print(f"features ({args.learned_layer} layer, {len(fs.audio_blocks['learned'])} learned columns): "
          f"{rep.audio_extracted} extracted, {rep.audio_cached} cached, {rep.seconds:.0f} s")
    if args.variants:
        if args.learned_layer != "both":
            ap.error("--variants needs --learned-layer both (the variants are column subsets of its block)")
        compare_variants(fs, ds.labels, [v.strip() for v in args.variants.split(",")], args.seeds)
        return
    combos = {"low": ("low",), "mid": ("mid",), "high": ("high",), "low+mid+high": ("low", "mid", "high"),
              "learned": ("learned",), "all four": ("low", "mid", "high", "learned")}
    parts = {"learned tags": ("learned:tag",), "learned penult.": ("learned:pen",),
             "l+m+h + tags": ("low", "mid", "high", "learned:tag"),
             "l+m+h + penult.": ("low", "mid", "high", "learned:pen")}
    res = nmi_per_levels(fs, ds.labels, {**combos, **parts}, args.seeds)
    print(f"audio-only k-means NMI, {args.seeds} seeds x 80 % subsamples, k = {len(set(ds.labels))}:")
    for name, (m, s) in res.items():
        print(f"  {name:14s} {m:.3f} +/- {s:.3f}")
    hand = res["low+mid+high"][0]
    print(f"learned / hand-crafted = {res['learned'][0] / max(hand, 1e-9):.2f}x; "
          f"all four / hand-crafted = {res['all four'][0] / max(hand, 1e-9):.2f}x")
    print(f"  all four - low+mid+high: {beats(res['all four'], res['low+mid+high'])}")
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
    row = lambda lv: tuple(summary[(summary.level == lv) & (summary.metric == "nmi")][["mean", "std"]]  # noqa: E731
                           .iloc[0].astype(float))
    print(f"  all four - low+mid+high: {beats(row('all levels'), row(HAND_CRAFTED))}")
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
