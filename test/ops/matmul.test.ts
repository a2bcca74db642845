import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, normal, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads, numericGrad } from '../helpers/gradcheck.js';
import { linear, matmul } from '../../src/ops/matmul.js';
import { matmulBackwardRef, matmulRef } from '../../src/ref/matmul.js';
import { ShapeError } from '../../src/errors.js';

const eng = useEngine();
const TOL = { atol: 1e-5, rtol: 1e-4 };
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

interface Case { a: number[]; b: number[]; transA?: boolean; transB?: boolean }

/** Operand shapes for op(A) [m, k] and op(B) [k, n] under the flags, with optional batch dims. */
function shapes(m: number, k: number, n: number, transA: boolean, transB: boolean, ba: number[] = [], bb: number[] = []): Case {
  return { a: [...ba, ...(transA ? [k, m] : [m, k])], b: [...bb, ...(transB ? [n, k] : [k, n])], transA, transB };
}

async function check(c: Case, seed: number, grads: boolean): Promise<void> {
  const e = eng();
  const opts = { transA: c.transA, transB: c.transB };
  const a = f32(uniform(numel(c.a), seed));
  const b = f32(uniform(numel(c.b), seed + 1));
  const ref = matmulRef(a, c.a, b, c.b, opts);
  const dy = f32(normal(ref.data.length, seed + 2));
  const what = `matmul ${JSON.stringify(c)}`;
  const { out, grads: g } = await gpuGrads(e, ([ta, tb]) => matmul(ta, tb, opts), [
    { data: a, shape: c.a, grad: grads }, { data: b, shape: c.b, grad: grads }], dy);
  expectClose(out, ref.data, TOL, `${what} forward`);
  if (!grads) return;
  const rb = matmulBackwardRef(a, c.a, b, c.b, dy, opts);
  expectClose(g[0]!, rb.da, TOL, `${what} dA`);
  expectClose(g[1]!, rb.db, TOL, `${what} dB`);
}

const FLAGS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

describe('matmul forward', () => {
  // [m, k, n]: all of {1, 3, 7, 17, 65} appear on every axis; the multiples of 4 take the vec4 kernels.
  const SIZES: [number, number, number][] = [
    [1, 1, 1], [3, 7, 17], [17, 65, 3], [65, 17, 7], [7, 1, 65], [65, 3, 1],
    [12, 16, 20], [20, 8, 28], [68, 12, 4], [4, 20, 68], [12, 7, 20], [16, 4, 9],
  ];
  for (const [ta, tb] of FLAGS) {
    it(`matches the reference with transA=${ta}, transB=${tb}`, async () => {
      for (const [i, [m, k, n]] of SIZES.entries()) await check(shapes(m, k, n, ta, tb), 10 * i, false);
    });
  }

  it('broadcasts batch dims', async () => {
    const cases: Case[] = [
      shapes(3, 7, 5, false, false, [2, 3], [3]),
      shapes(8, 12, 16, false, false, [1, 4], [2, 1]),
      shapes(17, 8, 12, true, false, [], [3]),
      shapes(4, 8, 12, false, true, [2], []),
      shapes(12, 8, 4, true, true, [2, 1, 3], [1, 2, 1]),
    ];
    for (const [i, c] of cases.entries()) await check(c, 100 + i, false);
  });

  it('runs more than 65,535 batches (several dispatches)', async () => {
    const e = eng();
    const nb = 65537;
    const a = f32(uniform(nb * 2, 3));
    const b = f32(uniform(nb * 2, 4));
    const y = await matmul(e.tensor(a, [nb, 1, 2]), e.tensor(b, [nb, 2, 1])).read();
    expectClose(y, matmulRef(a, [nb, 1, 2], b, [nb, 2, 1]).data, TOL, 'batched 1×2·2×1');
  });

  it('gives zeros for an empty inner dim and an empty output for an empty outer dim', async () => {
    const e = eng();
    expect(Array.from(await matmul(e.zeros([3, 0]), e.zeros([0, 2])).read())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(matmul(e.zeros([0, 4]), e.zeros([4, 2])).shape).toEqual([0, 2]);
  });

  it('rejects mismatched shapes with a ShapeError naming the op', () => {
    const e = eng();
    expect(() => matmul(e.zeros([2, 3]), e.zeros([4, 2]))).toThrow(ShapeError);
    expect(() => matmul(e.zeros([2, 3]), e.zeros([3, 2]), { transA: true })).toThrow(/matmul/);
    expect(() => matmul(e.zeros([3]), e.zeros([3, 2]))).toThrow(ShapeError);
    expect(() => matmul(e.zeros([2, 2, 3]), e.zeros([3, 3, 2]))).toThrow(/broadcast/);
  });
});

describe('matmul backward', () => {
  it('reference gradients match finite differences', () => {
    for (const [ta, tb] of FLAGS) {
      const c = shapes(3, 4, 2, ta, tb, [2], [1]);
      const a = uniform(numel(c.a), 7);
      const b = uniform(numel(c.b), 8);
      const opts = { transA: ta, transB: tb };
      const ref = matmulRef(a, c.a, b, c.b, opts);
      const dy = normal(ref.data.length, 9);
      const num = numericGrad(([x, y]) => matmulRef(x, c.a, y, c.b, opts).data, [a, b], dy);
      const rb = matmulBackwardRef(a, c.a, b, c.b, dy, opts);
      expectClose(rb.da, num[0], TOL, `dA ref vs numeric ${ta} ${tb}`);
      expectClose(rb.db, num[1], TOL, `dB ref vs numeric ${ta} ${tb}`);
    }
  });

  it('GPU gradients match the reference (all layouts, odd and vec4 shapes, broadcast batches)', async () => {
    let seed = 200;
    for (const [ta, tb] of FLAGS) {
      await check(shapes(7, 17, 3, ta, tb), seed++, true);
      await check(shapes(12, 8, 20, ta, tb), seed++, true);
      await check(shapes(5, 9, 4, ta, tb, [3], [2, 1]), seed++, true);
      await check(shapes(8, 4, 12, ta, tb, [2, 2], []), seed++, true);
    }
  });
});

describe('linear', () => {
  it('computes x·wᵀ + b with gradients for x, w and b', async () => {
    const e = eng();
    for (const [n, inF, outF, bias] of [[5, 7, 3, true], [16, 12, 20, true], [3, 8, 17, false]] as const) {
      const x = f32(uniform(n * inF, n));
      const w = f32(uniform(outF * inF, inF));
      const b = f32(uniform(outF, outF));
      const lin = matmulRef(x, [n, inF], w, [outF, inF], { transB: true });
      const expected = lin.data.map((v, i) => v + (bias ? b[i % outF] : 0));
      const dy = f32(normal(n * outF, 5));
      const inputs = [{ data: x, shape: [n, inF] }, { data: w, shape: [outF, inF] }, ...(bias ? [{ data: b, shape: [outF] }] : [])];
      const { out, grads } = await gpuGrads(e, ([tx, tw, tb]) => linear(tx, tw, tb ?? null), inputs, dy);
      expectClose(out, expected, TOL, 'linear forward');
      const rb = matmulBackwardRef(x, [n, inF], w, [outF, inF], dy, { transB: true });
      expectClose(grads[0]!, rb.da, TOL, 'linear dx');
      expectClose(grads[1]!, rb.db, TOL, 'linear dw');
      if (bias) expectClose(grads[2]!, Array.from({ length: outF }, (_, o) => dy.filter((_, i) => i % outF === o).reduce((s, v) => s + v, 0)), TOL, 'linear db');
    }
  });

  it('takes 1-D and 3-D inputs and rejects a mismatched weight', async () => {
    const e = eng();
    const y = linear(e.tensor([1, 2], [2]), e.tensor([1, 0, 0, 1, 1, 1], [3, 2]), e.tensor([0.5, 0, 0], [3]));
    expect(y.shape).toEqual([3]);
    expectClose(await y.read(), [1.5, 2, 3], TOL, 'linear 1-D');
    const x = f32(uniform(2 * 3 * 5, 1));
    const w = f32(uniform(4 * 5, 2));
    const dy = f32(normal(2 * 3 * 4, 3));
    const { out, grads } = await gpuGrads(e, ([tx, tw]) => linear(tx, tw, null), [{ data: x, shape: [2, 3, 5] }, { data: w, shape: [4, 5] }], dy);
    expectClose(out, matmulRef(x, [6, 5], w, [4, 5], { transB: true }).data, TOL, 'linear 3-D');
    const rb = matmulBackwardRef(x, [6, 5], w, [4, 5], dy, { transB: true });
    expectClose(grads[0]!, rb.da, TOL, 'linear 3-D dx');
    expectClose(grads[1]!, rb.db, TOL, 'linear 3-D dw');
    expect(() => linear(e.zeros([2, 3]), e.zeros([4, 2]), null)).toThrow(ShapeError);
  });
});
