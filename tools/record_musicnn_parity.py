"""Record the original musicnn's outputs on a real music clip: the fixture of ``tests/test_learned.py``.

Run once, in the scratch environment of ``tools/convert_musicnn.py`` (TensorFlow 2.21 + tf-keras + the
``musicnn`` 0.1.0 wheel + librosa 0.11 + soundfile), with ``TF_USE_LEGACY_KERAS=1``::

    apt-get download asc-music && dpkg -x asc-music_*.deb /tmp/asc
    TF_USE_LEGACY_KERAS=1 /tmp/tfenv/bin/python tools/record_musicnn_parity.py \
        /tmp/asc/usr/share/games/asc/music/frontiers.mp3

It cuts 9.5 s (three 3 s patches) from 60 s into the song (Debian package ``asc-music``: "Frontiers" by
Michael Kievernagel, GPL-2+), mixes to mono at the file's own 22,050 Hz and writes it as 16-bit FLAC to
``tests/fixtures/musicnn_clip.flac``. Then, for each model, it builds the original network with the wheel's
own ``musicnn.models.define_model`` in a TensorFlow graph, restores the shipped checkpoint with ``Saver``
(as ``musicnn.extractor.extractor`` does) and runs the clip's patches through it one at a time, storing
the tag probabilities (3, 50) and the penultimate layer (3, 200), plus the input patches (3, 187, 96),
in ``tests/fixtures/musicnn_parity.npz``.

Two things of the original are *not* used as they stand, and why:

- ``extractor.extractor`` returns the first patch's penultimate layer for every patch (its loop concatenates
  ``penultimate_`` from the first run instead of the current one, ``extractor.py`` line 224). The graph is
  therefore run here directly; on the first patch the two agree.
- ``batch_data`` computes ``np.log10(10000 * mel.astype(np.float16) + 1)``. musicnn 0.1.0 pins
  ``numpy<1.17``, whose value-based casting promoted ``10000 * float16`` to float32; NumPy 2 (the only NumPy
  that TensorFlow 2.21 imports with) keeps float16, which overflows to ``inf`` for mel power above 6.55
  (about 0.5 % of this clip's bins) and then gives NaN tags. The patches here are computed with the same
  librosa call and the float16 cast, then the float32 arithmetic the original ran with.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def original_patches(path: str) -> np.ndarray:
    """``musicnn.extractor.batch_data(path, 187, 187)`` as it computed under numpy < 1.17."""
    import librosa
    from musicnn import configuration as config
    audio, sr = librosa.load(path, sr=config.SR)
    rep = librosa.feature.melspectrogram(y=audio, sr=sr, hop_length=config.FFT_HOP, n_fft=config.FFT_SIZE,
                                         n_mels=config.N_MELS).T
    rep = rep.astype(np.float16)
    rep = np.log10(np.float32(10000) * rep.astype(np.float32) + np.float32(1))  # numpy<1.17 promotion
    starts = range(0, rep.shape[0] - 187 + 1, 187)
    return np.stack([rep[s:s + 187] for s in starts]).astype(np.float32)


def run_original(model: str, batch: np.ndarray) -> tuple:
    """(tags (n, 50), penultimate (n, 200)) of the original graph and checkpoint, one patch per run."""
    import musicnn
    import tensorflow as tf
    from musicnn import configuration as config
    from musicnn import models

    tf.compat.v1.disable_eager_execution()
    tf.compat.v1.reset_default_graph()
    n_classes = len(config.MTT_LABELS if "MTT" in model else config.MSD_LABELS)
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, 187, config.N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        out = models.define_model(x, is_training, model, n_classes)
        y, penultimate = out[0], out[-1]
        probs = tf.nn.sigmoid(y)
    sess = tf.compat.v1.Session()
    sess.run(tf.compat.v1.global_variables_initializer())
    tf.compat.v1.train.Saver().restore(sess, os.path.join(os.path.dirname(musicnn.__file__), model) + "/")
    tags, pens = [], []
    for i in range(batch.shape[0]):
        t, p = sess.run([probs, penultimate], feed_dict={x: batch[i:i + 1], is_training: False})
        tags.append(t)
        pens.append(p)
    sess.close()
    return np.concatenate(tags).astype(np.float32), np.concatenate(pens).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", help="frontiers.mp3 from the Debian package asc-music")
    ap.add_argument("--start", type=float, default=60.0, help="seconds into the song (default 60)")
    ap.add_argument("--seconds", type=float, default=9.5, help="clip length (default 9.5: three patches)")
    args = ap.parse_args()
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import soundfile as sf

    with sf.SoundFile(args.source) as f:
        sr = f.samplerate
        f.seek(int(args.start * sr))
        data = f.read(int(args.seconds * sr), dtype="float32", always_2d=True)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    clip = FIXTURES / "musicnn_clip.flac"
    sf.write(clip, data.mean(axis=1), sr, subtype="PCM_16")

    batch = original_patches(str(clip))
    assert np.isfinite(batch).all()
    out = {"sr": np.int64(sr), "patches": batch}
    for model in ("MTT_musicnn", "MSD_musicnn"):
        tags, pen = run_original(model, batch)
        out[f"{model}/tags"], out[f"{model}/penultimate"] = tags, pen
        print(model, "tags", tags.shape, "penultimate", pen.shape, "finite", np.isfinite(tags).all(),
              file=sys.stderr)
    np.savez_compressed(FIXTURES / "musicnn_parity.npz", **out)
    print(f"wrote {clip} ({clip.stat().st_size / 1e3:.0f} kB) and musicnn_parity.npz", file=sys.stderr)


if __name__ == "__main__":
    main()
