/** f64 CPU references for softmax, log-softmax and cross-entropy (src/ops/softmax.ts). */
import { normAxis, numel } from '../tensor/shape.js';

/** Calls `f` with the element indices of each row along `axis` (a shape viewed as [outer, cols, inner]). */
function forEachRow(shape: readonly number[], axis: number, f: (idx: number[]) => void): void {
  const a = normAxis(axis, shape.length, 'softmaxRef');
  const cols = shape[a];
  const inner = numel(shape.slice(a + 1));
  const outer = numel(shape.slice(0, a));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) f(Array.from({ length: cols }, (_, c) => (o * cols + c) * inner + i));
  }
}

/** softmax(x) along `axis`, or log-softmax when `log`. */
export function softmaxRef(x: ArrayLike<number>, shape: readonly number[], axis = -1, log = false): Float64Array {
  const y = new Float64Array(x.length);
  forEachRow(shape, axis, (idx) => {
    const m = Math.max(...idx.map((i) => x[i]));
    const s = idx.reduce((acc, i) => acc + Math.exp(x[i] - m), 0);
    for (const i of idx) y[i] = log ? x[i] - m - Math.log(s) : Math.exp(x[i] - m) / s;
  });
  return y;
}

/** dx from the forward output y and dy: y⊙(dy − Σdy·y), or dy − softmax·Σdy for log-softmax. */
export function softmaxBackwardRef(y: ArrayLike<number>, dy: ArrayLike<number>, shape: readonly number[], axis = -1,
  log = false): Float64Array {
  const dx = new Float64Array(y.length);
  forEachRow(shape, axis, (idx) => {
    const s = idx.reduce((acc, i) => acc + (log ? dy[i] : dy[i] * y[i]), 0);
    for (const i of idx) dx[i] = log ? dy[i] - Math.exp(y[i]) * s : y[i] * (dy[i] - s);
  });
  return dx;
}

/** Class ids [N] or probabilities [N, C]. */
export type CrossEntropyTarget = { labels: ArrayLike<number> } | { probs: ArrayLike<number> };
export type Reduction = 'mean' | 'sum' | 'none';

/** The smoothed target distribution q = (1 − ε)·t + ε/C, [N, C]. */
function targetDistribution(n: number, c: number, target: CrossEntropyTarget, smoothing: number): Float64Array {
  const q = new Float64Array(n * c);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < c; k++) {
      const t = 'labels' in target ? Number(target.labels[r] === k) : target.probs[r * c + k];
      q[r * c + k] = (1 - smoothing) * t + smoothing / c;
    }
  }
  return q;
}

/** torch.nn.functional.cross_entropy on logits [N, C]: per-row losses (reduction 'none') or their mean/sum. */
export function crossEntropyRef(logits: ArrayLike<number>, n: number, c: number, target: CrossEntropyTarget,
  smoothing = 0, reduction: Reduction = 'mean'): Float64Array {
  const logp = softmaxRef(logits, [n, c], 1, true);
  const q = targetDistribution(n, c, target, smoothing);
  const rows = Float64Array.from({ length: n }, (_, r) => {
    let l = 0;
    for (let k = 0; k < c; k++) l -= q[r * c + k] * logp[r * c + k];
    return l;
  });
  if (reduction === 'none') return rows;
  const total = rows.reduce((a, b) => a + b, 0);
  return Float64Array.of(reduction === 'sum' ? total : total / n);
}

/**
 * Gradients of Σ crossEntropy·dy: w.r.t. the logits and, for probability targets, w.r.t. the probabilities.
 * `dy` has one value per row ('none') or a single value ('mean', 'sum').
 */
export function crossEntropyBackwardRef(logits: ArrayLike<number>, n: number, c: number, target: CrossEntropyTarget,
  dy: ArrayLike<number>, smoothing = 0, reduction: Reduction = 'mean'): { dlogits: Float64Array; dprobs: Float64Array | null } {
  const logp = softmaxRef(logits, [n, c], 1, true);
  const q = targetDistribution(n, c, target, smoothing);
  const dlogits = new Float64Array(n * c);
  const dprobs = 'probs' in target ? new Float64Array(n * c) : null;
  for (let r = 0; r < n; r++) {
    const g = reduction === 'none' ? dy[r] : reduction === 'mean' ? dy[0] / n : dy[0];
    let qsum = 0;
    for (let k = 0; k < c; k++) qsum += q[r * c + k];
    for (let k = 0; k < c; k++) {
      const i = r * c + k;
      dlogits[i] = g * (Math.exp(logp[i]) * qsum - q[i]);
      if (dprobs) dprobs[i] = -g * (1 - smoothing) * logp[i];
    }
  }
  return { dlogits, dprobs };
}
