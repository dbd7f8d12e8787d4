"""Probe musicnn's VGG models (``MTT_vgg``, ``MSD_vgg``) on the real-music clips: an oracle feasibility check.

Not part of the app: it runs the ORIGINAL implementation in the scratch TensorFlow environment of
``tools/convert_musicnn.py`` (TensorFlow 2.21 + tf-keras + librosa + soundfile, ``musicnn`` 0.1.0 installed
with ``--no-deps``), with ``TF_USE_LEGACY_KERAS=1``::

    python3.11 -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install 'tensorflow-cpu==2.21.*' tf-keras librosa soundfile
    /tmp/tfenv/bin/pip install --no-deps musicnn==0.1.0
    TF_USE_LEGACY_KERAS=1 nice -n 10 /tmp/tfenv/bin/python tools/probe_vgg.py --groups dev
    TF_USE_LEGACY_KERAS=1 nice -n 10 /tmp/tfenv/bin/python tools/probe_vgg.py --time 20

For every WAV under ``<root>/<group>/<package>/`` (the 20 s clips ``bench/real_music.py`` cut), the clip is
turned into musicnn's input exactly as ``tools/record_musicnn_parity.py`` does (``librosa.load`` at 16 kHz,
96-band mel, the float16 cast, then the float32 ``log10(10000 x + 1)`` the original ran with under
numpy < 1.17), cut into every whole non-overlapping 187-frame (3 s) patch (6 for a 20 s clip), and the graph
is built with the wheel's own ``musicnn.models.define_model`` and restored with ``Saver`` and run directly
(``extractor.extractor``'s ``batch_data`` overflows float16 under NumPy 2, and its musicnn branch returns the
first patch's penultimate layer for every patch; see that script's docstring).

Per clip it records, for each of the VGG's five max-pool outputs ``pool1`` .. ``pool5`` (128 channels each;
time x frequency maps of 92x48, 46x24, 23x12, 11x6, 2x1 for a 187x96 patch): per patch, the mean (``tmean``)
and the max (``tmax``) over the layer's time and frequency positions, then over the clip's patches the mean
and the max -- column ``vgg.pool{k}.{tmean|tmax}.{c:03d}.{mean|max}`` (512 a layer, unitless ReLU +
batch-norm activations); and the 50 tag probabilities (0..1, sigmoid), mean over patches:
``vgg.tag.<name>``. One ``.npz`` per (group, model): ``<out>/<group>_<model>.npz``, one float32 vector per
clip keyed by the clip's path relative to ``<root>`` (e.g. ``dev/drascula-music/track1.wav``), and the
column names under ``__columns__``.

``--time N``: CPU seconds (``time.process_time``, all threads of this process) of the forward pass alone
(one ``sess.run`` of a clip's patches, the spectrogram excluded) per clip, for ``MTT_vgg``, ``MSD_vgg``
and, as the reference, the original ``MTT_musicnn``, over the first N dev clips in path order; prints a
table and stops.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record_musicnn_parity import original_patches  # noqa: E402  (the parity fixture's input, reused)

VGG_MODELS = ("MTT_vgg", "MSD_vgg")
POOLS = ("pool1", "pool2", "pool3", "pool4", "pool5")


class Graph:
    """One model's original graph and restored checkpoint in its own TensorFlow session."""

    def __init__(self, model: str):
        import musicnn
        import tensorflow as tf
        from musicnn import configuration as config
        from musicnn import models
        tf.compat.v1.disable_eager_execution()
        self.model = model
        self.graph = tf.Graph()
        self.labels = list(config.MTT_LABELS if "MTT" in model else config.MSD_LABELS)
        with self.graph.as_default():
            with tf.name_scope("model"):
                self.x = tf.compat.v1.placeholder(tf.float32, [None, 187, config.N_MELS])
                self.is_training = tf.compat.v1.placeholder(tf.bool)
                out = models.define_model(self.x, self.is_training, model, len(self.labels))
                self.probs = tf.nn.sigmoid(out[0])
            # vgg: (logits, pool1..pool5); musicnn: (logits, ..., penultimate) -- timing only
            self.fetch = [self.probs] + (list(out[1:6]) if "vgg" in model else [out[-1]])
            self.sess = tf.compat.v1.Session(graph=self.graph)
            self.sess.run(tf.compat.v1.global_variables_initializer())
            tf.compat.v1.train.Saver().restore(self.sess, os.path.join(os.path.dirname(musicnn.__file__), model) + "/")

    def run(self, batch: np.ndarray) -> list:
        """The fetched tensors for ``batch`` (n_patches, 187, 96), all patches in one run (inference mode:
        batch norm uses its stored statistics, so the batch size does not change the values)."""
        return self.sess.run(self.fetch, feed_dict={self.x: batch, self.is_training: False})


def column_names(labels: list) -> list:
    """The probe's columns (see the module docstring): 5 x 512 pooled layer columns, then the 50 tags."""
    cols = [f"vgg.{p}.{t}.{c:03d}.{s}" for p in POOLS for t in ("tmean", "tmax") for s in ("mean", "max")
            for c in range(128)]
    return cols + [f"vgg.tag.{name}" for name in labels]


def clip_vector(out: list) -> np.ndarray:
    """(probs (P, 50), pool1..pool5 (P, T, F, 128) each) of one clip's P patches -> one vector in
    :func:`column_names` order."""
    probs, pools = out[0], out[1:]
    parts = []
    for pool in pools:
        for within in (pool.mean(axis=(1, 2)), pool.max(axis=(1, 2))):  # (P, 128): tmean, tmax
            parts += [within.mean(axis=0), within.max(axis=0)]
    parts.append(probs.mean(axis=0))
    return np.concatenate(parts).astype(np.float32)


def clips(root: Path, group: str) -> list:
    return sorted((root / group).glob("*/*.wav"))


def probe(root: Path, group: str, model: str, out_dir: Path) -> Path:
    g = Graph(model)
    data = {"__columns__": np.asarray(column_names(g.labels))}
    files = clips(root, group)
    for i, path in enumerate(files):
        data[str(path.relative_to(root))] = clip_vector(g.run(original_patches(str(path))))
        if (i + 1) % 20 == 0:
            print(f"  {group} {model}: {i + 1}/{len(files)}", flush=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    dest = out_dir / f"{group}_{model}.npz"
    np.savez(dest, **data)
    print(f"{dest}: {len(files)} clips x {len(data['__columns__'])} columns", flush=True)
    return dest


def time_forward(root: Path, n: int) -> None:
    files = clips(root, "dev")[:n]
    batches = [original_patches(str(p)) for p in files]
    print(f"forward pass CPU s per clip (time.process_time, {n} dev clips of "
          f"{batches[0].shape[0]} patches; spectrogram excluded; one warm-up run first):")
    print("| model | CPU s per clip (mean) | min | max |")
    print("| --- | --- | --- | --- |")
    for model in ("MTT_musicnn",) + VGG_MODELS:
        g = Graph(model)
        g.run(batches[0])  # warm-up: graph optimisation on the first run
        cpu = []
        for b in batches:
            t0 = time.process_time()
            g.run(b)
            cpu.append(time.process_time() - t0)
        print(f"| {model} | {np.mean(cpu):.3f} | {np.min(cpu):.3f} | {np.max(cpu):.3f} |", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default="/tmp/realmusic2", help="clips under <root>/<group>/<package>/*.wav")
    ap.add_argument("--groups", default="dev", help="comma-separated groups (dev, heldout, heldout2, heldout3)")
    ap.add_argument("--models", default=",".join(VGG_MODELS))
    ap.add_argument("--out", default="/tmp/vgg")
    ap.add_argument("--time", type=int, default=None, metavar="N",
                    help="time the forward pass on the first N dev clips instead of probing")
    args = ap.parse_args(argv)
    root = Path(args.root)
    if args.time:
        time_forward(root, args.time)
        return
    for group in args.groups.split(","):
        for model in args.models.split(","):
            probe(root, group.strip(), model.strip(), Path(args.out))


if __name__ == "__main__":
    main()
