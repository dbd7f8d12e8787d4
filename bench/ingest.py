"""Benchmark: a big ingest with broken files, a SIGKILL half-way, and a bit-identical restart.

1. Writes ``--n`` short real audio clips (``--seconds`` long, 16-bit WAV, seeded numpy tones and
   clicks, written with soundfile) and a CSV manifest naming them; ``--broken`` of them (5 % by
   default) are broken in varied ways: truncated header, random bytes, zero length, a text file,
   a header over a cut payload (too short), NaN samples, a missing file, and WAV content named
   ``.m4a`` (named in the problems, and kept: it decodes by its content).
2. Runs ``python -m core extract <manifest> --jobs J`` uninterrupted (the reference), polling the
   process tree's memory, and checks that every broken file is named in its output and every
   other track is cached.
3. Runs it again into a fresh cache, SIGKILLs the process group once about half of the clips are
   cached, checks that every cache entry on disk opens whole, restarts it, and checks that the
   features are bit-identical to the reference.

Prints the figures; asserts only correctness (named problems, bit-identity), never time.

Usage::

    .venv/bin/python bench/ingest.py --n 10000          # the full figure (long on a shared machine)
    .venv/bin/python bench/ingest.py --n 400 --jobs 2   # a smaller run
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import psutil  # noqa: E402
import soundfile as sf  # noqa: E402

SR = 22050
BROKEN_KINDS = ("truncated_header", "random_bytes", "zero_length", "text", "cut_payload", "nan_samples",
                "missing", "wrong_extension")


def write_clips(folder: Path, n: int, seconds: float, broken: float, seed: int = 0) -> tuple[Path, dict]:
    """The clips and ``manifest.csv``; returns (manifest, {relative path: broken kind})."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR), dtype=np.float32) / SR
    n_broken = int(round(n * broken))
    broken_at = set(rng.choice(n, size=n_broken, replace=False).tolist())
    genres = ("rock", "folk", "jazz", "pop")
    bad, rows = {}, []
    for i in range(n):
        genre = genres[i % len(genres)]
        rel = f"{genre}/{i // 1000:02d}/clip{i:05d}.wav"
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        f0 = 110.0 * 2 ** (rng.integers(0, 24) / 12)
        y = 0.3 * np.sin(2 * np.pi * f0 * t) + 0.1 * np.sin(2 * np.pi * 2 * f0 * t)
        beat = int(SR * 60.0 / rng.uniform(80, 160))
        y[::beat] += 0.5
        y += 0.02 * rng.standard_normal(len(t)).astype(np.float32)
        y = (0.8 * y / np.abs(y).max()).astype(np.float32)
        if i in broken_at:
            kind = BROKEN_KINDS[len(bad) % len(BROKEN_KINDS)]
            if kind == "wrong_extension":  # WAV content named .m4a: named in the problems, and kept
                rel = rel[:-4] + ".m4a"
                path = folder / rel
            bad[rel] = kind
            if kind == "nan_samples":
                y[: len(y) // 2] = np.nan
                sf.write(path, y, SR, subtype="FLOAT")
            elif kind == "cut_payload":
                sf.write(path, y, SR, subtype="PCM_16")
                path.write_bytes(path.read_bytes()[:44 + int(0.2 * SR) * 2])     # 0.2 s left of the data
            elif kind == "missing":
                pass
            else:
                sf.write(path, y, SR, format="WAV", subtype="PCM_16")
                raw = path.read_bytes()
                path.write_bytes({"truncated_header": raw[:30], "random_bytes": rng.bytes(len(raw)),
                                  "zero_length": b"", "text": b"these are not samples\n" * 50,
                                  "wrong_extension": raw}[kind])
        else:
            sf.write(path, y, SR, subtype="PCM_16")
        rows.append((f"clip{i:05d}", rel, genre))
    manifest = folder / "manifest.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["track_id", "audio_path", "genre"])
        w.writerows(rows)
    return manifest, bad


class TreeMemory:
    """Peak of the summed RSS of a process and its descendants, polled every ``interval`` s."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid, self.interval, self.peak, self._stop = pid, interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self):
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                procs = [root, *root.children(recursive=True)]
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(self.interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_cli(manifest: Path, cache: Path, jobs: int, kill_when=None) -> dict:
    """``python -m core extract``; ``kill_when(cache)`` -> True SIGKILLs the process group."""
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(cache), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    out_path = cache.parent / f"{cache.name}.stdout"
    t0 = time.perf_counter()
    with open(out_path, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "core", "extract", str(manifest), "--jobs", str(jobs)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        mem = TreeMemory(proc.pid)
        killed = False
        while proc.poll() is None:
            if kill_when is not None and kill_when(cache):
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.2)
        proc.wait()
    return {"rc": proc.returncode, "seconds": time.perf_counter() - t0, "peak_tree_rss": mem.stop(),
            "killed": killed, "out": out_path.read_text(errors="replace")}


def cache_entries(cache: Path, kind: str = "audio") -> list:
    return list((cache / kind).glob("*/*.npz")) if (cache / kind).is_dir() else []


def assert_cache_whole(cache: Path) -> int:
    """Every entry with a final name opens completely; returns how many there are."""
    from core.features.featureset import FeatureSet
    n = 0
    for path in cache.glob("*/*/*.npz"):
        if path.parent.parent.name == "featuresets":
            FeatureSet.load(path)
        else:
            with np.load(path, allow_pickle=False) as z:
                assert z.files and all(z[k].size for k in z.files), path
        n += 1
    return n


def features(manifest: Path, cache: Path):
    from core.datasets.manifest import load_manifest
    from core.features.cache import FeatureCache
    from core.features.extract import extract_features
    fs, rep = extract_features(load_manifest(manifest), cache=FeatureCache(cache), n_jobs=1)
    assert rep.from_dataset_cache, "the finished run left no dataset entry"
    return fs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="clips (default 10,000)")
    ap.add_argument("--seconds", type=float, default=1.5, help="clip length, s (default 1.5)")
    ap.add_argument("--broken", type=float, default=0.05, help="share of broken clips (default 0.05)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--out", help="work folder (default: a temporary folder, removed afterwards)")
    args = ap.parse_args(argv)

    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        manifest, bad = write_clips(work / "set", args.n, args.seconds, args.broken)
        size = sum(p.stat().st_size for p in (work / "set").rglob("*") if p.is_file())
        print(f"wrote {args.n} clips ({len(bad)} broken: "
              + ", ".join(f"{k} {list(bad.values()).count(k)}" for k in BROKEN_KINDS)
              + f"), {size / 2**20:,.0f} MiB, in {time.perf_counter() - t0:.1f} s")

        ref = run_cli(manifest, work / "cache-ref", args.jobs)
        assert ref["rc"] == 0, ref["out"][-3000:]
        unnamed = [rel for rel in bad if Path(rel).name not in ref["out"]]   # load problems give the path, extraction problems the file name
        assert not unnamed, f"broken files not named in the output: {unnamed[:10]}"
        good = args.n - len(bad) + list(bad.values()).count("wrong_extension")
        cached = len(cache_entries(work / "cache-ref"))
        assert cached == good, f"{cached} audio entries cached for {good} good clips"
        print(f"uninterrupted: {ref['seconds']:.1f} s ({args.n / ref['seconds']:.1f} clips/s, --jobs {args.jobs}), "
              f"peak RSS of the process tree {ref['peak_tree_rss'] / 2**20:,.0f} MiB; "
              f"all {len(bad)} broken files named, {cached} clips cached")

        half = good // 2
        killed = run_cli(manifest, work / "cache-kill", args.jobs,
                         kill_when=lambda c: len(cache_entries(c)) >= half)
        whole = assert_cache_whole(work / "cache-kill")
        print(f"killed with SIGKILL after {killed['seconds']:.1f} s "
              f"({'killed' if killed['killed'] else 'finished first'}); {whole} cache entries on disk, all whole")
        resumed = run_cli(manifest, work / "cache-kill", args.jobs)
        assert resumed["rc"] == 0, resumed["out"][-3000:]
        print(f"restarted: finished in {resumed['seconds']:.1f} s, "
              f"peak RSS of the process tree {resumed['peak_tree_rss'] / 2**20:,.0f} MiB")

        a, b = features(manifest, work / "cache-ref"), features(manifest, work / "cache-kill")
        assert a.track_ids == b.track_ids
        for name in a._ARRAYS:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        print(f"features after kill + restart are bit-identical to the uninterrupted run "
              f"({a.n_tracks} tracks, {a.audio.shape[1]} audio features)")
        biggest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"largest single process (ru_maxrss): {biggest:,.0f} MiB; cores: {os.cpu_count()}, "
              f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        if not args.out:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
