/**
 * f64 CPU references of the constrained reconstruction (src/analysis/reconstruct.ts): mei's gradient blur, the
 * norm projections, the whole projected-gradient loop for a given gradient function, and the closed-form
 * optimum x = (H + γI)⁻¹Hx₀ of a quadratic loss under ‖x‖ ≤ r (Safarani et al. 2021 §4).
 */
import { adamRef } from './optim.js';
import { blurWeights } from '../numeric.js';
import type { NormConstraint } from '../analysis/reconstruct.js';

/** torch's 'reflect' padding (reflect-101: cb|abcd|cb), folded for any distance. */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const p = 2 * n - 2;
  const m = ((i % p) + p) % p;
  return m >= n ? p - m : m;
}

/** The separable blur of every [H, W] plane of x [N, C, H, W] with reflect padding (mei's GaussianBlur). */
export function blurRef(x: ArrayLike<number>, shape: readonly number[], sigma: number): Float64Array {
  const [n, c, h, w] = shape;
  const k = blurWeights(sigma);
  const half = (k.length - 1) / 2;
  const rows = new Float64Array(n * c * h * w);
  const out = new Float64Array(rows.length);
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let s = 0;
        for (let t = -half; t <= half; t++) s += k[t + half] * x[base + reflect(i + t, h) * w + j];
        rows[base + i * w + j] = s;
      }
    }
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let s = 0;
        for (let t = -half; t <= half; t++) s += k[t + half] * rows[base + i * w + reflect(j + t, w)];
        out[base + i * w + j] = s;
      }
    }
  }
  return out;
}

/** Projects each of the `radii.length` images of x (in place) onto ‖x_b‖ = r_b (sphere) or ‖x_b‖ ≤ r_b (ball). */
export function projectRef(x: Float64Array, radii: readonly number[], constraint: NormConstraint): void {
  const per = x.length / radii.length;
  radii.forEach((r, b) => {
    let s = 0;
    for (let i = b * per; i < (b + 1) * per; i++) s += x[i] * x[i];
    const norm = Math.sqrt(s);
    const f = constraint === 'ball' ? Math.min(1, r / norm) : r / norm;
    for (let i = b * per; i < (b + 1) * per; i++) x[i] *= f;
  });
}

export interface LoopRefOptions {
  constraint: NormConstraint;
  optimizer: 'sgd' | 'adam';
  lr: number;
  betas?: [number, number];
  eps?: number;
  blurSigma: number;
}

/**
 * `steps` iterations of the reconstruction loop from `x` (already projected), in place: g = ∇ℓ(x) from `grad`,
 * blurred, then an SGD or torch.optim.Adam step, then the projection.
 */
export function reconstructLoopRef(x: Float64Array, shape: readonly number[], radii: readonly number[],
  grad: (x: Float64Array) => ArrayLike<number>, o: LoopRefOptions, steps: number): void {
  const m = new Float64Array(x.length);
  const v = new Float64Array(x.length);
  for (let t = 1; t <= steps; t++) {
    const g0 = grad(x);
    const g = o.blurSigma > 0 ? blurRef(g0, shape, o.blurSigma) : g0;
    if (o.optimizer === 'adam') adamRef(x, g, m, v, t, { lr: o.lr, betas: o.betas, eps: o.eps });
    else for (let i = 0; i < x.length; i++) x[i] -= o.lr * g[i];
    projectRef(x, radii, o.constraint);
  }
}

/** Solves the d×d SPD system A·y = b by Cholesky (A is row-major and left unchanged). */
function solveSpd(a: Float64Array, d: number, b: Float64Array): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = i === j ? Math.sqrt(s) : s / l[j * d + j];
    }
  }
  const y = Float64Array.from(b);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < i; k++) y[i] -= l[i * d + k] * y[k];
    y[i] /= l[i * d + i];
  }
  for (let i = d - 1; i >= 0; i--) {
    for (let k = i + 1; k < d; k++) y[i] -= l[k * d + i] * y[k];
    y[i] /= l[i * d + i];
  }
  return y;
}

const norm2 = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, a) => s + a * a, 0));

/**
 * argmin ½(x − x₀)ᵀH(x − x₀) s.t. ‖x‖ ≤ r for a symmetric PSD H (d×d, row-major): x₀ itself when ‖x₀‖ ≤ r,
 * else x = (H + γI)⁻¹Hx₀ with the Lagrange multiplier γ > 0 found by bisection so that ‖x‖ = r (‖x(γ)‖ falls
 * monotonically in γ). Needs ‖x₀‖'s component in the range of H to exceed r, or the optimum is not unique.
 */
export function constrainedOptimum(hess: Float64Array, d: number, x0: Float64Array, r: number): { x: Float64Array; gamma: number } {
  if (norm2(x0) <= r) return { x: Float64Array.from(x0), gamma: 0 };
  const hx0 = new Float64Array(d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) hx0[i] += hess[i * d + j] * x0[j];
  const at = (gamma: number) => {
    const a = Float64Array.from(hess);
    for (let i = 0; i < d; i++) a[i * d + i] += gamma;
    return solveSpd(a, d, hx0);
  };
  let hi = 1e-6;
  while (norm2(at(hi)) > r) hi *= 2;
  let lo = 0;
  for (let it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
    const mid = (lo + hi) / 2;
    if (norm2(at(mid)) > r) lo = mid; else hi = mid;
  }
  const gamma = (lo + hi) / 2;
  return { x: at(gamma), gamma };
}
