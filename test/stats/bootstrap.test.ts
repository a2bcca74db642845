import { describe, expect, it } from 'vitest';
import { normal } from '../helpers/rng.js';
import { bootstrapCI, bootstrapGroups, permutation, quantileSorted } from '../../src/stats/bootstrap.js';
import { ShapeError } from '../../src/errors.js';

describe('percentile bootstrap', () => {
  it('interpolates quantiles like numpy and permutes deterministically', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 14);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    const p = permutation(17, [1, 2]);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(permutation(17, [1, 2])).toEqual(p);
    expect(permutation(17, [1, 3])).not.toEqual(p);
  });

  it('is reproducible from its seed and brackets the estimate', () => {
    const x = Array.from(normal(12, 5, 2), (v) => v + 10);
    const a = bootstrapCI(x, { resamples: 2000, seed: 4 });
    expect(bootstrapCI(x, { resamples: 2000, seed: 4 })).toEqual(a);
    expect(bootstrapCI(x, { resamples: 2000, seed: 5 }).lo).not.toBe(a.lo);
    expect(a.estimate).toBeCloseTo(x.reduce((s, v) => s + v) / x.length, 12);
    expect(a.lo).toBeLessThan(a.estimate);
    expect(a.hi).toBeGreaterThan(a.estimate);
    const constant = bootstrapCI([2, 2, 2], { resamples: 50 });
    expect([constant.lo, constant.hi]).toEqual([2, 2]);
  });

  it('a 95% interval for a mean over 20 seeds covers the truth about 95% of the time', () => {
    const truth = 0.5, trials = 150;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const seeds = Array.from(normal(20, 100 + t), (v) => truth + v);
      const ci = bootstrapCI(seeds, { resamples: 1000, seed: t });
      if (ci.lo <= truth && truth <= ci.hi) covered++;
    }
    // Percentile intervals undercover slightly at n = 20 (≈ 0.93); ±3 binomial SDs around that.
    expect(covered / trials).toBeGreaterThan(0.86);
    expect(covered / trials).toBeLessThan(0.99);
  });

  it('two groups are resampled independently (difference of means)', () => {
    const a = Array.from(normal(15, 7), (v) => v + 3), b = Array.from(normal(15, 8), (v) => v + 1);
    const mean = (x: number[]): number => x.reduce((s, v) => s + v) / x.length;
    const ci = bootstrapGroups([a, b], ([x, y]) => mean(x) - mean(y), { resamples: 3000, seed: 1 });
    expect(ci.lo).toBeLessThan(2);
    expect(ci.hi).toBeGreaterThan(2);
    expect(ci.lo).toBeGreaterThan(0);
  });

  it('rejects empty groups, bad levels and NaN statistics', () => {
    expect(() => bootstrapCI([])).toThrow(ShapeError);
    expect(() => bootstrapCI([1, 2], { level: 1 })).toThrow(/level 1/);
    expect(() => bootstrapCI([1, 2], { statistic: () => NaN, resamples: 5 })).toThrow(/NaN/);
  });
});
