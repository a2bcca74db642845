import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads, numericGrad } from '../helpers/gradcheck.js';
import { batchNorm } from '../../src/ops/batchnorm.js';
import { batchNormBackwardRef, batchNormRef, batchNormRunningRef, type BatchNormRefOptions } from '../../src/ref/batchnorm.js';
import { ShapeError } from '../../src/errors.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const eng = useEngine();
const TOL = { atol: 1e-4, rtol: 1e-4 };
const GRAD_TOL = { atol: 2e-4, rtol: 1e-3 };

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// Awkward shapes: C not a multiple of 4, H·W below and above the 64-thread row, [N, C] and [N, C, 1, 1] inputs.
const SHAPES: number[][] = [[2, 3, 7, 7], [1, 5, 3, 17], [2, 17, 1, 1], [2, 1, 17, 17], [1, 3, 1, 3], [7, 17], [2, 5], [3, 65]];

function inputs(shape: readonly number[], seed: number) {
  const c = shape[1];
  return {
    x: f32(uniform(numel(shape), seed, -2, 3)),
    w: f32(uniform(c, seed + 1, 0.5, 1.5)),
    b: f32(uniform(c, seed + 2, -1, 1)),
    rm: f32(uniform(c, seed + 3, -0.5, 0.5)),
    rv: f32(uniform(c, seed + 4, 0.5, 2)),
  };
}

describe('batchNorm forward', () => {
  for (const shape of SHAPES) {
    it(`training ${JSON.stringify(shape)}: output and in-place running stats (two steps)`, async () => {
      const e = eng();
      const { x, w, b, rm, rv } = inputs(shape, 11);
      const x2 = f32(uniform(x.length, 99, -1, 1));
      const rmT = e.tensor(Float32Array.from(rm), [shape[1]]).keep();
      const rvT = e.tensor(Float32Array.from(rv), [shape[1]]).keep();
      const y = e.scope(() => {
        const wt = e.tensor(Float32Array.from(w), [shape[1]]);
        const bt = e.tensor(Float32Array.from(b), [shape[1]]);
        const out = batchNorm(e.tensor(Float32Array.from(x), shape), wt, bt, rmT, rvT, { training: true, momentum: 0.3 });
        batchNorm(e.tensor(Float32Array.from(x2), shape), wt, bt, rmT, rvT, { training: true, momentum: 0.3 });
        return out;
      });
      expectClose(await y.read(), batchNormRef(x, shape, w, b, { training: true }), TOL, 'y');
      const step1 = batchNormRunningRef(x, shape, rm, rv, 0.3);
      const step2 = batchNormRunningRef(x2, shape, step1.runningMean, step1.runningVar, 0.3);
      expectClose(await rmT.read(), step2.runningMean, TOL, 'runningMean');
      expectClose(await rvT.read(), step2.runningVar, TOL, 'runningVar');
      for (const t of [y, rmT, rvT]) t.dispose();
    });
  }

  it('eval mode normalises with the running stats and leaves them alone', async () => {
    const e = eng();
    for (const shape of [[2, 5, 3, 7], [3, 17], [1, 3, 1, 1]]) {
      const { x, w, b, rm, rv } = inputs(shape, 23);
      const rmT = e.tensor(Float32Array.from(rm), [shape[1]]).keep();
      const rvT = e.tensor(Float32Array.from(rv), [shape[1]]).keep();
      const y = e.scope(() => batchNorm(e.tensor(Float32Array.from(x), shape), e.tensor(Float32Array.from(w), [shape[1]]),
        e.tensor(Float32Array.from(b), [shape[1]]), rmT, rvT, { training: false, eps: 1e-3 }));
      const opts: BatchNormRefOptions = { training: false, eps: 1e-3, runningMean: rm, runningVar: rv };
      expectClose(await y.read(), batchNormRef(x, shape, w, b, opts), TOL, `y ${JSON.stringify(shape)}`);
      expectClose(await rmT.read(), rm, { atol: 0, rtol: 0 }, 'runningMean unchanged');
      expectClose(await rvT.read(), rv, { atol: 0, rtol: 0 }, 'runningVar unchanged');
      for (const t of [y, rmT, rvT]) t.dispose();
    }
  });

  it('no affine part and no running stats', async () => {
    const e = eng();
    const shape = [2, 3, 5, 5];
    const { x } = inputs(shape, 5);
    const y = e.scope(() => batchNorm(e.tensor(Float32Array.from(x), shape), null, null, null, null, { training: true }));
    expectClose(await y.read(), batchNormRef(x, shape, null, null, { training: true }), TOL, 'y');
    y.dispose();
  });

  it('stays accurate for a large mean over many values (no Σx² − M·mean² cancellation)', async () => {
    const e = eng();
    const shape = [4, 2, 65, 65];
    const x = f32(uniform(numel(shape), 3, -1, 1).map((v) => 1000 + v));
    const rmT = e.zeros([2]).keep();
    const rvT = e.ones([2]).keep();
    const y = e.scope(() => batchNorm(e.tensor(Float32Array.from(x), shape), null, null, rmT, rvT, { training: true }));
    expectClose(await y.read(), batchNormRef(x, shape, null, null, { training: true }), { atol: 2e-3, rtol: 1e-3 }, 'y');
    const want = batchNormRunningRef(x, shape, [0, 0], [1, 1]).runningVar;
    expectClose(await rvT.read(), want, { atol: 1e-5, rtol: 1e-4 }, 'runningVar');
    for (const t of [y, rmT, rvT]) t.dispose();
  });
});

describe('batchNorm backward', () => {
  const cases: [number[], boolean][] = [[[2, 3, 3, 3], true], [[1, 5, 1, 7], true], [[2, 3, 1, 1], true], [[5, 3], true],
    [[2, 3, 3, 3], false], [[4, 5], false]];

  for (const [shape, training] of cases) {
    it(`${training ? 'training' : 'eval'} ${JSON.stringify(shape)}: reference vs numeric, GPU vs reference`, async () => {
      const { x, w, b, rm, rv } = inputs(shape, 31);
      const dy = f32(uniform(x.length, 37));
      const opts: BatchNormRefOptions = { training, runningMean: rm, runningVar: rv };
      const ref = batchNormBackwardRef(x, shape, w, dy, opts);
      const num = numericGrad(([xx, ww, bb]) => batchNormRef(xx, shape, ww, bb, opts), [x.slice(), w.slice(), b.slice()], dy);
      expectClose(ref.dx, num[0], { atol: 1e-6, rtol: 1e-5 }, 'ref dx vs numeric');
      expectClose(ref.dweight, num[1], { atol: 1e-6, rtol: 1e-5 }, 'ref dweight vs numeric');
      expectClose(ref.dbias, num[2], { atol: 1e-6, rtol: 1e-5 }, 'ref dbias vs numeric');

      const e = eng();
      const c = shape[1];
      const rmT = e.tensor(Float32Array.from(rm), [c]).keep();
      const rvT = e.tensor(Float32Array.from(rv), [c]).keep();
      const got = await gpuGrads(e, ([xt, wt, bt]) => batchNorm(xt, wt, bt, rmT, rvT, { training }),
        [{ data: x, shape }, { data: w, shape: [c] }, { data: b, shape: [c] }], dy);
      rmT.dispose();
      rvT.dispose();
      expectClose(got.grads[0]!, ref.dx, GRAD_TOL, 'gpu dx');
      expectClose(got.grads[1]!, ref.dweight, GRAD_TOL, 'gpu dweight');
      expectClose(got.grads[2]!, ref.dbias, GRAD_TOL, 'gpu dbias');
    });
  }

  it('without weight and bias only x gets a gradient', async () => {
    const e = eng();
    const shape = [3, 5, 2, 3];
    const { x } = inputs(shape, 41);
    const dy = f32(uniform(x.length, 43));
    const ref = batchNormBackwardRef(x, shape, null, dy, { training: true });
    const got = await gpuGrads(e, ([xt]) => batchNorm(xt, null, null, null, null, { training: true }), [{ data: x, shape }], dy);
    expectClose(got.grads[0]!, ref.dx, GRAD_TOL, 'gpu dx');
  });
});

describe('batchNorm memory', () => {
  it('frees its temporaries and saved tensors after backward', async () => {
    const e = eng();
    const before = e.stats();
    const shape = [2, 3, 4, 4];
    for (const training of [true, false]) {
      const x = f32(uniform(numel(shape), 51));
      const dy = f32(uniform(x.length, 53));
      const rm = e.zeros([3]).keep();
      const rv = e.ones([3]).keep();
      await gpuGrads(e, ([xt]) => batchNorm(xt, null, null, rm, rv, { training }), [{ data: x, shape }], dy);
      rm.dispose();
      rv.dispose();
    }
    expect(e.stats().liveTensors).toBe(before.liveTensors);
    expect(e.stats().liveBytes).toBe(before.liveBytes);
  });
});

describe('batchNorm validation', () => {
  it('throws ShapeError naming the op and shapes', () => {
    const e = eng();
    e.scope(() => {
      const x = e.zeros([2, 3, 4, 4]);
      const v3 = e.ones([3]);
      const bad = (f: () => Tensor, msg: RegExp) => expect(f).toThrow(msg);
      bad(() => batchNorm(e.zeros([2, 3, 4]), null, null, null, null, { training: true }), /batchNorm.*\[2, 3, 4\]/);
      bad(() => batchNorm(x, e.ones([4]), null, null, null, { training: true }), /batchNorm: weight must have shape \[3\]/);
      bad(() => batchNorm(x, null, null, null, null, { training: false }), /eval mode needs runningMean/);
      bad(() => batchNorm(x, null, null, v3, null, { training: true }), /both be given/);
      bad(() => batchNorm(e.zeros([1, 3]), null, null, null, null, { training: true }), /more than 1 value per channel/);
      expect(() => batchNorm(x, null, null, null, null, { training: true })).not.toThrow();
      expect(() => batchNorm(e.zeros([1, 3, 1, 1]), null, null, null, null, { training: true })).toThrow(ShapeError);
    });
  });
});
