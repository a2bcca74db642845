// TF1 semantics the conv-RNN zoo depends on: 'SAME' padding (the odd pixel bottom/right), SAME max-pool whose
// pads never win, align_corners bilinear resizing (the harbor) and per-example layer norm over C, H, W.
import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { conv2dRef } from '../../src/ref/conv2d.js';
import { layerNorm, resizeAlignCorners, samePad, tfConv2d, tfMaxPool } from '../../src/convrnn/tf-ops.js';

const eng = useEngine();

/** TF1 resize_bilinear(align_corners=True) in f64 from its own formula: in = i·(in−1)/(out−1). */
function resizeRef(x: Float64Array, [n, c, h, w]: number[], oh: number, ow: number): Float64Array {
  const out = new Float64Array(n * c * oh * ow);
  const src = (i: number, size: number, o: number) => (o > 1 ? i * (size - 1) / (o - 1) : 0);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const y = src(i, h, oh); const xx = src(j, w, ow);
        const y0 = Math.floor(y); const x0 = Math.floor(xx);
        const y1 = Math.min(y0 + 1, h - 1); const x1 = Math.min(x0 + 1, w - 1);
        const dy = y - y0; const dx = xx - x0;
        const at = (a: number, b: number) => x[p * h * w + a * w + b];
        out[(p * oh + i) * ow + j] = (1 - dy) * ((1 - dx) * at(y0, x0) + dx * at(y0, x1)) + dy * ((1 - dx) * at(y1, x0) + dx * at(y1, x1));
      }
    }
  }
  return out;
}

describe('TF SAME padding', () => {
  it('matches the worked examples: 7×7/2 on 224 pads 2/3, 2×2/1 pads 0/1, 4×4/1 pads 1/2, pool 2×2/2 on 7 pads 0/1', () => {
    expect(samePad(224, 7, 2)).toEqual([2, 3]);
    expect(samePad(28, 2, 1)).toEqual([0, 1]);
    expect(samePad(7, 4, 1)).toEqual([1, 2]);
    expect(samePad(7, 2, 2)).toEqual([0, 1]);
    expect(samePad(8, 3, 2)).toEqual([0, 1]);
  });

  it.each([
    { x: [1, 2, 7, 6], k: 2, s: 1 }, { x: [2, 3, 9, 8], k: 4, s: 1 }, { x: [1, 2, 11, 10], k: 7, s: 2 }, { x: [1, 1, 8, 8], k: 3, s: 2 },
  ])('conv $k×$k stride $s on $x equals the reference with TF\'s asymmetric pads', ({ x, k, s }) => {
    const e = eng();
    const xs = f32(uniform(x.reduce((a, b) => a * b), 1));
    const wShape = [3, x[1], k, k];
    const ws = f32(uniform(wShape.reduce((a, b) => a * b), 2));
    const y = tfConv2d(e.tensor(xs, x), e.tensor(ws, wShape), null, { stride: s, padding: 'SAME' });
    const pad = [...samePad(x[2], k, s), ...samePad(x[3], k, s)] as [number, number, number, number];
    const ref = conv2dRef(xs, x, ws, wShape, null, { stride: [s, s], pad });
    expect(y.shape).toEqual([x[0], 3, Math.ceil(x[2] / s), Math.ceil(x[3] / s)]);
    expect(ref.shape).toEqual(y.shape);
    return y.read().then((v) => expectClose(v, ref.data, { atol: 1e-5, rtol: 1e-4 }));
  });

  it('SAME max-pool 2×2/2 takes 7×7 to 4×4 and the −inf pad never wins, even over negative values', async () => {
    const e = eng();
    const xs = Float32Array.from({ length: 49 }, (_, i) => -1 - i);
    const y = tfMaxPool(e.tensor(xs, [1, 1, 7, 7]), 2, 2, 'SAME');
    expect(y.shape).toEqual([1, 1, 4, 4]);
    const v = await y.read();
    // Bottom-right window holds only x[6][6] = −49.
    expect(v[15]).toBe(-49);
    expect(v[3]).toBe(-7);
  });
});

describe('harbor resize (align_corners=True)', () => {
  it.each([[[1, 2, 7, 7], 28, 28], [[2, 3, 4, 5], 7, 3], [[1, 1, 3, 3], 1, 2], [[1, 2, 14, 14], 56, 56]])('%j → %d×%d', async (shape, oh, ow) => {
    const e = eng();
    const xs = f32(uniform(shape.reduce((a, b) => a * b), 3));
    const y = resizeAlignCorners(e.tensor(xs, shape), oh, ow);
    expect(y.shape).toEqual([shape[0], shape[1], oh, ow]);
    expectClose(await y.read(), resizeRef(xs, shape, oh, ow), { atol: 1e-5, rtol: 1e-5 });
  });

  it('keeps corners exactly and passes a same-size input through untouched', async () => {
    const e = eng();
    const x = e.tensor(Float32Array.from([1, 2, 3, 4]), [1, 1, 2, 2]);
    expect(resizeAlignCorners(x, 2, 2)).toBe(x);
    const v = await resizeAlignCorners(x, 3, 3).read();
    expect([v[0], v[2], v[6], v[8], v[4]]).toEqual([1, 2, 3, 4, 2.5]);
  });
});

describe('layer norm over C, H, W per example', () => {
  it('normalises each example and applies per-channel γ, β', async () => {
    const e = eng();
    const shape = [2, 3, 2, 2];
    const xs = f32(uniform(24, 4));
    const g = [1, 2, 0.5];
    const b = [0, -1, 3];
    const y = await layerNorm(e.tensor(xs, shape), e.tensor(g, [3]), e.tensor(b, [3])).read();
    const ref = new Float64Array(24);
    for (let n = 0; n < 2; n++) {
      const seg = Array.from(xs.slice(n * 12, n * 12 + 12));
      const m = seg.reduce((a, c) => a + c, 0) / 12;
      const v = seg.reduce((a, c) => a + (c - m) ** 2, 0) / 12;
      seg.forEach((val, i) => { const c = Math.floor(i / 4); ref[n * 12 + i] = ((val - m) / Math.sqrt(v + 1e-12)) * g[c] + b[c]; });
    }
    expectClose(y, ref, { atol: 1e-5, rtol: 1e-4 });
  });
});
