/**
 * Reductions along axes: sum, mean, max, min, var. sum/mean/max/min are kernels; var is composed from them.
 * max/min pass the gradient to every position equal to the extreme, split evenly among ties (torch.amax).
 */
import type { Tensor } from '../tensor/tensor.js';
import { normAxis, stridesOf } from '../tensor/shape.js';
import { ShapeError } from '../errors.js';
import { dims8, expectF32, grid1d, run } from './dispatch.js';
import { binary, scale, square } from './elementwise.js';

type ReduceKind = 'sum' | 'max' | 'min';
const OP: Record<ReduceKind, number> = { sum: 0, max: 1, min: 2 };
/** Below this many elements per output, a thread per output beats a workgroup per output. */
const SERIAL_MAX_R = 32;

export type Axes = number | readonly number[] | undefined;

function normAxes(axes: Axes, rank: number, op: string): number[] {
  if (axes === undefined) return [...Array(rank).keys()];
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = [...new Set(list.map((a) => normAxis(a, rank, op)))].sort((a, b) => a - b);
  if (out.length !== list.length) throw new ShapeError(`${op}: repeated axis in [${list.join(', ')}]`);
  return out;
}

function outShape(shape: readonly number[], axes: number[], keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** Merges runs of adjacent dims that are contiguous in memory (fewer dims: less index arithmetic per element). */
function coalesce(dims: { size: number; stride: number }[]): { size: number; stride: number }[] {
  const out: { size: number; stride: number }[] = [];
  for (const d of dims) {
    if (d.size === 1) continue;
    const last = out.at(-1);
    if (last && last.stride === d.size * d.stride) { last.size *= d.size; last.stride = d.stride; } else out.push({ ...d });
  }
  return out;
}

/** Past this many elements per output, with few outputs, R is split into chunks reduced in a second pass. */
const CHUNK = 16384;

function reduceRaw(kind: ReduceKind, x: Tensor, axes: number[], keepDims: boolean, mulBy: number): Tensor {
  const shape = x.shape;
  const strides = stridesOf(shape);
  const kept = coalesce(shape.map((size, i) => ({ size, stride: strides[i] })).filter((_, i) => !axes.includes(i)));
  const red = coalesce(axes.map((i) => ({ size: shape[i], stride: strides[i] })));
  const r = axes.reduce((p, a) => p * shape[a], 1);
  const y = x.engine.empty(outShape(shape, axes, keepDims), 'f32', kind);
  if (y.size === 0) return y;
  if (r === 0) throw new ShapeError(`${kind}: reducing ${x.describe()} over an empty axis`);
  const nChunks = y.size < 256 && r > 4 * CHUNK ? Math.ceil(r / CHUNK) : 1;
  const params = {
    n_out: y.size, r, op: OP[kind], out_rank: kept.length, red_rank: red.length, scale: nChunks > 1 ? 1 : mulBy,
    chunk: nChunks > 1 ? CHUNK : r, n_chunks: nChunks,
    out_shape: dims8(kept.map((d) => d.size), kind), out_strides: dims8(kept.map((d) => d.stride), kind),
    red_shape: dims8(red.map((d) => d.size), kind), red_strides: dims8(red.map((d) => d.stride), kind),
  };
  if (r <= SERIAL_MAX_R) {
    run('reduce', 'reduce_serial', { x, y }, params, grid1d(y.size, 64));
  } else if (nChunks === 1) {
    run('reduce', 'reduce_workgroup', { x, y }, params, grid1d(y.size, 1));
  } else {
    const partial = x.engine.empty([y.size, nChunks], 'f32', `${kind} partials`);
    run('reduce', 'reduce_workgroup', { x, y: partial }, params, grid1d(y.size * nChunks, 1));
    const final = reduceRaw(kind, partial, [1], false, mulBy);
    partial.dispose();
    y.dispose();
    const out = final.view(outShape(shape, axes, keepDims));
    final.dispose();
    return out;
  }
  return y;
}

/** Sum over `axes` (all when undefined). */
export function sum(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  expectF32('sum', x);
  const ax = normAxes(axes, x.rank, 'sum');
  return reduceWithGrad('sum', x, ax, keepDims, 1);
}

/** Sum over already normalised axes, keeping dims (used by broadcasting gradients). */
export function sumAxes(x: Tensor, axes: number[], keepDims: boolean): Tensor {
  return reduceWithGrad('sum', x, axes, keepDims, 1);
}

export function mean(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  expectF32('mean', x);
  const ax = normAxes(axes, x.rank, 'mean');
  const r = ax.reduce((p, a) => p * x.shape[a], 1);
  return reduceWithGrad('sum', x, ax, keepDims, 1 / r);
}

export function max(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  expectF32('max', x);
  return reduceWithGrad('max', x, normAxes(axes, x.rank, 'max'), keepDims, 1);
}

export function min(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  expectF32('min', x);
  return reduceWithGrad('min', x, normAxes(axes, x.rank, 'min'), keepDims, 1);
}

/** Variance over `axes`; `unbiased` divides by n−1 (torch.var's default), else by n. */
export function variance(x: Tensor, axes?: Axes, opts: { unbiased?: boolean; keepDims?: boolean } = {}): Tensor {
  const ax = normAxes(axes, x.rank, 'var');
  const n = ax.reduce((p, a) => p * x.shape[a], 1);
  const unbiased = opts.unbiased ?? true;
  if (unbiased && n < 2) throw new ShapeError(`var: unbiased variance needs ≥ 2 elements per output, ${x.describe()} has ${n}`);
  return x.engine.scope(() => {
    const m = mean(x, ax, true);
    const d = binary('sub', x, m);
    const s = sum(square(d), ax, opts.keepDims ?? false);
    return scale(s, 1 / (unbiased ? n - 1 : n));
  });
}

function reduceWithGrad(kind: ReduceKind, x: Tensor, axes: number[], keepDims: boolean, mulBy: number): Tensor {
  const y = reduceRaw(kind, x, axes, keepDims, mulBy);
  const keptShape = outShape(x.shape, axes, true);
  const xShape = x.shape;
  x.engine.record(kind, [x], [y], ([dy], { x: xs, y: ys }) => {
    const g = dy!.view(keptShape);
    if (kind === 'sum') {
      // Broadcast back: dy (kept dims) + zeros(x.shape). Nothing of x is saved.
      const z = dy!.engine.zeros(xShape);
      const gs = scale(g, mulBy);
      const out = binary('add', z, gs);
      for (const t of [z, gs, g]) t.dispose();
      return [out];
    }
    const yk = ys!.view(keptShape);
    const mask = binary('eq', xs!, yk);
    const count = reduceRaw('sum', mask, axes, true, 1);
    const share = binary('div', g, count);
    const out = binary('mul', mask, share);
    for (const t of [yk, mask, count, share, g]) t.dispose();
    return [out];
  }, kind === 'sum' ? { x: undefined, y: undefined } : { x, y });
  return y;
}

