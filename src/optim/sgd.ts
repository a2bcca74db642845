/** Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay: torch.optim.SGD. */
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { grid1d, run } from '../ops/dispatch.js';
import { Optimizer, slotGroups, type StepItem } from './optimizer.js';

/** Parameters per optim_sgd_momentum_multi dispatch (the kernel's slot count; 3 storage buffers each). */
const SLOTS = 5;

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  /**
   * Update up to 5 parameters per dispatch (torch's `foreach`), where the device binds 15 storage buffers; the
   * values are bit-identical to one dispatch per parameter. Default true.
   */
  foreach?: boolean;
}

/**
 * g = grad + wd·p; with momentum, buf = momentum·buf + (1 − dampening)·g (buf = g on a parameter's first
 * step) and g = nesterov ? g + momentum·buf : buf; then p −= lr·g. One fused dispatch per parameter, or with
 * momentum and `foreach`, one per 5 parameters.
 */
export class SGD extends Optimizer {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  readonly foreach: boolean;

  constructor(params: readonly Tensor[], opts: SgdOptions) {
    super('SGD', params, opts.lr, ['momentum_buffer']);
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    this.foreach = opts.foreach ?? true;
    if (!(this.momentum >= 0)) throw new ArgumentError(`SGD: momentum ${this.momentum} must be ≥ 0`);
    if (!(this.weightDecay >= 0)) throw new ArgumentError(`SGD: weightDecay ${this.weightDecay} must be ≥ 0`);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new ShapeError('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
    }
  }

  protected updateAll(items: readonly StepItem[]): void {
    if (!this.foreach || this.momentum === 0 || items.length < 2 || !this.fitsSlots(3, SLOTS)) {
      super.updateAll(items);
      return;
    }
    for (const group of slotGroups(items, SLOTS)) {
      const firsts = group.map((it) => this.slot(it.index, 'momentum_buffer') === null);
      const tensors: Record<string, Tensor> = {};
      const spare = this.spares(3 * (SLOTS - group.length));
      for (let k = 0; k < SLOTS; k++) {
        const it = group[k];
        const [g, p, b] = it ? [it.grad, it.p, this.ensureSlot(it.index, 'momentum_buffer', false)] : spare.splice(0, 3);
        Object.assign(tensors, { [`sgrad${k}`]: g, [`sp${k}`]: p, [`sbuf${k}`]: b });
      }
      const n = Array.from({ length: SLOTS }, (_, k) => group[k]?.p.size ?? 0);
      // As in update(): only the eager step can be a buffer's first; replays pass first = 0.
      let once = true;
      run('optim', 'optim_sgd_momentum_multi', tensors, () => {
        const first = firsts.map((f) => Number(f && once));
        once = false;
        return { n, first: [...first, ...new Array(8 - first.length).fill(0)], nesterov: Number(this.nesterov), lr: this.lr,
          weight_decay: this.weightDecay, momentum: this.momentum, dampening: this.dampening };
      }, [...grid1d(Math.max(...n)).slice(0, 2), group.length] as [number, number, number]);
    }
  }

  protected update(index: number, p: Tensor, grad: Tensor): void {
    // Params as a function: a replayed capture of this step reads the current lr (schedules assign it).
    const params = (first: boolean) => () => ({ n: p.size, lr: this.lr, weight_decay: this.weightDecay, momentum: this.momentum,
      dampening: this.dampening, nesterov: Number(this.nesterov), first: Number(first) });
    if (this.momentum === 0) {
      run('optim', 'optim_sgd_step', { grad, p }, params(false), grid1d(p.size));
      return;
    }
    const first = this.slot(index, 'momentum_buffer') === null;
    const buf = this.ensureSlot(index, 'momentum_buffer', false);
    // Only an eager step can be a buffer's first: a capture must follow one (the replays then pass first = 0).
    let once = first;
    run('optim', 'optim_sgd_momentum_step', { grad, p, buf }, () => { const v = params(once)(); once = false; return v; }, grid1d(p.size));
  }
}
