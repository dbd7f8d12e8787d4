"""Benchmark: the audio extractor against a naive one-descriptor-at-a-time librosa script.

Prints tracks per second per core for

- ``extract_clip`` (core/features/audio/): one decode, one STFT, every descriptor reusing it;
- a *naive* script that loads each clip with ``librosa.load`` and calls each librosa descriptor on
  ``y`` by itself, so every call recomputes its own spectrogram (the same feature families:
  MFCC + deltas, centroid, bandwidth, roll-off, flatness, contrast, zero-crossing rate, chroma,
  tonnetz, onset strength, tempo, tempogram, HPSS, RMS, and for the vocal cue two more HPSS
  passes and a pitch track);

on the same clips, in one process limited to one thread, as the median (and range) of several
runs (alternating between the two, so load from other processes hits both alike) after an
untimed warm-up clip; the first (cold) clip of each is reported separately because
it pays numba's compilation. Figures are printed, nothing is asserted.

Usage::

    .venv/bin/python bench/extract.py                 # 50 synthetic 20 s clips, 3 runs
    .venv/bin/python bench/extract.py --clips DIR     # the first 50 audio files of DIR
    .venv/bin/python bench/extract.py --n 10 --runs 1 # quicker
"""

from __future__ import annotations

import os

# one core: set before numpy / scipy / numba load their thread pools
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from bench.common import add_clip_arguments, wall_times  # noqa: E402
from core.tracks import AUDIO_EXTENSIONS  # noqa: E402


# ------------------------------------------------------------------------------------------
# Clips
# ------------------------------------------------------------------------------------------
def own_clips(out_dir: Path, n: int, seconds: float, sr: int = 22050) -> list:
    """Fallback clips: tones, chords, noise and click beats, seeded."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * sr)) / sr
    paths = []
    for i in range(n):
        f0 = 110.0 * 2 ** (rng.integers(0, 24) / 12)
        y = sum(0.1 / h * np.sin(2 * np.pi * h * f0 * t * r) for h in range(1, 6) for r in (1.0, 1.25, 1.5))
        bpm = rng.uniform(80, 160)
        clicks = np.zeros_like(t)
        clicks[(np.arange(0, seconds, 60.0 / bpm) * sr).astype(int)] = 1.0
        y = y + np.convolve(clicks, rng.standard_normal(300) * np.exp(-np.arange(300) / 40.0))[: t.size] * 0.3
        y = y + rng.uniform(0.0, 0.05) * rng.standard_normal(t.size)
        p = out_dir / f"clip_{i:03d}.wav"
        sf.write(p, (0.8 * y / np.abs(y).max()).astype(np.float32), sr, subtype="PCM_16")
        paths.append(p)
    return paths


def build_clips(args, tmp: Path):
    if args.clips:
        files = sorted(p for p in Path(args.clips).rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS)
        if not files:
            sys.exit(f"no audio files ({', '.join(AUDIO_EXTENSIONS)}) under {args.clips}")
        return files[: args.n], f"the first {min(args.n, len(files))} audio files of {args.clips}"
    try:
        from core.datasets.synthetic import GENRES, SynthConfig, generate
    except ImportError:
        return own_clips(tmp, args.n, args.seconds), f"{args.n} own fallback clips of {args.seconds:g} s"
    per_genre = -(-args.n // len(GENRES))
    t0 = time.perf_counter()
    ds = generate(SynthConfig(tracks_per_genre=per_genre, clip_seconds=args.seconds, seed=0), tmp / "synth",
                  n_jobs=1)
    build = time.perf_counter() - t0
    paths = [Path(p) for p in ds.tracks["audio_path"].tolist() if p][: args.n]
    return paths, (f"{len(paths)} clips of {args.seconds:g} s from core.datasets.synthetic "
                   f"({len(GENRES)} genres x {per_genre}, built in {build:.1f} s)")


# ------------------------------------------------------------------------------------------
# The two extractors
# ------------------------------------------------------------------------------------------
def ours(path, config):
    from core.features.audio import extract_clip
    return extract_clip(path, config)


def naive(path, config):
    """Every descriptor from y, each computing its own spectrogram, as a first script would."""
    import librosa

    sr = config.sr
    y, _ = librosa.load(path, sr=sr, mono=True, duration=config.max_duration_s)
    out = []
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=config.n_mfcc)
    out += [mfcc, librosa.feature.delta(mfcc)]
    out.append(librosa.feature.spectral_centroid(y=y, sr=sr))
    out.append(librosa.feature.spectral_bandwidth(y=y, sr=sr))
    out.append(librosa.feature.spectral_rolloff(y=y, sr=sr))
    out.append(librosa.feature.spectral_flatness(y=y))
    out.append(librosa.feature.spectral_contrast(y=y, sr=sr))
    out.append(librosa.feature.zero_crossing_rate(y))
    out.append(librosa.feature.chroma_stft(y=y, sr=sr))
    out.append(librosa.feature.tonnetz(y=y, sr=sr))
    out.append(librosa.onset.onset_strength(y=y, sr=sr))
    out.append(librosa.feature.tempo(y=y, sr=sr))
    out.append(librosa.feature.tempogram(y=y, sr=sr))
    out.append(librosa.onset.onset_detect(y=y, sr=sr))
    harm, perc = librosa.effects.hpss(y)
    out.append([np.sum(harm ** 2), np.sum(perc ** 2)])
    rms = librosa.feature.rms(y=y)
    out += [rms, np.mean(np.abs(y) >= config.clip_level)]
    # vocal cue: a long-kernel and a short-kernel HPSS of the spectrogram, and a pitch track
    S = np.abs(librosa.stft(y))
    stable, fluct = librosa.decompose.hpss(S, kernel_size=(63, 31))
    out.append(librosa.decompose.hpss(fluct, kernel_size=(9, 17)))
    out.append(librosa.piptrack(y=y, sr=sr))
    return out


def time_runs(fn, paths, config, runs):
    """Wall time (s) of each of ``runs`` passes of ``fn`` over every clip."""
    def one_pass():
        for p in paths:
            fn(p, config)

    return wall_times(one_pass, runs)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_clip_arguments(ap, 50, runs_help="timed runs per method (default 3)",
                       naive_help="time only the extractor")
    args = ap.parse_args(argv)

    t_import = time.perf_counter()
    import librosa  # noqa: F401

    from core.features.audio import AudioConfig, extract_clip  # noqa: F401
    t_import = time.perf_counter() - t_import
    config = AudioConfig()

    with tempfile.TemporaryDirectory(prefix="bench-extract-") as tmp:
        paths, source = build_clips(args, Path(tmp))
        durations = [sf.info(str(p)).duration for p in paths]
        print(f"clips: {source}; mean length {np.mean(durations):.1f} s")
        print(f"one process, threads limited to 1 (OMP/BLAS/NUMBA_NUM_THREADS=1); imports took {t_import:.1f} s")

        methods = [("extract_clip", ours)] + ([] if args.skip_naive else [("naive librosa", naive)])
        cold = {}
        for name, fn in methods:
            t0 = time.perf_counter()
            fn(paths[0], config)  # cold: first call in this process (numba compile / cache load)
            cold[name] = time.perf_counter() - t0
            fn(paths[1 % len(paths)], config)  # untimed warm-up
        # runs alternate between the methods, so load from other processes hits both alike
        per_run = {name: [] for name, _ in methods}
        for _ in range(args.runs):
            for name, fn in methods:
                per_run[name] += time_runs(fn, paths, config, 1)
        results = {}
        for name, _ in methods:
            rates = [len(paths) / t for t in per_run[name]]
            results[name] = statistics.median(rates)
            print(f"{name:14s} cold first clip {cold[name]:6.2f} s | warm: "
                  f"{statistics.median(per_run[name]) / len(paths) * 1000:7.1f} ms/clip, "
                  f"{results[name]:6.2f} tracks/s/core (median of {args.runs}; runs "
                  f"{min(rates):.2f}-{max(rates):.2f})")
        if len(results) == 2:
            print(f"speed-up of extract_clip over the naive script: {results['extract_clip'] / results['naive librosa']:.1f}x"
                  " per core")


if __name__ == "__main__":
    main()
