"""The learned audio level's cost: patches/s of the musicnn port, and seconds per clip with and without the
level, in one process and in two worker processes (one torch thread each).

    .venv/bin/python bench/learned.py                 # 12 real-music-like clips of 20 s built from the fixture
    .venv/bin/python bench/learned.py --clips DIR     # your own audio files
    .venv/bin/python bench/learned.py --layers penultimate,midend,both   # each learned layer (same forward pass)
    .venv/bin/python bench/learned.py --patches all,3  # at most N 3 s patches a clip (--learned-patches N)

What fewer patches cost in NMI is measured on labelled real music by ``bench/real_music.py --patches
1,2,3,all`` (the extractor's ``--learned-patches N``). Prints medians and 90th percentiles, as wall time
and as CPU time (on a machine that other jobs load, CPU time says what idle cores would give), and the load
average; nothing is asserted. The forward pass dominates the level's cost; the 16 kHz resampling and mel
spectrogram add a few milliseconds a clip.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402


def _clips(args, tmp: Path) -> list:
    import soundfile as sf
    if args.clips:
        exts = {".wav", ".flac", ".ogg", ".mp3", ".au"}
        return sorted(p for p in Path(args.clips).rglob("*") if p.suffix.lower() in exts)[: args.n]
    # 20 s clips: the fixture's 9.5 s of real music, looped with a different start each
    y, sr = sf.read(Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "musicnn_clip.flac",
                    dtype="float32")
    out = []
    for i in range(args.n):
        z = np.roll(np.tile(y, 3), i * sr // 3)[: int(args.seconds * sr)]
        out.append(tmp / f"clip{i:02d}.wav")
        sf.write(out[-1], z, sr)
    return out


def _patch_rate(model: str, batch: int, seconds: float) -> float:
    import torch

    from core.features.audio.learned import run_patches
    torch.set_num_threads(1)
    x = np.random.default_rng(0).random((batch, 187, 96), dtype=np.float32) * 3
    run_patches(x, model)
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < seconds:
        run_patches(x, model)
        n += batch
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def _time_clips(paths, learned_model, layer="penultimate", patches=None):
    """Seconds per clip of extract_clip in this process (after one untimed warm-up clip); ``patches``: at
    most that many 3 s patches a clip for the learned level (None: every one)."""
    import torch

    from core.features.audio import AudioConfig, extract_clip
    torch.set_num_threads(1)
    config = AudioConfig(learned_model=learned_model, learned_layer=layer,
                         learned_patches=patches if learned_model else None)
    extract_clip(paths[0], config)
    out = []
    for p in paths:
        t0, c0 = time.perf_counter(), time.process_time()
        extract_clip(p, config)
        out.append((time.perf_counter() - t0, time.process_time() - c0))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", help="folder of audio files (default: built from the test fixture)")
    ap.add_argument("--n", type=int, default=12, help="clips (default 12)")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of built clips, s (default 20)")
    ap.add_argument("--model", default="MTT_musicnn")
    ap.add_argument("--layers", default="penultimate", metavar="L,L,...",
                    help="learned layers to time extract_clip with (of penultimate, midend, both; default "
                         "penultimate): each is the same forward pass, only the pooled columns differ")
    ap.add_argument("--patches", default="all", metavar="N,N,...",
                    help="patch counts a clip to time each layer with ('all': every patch, 6 for 20 s; the "
                         "extractor's --learned-patches); default all")
    args = ap.parse_args(argv)
    patch_counts = [None if v.strip() == "all" else int(v) for v in args.patches.split(",") if v.strip()]
    layers = [v.strip() for v in args.layers.split(",") if v.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-learned-") as tmp:
        paths = _clips(args, Path(tmp))
        print(f"{len(paths)} clips; model {args.model}; load average (1, 5, 15 min) at the start: "
              + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
        wall, cpu = _patch_rate(args.model, 1, 8.0)
        print(f"forward pass, 1 process, 1 thread: {wall:.1f} patches/s wall, {cpu:.1f} patches per CPU-second")
        with ProcessPoolExecutor(2) as ex:
            rates = list(ex.map(_patch_rate, [args.model] * 2, [1, 1], [8.0, 8.0]))
        print(f"forward pass, 2 processes, 1 thread each: {sum(r[0] for r in rates):.1f} patches/s wall in all, "
              f"{sum(r[1] for r in rates):.1f} per CPU-second summed (what 2 idle cores would give)")
        runs = [(None, "penultimate", None)] + [(args.model, lay, n) for n in patch_counts for lay in layers]
        for model, layer, n in runs:
            with ProcessPoolExecutor(2) as ex:
                half = len(paths) // 2
                t0 = time.perf_counter()
                parts = list(ex.map(_time_clips, [paths[:half], paths[half:]], [model, model], [layer, layer],
                                    [n, n]))
                wall = time.perf_counter() - t0
            per = [t for p in parts for t, _ in p]
            cpu = [c for p in parts for _, c in p]
            name = (f"with learned ({layer}, {'every' if n is None else n} patch{'es' if n != 1 else ''})"
                    if model else "hand-crafted only")
            print(f"extract_clip {name}: median {statistics.median(per):.2f} s wall, {statistics.median(cpu):.2f} "
                  f"CPU-s a clip in each of 2 processes -> {2 / statistics.median(per):.2f} clips/s on 2 cores "
                  f"(idle cores: {2 / statistics.median(cpu):.2f}; wall incl. start-up {wall:.0f} s); "
                  f"p90 {np.percentile(per, 90):.2f} s wall, {np.percentile(cpu, 90):.2f} CPU-s")
        print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
