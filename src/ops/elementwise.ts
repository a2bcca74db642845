/**
 * Elementwise ops: unary maps, broadcasting binary maps, comparisons, where, and their gradients.
 * Scalars broadcast as one-element tensors or through `affine`.
 */
import type { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, broadcastStrides, reducedAxes, sameShape } from '../tensor/shape.js';
import { WG, dims8, expectF32, expectSameEngine, grid1d, run } from './dispatch.js';

const MAX_GRID_Y = 65535;
import { sumAxes } from './reduce.js';
import { kernelConstants } from '../gpu/kernels.js';
import { GpuValidationError } from '../errors.js';

/** The unary maps; their op codes are the UNARY_* constants of kernels/elementwise.wgsl. */
export const UNARY_OPS = [
  'relu', 'elu', 'sigmoid', 'tanh', 'softplus', 'exp', 'log', 'pow', 'clamp', 'affine', 'abs', 'sqrt', 'neg', 'reciprocal', 'sign', 'square', 'floor',
] as const;
export type UnaryOp = typeof UNARY_OPS[number];
/** Ops whose gradient is zero almost everywhere: recorded as non-differentiable. */
const NO_GRAD_UNARY: ReadonlySet<UnaryOp> = new Set(['sign', 'floor']);

/** The binary maps (BINARY_* in the WGSL). The comparisons have no gradient. */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const;
export type BinaryOp = typeof BINARY_OPS[number];
const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['lt', 'le', 'gt', 'ge', 'eq', 'ne']);

/** name → op code, read once from the kernel; a name the kernel lacks fails here rather than running another op. */
function opCodes<T extends string>(prefix: string, names: readonly T[]): () => Readonly<Record<T, number>> {
  let codes: Record<T, number> | null = null;
  return () => {
    if (codes) return codes;
    const consts = kernelConstants('elementwise', prefix);
    const missing = names.filter((n) => !consts.has(n));
    if (missing.length) throw new GpuValidationError(`kernels/elementwise.wgsl: no ${missing.map((n) => prefix + n.toUpperCase()).join(', ')}`);
    codes = Object.fromEntries(names.map((n) => [n, consts.get(n)!])) as Record<T, number>;
    return codes;
  };
}
const UNARY = opCodes('UNARY_', UNARY_OPS);
const BINARY = opCodes('BINARY_', BINARY_OPS);

function unaryRaw(op: UnaryOp, x: Tensor, alpha: number, beta: number): Tensor {
  const y = x.engine.empty(x.shape, 'f32', op);
  run('elementwise', 'elementwise_unary', { x, y }, { n: x.size, op: UNARY()[op], alpha, beta }, grid1d(x.size));
  return y;
}

function unaryBackward(op: UnaryOp, x: Tensor, dy: Tensor, alpha: number, beta: number): Tensor {
  const dx = x.engine.empty(x.shape, 'f32', `${op}_backward`);
  run('elementwise', 'elementwise_unary_backward', { x, dy, y: dx }, { n: x.size, op: UNARY()[op], alpha, beta }, grid1d(x.size));
  return dx;
}

export function unary(op: UnaryOp, x: Tensor, alpha = 0, beta = 0): Tensor {
  expectF32(op, x);
  const y = unaryRaw(op, x, alpha, beta);
  if (!NO_GRAD_UNARY.has(op)) {
    x.engine.record(op, [x], [y], ([dy], { x: xs }) => [unaryBackward(op, xs, dy!, alpha, beta)], { x });
  }
  return y;
}

export const relu = (x: Tensor) => unary('relu', x);
export const elu = (x: Tensor, alpha = 1) => unary('elu', x, alpha);
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
export const tanh = (x: Tensor) => unary('tanh', x);
export const softplus = (x: Tensor) => unary('softplus', x);
export const exp = (x: Tensor) => unary('exp', x);
export const log = (x: Tensor) => unary('log', x);
export const abs = (x: Tensor) => unary('abs', x);
export const sqrt = (x: Tensor) => unary('sqrt', x);
export const neg = (x: Tensor) => unary('neg', x);
export const square = (x: Tensor) => unary('square', x);
export const reciprocal = (x: Tensor) => unary('reciprocal', x);
export const sign = (x: Tensor) => unary('sign', x);
export const floor = (x: Tensor) => unary('floor', x);
/** x^p for a scalar exponent. */
export const powScalar = (x: Tensor, p: number) => unary('pow', x, p);
export const clamp = (x: Tensor, min: number, max: number) => unary('clamp', x, min, max);
/** x·scale + shift. */
export const affine = (x: Tensor, scale: number, shift = 0) => unary('affine', x, scale, shift);
export const scale = (x: Tensor, s: number) => unary('affine', x, s, 0);
export const addScalar = (x: Tensor, s: number) => unary('affine', x, 1, s);

/**
 * For a full operand and one broadcast along a single block of axes (after merging adjacent axes that broadcast
 * alike): that block's size and the element count inside it, and which operand is the small one; else null.
 */
function channelBroadcast(aShape: readonly number[], bShape: readonly number[], out: readonly number[]):
  { inner: number; size: number; smallIsA: boolean } | null {
  const full = (s: readonly number[]) => sameShape(s, out);
  if (full(aShape) === full(bShape)) return null;
  const small = full(aShape) ? bShape : aShape;
  const st = broadcastStrides(small, out);
  // The small operand's non-broadcast axes must form one contiguous run of the output's axes.
  const kept = out.map((d, i) => d !== 1 && st[i] !== 0);
  const first = kept.indexOf(true);
  const last = kept.lastIndexOf(true);
  if (first < 0 || kept.slice(first, last + 1).includes(false)) return null;
  const size = out.slice(first, last + 1).reduce((p, d) => p * d, 1);
  const inner = out.slice(last + 1).reduce((p, d) => p * d, 1);
  return { inner, size, smallIsA: small === aShape };
}

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const y = a.engine.empty(shape, 'f32', op);
  const n = y.size;
  if (sameShape(a.shape, b.shape)) {
    // The common case (gradients, residuals) skips the per-element stride walk.
    run('elementwise', 'elementwise_binary_same', { x: a, b, y }, { n, op: BINARY()[op], alpha: 0, beta: 0 }, grid1d(n));
    return y;
  }
  const ch = channelBroadcast(a.shape, b.shape, shape);
  if (ch) {
    const params = { n, op: BINARY()[op], inner: ch.inner, size: ch.size, small_is_a: Number(ch.smallIsA) };
    if (ch.inner >= WG) {
      // Rows of `inner` elements: no per-element division (llvmpipe has no vector integer divide).
      const rows = n / ch.inner;
      const ry = Math.min(rows, MAX_GRID_Y);
      run('elementwise', 'elementwise_binary_rows', { x: a, b, y }, params, [Math.ceil(ch.inner / WG), ry, Math.ceil(rows / ry)]);
    } else run('elementwise', 'elementwise_binary_channel', { x: a, b, y }, params, grid1d(n));
    return y;
  }
  run('elementwise', 'elementwise_binary', { x: a, b, y }, {
    n, op: BINARY()[op], rank: shape.length, shape: dims8(shape, op),
    sa: dims8(broadcastStrides(a.shape, shape), op), sb: dims8(broadcastStrides(b.shape, shape), op), sc: dims8([], op),
  }, grid1d(n));
  return y;
}

/** Sums a broadcast gradient back to `shape`. Takes ownership of `g`. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const s = sumAxes(g, reducedAxes(g.shape, shape), true);
  g.dispose();
  const out = s.view(shape);
  s.dispose();
  return out;
}

export function binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  expectF32(op, a, b);
  expectSameEngine(op, a, b);
  const y = binaryRaw(op, a, b);
  const e = a.engine;
  const grad = (dy: Tensor, aa: Tensor, bb: Tensor): [Tensor | null, Tensor | null] => {
    switch (op) {
      case 'add': return [sumTo(dy.view(dy.shape), a.shape), sumTo(dy.view(dy.shape), b.shape)];
      case 'sub': return [sumTo(dy.view(dy.shape), a.shape), sumTo(neg(dy), b.shape)];
      case 'mul': return [sumTo(binaryRaw('mul', dy, bb), aa.shape), sumTo(binaryRaw('mul', dy, aa), bb.shape)];
      case 'div': {
        const da = binaryRaw('div', dy, bb);
        // d(a/b)/db = -a/b² = -(dy/b)·(a/b)
        const q = binaryRaw('div', aa, bb);
        const db = neg(binaryRaw('mul', da, q));
        q.dispose();
        return [sumTo(da, aa.shape), sumTo(db, bb.shape)];
      }
      case 'pow': {
        // d(a^b)/da = b·a^(b-1); d(a^b)/db = a^b·log(a)
        const bm1 = addScalar(bb, -1);
        const t = binaryRaw('pow', aa, bm1);
        const u = binaryRaw('mul', t, bb);
        const da = binaryRaw('mul', dy, u);
        const yv = binaryRaw('pow', aa, bb);
        const la = log(aa);
        const v = binaryRaw('mul', yv, la);
        const db = binaryRaw('mul', dy, v);
        for (const z of [bm1, t, u, yv, la, v]) z.dispose();
        return [sumTo(da, aa.shape), sumTo(db, bb.shape)];
      }
      case 'max': case 'min': {
        // The gradient goes to the selected operand (to a on ties, as torch.maximum splits it; we pick a).
        const pick = binaryRaw(op === 'max' ? 'ge' : 'le', aa, bb);
        const da = binaryRaw('mul', dy, pick);
        const db = binaryRaw('sub', dy, da);
        pick.dispose();
        return [sumTo(da, aa.shape), sumTo(db, bb.shape)];
      }
      default: return [null, null];
    }
  };
  // add/sub need only the shapes: nothing is saved for them.
  const keep = op !== 'add' && op !== 'sub';
  if (!COMPARISONS.has(op)) e.record(op, [a, b], [y], ([dy], s) => grad(dy!, s.a ?? a, s.b ?? b), { a: keep ? a : undefined, b: keep ? b : undefined });
  return y;
}

export const add = (a: Tensor, b: Tensor) => binary('add', a, b);
export const sub = (a: Tensor, b: Tensor) => binary('sub', a, b);
export const mul = (a: Tensor, b: Tensor) => binary('mul', a, b);
export const div = (a: Tensor, b: Tensor) => binary('div', a, b);
export const pow = (a: Tensor, b: Tensor) => binary('pow', a, b);
export const maximum = (a: Tensor, b: Tensor) => binary('max', a, b);
export const minimum = (a: Tensor, b: Tensor) => binary('min', a, b);
export const lt = (a: Tensor, b: Tensor) => binary('lt', a, b);
export const le = (a: Tensor, b: Tensor) => binary('le', a, b);
export const gt = (a: Tensor, b: Tensor) => binary('gt', a, b);
export const ge = (a: Tensor, b: Tensor) => binary('ge', a, b);
export const eq = (a: Tensor, b: Tensor) => binary('eq', a, b);
export const ne = (a: Tensor, b: Tensor) => binary('ne', a, b);

/** cond ? a : b, broadcasting all three. Gradients flow to a and b; cond is not differentiable. */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  expectF32('where', cond, a, b);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const y = a.engine.empty(shape, 'f32', 'where');
  const d = (s: readonly number[]) => dims8(broadcastStrides(s, shape), 'where');
  run('elementwise', 'elementwise_where', { x: a, b, c: cond, y }, {
    n: y.size, op: 0, rank: shape.length, shape: dims8(shape, 'where'), sa: d(a.shape), sb: d(b.shape), sc: d(cond.shape),
  }, grid1d(y.size));
  a.engine.record('where', [a, b], [y], ([dy], { cond: c, a: aa, b: bb }) => {
    const zero = dy!.engine.zeros([1]);
    const da = where(c, dy!, zero);
    const db = where(c, zero, dy!);
    zero.dispose();
    return [sumTo(da, aa.shape), sumTo(db, bb.shape)];
  }, { cond, a, b });
  return y;
}
