import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, normal, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads, numericGrad } from '../helpers/gradcheck.js';
import { binary, unary, where, type BinaryOp, type UnaryOp } from '../../src/ops/elementwise.js';
import { binaryScalarRef, broadcastMapRef, unaryGradRef, unaryRef } from '../../src/ref/elementwise.js';
import { ShapeError } from '../../src/errors.js';
import { numel } from '../../src/tensor/shape.js';

const eng = useEngine();

// [op, alpha, beta, input range]: ranges keep log/sqrt/pow in their domain and stay off kinks for gradients.
const UNARY_CASES: [UnaryOp, number, number, number, number][] = [
  ['relu', 0, 0, -2, 2], ['elu', 0.7, 0, -2, 2], ['sigmoid', 0, 0, -8, 8], ['tanh', 0, 0, -3, 3],
  ['softplus', 0, 0, -10, 10], ['exp', 0, 0, -3, 3], ['log', 0, 0, 0.1, 4], ['pow', 2.5, 0, 0.1, 3],
  ['pow', 3, 0, -2, 2], ['clamp', -0.5, 0.7, -2, 2], ['affine', 1.5, -0.25, -2, 2], ['abs', 0, 0, -2, 2],
  ['sqrt', 0, 0, 0.1, 4], ['neg', 0, 0, -2, 2], ['reciprocal', 0, 0, 0.5, 3], ['square', 0, 0, -2, 2],
  ['sign', 0, 0, -2, 2], ['floor', 0, 0, -3, 3],
];

describe('elementwise unary', () => {
  for (const [op, a, b, lo, hi] of UNARY_CASES) {
    it(`${op}(${a}, ${b}) forward and backward match the reference`, async () => {
      const e = eng();
      for (const shape of [[1], [3, 7], [2, 17, 5], [65]]) {
        const n = numel(shape);
        const x = f32(uniform(n, n + op.length, lo, hi));
        const dy = f32(normal(n, 99));
        const { out, grads } = await gpuGrads(e, ([t]) => unary(op, t, a, b), [{ data: x, shape }], dy);
        expectClose(out, Array.from(x, (v) => unaryRef(op, v, a, b)), { atol: 1e-5, rtol: 2e-5 }, `${op} forward`);
        const refGrad = Array.from(x, (v, i) => dy[i] * unaryGradRef(op, v, a, b));
        if (op === 'sign' || op === 'floor') expect(grads[0]).toBeNull();
        else expectClose(grads[0]!, refGrad, { atol: 1e-5, rtol: 1e-4 }, `${op} backward`);
        if (op !== 'sign' && op !== 'floor' && n < 40) {
          const num = numericGrad(([t]) => Array.from(t, (v) => unaryRef(op, v, a, b)), [Float64Array.from(x)], dy);
          expectClose(refGrad, num[0], { atol: 1e-5, rtol: 1e-4 }, `${op} reference grad vs finite differences`);
        }
      }
    });
  }

  it('sigmoid and softplus do not overflow at large |x|', async () => {
    const e = eng();
    const x = e.tensor([-100, -30, 30, 100], [4]);
    expectClose(await unary('sigmoid', x).read(), [0, 1 / (1 + Math.exp(30)), 1 / (1 + Math.exp(-30)), 1], { atol: 1e-7 });
    expectClose(await unary('softplus', x).read(), [0, Math.log1p(Math.exp(-30)), 30, 100], { atol: 1e-6 });
  });
});

const BINARY_SHAPES: [number[], number[]][] = [
  [[7], [7]], [[3, 7], [7]], [[3, 1], [1, 5]], [[2, 3, 5], [3, 1]], [[1], [17]], [[2, 1, 3, 1], [5, 1, 4]], [[65], [1]],
];

describe('elementwise binary with broadcasting', () => {
  const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min'];
  for (const op of ops) {
    it(`${op} forward and both gradients match the reference`, async () => {
      const e = eng();
      for (const [sa, sb] of BINARY_SHAPES) {
        const a = f32(uniform(numel(sa), 1, op === 'pow' ? 0.5 : -2, 2));
        // Distinct values keep max/min off ties; positive b keeps div away from 0.
        const b = f32(uniform(numel(sb), 2, op === 'div' || op === 'pow' ? 0.5 : -2, 2));
        const ref = broadcastMapRef([{ data: a, shape: sa }, { data: b, shape: sb }], (p, q) => binaryScalarRef(op, p, q));
        const dy = f32(normal(ref.data.length, 3));
        const { out, grads } = await gpuGrads(e, ([x, y]) => binary(op, x, y), [{ data: a, shape: sa }, { data: b, shape: sb }], dy);
        expectClose(out, ref.data, { atol: 1e-5, rtol: 1e-5 }, `${op} ${sa}×${sb} forward`);
        const f = ([p, q]: Float64Array[]) => broadcastMapRef([{ data: p, shape: sa }, { data: q, shape: sb }], (u, v) => binaryScalarRef(op, u, v)).data;
        const num = numericGrad(f, [Float64Array.from(a), Float64Array.from(b)], dy);
        expectClose(grads[0]!, num[0], { atol: 1e-4, rtol: 1e-3 }, `${op} ${sa}×${sb} grad a`);
        expectClose(grads[1]!, num[1], { atol: 1e-4, rtol: 1e-3 }, `${op} ${sa}×${sb} grad b`);
      }
    });
  }

  it('comparisons give 0/1 and no gradient', async () => {
    const e = eng();
    const a = e.tensor([1, 2, 3], [3]);
    const b = e.tensor([2], [1]);
    for (const [op, want] of [['lt', [1, 0, 0]], ['le', [1, 1, 0]], ['gt', [0, 0, 1]], ['ge', [0, 1, 1]], ['eq', [0, 1, 0]], ['ne', [1, 0, 1]]] as const) {
      expect(Array.from(await binary(op, a, b).read()), op).toEqual(want);
    }
  });

  it('where broadcasts condition and branches, gradients go to the chosen branch', async () => {
    const e = eng();
    const c = [1, 0, 1];
    const a = f32(uniform(6, 4));
    const b = f32(uniform(3, 5));
    const dy = f32(normal(6, 6));
    const { out, grads } = await gpuGrads(e, ([x, y]) => where(e.tensor(c, [1, 3]), x, y), [{ data: a, shape: [2, 3] }, { data: b, shape: [3] }], dy);
    expectClose(out, broadcastMapRef([{ data: c, shape: [1, 3] }, { data: a, shape: [2, 3] }, { data: b, shape: [3] }], (k, p, q) => (k ? p : q)).data);
    expectClose(grads[0]!, dy.map((g, i) => (c[i % 3] ? g : 0)));
    expectClose(grads[1]!, [0, dy[1] + dy[4], 0]);
  });

  it('rejects shapes that do not broadcast, naming the op and both shapes', () => {
    const e = eng();
    expect(() => binary('add', e.zeros([2, 3]), e.zeros([4]))).toThrow(ShapeError);
    expect(() => binary('mul', e.zeros([2, 3]), e.zeros([4]))).toThrow(/mul: shapes \[2, 3\] and \[4\] do not broadcast/);
    expect(() => unary('relu', e.tensor(new Int32Array([1]), [1]))).toThrow(/relu: expected f32, got .*i32\[1\]/);
  });

  it('a grid folded past 65,535 workgroups covers every element', async () => {
    const e = eng();
    const n = 65535 * 256 + 1;
    const x = e.full([n], 2);
    const y = unary('affine', x, 3, 1);
    const out = await y.read();
    expect(out[0]).toBe(7);
    expect(out[n - 1]).toBe(7);
    expect(out.every((v) => v === 7)).toBe(true);
    x.dispose(); y.dispose();
  });
});
