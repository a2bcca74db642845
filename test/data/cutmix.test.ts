import { describe, expect, it } from 'vitest';
import { cutBox, cutmix, cutmixBatch } from '../../src/data/cutmix.js';
import type { Batch } from '../../src/data/loader.js';
import { Rng } from '../../src/random/rng.js';
import { uniform } from '../helpers/rng.js';

const shape = [3, 3, 7, 17] as const;
const images = Float32Array.from(uniform(3 * 3 * 7 * 17, 1, 0, 1));
const labels = Int32Array.from([0, 2, 4]);

describe('cutmix', () => {
  it('pastes the partner inside the box, keeps the rest, and sets λ to the kept area', () => {
    let mixedSome = false;
    for (let seed = 0; seed < 40; seed++) {
      const r = cutmix(images, shape, labels, 5, Rng.of(seed));
      if (!r.box) throw new Error('prob 1 must mix');
      const { x0, y0, x1, y1 } = r.box;
      expect(0 <= x0 && x0 <= x1 && x1 <= 17 && 0 <= y0 && y0 <= y1 && y1 <= 7).toBe(true);
      expect(r.lambda).toBeCloseTo(1 - ((x1 - x0) * (y1 - y0)) / (7 * 17), 12);
      const want = new Float32Array(images.length);
      for (let i = 0; i < 3; i++) {
        for (let k = 0; k < 3; k++) {
          for (let y = 0; y < 7; y++) {
            for (let x = 0; x < 17; x++) {
              const src = x >= x0 && x < x1 && y >= y0 && y < y1 ? r.perm[i] : i;
              want[((i * 3 + k) * 7 + y) * 17 + x] = images[((src * 3 + k) * 7 + y) * 17 + x];
            }
          }
        }
      }
      expect(r.images).toEqual(want);
      for (let i = 0; i < 3; i++) {
        const row = Array.from(r.targets.subarray(i * 5, i * 5 + 5));
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        if (r.perm[i] !== i) {
          expect(row[labels[i]]).toBeCloseTo(r.lambda, 6);
          expect(row[labels[r.perm[i]]]).toBeCloseTo(1 - r.lambda, 6);
        }
      }
      mixedSome ||= r.lambda < 1 && r.perm.some((p, i) => p !== i);
    }
    expect(mixedSome).toBe(true);
  });

  it('box sides follow √(1−λ) before clipping', () => {
    for (let seed = 0; seed < 50; seed++) {
      const rng = Rng.of(seed);
      const b = cutBox(0.5, 7, 17, rng);
      const again = Rng.of(seed);
      const cx = again.int(17);
      const cy = again.int(7);
      // trunc(17·√.5) = 12 → half 6; trunc(7·√.5) = 4 → half 2.
      expect([b.x0, b.x1, b.y0, b.y1])
        .toEqual([Math.max(0, cx - 6), Math.min(17, cx + 6), Math.max(0, cy - 2), Math.min(7, cy + 2)]);
    }
  });

  it('is reproducible per key and leaves batches unmixed with prob 0', () => {
    const a = cutmix(images, shape, labels, 5, Rng.of(3, 1, 2));
    const b = cutmix(images, shape, labels, 5, Rng.of(3, 1, 2));
    expect(a.images).toEqual(b.images);
    expect(a.targets).toEqual(b.targets);
    const none = cutmix(images, shape, labels, 5, Rng.of(3), { prob: 0 });
    expect(none.images).toEqual(images);
    expect(none.lambda).toBe(1);
    expect(Array.from(none.targets)).toEqual([1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    expect(() => cutmix(images, [3, 3, 7, 16], labels, 5, Rng.of(0))).toThrow(/cutmix/);
    expect(() => cutmix(images, shape, labels, 4, Rng.of(0))).toThrow(/label 4/);
  });

  it('a 3-view batch (AugMix) gets the same box and pairing in every view, and the clean view\'s targets', () => {
    const per = images.length;
    const views = Float32Array.from({ length: 3 * per }, (_, i) => images[i % per] + Math.floor(i / per));
    const batch: Batch = { images: views, shape: [9, 3, 7, 17], views: 3, labels, indices: Int32Array.from([0, 1, 2]), epoch: 0,
      start: 0, end: 3, lastInEpoch: false, skipped: [] };
    for (const seed of [1, 2, 3, 4]) {
      const out = cutmixBatch(5)(batch, Rng.of(seed));
      const single = cutmix(images, shape, labels, 5, Rng.of(seed));
      expect(out.targets).toEqual(single.targets);
      for (let v = 0; v < 3; v++) {
        // View v is view 0's mix plus the offset v that was added to every pixel of that view.
        const got = out.images.subarray(v * per, (v + 1) * per);
        got.forEach((x, i) => expect(x - v).toBeCloseTo(single.images[i], 5));
      }
    }
  });
});

