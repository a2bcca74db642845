/** f64 CPU references of the torch.optim update rules (src/optim/). They update the given arrays in place. */

export interface SgdRefOptions { lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }

/** One torch.optim.SGD step. `buf` is the momentum buffer, null before the first step (then it is returned). */
export function sgdRef(p: Float64Array, grad: ArrayLike<number>, buf: Float64Array | null, o: SgdRefOptions): Float64Array | null {
  const momentum = o.momentum ?? 0;
  const dampening = o.dampening ?? 0;
  const wd = o.weightDecay ?? 0;
  const out = momentum !== 0 ? buf ?? new Float64Array(p.length) : null;
  for (let i = 0; i < p.length; i++) {
    let g = grad[i] + wd * p[i];
    if (out) {
      out[i] = buf ? momentum * out[i] + (1 - dampening) * g : g;
      g = o.nesterov ? g + momentum * out[i] : out[i];
    }
    p[i] -= o.lr * g;
  }
  return out;
}

export interface AdamRefOptions { lr: number; betas?: [number, number]; eps?: number; weightDecay?: number; decoupled?: boolean }

/** One torch.optim.Adam (or AdamW when `decoupled`) step; `step` counts from 1. */
export function adamRef(p: Float64Array, grad: ArrayLike<number>, m: Float64Array, v: Float64Array, step: number,
  o: AdamRefOptions): void {
  const [b1, b2] = o.betas ?? [0.9, 0.999];
  const eps = o.eps ?? 1e-8;
  const wd = o.weightDecay ?? 0;
  const bc1 = 1 - b1 ** step;
  const bc2 = 1 - b2 ** step;
  for (let i = 0; i < p.length; i++) {
    let g = grad[i];
    if (o.decoupled) p[i] *= 1 - o.lr * wd;
    else g += wd * p[i];
    m[i] = b1 * m[i] + (1 - b1) * g;
    v[i] = b2 * v[i] + (1 - b2) * g * g;
    p[i] -= (o.lr / bc1) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
  }
}
