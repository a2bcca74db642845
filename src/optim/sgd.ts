/** Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay: torch.optim.SGD. */
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { grid1d, run } from '../ops/dispatch.js';
import { Optimizer } from './optimizer.js';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/**
 * g = grad + wd·p; with momentum, buf = momentum·buf + (1 − dampening)·g (buf = g on a parameter's first
 * step) and g = nesterov ? g + momentum·buf : buf; then p −= lr·g. One fused dispatch per parameter.
 */
export class SGD extends Optimizer {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;

  constructor(params: readonly Tensor[], opts: SgdOptions) {
    super('SGD', params, opts.lr, ['momentum_buffer']);
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    if (!(this.momentum >= 0)) throw new ArgumentError(`SGD: momentum ${this.momentum} must be ≥ 0`);
    if (!(this.weightDecay >= 0)) throw new ArgumentError(`SGD: weightDecay ${this.weightDecay} must be ≥ 0`);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new ShapeError('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
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
