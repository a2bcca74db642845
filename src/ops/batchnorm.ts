/**
 * Batch normalisation over the channel axis of [N, C, H, W] or [N, C], with torch semantics: training
 * normalises with the biased batch variance and updates the running statistics in place on the GPU (with the
 * unbiased variance); eval normalises with the running statistics.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import { expectF32, expectSameEngine, grid1d, run } from './dispatch.js';

export interface BatchNormOptions {
  training: boolean;
  /** Weight of the new batch statistics in the running averages (torch default 0.1). */
  momentum?: number;
  eps?: number;
  /** Apply ReLU to the output in the same pass (and mask the gradient in backward's): relu(batchNorm(x)). */
  relu?: boolean;
}

/** Reductions run one workgroup per channel with this many threads (the kernel's WG default). */
const REDUCE_WG = 256;
/** Forward threads per row segment. */
const FORWARD_WG = 64;
const MAX_GROUPS = 65535;

interface Geometry { n: number; c: number; s: number; rows: number; cols: number; channelLast: boolean }

function geometry(x: Tensor): Geometry {
  const [n, c] = x.shape;
  const s = x.rank === 4 ? x.shape[2] * x.shape[3] : 1;
  // With one value per (n, c) a thread per channel-row would idle; rows of C channels keep threads busy.
  const channelLast = s === 1;
  return { n, c, s, rows: channelLast ? n : n * c, cols: channelLast ? c : s, channelLast };
}

function paramsOf(g: Geometry, training: boolean, eps: number, momentum: number, relu: boolean): Record<string, number> {
  return {
    n: g.n, c: g.c, s: g.s, rows: g.rows, cols: g.cols, channel_last: Number(g.channelLast), training: Number(training),
    m: g.n * g.s, eps, momentum, relu: Number(relu), accumulate: 0,
  };
}

function checkVector(op: string, t: Tensor | null, c: number, what: string): void {
  if (!t) return;
  expectF32(op, t);
  if (t.rank !== 1 || t.shape[0] !== c) throw new ShapeError(`${op}: ${what} must have shape [${c}], got ${t.describe()}`);
}

/**
 * y = (x − mean)/√(var + eps)·weight + bias per channel (axis 1). `weight`/`bias` may be null (no affine part).
 * Training: batch statistics; `runningMean`/`runningVar`, when given, are updated in place. Eval: running
 * statistics, which are then required. Differentiable w.r.t. x, weight and bias. With `relu`, returns
 * relu(batchNorm(x)) from the same dispatches (training: 1 forward, 1 backward; eval: 2 and 1).
 */
export function batchNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, runningMean: Tensor | null,
  runningVar: Tensor | null, opts: BatchNormOptions): Tensor {
  const op = 'batchNorm';
  expectF32(op, x);
  if (x.rank !== 2 && x.rank !== 4) throw new ShapeError(`${op}: input must be [N, C, H, W] or [N, C], got ${x.describe()}`);
  const g = geometry(x);
  checkVector(op, weight, g.c, 'weight');
  checkVector(op, bias, g.c, 'bias');
  checkVector(op, runningMean, g.c, 'runningMean');
  checkVector(op, runningVar, g.c, 'runningVar');
  if ((runningMean === null) !== (runningVar === null)) {
    throw new ShapeError(`${op}: runningMean and runningVar must both be given or both be null`);
  }
  const others = [weight, bias, runningMean, runningVar].filter((t): t is Tensor => t !== null);
  expectSameEngine(op, x, ...others);
  const { training, eps = 1e-5, momentum = 0.1, relu = false } = opts;
  const m = g.n * g.s;
  if (training && m < 2) throw new ShapeError(`${op}: training needs more than 1 value per channel, got ${x.describe()}`);
  if (!training && (!runningMean || !runningVar)) throw new ShapeError(`${op}: eval mode needs runningMean and runningVar`);
  if (m === 0 || g.c === 0) throw new ShapeError(`${op}: empty input ${x.describe()}`);

  const e = x.engine;
  const params = paramsOf(g, training, eps, momentum, relu);
  const stats = e.empty([g.c, 4], 'f32', 'batchnorm_stats');
  const w = weight ?? e.ones([g.c]);
  const b = bias ?? e.zeros([g.c]);
  const y = e.empty(x.shape, 'f32', op);
  if (training) {
    // One workgroup per channel: statistics, running update and y in one dispatch.
    const running = runningMean && runningVar ? { running_mean: runningMean, running_var: runningVar } : null;
    run('batchnorm', running ? 'batchnorm_train_forward_update' : 'batchnorm_train_forward',
      { x, stats, weight: w, bias: b, y, ...running }, params, grid1d(g.c, 1));
  } else {
    run('batchnorm', 'batchnorm_eval_stats', { running_mean: runningMean!, running_var: runningVar!, stats }, params,
      grid1d(g.c, REDUCE_WG));
    const rowsY = Math.min(g.rows, MAX_GROUPS);
    run('batchnorm', 'batchnorm_forward', { x, stats, weight: w, bias: b, y }, params,
      [Math.ceil(g.cols / FORWARD_WG), rowsY, Math.ceil(g.rows / rowsY)], { WG: FORWARD_WG });
  }
  if (!weight) w.dispose();

  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  // Backward recomputes ReLU's mask from x, so it binds the bias (zeros when there is none; unread without relu).
  e.record(op, inputs, [y], ([dy], { x: xs, stats: st, weight: ws, bias: bs }, _needs, [prior]) => {
    const dx = prior ?? e.empty(xs.shape, 'f32', 'batchnorm_dx');
    const dw = e.empty([g.c], 'f32', 'batchnorm_dweight');
    const db = e.empty([g.c], 'f32', 'batchnorm_dbias');
    const gamma = ws ?? e.ones([g.c]);
    run('batchnorm', 'batchnorm_backward', { x: xs, dy: dy!, stats: st, weight: gamma, bias: bs!, dx, dweight: dw, dbias: db },
      { ...params, accumulate: Number(prior !== null) }, grid1d(g.c, 1));
    if (!ws) gamma.dispose();
    if (!weight) dw.dispose();
    if (!bias) db.dispose();
    return [dx, ...(weight ? [dw] : []), ...(bias ? [db] : [])];
  }, { x, stats, weight: weight ?? undefined, bias: b });
  if (!bias) b.dispose();
  stats.dispose();
  return y;
}

