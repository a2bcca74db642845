/**
 * f64 CPU reference of the Gaussian readouts (readout.ts), written from neuralpredictors' code rather than from
 * ours: μ clamped to [−1, 1] and σ to ≥ 0 (not a full Σ), positions clamp(μ + σε, −1, 1) or μ without noise,
 * bilinear sampling with align_corners and zero padding, y = Σ_c features[c, j]·sample + bias_j. Plus the analytic
 * gradients of Σ y·dy for per-axis σ (Gaussian2d). Plain arrays and shapes; no GPU.
 */

/** 'axis': σ [n, 2] (Gaussian2d, uncorrelated); 'iso': σ [n]; 'full': Σ [n, 2, 2] row-major. */
export type SigmaKind = 'axis' | 'iso' | 'full';

export interface ReadoutRefInput {
  /** Feature map [N, C, H, W]. */
  x: Float64Array;
  shape: readonly [number, number, number, number];
  /** Neurons. */
  n: number;
  kind: SigmaKind;
  /** [n, 2] as (x, y). */
  mu: Float64Array;
  sigma: Float64Array;
  /** [C, n]. */
  features: Float64Array;
  bias: Float64Array | null;
  /** ε [B, n, 2] with B = N (one per image) or 1 (one per batch); null: mean positions (eval). */
  eps: Float64Array | null;
}

export interface ReadoutRefGrads { x: Float64Array; mu: Float64Array; sigma: Float64Array; features: Float64Array; bias: Float64Array }

const clip = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Positions [N, n, 2] and, per coordinate, whether the final clamp let it through (its gradient mask). */
export function readoutPositionsRef(r: ReadoutRefInput): { grid: Float64Array; pass: Uint8Array } {
  const [N] = r.shape;
  const grid = new Float64Array(N * r.n * 2);
  const pass = new Uint8Array(N * r.n * 2);
  const mu = r.mu.map((v) => clip(v, -1, 1));
  const sig = r.kind === 'full' ? r.sigma : r.sigma.map((v) => Math.max(v, 0));
  const perImage = r.eps !== null && r.eps.length === N * r.n * 2;
  for (let b = 0; b < N; b++) {
    for (let j = 0; j < r.n; j++) {
      const e = (d: number) => r.eps![((perImage ? b : 0) * r.n + j) * 2 + d];
      for (let a = 0; a < 2; a++) {
        let u = mu[j * 2 + a];
        if (r.eps) {
          u += r.kind === 'axis' ? sig[j * 2 + a] * e(a)
            : r.kind === 'iso' ? sig[j] * e(a) : sig[j * 4 + a * 2] * e(0) + sig[j * 4 + a * 2 + 1] * e(1);
        }
        const k = (b * r.n + j) * 2 + a;
        grid[k] = clip(u, -1, 1);
        pass[k] = Number(u >= -1 && u <= 1);
      }
    }
  }
  return { grid, pass };
}

interface Sample { v: number; dix: number; diy: number; taps: [number, number][] }

/** Bilinear value at (gx, gy) of one plane, its derivatives in pixel units, and its (offset, weight) taps. */
function bilinear(x: Float64Array, plane: number, h: number, w: number, gx: number, gy: number): Sample {
  const ix = ((gx + 1) / 2) * (w - 1);
  const iy = ((gy + 1) / 2) * (h - 1);
  const x0 = Math.floor(ix);
  const y0 = Math.floor(iy);
  const fx = ix - x0;
  const fy = iy - y0;
  const out: Sample = { v: 0, dix: 0, diy: 0, taps: [] };
  for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
    const xx = x0 + dx;
    const yy = y0 + dy;
    if (xx < 0 || xx >= w || yy < 0 || yy >= h) continue;
    const off = plane + yy * w + xx;
    const wx = dx ? fx : 1 - fx;
    const wy = dy ? fy : 1 - fy;
    out.v += wx * wy * x[off];
    out.dix += (dx ? 1 : -1) * wy * x[off];
    out.diy += (dy ? 1 : -1) * wx * x[off];
    out.taps.push([off, wx * wy]);
  }
  return out;
}

/** Responses [N, n]. */
export function readoutRef(r: ReadoutRefInput): Float64Array {
  const [N, C, H, W] = r.shape;
  const { grid } = readoutPositionsRef(r);
  const y = new Float64Array(N * r.n);
  for (let b = 0; b < N; b++) {
    for (let j = 0; j < r.n; j++) {
      const k = b * r.n + j;
      let s = r.bias ? r.bias[j] : 0;
      for (let c = 0; c < C; c++) s += r.features[c * r.n + j] * bilinear(r.x, (b * C + c) * H * W, H, W, grid[2 * k], grid[2 * k + 1]).v;
      y[k] = s;
    }
  }
  return y;
}

/** Gradients of Σ y·dy for per-axis σ ('axis'), by the chain rule through the forward above. */
export function readoutBackwardRef(r: ReadoutRefInput, dy: ArrayLike<number>): ReadoutRefGrads {
  if (r.kind !== 'axis') throw new Error(`readoutBackwardRef: only per-axis σ, got '${r.kind}'`);
  const [N, C, H, W] = r.shape;
  const { grid, pass } = readoutPositionsRef(r);
  const d: ReadoutRefGrads = { x: new Float64Array(r.x.length), mu: new Float64Array(r.n * 2), sigma: new Float64Array(r.n * 2),
    features: new Float64Array(C * r.n), bias: new Float64Array(r.n) };
  const perImage = r.eps !== null && r.eps.length === N * r.n * 2;
  for (let b = 0; b < N; b++) {
    for (let j = 0; j < r.n; j++) {
      const k = b * r.n + j;
      d.bias[j] += dy[k];
      let dgx = 0;
      let dgy = 0;
      for (let c = 0; c < C; c++) {
        const s = bilinear(r.x, (b * C + c) * H * W, H, W, grid[2 * k], grid[2 * k + 1]);
        d.features[c * r.n + j] += dy[k] * s.v;
        const coef = dy[k] * r.features[c * r.n + j];
        for (const [off, wt] of s.taps) d.x[off] += coef * wt;
        dgx += (coef * s.dix * (W - 1)) / 2;
        dgy += (coef * s.diy * (H - 1)) / 2;
      }
      [dgx, dgy].forEach((dg, a) => {
        const m = pass[2 * k + a] * dg;
        d.mu[j * 2 + a] += m;
        if (r.eps) d.sigma[j * 2 + a] += m * r.eps[((perImage ? b : 0) * r.n + j) * 2 + a];
      });
    }
  }
  return d;
}
