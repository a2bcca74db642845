/**
 * The regressions Brain-Score maps activations to neurons with, on the GPU: every product with the data
 * (centring, XᵀY, power-method mat-vecs, deflation, Gram matrices, predictions) is the engine's matmul in f32; the
 * tiny systems (PLS's 25×25 (PᵀW)⁺, ridge's Cholesky, PCA's eigen-decomposition) are solved in f64 on the CPU
 * from matrices formed on centred data, so f32 rounding does not meet an uncentred mean. References: src/ref/.
 */
import type { Engine } from '../engine.js';
import { ShapeError } from '../errors.js';
import { abs, add, div, mul, sub } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { max, mean } from '../ops/reduce.js';
import type { Tensor } from '../tensor/tensor.js';
import { gramSolve, plsCoef, symmetricEigen } from '../linalg.js';

/** A fitted affine map on the GPU: predictions (X − x̄)·coef + ȳ. Dispose when done. */
export class LinearMap {
  constructor(readonly xMean: Tensor, readonly coef: Tensor, readonly yMean: Tensor | null) {
    xMean.keep(); coef.keep(); yMean?.keep();
  }
  get features(): number { return this.coef.shape[0]; }
  get targets(): number { return this.coef.shape[1]; }

  apply(x: Tensor): Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.features) throw new ShapeError(`predict: input ${x.describe()} is not [·, ${this.features}]`);
    return x.engine.scope(() => {
      const y = matmul(sub(x, this.xMean), this.coef);
      return this.yMean ? add(y, this.yMean) : y;
    });
  }

  dispose(): void { this.xMean.dispose(); this.coef.dispose(); this.yMean?.dispose(); }
}

function checkXY(op: string, x: Tensor, y: Tensor | null): void {
  if (x.rank !== 2) throw new ShapeError(`${op}: X ${x.describe()} is not [samples, features]`);
  if (y && (y.rank !== 2 || y.shape[0] !== x.shape[0])) throw new ShapeError(`${op}: Y ${y.describe()} is not [${x.shape[0]}, targets]`);
}

const read64 = async (t: Tensor) => Float64Array.from(await t.read());
const dot = (a: Tensor, b: Tensor) => matmul(a, b, { transA: true });
const F64_EPS = 2 ** -52;

export interface PlsOptions { components?: number; maxIter?: number; tol?: number }

/**
 * scikit-learn's `PLSRegression(components, scale=False)` (NIPALS; see src/ref/pls.ts for the steps). Per component
 * the GPU forms XᵀY, XᵀX and YᵀY of the residuals and does the scores, loadings and deflation; the power method runs
 * on those small matrices in f64 (lavapipe's per-dispatch cost made a GPU power loop 10× slower).
 */
export async function plsFit(x: Tensor, y: Tensor, opts: PlsOptions = {}): Promise<LinearMap> {
  checkXY('pls', x, y);
  const e = x.engine;
  const [n, p] = x.shape, q = y.shape[1];
  const A = opts.components ?? 25, maxIter = opts.maxIter ?? 500, tol = opts.tol ?? 1e-6;
  if (!(Number.isInteger(A) && A >= 1 && A <= p)) throw new ShapeError(`pls: components ${A} not in [1, ${p}] (features)`);
  const W = new Float64Array(p * A), P = new Float64Array(p * A), Q = new Float64Array(q * A);
  return e.scopeAsync(async () => {
    const xMean = mean(x, 0, true), yMean = mean(y, 0, true);
    let Xk = sub(x, xMean).keep(), Yk = sub(y, yMean).keep();
    try {
      for (let k = 0; k < A; k++) {
        const done = await e.scopeAsync(async () => {
          const colMax = await read64(max(abs(Yk), 0));
          // Y columns already explained to f32 resolution are zeroed, as sklearn zeroes those below 10·eps.
          const f32Eps = 2 ** -23 * Math.max(...colMax, 0);
          const keepCols = Float32Array.from(colMax, (v) => (v < 10 * f32Eps ? 0 : 1));
          if (keepCols.some((v) => v === 0)) { const nY = mul(Yk, e.tensor(keepCols, [1, q])).keep(); Yk.dispose(); Yk = nY; }
          const start = keepCols.indexOf(1);
          if (start < 0) return true;
          const w = p > n ? await powerDual(Xk, Yk, start, maxIter, tol) : await powerPrimal(Xk, Yk, start, maxIter, tol);
          let big = 0;
          for (let j = 1; j < p; j++) if (Math.abs(w[big]) < Math.abs(w[j])) big = j;
          const sign = Math.sign(w[big]);
          const xw = e.tensor(Float32Array.from(w, (v) => v * sign), [p, 1]);
          const xs = matmul(Xk, xw);
          const xx = dot(xs, xs);
          const xl = div(matmul(Xk, xs, { transA: true }), xx);
          const yl = div(matmul(Yk, xs, { transA: true }), xx);
          const [wv, pv, qv] = await Promise.all([read64(xw), read64(xl), read64(yl)]);
          for (let j = 0; j < p; j++) { W[j * A + k] = wv[j]; P[j * A + k] = pv[j]; }
          for (let j = 0; j < q; j++) Q[j * A + k] = qv[j];
          const nX = sub(Xk, matmul(xs, xl, { transB: true })).keep();
          const nY = sub(Yk, matmul(xs, yl, { transB: true })).keep();
          Xk.dispose(); Yk.dispose();
          Xk = nX; Yk = nY;
          return false;
        });
        if (done) break;
      }
    } finally {
      Xk.dispose(); Yk.dispose();
    }
    const coef = e.tensor(Float32Array.from(plsCoef(W, P, Q, p, q, A)), [p, q], 'f32', 'pls coef');
    return new LinearMap(xMean, coef, yMean);
  });
}

/**
 * sklearn's power method for the first PLS weight vector on small f64 matrices: with C = XᵀY, G = XᵀX and
 * H = YᵀY (formed on the GPU from the deflated, centred residuals), Xᵀy_s = C y_w / c and
 * y_s·y_s = y_wᵀ H y_w / c² with c = y_w·y_w + eps; x_s·x_s = x_wᵀ G x_w. For features ≤ samples.
 */
async function powerPrimal(Xk: Tensor, Yk: Tensor, start: number, maxIter: number, tol: number): Promise<Float64Array> {
  const p = Xk.shape[1], q = Yk.shape[1];
  const [C, G, H] = await Promise.all([read64(matmul(Xk, Yk, { transA: true })), read64(matmul(Xk, Xk, { transA: true })),
    read64(matmul(Yk, Yk, { transA: true }))]);
  let xty = Float64Array.from({ length: p }, (_, j) => C[j * q + start]);
  let yy = H[start * q + start];
  let w = new Float64Array(p);
  let old = new Float64Array(p).fill(100);
  for (let it = 0; it < maxIter; it++) {
    w = xty.map((v) => v / yy);
    const norm = Math.sqrt(w.reduce((acc, v) => acc + v * v, 0)) + F64_EPS;
    for (let j = 0; j < p; j++) w[j] /= norm;
    const gw = symv(G, w, p);
    const xx = w.reduce((acc, v, j) => acc + v * gw[j], 0);
    const yw = new Float64Array(q);
    for (let j = 0; j < p; j++) { const v = w[j]; if (v !== 0) for (let t = 0; t < q; t++) yw[t] += C[j * q + t] * v; }
    for (let t = 0; t < q; t++) yw[t] /= xx;
    const c = yw.reduce((acc, v) => acc + v * v, 0) + F64_EPS;
    const hy = symv(H, yw, q);
    yy = yw.reduce((acc, v, t) => acc + v * hy[t], 0) / (c * c);
    xty = new Float64Array(p);
    for (let j = 0; j < p; j++) { let acc = 0; for (let t = 0; t < q; t++) acc += C[j * q + t] * yw[t]; xty[j] = acc / c; }
    let diff = 0;
    for (let j = 0; j < p; j++) diff += (w[j] - old[j]) ** 2;
    if (diff < tol || q === 1) break;
    old = w;
  }
  return w;
}

/**
 * The same power method in the samples' space, for features > samples (a 16k-feature layer has a 1 GB XᵀX): with
 * K = XXᵀ, x_w = Xᵀy_s/‖Xᵀy_s‖ gives x_s = K y_s/√(y_sᵀK y_s) and |Δx_w|² = 2 − 2 y_sᵀK y_s'/(‖·‖‖·‖'); only the
 * final x_w = Xᵀy_s/‖Xᵀy_s‖ is formed, on the GPU. (sklearn's +eps in the norm, 2e-16 relative, is dropped.)
 */
async function powerDual(Xk: Tensor, Yk: Tensor, start: number, maxIter: number, tol: number): Promise<Float64Array> {
  const n = Xk.shape[0], q = Yk.shape[1];
  const [K, Y] = await Promise.all([read64(matmul(Xk, Xk, { transB: true })), read64(Yk)]);
  let ys = Float64Array.from({ length: n }, (_, i) => Y[i * q + start]);
  let prev: { ys: Float64Array; norm: number } | null = null;
  let used = ys, usedNorm = 1;
  for (let it = 0; it < maxIter; it++) {
    const ky = symv(K, ys, n);
    const norm = Math.sqrt(Math.max(ys.reduce((acc, v, i) => acc + v * ky[i], 0), 0));
    const xs = ky.map((v) => v / norm);
    const diff = prev ? 2 - (2 * prev.ys.reduce((acc, v, i) => acc + v * ky[i], 0)) / (norm * prev.norm) : Infinity;
    const xx = xs.reduce((acc, v) => acc + v * v, 0);
    const yw = new Float64Array(q);
    for (let i = 0; i < n; i++) { const v = xs[i]; for (let t = 0; t < q; t++) yw[t] += Y[i * q + t] * v; }
    for (let t = 0; t < q; t++) yw[t] /= xx;
    const c = yw.reduce((acc, v) => acc + v * v, 0) + F64_EPS;
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) { let acc = 0; for (let t = 0; t < q; t++) acc += Y[i * q + t] * yw[t]; next[i] = acc / c; }
    used = ys; usedNorm = norm;
    if (diff < tol || q === 1) break;
    prev = { ys, norm };
    ys = next;
  }
  const e = Xk.engine;
  return e.scopeAsync(async () => read64(matmul(Xk, e.tensor(Float32Array.from(used, (v) => v / usedNorm), [n, 1]), { transA: true })));
}

/** A symmetric (or any square) row-major n×n matrix times a vector. */
function symv(M: Float64Array, v: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) { let acc = 0; for (let j = 0; j < n; j++) acc += M[i * n + j] * v[j]; out[i] = acc; }
  return out;
}

/** Centred X, its Gram matrix in the smaller dimension (XᵀX when features ≤ samples, else XXᵀ), read to f64. */
async function centredGram(x: Tensor): Promise<{ xMean: Tensor; xc: Tensor; G: Float64Array; primal: boolean }> {
  const [n, p] = x.shape;
  const primal = p <= n;
  const xMean = mean(x, 0, true);
  const xc = sub(x, xMean);
  const G = await read64(primal ? matmul(xc, xc, { transA: true }) : matmul(xc, xc, { transB: true }));
  return { xMean, xc, G, primal };
}

/** scikit-learn `Ridge(alpha)` (α > 0) or `LinearRegression()` (α = 0, minimum-norm lstsq), with intercept. */
export async function ridgeFit(x: Tensor, y: Tensor, alpha = 1): Promise<LinearMap> {
  checkXY('ridge', x, y);
  const e = x.engine;
  const [n, p] = x.shape, q = y.shape[1];
  return e.scopeAsync(async () => {
    const { xMean, xc, G, primal } = await centredGram(x);
    const yMean = mean(y, 0, true);
    const yc = sub(y, yMean);
    const d = primal ? p : n;
    const rhs = primal ? await read64(matmul(xc, yc, { transA: true })) : await read64(yc);
    const sol = e.tensor(Float32Array.from(gramSolve(G, rhs, d, q, alpha)), [d, q]);
    const coef = primal ? sol : matmul(xc, sol, { transA: true });
    return new LinearMap(xMean, coef, yMean);
  });
}

/**
 * scikit-learn `PCA(components)` with a full SVD and svd_flip signs (src/ref/pca.ts). Returns the projection
 * (X − x̄)·Vₖᵀ as a LinearMap without intercept, and the explained variances.
 */
export async function pcaFit(x: Tensor, components: number): Promise<{ map: LinearMap; variance: Float64Array }> {
  checkXY('pca', x, null);
  const e = x.engine;
  const [n, p] = x.shape;
  const k = components;
  if (!(Number.isInteger(k) && k >= 1 && k <= Math.min(n, p))) throw new ShapeError(`pca: ${k} components of ${x.describe()} (at most min(samples, features))`);
  return e.scopeAsync(async () => {
    const { xMean, xc, G, primal } = await centredGram(x);
    const d = primal ? p : n;
    const { values, vectors } = symmetricEigen(G, d);
    const lead = new Float32Array(d * k);
    for (let r = 0; r < d; r++) for (let c = 0; c < k; c++) lead[r * k + c] = vectors[r * d + c];
    const V = e.tensor(lead, [d, k]);
    const variance = Float64Array.from(values.slice(0, k), (v) => Math.max(v, 0) / (n - 1));
    // U = X V (primal) decides the signs; in the dual form V holds U and the basis is Xᵀ U / σ.
    const u = primal ? await read64(matmul(xc, V)) : Float64Array.from(lead);
    const signs = new Float32Array(k);
    for (let c = 0; c < k; c++) {
      let big = 0;
      for (let r = 1; r < n; r++) if (Math.abs(u[r * k + c]) > Math.abs(u[big * k + c])) big = r;
      const sigma = Math.sqrt(Math.max(values[c], 0));
      signs[c] = (u[big * k + c] < 0 ? -1 : 1) * (primal ? 1 : sigma > 0 ? 1 / sigma : 0);
    }
    const basis = mul(primal ? V : matmul(xc, V, { transA: true }), e.tensor(signs, [1, k]));
    return { map: new LinearMap(xMean, basis, null), variance };
  });
}

/** Uploads a row-major [rows, cols] host matrix. */
export function hostMatrix(engine: Engine, data: ArrayLike<number>, rows: number, cols: number, name?: string): Tensor {
  return engine.tensor(data instanceof Float32Array ? data : Float32Array.from(data), [rows, cols], 'f32', name);
}
