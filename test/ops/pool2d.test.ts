import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads, numericGrad } from '../helpers/gradcheck.js';
import { adaptiveAvgPool2d, adaptiveMaxPool2d, avgPool2d, maxPool2d, type AvgPool2dOptions } from '../../src/ops/pool2d.js';
import { pool2dBackwardRef, pool2dRef, type PoolSpec } from '../../src/ref/pool2d.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const eng = useEngine();
const TOL = { atol: 1e-5, rtol: 1e-5 };
const GRAD_TOL = { atol: 1e-5, rtol: 1e-4 };

type Pair = [number, number];
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const pr = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);

interface Case {
  mode: 'max' | 'avg';
  shape: number[];
  /** Windowed options, or the adaptive output size. */
  opts: AvgPool2dOptions | { out: number | Pair };
  /** Output H, W as torch gives them. */
  torchOut: Pair;
}

function specOf(c: Case): PoolSpec {
  if ('out' in c.opts) return { out: pr(c.opts.out) };
  const o = c.opts;
  return { kernel: pr(o.kernel), stride: pr(o.stride ?? o.kernel), padding: pr(o.padding ?? 0), ceilMode: o.ceilMode ?? false };
}

function build(c: Case): (x: Tensor) => Tensor {
  const o = c.opts;
  if ('out' in o) return (x) => (c.mode === 'max' ? adaptiveMaxPool2d(x, o.out) : adaptiveAvgPool2d(x, o.out));
  return (x) => (c.mode === 'max' ? maxPool2d(x, o) : avgPool2d(x, o));
}

const include = (c: Case) => !('out' in c.opts) && (c.opts.countIncludePad ?? true);

const CASES: Case[] = [
  { mode: 'max', shape: [2, 3, 7, 7], opts: { kernel: 3, stride: 2, padding: 1 }, torchOut: [4, 4] },
  { mode: 'max', shape: [1, 5, 17, 17], opts: { kernel: 2 }, torchOut: [8, 8] },
  { mode: 'max', shape: [2, 1, 3, 3], opts: { kernel: 3, stride: 1, padding: 1 }, torchOut: [3, 3] },
  { mode: 'max', shape: [1, 3, 7, 17], opts: { kernel: [3, 2], stride: [2, 3], padding: [1, 0], ceilMode: true }, torchOut: [4, 6] },
  { mode: 'max', shape: [1, 2, 5, 5], opts: { kernel: 2, stride: 2, padding: 1, ceilMode: true }, torchOut: [3, 3] },
  { mode: 'max', shape: [1, 17, 1, 1], opts: { kernel: 1 }, torchOut: [1, 1] },
  { mode: 'avg', shape: [2, 3, 7, 7], opts: { kernel: 3, stride: 2, padding: 1 }, torchOut: [4, 4] },
  { mode: 'avg', shape: [2, 3, 7, 7], opts: { kernel: 3, stride: 2, padding: 1, countIncludePad: false }, torchOut: [4, 4] },
  { mode: 'avg', shape: [1, 5, 17, 17], opts: { kernel: 4, stride: 3, padding: 2, ceilMode: true }, torchOut: [7, 7] },
  { mode: 'avg', shape: [1, 5, 17, 17], opts: { kernel: 4, stride: 3, padding: 2, ceilMode: true, countIncludePad: false },
    torchOut: [7, 7] },
  { mode: 'avg', shape: [1, 2, 5, 5], opts: { kernel: 2, stride: 2, padding: 1, ceilMode: true }, torchOut: [3, 3] },
  { mode: 'avg', shape: [2, 1, 3, 7], opts: { kernel: [3, 1], stride: [1, 2] }, torchOut: [1, 4] },
  { mode: 'avg', shape: [2, 3, 7, 7], opts: { out: 3 }, torchOut: [3, 3] },
  { mode: 'avg', shape: [1, 5, 17, 17], opts: { out: [5, 3] }, torchOut: [5, 3] },
  { mode: 'avg', shape: [1, 3, 3, 3], opts: { out: 7 }, torchOut: [7, 7] },
  { mode: 'avg', shape: [2, 3, 7, 17], opts: { out: 1 }, torchOut: [1, 1] },
  { mode: 'max', shape: [2, 3, 7, 7], opts: { out: 3 }, torchOut: [3, 3] },
  { mode: 'max', shape: [1, 5, 17, 17], opts: { out: [5, 3] }, torchOut: [5, 3] },
  { mode: 'max', shape: [1, 3, 3, 3], opts: { out: [7, 2] }, torchOut: [7, 2] },
  { mode: 'max', shape: [1, 17, 1, 1], opts: { out: 1 }, torchOut: [1, 1] },
];

describe('pool2d', () => {
  CASES.forEach((c, k) => {
    const name = `${c.mode} ${JSON.stringify(c.shape)} ${JSON.stringify(c.opts)}`;
    it(`${name}: forward, reference backward vs numeric, GPU backward vs reference`, async () => {
      const spec = specOf(c);
      const x = f32(uniform(numel(c.shape), 100 + k, -2, 2));
      const ref = pool2dRef(c.mode, x, c.shape, spec, include(c));
      expect(ref.outShape).toEqual([c.shape[0], c.shape[1], ...c.torchOut]);
      const dy = f32(uniform(ref.y.length, 200 + k));
      const refDx = pool2dBackwardRef(c.mode, x, c.shape, spec, dy, include(c));
      const [num] = numericGrad(([xx]) => pool2dRef(c.mode, xx, c.shape, spec, include(c)).y, [x.slice()], dy);
      expectClose(refDx, num, { atol: 1e-6, rtol: 1e-5 }, 'ref dx vs numeric');

      const got = await gpuGrads(eng(), ([xt]) => {
        const y = build(c)(xt);
        expect(y.shape).toEqual(ref.outShape);
        return y;
      }, [{ data: x, shape: c.shape }], dy);
      expectClose(got.out, ref.y, TOL, 'y');
      expectClose(got.grads[0]!, refDx, GRAD_TOL, 'gpu dx');
    });
  });

  it('max pooling breaks ties toward the first maximum, as torch does', async () => {
    const e = eng();
    const x = [1, 5, 5, 0, 2, 5, 5, 1, 5];
    const dy = [1, 10, 100, 1000];
    const got = await gpuGrads(e, ([xt]) => maxPool2d(xt, { kernel: 2, stride: 1 }), [{ data: x, shape: [1, 1, 3, 3] }], dy);
    expectClose(got.out, [5, 5, 5, 5], TOL, 'y');
    // First maxima in scan order: window {0,1,3,4} → x[1]; {1,2,4,5} → x[1]; {3,4,6,7} → x[6]; {4,5,7,8} → x[5].
    expectClose(got.grads[0]!, [0, 11, 0, 0, 0, 1000, 100, 0, 0], TOL, 'dx');
  });

  it('padded cells never win a max, even when every real value is negative', async () => {
    const e = eng();
    const x = Float32Array.from({ length: 9 }, (_, i) => -1 - i);
    const y = e.scope(() => maxPool2d(e.tensor(x, [1, 1, 3, 3]), { kernel: 2, stride: 2, padding: 1 }));
    expectClose(await y.read(), [-1, -2, -4, -5], TOL, 'y');
    y.dispose();
  });

  it('frees the saved argmax and every temporary after backward', async () => {
    const e = eng();
    const before = e.stats();
    const x = f32(uniform(2 * 3 * 7 * 7, 7));
    for (const f of [(t: Tensor) => maxPool2d(t, { kernel: 3, stride: 2 }), (t: Tensor) => avgPool2d(t, { kernel: 3, stride: 2 })]) {
      await gpuGrads(e, ([t]) => f(t), [{ data: x, shape: [2, 3, 7, 7] }], f32(uniform(2 * 3 * 3 * 3, 8)));
    }
    expect(e.stats().liveTensors).toBe(before.liveTensors);
    expect(e.stats().liveBytes).toBe(before.liveBytes);
  });

  it('throws ShapeError naming the op and the shapes', () => {
    const e = eng();
    e.scope(() => {
      const x = e.zeros([1, 2, 5, 5]);
      expect(() => maxPool2d(e.zeros([2, 5, 5]), { kernel: 2 })).toThrow(/maxPool2d: input must be \[N, C, H, W\].*\[2, 5, 5\]/);
      expect(() => avgPool2d(x, { kernel: 2, padding: 2 })).toThrow(/avgPool2d: padding \[2, 2\]/);
      expect(() => maxPool2d(x, { kernel: 7 })).toThrow(/maxPool2d: kernel \[7, 7\] is larger/);
      expect(() => maxPool2d(x, { kernel: 2, stride: 0 })).toThrow(/stride \[0, 0\]/);
      expect(() => adaptiveAvgPool2d(x, 0)).toThrow(/adaptiveAvgPool2d: output size \[0, 0\]/);
      expect(() => adaptiveMaxPool2d(x, [2, 1.5])).toThrow(/adaptiveMaxPool2d: output size must be integers/);
    });
  });
});
