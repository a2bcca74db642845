import { describe, expect, it } from 'vitest';
import type { Image } from '../../src/data/dataset.js';
import { Rng } from '../../src/random/rng.js';
import {
  affine, centerCrop, compose, crop, grayscale, hflip, normalizeImage, randomCrop, randomHflip, randomRotation, resize,
  rotate, tinyImageNetGrayEval, tinyImageNetGrayTrain,
} from '../../src/data/transforms.js';
import { expectClose } from '../helpers/close.js';
import { uniform } from '../helpers/rng.js';

function img(c: number, h: number, w: number, seed = 1): Image {
  return { data: Float32Array.from(uniform(c * h * w, seed, 0, 1)), shape: [c, h, w] };
}
const at = (x: Image, k: number, y: number, xx: number) => x.data[(k * x.shape[1] + y) * x.shape[2] + xx];

describe('transforms', () => {
  it('flips, crops and pads with the fill value', () => {
    const x = img(3, 7, 17);
    const f = hflip(x);
    expect(at(f, 2, 3, 0)).toBe(at(x, 2, 3, 16));
    expect(hflip(f).data).toEqual(x.data);
    const c = crop(x, -2, 15, 5, 4, 9);
    expect(c.shape).toEqual([3, 5, 4]);
    expect(at(c, 1, 0, 0)).toBe(9);
    expect(at(c, 1, 2, 0)).toBe(at(x, 1, 0, 15));
    expect(at(c, 1, 2, 1)).toBe(at(x, 1, 0, 16));
    expect(at(c, 1, 2, 2)).toBe(9);
    expect(centerCrop(3)(x, Rng.of(0)).data[0]).toBe(at(x, 0, 2, 7));
  });

  it('random crop and flip are reproducible per key and cover every offset', () => {
    const x = img(1, 5, 5);
    const t = compose(randomCrop(5, 2), randomHflip());
    expect(t(x, Rng.of(1, 2, 3)).data).toEqual(t(x, Rng.of(1, 2, 3)).data);
    const corners = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const out = randomCrop(5, 2)(x, Rng.of(4, 0, i));
      corners.add(out.data.findIndex((v) => v !== 0) + 100 * out.data.filter((v) => v === 0).length);
    }
    expect(corners.size).toBeGreaterThanOrEqual(20);
    expect(() => randomCrop(10, 2)(x, Rng.of(0))).toThrow(/randomCrop/);
  });

  it('rotates counter-clockwise: 90° is numpy rot90, 0° is identity, corners get the fill', () => {
    const x = img(2, 6, 6);
    const r = rotate(x, 90, 'nearest');
    for (let y = 0; y < 6; y++) for (let xx = 0; xx < 6; xx++) expect(at(r, 1, y, xx)).toBe(at(x, 1, xx, 5 - y));
    expectClose(rotate(x, 90, 'bilinear').data, r.data, { atol: 1e-6 }, 'bilinear at exact pixel centres');
    expectClose(rotate(x, 0, 'bilinear').data, x.data, { atol: 1e-6 }, 'rotate 0');
    expect(at(rotate(x, 45, 'nearest', -1), 0, 0, 0)).toBe(-1);
    const big = img(1, 17, 17);
    const a = randomRotation(15, 'bilinear')(big, Rng.of(7));
    expect(a.data).toEqual(randomRotation(15, 'bilinear')(big, Rng.of(7)).data);
    expect(a.data).not.toEqual(big.data);
  });

  it('applies affine maps as output→input (PIL convention)', () => {
    const x = img(1, 7, 17);
    const shifted = affine(x, [1, 0, 3, 0, 1, 0], 'nearest');
    expect(at(shifted, 0, 4, 2)).toBe(at(x, 0, 4, 5));
    expect(at(shifted, 0, 4, 14)).toBe(0);
    const sheared = affine(x, [1, 0.5, 0, 0, 1, 0], 'bilinear');
    // Row y samples at x + 0.5·(y + 0.5): row 1 is shifted by exactly 0.75 px, i.e. a 1:3 blend.
    expect(at(sheared, 0, 1, 2)).toBeCloseTo(0.25 * at(x, 0, 1, 2) + 0.75 * at(x, 0, 1, 3), 6);
  });

  it('resizes with PIL antialiasing: identity at 1×, box mean at exact 2× shrink, linear upscale', () => {
    const x = img(3, 7, 17);
    expectClose(resize(x, 7, 17).data, x.data, { atol: 1e-6 }, 'identity');
    const y = img(1, 4, 6);
    const half = resize(y, 2, 3);
    // Shrinking 2× widens the triangle to ±2 px, whose weights on the 4 taps are 1,3,3,1 (clipped at borders).
    const w1 = [1, 3, 3, 1];
    const want = (oy: number, ox: number) => {
      let s = 0;
      let n = 0;
      for (let dy = -1; dy <= 2; dy++) {
        for (let dx = -1; dx <= 2; dx++) {
          const yy = 2 * oy + dy;
          const xx = 2 * ox + dx;
          if (yy < 0 || yy >= 4 || xx < 0 || xx >= 6) continue;
          s += w1[dy + 1] * w1[dx + 1] * at(y, 0, yy, xx);
          n += w1[dy + 1] * w1[dx + 1];
        }
      }
      return s / n;
    };
    expectClose(half.data, [0, 1, 2, 0, 1, 2].map((ox, i) => want(i < 3 ? 0 : 1, ox)), { atol: 1e-6 }, 'downscale');
    const ramp: Image = { data: Float32Array.from([0, 1, 2, 3]), shape: [1, 1, 4] };
    expectClose(resize(ramp, 1, 8).data, [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3], { atol: 1e-6 }, 'upscale');
  });

  it('normalises per channel and converts to grayscale', () => {
    const x = img(3, 3, 7);
    const n = normalizeImage(x, [0.1, 0.2, 0.3], [2, 4, 0.5]);
    expect(at(n, 2, 1, 1)).toBeCloseTo((at(x, 2, 1, 1) - 0.3) / 0.5, 6);
    expect(() => normalizeImage(x, [0], [1])).toThrow(/normalize/);
    const g = grayscale(x);
    expect(g.shape).toEqual([1, 3, 7]);
    expect(at(g, 0, 2, 6)).toBeCloseTo(0.299 * at(x, 0, 2, 6) + 0.587 * at(x, 1, 2, 6) + 0.114 * at(x, 2, 2, 6), 6);
    expect(grayscale(x, 3).data.subarray(21, 42)).toEqual(g.data);
  });

  it('builds the Safarani Tiny ImageNet pipelines', () => {
    const x = img(3, 64, 64);
    const t = tinyImageNetGrayTrain()(x, Rng.of(2));
    expect(t.shape).toEqual([1, 64, 64]);
    const e = tinyImageNetGrayEval()(x, Rng.of(2));
    expect(e.data[0]).toBeCloseTo((grayscale(x).data[0] - 0.4519) / 0.2221, 5);
  });
});
