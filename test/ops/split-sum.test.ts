// Deferred split-K sums of conv weight gradients (src/ops/split-sum.ts): the batched sums equal sum(part, 0) bit for
// bit; a chain of convs whose weights split gets its weight gradients from ⌈convs / 8⌉ dispatches; a weight used twice
// (its two gradients added by the autograd) and an input-gradient consumer read only finished sums.
import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, normal, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { conv2d } from '../../src/ops/conv2d.js';
import { sum } from '../../src/ops/reduce.js';
import { deferSplitSum, flushSplitSums, isDeferred } from '../../src/ops/split-sum.js';
import { conv2dBackwardRef, conv2dRef } from '../../src/ref/conv2d.js';

const eng = useEngine();
const EXACT = { atol: 0, rtol: 0 };

describe('split sums', () => {
  it('equal sum(part, 0) bit for bit, for 11 queued tensors of awkward sizes (two dispatches)', async () => {
    const e = eng();
    const cases = Array.from({ length: 11 }, (_, k) => ({ splits: 1 + (k % 5), shape: [3 + k, 2, 1 + (k % 3)] }));
    const parts = cases.map((c, k) => e.tensor(Float32Array.from(f32(normal(c.splits * c.shape.reduce((a, b) => a * b, 1), k))),
      [c.splits, ...c.shape]).keep());
    const want = await Promise.all(parts.map(async (p) => { const s = sum(p, 0); const v = await s.read(); s.dispose(); return v; }));
    const before = e.stats().dispatches;
    const outs = parts.map((p, k) => deferSplitSum(p, cases[k].shape).keep());
    expect(outs.every(isDeferred)).toBe(true);
    flushSplitSums(e);
    expect(e.stats().dispatches - before).toBe(e.limits.maxStorageBuffersPerShaderStage >= 16 ? 2 : 3);
    expect(outs.some(isDeferred)).toBe(false);
    for (let k = 0; k < outs.length; k++) expectClose(await outs[k].read(), want[k], EXACT, `tensor ${k}`);
    for (const t of outs) t.dispose();
  });

  it('conv weight gradients: reference values, a shared weight, and fewer dispatches than one sum per conv', async () => {
    const e = eng();
    // Small weights over many output rows: every conv's weight gradient splits.
    const x = e.tensor(Float32Array.from(f32(uniform(2 * 3 * 16 * 16, 1))), [2, 3, 16, 16]).keep();
    const ws = [0, 1, 2].map((k) => e.parameter(Float32Array.from(f32(uniform(3 * 3 * 9, 10 + k, -0.3, 0.3))), [3, 3, 3, 3], `w${k}`));
    const dyData = f32(normal(2 * 3 * 16 * 16, 7));
    const before = e.stats().dispatches;
    e.scope(() => {
      // w1 is used twice: its two split gradients are summed before the autograd adds them.
      const h = conv2d(conv2d(conv2d(x, ws[0], null, { padding: 1 }), ws[1], null, { padding: 1 }), ws[1], null, { padding: 1 });
      const y = conv2d(h, ws[2], null, { padding: 1 });
      e.backward(y, { grad: e.tensor(Float32Array.from(dyData), y.shape) });
    });
    const dispatches = e.stats().dispatches - before;
    // 4 forward, 3 input gradients (x takes none), 4 weight gradients, 1 add for w1, and the sums: flushed once before
    // the add and once at the end (4 sums in 2 dispatches instead of 4).
    expect(dispatches).toBe(4 + 3 + 4 + 1 + 2);
    // The reference: chain the f64 conv backward by hand.
    const w = await Promise.all(ws.map(async (t) => Float64Array.from(await t.read())));
    const opts = { pad: [1, 1, 1, 1] as [number, number, number, number] };
    const xs: Float64Array[] = [Float64Array.from(await x.read())];
    const wSeq = [w[0], w[1], w[1], w[2]];
    for (const wk of wSeq) xs.push(conv2dRef(xs.at(-1)!, [2, 3, 16, 16], wk, [3, 3, 3, 3], null, opts).data);
    const dw: Float64Array[] = wSeq.map(() => new Float64Array(81));
    let dy: ArrayLike<number> = dyData;
    for (let k = 3; k >= 0; k--) {
      const g = conv2dBackwardRef(xs[k], [2, 3, 16, 16], wSeq[k], [3, 3, 3, 3], dy, opts);
      dw[k] = g.dw;
      dy = g.dx;
    }
    const tol = { atol: 1e-3, rtol: 1e-3 };
    expectClose(await ws[0].grad!.read(), dw[0], tol, 'dw0');
    expectClose(await ws[1].grad!.read(), dw[1].map((v, i) => v + dw[2][i]), tol, 'dw1 (two uses)');
    expectClose(await ws[2].grad!.read(), dw[3], tol, 'dw2');
    for (const t of [x, ...ws]) t.dispose();
  });
});
