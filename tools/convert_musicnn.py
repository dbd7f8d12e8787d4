"""Convert musicnn's TensorFlow checkpoints into the ``.npz`` files the project loads (run once, offline).

Run in a scratch environment that has TensorFlow and the ``musicnn`` wheel (never in the project's venv;
TensorFlow is not a run-time dependency)::

    python3 -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install tensorflow-cpu==2.21.* tf-keras
    /tmp/tfenv/bin/pip install --no-deps musicnn==0.1.0
    /tmp/tfenv/bin/python tools/convert_musicnn.py            # writes core/features/audio/weights/*.npz

What it does: reads every trained variable of ``musicnn/<MODEL>/`` (the checkpoint prefix is the folder
itself: the files are named ``.index`` and ``.data-00000-of-00001``) with TensorFlow's checkpoint reader,
drops the optimiser's slots (``*/Adam*``, ``beta*_power``) and stores the rest unchanged, float32, under
their TensorFlow names (``conv2d_3/kernel``, ``batch_normalization_9/moving_mean``, ...). No value is
rounded or transposed here: :mod:`core.features.audio.musicnn` maps the TensorFlow layouts to PyTorch's
when it loads the file, so this script stays a plain copy.
"""

from __future__ import annotations

import argparse
import hashlib
import os
from pathlib import Path

import numpy as np

MODELS = ("MTT_musicnn", "MSD_musicnn")
OUT = Path(__file__).resolve().parent.parent / "core" / "features" / "audio" / "weights"


def convert(model: str, out_dir: Path) -> Path:
    import musicnn
    import tensorflow as tf

    prefix = os.path.join(os.path.dirname(musicnn.__file__), model) + "/"
    reader = tf.compat.v1.train.NewCheckpointReader(prefix)
    arrays = {}
    for name in sorted(reader.get_variable_to_shape_map()):
        if "Adam" in name or name.startswith("beta1_power") or name.startswith("beta2_power"):
            continue
        arrays[name] = np.asarray(reader.get_tensor(name), dtype=np.float32)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{model}.npz"
    np.savez_compressed(path, **arrays)
    n = sum(a.size for a in arrays.values())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    print(f"{model}: {len(arrays)} arrays, {n:,} values -> {path} ({path.stat().st_size / 1e6:.2f} MB, "
          f"sha256 {digest})")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated (default: %(default)s)")
    ap.add_argument("--out", default=str(OUT), help="output folder (default: %(default)s)")
    args = ap.parse_args()
    for model in args.models.split(","):
        convert(model.strip(), Path(args.out))


if __name__ == "__main__":
    main()
