/** f64 CPU references for the elementwise ops (src/ops/elementwise.ts). */
import { broadcastShapes, broadcastStrides, numel } from '../tensor/shape.js';
import type { BinaryOp, UnaryOp } from '../ops/elementwise.js';

const sig = (v: number) => 1 / (1 + Math.exp(-v));

export function unaryRef(op: UnaryOp, v: number, a = 0, b = 0): number {
  switch (op) {
    case 'relu': return Math.max(v, 0);
    case 'elu': return v > 0 ? v : a * (Math.exp(v) - 1);
    case 'sigmoid': return sig(v);
    case 'tanh': return Math.tanh(v);
    case 'softplus': return Math.log1p(Math.exp(v));
    case 'exp': return Math.exp(v);
    case 'log': return Math.log(v);
    case 'pow': return Math.pow(v, a);
    case 'clamp': return Math.min(Math.max(v, a), b);
    case 'affine': return v * a + b;
    case 'abs': return Math.abs(v);
    case 'sqrt': return Math.sqrt(v);
    case 'neg': return -v;
    case 'reciprocal': return 1 / v;
    case 'sign': return Math.sign(v);
    case 'square': return v * v;
    case 'floor': return Math.floor(v);
  }
}

export function unaryGradRef(op: UnaryOp, v: number, a = 0, b = 0): number {
  switch (op) {
    case 'relu': return v > 0 ? 1 : 0;
    case 'elu': return v > 0 ? 1 : a * Math.exp(v);
    case 'sigmoid': return sig(v) * (1 - sig(v));
    case 'tanh': return 1 - Math.tanh(v) ** 2;
    case 'softplus': return sig(v);
    case 'exp': return Math.exp(v);
    case 'log': return 1 / v;
    case 'pow': return a === 0 ? 0 : a * Math.pow(v, a - 1);
    case 'clamp': return v >= a && v <= b ? 1 : 0;
    case 'affine': return a;
    case 'abs': return Math.sign(v);
    case 'sqrt': return 0.5 / Math.sqrt(v);
    case 'neg': return -1;
    case 'reciprocal': return -1 / (v * v);
    case 'square': return 2 * v;
    case 'sign': case 'floor': return 0;
  }
}

export function binaryScalarRef(op: BinaryOp, p: number, q: number): number {
  switch (op) {
    case 'add': return p + q;
    case 'sub': return p - q;
    case 'mul': return p * q;
    case 'div': return p / q;
    case 'pow': return Math.pow(p, q);
    case 'max': return Math.max(p, q);
    case 'min': return Math.min(p, q);
    case 'lt': return +(p < q);
    case 'le': return +(p <= q);
    case 'gt': return +(p > q);
    case 'ge': return +(p >= q);
    case 'eq': return +(p === q);
    case 'ne': return +(p !== q);
  }
}

/** Broadcasting map of any arity: out[i] = f(xs[0][off0(i)], xs[1][off1(i)], ...). */
export function broadcastMapRef(xs: { data: ArrayLike<number>; shape: readonly number[] }[],
  f: (...v: number[]) => number): { data: Float64Array; shape: number[] } {
  const shape = xs.reduce<number[]>((s, x) => broadcastShapes(s, x.shape, 'ref'), []);
  const strides = xs.map((x) => broadcastStrides(x.shape, shape));
  const n = numel(shape);
  const out = new Float64Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    const vals = xs.map((x, k) => x.data[idx.reduce((o, d, j) => o + d * strides[k][j], 0)]);
    out[i] = f(...vals);
    for (let j = shape.length - 1; j >= 0; j--) { if (++idx[j] < shape[j]) break; idx[j] = 0; }
  }
  return { data: out, shape };
}
