import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, normal, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads, numericGrad } from '../helpers/gradcheck.js';
import { conv2d, type Conv2dOptions } from '../../src/ops/conv2d.js';
import { conv2dBackwardRef, conv2dRef, type Conv2dRefOpts } from '../../src/ref/conv2d.js';
import { ShapeError } from '../../src/errors.js';

const eng = useEngine();
const TOL = { atol: 1e-5, rtol: 1e-4 };
const GRAD_TOL = { atol: 1e-4, rtol: 1e-4 };
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

interface Case { x: number[]; w: number[]; bias: boolean; opts: Conv2dOptions; out: number[] }

/** The op's options in the reference's explicit form. */
function refOpts(o: Conv2dOptions): Conv2dRefOpts {
  const pr = (v: number | [number, number] | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);
  const p = o.padding ?? 0;
  const pad: [number, number, number, number] = typeof p === 'number' ? [p, p, p, p] : p.length === 2 ? [p[0], p[0], p[1], p[1]] : p;
  return { stride: pr(o.stride, 1), dilation: pr(o.dilation, 1), pad, groups: o.groups ?? 1 };
}

// `out` is the output shape torch gives for the same arguments.
const CASES: Case[] = [
  { x: [1, 1, 1, 1], w: [1, 1, 1, 1], bias: true, opts: {}, out: [1, 1, 1, 1] },
  { x: [2, 3, 7, 7], w: [5, 3, 3, 3], bias: true, opts: { padding: 1 }, out: [2, 5, 7, 7] },
  { x: [1, 5, 17, 17], w: [7, 5, 5, 5], bias: false, opts: { stride: 2, padding: 2 }, out: [1, 7, 9, 9] },
  { x: [2, 3, 7, 17], w: [6, 3, 3, 3], bias: true, opts: { stride: 3 }, out: [2, 6, 2, 5] },
  { x: [1, 3, 17, 7], w: [9, 3, 3, 3], bias: true, opts: { dilation: 2, padding: 2 }, out: [1, 9, 17, 7] },
  { x: [2, 6, 7, 7], w: [9, 2, 3, 3], bias: true, opts: { groups: 3, padding: 1 }, out: [2, 9, 7, 7] },
  { x: [2, 4, 3, 3], w: [10, 2, 1, 1], bias: true, opts: { groups: 2 }, out: [2, 10, 3, 3] },
  { x: [2, 7, 7, 7], w: [7, 1, 3, 3], bias: false, opts: { groups: 7, padding: 1, stride: 2 }, out: [2, 7, 4, 4] },
  { x: [1, 3, 17, 17], w: [6, 1, 3, 3], bias: true, opts: { groups: 3, padding: 1 }, out: [1, 6, 17, 17] },
  { x: [2, 3, 7, 7], w: [4, 3, 3, 3], bias: true, opts: { stride: 2, padding: [0, 1, 1, 2] }, out: [2, 4, 3, 4] },
  { x: [1, 7, 17, 3], w: [5, 7, 3, 1], bias: false, opts: { stride: [2, 1], padding: [1, 0], dilation: [1, 2] }, out: [1, 5, 9, 3] },
  { x: [1, 7, 3, 3], w: [17, 7, 3, 3], bias: true, opts: { padding: 1 }, out: [1, 17, 3, 3] },
  { x: [2, 5, 17, 17], w: [65, 5, 3, 3], bias: true, opts: { padding: 1 }, out: [2, 65, 17, 17] },
  { x: [1, 1, 7, 7], w: [3, 1, 7, 7], bias: true, opts: {}, out: [1, 3, 1, 1] },
  // Many input channels, few outputs: the input gradient's workgroups are 8 channel threads tall, the forward's 2.
  { x: [1, 66, 5, 6], w: [9, 66, 3, 3], bias: true, opts: { padding: 1 }, out: [1, 9, 5, 6] },
];

const name = (c: Case) => `x${JSON.stringify(c.x)} w${JSON.stringify(c.w)} ${JSON.stringify(c.opts)}`;

function data(c: Case, seed: number) {
  const x = f32(uniform(numel(c.x), seed));
  const w = f32(uniform(numel(c.w), seed + 1));
  const b = f32(uniform(c.w[0], seed + 2));
  return { x, w, b };
}

describe('conv2d forward', () => {
  it('matches the reference and torch output sizes on awkward shapes', async () => {
    const e = eng();
    for (const [k, c] of CASES.entries()) {
      const { x, w, b } = data(c, 10 * k);
      const ref = conv2dRef(x, c.x, w, c.w, c.bias ? b : null, refOpts(c.opts));
      expect(ref.shape, name(c)).toEqual(c.out);
      const y = conv2d(e.tensor(x, c.x), e.tensor(w, c.w), c.bias ? e.tensor(b, [c.w[0]]) : null, c.opts);
      expect(y.shape, name(c)).toEqual(c.out);
      expectClose(await y.read(), ref.data, TOL, `forward ${name(c)}`);
    }
  });

  it('gives an empty output for an empty batch', async () => {
    const e = eng();
    const y = conv2d(e.zeros([0, 3, 5, 5]), e.zeros([2, 3, 3, 3]), null);
    expect(y.shape).toEqual([0, 2, 3, 3]);
    expect((await y.read()).length).toBe(0);
  });

  it('rejects inconsistent shapes and options with a ShapeError', () => {
    const e = eng();
    const x = e.zeros([1, 4, 5, 5]);
    expect(() => conv2d(x, e.zeros([2, 3, 3, 3]), null)).toThrow(ShapeError);
    expect(() => conv2d(x, e.zeros([3, 2, 3, 3]), null, { groups: 2 })).toThrow(/groups/);
    expect(() => conv2d(x, e.zeros([2, 4, 7, 7]), null)).toThrow(/does not fit/);
    expect(() => conv2d(x, e.zeros([2, 4, 3, 3]), e.zeros([3]), {})).toThrow(/bias/);
    expect(() => conv2d(x, e.zeros([2, 4, 3, 3]), null, { stride: 0 })).toThrow(ShapeError);
    expect(() => conv2d(e.zeros([4, 5, 5]), e.zeros([2, 4, 3, 3]), null)).toThrow(/rank 4/);
  });
});

describe('conv2d backward', () => {
  it('reference gradients match finite differences', () => {
    for (const c of [CASES[1], CASES[5], CASES[7], CASES[9], CASES[10]]) {
      const small: Case = { ...c, x: [1, c.x[1], Math.min(c.x[2], 7), Math.min(c.x[3], 7)] };
      const o = refOpts(small.opts);
      const { x, w, b } = data(small, 3);
      const ref = conv2dRef(x, small.x, w, small.w, b, o);
      const dy = normal(ref.data.length, 4);
      const num = numericGrad(([tx, tw, tb]) => conv2dRef(tx, small.x, tw, small.w, tb, o).data, [x, w, b], dy);
      const rb = conv2dBackwardRef(x, small.x, w, small.w, dy, o);
      expectClose(rb.dx, num[0], GRAD_TOL, `dx ref vs numeric ${name(small)}`);
      expectClose(rb.dw, num[1], GRAD_TOL, `dw ref vs numeric ${name(small)}`);
      expectClose(rb.db, num[2], GRAD_TOL, `db ref vs numeric ${name(small)}`);
    }
  });

  it('GPU gradients for input, weight and bias match the reference', async () => {
    const e = eng();
    for (const [k, c] of CASES.entries()) {
      const { x, w, b } = data(c, 100 + k);
      const dy = f32(normal(numel(c.out), 200 + k));
      const inputs = [{ data: x, shape: c.x }, { data: w, shape: c.w }, ...(c.bias ? [{ data: b, shape: [c.w[0]] }] : [])];
      const { out, grads } = await gpuGrads(e, ([tx, tw, tb]) => conv2d(tx, tw, tb ?? null, c.opts), inputs, dy);
      const o = refOpts(c.opts);
      expectClose(out, conv2dRef(x, c.x, w, c.w, c.bias ? b : null, o).data, TOL, `forward ${name(c)}`);
      const rb = conv2dBackwardRef(x, c.x, w, c.w, dy, o);
      expectClose(grads[0]!, rb.dx, GRAD_TOL, `dx ${name(c)}`);
      expectClose(grads[1]!, rb.dw, GRAD_TOL, `dw ${name(c)}`);
      if (c.bias) expectClose(grads[2]!, rb.db, GRAD_TOL, `db ${name(c)}`);
    }
  });

  it('computes only the gradients that are needed', async () => {
    const e = eng();
    const c = CASES[1];
    const { x, w } = data(c, 5);
    const dy = f32(normal(numel(c.out), 6));
    const { grads } = await gpuGrads(e, ([tx, tw]) => conv2d(tx, tw, null, c.opts), [
      { data: x, shape: c.x, grad: false }, { data: w, shape: c.w }], dy);
    expect(grads[0]).toBeNull();
    expectClose(grads[1]!, conv2dBackwardRef(x, c.x, w, c.w, dy, refOpts(c.opts)).dw, GRAD_TOL, 'dw alone');
  });
});

// Last in the file: reading back 16 MB slows the engine's next small dispatches for a few seconds.
describe('conv2d on large inputs', () => {
  it('folds more than 65,535 pixel tiles into a 2-D grid (forward and input gradient)', async () => {
    const e = eng();
    const shape = [1, 1, 2049, 2049];
    const xs = f32(uniform(numel(shape), 1));
    const dys = f32(uniform(numel(shape), 2));
    const x = e.tensor(xs, shape).keep();
    x.requiresGrad = true;
    const y = conv2d(x, e.tensor([0.5], [1, 1, 1, 1]), e.tensor([0.25], [1])).keep();
    e.backward(y, { grad: e.tensor(dys, shape) });
    expectClose(await y.read(), xs.map((v) => 0.5 * v + 0.25), TOL, 'forward over a folded grid');
    expectClose(await x.grad!.read(), dys.map((v) => 0.5 * v), TOL, 'dx over a folded grid');
    x.dispose();
    y.dispose();
  });
});
