/** Adam (L2 weight decay) and AdamW (decoupled weight decay): torch.optim.Adam / torch.optim.AdamW. */
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../errors.js';
import { grid1d, run } from '../ops/dispatch.js';
import { Optimizer } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  /** 0 by default for both variants (torch.optim.AdamW defaults to 0.01: pass it explicitly). */
  weightDecay?: number;
  /** AdamW: p ·= 1 − lr·wd instead of adding wd·p to the gradient. */
  decoupled?: boolean;
}

/**
 * m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², p −= lr/(1 − β1^t) · m / (sqrt(v / (1 − β2^t)) + eps),
 * with t counted per parameter. One fused dispatch per parameter; bias corrections are computed in f64 here.
 */
export class Adam extends Optimizer {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  decoupled: boolean;

  constructor(params: readonly Tensor[], opts: AdamOptions) {
    super(opts.decoupled ? 'AdamW' : 'Adam', params, opts.lr, ['exp_avg', 'exp_avg_sq']);
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupled = opts.decoupled ?? false;
    for (const b of this.betas) if (!(b >= 0 && b < 1)) throw new ArgumentError(`Adam: beta ${b} is not in [0, 1)`);
    if (!(this.eps >= 0)) throw new ArgumentError(`Adam: eps ${this.eps} must be ≥ 0`);
    if (!(this.weightDecay >= 0)) throw new ArgumentError(`Adam: weightDecay ${this.weightDecay} must be ≥ 0`);
  }

  protected update(index: number, p: Tensor, grad: Tensor): void {
    const [beta1, beta2] = this.betas;
    const m = this.ensureSlot(index, 'exp_avg', true);
    const v = this.ensureSlot(index, 'exp_avg_sq', true);
    // Params as a function: a replayed capture of this step reads the current lr and step count (countReplay).
    run('optim', 'optim_adam_step', { grad, p, m, v }, () => {
      const t = this.steps[index];
      return {
        n: p.size, decoupled: Number(this.decoupled), lr: this.lr, weight_decay: this.weightDecay, beta1, beta2,
        eps: this.eps, step_size: this.lr / (1 - beta1 ** t), bc2_sqrt: Math.sqrt(1 - beta2 ** t),
      };
    }, grid1d(p.size));
  }
}
