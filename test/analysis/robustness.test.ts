import { describe, expect, it } from 'vitest';
import { CORRUPTION_CATEGORIES, TIN_TC_CORRUPTIONS } from '../../src/corrupt/catalogue.js';
import { robustnessScore, robustnessScoreCI, type CorruptionAccuracies } from '../../src/analysis/robustness.js';
import { ShapeError } from '../../src/errors.js';

// [level][seed]
const MODEL: CorruptionAccuracies = { fog: [[0.5, 0.7], [0.3, 0.5]], gaussian_noise: [[0.2, 0.2], [0.2, 0.2]] };
const BASE: CorruptionAccuracies = { fog: [[0.4, 0.4], [0.2, 0.2]], gaussian_noise: [[0.4, 0.4], [0.4, 0.4]] };

describe('robustness score (1/C)·Σ_c Ā_c(model)/Ā_c(Baseline)', () => {
  it('matches a hand computation', () => {
    // fog: 0.5 / 0.3; gaussian_noise: 0.2 / 0.4 ⇒ (5/3 + 1/2) / 2 = 13/12.
    const s = robustnessScore(MODEL, BASE);
    expect(s.perCorruption.fog).toBeCloseTo(5 / 3, 14);
    expect(s.perCorruption.gaussian_noise).toBeCloseTo(0.5, 14);
    expect(s.score).toBeCloseTo(13 / 12, 14);
    expect(robustnessScore(MODEL, BASE, ['fog']).score).toBeCloseTo(5 / 3, 14);
    expect(robustnessScore(BASE, BASE).score).toBe(1);
  });

  it('names the 14 TIN-TC corruptions (no glass_blur) and the four categories', () => {
    expect(TIN_TC_CORRUPTIONS).toHaveLength(14);
    expect(TIN_TC_CORRUPTIONS).not.toContain('glass_blur');
    const all = Object.values(CORRUPTION_CATEGORIES).flat();
    expect(all).toHaveLength(15);
    for (const c of TIN_TC_CORRUPTIONS) expect(all).toContain(c);
  });

  it('bootstraps over seeds: each seed keeps its accuracies together', () => {
    const ci = robustnessScoreCI(MODEL, BASE, undefined, { resamples: 500, seed: 2 });
    expect(ci.estimate).toBeCloseTo(13 / 12, 14);
    expect(ci.lo).toBeLessThanOrEqual(ci.estimate);
    expect(ci.hi).toBeGreaterThanOrEqual(ci.estimate);
    // Only the model's fog seeds differ (level means 0.4 and 0.6 per seed), which bounds every replicate.
    const lo = (0.4 / 0.3 + 0.5) / 2, hi = (0.6 / 0.3 + 0.5) / 2;
    expect(ci.lo).toBeGreaterThanOrEqual(lo - 1e-12);
    expect(ci.hi).toBeLessThanOrEqual(hi + 1e-12);
    const same = robustnessScoreCI(BASE, BASE, undefined, { resamples: 50 });
    expect([same.lo, same.hi]).toEqual([1, 1]);
  });

  it('rejects missing corruptions and ragged seeds', () => {
    expect(() => robustnessScore(MODEL, { fog: BASE.fog })).toThrow(/baseline has no accuracies for 'gaussian_noise'/);
    expect(() => robustnessScore(MODEL, BASE, ['snow'])).toThrow(ShapeError);
    expect(() => robustnessScore(MODEL, BASE, [])).toThrow(/no corruptions/);
    expect(() => robustnessScoreCI({ ...MODEL, fog: [[0.5], [0.3, 0.5]] }, BASE)).toThrow(/model 'fog' has a level with 2 seeds, expected 1/);
  });
});
