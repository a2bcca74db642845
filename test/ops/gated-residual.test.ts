import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, normal, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads, numericGrad } from '../helpers/gradcheck.js';
import { gatedResidual } from '../../src/ops/gated-residual.js';
import { gatedResidualBackwardRef, gatedResidualRef } from '../../src/ref/gated-residual.js';
import { ShapeError } from '../../src/errors.js';
import { numel } from '../../src/tensor/shape.js';

const eng = useEngine();

// Sizes 1–3 are all tail, 4·k is all vec4, the rest mix the two kernels.
const SHAPES = [[1], [3], [4], [7], [17], [65], [2, 3, 5, 7], [4, 16], [1, 3, 1, 1]];

describe('gatedResidual', () => {
  it('forward and all three gradients match the reference', async () => {
    const e = eng();
    for (const [k, shape] of SHAPES.entries()) {
      const n = numel(shape);
      const x = f32(uniform(n, 10 + k));
      const g = f32(uniform(n, 20 + k, -6, 6));
      const a = f32(normal(n, 30 + k));
      const dy = f32(normal(n, 40 + k));
      const { out, grads } = await gpuGrads(e, ([tx, tg, ta]) => gatedResidual(tx, tg, ta),
        [{ data: x, shape }, { data: g, shape }, { data: a, shape }], dy);
      expectClose(out, gatedResidualRef(x, g, a), { atol: 1e-6, rtol: 1e-5 }, `forward [${shape}]`);
      const ref = gatedResidualBackwardRef(g, a, dy);
      expectClose(grads[0]!, ref.dx, { atol: 1e-6, rtol: 1e-5 }, `dx [${shape}]`);
      expectClose(grads[1]!, ref.dg, { atol: 1e-6, rtol: 1e-5 }, `dg [${shape}]`);
      expectClose(grads[2]!, ref.da, { atol: 1e-6, rtol: 1e-5 }, `da [${shape}]`);
    }
  });

  it('reference gradients match finite differences', () => {
    const n = 17;
    const x = uniform(n, 1);
    const g = uniform(n, 2, -4, 4);
    const a = normal(n, 3);
    const dy = normal(n, 4);
    const num = numericGrad(([tx, tg, ta]) => gatedResidualRef(tx, tg, ta), [x, g, a], dy);
    const ref = gatedResidualBackwardRef(g, a, dy);
    expectClose(ref.dx, num[0], { atol: 1e-7, rtol: 1e-6 }, 'dx');
    expectClose(ref.dg, num[1], { atol: 1e-7, rtol: 1e-6 }, 'dg');
    expectClose(ref.da, num[2], { atol: 1e-7, rtol: 1e-6 }, 'da');
  });

  it('saturates without overflow at large |g|', async () => {
    const e = eng();
    const g = [-100, -30, 30, 100, -1e4, 1e4, 0];
    const shape = [g.length];
    const { out, grads } = await gpuGrads(e, ([tx, tg, ta]) => gatedResidual(tx, tg, ta),
      [{ data: new Array(g.length).fill(1), shape }, { data: g, shape }, { data: new Array(g.length).fill(2), shape }],
      new Array(g.length).fill(1));
    expectClose(out, gatedResidualRef(new Array(g.length).fill(1), g, new Array(g.length).fill(2)), { atol: 1e-6 }, 'forward');
    for (const v of [...out, ...grads[1]!, ...grads[2]!]) expect(Number.isFinite(v)).toBe(true);
  });

  it('gives no gradient to inputs that do not need one', async () => {
    const e = eng();
    const shape = [2, 5];
    const { grads } = await gpuGrads(e, ([tx, tg, ta]) => gatedResidual(tx, tg, ta),
      [{ data: uniform(10, 5), shape, grad: false }, { data: uniform(10, 6), shape }, { data: uniform(10, 7), shape, grad: false }],
      normal(10, 8));
    expect(grads[0]).toBeNull();
    expect(grads[2]).toBeNull();
    expectClose(grads[1]!, gatedResidualBackwardRef(f32(uniform(10, 6)), f32(uniform(10, 7)), f32(normal(10, 8))).dg,
      { atol: 1e-6, rtol: 1e-5 }, 'dg');
  });

  it('rejects mismatched shapes and non-f32 inputs', () => {
    const e = eng();
    e.scope(() => {
      const x = e.zeros([2, 3]);
      expect(() => gatedResidual(x, e.zeros([3, 2]), e.zeros([2, 3]))).toThrow(ShapeError);
      expect(() => gatedResidual(x, e.zeros([2, 3]), e.zeros([6]))).toThrow(/gatedResidual: .*\[2, 3\].*\[6\]/);
      expect(() => gatedResidual(x, e.zeros([2, 3], 'i32'), e.zeros([2, 3]))).toThrow(ShapeError);
    });
  });
});
