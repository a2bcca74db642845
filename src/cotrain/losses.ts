/**
 * The losses of neural co-training that are not plain CE/Poisson/MSE (sinzlab/neural_cotraining
 * trainer/utils.py and main_loop_modules/representation_matching.py):
 *   - the negative-binomial NLL that replaces the Poisson loss under uncertainty weighting (`NBLossWrapper`);
 *   - learned uncertainty weighting, one log-weight s (init 0) per task, exactly as the wrappers code it:
 *       classification  exp(−s)·CE + 0.5·s                       (XEntropyLossWrapper)
 *       neural, MSE     0.5·exp(−s)·MSE + 0.5·s                   (MSELossWrapper, MSE mean-reduced)
 *       neural, NB      NB NLL with r = e^s                       (NBLossWrapper; s is log r, not a weight)
 *   - the Oracle's consistency loss between two views' conv3_1 maps: mean(1 − cos) over the channel axis at every
 *     position (CosineEmbeddingLoss with target 1), or the MSE alternative.
 * Everything is composite, so autograd comes for free; lnΓ is a composite too (shift + Stirling series).
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { Module } from '../nn/module.js';
import { add, addScalar, exp, log, mul, reciprocal, scale, sqrt, square, sub } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { reshape } from '../ops/movement.js';
import { crossEntropy } from '../ops/softmax.js';
import { sameShape } from '../tensor/shape.js';
import { mseLoss, poissonLoss } from '../train/losses.js';

/** Shift of the argument before the Stirling series: at w ≥ 6 the first omitted term, 1/(1680·w⁷), is < 2e-9. */
const LGAMMA_SHIFT = 6;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * lnΓ(x) elementwise for x > 0, differentiable (its gradient is the digamma function, through the same series):
 * lnΓ(x) = lnΓ(x + 6) − Σ_{i<6} ln(x + i), lnΓ(w) ≈ (w − ½)·ln w − w + ½·ln 2π + 1/(12w) − 1/(360w³) + 1/(1260w⁵).
 */
export function lgamma(x: Tensor): Tensor {
  return x.engine.scope(() => {
    let shiftLogs = log(x);
    for (let i = 1; i < LGAMMA_SHIFT; i++) shiftLogs = add(shiftLogs, log(addScalar(x, i)));
    const w = addScalar(x, LGAMMA_SHIFT);
    const inv = reciprocal(w);
    const inv2 = square(inv);
    // 1/(12w) − 1/(360w³) + 1/(1260w⁵) in Horner form: inv·(1/12 − inv²·(1/360 − inv²/1260)).
    const series = mul(inv, addScalar(scale(mul(inv2, addScalar(scale(inv2, -1 / 1260), 1 / 360)), -1), 1 / 12));
    const stirling = add(sub(mul(addScalar(w, -0.5), log(w)), w), addScalar(series, HALF_LOG_2PI));
    return sub(stirling, shiftLogs);
  });
}

/**
 * Negative-binomial NLL as NBLossWrapper codes it, with r = e^{logR} (logR a one-element parameter):
 * (y + r)·log(ŷ + r) − y·log ŷ − r·logR + lnΓ(r) − lnΓ(y + r) + lnΓ(y + 1) + 1e-5, averaged (or summed) over
 * elements. ŷ must be positive (the models' ELU(·) + 1 output is).
 */
export function negativeBinomialLoss(pred: Tensor, target: Tensor, logR: Tensor, reduction: 'mean' | 'sum' = 'mean'): Tensor {
  if (!sameShape(pred.shape, target.shape)) throw new ShapeError(`negativeBinomialLoss: prediction ${pred.describe()} vs target ${target.describe()}`);
  if (logR.size !== 1) throw new ShapeError(`negativeBinomialLoss: logR must hold one value, got ${logR.describe()}`);
  const e = pred.engine;
  return e.scope(() => {
    // reshape, not view: a view carries no gradient link.
    const s = logR.rank === 0 ? logR : reshape(logR, []);
    const r = exp(s);
    const yr = add(target, r);
    // lnΓ(y + 1) is constant in every parameter; computing it without a graph keeps the tape shorter.
    const constTerm = e.noGrad(() => addScalar(lgamma(addScalar(target, 1)), 1e-5));
    const terms = add(
      sub(sub(mul(yr, log(add(pred, r))), mul(target, log(pred))), mul(r, s)),
      add(sub(lgamma(r), lgamma(yr)), constTerm),
    );
    return reduction === 'sum' ? sum(terms) : mean(terms);
  });
}

export type WeightedLossKind = 'ce' | 'mse' | 'nb';

/**
 * Learned uncertainty weighting (Kendall et al.; the original's `loss_weighing=True`): one parameter `<task>.log_w`
 * of shape [1], initialised to 0, per task. Put `parameters()` into the optimiser with the model's: the original adds
 * them to the same parameter list, so they also receive its weight decay.
 */
export class UncertaintyWeighting extends Module {
  readonly #tasks = new Map<string, { kind: WeightedLossKind; logW: Tensor }>();

  constructor(engine: Engine, tasks: Readonly<Record<string, WeightedLossKind>>) {
    super(engine);
    const entries = Object.entries(tasks);
    if (!entries.length) throw new ArgumentError('UncertaintyWeighting: no tasks');
    for (const [task, kind] of entries) {
      // Dots would split the dotted state-dict names.
      if (!task || task.includes('.')) throw new ArgumentError(`UncertaintyWeighting: task name '${task}' must be non-empty and contain no '.'`);
      const holder = this.child(task, new LogWeight(engine));
      this.#tasks.set(task, { kind, logW: holder.log_w });
    }
  }

  tasks(): string[] { return [...this.#tasks.keys()]; }

  kind(task: string): WeightedLossKind { return this.#get(task).kind; }

  /** The task's s (log_w), a [1] parameter. */
  logWeight(task: string): Tensor { return this.#get(task).logW; }

  /**
   * The weighted loss of `task`: CE on logits [N, C] with integer labels [N] ('ce'); MSE on responses ('mse');
   * the NB NLL with r = e^s ('nb', responses must be positive).
   */
  loss(task: string, pred: Tensor, target: Tensor): Tensor {
    const { kind, logW } = this.#get(task);
    return this.engine.scope(() => {
      const s = reshape(logW, []);
      switch (kind) {
        case 'ce': return add(mul(exp(scale(s, -1)), crossEntropy(pred, target)), scale(s, 0.5));
        case 'mse': return add(mul(scale(exp(scale(s, -1)), 0.5), mseLoss(pred, target, 'mean')), scale(s, 0.5));
        case 'nb': return negativeBinomialLoss(pred, target, logW, 'mean');
      }
    });
  }

  /** Current values of every s, by task (one readback each). */
  async values(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [task, { logW }] of this.#tasks) out[task] = (await logW.read())[0];
    return out;
  }

  #get(task: string): { kind: WeightedLossKind; logW: Tensor } {
    const t = this.#tasks.get(task);
    if (!t) throw new ArgumentError(`UncertaintyWeighting: unknown task '${task}' (have ${this.tasks().join(', ')})`);
    return t;
  }
}

/** The per-task wrapper module: holds `log_w` under the wrapper's torch name. */
class LogWeight extends Module {
  readonly log_w: Tensor;
  constructor(engine: Engine) {
    super(engine);
    this.log_w = this.param('log_w', engine.zeros([1]));
  }
}

/**
 * The single-task V1 objective of the recipes: Σ Poisson(ŷ, y) · √(N_train / B) (+ the readout's L1 regulariser, which
 * the caller adds: it belongs to the model). `trainSize` is the session's training-set size.
 */
export function scaledPoissonLoss(pred: Tensor, target: Tensor, trainSize: number): Tensor {
  const b = pred.shape[0];
  if (!(trainSize > 0 && b > 0)) throw new ArgumentError(`scaledPoissonLoss: training size ${trainSize} and batch ${b} must be positive`);
  return pred.engine.scope(() => scale(poissonLoss(pred, target), Math.sqrt(trainSize / b)));
}

export type ConsistencyKind = 'cosine' | 'mse';

/**
 * The Oracle's representation-matching loss between two views' feature maps [N, C, H, W] (or [N, C]):
 * 'cosine' = mean over samples and positions of 1 − cos(a, b), the cosine over channels as torch's
 * cosine_embedding_loss computes it (Σab / √((Σa² + 1e-12)(Σb² + 1e-12))); 'mse' = mean((a − b)²).
 */
export function consistencyLoss(a: Tensor, b: Tensor, kind: ConsistencyKind = 'cosine'): Tensor {
  if (!sameShape(a.shape, b.shape) || a.rank < 2) throw new ShapeError(`consistencyLoss: views ${a.describe()} and ${b.describe()} must match, rank ≥ 2`);
  return a.engine.scope(() => {
    if (kind === 'mse') return mseLoss(a, b, 'mean');
    const dot = sum(mul(a, b), 1);
    const na = addScalar(sum(square(a), 1), 1e-12);
    const nb = addScalar(sum(square(b), 1), 1e-12);
    const cos = mul(dot, reciprocal(sqrt(mul(na, nb))));
    return addScalar(scale(mean(cos), -1), 1);
  });
}
