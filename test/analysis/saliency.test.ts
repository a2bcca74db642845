import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binarizeSaliency, normRatio, normalizedNormRatio, readSaliencyMap, saliencyMask } from '../../src/analysis/saliency.js';
import { DataError } from '../../src/data/dataset.js';
import { encodePng } from '../../src/data/image-io.js';
import { formatNpy } from '../../src/data/npy.js';
import { ShapeError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'saliency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('saliency binarisation at cumulative mass', () => {
  it('keeps the most salient pixels until 0.7 of the mass, the crossing pixel included', () => {
    expect(Array.from(binarizeSaliency([0.1, 0.4, 0.2, 0.3]))).toEqual([0, 1, 0, 1]);
    // 0.4 alone is < 0.7; 0.4 + 0.25 = 0.65 < 0.7; the third pixel crosses.
    expect(Array.from(binarizeSaliency([0.25, 0.4, 0.1, 0.25]))).toEqual([1, 1, 0, 1]);
    expect(Array.from(binarizeSaliency([0.5, 0.3, 0.2], 0.5))).toEqual([1, 0, 0]);
    expect(Array.from(binarizeSaliency([0.5, 0.3, 0.2], 0.51))).toEqual([1, 1, 0]);
  });

  it('does not depend on scale, takes ties together and never takes zero pixels', () => {
    const map = [3, 1, 0, 2, 4];
    expect(Array.from(binarizeSaliency(map.map((v) => 10 * v)))).toEqual(Array.from(binarizeSaliency(map)));
    expect(Array.from(binarizeSaliency([0.25, 0.25, 0.25, 0.25]))).toEqual([1, 1, 1, 1]);
    expect(Array.from(binarizeSaliency([0.5, 0, 0.5], 1))).toEqual([1, 0, 1]);
    // A uniform object mask (the synth-objects "saliency map") binarises to the whole object.
    const obj = Array.from({ length: 64 }, (_, i) => (i % 8 >= 2 && i % 8 < 5 && i >= 16 && i < 48 ? 1 : 0));
    expect(Array.from(binarizeSaliency(obj))).toEqual(obj);
  });

  it('rejects maps that are not densities and masses outside (0, 1]', () => {
    expect(() => binarizeSaliency([0.5, -0.1])).toThrow(DataError);
    expect(() => binarizeSaliency([0, 0, 0])).toThrow(/all zero/);
    expect(() => binarizeSaliency([1, 2], 0)).toThrow(ShapeError);
    expect(() => binarizeSaliency([1, 2], 1.5)).toThrow(ShapeError);
  });
});

describe('norm ratio and eq. (1)', () => {
  it('ρ is the share of squared norm inside the mask, over every channel', () => {
    const mask = [1, 0, 0, 1];
    // Channel 0: 1, 2, 2, 0 → inside 1; channel 1: 0, 0, 0, 3 → inside 9. Total 1 + 4 + 4 + 9 = 18.
    expect(normRatio([1, 2, 2, 0, 0, 0, 0, 3], mask)).toBeCloseTo(10 / 18, 14);
    expect(normRatio([1, -2, 2, 3], mask)).toBeCloseTo(10 / 18, 14);
    expect(() => normRatio([1, 2, 3], mask)).toThrow(ShapeError);
  });

  it('ρ̄ is 0 for the original, 1 when all power is salient, negative when less than in the original', () => {
    const mask = [1, 1, 0, 0];
    const original = [1, 1, 1, 1]; // ρ = 0.5
    expect(normalizedNormRatio(original, original, mask)).toBeCloseTo(0, 14);
    expect(normalizedNormRatio([2, 1, 0, 0], original, mask)).toBeCloseTo(1, 14);
    // ρ(I_r) = 1/(1 + 4) = 0.2 → (0.2 − 0.5)/(1 − 0.5) = −0.6
    expect(normalizedNormRatio([1, 0, 2, 0], original, mask)).toBeCloseTo(-0.6, 14);
    // ρ(I_o) = 1/4 → ρ(I_r) = 4/5: (0.8 − 0.25)/0.75
    expect(normalizedNormRatio([2, 0, 1, 0], [1, 0, 1, Math.sqrt(2)], [1, 0, 0, 0])).toBeCloseTo(0.55 / 0.75, 14);
    expect(normalizedNormRatio([1, 2, 3, 4], [1, 1, 0, 0], mask)).toBeNaN();
  });
});

describe('saliency maps from files, fitted to the model size', () => {
  // A 8×8 density map: a bright 4×4 block holding 80 % of the mass over a dim background.
  const h = 8;
  const w = 8;
  const map = Float64Array.from({ length: h * w }, (_, i) => {
    const r = Math.floor(i / w);
    const c = i % w;
    return r >= 2 && r < 6 && c >= 4 && c < 8 ? 0.8 / 16 : 0.2 / 48;
  });
  const block = (n: number, r0: number, r1: number, c0: number, c1: number) => Array.from({ length: n * n }, (_, i) => {
    const r = Math.floor(i / n);
    const c = i % n;
    return r >= r0 && r < r1 && c >= c0 && c < c1 ? 1 : 0;
  });

  it('binarises at the map resolution, then resizes and re-thresholds the mask', () => {
    expect(Array.from(saliencyMask({ data: map, h, w }, 8, 8))).toEqual(block(8, 2, 6, 4, 8));
    expect(Array.from(saliencyMask({ data: map, h, w }, 4, 4))).toEqual(block(4, 1, 3, 2, 4));
    expect(() => saliencyMask({ data: map, h: 4, w }, 4, 4)).toThrow(ShapeError);
  });

  it('reads NPY [H, W], [1, H, W] and gray PNG maps', () => {
    const npy = join(dir, 'map.npy');
    writeFileSync(npy, formatNpy({ dtype: 'f8', shape: [h, w], data: map }));
    const a = readSaliencyMap(npy);
    expect([a.h, a.w]).toEqual([h, w]);
    expect(Array.from(a.data)).toEqual(Array.from(map));
    const npy3 = join(dir, 'map3.npy');
    writeFileSync(npy3, formatNpy({ dtype: 'f4', shape: [1, h, w], data: Float32Array.from(map) }));
    expect(readSaliencyMap(npy3).h).toBe(h);
    const bad = join(dir, 'bad.npy');
    writeFileSync(bad, formatNpy({ dtype: 'f4', shape: [2, h, w], data: new Float32Array(2 * h * w) }));
    expect(() => readSaliencyMap(bad)).toThrow(DataError);
    const png = join(dir, 'map.png');
    writeFileSync(png, encodePng({ data: Float32Array.from(map, (v) => v * 10), shape: [1, h, w] }));
    const p = readSaliencyMap(png);
    expect(Array.from(binarizeSaliency(p.data))).toEqual(block(8, 2, 6, 4, 8));
  });
});
