/** Adam (L2 weight decay) and AdamW (decoupled weight decay): torch.optim.Adam / torch.optim.AdamW. */
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../errors.js';
import { grid1d, run } from '../ops/dispatch.js';
import { Optimizer, slotGroups, type StepItem } from './optimizer.js';

/** Parameters per optim_adam_multi dispatch (the kernel's slot count; 4 storage buffers each). */
const SLOTS = 4;

export interface AdamOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  /** 0 by default for both variants (torch.optim.AdamW defaults to 0.01: pass it explicitly). */
  weightDecay?: number;
  /** AdamW: p ·= 1 − lr·wd instead of adding wd·p to the gradient. */
  decoupled?: boolean;
  /**
   * Update up to 4 parameters per dispatch (torch's `foreach`), where the device binds 16 storage buffers; the
   * values are bit-identical to one dispatch per parameter. Default true.
   */
  foreach?: boolean;
}

/**
 * m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², p −= lr/(1 − β1^t) · m / (sqrt(v / (1 − β2^t)) + eps),
 * with t counted per parameter. One fused dispatch per parameter (per 4 with `foreach`); bias corrections are
 * computed in f64 here.
 */
export class Adam extends Optimizer {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  decoupled: boolean;
  readonly foreach: boolean;

  constructor(params: readonly Tensor[], opts: AdamOptions) {
    super(opts.decoupled ? 'AdamW' : 'Adam', params, opts.lr, ['exp_avg', 'exp_avg_sq']);
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupled = opts.decoupled ?? false;
    this.foreach = opts.foreach ?? true;
    for (const b of this.betas) if (!(b >= 0 && b < 1)) throw new ArgumentError(`Adam: beta ${b} is not in [0, 1)`);
    if (!(this.eps >= 0)) throw new ArgumentError(`Adam: eps ${this.eps} must be ≥ 0`);
    if (!(this.weightDecay >= 0)) throw new ArgumentError(`Adam: weightDecay ${this.weightDecay} must be ≥ 0`);
  }

  /** step_size and bc2_sqrt of parameter `index` at its current step count. */
  #corrections(index: number): [number, number] {
    const [beta1, beta2] = this.betas;
    const t = this.steps[index];
    return [this.lr / (1 - beta1 ** t), Math.sqrt(1 - beta2 ** t)];
  }

  protected updateAll(items: readonly StepItem[]): void {
    if (!this.foreach || items.length < 2 || !this.fitsSlots(4, SLOTS)) {
      super.updateAll(items);
      return;
    }
    const [beta1, beta2] = this.betas;
    const pad = (v: number[]) => [...v, ...new Array(8 - v.length).fill(0)];
    for (const group of slotGroups(items, SLOTS)) {
      const tensors: Record<string, Tensor> = {};
      const spare = this.spares(4 * (SLOTS - group.length));
      for (let k = 0; k < SLOTS; k++) {
        const it = group[k];
        const [g, p, m, v] = it ? [it.grad, it.p, this.ensureSlot(it.index, 'exp_avg', true), this.ensureSlot(it.index, 'exp_avg_sq', true)]
          : spare.splice(0, 4);
        Object.assign(tensors, { [`agrad${k}`]: g, [`ap${k}`]: p, [`am${k}`]: m, [`av${k}`]: v });
      }
      const n = pad(group.map((it) => it.p.size));
      run('optim', 'optim_adam_multi', tensors, () => {
        const c = group.map((it) => this.#corrections(it.index));
        return { n, step_size: pad(c.map((x) => x[0])), bc2_sqrt: pad(c.map((x) => x[1])), decoupled: Number(this.decoupled),
          lr: this.lr, weight_decay: this.weightDecay, beta1, beta2, eps: this.eps };
      }, [...grid1d(Math.max(...n)).slice(0, 2), group.length] as [number, number, number]);
    }
  }

  protected update(index: number, p: Tensor, grad: Tensor): void {
    const [beta1, beta2] = this.betas;
    const m = this.ensureSlot(index, 'exp_avg', true);
    const v = this.ensureSlot(index, 'exp_avg_sq', true);
    // Params as a function: a replayed capture of this step reads the current lr and step count (countReplay).
    run('optim', 'optim_adam_step', { grad, p, m, v }, () => {
      const [stepSize, bc2Sqrt] = this.#corrections(index);
      return {
        n: p.size, decoupled: Number(this.decoupled), lr: this.lr, weight_decay: this.weightDecay, beta1, beta2,
        eps: this.eps, step_size: stepSize, bc2_sqrt: bc2Sqrt,
      };
    }, grid1d(p.size));
  }
}
