/* live_pca.js: the slider loop's numerics in the browser, part 2 of 3 (PCA map with a warm start,
 * Procrustes alignment). A PLAIN script that adds to globalThis.LiveMath (load live_math.js first).
 *
 * The principal axes come from a restarted block Krylov (block Lanczos) method on the covariance,
 * warm-started from the previous move's axes, instead of forming the covariance (at 1,000 x 256
 * that is ~33 M multiply-adds, tens of ms in JS): one block of 4 vectors costs 8 n D
 * multiply-adds, and a slider move typically needs 5-8 blocks (bench/instant_math.py). The stop
 * test bounds each axis's angle error by about tol (default 1e-4 rad): residual / eigengap. The
 * coordinates then match core/projection/pca.py::_pca (numpy's eigh) to ~1e-6 of their range on
 * the test data. When two wanted eigenvalues (nearly) coincide the axes are ill-defined in numpy
 * too; after maxRestarts the best Ritz vectors are returned with converged = false.
 */
(function () {
  "use strict";
  const LM = (globalThis.LiveMath = globalThis.LiveMath || {});
  const fr = Math.fround;
  const EPS = 2.220446049250313e-16;

  /**
   * Eigen-decomposition of a small symmetric matrix (cyclic Jacobi), A: Float64Array(p*p)
   * row-major (not modified). Returns {values: Float64Array(p) descending, vectors:
   * Float64Array(p*p) whose COLUMN j is the eigenvector of values[j]}.
   */
  function symEig(A, p) {
    const a = Float64Array.from(A), v = new Float64Array(p * p);
    for (let i = 0; i < p; i++) v[i * p + i] = 1.0;
    for (let sweep = 0; sweep < 100; sweep++) {
      let off = 0.0, diag = 0.0;
      for (let i = 0; i < p; i++) {
        diag += a[i * p + i] * a[i * p + i];
        for (let j = i + 1; j < p; j++) off += a[i * p + j] * a[i * p + j];
      }
      if (off <= 1e-32 * diag || off === 0) break;
      for (let i = 0; i < p; i++) {
        for (let j = i + 1; j < p; j++) {
          const aij = a[i * p + j];
          if (aij === 0) continue;
          const theta = (a[j * p + j] - a[i * p + i]) / (2.0 * aij);
          const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1.0));
          const c = 1.0 / Math.sqrt(t * t + 1.0), s = t * c;
          for (let r = 0; r < p; r++) {  // A <- A J (columns i, j)
            const ari = a[r * p + i], arj = a[r * p + j];
            a[r * p + i] = c * ari - s * arj;
            a[r * p + j] = s * ari + c * arj;
          }
          for (let r = 0; r < p; r++) {  // A <- J^T A (rows i, j)
            const air = a[i * p + r], ajr = a[j * p + r];
            a[i * p + r] = c * air - s * ajr;
            a[j * p + r] = s * air + c * ajr;
          }
          for (let r = 0; r < p; r++) {
            const vri = v[r * p + i], vrj = v[r * p + j];
            v[r * p + i] = c * vri - s * vrj;
            v[r * p + j] = s * vri + c * vrj;
          }
        }
      }
    }
    const order = Array.from({ length: p }, (_, i) => i).sort((x, y) => a[y * p + y] - a[x * p + x]);
    const values = new Float64Array(p), vectors = new Float64Array(p * p);
    order.forEach((src, j) => {
      values[j] = a[src * p + src];
      for (let r = 0; r < p; r++) vectors[r * p + j] = v[r * p + src];
    });
    return { values, vectors };
  }

  /** Deterministic pseudo-random fill in [-0.5, 0.5) (a linear congruential generator). */
  function lcgFill(arr, seed) {
    let x = seed >>> 0;
    for (let i = 0; i < arr.length; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      arr[i] = x / 4294967296 - 0.5;
    }
  }

  /** Orthonormalise rows [from, to) of Q (row length D) against rows [0, from) and each other:
   * classical Gram-Schmidt twice (enough in float64); a row that vanishes is replaced by a
   * pseudo-random one. */
  function orthonormalizeRows(Q, from, to, D) {
    for (let r = from; r < to; r++) {
      for (let attempt = 0; attempt < 4; attempt++) {
        const before = Math.sqrt(LM._dot(Q, r * D, Q, r * D, D));
        for (let pass = 0; pass < 2; pass++) {
          for (let q = 0; q < r; q++) {
            const c = LM._dot(Q, r * D, Q, q * D, D);
            if (c !== 0) for (let j = 0; j < D; j++) Q[r * D + j] -= c * Q[q * D + j];
          }
        }
        const nrm = Math.sqrt(LM._dot(Q, r * D, Q, r * D, D));
        if (nrm > 1e-8 * before && nrm > 0) {
          for (let j = 0; j < D; j++) Q[r * D + j] /= nrm;
          break;
        }
        lcgFill(Q.subarray(r * D, (r + 1) * D), 7919 * (r + 1) + attempt);
      }
    }
  }

  /** Rows [m, m+4) of CQ = C Q_row for C = Xc^T Xc (Xc = X - mu), and columns [m, m+4) of
   * T = Xc Q^T (n x cols), one pass over X for the four rows (2 * 4 n D multiply-adds). */
  function applyCov4(X, n, D, mu, Q, m, CQ, T, cols) {
    const q0 = m * D, q1 = q0 + D, q2 = q1 + D, q3 = q2 + D;
    let m0 = 0.0, m1 = 0.0, m2 = 0.0, m3 = 0.0;
    for (let j = 0; j < D; j++) {
      m0 += mu[j] * Q[q0 + j]; m1 += mu[j] * Q[q1 + j]; m2 += mu[j] * Q[q2 + j]; m3 += mu[j] * Q[q3 + j];
    }
    CQ.fill(0, q0, q3 + D);
    let u0 = 0.0, u1 = 0.0, u2 = 0.0, u3 = 0.0;
    for (let i = 0; i < n; i++) {
      const r = i * D;
      let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
      for (let j = 0; j < D; j++) {
        const x = X[r + j];
        s0 += x * Q[q0 + j]; s1 += x * Q[q1 + j]; s2 += x * Q[q2 + j]; s3 += x * Q[q3 + j];
      }
      const t0 = s0 - m0, t1 = s1 - m1, t2 = s2 - m2, t3 = s3 - m3;
      T[i * cols + m] = t0; T[i * cols + m + 1] = t1; T[i * cols + m + 2] = t2; T[i * cols + m + 3] = t3;
      u0 += t0; u1 += t1; u2 += t2; u3 += t3;
      for (let j = 0; j < D; j++) {
        const x = X[r + j];
        CQ[q0 + j] += t0 * x; CQ[q1 + j] += t1 * x; CQ[q2 + j] += t2 * x; CQ[q3 + j] += t3 * x;
      }
    }
    for (let j = 0; j < D; j++) {  // Xc^T t = X^T t - mu sum(t)
      CQ[q0 + j] -= u0 * mu[j]; CQ[q1 + j] -= u1 * mu[j]; CQ[q2 + j] -= u2 * mu[j]; CQ[q3 + j] -= u3 * mu[j];
    }
  }

  /** As applyCov4 for two rows [m, m+2). */
  function applyCov2(X, n, D, mu, Q, m, CQ, T, cols) {
    const q0 = m * D, q1 = q0 + D;
    let m0 = 0.0, m1 = 0.0;
    for (let j = 0; j < D; j++) { m0 += mu[j] * Q[q0 + j]; m1 += mu[j] * Q[q1 + j]; }
    CQ.fill(0, q0, q1 + D);
    let u0 = 0.0, u1 = 0.0;
    for (let i = 0; i < n; i++) {
      const r = i * D;
      let s0 = 0.0, s1 = 0.0;
      for (let j = 0; j < D; j++) { const x = X[r + j]; s0 += x * Q[q0 + j]; s1 += x * Q[q1 + j]; }
      const t0 = s0 - m0, t1 = s1 - m1;
      T[i * cols + m] = t0; T[i * cols + m + 1] = t1;
      u0 += t0; u1 += t1;
      for (let j = 0; j < D; j++) { const x = X[r + j]; CQ[q0 + j] += t0 * x; CQ[q1 + j] += t1 * x; }
    }
    for (let j = 0; j < D; j++) { CQ[q0 + j] -= u0 * mu[j]; CQ[q1 + j] -= u1 * mu[j]; }
  }

  /**
   * Principal-axis coordinates: core/projection/pca.py::_pca (centred in float64, deterministic
   * signs: each axis's largest loading positive; zero-padded beyond the rank). The axes come from
   * a restarted block Krylov (block Lanczos) method on C = Xc^T Xc, started from the previous
   * axes when given: a basis of `depth` blocks of 4 rows [B, C B, C^2 B, ...] (orthonormalised),
   * Rayleigh-Ritz after every block, stop when each wanted Ritz pair's residual |C y - theta y|
   * <= tol * (gap to the nearest other Ritz value), which bounds the axis's angle error by about
   * tol (radians),
   * else restart from the best 4 Ritz vectors. One block costs 8 n D multiply-adds.
   * X: Float32Array(n*D); opts: {axes: Float64Array(q*D) (a previous call's axes), tol = 1e-4,
   * depth = 6, maxRestarts = 20}. Returns {coords: Float32Array(n*nComponents), axes:
   * Float64Array(4*D) (pass back next time), components: Float64Array(nComponents*D) signed axes,
   * rank (positive Ritz values, counted up to the basis size), nIter (blocks applied), converged}.
   */
  function pca(X, n, D, nComponents, opts = {}) {
    const c = nComponents, coords = new Float32Array(n * c);
    if (n < 2) return { coords, axes: null, components: new Float64Array(c * D), rank: 0, nIter: 0, converged: true };
    const tol = opts.tol ?? 1e-4, maxRestarts = opts.maxRestarts ?? 20, b = opts.block === 2 && c <= 2 ? 2 : 4;
    const depth = Math.max(1, Math.min(opts.depth ?? 6, Math.floor(D / b)));
    const mu = new Float64Array(D);
    for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) mu[j] += X[i * D + j];
    for (let j = 0; j < D; j++) mu[j] /= n;
    if (D <= 16) return smallPca(X, n, D, c, mu);
    const M = depth * b;  // basis rows; when D < 4 the extra rows are zero and never count
    const Q = new Float64Array(M * D), CQ = new Float64Array(M * D), T = new Float64Array(n * M);
    const start = new Float64Array(b * Math.max(D, 4));
    lcgFill(start, 12345);
    const prev = opts.axes;
    if (prev && prev.length % D === 0) start.set(prev.subarray(0, Math.min(b, prev.length / D) * D));
    const Dp = Math.max(D, 1);
    let nIter = 0;
    for (let restart = 0; restart <= maxRestarts; restart++) {
      Q.set(start.subarray(0, b * D));
      let m = 0;
      for (let s = 0; s < depth; s++) {
        if (s > 0) Q.set(CQ.subarray((m - b) * D, m * D), m * D);
        orthonormalizeRows(Q, m, m + b, Dp);
        (b === 2 ? applyCov2 : applyCov4)(X, n, D, mu, Q, m, CQ, T, M);
        nIter++;
        m += b;
        // Rayleigh-Ritz in the basis so far (rows [0, m)), test, return or grow / restart
        const H = new Float64Array(m * m);
        for (let a = 0; a < m; a++) for (let e = a; e < m; e++) {
          const h = 0.5 * (LM._dot(Q, a * D, CQ, e * D, D) + LM._dot(Q, e * D, CQ, a * D, D));
          H[a * m + e] = h;
          H[e * m + a] = h;
        }
        const { values, vectors: S } = symEig(H, m);
        const Y = new Float64Array(b * D), CY = new Float64Array(b * D);
        for (let a = 0; a < b; a++) for (let e = 0; e < m; e++) {
          const w = S[e * m + a];
          if (w === 0) continue;
          for (let j = 0; j < D; j++) { Y[a * D + j] += w * Q[e * D + j]; CY[a * D + j] += w * CQ[e * D + j]; }
        }
        // angle error of Ritz vector a <~ residual / (distance to the nearest other Ritz value)
        const theta0 = Math.max(values[0], 0.0);
        let converged = theta0 === 0;
        if (!converged && m > c) {
          let worst = 0.0;
          for (let a = 0; a < c; a++) {
            let r2 = 0.0;
            for (let j = 0; j < D; j++) { const e = CY[a * D + j] - values[a] * Y[a * D + j]; r2 += e * e; }
            let gap = values[a] - values[a + 1];
            if (a > 0) gap = Math.min(gap, values[a - 1] - values[a]);
            worst = Math.max(worst, Math.sqrt(r2) / Math.max(gap, 1e-12 * theta0));
          }
          converged = worst <= tol;
        }
        if (converged || (restart === maxRestarts && s === depth - 1)) {
          const Tr = new Float64Array(n * c);  // Xc y_a = T s_a
          for (let i = 0; i < n; i++) for (let a = 0; a < c; a++) {
            let v = 0.0;
            for (let e = 0; e < m; e++) v += T[i * M + e] * S[e * m + a];
            Tr[i * c + a] = v;
          }
          return finish(Tr, Y, values, n, D, c, Math.min(m, D), nIter, converged);
        }
        if (s === depth - 1) start.set(Y);
      }
    }
    throw new Error("pca: unreachable");
  }

  /** Narrow matrices (D <= 16): the full covariance and its exact eigen-decomposition. */
  function smallPca(X, n, D, c, mu) {
    const C = new Float64Array(D * D), xc = new Float64Array(D);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < D; j++) xc[j] = X[i * D + j] - mu[j];
      for (let a = 0; a < D; a++) for (let e = 0; e < D; e++) C[a * D + e] += xc[a] * xc[e];
    }
    const { values, vectors } = symEig(C, D);
    const V = new Float64Array(D * D), Tr = new Float64Array(n * c);
    for (let a = 0; a < D; a++) for (let j = 0; j < D; j++) V[a * D + j] = vectors[j * D + a];
    for (let i = 0; i < n; i++) for (let a = 0; a < Math.min(c, D); a++) {
      let s = 0.0;
      for (let j = 0; j < D; j++) s += (X[i * D + j] - mu[j]) * V[a * D + j];
      Tr[i * c + a] = s;
    }
    return finish(Tr, V, values, n, D, c, D, 0, true);
  }

  function finish(Tr, V, values, n, D, c, p, nIter, converged) {
    const tolRank = Math.max(values[0], 0.0) * Math.max(n, D) * EPS * 10;
    let rank = 0;
    for (let a = 0; a < p; a++) if (values[a] > Math.max(tolRank, 1e-30)) rank++;
    const m = Math.min(c, rank);
    const coords = new Float32Array(n * c), components = new Float64Array(c * D);
    for (let a = 0; a < m; a++) {
      let top = 0, best = -1;
      for (let j = 0; j < D; j++) {
        const v = Math.abs(V[a * D + j]);
        if (v > best) { best = v; top = j; }
      }
      const sg = V[a * D + top] < 0 ? -1 : 1;
      for (let j = 0; j < D; j++) components[a * D + j] = sg * V[a * D + j];
      for (let i = 0; i < n; i++) coords[i * c + a] = fr(sg * Tr[i * c + a]);
    }
    return { coords, axes: V, components, rank, nIter, converged };
  }

  /**
   * Rotate/reflect Y onto ref (orthogonal Procrustes, no scaling): core/projection/pca.py::
   * procrustes_align. Y, ref: (n*c) arrays. Returns Float32Array(n*c) = (Y - mean Y) R + mean ref,
   * R = U V^T from the SVD of Yc^T (ref - mean ref) (its orthogonal polar factor).
   */
  function procrustesAlign(Y, ref, n, c) {
    const my = new Float64Array(c), mr = new Float64Array(c);
    for (let i = 0; i < n; i++) for (let a = 0; a < c; a++) { my[a] += Y[i * c + a]; mr[a] += ref[i * c + a]; }
    for (let a = 0; a < c; a++) { my[a] /= n; mr[a] /= n; }
    const M = new Float64Array(c * c);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < c; a++) {
        const ya = Y[i * c + a] - my[a];
        for (let b = 0; b < c; b++) M[a * c + b] += ya * (ref[i * c + b] - mr[b]);
      }
    }
    // polar factor R = M V diag(1/sigma) V^T with M^T M = V diag(sigma^2) V^T
    const MtM = new Float64Array(c * c);
    for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) {
      let s = 0.0;
      for (let r = 0; r < c; r++) s += M[r * c + a] * M[r * c + b];
      MtM[a * c + b] = s;
    }
    const { values, vectors } = symEig(MtM, c);
    const R = new Float64Array(c * c);
    const sigMax = Math.sqrt(Math.max(values[0], 0));
    for (let j = 0; j < c; j++) {
      const sig = Math.sqrt(Math.max(values[j], 0));
      if (!(sig > sigMax * 1e-12)) continue;  // rank-deficient: that direction is left out
      for (let a = 0; a < c; a++) {
        let mv = 0.0;
        for (let r = 0; r < c; r++) mv += M[a * c + r] * vectors[r * c + j];
        for (let b = 0; b < c; b++) R[a * c + b] += (mv / sig) * vectors[b * c + j];
      }
    }
    const out = new Float32Array(n * c);
    for (let i = 0; i < n; i++) {
      for (let b = 0; b < c; b++) {
        let s = mr[b];
        for (let a = 0; a < c; a++) s += (Y[i * c + a] - my[a]) * R[a * c + b];
        out[i * c + b] = fr(s);
      }
    }
    return out;
  }

  /**
   * The "pca" method of core/projection/entry.py::project: PCA coordinates, then, when the
   * previous map is given (init: (n*nComponents) coordinates) and n >= 2, rotated/reflected onto
   * it. A prev.coords of another length is ignored (Python ignores it with a warning).
   * prev: {coords, axes} of the previous call or null. Returns {coords, axes, warm, rank, nIter}.
   */
  function project(X, n, D, prev, nComponents = 2, opts = {}) {
    const res = pca(X, n, D, nComponents, { ...opts, axes: prev && prev.axes ? prev.axes : opts.axes });
    const init = prev && prev.coords;
    const warm = !!init && init.length === n * nComponents && n >= 2 && init.every(Number.isFinite);
    const coords = warm ? procrustesAlign(res.coords, init, n, nComponents) : res.coords;
    return { coords, axes: res.axes, warm, rank: res.rank, nIter: res.nIter, converged: res.converged };
  }

  Object.assign(LM, { symEig, pca, procrustesAlign, project });
})();
