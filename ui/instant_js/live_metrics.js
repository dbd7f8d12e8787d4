/* live_metrics.js: the slider loop's numerics in the browser, part 3 of 3 (external and internal
 * metrics). A PLAIN script that adds to globalThis.LiveMath (load live_math.js first).
 *
 * external(): core/metrics/external.py (ExternalScorer) on integer truth codes.
 * prepareInternal() / internal(): core/metrics/neutral.py::NeutralScorer, i.e.
 * core/metrics/internal.py::InternalScorer in the audio embedding (tracks with audio) and in the
 * lyrics embedding (tracks with lyrics), then the mean of the finite ones.
 */
(function () {
  "use strict";
  const LM = (globalThis.LiveMath = globalThis.LiveMath || {});
  const fr = Math.fround;
  const EPS = 2.220446049250313e-16;
  const LN_2PI_HALF = 0.9189385332046728;  // log(2 pi) / 2

  /** log(k!) for k = 0 .. n, Float64Array(n + 1): exact products up to 17!, then Stirling's
   * series for log Gamma(k + 1) (error ~1 ulp, like scipy's gammaln). */
  function logFactorials(n) {
    const lf = new Float64Array(n + 1);
    let f = 1;
    for (let k = 1; k <= n; k++) {
      if (k <= 17) { f *= k; lf[k] = Math.log(f); continue; }
      const x = k + 1, x2 = x * x;
      lf[k] = (x - 0.5) * Math.log(x) - x + LN_2PI_HALF
        + (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * x2)) / x2) / x2) / x;
    }
    return lf;
  }
  let lfCache = new Float64Array(1);

  /** Expected mutual information (nats) of two random partitions with cluster sizes a, b of n:
   * external.py::_expected_mutual_info (the same Hoeffding window of terms). */
  function expectedMutualInfo(a, b, n) {
    if (lfCache.length < n + 1) lfCache = logFactorials(n);
    const lf = lfCache;
    let total = 0.0;
    for (const A of a) {
      if (A <= 0) continue;
      for (const B of b) {
        if (B <= 0) continue;
        const mean = A * (B / n), half = Math.ceil(Math.sqrt(40.0 * Math.min(A, B))) + 1.0;
        const start = Math.max(Math.max(1, A + B - n), Math.floor(mean - half));
        const stop = Math.min(Math.min(A, B) + 1, Math.ceil(mean + half) + 1);
        const head = lf[A] + lf[B] + lf[n - A] + lf[n - B] - lf[n];
        const logAB = Math.log(A * B);
        for (let nij = start; nij < stop; nij++) {
          const logP = head - lf[nij] - lf[A - nij] - lf[B - nij] - lf[n - A - B + nij];
          total += (nij / n) * (Math.log(n * nij) - logAB) * Math.exp(logP);
        }
      }
    }
    return total;
  }

  /** Maximum-weight assignment on an integer matrix (r x c, row-major), Hungarian algorithm
   * O(N^3) on the zero-padded square; returns the best total (like linear_sum_assignment). */
  function maxAssignment(table, r, c) {
    const N = Math.max(r, c), INF = Infinity;
    const cost = (i, j) => (i < r && j < c ? -table[i * c + j] : 0);
    const u = new Float64Array(N + 1), v = new Float64Array(N + 1);
    const p = new Int32Array(N + 1), way = new Int32Array(N + 1);
    for (let i = 1; i <= N; i++) {
      p[0] = i;
      let j0 = 0;
      const minv = new Float64Array(N + 1).fill(INF), used = new Uint8Array(N + 1);
      do {
        used[j0] = 1;
        const i0 = p[j0];
        let delta = INF, j1 = 0;
        for (let j = 1; j <= N; j++) {
          if (used[j]) continue;
          const cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
          if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
          if (minv[j] < delta) { delta = minv[j]; j1 = j; }
        }
        for (let j = 0; j <= N; j++) {
          if (used[j]) { u[p[j]] += delta; v[j] -= delta; } else minv[j] -= delta;
        }
        j0 = j1;
      } while (p[j0] !== 0);
      do { const j1 = way[j0]; p[j0] = p[j1]; j0 = j1; } while (j0);
    }
    let total = 0;
    for (let j = 1; j <= N; j++) if (p[j] && p[j] - 1 < r && j - 1 < c) total += table[(p[j] - 1) * c + j - 1];
    return total;
  }

  /** Sorted distinct values of an integer array and each entry's index among them. */
  function encode(labels) {
    const uniq = Array.from(new Set(labels)).sort((x, y) => x - y);
    const index = new Map(uniq.map((v, i) => [v, i]));
    const codes = new Int32Array(labels.length);
    for (let i = 0; i < labels.length; i++) codes[i] = index.get(labels[i]);
    return { k: uniq.length, codes };
  }

  function entropy(counts, n) {
    let h = 0.0;
    for (const c of counts) if (c > 0) { const q = c / n; h -= q * Math.log(q); }
    return h;
  }

  /**
   * External scores: core/metrics/external.py (ExternalScorer / external_metrics).
   * truth: Int32Array(n) class codes, -1 where the true label is missing (left out);
   * pred: Int32Array(n) clusters, -1 (noise) counts as a cluster of its own.
   * Returns {ari, nmi, ami, v_measure, homogeneity, completeness, purity, accuracy, n_scored,
   * n_unlabelled, n_noise}; NaN scores when fewer than 3 tracks are scored.
   */
  function external(truth, pred) {
    const keepT = [], keepP = [];
    for (let i = 0; i < truth.length; i++) if (truth[i] >= 0) { keepT.push(truth[i]); keepP.push(pred[i]); }
    const n = keepT.length, out = { n_scored: n, n_unlabelled: truth.length - n };
    out.n_noise = keepP.filter((x) => x < 0).length;
    const keys = ["ari", "nmi", "ami", "v_measure", "homogeneity", "completeness", "purity", "accuracy"];
    if (n < 3) { keys.forEach((key) => { out[key] = NaN; }); return out; }
    const T = encode(keepT), P = encode(keepP), r = T.k, c = P.k;
    const table = new Float64Array(r * c), a = new Float64Array(r), b = new Float64Array(c);
    for (let i = 0; i < n; i++) table[T.codes[i] * c + P.codes[i]]++;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) { a[i] += table[i * c + j]; b[j] += table[i * c + j]; }
    const comb = (x) => x * (x - 1) / 2.0;
    let sumIJ = 0, sumA = 0, sumB = 0;
    for (const x of table) sumIJ += comb(x);
    for (const x of a) sumA += comb(x);
    for (const x of b) sumB += comb(x);
    const expected = sumA * sumB / comb(n), maxIndex = (sumA + sumB) / 2.0;
    out.ari = maxIndex === expected ? 1.0 : (sumIJ - expected) / (maxIndex - expected);
    const hTrue = entropy(a, n), hPred = entropy(b, n), logN = Math.log(n);
    let mi = 0.0;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) {
      const x = table[i * c + j];
      if (x > 0) mi += x / n * (Math.log(x) + logN - Math.log(a[i] * b[j]));
    }
    mi = Math.max(mi, 0.0);
    const single = r === 1 && c === 1;
    out.nmi = single ? 1.0 : mi / Math.max((hTrue + hPred) / 2.0, EPS);
    const hom = hTrue === 0 ? 1.0 : mi / hTrue, com = hPred === 0 ? 1.0 : mi / hPred;
    out.homogeneity = hom;
    out.completeness = com;
    out.v_measure = hom + com === 0 ? 0.0 : 2.0 * hom * com / (hom + com);
    if (single) out.ami = 1.0;
    else {
      const emi = expectedMutualInfo(a, b, n);
      let denom = (hTrue + hPred) / 2.0 - emi;
      denom = denom < 0 ? Math.min(denom, -EPS) : Math.max(denom, EPS);
      out.ami = (mi - emi) / denom;
    }
    let pur = 0;
    for (let j = 0; j < c; j++) { let m = 0; for (let i = 0; i < r; i++) m = Math.max(m, table[i * c + j]); pur += m; }
    out.purity = pur / n;
    out.accuracy = maxAssignment(table, r, c) / n;
    return out;
  }

  /**
   * Once per dataset: what the internal scores of every move reuse (NeutralScorer's parts).
   * audio, lyrics: Float32Array(n*d) unit rows; audioOk, lyricsOk: Uint8Array(n);
   * samples: {audio, lyrics} each null (silhouette on every usable track) or an Int32Array of
   * sorted positions AMONG THAT MODALITY'S USABLE TRACKS (Python: InternalScorer.sample_ of
   * NeutralScorer.parts_, non-trivial above 2,000 tracks; see ui.instant_js.internal_samples).
   * Costs m^2 d / 2 multiply-adds per modality (m = sample size) for the silhouette distances.
   */
  function prepareInternal(audio, lyrics, n, d, audioOk, lyricsOk, samples = {}) {
    const parts = [];
    for (const [name, X, ok] of [["audio", audio, audioOk], ["lyrics", lyrics, lyricsOk]]) {
      const rows = [];
      for (let i = 0; i < n; i++) if (ok[i]) rows.push(i);
      if (rows.length < 3) continue;
      const m = rows.length, Xp = new Float64Array(m * d), sq = new Float64Array(m), mean = new Float64Array(d);
      rows.forEach((row, t) => {
        for (let j = 0; j < d; j++) Xp[t * d + j] = X[row * d + j];
      });
      for (let t = 0; t < m; t++) {
        sq[t] = LM._dot(Xp, t * d, Xp, t * d, d);
        for (let j = 0; j < d; j++) mean[j] += Xp[t * d + j];
      }
      for (let j = 0; j < d; j++) mean[j] /= m;
      const sample = samples && samples[name] ? Int32Array.from(samples[name]) : Int32Array.from(rows.keys());
      const s = sample.length, dist = new Float32Array(s * s);
      for (let u = 0; u < s; u++) {
        for (let v = u + 1; v < s; v++) {
          const d2 = sq[sample[u]] + sq[sample[v]] - 2.0 * LM._dot(Xp, sample[u] * d, Xp, sample[v] * d, d);
          dist[u * s + v] = dist[v * s + u] = fr(Math.sqrt(Math.max(d2, 0.0)));
        }
      }
      parts.push({ name, rows: Int32Array.from(rows), X: Xp, sq, mean, sample, dist, d });
    }
    return { n, parts };
  }

  /**
   * Silhouette of the sample rows (internal.py::InternalScorer._silhouette) from S, the summed
   * distances of every sample row to every cluster (m x cap, cluster by slot). S is kept on the
   * part between calls and updated for the rows whose cluster changed (2 m multiply-adds each;
   * a warm-started k-means moves few tracks per slider move), rebuilt (m^2) when more than an
   * eighth changed, a new cluster id appeared, or every 64 calls (no drift).
   */
  function silhouette(part, labelsAll) {
    const { sample, dist } = part, m = sample.length;
    let st = part.sil;
    const lab = new Int32Array(m);
    for (let u = 0; u < m; u++) lab[u] = labelsAll[sample[u]];
    let fresh = !st || st.calls >= 64;
    if (!fresh) for (let u = 0; u < m; u++) if (!st.slot.has(lab[u])) { fresh = true; break; }
    const slots = new Int32Array(m);
    if (fresh) {
      const slot = new Map();
      for (let u = 0; u < m; u++) if (!slot.has(lab[u])) slot.set(lab[u], slot.size);
      st = part.sil = { slot, cap: slot.size, S: null, slots: null, calls: 0 };
    }
    for (let u = 0; u < m; u++) slots[u] = st.slot.get(lab[u]);
    const cap = st.cap;
    const changed = [];
    if (!fresh) for (let u = 0; u < m; u++) if (st.slots[u] !== slots[u]) changed.push(u);
    if (fresh || changed.length > m / 8) {
      const S = (st.S = new Float64Array(m * cap));
      for (let u = 0; u < m; u++) {
        const o = u * m, su = u * cap;
        for (let v = 0; v < m; v++) S[su + slots[v]] += dist[o + v];
      }
      st.calls = 0;
    } else {
      const S = st.S;
      for (const v of changed) {  // column v of dist is its row v (symmetric)
        const from = st.slots[v], to = slots[v], o = v * m;
        for (let u = 0; u < m; u++) { const dv = dist[o + u]; S[u * cap + from] -= dv; S[u * cap + to] += dv; }
      }
      st.calls++;
    }
    st.slots = slots;
    const counts = new Float64Array(cap);
    for (let u = 0; u < m; u++) counts[slots[u]]++;
    let k = 0;
    for (let q = 0; q < cap; q++) if (counts[q] > 0) k++;
    if (m < 3 || k < 2 || k > m - 1) return NaN;
    const S = st.S;
    let total = 0.0;
    for (let u = 0; u < m; u++) {
      const su = u * cap, cu = slots[u], own = counts[cu];
      const a = S[su + cu] / Math.max(own - 1.0, 1.0);
      let b = Infinity;
      for (let q = 0; q < cap; q++) if (q !== cu && counts[q] > 0) b = Math.min(b, S[su + q] / counts[q]);
      const denom = Math.max(a, b);
      total += own > 1 && denom > 0 ? (b - a) / denom : 0.0;
    }
    return total / m;
  }

  function chDb(part, codes, k) {
    const { X, sq, mean, d } = part, n = codes.length;
    const counts = new Float64Array(k), cen = new Float64Array(k * d);
    for (let i = 0; i < n; i++) {
      counts[codes[i]]++;
      const o = codes[i] * d;
      for (let j = 0; j < d; j++) cen[o + j] += X[i * d + j];
    }
    for (let q = 0; q < k; q++) for (let j = 0; j < d; j++) cen[q * d + j] /= counts[q];
    const cSq = new Float64Array(k);
    let extra = 0.0;
    for (let q = 0; q < k; q++) {
      cSq[q] = LM._dot(cen, q * d, cen, q * d, d);
      let e = 0.0;
      for (let j = 0; j < d; j++) { const t = cen[q * d + j] - mean[j]; e += t * t; }
      extra += counts[q] * e;
    }
    let intra = 0.0;
    const spread = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const q = codes[i];
      const w = Math.max(sq[i] - 2.0 * LM._dot(X, i * d, cen, q * d, d) + cSq[q], 0.0);
      intra += w;
      spread[q] += Math.sqrt(w);
    }
    const ch = intra === 0.0 ? 1.0 : extra * (n - k) / (intra * (k - 1.0));
    for (let q = 0; q < k; q++) spread[q] /= counts[q];
    const cdist = new Float64Array(k * k);
    let allS = true, allC = true;
    for (let q = 0; q < k; q++) if (Math.abs(spread[q]) > 1e-8) allS = false;
    for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) {
      const v = p === q ? 0.0 : Math.sqrt(Math.max(cSq[p] + cSq[q] - 2.0 * LM._dot(cen, p * d, cen, q * d, d), 0.0));
      cdist[p * k + q] = v;
      if (Math.abs(v) > 1e-8) allC = false;
    }
    let db = 0.0;
    if (!(allS || allC)) {
      for (let p = 0; p < k; p++) {
        let worst = -Infinity;
        for (let q = 0; q < k; q++) {
          const cd = cdist[p * k + q] === 0 ? Infinity : cdist[p * k + q];
          worst = Math.max(worst, (spread[p] + spread[q]) / cd);
        }
        db += worst;
      }
      db /= k;
    }
    return { calinski_harabasz: ch, davies_bouldin: db };
  }

  const INTERNAL_KEYS = ["silhouette", "calinski_harabasz", "davies_bouldin"];

  /**
   * Internal scores of one partition (NeutralScorer.__call__): labels Int32Array(n) (-1 noise is
   * a cluster). Returns {silhouette, calinski_harabasz, davies_bouldin} (means of the finite
   * per-modality values) plus silhouette_audio, ..., davies_bouldin_lyrics (NaN if absent).
   */
  function internal(ctx, labels) {
    const out = {};
    for (const key of INTERNAL_KEYS) for (const m of ["audio", "lyrics"]) out[`${key}_${m}`] = NaN;
    for (const part of ctx.parts) {
      const lab = new Int32Array(part.rows.length);
      part.rows.forEach((row, t) => { lab[t] = labels[row]; });
      const { k, codes } = encode(lab);
      const n = lab.length;
      if (n < 3 || k < 2 || k > n - 1) continue;
      out[`silhouette_${part.name}`] = silhouette(part, lab);
      const cd = chDb(part, codes, k);
      out[`calinski_harabasz_${part.name}`] = cd.calinski_harabasz;
      out[`davies_bouldin_${part.name}`] = cd.davies_bouldin;
    }
    for (const key of INTERNAL_KEYS) {
      const vals = ["audio", "lyrics"].map((m) => out[`${key}_${m}`]).filter(Number.isFinite);
      out[key] = vals.length ? vals.reduce((x, y) => x + y, 0) / vals.length : NaN;
    }
    return out;
  }

  Object.assign(LM, { logFactorials, expectedMutualInfo, maxAssignment, external, prepareInternal, internal });
})();
