/**
 * Losses beyond plain cross-entropy: the superclass behavioural loss (GRCNN paper), AugMix's Jensen–Shannon
 * consistency, and the neural losses of the co-training paper (Poisson, MSE). All composite, so autograd is free.
 */
import type { Tensor } from '../tensor/tensor.js';
import { add, clamp, exp, log, mul, scale, sub } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { matmul } from '../ops/matmul.js';
import { logSoftmax, softmax } from '../ops/softmax.js';
import { ArgumentError, ShapeError } from '../errors.js';

/**
 * −log Σ_{c ∈ S(y)} softmax(z)_c (superOf[c]: the superclass of class c, −1 for none; k superclasses), averaged over samples whose class has a superclass (others are skipped), as
 * we chose it: Azeglio et al. 2022 describe the superclass term but their code is not public. `labels` are the host copies of the batch labels.
 */
export function superclassLoss(logits: Tensor, labels: Int32Array, superOf: ArrayLike<number>, k: number): Tensor {
  const [n, c] = logits.shape;
  if (superOf.length !== c) throw new ShapeError(`superclassLoss: mapping covers ${superOf.length} classes, logits have ${c}`);
  const e = logits.engine;
  const member = new Float32Array(c * k);
  Array.from(superOf).forEach((s, ci) => { if (s >= 0) member[ci * k + s] = 1; });
  const onehot = new Float32Array(n * k);
  let valid = 0;
  labels.forEach((y, i) => { const s = superOf[y]; if (s >= 0) { onehot[i * k + s] = 1; valid++; } });
  if (valid === 0) return scale(sum(logits), 0);
  const ps = matmul(softmax(logits, -1), e.tensor(member, [c, k]));
  // The clamp keeps log finite when a superclass gets all its mass rounded away.
  const nll = mul(log(clamp(ps, 1e-12, 1)), e.tensor(onehot, [n, k]));
  return scale(sum(nll), -1 / valid);
}

/**
 * AugMix's JSD term over V views (3 in AugMix: clean + 2 augmented): mean over views of KL(M ‖ p_v) with
 * M = clamp(mean(p), 1e-7, 1), written as F.kl_div(log M, p_v, reduction='batchmean') = Σ p_v (log p_v − log M) / N.
 * Returns the term unweighted.
 */
export function jsdConsistency(views: Tensor[]): Tensor {
  if (views.length < 2) throw new ArgumentError(`jsdConsistency: needs ≥ 2 views, got ${views.length}`);
  const n = views[0].shape[0];
  const logps = views.map((z) => logSoftmax(z, -1));
  const ps = logps.map((lp) => exp(lp));
  const logM = log(clamp(scale(ps.reduce((a, b) => add(a, b)), 1 / views.length), 1e-7, 1));
  const kls = ps.map((p, v) => sum(mul(p, sub(logps[v], logM))));
  return scale(kls.reduce((a, b) => add(a, b)), 1 / (views.length * n));
}

/** Poisson negative log-likelihood without the constant: Σ (ŷ − y·log(ŷ + eps)), mean over neurons if asked. */
export function poissonLoss(pred: Tensor, target: Tensor, opts: { eps?: number; reduction?: 'sum' | 'mean' } = {}): Tensor {
  const eps = opts.eps ?? 1e-12;
  const terms = sub(pred, mul(target, log(clamp(pred, eps, Number.MAX_VALUE))));
  return opts.reduction === 'mean' ? mean(terms) : sum(terms);
}

export function mseLoss(pred: Tensor, target: Tensor, reduction: 'sum' | 'mean' = 'mean'): Tensor {
  const d = sub(pred, target);
  const sq = mul(d, d);
  return reduction === 'mean' ? mean(sq) : sum(sq);
}
