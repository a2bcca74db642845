/**
 * Softmax and log-softmax along any axis, and cross-entropy on logits, over kernels/softmax.wgsl.
 * Rows are reduced in place as [outer, cols, inner], so a non-last axis needs no transpose.
 */
import type { Tensor } from '../tensor/tensor.js';
import { fmt, normAxis, numel } from '../tensor/shape.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { expectF32, expectRank, expectSameEngine, grid1d, run } from './dispatch.js';
import { mean, sum } from './reduce.js';

/**
 * A thread per row unless rows are long (> ROW_MAX) and too few (< FEW_ROWS) to occupy the GPU, then a
 * workgroup per row. NOTE: on llvmpipe the barrier-heavy workgroup variant measured 3-6× slower than a thread
 * per row once there are a few hundred rows ([512, 1000]: 22 ms vs 3.5 ms), and about even below that.
 */
const ROW_MAX = 64;
const FEW_ROWS = 256;
/** Past this row length the workgroup variant runs 256 threads instead of 64 ([4, 100000]: 8 ms vs 18 ms). */
const WIDE_ROW = 16384;
/** Threads per workgroup (the WGSL default of WG). */
const WG = 64;
const MAX_GRID = 65535;

interface RowShape { rows: number; cols: number; inner: number }

// A type alias, not an interface, so it is assignable to the params record.
type SoftmaxParams = { rows: number; cols: number; inner: number; log: number; soft: number; smoothing: number };

function params(s: RowShape, p: Partial<SoftmaxParams> = {}): SoftmaxParams {
  return { rows: s.rows, cols: s.cols, inner: s.inner, log: 0, soft: 0, smoothing: 0, ...p };
}

/** Runs `<stem>_row` or `<stem>_workgroup`, whichever suits the rows. */
function runRows(stem: string, tensors: Record<string, Tensor>, p: SoftmaxParams): void {
  if (p.cols <= ROW_MAX || p.rows >= FEW_ROWS) {
    run('softmax', `${stem}_row`, tensors, p, grid1d(p.rows, WG));
    return;
  }
  run('softmax', `${stem}_workgroup`, tensors, p, grid1d(p.rows, 1), p.cols >= WIDE_ROW ? { WG: 256 } : undefined);
}

function rowShape(shape: readonly number[], axis: number): RowShape {
  const inner = numel(shape.slice(axis + 1));
  return { rows: numel(shape.slice(0, axis)) * inner, cols: shape[axis], inner };
}

function softmaxOp(x: Tensor, axis: number, log: boolean): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  expectF32(op, x);
  const s = rowShape(x.shape, normAxis(axis, x.rank, op));
  const y = x.engine.empty(x.shape, 'f32', op);
  if (y.size === 0) return y;
  const p = params(s, { log: Number(log) });
  runRows('softmax_forward', { x, y }, p);
  x.engine.record(op, [x], [y], ([dy], { y: ys }) => {
    const dx = x.engine.empty(ys.shape, 'f32', `${op}_backward`);
    runRows('softmax_backward', { y: ys, dy: dy!, dx }, p);
    return [dx];
  }, { y });
  return y;
}

/** softmax(x) = exp(x − max) / Σ exp(x − max) along `axis` (default: the last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp(x, axis, false);
}

/** log(softmax(x)) along `axis`, computed as x − max − log Σ exp(x − max) (no log of a rounded softmax). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp(x, axis, true);
}

export interface CrossEntropyOptions {
  /** ε: the target becomes (1 − ε)·target + ε/C (torch's label_smoothing). */
  labelSmoothing?: number;
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * torch.nn.functional.cross_entropy on logits [N, C] with i32 class ids [N] or f32 probabilities [N, C]
 * (CutMix/mixup targets). One fused kernel computes the loss rows; their gradient, softmax·Σq − q, is one more.
 * Probability targets also get a gradient when they require one.
 *
 * NOTE: labels live on the GPU, so an out-of-range label is not an exception: its row's loss (and therefore a
 * mean or sum) is NaN, as are the gradients of that row.
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const eps = opts.labelSmoothing ?? 0;
  const reduction = opts.reduction ?? 'mean';
  expectF32('crossEntropy', logits);
  expectRank('crossEntropy', logits, 2, 'logits');
  expectSameEngine('crossEntropy', logits, target);
  const [n, c] = logits.shape;
  const soft = target.dtype === 'f32';
  const want = soft ? [n, c] : [n];
  if (target.rank !== want.length || target.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(`crossEntropy: logits ${fmt(logits.shape)} need ${soft ? 'f32 probabilities' : 'i32 class ids'} `
      + `of shape ${fmt(want)}, got target ${target.dtype}${fmt(target.shape)}`);
  }
  if (!(eps >= 0 && eps <= 1)) throw new ArgumentError(`crossEntropy: labelSmoothing ${eps} is not in [0, 1]`);
  if (!['mean', 'sum', 'none'].includes(reduction)) throw new ArgumentError(`crossEntropy: unknown reduction '${reduction}'`);
  if (c === 0) throw new ShapeError(`crossEntropy: logits ${fmt(logits.shape)} have no classes`);
  const e = logits.engine;
  const loss = e.empty([n], 'f32', 'crossEntropy');
  const stats = e.empty([n, 2], 'f32', 'crossEntropy stats');
  const p = params({ rows: n, cols: c, inner: 1 }, { soft: Number(soft), smoothing: eps });
  if (n > 0) runRows('softmax_cross_entropy_forward', { x: logits, t: target, loss, stats }, p);
  const wantLogitsGrad = logits.requiresGrad;
  const wantTargetGrad = soft && target.requiresGrad;
  e.record('crossEntropy', [logits, target], [loss], ([dy], { logits: x, target: t, stats: st }) => {
    const grid = elementGrid(n, c);
    let dx: Tensor | null = null;
    let dt: Tensor | null = null;
    if (wantLogitsGrad) {
      dx = e.empty([n, c], 'f32', 'crossEntropy_backward');
      run('softmax', 'softmax_cross_entropy_backward', { x, t, stats: st, dy: dy!, dx }, p, grid);
    }
    if (wantTargetGrad) {
      dt = e.empty([n, c], 'f32', 'crossEntropy_backward_target');
      run('softmax', 'softmax_cross_entropy_backward_target', { x, stats: st, dy: dy!, dt }, p, grid);
    }
    return [dx, dt];
  }, { logits, target, stats });
  // The tape holds its own handle on stats when it needs them.
  stats.dispose();
  if (reduction === 'none') return loss;
  const out = reduction === 'sum' ? sum(loss) : mean(loss);
  loss.dispose();
  return out;
}

/** A thread per element of [n, c]: columns along x, rows along y, and z past 65,535 rows. */
function elementGrid(n: number, c: number): [number, number, number] {
  return [Math.ceil(c / WG), Math.min(n, MAX_GRID), Math.ceil(n / MAX_GRID)];
}
