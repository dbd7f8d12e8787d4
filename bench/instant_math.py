"""Benchmark: the instant panel's browser numerics (``ui/instant_js``, ``LiveMath``) per slider
move, in headless Chromium, at 1,000 and 10,000 tracks.

Prints figures, asserts nothing. Run from the repository root:

    .venv/bin/python bench/instant_math.py                      # 1,000 and 10,000 tracks
    .venv/bin/python bench/instant_math.py --sizes 1000 --width 32 --moves 40

Per size: a features file from :func:`bench.feature_file.feature_frame` (10 genres, 160-d audio
and lyrics so the embedding width can be 128) is prepared (``core.experiments.prepare`` with
``n_components=--width``: the fused matrix is n x 2 width); k-means starts from seeded
k-means++ centres (Python, as the cold start does), the map from a cold PCA in the page; then,
per base-slider position (0.30, 0.31, ... up and back down, soft ramps on: every track's weight
moves), the page times each step of one move: rules, fuse (effective weights + concatenation),
warm Lloyd (init = previous centres), project (PCA warm-started from the previous axes +
Procrustes onto the previous map), external metrics, internal metrics; and ``move`` = all of them.
``prepareInternal`` (once per dataset) is timed apart.

``--cpu`` runs the same JavaScript in node (same V8 engine) and times process CPU time instead of
wall time: on a shared machine under load the wall times in Chromium inflate by the wait for a core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

_JS_MOVES = """(a) => {
  const fromB64 = (s, T) => { const b = atob(s); const u = new Uint8Array(b.length);
    for (let i = 0; i < b.length; i++) u[i] = b.charCodeAt(i); return new T(u.buffer); };
  const n = a.n, d = a.d, D = 2 * d, L = LiveMath;
  // --cpu (node): process CPU time, which a loaded machine does not inflate; else wall time
  const clock = a.cpu ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }
                      : () => performance.now();
  const audio = fromB64(a.audio, Float32Array), lyrics = fromB64(a.lyrics, Float32Array);
  const audioOk = fromB64(a.audioOk, Uint8Array), lyricsOk = fromB64(a.lyricsOk, Uint8Array);
  const truth = fromB64(a.truth, Int32Array), cols = {};
  for (const [k, v] of Object.entries(a.cols)) cols[k] = fromB64(v, Float32Array);
  let t = clock();
  const ctx = L.prepareInternal(audio, lyrics, n, d, audioOk, lyricsOk, a.samples);
  const prepareMs = clock() - t;
  let centers = fromB64(a.init, Float32Array), out = new Float32Array(n * D), memo = null;
  const w0 = L.applyRules(cols, n, a.moves[0]).weights;
  t = clock();
  let map = L.project(L.fuseConcat(audio, lyrics, n, d, L.effectiveWeights(w0, audioOk, lyricsOk), out), n, D, null, 2);
  const coldPcaMs = clock() - t, coldPcaIter = map.nIter;
  const steps = {rules: [], fuse: [], lloyd: [], project: [], external: [], internal: [], move: []};
  const iters = {lloyd: [], pca: []};
  for (const rs of a.moves) {
    const t0 = clock();
    const r = L.applyRules(cols, n, rs);
    const t1 = clock();
    out = L.fuseConcat(audio, lyrics, n, d, L.effectiveWeights(r.weights, audioOk, lyricsOk), out);
    const t2 = clock();
    const km = L.lloyd(out, n, D, centers, a.k, 100, 0, memo);
    centers = km.centers;
    memo = km.memo;
    const t3 = clock();
    map = L.project(out, n, D, map, 2);
    const t4 = clock();
    L.external(truth, km.labels);
    const t5 = clock();
    L.internal(ctx, km.labels);
    const t6 = clock();
    steps.rules.push(t1 - t0); steps.fuse.push(t2 - t1); steps.lloyd.push(t3 - t2);
    steps.project.push(t4 - t3); steps.external.push(t5 - t4); steps.internal.push(t6 - t5);
    steps.move.push(t6 - t0); iters.lloyd.push(km.nIter); iters.pca.push(map.nIter);
  }
  return {prepareMs, coldPcaMs, coldPcaIter, steps, iters};
}"""


def pct(v, q) -> float:
    v = sorted(v)
    return v[int(q * (len(v) - 1))]


def run_size(n: int, width: int, moves: int, k: int, cpu: bool = False) -> None:
    import base64

    import numpy as np

    from bench.feature_file import feature_frame
    from core.clustering.kmeans import FusedKMeans
    from core.datasets import load_dataset
    from core.experiments import ExperimentConfig, prepare
    from core.features.extract import extract_features
    from core.fusion import fuse_concat
    from core.presets import ruleset_to_json
    from core.rules import DEFAULT_RULES, apply_rules
    from tests.browser import browser_page
    from ui.instant_js import internal_samples, live_math_source, truth_codes

    def b64(a, dtype=np.float32) -> str:
        return base64.b64encode(np.ascontiguousarray(a, dtype).tobytes()).decode()

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        frame = feature_frame(n, n_genres=10, d_audio=max(160, width), d_lyrics=max(160, width), seed=0)
        path = Path(tmp) / "features.parquet"
        frame.to_parquet(path, index=False)
        fs, _ = extract_features(load_dataset(path))
        prepared = prepare(fs, ExperimentConfig(n_components=width))
    emb, ind = prepared.embeddings, prepared.indicators
    base = DEFAULT_RULES.with_changes(soft=True)
    up = [round(0.30 + 0.01 * i, 2) for i in range(moves // 2)]
    positions = up + up[::-1][: moves - len(up)]
    rulesets = [json.loads(ruleset_to_json(base.with_changes(base_weight=b)))["ruleset"] for b in positions]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w0 = apply_rules(ind, base.with_changes(base_weight=positions[0])).weights
        init = FusedKMeans(k, n_init=1, seed=0).fit(fuse_concat(emb, w0)).cluster_centers_
    labels = prepared.align(frame["genre"].to_numpy(object))
    print(f"{n:,} tracks ({emb.n_tracks:,} prepared), fused width {2 * emb.width}, k={k}, {moves} moves "
          f"(set-up in Python {time.perf_counter() - t0:.1f} s)")
    args = {"n": emb.n_tracks, "d": emb.width, "k": k, "audio": b64(emb.audio), "lyrics": b64(emb.lyrics),
            "audioOk": b64(emb.audio_ok, np.uint8), "lyricsOk": b64(emb.lyrics_ok, np.uint8),
            "truth": b64(truth_codes(labels), np.int32), "init": b64(init),
            "cols": {name: b64(ind.column(name)) for name in ind.names},
            "samples": internal_samples(prepared.internal), "moves": rulesets}
    load = os.getloadavg()[0]
    if cpu:
        res = _run_in_node(live_math_source(), {**args, "cpu": True})
        print(f"  node {_node_version()} (V8 like Chromium), process CPU time; load average {load:.2f} "
              f"({os.cpu_count()} cores)")
    else:
        with browser_page() as page:
            page.add_script_tag(content=live_math_source())
            res = page.evaluate(_JS_MOVES, args)
        print(f"  Chromium, wall time; load average before the page ran: {load:.2f} ({os.cpu_count()} cores)")
    print(f"  prepareInternal (once): {res['prepareMs']:.0f} ms; cold PCA map: {res['coldPcaMs']:.0f} ms "
          f"({res['coldPcaIter']} iterations)")
    for step, v in res["steps"].items():
        print(f"  {step:9s} p50 {statistics.median(v):7.2f} ms   p90 {pct(v, 0.9):7.2f} ms   max {max(v):7.2f} ms")
    for name, v in res["iters"].items():
        print(f"  {name} iterations per move: median {statistics.median(v):g}, max {max(v)}")


def _node_version() -> str:
    return subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()


def _run_in_node(source: str, args: dict) -> dict:
    """The same moves in node (the machine is shared: CPU time shows the cost without the queue)."""
    with tempfile.TemporaryDirectory() as tmp:
        data, script = Path(tmp) / "args.json", Path(tmp) / "moves.js"
        data.write_text(json.dumps(args))
        script.write_text(source + f"\nconst a = JSON.parse(require('fs').readFileSync({json.dumps(str(data))}));\n"
                          f"console.log(JSON.stringify(({_JS_MOVES})(a)));\n")
        out = subprocess.run(["node", "--max-old-space-size=4096", str(script)], capture_output=True, text=True,
                             check=True)
    return json.loads(out.stdout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated track counts")
    ap.add_argument("--width", type=int, default=128, help="embedding width per modality (default 128)")
    ap.add_argument("--moves", type=int, default=30)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--cpu", action="store_true",
                    help="run the moves in node and time process CPU time (not inflated by a loaded machine)")
    args = ap.parse_args(argv)
    for n in (int(s) for s in args.sizes.split(",")):
        run_size(n, args.width, args.moves, args.k, cpu=args.cpu)
    return 0


if __name__ == "__main__":
    sys.exit(main())
