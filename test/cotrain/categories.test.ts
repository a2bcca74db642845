/**
 * Fig. 3A: robustness per corruption category. Category scores by hand, the count-weighted combination equals the
 * overall score of the report, and the report prints the category table.
 */
import { describe, expect, it } from 'vitest';
import { categoryScores, combineCategories } from '../../src/cotrain/categories.js';
import { summarize } from '../../src/cotrain/report.js';
import type { ProtocolResults, RunSeedResult } from '../../src/cotrain/results.js';

function seed(id: number, f: Record<string, number>): RunSeedResult {
  return { seed: id, clean: 0.6, acc: Object.fromEntries(Object.entries(f).map(([c, v]) => [c, [v, v * 0.9]])) };
}

// Noise ×2, blur ×1, weather ×2, digital ×1: unequal counts, so a plain mean of category scores would differ.
const BASE = { gaussian_noise: 0.4, shot_noise: 0.5, motion_blur: 0.3, fog: 0.2, snow: 0.25, contrast: 0.5 };
const RUN = { gaussian_noise: 0.5, shot_noise: 0.55, motion_blur: 0.45, fog: 0.1, snow: 0.3, contrast: 0.6 };

describe('per-category robustness (Fig. 3A)', () => {
  it('averages the ratios within each category and combines back to the overall score', () => {
    const results: ProtocolResults = { baseline: 'Baseline', runs: { Baseline: [seed(0, BASE), seed(1, BASE)], MTL: [seed(0, RUN), seed(1, RUN)] }, meta: {} };
    const s = summarize(results, { resamples: 200 });
    const mtl = s.rows[1];
    const r = (c: keyof typeof BASE) => RUN[c] / BASE[c];
    expect(mtl.perCategory.noise!.score).toBeCloseTo((r('gaussian_noise') + r('shot_noise')) / 2, 12);
    expect(mtl.perCategory.blur!.score).toBeCloseTo(r('motion_blur'), 12);
    expect(mtl.perCategory.weather!.corruptions).toEqual(['fog', 'snow']);
    expect(mtl.perCategory.digital!.score).toBeCloseTo(r('contrast'), 12);
    expect(combineCategories(mtl.perCategory)).toBeCloseTo(mtl.robustness.estimate, 12);
    expect(combineCategories(s.rows[0].perCategory)).toBeCloseTo(1, 12);
    const plain = Object.values(mtl.perCategory).reduce((a, c) => a + c.score, 0) / 4;
    expect(Math.abs(plain - mtl.robustness.estimate)).toBeGreaterThan(1e-3);
  });

  it('refuses a scored corruption outside every category', () => {
    expect(() => categoryScores({ warp: 1 }, ['warp'])).toThrow(/warp belong to no category/);
  });
});
