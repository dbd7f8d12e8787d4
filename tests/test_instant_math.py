"""The instant panel's browser numerics (ui/instant_js, ``LiveMath``) against core, in headless
Chromium: rules, effective weights, fusion, warm Lloyd k-means, PCA map with Procrustes, external
and internal metrics, on a prepared features file with missing lyrics, missing audio, NaN
indicators and missing genre labels. One browser for the module."""

from __future__ import annotations

import base64
import json
import warnings

import numpy as np
import pytest

from bench.feature_file import feature_frame
from core.clustering.kmeans import FusedKMeans
from core.datasets import load_dataset
from core.experiments import prepare
from core.features.extract import extract_features
from core.fusion import effective_weights, fuse_concat
from core.metrics import ExternalScorer, NeutralScorer
from core.presets import PRESETS, ruleset_to_json
from core.projection import ProjectionConfig, project
from core.rules import DEFAULT_RULES, Rule, RuleSet, apply_rules, rule_counts
from tests.browser import browser_page
from ui.instant_js import internal_samples, live_math_source, truth_codes

N_TRACKS = 800
K = 8
HARD = ("no_lyrics", "unusable_audio", "no_voice")

# base64 <-> typed arrays in the page
_JS_HELPERS = """
globalThis.fromB64 = (s, T) => { const b = atob(s); const u = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) u[i] = b.charCodeAt(i); return new T(u.buffer); };
globalThis.toB64 = (a) => { const u = new Uint8Array(a.buffer, a.byteOffset, a.byteLength); let s = "";
  for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
  return btoa(s); };
"""


def b64(a, dtype=np.float32) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype).tobytes()).decode()


def unb64(s: str, dtype=np.float32) -> np.ndarray:
    return np.frombuffer(base64.b64decode(s), dtype).copy()


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    """A prepared 800-track features file: 30 tracks without audio (4 with neither modality,
    dropped), ~15 % without lyrics, NaN in two indicators, 25 genre labels missing."""
    root = tmp_path_factory.mktemp("instant-math")
    frame = feature_frame(N_TRACKS, n_genres=K, seed=5)
    rng = np.random.default_rng(1)
    audio_cols = [c for c in frame if c.startswith("audio_") and c[6:].isdigit()]
    frame.loc[rng.choice(N_TRACKS, 30, replace=False), audio_cols] = np.nan
    frame.loc[rng.choice(N_TRACKS, 60, replace=False), "audio_quality"] = np.nan
    frame.loc[rng.choice(N_TRACKS, 60, replace=False), "loudness_dbfs"] = np.nan
    labels = frame["genre"].to_numpy(object)
    labels[rng.choice(N_TRACKS, 25, replace=False)] = None
    path = root / "features.parquet"
    frame.to_parquet(path, index=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_DATA_DIR", str(root / "data"))
        mp.setenv("WORKBENCH_CACHE_DIR", str(root / "cache"))
        fs, _ = extract_features(load_dataset(path))
        prepared = prepare(fs)
    return prepared, prepared.align(labels)


@pytest.fixture(scope="module")
def page(state):
    prepared, labels = state
    emb, ind = prepared.embeddings, prepared.indicators
    with browser_page() as pg:
        pg.add_script_tag(content=live_math_source() + _JS_HELPERS)
        pg.evaluate("""(a) => { globalThis.S = { n: a.n, d: a.d,
            audio: fromB64(a.audio, Float32Array), lyrics: fromB64(a.lyrics, Float32Array),
            audioOk: fromB64(a.audioOk, Uint8Array), lyricsOk: fromB64(a.lyricsOk, Uint8Array),
            truth: fromB64(a.truth, Int32Array), cols: {} };
            for (const [k, v] of Object.entries(a.cols)) S.cols[k] = fromB64(v, Float32Array); }""",
                    {"n": emb.n_tracks, "d": emb.width, "audio": b64(emb.audio), "lyrics": b64(emb.lyrics),
                     "audioOk": b64(emb.audio_ok, np.uint8), "lyricsOk": b64(emb.lyrics_ok, np.uint8),
                     "truth": b64(truth_codes(labels), np.int32),
                     "cols": {name: b64(ind.column(name)) for name in ind.names}})
        yield pg


def js_rules(page, ruleset: RuleSet) -> dict:
    out = page.evaluate("""(rs) => { const r = LiveMath.applyRules(S.cols, S.n, rs);
        return {w: toB64(r.weights), decided: Array.from(r.decided), fired: r.fired}; }""",
                        json.loads(ruleset_to_json(ruleset))["ruleset"])
    out["w"] = unb64(out["w"])
    return out


def random_rulesets(count: int, seed: int = 0) -> list:
    """Random thresholds inside each indicator's observed range, deltas, widths, clips, switches."""
    rng = np.random.default_rng(seed)
    readable = ("vocal_presence", "percussive_ratio", "loudness_dbfs", "dynamic_range_db",
                "instrumental_density", "audio_quality", "lyrics_quality")
    span = {"loudness_dbfs": (-35.0, -5.0), "dynamic_range_db": (0.0, 16.0)}
    out = []
    for k in range(count):
        rules = []
        for j, name in enumerate(rng.choice(readable, size=rng.integers(1, 6), replace=False)):
            lo, hi = span.get(name, (0.0, 1.0))
            rules.append(Rule(f"r{j}", str(name), str(rng.choice([">", "<"])), float(rng.uniform(lo, hi)),
                              float(rng.uniform(-0.4, 0.4)), float(rng.uniform(0.0, 0.3) * (hi - lo))))
        lo = float(rng.uniform(0.0, 0.3))
        out.append(RuleSet(base_weight=float(rng.uniform(0.2, 0.8)), rules=tuple(rules),
                           clip=(lo, float(rng.uniform(lo, 1.0))), soft=bool(k % 2),
                           no_lyrics_rule=bool(rng.random() < 0.7), unusable_audio_rule=bool(rng.random() < 0.5),
                           audio_quality_floor=float(rng.uniform(0, 0.3)), no_voice_rule=bool(rng.random() < 0.5),
                           voice_floor=float(rng.uniform(0, 0.7))))
    return out


def rulesets_under_test() -> dict:
    sets = {"defaults": DEFAULT_RULES, "defaults soft": DEFAULT_RULES.with_changes(soft=True)}
    sets.update({f"preset {name}": rs for name, rs in PRESETS.items() if rs is not None})
    sets.update({f"preset {name} soft": rs.with_changes(soft=True) for name, rs in PRESETS.items() if rs is not None})
    off = {"no_lyrics_rule": False, "unusable_audio_rule": False, "no_voice_rule": False}
    for hard in HARD:  # each hard rule alone, with a floor that decides some tracks
        sets[f"only {hard}"] = DEFAULT_RULES.with_changes(**{**off, f"{hard}_rule": True},
                                                          audio_quality_floor=0.15, voice_floor=0.6)
    sets["every hard rule"] = DEFAULT_RULES.with_changes(unusable_audio_rule=True, no_voice_rule=True,
                                                         audio_quality_floor=0.15, voice_floor=0.6)
    sets.update({f"random {k}": rs for k, rs in enumerate(random_rulesets(8))})
    return sets


def float32_edge_rulesets(prepared) -> dict:
    """Thresholds a hair above values in the data that round to those very float32 values: numpy
    compares in float32 (x - float32(threshold) is 0 there, so '<' does not fire)."""
    out = {}
    for name in ("audio_quality", "vocal_presence", "loudness_dbfs"):
        col = prepared.indicators.column(name)
        v = float(col[np.isfinite(col)][7])
        thr = v + abs(v) * 2e-8
        assert thr != v and np.float32(thr) == np.float32(v) and np.count_nonzero(col == np.float32(v)) >= 1
        rule = Rule("edge", name, "<", thr, 0.3, 0.0)
        out[f"edge {name}"] = RuleSet(base_weight=0.5, rules=(rule,), no_lyrics_rule=False)
        ramp = Rule("edge", name, "<", thr, 0.3, 0.01)
        out[f"edge {name} soft"] = RuleSet(base_weight=0.5, rules=(ramp,), soft=True, no_lyrics_rule=False)
    return out


def test_weights_decisions_and_counts_match_core_for_every_ruleset(state, page):
    prepared, _ = state
    decided_seen = set()
    for name, rs in {**rulesets_under_test(), **float32_edge_rulesets(prepared)}.items():
        py = apply_rules(prepared.indicators, rs)
        js = js_rules(page, rs)
        assert np.max(np.abs(js["w"] - py.weights)) <= 1e-6, name
        codes = np.array([(("",) + HARD).index(x) for x in py.decided_by])
        np.testing.assert_array_equal(js["decided"], codes, err_msg=name)
        assert js["fired"] == rule_counts(py), name
        decided_seen.update(codes.tolist())
    assert decided_seen == {0, 1, 2, 3}  # every hard rule decided some track somewhere


def test_a_perturbed_delta_is_caught(state, page):
    """The weight comparison can fail: the JS side given poor_audio's delta + 0.01 differs."""
    prepared, _ = state
    rs = DEFAULT_RULES.with_changes(soft=True)
    bent = rs.replace_rule("poor_audio", delta=rs.get_rule("poor_audio").delta + 0.01)
    assert np.max(np.abs(js_rules(page, bent)["w"] - apply_rules(prepared.indicators, rs).weights)) > 1e-3


def test_effective_weights_and_fused_matrix_match(state, page):
    prepared, _ = state
    emb = prepared.embeddings
    for rs in (DEFAULT_RULES, DEFAULT_RULES.with_changes(soft=True, unusable_audio_rule=True)):
        w = apply_rules(prepared.indicators, rs).weights
        out = page.evaluate("""(w64) => { const w = fromB64(w64, Float32Array);
            const e = LiveMath.effectiveWeights(w, S.audioOk, S.lyricsOk);
            return [toB64(e), toB64(LiveMath.fuseConcat(S.audio, S.lyrics, S.n, S.d, e, null))]; }""", b64(w))
        np.testing.assert_array_equal(unb64(out[0]), effective_weights(emb, w))
        fused = unb64(out[1]).reshape(emb.n_tracks, 2 * emb.width)
        assert np.max(np.abs(fused - fuse_concat(emb, w))) <= 1e-6


def fused(prepared, rs) -> np.ndarray:
    return fuse_concat(prepared.embeddings, apply_rules(prepared.indicators, rs).weights)


def js_lloyd(page, X, init, k):
    out = page.evaluate("""(a) => { const X = fromB64(a.X, Float32Array);
        const r = LiveMath.lloyd(X, a.n, a.D, fromB64(a.init, Float32Array), a.k);
        return {labels: Array.from(r.labels), centers: toB64(r.centers), inertia: r.inertia, nIter: r.nIter}; }""",
                        {"X": b64(X), "n": X.shape[0], "D": X.shape[1], "init": b64(init), "k": k})
    out["centers"] = unb64(out["centers"]).reshape(k, X.shape[1])
    return out


def test_warm_lloyd_gives_the_same_labels_and_centres(state, page):
    prepared, _ = state
    X0 = fused(prepared, DEFAULT_RULES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cold = FusedKMeans(K, n_init=1, seed=0).fit(X0).cluster_centers_
    duplicate = cold.copy()
    duplicate[3] = duplicate[2]  # an empty cluster from the start: the relocation runs
    far = cold.copy()
    far[5] = 10.0  # a centre nobody is near
    # a far singleton: the most outlying track alone in an added cluster 8, farther from its centre
    # than any other track from its own; the empty cluster 9 must skip it (its cluster has one member)
    d2 = ((X0[:, None, :] - cold[None, :, :]) ** 2).sum(axis=2).min(axis=1)
    far_i, second = int(np.argmax(d2)), np.sort(d2)[-2]
    singleton = np.vstack([cold, X0[far_i] * (1.0 + np.sqrt((d2[far_i] + second) / 2.0)),
                           np.full(X0.shape[1], 10.0, np.float32)]).astype(np.float32)
    moves = [(DEFAULT_RULES, singleton), (DEFAULT_RULES.with_changes(soft=True), cold),
             (DEFAULT_RULES.replace_rule("poor_audio", delta=-0.5), cold),
             (DEFAULT_RULES, duplicate), (DEFAULT_RULES.with_changes(base_weight=0.2), far)]
    for rs, init in moves:
        X = fused(prepared, rs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            py = FusedKMeans(len(init), init=init, n_init=1).fit(X)
        js = js_lloyd(page, X, init, len(init))
        np.testing.assert_array_equal(js["labels"], py.labels_)
        assert np.max(np.abs(js["centers"] - py.cluster_centers_)) <= 1e-4
        assert js["nIter"] == py.n_iter_
        assert js["inertia"] == pytest.approx(py.inertia_, rel=1e-5)


def js_project(page, X, c, prev=None):
    out = page.evaluate("""(a) => { const X = fromB64(a.X, Float32Array);
        const prev = a.prev ? {coords: fromB64(a.prev.coords, Float32Array),
                               axes: fromB64(a.prev.axes, Float64Array)} : null;
        const r = LiveMath.project(X, a.n, a.D, prev, a.c);
        return {coords: toB64(r.coords), axes: toB64(r.axes), warm: r.warm, nIter: r.nIter,
                converged: r.converged}; }""",
                        {"X": b64(X), "n": X.shape[0], "D": X.shape[1], "c": c, "prev": prev})
    out["coords"] = unb64(out["coords"]).reshape(X.shape[0], c)
    return out


@pytest.mark.parametrize("c", [2, 3])
def test_pca_signs_are_fixed_whatever_the_start(state, page, c):
    """Started from the negated axes of another weighting, the map still has numpy's signs."""
    prepared, _ = state
    first = js_project(page, fused(prepared, DEFAULT_RULES), c)
    flipped = b64(-np.frombuffer(base64.b64decode(first["axes"]), np.float64), np.float64)
    X = fused(prepared, DEFAULT_RULES.with_changes(soft=True))
    py = project(X, ProjectionConfig(method="pca", n_components=c)).coords
    js = page.evaluate("""(a) => { const X = fromB64(a.X, Float32Array);
        const r = LiveMath.pca(X, a.n, a.D, a.c, {axes: fromB64(a.axes, Float64Array)});
        return toB64(r.coords); }""", {"X": b64(X), "n": X.shape[0], "D": X.shape[1], "c": c, "axes": flipped})
    assert np.max(np.abs(unb64(js).reshape(-1, c) - py)) <= 1e-4 * np.ptp(py, axis=0).max()


@pytest.mark.parametrize("c", [2, 3])
def test_pca_map_cold_then_warm_matches_core(state, page, c):
    prepared, _ = state
    cfg = ProjectionConfig(method="pca", n_components=c)
    py_prev = js_prev = None
    for rs in (DEFAULT_RULES, DEFAULT_RULES.with_changes(soft=True),
               DEFAULT_RULES.replace_rule("voice_present", threshold=0.7), DEFAULT_RULES.with_changes(base_weight=0.3)):
        X = fused(prepared, rs)
        py = project(X, cfg, init=py_prev).coords
        js = js_project(page, X, c, js_prev)
        assert js["converged"] and js["warm"] == (py_prev is not None)
        scale = np.ptp(py, axis=0).max()
        assert np.max(np.abs(js["coords"] - py)) <= 1e-4 * scale
        py_prev = py
        js_prev = {"coords": b64(js["coords"]), "axes": js["axes"]}


def test_external_metrics_match_the_scorer(state, page):
    prepared, labels = state
    scorer = ExternalScorer(labels)
    rng = np.random.default_rng(3)
    n = prepared.n_tracks
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        good = FusedKMeans(K, n_init=1, seed=0).fit(fused(prepared, DEFAULT_RULES)).labels_
    noisy = good.copy()
    noisy[rng.random(n) < 0.1] = -1  # HDBSCAN-style noise: a cluster of its own
    partitions = {"k-means": good, "noise": noisy, "random 12": rng.integers(0, 12, n),
                  "random 3": rng.integers(0, 3, n), "one cluster": np.zeros(n, np.int64),
                  "sparse ids": good * 7 + 100}
    for name, pred in partitions.items():
        py = scorer(np.asarray(pred, np.int64))
        js = page.evaluate("(p) => LiveMath.external(S.truth, Int32Array.from(p))", [int(x) for x in pred])
        assert js["n_scored"] == py["n_scored"] and js["n_unlabelled"] == py["n_unlabelled"] == 25
        assert js["n_noise"] == py["n_noise"]
        for key in ("nmi", "ari", "ami", "v_measure", "homogeneity", "completeness", "purity", "accuracy"):
            assert abs(js[key] - py[key]) <= 1e-9, (name, key, js[key], py[key])


@pytest.mark.parametrize("sample_size", [2000, 300])
def test_internal_metrics_match_the_neutral_scorer(state, page, sample_size):
    """Per modality and their mean; 300 makes the silhouette subsample (the rows come from Python)."""
    prepared, _ = state
    emb = prepared.embeddings
    scorer = NeutralScorer(emb, sample_size=sample_size)
    assert scorer.subsampled == (sample_size < emb.n_tracks)
    page.evaluate("(s) => { globalThis.IC = LiveMath.prepareInternal(S.audio, S.lyrics, S.n, S.d, "
                  "S.audioOk, S.lyricsOk, s); }", internal_samples(scorer))
    rng = np.random.default_rng(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        good = FusedKMeans(K, n_init=1, seed=0).fit(fused(prepared, DEFAULT_RULES)).labels_
    noisy = good.copy()
    noisy[rng.random(emb.n_tracks) < 0.1] = -1
    nudged = good.copy()
    nudged[rng.choice(emb.n_tracks, 20, replace=False)] = rng.integers(0, K, 20)
    # small changes take the incremental silhouette path, big ones and new ids rebuild it
    incremental = 0
    for pred in (good, nudged, noisy, good, rng.integers(0, 5, emb.n_tracks), nudged, nudged * 3 + 1):
        py = scorer(np.asarray(pred, np.int64))
        js = page.evaluate("(p) => LiveMath.internal(IC, Int32Array.from(p))", [int(x) for x in pred])
        incremental += page.evaluate("IC.parts[0].sil.calls > 0")
        for key in ("silhouette", "calinski_harabasz", "davies_bouldin"):
            for suffix in ("", "_audio", "_lyrics"):
                assert js[key + suffix] == pytest.approx(py[key + suffix], rel=1e-5, abs=1e-5), key + suffix
    assert incremental >= 2


_JS_CHAIN = """(a) => {
  const L = LiveMath, D = 2 * S.d, ctx = L.prepareInternal(S.audio, S.lyrics, S.n, S.d, S.audioOk, S.lyricsOk, {});
  let centers = fromB64(a.init, Float32Array), map = null, X = null, memo = null;
  return a.moves.map((rs) => {
    const r = L.applyRules(S.cols, S.n, rs);
    X = L.fuseConcat(S.audio, S.lyrics, S.n, S.d, L.effectiveWeights(r.weights, S.audioOk, S.lyricsOk), X);
    const km = L.lloyd(X, S.n, D, centers, a.k, 100, 0, a.memo ? memo : null);
    centers = km.centers;
    memo = km.memo;
    map = L.project(X, S.n, D, map, 2);
    return {labels: Array.from(km.labels), map: toB64(map.coords), ext: L.external(S.truth, km.labels),
            int: L.internal(ctx, km.labels)};
  }); }"""


@pytest.mark.parametrize("memo", [True, False])
def test_a_chain_of_warm_moves_matches_the_python_loop(state, page, memo):
    """Base slider 0.30 -> 0.45 -> 0.30 with ramps on, each move warm-started from the last (centres,
    map, and with memo the k-means distance bounds): what the instant panel does, against what core
    does for the same moves."""
    prepared, labels = state
    emb, ind = prepared.embeddings, prepared.indicators
    base = DEFAULT_RULES.with_changes(soft=True)
    positions = [0.30 + 0.03 * i for i in range(6)] + [0.45 - 0.03 * i for i in range(1, 6)]
    rulesets = [base.with_changes(base_weight=round(b, 2)) for b in positions]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        centers = FusedKMeans(K, n_init=1, seed=0).fit(fused(prepared, rulesets[0])).cluster_centers_
    js = page.evaluate(_JS_CHAIN, {"init": b64(centers), "k": K, "memo": memo,
                                   "moves": [json.loads(ruleset_to_json(rs))["ruleset"] for rs in rulesets]})
    external, internal, prev = ExternalScorer(labels), NeutralScorer(emb), None
    for rs, move in zip(rulesets, js):
        X = fuse_concat(emb, apply_rules(ind, rs).weights)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            km = FusedKMeans(K, init=centers, n_init=1).fit(X)
        centers = km.cluster_centers_
        prev = project(X, ProjectionConfig(method="pca"), init=prev).coords
        np.testing.assert_array_equal(move["labels"], km.labels_)
        assert np.max(np.abs(unb64(move["map"]).reshape(-1, 2) - prev)) <= 1e-4 * np.ptp(prev, axis=0).max()
        ext, ints = external(km.labels_), internal(km.labels_)
        assert all(abs(move["ext"][m] - ext[m]) <= 1e-9 for m in ("nmi", "ari", "ami", "accuracy", "purity"))
        assert all(move["int"][m] == pytest.approx(ints[m], rel=1e-5, abs=1e-5)
                   for m in ("silhouette", "calinski_harabasz", "davies_bouldin"))


@pytest.mark.parametrize("width", [3, 8, 16, 17])
def test_narrow_matrices_use_the_exact_eigensolver_and_match(state, page, width):
    """Up to 16 columns the covariance is formed and solved exactly (Jacobi); 17 takes Krylov."""
    from core.projection.pca import _pca
    prepared, _ = state
    X = np.ascontiguousarray(fused(prepared, DEFAULT_RULES)[:, :width])
    for c in (2, 3):
        py, _ = _pca(X, c)
        js = page.evaluate("""(a) => toB64(LiveMath.pca(fromB64(a.X, Float32Array), a.n, a.D, a.c).coords)""",
                           {"X": b64(X), "n": X.shape[0], "D": width, "c": c})
        assert np.max(np.abs(unb64(js).reshape(-1, c) - py)) <= 1e-4 * np.ptp(py, axis=0).max()
