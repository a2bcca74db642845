/**
 * Small dense f64 linear algebra on the CPU for the pieces of the regressions that are tiny (25×25 systems) or
 * need f64 for conditioning (Gram matrices formed on the GPU, then factorised here). Row-major throughout.
 */
import { ShapeError } from './errors.js';

/**
 * Eigen-decomposition of a symmetric n×n matrix: Householder tridiagonalisation then the implicit QL algorithm
 * (Wilkinson & Reinsch, Handbook for Automatic Computation II, tred2/tql2). Eigenvalues descending; `vectors` is
 * row-major n×n with eigenvector j in column j.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  if (a.length !== n * n) throw new ShapeError(`symmetricEigen: ${a.length} values for ${n}×${n}`);
  const V = Float64Array.from(a);
  const d = new Float64Array(n), e = new Float64Array(n);
  tred2(V, d, e, n);
  tql2(V, d, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let j = 0; j < n; j++) vectors[r * n + j] = V[r * n + order[j]];
  return { values, vectors };
}

function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) { d[j] = V[(i - 1) * n + j]; V[i * n + j] = 0; V[j * n + i] = 0; }
    } else {
      for (let k = 0; k < i; k++) { d[k] /= scale; h += d[k] * d[k]; }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) { g += V[k * n + j] * d[k]; e[k] += V[k * n + j] * f; }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j] /= h; f += e[j] * d[j]; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j]; g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) { d[j] = V[(n - 1) * n + j]; V[(n - 1) * n + j] = 0; }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

function tql2(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      for (let iter = 0; ; iter++) {
        if (iter > 60 * n) throw new ShapeError('symmetricEigen: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = c, c3 = c, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2; c2 = c; s2 = s;
          g = c * e[i]; h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r; c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (let k = 0; k < n; k++) {
            const vk = V[k * n + i + 1];
            V[k * n + i + 1] = s * V[k * n + i] + c * vk;
            V[k * n + i] = c * V[k * n + i] - s * vk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (!(Math.abs(e[l]) > eps * tst1)) break;
      }
    }
    d[l] += f;
    e[l] = 0;
  }
}

/**
 * Moore–Penrose pseudo-inverse of a symmetric matrix through its eigen-decomposition, dropping eigenvalues below
 * n·eps·|λ|max (numpy/scipy `pinvh`'s default cutoff).
 */
export function pinvSymmetric(a: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  const big = Math.max(...values.map(Math.abs), 0);
  const cut = n * 2 ** -52 * big;
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    if (Math.abs(values[j]) <= cut) continue;
    const inv = 1 / values[j];
    for (let r = 0; r < n; r++) {
      const vr = vectors[r * n + j] * inv;
      for (let c = 0; c < n; c++) out[r * n + c] += vr * vectors[c * n + j];
    }
  }
  return out;
}

/**
 * Pseudo-inverse of a general m×n matrix (scipy.linalg.pinv: SVD, cutoff max(m, n)·eps·σmax), via the
 * eigen-decomposition of AᵀA — adequate for the small, well-scaled 25×25 systems PLS needs.
 */
export function pinv(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const ata = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += a[k * n + i] * a[k * n + j];
    ata[i * n + j] = s;
  }
  const inv = pinvSymmetric(ata, n);
  return matmulF64(inv, transposeF64(a, m, n), n, n, m);
}

/** Solves the symmetric positive definite system A X = B (A n×n, B n×k) by Cholesky; throws when not positive definite. */
export function choleskySolve(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, what = 'choleskySolve'): Float64Array {
  const L = Float64Array.from(a);
  for (let j = 0; j < n; j++) {
    let s = L[j * n + j];
    for (let p = 0; p < j; p++) s -= L[j * n + p] ** 2;
    if (!(s > 0)) throw new ShapeError(`${what}: matrix is not positive definite (pivot ${j} = ${s}); add regularisation`);
    const ljj = Math.sqrt(s);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = L[i * n + j];
      for (let p = 0; p < j; p++) t -= L[i * n + p] * L[j * n + p];
      L[i * n + j] = t / ljj;
    }
  }
  const X = Float64Array.from(b);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      let t = X[i * k + c];
      for (let p = 0; p < i; p++) t -= L[i * n + p] * X[p * k + c];
      X[i * k + c] = t / L[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let t = X[i * k + c];
      for (let p = i + 1; p < n; p++) t -= L[p * n + i] * X[p * k + c];
      X[i * k + c] = t / L[i * n + i];
    }
  }
  return X;
}

/** Row-major (m×k)·(k×n). */
export function matmulF64(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const v = a[i * k + p];
    if (v === 0) continue;
    for (let j = 0; j < n; j++) out[i * n + j] += v * b[p * n + j];
  }
  return out;
}

export function transposeF64(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j];
  return out;
}

/** Column means of a row-major m×n matrix, and the matrix with them subtracted. */
export function centreColumns(a: ArrayLike<number>, m: number, n: number): { mean: Float64Array; centred: Float64Array } {
  const mean = new Float64Array(n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mean[j] += a[i * n + j];
  for (let j = 0; j < n; j++) mean[j] /= m;
  const centred = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) centred[i * n + j] = a[i * n + j] - mean[j];
  return { mean, centred };
}

/**
 * The smaller Gram matrix of a centred row-major n×p matrix X: XᵀX (p×p) when p ≤ n (primal), else XXᵀ (n×n, the
 * dual form used when features outnumber samples).
 */
export function smallGram(X: Float64Array, n: number, p: number): { G: Float64Array; d: number; primal: boolean } {
  const primal = p <= n;
  const d = primal ? p : n;
  const G = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) {
    let s = 0;
    if (primal) for (let r = 0; r < n; r++) s += X[r * p + i] * X[r * p + j];
    else for (let c = 0; c < p; c++) s += X[i * p + c] * X[j * p + c];
    G[i * d + j] = s; G[j * d + i] = s;
  }
  return { G, d, primal };
}

/** coef = W (PᵀW)⁺ Qᵀ ([features, targets]) (PLS rotations times y loadings; W, P [p, A], Q [q, A]). */
export function plsCoef(W: ArrayLike<number>, P: ArrayLike<number>, Q: ArrayLike<number>, p: number, q: number, A: number): Float64Array {
  const ptw = matmulF64(transposeF64(P, p, A), W, A, p, A);
  const rot = matmulF64(W, pinv(ptw, A, A), p, A, A);
  return matmulF64(rot, transposeF64(Q, q, A), p, A, q);
}


/** (G + αI)⁻¹ B for a symmetric Gram matrix G (d×d) and B (d×k): Cholesky for α > 0, the pseudo-inverse for α = 0. */
export function gramSolve(G: ArrayLike<number>, B: ArrayLike<number>, d: number, k: number, alpha: number): Float64Array {
  if (!(alpha >= 0)) throw new ShapeError(`ridge: alpha must be ≥ 0, got ${alpha}`);
  if (alpha === 0) return matmulF64(pinvSymmetric(G, d), B, d, d, k);
  const A = Float64Array.from(G);
  for (let i = 0; i < d; i++) A[i * d + i] += alpha;
  return choleskySolve(A, B, d, k, 'ridge');
}

/**
 * PCA basis [p, k] and explained variances from the Gram matrix of centred X ([n, p], also given): XᵀX (p×p) when
 * p ≤ n, else XXᵀ (n×n). Signs follow sklearn's svd_flip: the largest |entry| of each U column is positive.
 */
export function pcaFromGram(G: ArrayLike<number>, X: ArrayLike<number>, n: number, p: number, k: number): { basis: Float64Array; variance: Float64Array } {
  const primal = p <= n;
  const d = primal ? p : n;
  const { values, vectors } = symmetricEigen(G, d);
  const basis = new Float64Array(p * k);
  const variance = new Float64Array(k);
  const u = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    const lam = Math.max(values[c], 0);
    variance[c] = lam / (n - 1);
    const sigma = Math.sqrt(lam);
    if (primal) {
      for (let r = 0; r < n; r++) { let s = 0; for (let j = 0; j < p; j++) s += X[r * p + j] * vectors[j * d + c]; u[r] = s; }
      for (let j = 0; j < p; j++) basis[j * k + c] = vectors[j * d + c];
    } else {
      for (let r = 0; r < n; r++) u[r] = vectors[r * d + c];
      for (let j = 0; j < p; j++) { let s = 0; for (let r = 0; r < n; r++) s += X[r * p + j] * vectors[r * d + c]; basis[j * k + c] = sigma > 0 ? s / sigma : 0; }
    }
    let big = 0;
    for (let r = 1; r < n; r++) if (Math.abs(u[r]) > Math.abs(u[big])) big = r;
    if (u[big] < 0) for (let j = 0; j < p; j++) basis[j * k + c] = -basis[j * k + c];
  }
  return { basis, variance };
}
