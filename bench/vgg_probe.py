"""Would musicnn's VGG models reach issue 16's 1.3x? The probe's columns as the learned block, through the ablation.

A feasibility check, nothing of it goes into the app: ``tools/probe_vgg.py`` (run in the scratch TensorFlow
environment) wrote, per (group, model), the original VGG's pooled layers and tags of every clip of
``/tmp/realmusic2/<group>/`` to ``/tmp/vgg/<group>_<model>.npz``. This script (the project's venv) takes the
same clips the way ``bench/real_music.py`` does (``load_dataset`` on the group's folder: label = package),
extracts the hand-crafted levels and today's learned block (``MTT_musicnn``, penultimate layer: the control)
with the project's extractor, then, per variant, replaces the learned block by the probe's columns that the
variant keeps -- standardised over the clips and scaled by 1/sqrt(width), as the extractor scales every
block (:func:`core.features.blocks.standardise_blocks`) -- and prints the audio-only NMI through the
project's ablation (:func:`core.experiments.audio_levels.audio_level_ablation`, k = number of styles,
seeds 0..N-1, 80 % subsamples; mean ± std) of low+mid+high, the learned block alone and all four levels,
with the ratios to low+mid+high and ``bench/real_music.py``'s test (all four - low+mid+high > pooled std)::

    WORKBENCH_DATA_DIR=/tmp/vgg-data nice -n 10 .venv/bin/python bench/vgg_probe.py --group dev \\
        --variants MTT_vgg/last,MTT_vgg/last2,MTT_vgg/all+tags,MSD_vgg/last,MSD_vgg/last2,MSD_vgg/all+tags

A variant is ``MODEL/LAYERS`` with LAYERS one of :data:`LAYER_SETS`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

#: Which of the probe's columns a variant keeps (listed before the first dev run, docs/experiments/vgg-probe/).
#: Every pooled layer column is per patch tmean/tmax, then over patches mean/max (512 a layer).
LAYER_SETS = {
    "last": lambda n: n.startswith("vgg.pool5."),
    "last2": lambda n: n.startswith(("vgg.pool4.", "vgg.pool5.")),
    "all+tags": lambda n: True,
}


def load_probe(path: Path, keep) -> tuple:
    """({clip path relative to the clips' root: vector of the kept columns}, kept column names)."""
    with np.load(path) as z:
        names = [str(c) for c in z["__columns__"]]
        idx = np.asarray([i for i, n in enumerate(names) if keep(n)], dtype=int)
        vecs = {k: z[k][idx] for k in z.files if k != "__columns__"}
    return vecs, [names[i] for i in idx]


def with_learned(fs, ds, root: Path, vecs: dict, names: list):
    """A copy of ``fs`` whose learned block is the probe's columns (raw values standardised over the tracks
    with audio and scaled by 1/sqrt(width), as the extractor does); the hand-crafted blocks are unchanged."""
    from core.features.blocks import standardise_blocks
    rel = [str(Path(p).resolve().relative_to(root.resolve())) for p in ds.tracks["audio_path"]]
    missing = [r for r in rel if r not in vecs]
    if missing:
        raise SystemExit(f"{len(missing)} clips are not in the probe file (e.g. {missing[0]}): run tools/probe_vgg.py")
    raw = np.stack([vecs[r] for r in rel]).astype(np.float64)
    learned = standardise_blocks(raw, np.asarray(fs.audio_ok), {"learned": list(range(raw.shape[1]))})
    keep = [c for lv, cols in fs.audio_blocks.items() if lv != "learned" for c in cols]
    blocks, start = {}, 0
    for lv, cols in fs.audio_blocks.items():
        if lv != "learned":
            blocks[lv] = list(range(start, start + len(cols)))
            start += len(cols)
    blocks["learned"] = list(range(start, start + raw.shape[1]))
    audio = np.concatenate([fs.audio[:, keep], learned], axis=1).astype(fs.audio.dtype)
    return dataclasses.replace(fs, audio=np.ascontiguousarray(audio),
                               audio_names=[fs.audio_names[c] for c in keep] + names, audio_blocks=blocks)


def ablation_rows(fs, labels, seeds: int) -> dict:
    """{"low+mid+high" | "learned" | "all four": (mean, std)} of the NMI through the project's ablation."""
    from core.experiments.audio_levels import ALL_LEVELS, HAND_CRAFTED, audio_level_ablation
    from core.experiments.config import ExperimentConfig
    summary, _ = audio_level_ablation(fs, labels, ExperimentConfig(seeds=tuple(range(seeds))), hand_crafted=True)
    row = lambda lv: tuple(summary[(summary.level == lv) & (summary.metric == "nmi")][["mean", "std"]]  # noqa: E731
                           .iloc[0].astype(float))
    return {"low+mid+high": row(HAND_CRAFTED), "learned": row("learned"), "all four": row(ALL_LEVELS)}


def main(argv=None) -> None:
    from bench.real_music import beats
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--group", required=True, choices=("dev", "heldout", "heldout2", "heldout3"))
    ap.add_argument("--root", default="/tmp/realmusic2", help="clips under <root>/<group>/<package>/")
    ap.add_argument("--probe-dir", default="/tmp/vgg", help="where tools/probe_vgg.py wrote <group>_<model>.npz")
    ap.add_argument("--variants", required=True, metavar="MODEL/LAYERS,...",
                    help=f"e.g. MTT_vgg/last; LAYERS one of {', '.join(LAYER_SETS)}")
    ap.add_argument("--control-model", default="MTT_musicnn", help="today's learned block (penultimate layer)")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    variants = []
    for v in args.variants.split(","):
        model, _, layers = v.strip().partition("/")
        if layers not in LAYER_SETS:
            ap.error(f"variant {v!r}: LAYERS must be one of {', '.join(LAYER_SETS)}")
        variants.append((model, layers))

    from core.datasets import load_dataset
    from core.features.extract import ExtractConfig, extract_features
    from core.features.levels import audio_config_for
    root = Path(args.root)
    ds = load_dataset(root / args.group)
    styles = ", ".join(f"{g} {n}" for g, n in ds.summary()["genres"].items())
    print(f"group {args.group}: {ds.n_tracks} clips, k = {len(set(ds.labels))}: {styles}")
    config = ExtractConfig(audio=audio_config_for(("low", "mid", "high", "learned"), args.control_model,
                                                  layer="penultimate"))
    fs, rep = extract_features(ds, config, n_jobs=args.jobs)
    print(f"features (hand-crafted + {args.control_model} penultimate, {len(fs.audio_blocks['learned'])} learned "
          f"columns): {rep.audio_extracted} extracted, {rep.audio_cached} cached, {rep.seconds:.0f} s; "
          f"{int(np.sum(fs.audio_ok))} with audio")
    results = {f"control: {args.control_model} penultimate": (len(fs.audio_blocks["learned"]),
                                                              ablation_rows(fs, ds.labels, args.seeds))}
    for model, layers in variants:
        vecs, names = load_probe(Path(args.probe_dir) / f"{args.group}_{model}.npz", LAYER_SETS[layers])
        fv = with_learned(fs, ds, root, vecs, names)
        results[f"{model}/{layers}"] = (len(names), ablation_rows(fv, ds.labels, args.seeds))
    print(f"audio-only NMI through the project's ablation, group {args.group}, {args.seeds} seeds x 80 % "
          f"subsamples (mean ± std; / low+mid+high):")
    print("| learned block | columns | low+mid+high | learned alone | all four | all four - l+m+h |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (width, r) in results.items():
        h = r["low+mid+high"][0]
        cell = lambda k: f"{r[k][0]:.3f} ± {r[k][1]:.3f} ({r[k][0] / max(h, 1e-9):.2f}x)"  # noqa: E731
        print(f"| {name} | {width} | {h:.3f} ± {r['low+mid+high'][1]:.3f} | {cell('learned')} | "
              f"{cell('all four')} | {beats(r['all four'], r['low+mid+high'])} |", flush=True)


if __name__ == "__main__":
    main()
