import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads, numericGrad } from '../helpers/gradcheck.js';
import { dropout, randomNormal, randomUniform } from '../../src/ops/random.js';
import { randNormal, randUniform } from '../../src/random/pcg.js';
import { ShapeError } from '../../src/errors.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const eng = useEngine();
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

async function take(t: Tensor): Promise<Float32Array> {
  const v = (await t.read()) as Float32Array;
  t.dispose();
  return v;
}

function moments(v: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, variance: q / v.length };
}

/** CPU dropout with the mask the GPU draws: keep element i when U(key, i) ≥ p (p as the f32 the kernel sees). */
function dropoutRef(x: ArrayLike<number>, p: number, key: readonly [number, number]): Float64Array {
  const pf = Math.fround(p);
  const scale = p === 1 ? 0 : 1 / (1 - p);
  return Float64Array.from(x, (v, i) => (randUniform(key, i) >= pf ? v * scale : 0));
}

describe('randomUniform / randomNormal', () => {
  const shapes = [[1], [3], [7, 17], [2, 3, 65]];
  const keys: [number, number][] = [[0, 0], [12345, 678], [0xffffffff, 0x9e3779b9]];

  it('uniform in [0, 1) equals the CPU mirror bit for bit', async () => {
    const e = eng();
    for (const shape of shapes) {
      for (const key of keys) {
        const got = await take(randomUniform(e, shape, key));
        const want = Float32Array.from({ length: numel(shape) }, (_, i) => randUniform(key, i));
        expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `${JSON.stringify(shape)} key ${key}`).toBe(true);
      }
    }
  });

  it('uniform in [lo, hi) and normal with mean/std match the CPU mirror', async () => {
    const e = eng();
    for (const shape of shapes) {
      const key: [number, number] = [7, numel(shape)];
      const n = numel(shape);
      const u = await take(randomUniform(e, shape, key, -3, 5));
      expectClose(u, Array.from({ length: n }, (_, i) => -3 + 8 * randUniform(key, i)), { atol: 1e-6, rtol: 1e-6 }, 'uniform');
      const z = await take(randomNormal(e, shape, key));
      expectClose(z, Array.from({ length: n }, (_, i) => randNormal(key, i)), { atol: 1e-5, rtol: 1e-5 }, 'normal');
      const g = await take(randomNormal(e, shape, key, 3, 0.5));
      expectClose(g, Array.from({ length: n }, (_, i) => 3 + 0.5 * randNormal(key, i)), { atol: 1e-5, rtol: 1e-5 }, 'normal(3, 0.5)');
    }
  });

  it('has the right moments, and different keys give uncorrelated streams', async () => {
    const e = eng();
    const n = 1 << 16;
    const u = await take(randomUniform(e, [n], [1, 2]));
    const mu = moments(u);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(mu.mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(mu.variance - 1 / 12)).toBeLessThan(0.002);
    const z = await take(randomNormal(e, [n], [1, 2], -1, 2));
    const mz = moments(z);
    expect(Math.abs(mz.mean + 1)).toBeLessThan(0.03);
    expect(Math.abs(mz.variance - 4)).toBeLessThan(0.1);
    const z2 = await take(randomNormal(e, [n], [1, 3]));
    let c = 0;
    for (let i = 0; i < n; i++) c += (z[i] + 1) / 2 * z2[i];
    expect(Math.abs(c / n)).toBeLessThan(0.02);
  });

  it('rejects empty ranges', () => {
    const e = eng();
    expect(() => randomUniform(e, [3], [0, 0], 1, 0)).toThrow(ShapeError);
    expect(() => randomNormal(e, [3], [0, 0], 0, -1)).toThrow(/randomNormal: std/);
  });
});

describe('dropout', () => {
  const cases: [number[], number][] = [[[1], 0.5], [[3, 7], 0.3], [[2, 17, 5], 0.5], [[65, 3], 0.9], [[4, 4], 0]];

  cases.forEach(([shape, p], k) => {
    it(`${JSON.stringify(shape)} p=${p}: forward and backward match the reference mask`, async () => {
      const key: [number, number] = [42, k];
      const x = f32(uniform(numel(shape), 300 + k));
      const dy = f32(uniform(x.length, 400 + k));
      const want = dropoutRef(x, p, key);
      const [num] = numericGrad(([xx]) => dropoutRef(xx, p, key), [x.slice()], dy);
      const refDx = dropoutRef(dy, p, key);
      expectClose(refDx, num, { atol: 1e-6, rtol: 1e-6 }, 'ref dx vs numeric');
      const got = await gpuGrads(eng(), ([xt]) => dropout(xt, p, key), [{ data: x, shape }], dy);
      expectClose(got.out, want, { atol: 1e-6, rtol: 1e-6 }, 'y');
      expectClose(got.grads[0]!, refDx, { atol: 1e-6, rtol: 1e-6 }, 'dx');
    });
  });

  it('drops about a fraction p and keeps the mean', async () => {
    const e = eng();
    const n = 1 << 15;
    const y = await take(e.scope(() => dropout(e.ones([n]), 0.25, [9, 9])));
    const zeros = y.filter((v) => v === 0).length;
    expect(Math.abs(zeros / n - 0.25)).toBeLessThan(0.01);
    expect(new Set(y.filter((v) => v !== 0))).toEqual(new Set([Math.fround(1 / 0.75)]));
    expect(Math.abs(moments(y).mean - 1)).toBeLessThan(0.02);
  });

  it('p = 1 gives zeros and zero gradients', async () => {
    const x = [1, -2, 3, Infinity, 5];
    const got = await gpuGrads(eng(), ([xt]) => dropout(xt, 1, [1, 1]), [{ data: x, shape: [5] }], [1, 1, 1, 1, 1]);
    expectClose(got.out, [0, 0, 0, 0, 0], { atol: 0, rtol: 0 }, 'y');
    expectClose(got.grads[0]!, [0, 0, 0, 0, 0], { atol: 0, rtol: 0 }, 'dx');
  });

  it('eval mode passes values and gradients through, as a separate handle', async () => {
    const e = eng();
    const x = f32(uniform(12, 5));
    const dy = f32(uniform(12, 6));
    const got = await gpuGrads(e, ([xt]) => dropout(xt, 0.5, [3, 4], false), [{ data: x, shape: [3, 4] }], dy);
    expectClose(got.out, x, { atol: 0, rtol: 0 }, 'y');
    expectClose(got.grads[0]!, dy, { atol: 0, rtol: 0 }, 'dx');
    const xt = e.tensor(Float32Array.from(x), [3, 4]);
    dropout(xt, 0.5, [3, 4], false).dispose();
    expectClose(await xt.read(), x, { atol: 0, rtol: 0 }, 'x after disposing the result');
    xt.dispose();
  });

  it('rejects p outside [0, 1]', () => {
    const e = eng();
    e.scope(() => {
      expect(() => dropout(e.ones([2]), 1.5, [0, 0])).toThrow(/dropout: p must be in \[0, 1\], got 1.5/);
      expect(() => dropout(e.ones([2]), Number.NaN, [0, 0])).toThrow(ShapeError);
    });
  });
});
