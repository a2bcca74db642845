import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, normal, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads, numericGrad } from '../helpers/gradcheck.js';
import { max, mean, min, sum, variance } from '../../src/ops/reduce.js';
import { maxOf, meanOf, minOf, reduceRef, sumOf, varOf } from '../../src/ref/reduce.js';
import { ShapeError } from '../../src/errors.js';
import { numel } from '../../src/tensor/shape.js';

const eng = useEngine();

// Shapes and axes chosen so both kernels run: short reductions (serial) and long ones (workgroup tree).
const CASES: [number[], number[]][] = [
  [[1], [0]], [[7], [0]], [[3, 7], [1]], [[3, 7], [0]], [[2, 17, 5], [0, 2]], [[65, 3], [0]],
  [[2, 3, 17, 7], [0, 2, 3]], [[1000], [0]], [[5, 1, 3], [1]], [[4, 65], [1]],
];

describe('reductions', () => {
  const kinds = [
    ['sum', sum, sumOf], ['mean', mean, meanOf], ['max', max, maxOf], ['min', min, minOf],
  ] as const;
  for (const [name, op, f] of kinds) {
    it(`${name} forward and backward over axes match the reference`, async () => {
      const e = eng();
      for (const [shape, axes] of CASES) {
        const n = numel(shape);
        const x = f32(uniform(n, n * 7 + axes.length, -3, 3));
        const ref = reduceRef(x, shape, axes, f);
        const dy = f32(normal(ref.data.length, 5));
        const { out, grads } = await gpuGrads(e, ([t]) => op(t, axes, true), [{ data: x, shape }], dy);
        expectClose(out, ref.data, { atol: 1e-4, rtol: 1e-5 }, `${name} ${shape} axes ${axes}`);
        if (n <= 120) {
          const num = numericGrad(([t]) => reduceRef(t, shape, axes, f).data, [Float64Array.from(x)], dy, 1e-5);
          expectClose(grads[0]!, num[0], { atol: 1e-4, rtol: 1e-3 }, `${name} grad ${shape} axes ${axes}`);
        }
      }
    });
  }

  it('max splits the gradient evenly among ties', async () => {
    const e = eng();
    const { out, grads } = await gpuGrads(e, ([t]) => max(t), [{ data: [1, 3, 3, 2], shape: [4] }], [1]);
    expect(Array.from(out)).toEqual([3]);
    expect(Array.from(grads[0]!)).toEqual([0, 0.5, 0.5, 0]);
  });

  it('variance (unbiased and biased) matches the reference and differentiates', async () => {
    const e = eng();
    for (const unbiased of [true, false]) {
      const shape = [3, 17];
      const x = f32(uniform(51, 11));
      const ref = reduceRef(x, shape, [1], varOf(unbiased));
      const dy = f32(normal(3, 12));
      const { out, grads } = await gpuGrads(e, ([t]) => variance(t, 1, { unbiased }), [{ data: x, shape }], dy);
      expectClose(out, ref.data, { atol: 1e-5, rtol: 1e-4 });
      const num = numericGrad(([t]) => reduceRef(t, shape, [1], varOf(unbiased)).data, [Float64Array.from(x)], dy);
      expectClose(grads[0]!, num[0], { atol: 1e-4, rtol: 1e-3 });
    }
  });

  it('sum without keepDims drops axes; full reduction is a scalar', () => {
    const e = eng();
    expect(sum(e.zeros([2, 3, 4]), [0, 2]).shape).toEqual([3]);
    expect(mean(e.zeros([2, 3])).shape).toEqual([]);
    expect(sum(e.zeros([2, 3]), -1, true).shape).toEqual([2, 1]);
  });

  it('bad axes fail naming the op', () => {
    const e = eng();
    expect(() => sum(e.zeros([2, 3]), 2)).toThrow(ShapeError);
    expect(() => mean(e.zeros([2, 3]), [1, 1])).toThrow(/mean: repeated axis/);
    expect(() => variance(e.zeros([2, 1]), 1)).toThrow(/var: unbiased variance needs/);
  });

  it('sums 65,535·256+1 elements exactly enough', async () => {
    const e = eng();
    const n = 65535 * 256 + 1;
    const t = e.ones([n]);
    const s = sum(t);
    expect(await s.item()).toBeCloseTo(n, -1);
    t.dispose(); s.dispose();
  });
});
