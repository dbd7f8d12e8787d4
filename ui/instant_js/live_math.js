/* live_math.js: the slider loop's numerics in the browser, part 1 of 3 (rules, weights, fusion,
 * warm Lloyd k-means). A PLAIN script (no import/export): it defines globalThis.LiveMath; the
 * other parts (live_pca.js, live_metrics.js) add to it. Python concatenates the three in order
 * with ui.instant_js.live_math_source().
 *
 * Each function is an exact port of the Python named in its comment, float32 where numpy gives
 * float32 (Math.fround), accumulating in float64 where numpy's BLAS accumulates in float32 (so
 * results agree to float32 rounding, not bit for bit). Matrices are row-major flat typed arrays
 * with explicit row count n and width. Nothing here validates its input: the component does.
 */
(function () {
  "use strict";
  const LM = (globalThis.LiveMath = globalThis.LiveMath || {});
  const fr = Math.fround;

  /** Steepness of the soft ramp (core/rules/model.py::_RAMP). */
  const RAMP = 8.0;
  /** Hard rules in precedence order (core/rules/model.py::HARD_RULES); decided codes 1, 2, 3. */
  const HARD_NAMES = ["no_lyrics", "unusable_audio", "no_voice"];

  function column(cols, name, n) {
    const c = cols[name];
    if (!c || c.length !== n) throw new Error(`applyRules: indicator ${name} missing or not of length ${n}`);
    return c;
  }

  /**
   * Audio weight per track from indicators: port of core/rules/engine.py::apply_rules.
   * cols: {indicatorName: Float32Array(n)} (NaN = unknown, never fires); ruleset: the "ruleset"
   * object of core.presets.ruleset_to_json. Returns {weights: Float32Array(n) in [0, 1] (audio
   * share), decided: Int8Array(n) (0 soft rules, 1 no_lyrics, 2 unusable_audio, 3 no_voice),
   * fired: {ruleName: tracks} like core.rules.rule_counts (soft rules then the three hard ones)}.
   */
  function applyRules(cols, n, rs) {
    const rules = rs.rules || [];
    const decided = new Int8Array(n);
    const lyr = rs.no_lyrics_rule ? column(cols, "lyrics_available", n) : null;
    const aav = rs.unusable_audio_rule ? column(cols, "audio_available", n) : null;
    const aq = rs.unusable_audio_rule ? column(cols, "audio_quality", n) : null;
    const vp = rs.no_voice_rule ? column(cols, "vocal_presence", n) : null;
    const qFloor = fr(rs.audio_quality_floor), vFloor = fr(rs.voice_floor);
    const hardCount = [0, 0, 0];
    for (let i = 0; i < n; i++) {  // NaN < x is false: NaN never triggers a hard rule
      let h = 0;
      if (lyr && lyr[i] < 0.5) h = 1;
      else if (aq && (aav[i] < 0.5 || aq[i] < qFloor)) h = 2;
      else if (vp && vp[i] < vFloor) h = 3;
      decided[i] = h;
      if (h) hardCount[h - 1]++;
    }
    const raw = new Float64Array(n);  // summed contributions, float64 as numpy
    const fired = {};
    for (const rule of rules) {
      const x = column(cols, rule.indicator, n);
      // numpy subtracts in float32 (a float32 column and a Python float), then widens to float64
      const thr = fr(rule.threshold), delta = rule.delta, gt = rule.op === ">";
      const ramp = rs.soft && rule.soft_width > 0.0;
      const scale = ramp ? -RAMP / rule.soft_width : 0.0;
      let count = 0;
      for (let i = 0; i < n; i++) {
        const d = fr(gt ? x[i] - thr : thr - x[i]);
        if (d > 0.0 && !decided[i]) count++;
        let c;
        if (ramp) {
          c = delta / (Math.exp(d * scale) + 1.0);
          if (c !== c) c = 0.0;  // NaN indicator: no contribution
        } else {
          c = d > 0.0 ? delta : 0.0;
        }
        raw[i] += c;
      }
      fired[rule.name] = count;
    }
    HARD_NAMES.forEach((name, k) => { fired[name] = hardCount[k]; });
    const lo = rs.clip[0], hi = rs.clip[1], base = rs.base_weight;
    const weights = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const h = decided[i];
      weights[i] = h ? (h === 2 ? 0.0 : 1.0) : Math.min(Math.max(raw[i] + base, lo), hi);
    }
    return { weights, decided, fired };
  }

  /**
   * The audio weights fusion uses: port of core/fusion/weights.py::_effective. w: Float32Array(n)
   * in [0, 1]; audioOk, lyricsOk: Uint8Array(n) masks. No lyrics -> 1; audio missing (lyrics
   * usable) -> 0. Returns Float32Array(n).
   */
  function effectiveWeights(w, audioOk, lyricsOk) {
    const n = w.length, out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = !lyricsOk[i] ? 1.0 : (!audioOk[i] ? 0.0 : w[i]);
    return out;
  }

  /**
   * Scaled concatenation [sqrt(w) a, sqrt(1 - w) l]: port of core/fusion/concat.py::
   * _fuse_concat_into. audio, lyrics: Float32Array(n*d) unit rows; wEff: Float32Array(n) effective
   * weights; out: Float32Array(n*2d) to reuse, or null. Returns out (float32 products as numpy).
   */
  function fuseConcat(audio, lyrics, n, d, wEff, out) {
    const D = 2 * d;
    if (!out || out.length !== n * D) out = new Float32Array(n * D);
    for (let i = 0; i < n; i++) {
      const sa = fr(Math.sqrt(wEff[i])), sl = fr(Math.sqrt(fr(1.0 - wEff[i])));
      const o = i * D, s = i * d;
      for (let j = 0; j < d; j++) {
        out[o + j] = fr(audio[s + j] * sa);
        out[o + d + j] = fr(lyrics[s + j] * sl);
      }
    }
    return out;
  }

  /** Dot product of rows: a[ia .. ia+D) . b[ib .. ib+D), accumulated in float64. */
  function dot(a, ia, b, ib, D) {
    let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, j = 0;
    for (; j + 3 < D; j += 4) {
      s0 += a[ia + j] * b[ib + j];
      s1 += a[ia + j + 1] * b[ib + j + 1];
      s2 += a[ia + j + 2] * b[ib + j + 2];
      s3 += a[ia + j + 3] * b[ib + j + 3];
    }
    for (; j < D; j++) s0 += a[ia + j] * b[ib + j];
    return (s0 + s1) + (s2 + s3);
  }

  /** All k scores |c|^2 - 2 x.c of row i (kmeans.py::_scores, r = None), four centres per pass
   * over the row; sets label (first minimum), own score, and the distances to the nearest and
   * second-nearest centre (Hamerly's upper and lower bounds). C: Float64Array(k*D), cn: |c|^2. */
  function scanRow(X, i, D, C, cn, k, st) {
    const r = i * D;
    let best = Infinity, second = Infinity, arg = 0, c = 0;
    const take = (v, q) => {
      if (v < best) { second = best; best = v; arg = q; } else if (v < second) second = v;
    };
    for (; c + 3 < k; c += 4) {
      const c0 = c * D, c1 = c0 + D, c2 = c1 + D, c3 = c2 + D;
      let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
      for (let j = 0; j < D; j++) {
        const x = X[r + j];
        s0 += x * C[c0 + j];
        s1 += x * C[c1 + j];
        s2 += x * C[c2 + j];
        s3 += x * C[c3 + j];
      }
      take(cn[c] - 2.0 * s0, c);
      take(cn[c + 1] - 2.0 * s1, c + 1);
      take(cn[c + 2] - 2.0 * s2, c + 2);
      take(cn[c + 3] - 2.0 * s3, c + 3);
    }
    for (; c < k; c++) take(cn[c] - 2.0 * dot(X, r, C, c * D, D), c);
    st.labels[i] = arg;
    st.own[i] = best;
    st.upper[i] = Math.sqrt(Math.max(st.rowConst[i] + best, 0.0));
    st.lower[i] = Math.sqrt(Math.max(st.rowConst[i] + second, 0.0));
  }

  /** Labels for new centres. Exact argmin, but a row whose bounds prove its label unchanged
   * (Hamerly: its own distance < every other centre's lower bound, after the centres moved by
   * shift) costs one dot product instead of k. shift: Float64Array(k) or null (scan every row). */
  function assign(X, n, D, centers, k, st, shift) {
    const C = Float64Array.from(centers), cn = new Float64Array(k);
    for (let c = 0; c < k; c++) cn[c] = dot(C, c * D, C, c * D, D);
    let m1 = 0.0, m2 = 0.0, a1 = -1;  // largest and second-largest centre shift
    if (shift) {
      for (let c = 0; c < k; c++) {
        if (shift[c] > m1) { m2 = m1; m1 = shift[c]; a1 = c; } else if (shift[c] > m2) m2 = shift[c];
      }
    }
    for (let i = 0; i < n; i++) {
      if (shift && !st.stale[i]) {
        const a = st.labels[i];
        const lower = st.lower[i] - (a === a1 ? m2 : m1);
        const own = cn[a] - 2.0 * dot(X, i * D, C, a * D, D);
        const upper = Math.sqrt(Math.max(st.rowConst[i] + own, 0.0));
        if (upper < lower * (1.0 - 1e-9) - 1e-12) {  // strict, with room for float64 rounding
          st.own[i] = own;
          st.upper[i] = upper;
          st.lower[i] = lower;
          continue;
        }
      }
      scanRow(X, i, D, C, cn, k, st);
      st.stale[i] = 0;
    }
  }

  /** Empty clusters take the farthest point of a cluster with > 1 member, in order of the empty
   * cluster's index (kmeans.py::_relocate_empty; ties: lowest row). Modifies labels, trueDist. */
  function relocateEmpty(labels, trueDist, counts, k) {
    for (let c = 0; c < k; c++) {
      if (counts[c] !== 0) continue;
      let arg = -1, best = -Infinity;
      for (let i = 0; i < labels.length; i++) {
        const t = trueDist[i];
        if (t > 1e-12 && t > best && counts[labels[i]] > 1) { best = t; arg = i; }
      }
      if (arg < 0) continue;
      counts[labels[arg]]--;
      labels[arg] = c;
      counts[c]++;
      trueDist[arg] = 0.0;
    }
  }

  /**
   * Lloyd k-means from given centres: port of core/clustering/kmeans.py::_lloyd on a fused
   * matrix (FusedKMeans, r = None), including the empty-cluster relocation. X: Float32Array(n*D);
   * init: Float32Array(k*D) (the previous centres: the map's warm start). Stops when labels stop
   * changing, the summed squared centre shift is <= tol, or after maxIter updates.
   * memo: the previous call's result.memo, or null. When init is exactly that call's centres, its
   * distance bounds carry over (widened by how far each row of X moved), so the first
   * assignment scans only rows whose bounds fail instead of all n x k.
   * Returns {labels: Int32Array(n), centers: Float32Array(k*D), inertia (sum of squared
   * distances), nIter, memo}.
   */
  function lloyd(X, n, D, init, k, maxIter = 100, tol = 0, memo = null) {
    let centers = Float32Array.from(init.subarray(0, k * D));
    const st = { labels: new Int32Array(n), own: new Float64Array(n), upper: new Float64Array(n),
                 lower: new Float64Array(n), rowConst: new Float64Array(n), stale: new Uint8Array(n) };
    for (let i = 0; i < n; i++) st.rowConst[i] = dot(X, i * D, X, i * D, D);
    let carried = !!memo && memo.n === n && memo.D === D && memo.k === k;
    for (let j = 0; carried && j < k * D; j++) if (memo.centers[j] !== centers[j]) carried = false;
    if (carried) {  // bounds for these centres on the previous X, widened by |x_i - x_i,prev|
      const P = memo.X;
      for (let i = 0; i < n; i++) {
        let m2 = 0.0;
        for (let j = i * D, e = j + D; j < e; j++) { const dd = X[j] - P[j]; m2 += dd * dd; }
        st.labels[i] = memo.labels[i];
        st.lower[i] = memo.lower[i] - Math.sqrt(m2);
      }
      assign(X, n, D, centers, k, st, new Float64Array(k));
    } else {
      assign(X, n, D, centers, k, st, null);
    }
    const sums = new Float64Array(k * D), counts = new Int32Array(k), shift = new Float64Array(k);
    let nIter = 0;
    for (nIter = 1; nIter <= maxIter; nIter++) {
      const labels = st.labels;
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[labels[i]]++;
      if (counts.some((c) => c === 0)) {
        const trueDist = new Float64Array(n), before = Int32Array.from(labels);
        for (let i = 0; i < n; i++) trueDist[i] = st.rowConst[i] + st.own[i];
        relocateEmpty(labels, trueDist, counts, k);
        for (let i = 0; i < n; i++) if (labels[i] !== before[i]) st.stale[i] = 1;  // bounds void
      }
      sums.fill(0);
      for (let i = 0; i < n; i++) {
        const o = labels[i] * D, r = i * D;
        for (let j = 0; j < D; j++) sums[o + j] += X[r + j];
      }
      const next = Float32Array.from(centers);
      let total = 0.0;
      for (let c = 0; c < k; c++) {
        let sc = 0.0;
        if (counts[c] > 0) {  // else keeps the old centre
          for (let j = 0; j < D; j++) {
            const v = fr(sums[c * D + j] / counts[c]);
            const dd = v - centers[c * D + j];
            sc += dd * dd;
            next[c * D + j] = v;
          }
        }
        shift[c] = Math.sqrt(sc);
        total += sc;
      }
      centers = next;
      const previous = Int32Array.from(labels);
      assign(X, n, D, centers, k, st, shift);
      let same = true;
      for (let i = 0; i < n; i++) if (st.labels[i] !== previous[i]) { same = false; break; }
      if (same || total <= tol) break;
    }
    if (nIter > maxIter) nIter = maxIter;
    let inertia = 0.0;
    for (let i = 0; i < n; i++) inertia += Math.max(st.rowConst[i] + st.own[i], 0.0);
    const next = { n, D, k, centers, X: Float32Array.from(X), labels: Int32Array.from(st.labels),
                   lower: st.lower };
    return { labels: st.labels, centers, inertia, nIter, memo: next };
  }

  Object.assign(LM, { RAMP, HARD_NAMES, applyRules, effectiveWeights, fuseConcat, lloyd, _dot: dot });
})();
