import { describe, expect, it } from 'vitest';
import {
  applyOp, augmix, augmixViews, AUGMIX_ALL_OPS, autocontrast, equalize, posterize, solarize,
} from '../../src/data/augmix.js';
import type { Image } from '../../src/data/dataset.js';
import { Rng } from '../../src/random/rng.js';
import { normalizeImage } from '../../src/data/transforms.js';
import { uniform } from '../helpers/rng.js';

const img = (c: number, h: number, w: number, seed = 1): Image =>
  ({ data: Float32Array.from(uniform(c * h * w, seed, 0.1, 0.9)), shape: [c, h, w] });
const inUnit = (x: Image) => x.data.every((v) => v >= 0 && v <= 1);

describe('augmix', () => {
  it('every op keeps shape and [0, 1] range at the highest severity, deterministically', () => {
    for (const [c, h, w] of [[3, 7, 17], [1, 17, 7]] as const) {
      const x = img(c, h, w);
      for (const op of AUGMIX_ALL_OPS) {
        const y = applyOp(op, x, 10, Rng.of(5, c));
        expect(y.shape, op).toEqual([c, h, w]);
        expect(inUnit(y), op).toBe(true);
        expect(applyOp(op, x, 10, Rng.of(5, c)).data, op).toEqual(y.data);
      }
    }
  });

  it('quantising ops match PIL on 8-bit levels', () => {
    const levels: Image = { data: Float32Array.from({ length: 256 }, (_, i) => i / 255), shape: [1, 16, 16] };
    expect(Array.from(posterize(levels, 3).data, (v) => Math.round(v * 255))).toEqual(
      Array.from({ length: 256 }, (_, i) => i & 0xe0));
    expect(Array.from(solarize(levels, 200).data, (v) => Math.round(v * 255))).toEqual(
      Array.from({ length: 256 }, (_, i) => (i < 200 ? i : 255 - i)));
    // Three levels with counts 2, 1, 1: step = (4 − 1) // 255 = 0 → identity.
    const tiny: Image = { data: Float32Array.from([10, 10, 20, 30].map((v) => v / 255)), shape: [1, 2, 2] };
    expect(equalize(tiny).data).toEqual(tiny.data);
    // 510 pixels at level 0 and 510 at level 100: step = 2, lut[0] = 0, lut[100] = (1 + 510) // 2 = 255.
    const two: Image = {
      data: Float32Array.from({ length: 1020 }, (_, i) => (i < 510 ? 0 : 100 / 255)), shape: [1, 30, 34],
    };
    const eq = equalize(two).data;
    expect([eq[0], eq[1019]]).toEqual([0, 1]);
    const ac = autocontrast(img(3, 7, 17));
    for (let k = 0; k < 3; k++) {
      const ch = ac.data.subarray(k * 119, (k + 1) * 119);
      expect([Math.min(...ch), Math.max(...ch)]).toEqual([0, 1]);
    }
  });

  it('views: clean + two distinct augmented views in range, reproducible per key', () => {
    const x = img(3, 7, 17);
    const views = augmixViews({ severity: 3 });
    const [clean, a1, a2] = views(x, Rng.of(1, 2, 3));
    expect(clean.data).toEqual(x.data);
    expect(a1.shape).toEqual([3, 7, 17]);
    expect(inUnit(a1) && inUnit(a2)).toBe(true);
    expect(a1.data).not.toEqual(a2.data);
    expect(a1.data).not.toEqual(x.data);
    const again = views(x, Rng.of(1, 2, 3));
    expect(again[1].data).toEqual(a1.data);
    expect(again[2].data).toEqual(a2.data);
    expect(views(x, Rng.of(1, 2, 4))[1].data).not.toEqual(a1.data);
  });

  it('mixes in preprocessed space with convex weights', () => {
    const x = img(3, 7, 17);
    const pre = (i: Image) => normalizeImage(i, [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]);
    const y = augmix(x, Rng.of(8), { preprocess: pre, allOps: true, width: 2, depth: 2 });
    // Every chain image lies in [0, 1] before preprocessing, so the convex mix lies in [−2, 2] after it.
    expect(y.data.every((v) => v >= -2 - 1e-6 && v <= 2 + 1e-6)).toBe(true);
    const flat = (i: Image): Image => ({ data: i.data.map(() => 0.25), shape: i.shape });
    const constant = augmix(x, Rng.of(8), { width: 1, depth: 1, preprocess: flat });
    expect(constant.data.every((v) => Math.abs(v - 0.25) < 1e-6)).toBe(true);
  });
});
