/* live_pca.js: the slider loop's numerics in the browser, part 2 of 3 (PCA map with a warm start,
 * Procrustes alignment). A PLAIN script that adds to globalThis.LiveMath (load live_math.js first).
 *
 * The principal axes come from block subspace iteration with Rayleigh-Ritz, warm-started from the
 * previous move's axes, instead of the full covariance (at 1,000 x 256 that is ~33 M multiply-adds,
 * tens of ms in JS): each iteration costs 2 n D p multiply-adds (p = block size, default
 * nComponents + 6) and stops when every wanted Ritz pair's residual |C v - theta v| is at most
 * tol * theta_0. The result matches core/projection/pca.py::_pca (numpy's eigh) to the
 * accuracy of that test: axes to ~tol * theta_0 / gap.
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

  /** Orthonormalise the p rows of V (p*D) in place, modified Gram-Schmidt twice; a row that
   * vanishes is replaced by a pseudo-random one and re-orthogonalised. */
  function orthonormalize(V, p, D) {
    for (let r = 0; r < p; r++) {
      for (let attempt = 0; attempt < 4; attempt++) {
        const before = Math.sqrt(LM._dot(V, r * D, V, r * D, D));
        for (let pass = 0; pass < 2; pass++) {
          for (let q = 0; q < r; q++) {
            const c = LM._dot(V, r * D, V, q * D, D);
            for (let j = 0; j < D; j++) V[r * D + j] -= c * V[q * D + j];
          }
        }
        const nrm = Math.sqrt(LM._dot(V, r * D, V, r * D, D));
        if (nrm > 1e-10 * Math.max(before, 1e-300) && nrm > 0) {
          for (let j = 0; j < D; j++) V[r * D + j] /= nrm;
          break;
        }
        lcgFill(V.subarray(r * D, (r + 1) * D), 7919 * (r + 1) + attempt);
      }
    }
  }

  /**
   * Principal-axis coordinates: core/projection/pca.py::_pca (centred in float64, deterministic
   * signs: each axis's largest loading positive; zero-padded beyond the rank).
   * X: Float32Array(n*D); opts: {axes: Float64Array(q*D) previous block (warm start), tol = 1e-7,
   * maxIter = 500, block = nComponents + 6}. Returns {coords: Float32Array(n*nComponents),
   * axes: Float64Array(p*D) (pass back next time), components: Float64Array(nComponents*D)
   * signed axes, rank (axes with variance, counted up to the block size), nIter, converged}.
   */
  function pca(X, n, D, nComponents, opts = {}) {
    const c = nComponents, coords = new Float32Array(n * c);
    if (n < 2) return { coords, axes: null, components: new Float64Array(c * D), rank: 0, nIter: 0, converged: true };
    const tol = opts.tol ?? 1e-7, maxIter = opts.maxIter ?? 500;
    const p = Math.min(D, n, opts.block ?? c + 6);
    const mu = new Float64Array(D);
    for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) mu[j] += X[i * D + j];
    for (let j = 0; j < D; j++) mu[j] /= n;
    // start block: the previous axes, then pseudo-random rows
    const V = new Float64Array(p * D);
    lcgFill(V, 12345);
    const prev = opts.axes;
    let warmRows = 0;
    if (prev && prev.length % D === 0) {
      warmRows = Math.min(p, prev.length / D);
      V.set(prev.subarray(0, warmRows * D));
    }
    orthonormalize(V, p, D);
    const T = new Float64Array(n * p), W = new Float64Array(p * D), H = new Float64Array(p * p);
    const muV = new Float64Array(p), tsum = new Float64Array(p);
    let eig = null, nIter = 0, converged = false;
    const xrow = new Float64Array(D);
    for (nIter = 1; nIter <= maxIter; nIter++) {
      // T = Xc V^T (n x p), W = T^T Xc (p x D): W rows are C v for C = Xc^T Xc
      for (let q = 0; q < p; q++) {
        let s = 0.0;
        for (let j = 0; j < D; j++) s += mu[j] * V[q * D + j];
        muV[q] = s;
      }
      W.fill(0);
      tsum.fill(0);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < D; j++) xrow[j] = X[i * D + j];
        for (let q = 0; q < p; q++) {
          const t = LM._dot(xrow, 0, V, q * D, D) - muV[q];
          T[i * p + q] = t;
          tsum[q] += t;
          const o = q * D;
          for (let j = 0; j < D; j++) W[o + j] += t * xrow[j];
        }
      }
      for (let q = 0; q < p; q++) for (let j = 0; j < D; j++) W[q * D + j] -= tsum[q] * mu[j];
      for (let a = 0; a < p; a++) {
        for (let b = a; b < p; b++) {
          const h = 0.5 * (LM._dot(V, a * D, W, b * D, D) + LM._dot(V, b * D, W, a * D, D));
          H[a * p + b] = h;
          H[b * p + a] = h;
        }
      }
      eig = symEig(H, p);
      // Ritz vectors (rows): Vr = S^T V, Wr = S^T W
      const S = eig.vectors, Vr = new Float64Array(p * D), Wr = new Float64Array(p * D);
      for (let a = 0; a < p; a++) {
        for (let b = 0; b < p; b++) {
          const sba = S[b * p + a];
          if (sba === 0) continue;
          for (let j = 0; j < D; j++) {
            Vr[a * D + j] += sba * V[b * D + j];
            Wr[a * D + j] += sba * W[b * D + j];
          }
        }
      }
      const theta0 = Math.max(eig.values[0], 0.0);
      let worst = 0.0;
      for (let a = 0; a < Math.min(c, p); a++) {
        let r2 = 0.0;
        for (let j = 0; j < D; j++) {
          const e = Wr[a * D + j] - eig.values[a] * Vr[a * D + j];
          r2 += e * e;
        }
        worst = Math.max(worst, Math.sqrt(r2));
      }
      if (worst <= tol * theta0 || theta0 === 0 || nIter === maxIter) {
        converged = worst <= tol * theta0 || theta0 === 0;
        V.set(Vr);
        // T for the Ritz vectors: T S
        const Tr = new Float64Array(n * c);
        for (let i = 0; i < n; i++) {
          for (let a = 0; a < c && a < p; a++) {
            let s = 0.0;
            for (let b = 0; b < p; b++) s += T[i * p + b] * S[b * p + a];
            Tr[i * c + a] = s;
          }
        }
        return finish(Tr, V, eig.values, n, D, c, p, nIter, converged);
      }
      // next block: the Ritz-rotated images, orthonormalised (descending Ritz values first)
      V.set(Wr);
      orthonormalize(V, p, D);
    }
    throw new Error("pca: unreachable");
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
