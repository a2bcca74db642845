import { describe, expect, it } from 'vitest';
import { ceiledScore, median, spearmanBrown, splitHalfCeiling } from '../../src/stats/ceiling.js';
import { pearson } from '../../src/stats/correlation.js';
import { repeated } from '../../src/stats/repeats.js';

/** [R, N, K] from per-neuron lists of repeats. */
function stack(neurons: number[][][]): Float64Array {
  const K = neurons.length, R = neurons[0].length, N = neurons[0][0].length;
  const out = new Float64Array(R * N * K);
  neurons.forEach((reps, k) => reps.forEach((row, r) => row.forEach((v, i) => { out[(r * N + i) * K + k] = v; })));
  return out;
}

describe('Brain-Score split-half ceiling', () => {
  it('with two repeats every split is rep 1 vs rep 2: hand-computed values', () => {
    // r = 11/√130 (see correlation.test.ts), 1, and 4/5 (Σdxdy = 4, Σdx² = Σdy² = 5).
    const data = stack([
      [[1, 2, 3, 4], [2, 4, 5, 9]],
      [[1, 2, 3, 4], [3, 5, 7, 9]],
      [[1, 2, 3, 4], [1, 3, 2, 4]],
    ]);
    const c = splitHalfCeiling(repeated(data, [2, 4, 3]));
    const expected = [spearmanBrown(11 / Math.sqrt(130)), 1, spearmanBrown(0.8)];
    expect(spearmanBrown(0.8)).toBeCloseTo(1.6 / 1.8, 14);
    for (let k = 0; k < 3; k++) expect(c.perNeuron[k]).toBeCloseTo(expected[k], 12);
    expect(c.perSplit).toHaveLength(10);
    expect(c.ceiling).toBeCloseTo(spearmanBrown(11 / Math.sqrt(130)), 12);
  });

  it('neurons with NaN-masked repeats keep one recorded repeat in each half', () => {
    const r0 = [1, 4, 2, 8, 5, 7], r1 = [2, 3, 3, 9, 4, 8];
    const full = [[1, 4, 2, 8, 5, 7], [2, 5, 2, 7, 6, 7], [1, 3, 3, 9, 5, 6], [2, 4, 1, 8, 4, 8]];
    const data = stack([full, [r0, r1, r0.map(() => NaN), r0.map(() => NaN)]]);
    const c = splitHalfCeiling(repeated(data, [4, 6, 2]), { splits: 7, seed: 3 });
    expect(c.perNeuron[1]).toBeCloseTo(spearmanBrown(pearson(r0, r1)), 12);
    expect(c.perNeuron[0]).toBeGreaterThan(0.8);
    // Same seed, same splits; the 4-repeat neuron's halves differ between splits.
    expect(splitHalfCeiling(repeated(data, [4, 6, 2]), { splits: 7, seed: 3 }).perSplit).toEqual(c.perSplit);
    expect(new Set(c.perSplit.map((v) => v.toFixed(12))).size).toBeGreaterThan(1);
  });

  it('ceiled scores in the three Brain-Score forms, and nanmedian', () => {
    expect(ceiledScore(0.4, 0.8)).toBeCloseTo(0.25, 14);
    expect(ceiledScore(0.4, 0.8, 'r2-over-ceiling')).toBeCloseTo(0.2, 14);
    expect(ceiledScore(0.4, 0.8, 'ratio')).toBeCloseTo(0.5, 14);
    expect(median([3, NaN, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN])).toBeNaN();
  });
});
