/**
 * Losses beyond plain cross-entropy: the superclass behavioural loss (GRCNN paper), AugMix's Jensen–Shannon
 * consistency, and the neural losses of the co-training paper (Poisson, MSE). All composite, so autograd is free.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, clamp, exp, log, mul, scale, sub } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { matmul } from '../ops/matmul.js';
import { logSoftmax, softmax } from '../ops/softmax.js';
import { ArgumentError, ShapeError } from '../errors.js';

/**
 * The superclass behavioural loss −log Σ_{c ∈ S(y)} softmax(z)_c (GRCNN paper; as we chose it — Azeglio et al. 2022
 * describe the term but their code is not public), averaged over the samples whose
 * class has a superclass (others are skipped). Split in three so a captured training step can replay it: the
 * class → superclass membership [c, k] is a constant tensor, the per-batch part a weight tensor [n, k] holding
 * 1/valid at each sample's superclass (written into the capture's input), and the term a fixed chain of ops.
 */
export function superclassMembers(e: Engine, superOf: ArrayLike<number>, k: number): Tensor {
  const c = superOf.length;
  const member = new Float32Array(c * k);
  Array.from(superOf).forEach((s, ci) => { if (s >= 0) member[ci * k + s] = 1; });
  return e.tensor(member, [c, k]);
}

/**
 * [n, k]: 1/valid at (i, superclass of labels[i]) for the valid samples; all zero when none is valid. With soft
 * targets [n, classes] (CutMix) a sample's superclass targets mix as its class targets do — λ at S(y_A), 1 − λ at
 * S(y_B) — and the mean runs over the superclass-labelled mass, which is the count of valid samples for hard labels.
 */
export function superclassWeights(labels: Int32Array, superOf: ArrayLike<number>, k: number, targets?: Float32Array): Float32Array {
  const n = labels.length;
  const w = new Float32Array(n * k);
  if (targets) {
    const c = targets.length / n;
    for (let i = 0; i < n; i++) {
      for (let y = 0; y < c; y++) if (superOf[y] >= 0) w[i * k + superOf[y]] += targets[i * c + y];
    }
  } else {
    labels.forEach((y, i) => { if (superOf[y] >= 0) w[i * k + superOf[y]] = 1; });
  }
  let mass = 0;
  for (const v of w) mass += v;
  if (mass > 0) for (let i = 0; i < w.length; i++) w[i] /= mass;
  return w;
}

export function superclassTerm(logits: Tensor, member: Tensor, weights: Tensor): Tensor {
  const [n, c] = logits.shape;
  if (member.shape[0] !== c) throw new ShapeError(`superclassLoss: mapping covers ${member.shape[0]} classes, logits have ${c}`);
  if (weights.shape[0] !== n || weights.shape[1] !== member.shape[1]) {
    throw new ShapeError(`superclassLoss: weights ${weights.describe()} do not match ${n} samples × ${member.shape[1]} superclasses`);
  }
  const ps = matmul(softmax(logits, -1), member);
  // The clamp keeps log finite when a superclass gets all its mass rounded away.
  return scale(sum(mul(log(clamp(ps, 1e-12, 1)), weights)), -1);
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
