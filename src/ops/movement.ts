/** Shape and layout ops: reshape (a view), permute, expand, slice, concat, pad. All differentiable. */
import type { Tensor } from '../tensor/tensor.js';
import { fmt, normAxis, numel, reducedAxes, stridesOf, broadcastShapes, sameShape } from '../tensor/shape.js';
import { ShapeError } from '../errors.js';
import { dims8, grid1d, run } from './dispatch.js';
import { sumAxes } from './reduce.js';

interface CopySpec { shape: readonly number[]; xBase: number; xStrides: number[]; yBase: number; yStrides: number[] }

/** Strided copy; works for f32 and i32 alike (it moves bits). */
function copy(x: Tensor, y: Tensor, s: CopySpec, op: string): void {
  const n = numel(s.shape);
  if (n === 0) return;
  run('movement', 'movement_copy', { x, y }, {
    n, rank: s.shape.length, x_base: s.xBase, y_base: s.yBase,
    shape: dims8(s.shape, op), x_strides: dims8(s.xStrides, op), y_strides: dims8(s.yStrides, op),
  }, grid1d(n));
}

/**
 * dst ← src in place, outside the autograd graph: one dispatch, so a captured step replays it (a buffer copy would
 * not be captured). Same size and dtype; shapes may differ (the bits move in row-major order).
 */
export function copyInto(dst: Tensor, src: Tensor): void {
  if (dst.size !== src.size || dst.dtype !== src.dtype) throw new ShapeError(`copyInto: ${src.describe()} does not fit ${dst.describe()}`);
  copy(src, dst, { shape: [dst.size], xBase: 0, xStrides: [1], yBase: 0, yStrides: [1] }, 'copyInto');
}

/** Same data, new shape; one dim may be −1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const free = shape.indexOf(-1);
  let target = [...shape];
  if (free >= 0) {
    const rest = numel(shape.filter((_, i) => i !== free));
    if (rest === 0 || x.size % rest !== 0) throw new ShapeError(`reshape: cannot infer −1 of ${fmt(shape)} for ${x.describe()}`);
    target[free] = x.size / rest;
  }
  if (numel(target) !== x.size) throw new ShapeError(`reshape: ${x.describe()} cannot take shape ${fmt(shape)}`);
  const y = x.view(target);
  const from = x.shape;
  x.engine.record('reshape', [x], [y], ([dy]) => [dy!.view(from)]);
  return y;
}

export function flatten(x: Tensor, startAxis = 1): Tensor {
  const a = normAxis(startAxis, x.rank, 'flatten');
  return reshape(x, [...x.shape.slice(0, a), -1]);
}

export function permute(x: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== x.rank || [...perm].sort().some((p, i) => p !== i)) {
    throw new ShapeError(`permute: [${perm.join(', ')}] is not a permutation of ${x.rank} axes (${x.describe()})`);
  }
  const shape = perm.map((p) => x.shape[p]);
  const y = x.engine.empty(shape, x.dtype, 'permute');
  const xs = stridesOf(x.shape);
  copy(x, y, { shape, xBase: 0, xStrides: perm.map((p) => xs[p]), yBase: 0, yStrides: stridesOf(shape) }, 'permute');
  const inv = perm.map((_, i) => perm.indexOf(i));
  x.engine.record('permute', [x], [y], ([dy]) => [permute(dy!, inv)]);
  return y;
}

export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = [...Array(x.rank).keys()];
  const i = normAxis(a, x.rank, 'transpose');
  const j = normAxis(b, x.rank, 'transpose');
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return permute(x, perm);
}

/** Broadcasts x to `shape` (materialised). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const out = broadcastShapes(x.shape, shape, 'expand');
  if (!sameShape(out, shape)) throw new ShapeError(`expand: ${x.describe()} does not broadcast to ${fmt(shape)}`);
  const y = x.engine.empty(shape, x.dtype, 'expand');
  const xs = stridesOf(x.shape);
  const off = shape.length - x.rank;
  const xStrides = shape.map((d, i) => (i < off || x.shape[i - off] === 1 ? 0 : xs[i - off]));
  copy(x, y, { shape, xBase: 0, xStrides, yBase: 0, yStrides: stridesOf(shape) }, 'expand');
  const from = x.shape;
  x.engine.record('expand', [x], [y], ([dy]) => {
    const s = sumAxes(dy!, reducedAxes(shape, from), true);
    const r = s.view(from);
    s.dispose();
    return [r];
  });
  return y;
}

/** x[start:end] along `axis`. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = normAxis(axis, x.rank, 'slice');
  if (!(0 <= start && start <= end && end <= x.shape[a])) {
    throw new ShapeError(`slice: [${start}, ${end}) out of range for axis ${a} of ${x.describe()}`);
  }
  const shape = x.shape.map((d, i) => (i === a ? end - start : d));
  const y = x.engine.empty(shape, x.dtype, 'slice');
  const xs = stridesOf(x.shape);
  copy(x, y, { shape, xBase: start * xs[a], xStrides: xs, yBase: 0, yStrides: stridesOf(shape) }, 'slice');
  const from = x.shape;
  x.engine.record('slice', [x], [y], ([dy]) => {
    const pads = from.map(() => [0, 0] as [number, number]);
    pads[a] = [start, from[a] - end];
    return [padRaw(dy!, pads)];
  });
  return y;
}

/** Zero padding by [before, after] per axis. */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[]): Tensor {
  if (pads.length !== x.rank || pads.some(([p, q]) => p < 0 || q < 0 || !Number.isInteger(p) || !Number.isInteger(q))) {
    throw new ShapeError(`pad: need ${x.rank} non-negative [before, after] pairs for ${x.describe()}`);
  }
  const y = padRaw(x, pads);
  x.engine.record('pad', [x], [y], ([dy]) => {
    let g = dy!;
    pads.forEach(([p], i) => {
      if (p === 0 && pads[i][1] === 0) return;
      const s = slice(g, i, p, p + x.shape[i]);
      if (g !== dy) g.dispose();
      g = s;
    });
    return [g === dy ? dy.view(dy.shape) : g];
  });
  return y;
}

function padRaw(x: Tensor, pads: readonly (readonly [number, number])[]): Tensor {
  const shape = x.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const y = x.engine.zeros(shape, x.dtype);
  const ys = stridesOf(shape);
  const yBase = pads.reduce((acc, [p], i) => acc + p * ys[i], 0);
  copy(x, y, { shape: x.shape, xBase: 0, xStrides: stridesOf(x.shape), yBase, yStrides: ys }, 'pad');
  return y;
}

/** Joins tensors along `axis`. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('concat: no tensors');
  const a = normAxis(axis, xs[0].rank, 'concat');
  for (const t of xs) {
    if (t.rank !== xs[0].rank || t.shape.some((d, i) => i !== a && d !== xs[0].shape[i]) || t.dtype !== xs[0].dtype) {
      throw new ShapeError(`concat: ${t.describe()} does not match ${xs[0].describe()} off axis ${a}`);
    }
  }
  const shape = xs[0].shape.map((d, i) => (i === a ? xs.reduce((s, t) => s + t.shape[a], 0) : d));
  const y = xs[0].engine.empty(shape, xs[0].dtype, 'concat');
  const ys = stridesOf(shape);
  let at = 0;
  const starts: number[] = [];
  for (const t of xs) {
    starts.push(at);
    copy(t, y, { shape: t.shape, xBase: 0, xStrides: stridesOf(t.shape), yBase: at * ys[a], yStrides: ys }, 'concat');
    at += t.shape[a];
  }
  xs[0].engine.record('concat', [...xs], [y], ([dy]) => xs.map((t, k) => slice(dy!, a, starts[k], starts[k] + t.shape[a])));
  return y;
}

export function squeeze(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.rank, 'squeeze');
  if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of ${x.describe()} is not 1`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.rank + 1, 'unsqueeze');
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}
