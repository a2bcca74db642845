/**
 * Bilinear grid sampling with zeros padding (torch.nn.functional.grid_sample, mode 'bilinear', padding
 * 'zeros'), differentiable with respect to both the input and the grid. Spatial transformers warp with it;
 * the Gaussian readout samples a feature map at one learned (x, y) per neuron (grid [N, 1, neurons, 2]).
 */
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import { flowsGrad } from '../autograd/tape.js';
import { expectF32, expectRank, expectSameEngine, grid1d, run } from './dispatch.js';
import { sumAxes } from './reduce.js';

export interface GridSampleOptions {
  /** True: −1 and 1 are the centres of the corner pixels; false: the outer edges of the corner pixels. */
  alignCorners: boolean;
}

const WG = 64;
/** Threads that keep a GPU busy; below this many points, a point's channels are split across threads. */
const TARGET_THREADS = 1 << 15;
/** Channels per thread at most in the forward pass, where splitting costs nothing. */
const MAX_C_CHUNK = 32;
/**
 * Input gradient: below this many channel planes the points are split across threads. Fewer than
 * TARGET_THREADS, since every split is a copy of dx to zero and sum (on llvmpipe one thread per plane is fastest).
 */
const INPUT_GRAD_THREADS = 1 << 12;
/** Split copies at most: the reduction's serial path. */
const MAX_SPLITS = 32;
/** f32 elements all split copies of dx may take together, unless one copy is already more. */
const SPLIT_BUDGET = 1 << 24;

interface Plan {
  n: number; c: number; h: number; w: number; p: number; align_corners: number;
  c_chunk: number; chunks: number; p_chunk: number;
}

/**
 * Splits each point's C channels into `chunks` runs of `c_chunk`. The grid gradient sums over channels, so
 * its chunks cost an extra reduction and it splits only to reach TARGET_THREADS.
 */
function plan(xShape: readonly number[], grid: Tensor, alignCorners: boolean, maxChunk: number): Plan {
  const [n, c, h, w] = xShape;
  const p = grid.shape[1] * grid.shape[2];
  const want = Math.max(Math.ceil(c / maxChunk), Math.ceil(TARGET_THREADS / Math.max(1, n * p)));
  const cChunk = Math.max(1, Math.ceil(c / Math.max(1, Math.min(c, want))));
  const chunks = Math.max(1, Math.ceil(c / cChunk));
  return { n, c, h, w, p, align_corners: alignCorners ? 1 : 0, c_chunk: cChunk, chunks, p_chunk: p };
}

/** Forward and grid gradient: a thread per (point, image, channel chunk). */
function launch(entry: string, tensors: Record<string, Tensor>, pl: Plan): void {
  const [gx, gy] = grid1d(pl.p, WG);
  run('grid-sample', entry, tensors, { ...pl }, [gx, gy, pl.n * pl.chunks], { WG });
}

/**
 * A thread per (channel plane, split of the points), each adding into its own copy of dx; the copies are
 * summed after. Splits add threads when there are few planes, but only while a split's 4 taps per point
 * outnumber the plane's pixels, so that zeroing and summing a copy never costs more than filling it.
 */
function gridSampleInputGrad(grid: Tensor, dy: Tensor, xShape: readonly number[], alignCorners: boolean): Tensor {
  const e = dy.engine;
  const pl = plan(xShape, grid, alignCorners, MAX_C_CHUNK);
  const planes = pl.n * pl.c;
  const dxSize = planes * pl.h * pl.w;
  const cap = Math.min(MAX_SPLITS, Math.floor((4 * pl.p) / (pl.h * pl.w)), Math.floor(SPLIT_BUDGET / Math.max(1, dxSize)));
  const want = Math.min(cap, Math.ceil(INPUT_GRAD_THREADS / Math.max(1, planes)));
  const pChunk = Math.ceil(pl.p / Math.max(1, want));
  const splits = Math.max(1, Math.ceil(pl.p / Math.max(1, pChunk)));
  const dx = e.zeros(splits === 1 ? xShape : [splits, ...xShape]);
  const [gx, gy] = grid1d(planes, WG);
  run('grid-sample', 'grid_sample_backward_input', { grid, dy, dx }, { ...pl, p_chunk: pChunk }, [gx, gy, splits], { WG });
  return splits === 1 ? dx : sumSplits(dx, xShape);
}

/** Sums a tensor [k, ...shape] over its first axis. Takes ownership of `t`. */
function sumSplits(t: Tensor, shape: readonly number[]): Tensor {
  const flat = t.view([t.shape[0], t.size / t.shape[0]]);
  t.dispose();
  const sum = sumAxes(flat, [0], false);
  flat.dispose();
  const out = sum.view(shape);
  sum.dispose();
  return out;
}

function gridSampleGridGrad(x: Tensor, grid: Tensor, dy: Tensor, alignCorners: boolean): Tensor {
  const pl = plan(x.shape, grid, alignCorners, Infinity);
  const e = x.engine;
  const partial = e.empty(pl.chunks === 1 ? grid.shape : [pl.chunks, ...grid.shape], 'f32', 'gridSample dgrid');
  launch('grid_sample_backward_grid', { x, grid, dy, dgrid: partial }, pl);
  return pl.chunks === 1 ? partial : sumSplits(partial, grid.shape);
}

/**
 * Samples `input` [N, C, H, W] at `grid` [N, Ho, Wo, 2] points (x, y) in [−1, 1] (x along W), bilinearly;
 * points outside read zeros. Returns [N, C, Ho, Wo].
 */
export function gridSample(input: Tensor, grid: Tensor, opts: GridSampleOptions): Tensor {
  const op = 'gridSample';
  expectF32(op, input, grid);
  expectSameEngine(op, input, grid);
  expectRank(op, input, 4, 'input');
  expectRank(op, grid, 4, 'grid');
  if (grid.shape[3] !== 2 || grid.shape[0] !== input.shape[0]) {
    throw new ShapeError(`${op}: grid must be [N, Ho, Wo, 2] with N = ${input.shape[0]} of input ${input.describe()}, got ${grid.describe()}`);
  }
  if (input.shape[2] === 0 || input.shape[3] === 0) throw new ShapeError(`${op}: input ${input.describe()} has no pixels`);
  const align = opts.alignCorners;
  const e = input.engine;
  const [n, c] = input.shape;
  const y = e.empty([n, c, grid.shape[1], grid.shape[2]], 'f32', op);
  if (y.size > 0) launch('grid_sample_forward', { x: input, grid, y }, plan(input.shape, grid, align, MAX_C_CHUNK));
  const needInput = flowsGrad(input);
  const needGrid = flowsGrad(grid);
  const xShape = input.shape;
  // The input gradient needs only the grid; the input is saved only for the grid gradient.
  e.record(op, [input, grid], [y], ([dy], saved) => [
    needInput ? gridSampleInputGrad(saved.grid, dy!, xShape, align) : null,
    needGrid ? gridSampleGridGrad(saved.input!, saved.grid, dy!, align) : null,
  ], { grid, input: needGrid ? input : undefined });
  return y;
}
