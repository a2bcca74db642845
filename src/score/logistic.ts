/**
 * Brain-Score's behavioural readout (brain-score/vision model_helpers/brain_transformation/behavior.py
 * `ProbabilitiesMapping.ProbabilitiesClassifier`): sklearn `StandardScaler` (population std, constant features left
 * unscaled) then `LogisticRegression(multi_class='multinomial', solver='newton-cg', C=1e-3)` — the multinomial
 * cross-entropy summed over samples plus ‖W‖²/(2C), intercepts unpenalised. The objective is strictly convex in W
 * and the probabilities do not depend on the free intercept shift, so any solver converged well past sklearn's
 * tolerance gives its probabilities; here L-BFGS in f64 on the CPU (features × classes is small: a readout layer ×
 * the objects). Classes are indexed in order of first appearance, as `labels_to_indices` does.
 */
import { ShapeError } from '../errors.js';

export interface LogisticOptions { C?: number; maxIter?: number; gradTol?: number }

export interface ProbabilitiesClassifier {
  classes: string[];
  features: number;
  mean: Float64Array;
  scale: Float64Array;
  /** [features, classes] row-major, then the intercepts. */
  coef: Float64Array;
  intercept: Float64Array;
  iterations: number;
}

function standardize(x: ArrayLike<number>, n: number, f: number): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(f), scale = new Float64Array(f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j] += x[i * f + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) scale[j] += (x[i * f + j] - mean[j]) ** 2 / n;
  // sklearn's _handle_zeros_in_scale: a (near-)constant feature keeps scale 1.
  for (let j = 0; j < f; j++) { const s = Math.sqrt(scale[j]); scale[j] = s < 10 * Number.EPSILON * Math.max(Math.abs(mean[j]), 1) ? 1 : s; }
  return { mean, scale };
}

/** Row-wise softmax of logits z [n, k] in place; returns Σ log-sum-exp. */
function softmaxRows(z: Float64Array, n: number, k: number): number {
  let lse = 0;
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) m = Math.max(m, z[i * k + c]);
    let s = 0;
    for (let c = 0; c < k; c++) { z[i * k + c] = Math.exp(z[i * k + c] - m); s += z[i * k + c]; }
    for (let c = 0; c < k; c++) z[i * k + c] /= s;
    lse += m + Math.log(s);
  }
  return lse;
}

function logits(xs: Float64Array, n: number, f: number, k: number, theta: Float64Array): Float64Array {
  const z = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) z[i * k + c] = theta[f * k + c];
    for (let j = 0; j < f; j++) { const v = xs[i * f + j]; if (v !== 0) for (let c = 0; c < k; c++) z[i * k + c] += v * theta[j * k + c]; }
  }
  return z;
}

/** Fits the scaler and the multinomial logistic regression on `x` [n, f] with `labels` (n strings). */
export function fitProbabilities(x: ArrayLike<number>, n: number, labels: readonly string[], o: LogisticOptions = {}): ProbabilitiesClassifier {
  const f = x.length / n;
  if (!(Number.isInteger(f) && f >= 1) || labels.length !== n) throw new ShapeError(`behaviour readout: ${x.length} values and ${labels.length} labels are not [${n}, features]`);
  const classes = [...new Set(labels)];
  const k = classes.length;
  if (k < 2) throw new ShapeError(`behaviour readout: needs at least 2 classes, got ${k}`);
  const C = o.C ?? 1e-3, maxIter = o.maxIter ?? 1000, gradTol = o.gradTol ?? 1e-10;
  const { mean, scale } = standardize(x, n, f);
  const xs = new Float64Array(n * f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) xs[i * f + j] = (x[i * f + j] - mean[j]) / scale[j];
  const y = labels.map((l) => classes.indexOf(l));
  const dim = (f + 1) * k;
  const lossGrad = (theta: Float64Array): [number, Float64Array] => {
    const p = logits(xs, n, f, k, theta);
    let loss = 0;
    for (let i = 0; i < n; i++) loss -= p[i * k + y[i]];
    loss += softmaxRows(p, n, k);
    for (let i = 0; i < n; i++) p[i * k + y[i]] -= 1;
    const g = new Float64Array(dim);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) g[f * k + c] += p[i * k + c];
    for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) { const v = xs[i * f + j]; if (v !== 0) for (let c = 0; c < k; c++) g[j * k + c] += v * p[i * k + c]; }
    for (let j = 0; j < f * k; j++) { loss += theta[j] ** 2 / (2 * C); g[j] += theta[j] / C; }
    return [loss, g];
  };
  const { theta, iterations } = lbfgs(lossGrad, new Float64Array(dim), maxIter, gradTol);
  return { classes, features: f, mean, scale, coef: theta.slice(0, f * k), intercept: theta.slice(f * k), iterations };
}

/** Class probabilities [n, classes] for `x` [n, features]. */
export function predictProbabilities(m: ProbabilitiesClassifier, x: ArrayLike<number>, n: number): Float64Array {
  const f = m.features, k = m.classes.length;
  if (x.length !== n * f) throw new ShapeError(`behaviour readout: ${x.length} values are not [${n}, ${f}]`);
  const xs = new Float64Array(n * f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) xs[i * f + j] = (x[i * f + j] - m.mean[j]) / m.scale[j];
  const theta = new Float64Array((f + 1) * k);
  theta.set(m.coef); theta.set(m.intercept, f * k);
  const p = logits(xs, n, f, k, theta);
  softmaxRows(p, n, k);
  return p;
}

/** Limited-memory BFGS (10 pairs) with a backtracking Armijo line search; stops when max |∇| < gradTol · max(1, |loss|). */
function lbfgs(fg: (t: Float64Array) => [number, Float64Array], x0: Float64Array, maxIter: number, gradTol: number): { theta: Float64Array; iterations: number } {
  const d = x0.length, mem = 10;
  let x = x0, [fx, g] = fg(x);
  const S: Float64Array[] = [], Y: Float64Array[] = [];
  const dot = (a: Float64Array, b: Float64Array) => { let s = 0; for (let i = 0; i < d; i++) s += a[i] * b[i]; return s; };
  let it = 0;
  for (; it < maxIter; it++) {
    let gmax = 0;
    for (let i = 0; i < d; i++) gmax = Math.max(gmax, Math.abs(g[i]));
    if (gmax < gradTol * Math.max(1, Math.abs(fx))) break;
    const q = Float64Array.from(g), alpha: number[] = [];
    for (let j = S.length - 1; j >= 0; j--) { const a = dot(S[j], q) / dot(Y[j], S[j]); alpha[j] = a; for (let i = 0; i < d; i++) q[i] -= a * Y[j][i]; }
    const gamma = S.length ? dot(S[S.length - 1], Y[S.length - 1]) / dot(Y[S.length - 1], Y[S.length - 1]) : 1 / Math.max(gmax, 1);
    for (let i = 0; i < d; i++) q[i] *= gamma;
    for (let j = 0; j < S.length; j++) { const b = dot(Y[j], q) / dot(Y[j], S[j]); for (let i = 0; i < d; i++) q[i] += S[j][i] * (alpha[j] - b); }
    const slope = -dot(g, q);
    let step = 1, xn: Float64Array, fn: number, gn: Float64Array;
    for (;;) {
      xn = Float64Array.from(x, (v, i) => v - step * q[i]);
      [fn, gn] = fg(xn);
      if (fn <= fx + 1e-4 * step * slope || step < 1e-12) break;
      step /= 2;
    }
    const s = Float64Array.from(xn, (v, i) => v - x[i]), yv = Float64Array.from(gn, (v, i) => v - g[i]);
    if (dot(s, yv) > 1e-300) { S.push(s); Y.push(yv); if (S.length > mem) { S.shift(); Y.shift(); } }
    if (!(fn < fx) && step < 1e-12) { x = xn; fx = fn; g = gn; break; }
    x = xn; fx = fn; g = gn;
  }
  return { theta: x, iterations: it };
}
