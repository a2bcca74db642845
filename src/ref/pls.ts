/**
 * f64 CPU reference of scikit-learn's `PLSRegression(n_components, scale=False)` (sklearn/cross_decomposition/
 * _pls.py, `_PLS.fit` with deflation_mode 'regression', mode 'A', NIPALS): centre X and Y; per component zero the Y
 * columns that are all below 10·eps, take the first singular vectors of XᵀY by the power method (start: the first
 * Y column with a value above eps; x_w = Xᵀy_s/(y_s·y_s), normalised; x_s = X x_w; y_w = Yᵀx_s/(x_s·x_s);
 * y_s = Y y_w/(y_w·y_w + eps); stop when |Δx_w|² < tol or Y has one column), flip signs so x_w's largest |entry|
 * is positive, deflate X and Y by the x scores. coef = W (PᵀW)⁺ Qᵀ; predictions (X − x̄) coef + ȳ.
 */
import { ShapeError } from '../errors.js';
import { centreColumns, plsCoef } from '../linalg.js';

export interface PlsOptions { components?: number; maxIter?: number; tol?: number }

export interface PlsModel {
  features: number;
  targets: number;
  xMean: Float64Array;
  yMean: Float64Array;
  /** [features, targets]. */
  coef: Float64Array;
  /** Power-method iterations per component (0 where the Y residual became constant). */
  iterations: number[];
}

const EPS = 2 ** -52;

export function plsFitRef(x: ArrayLike<number>, y: ArrayLike<number>, n: number, opts: PlsOptions = {}): PlsModel {
  const A = opts.components ?? 25, maxIter = opts.maxIter ?? 500, tol = opts.tol ?? 1e-6;
  const p = x.length / n, q = y.length / n;
  if (!Number.isInteger(p) || !Number.isInteger(q) || p < 1 || q < 1) throw new ShapeError(`plsFitRef: X (${x.length}) and Y (${y.length}) are not [${n}, ·]`);
  if (!(Number.isInteger(A) && A >= 1 && A <= p)) throw new ShapeError(`plsFitRef: components ${A} not in [1, ${p}] (features)`);
  const { mean: xMean, centred: X } = centreColumns(x, n, p);
  const { mean: yMean, centred: Y } = centreColumns(y, n, q);
  const W = new Float64Array(p * A), P = new Float64Array(p * A), Q = new Float64Array(q * A);
  const iterations: number[] = [];
  const xw = new Float64Array(p), xs = new Float64Array(n), yw = new Float64Array(q), ys = new Float64Array(n);
  for (let k = 0; k < A; k++) {
    for (let j = 0; j < q; j++) {
      let small = true;
      for (let i = 0; i < n && small; i++) small = Math.abs(Y[i * q + j]) < 10 * EPS;
      if (small) for (let i = 0; i < n; i++) Y[i * q + j] = 0;
    }
    let start = -1;
    for (let j = 0; j < q && start < 0; j++) for (let i = 0; i < n; i++) if (Math.abs(Y[i * q + j]) > EPS) { start = j; break; }
    if (start < 0) { iterations.push(0); break; }
    for (let i = 0; i < n; i++) ys[i] = Y[i * q + start];
    const old = new Float64Array(p).fill(100);
    let it = 0;
    for (; it < maxIter; it++) {
      const yy = dot(ys, ys);
      xw.fill(0);
      for (let i = 0; i < n; i++) { const v = ys[i]; for (let j = 0; j < p; j++) xw[j] += X[i * p + j] * v; }
      for (let j = 0; j < p; j++) xw[j] /= yy;
      const norm = Math.sqrt(dot(xw, xw)) + EPS;
      for (let j = 0; j < p; j++) xw[j] /= norm;
      for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < p; j++) s += X[i * p + j] * xw[j]; xs[i] = s; }
      const xx = dot(xs, xs);
      yw.fill(0);
      for (let i = 0; i < n; i++) { const v = xs[i]; for (let j = 0; j < q; j++) yw[j] += Y[i * q + j] * v; }
      for (let j = 0; j < q; j++) yw[j] /= xx;
      const ww = dot(yw, yw) + EPS;
      for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < q; j++) s += Y[i * q + j] * yw[j]; ys[i] = s / ww; }
      let diff = 0;
      for (let j = 0; j < p; j++) diff += (xw[j] - old[j]) ** 2;
      if (diff < tol || q === 1) break;
      old.set(xw);
    }
    iterations.push(it + 1);
    let big = 0;
    for (let j = 1; j < p; j++) if (Math.abs(xw[j]) > Math.abs(xw[big])) big = j;
    const sign = Math.sign(xw[big]);
    for (let j = 0; j < p; j++) xw[j] *= sign;
    for (let j = 0; j < q; j++) yw[j] *= sign;
    for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < p; j++) s += X[i * p + j] * xw[j]; xs[i] = s; }
    const xx = dot(xs, xs);
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += xs[i] * X[i * p + j];
      P[j * A + k] = s / xx;
      W[j * A + k] = xw[j];
    }
    for (let j = 0; j < q; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += xs[i] * Y[i * q + j];
      Q[j * A + k] = s / xx;
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) X[i * p + j] -= xs[i] * P[j * A + k];
      for (let j = 0; j < q; j++) Y[i * q + j] -= xs[i] * Q[j * A + k];
    }
  }
  return { features: p, targets: q, xMean, yMean, coef: plsCoef(W, P, Q, p, q, A), iterations };
}

/** Predictions (X − x̄)·coef + ȳ for m rows. */
export function linearPredictRef(model: { features: number; targets: number; xMean: ArrayLike<number>; yMean: ArrayLike<number>; coef: ArrayLike<number> },
  x: ArrayLike<number>, m: number): Float64Array {
  const { features: p, targets: q } = model;
  if (x.length !== m * p) throw new ShapeError(`predict: X has ${x.length} values, expected [${m}, ${p}]`);
  const out = new Float64Array(m * q);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < q; j++) out[i * q + j] = model.yMean[j];
    for (let f = 0; f < p; f++) {
      const v = x[i * p + f] - model.xMean[f];
      if (v === 0) continue;
      for (let j = 0; j < q; j++) out[i * q + j] += v * model.coef[f * q + j];
    }
  }
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
