/** Shapes, strides and broadcasting. Tensors are always contiguous, row-major. */
import { ShapeError } from '../errors.js';

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

export function fmt(shape: Shape): string { return `[${shape.join(', ')}]`; }

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(shape: Shape, what: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${what}: invalid shape ${fmt(shape)}`);
  }
}

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmt(a)} and ${fmt(b)} do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` read as if broadcast to `out` (0 on broadcast axes), left-padded to out's rank. */
export function broadcastStrides(shape: Shape, out: Shape): number[] {
  const s = stridesOf(shape);
  const r = new Array<number>(out.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const j = out.length - shape.length + i;
    r[j] = shape[i] === 1 && out[j] !== 1 ? 0 : s[i];
  }
  return r;
}

/** Normalises a possibly negative axis. */
export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ShapeError(`${op}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Axes along which `from` must be summed to get `to` (the reverse of broadcasting). */
export function reducedAxes(from: Shape, to: Shape): number[] {
  const axes: number[] = [];
  const off = from.length - to.length;
  for (let i = 0; i < from.length; i++) {
    if (i < off || (to[i - off] === 1 && from[i] !== 1)) axes.push(i);
  }
  return axes;
}
