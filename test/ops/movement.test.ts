import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, normal, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads, numericGrad } from '../helpers/gradcheck.js';
import { concat, expand, pad, permute, reshape, slice, transpose } from '../../src/ops/movement.js';
import { at, forEachIndex, permuteRef } from '../../src/ref/movement.js';
import { numel } from '../../src/tensor/shape.js';
import { ShapeError } from '../../src/errors.js';

const eng = useEngine();

/** Linear map references: out = f(x) so the gradient is checked by finite differences too. */
async function check(name: string, shape: number[], build: Parameters<typeof gpuGrads>[1],
  ref: (x: Float64Array) => Float64Array) {
  const e = eng();
  const x = f32(uniform(numel(shape), numel(shape) + name.length));
  const want = ref(Float64Array.from(x));
  const dy = f32(normal(want.length, 3));
  const { out, grads } = await gpuGrads(e, build, [{ data: x, shape }], dy);
  expectClose(out, want, { atol: 0, rtol: 0 }, `${name} forward`);
  const num = numericGrad(([t]) => ref(t), [Float64Array.from(x)], dy);
  expectClose(grads[0]!, num[0], { atol: 1e-5, rtol: 1e-4 }, `${name} backward`);
}

describe('movement ops', () => {
  it('permute / transpose', async () => {
    await check('permute', [2, 3, 5], ([t]) => permute(t, [2, 0, 1]), (x) => permuteRef(x, [2, 3, 5], [2, 0, 1]));
    await check('transpose', [7, 3], ([t]) => transpose(t), (x) => permuteRef(x, [7, 3], [1, 0]));
    await check('permute4', [1, 3, 7, 2], ([t]) => permute(t, [0, 2, 3, 1]), (x) => permuteRef(x, [1, 3, 7, 2], [0, 2, 3, 1]));
  });

  it('reshape keeps data and infers −1', async () => {
    await check('reshape', [3, 4], ([t]) => reshape(t, [2, -1]), (x) => x);
    expect(() => reshape(eng().zeros([3, 4]), [5, -1])).toThrow(/reshape: cannot infer/);
  });

  it('expand broadcasts and sums back', async () => {
    const shape = [3, 1];
    const to = [2, 3, 5];
    await check('expand', shape, ([t]) => expand(t, to), (x) => {
      const out = new Float64Array(numel(to));
      forEachIndex(to, (idx, i) => { out[i] = x[idx[1]]; });
      return out;
    });
    expect(() => expand(eng().zeros([3, 2]), [3, 5])).toThrow(ShapeError);
  });

  it('slice, pad and concat', async () => {
    const shape = [3, 7, 2];
    await check('slice', shape, ([t]) => slice(t, 1, 2, 6), (x) => {
      const os = [3, 4, 2];
      const out = new Float64Array(numel(os));
      forEachIndex(os, (idx, i) => { out[i] = at(x, shape, [idx[0], idx[1] + 2, idx[2]]); });
      return out;
    });
    await check('pad', [2, 3], ([t]) => pad(t, [[1, 0], [2, 3]]), (x) => {
      const os = [3, 8];
      const out = new Float64Array(numel(os));
      forEachIndex(os, (idx, i) => {
        const r = idx[0] - 1; const c = idx[1] - 2;
        out[i] = r >= 0 && c >= 0 && c < 3 ? at(x, [2, 3], [r, c]) : 0;
      });
      return out;
    });
    await check('concat', [2, 3], ([t]) => concat([t, slice(t, 1, 0, 1), t], 1), (x) => {
      const os = [2, 7];
      const out = new Float64Array(numel(os));
      forEachIndex(os, (idx, i) => {
        const c = idx[1];
        out[i] = at(x, [2, 3], [idx[0], c < 3 ? c : c === 3 ? 0 : c - 4]);
      });
      return out;
    });
    expect(() => slice(eng().zeros([3]), 0, 2, 5)).toThrow(/slice: \[2, 5\) out of range/);
    expect(() => concat([eng().zeros([2, 3]), eng().zeros([3, 3])], 1)).toThrow(/concat/);
  });

  it('moves i32 data unchanged', async () => {
    const e = eng();
    const t = e.tensor(new Int32Array([1, -2, 3, 2147483647, -5, 6]), [2, 3]);
    expect(Array.from(await permute(t, [1, 0]).read())).toEqual([1, 2147483647, -2, -5, 3, 6]);
  });
});
