/**
 * Fig. 3C: the MTL ratio sweep and the two-factor regression of robustness on neural predictivity and clean
 * accuracy. The regression recovers known coefficients exactly; the sweep runs on built-in data at a tiny size
 * (2 ratios × 2 seeds) and regresses its four points.
 */
import { describe, expect, it } from 'vitest';
import { parseCotrainConfig } from '../../src/cotrain/config.js';
import { ratioSweep, twoFactorRegression } from '../../src/cotrain/ratio-sweep.js';
import { useEngine } from '../helpers/engine.js';

const eng = useEngine();

describe('two-factor regression', () => {
  it('recovers the coefficients of a noiseless plane (R² = 1) and reports a partial fit on noisy data', () => {
    const x1 = [0.1, 0.3, 0.2, 0.5, 0.4, 0.35];
    const x2 = [0.6, 0.5, 0.7, 0.4, 0.65, 0.3];
    const y = x1.map((a, i) => 0.2 + 1.5 * a - 0.7 * x2[i]);
    const r = twoFactorRegression(y, x1, x2);
    r.coefficients.forEach((b, j) => expect(b).toBeCloseTo([0.2, 1.5, -0.7][j], 8));
    expect(r.r2).toBeCloseTo(1, 10);
    const noisy = twoFactorRegression(y.map((v, i) => v + (i % 2 ? 0.05 : -0.05)), x1, x2);
    expect(noisy.r2).toBeLessThan(1);
    expect(noisy.r2).toBeGreaterThan(0);
    expect(() => twoFactorRegression([1, 2], [1, 2], [1, 2])).toThrow(/≥ 3 points/);
  });
});

describe('ratio sweep', () => {
  it('trains MTL-Monkey at each ratio for each seed and regresses robustness on predictivity and accuracy', async () => {
    const cfg = parseCotrainConfig({
      seeds: 2, data: { trainPerClass: 6, valPerClass: 2, testPerClass: 3 }, neural: { images: 100, neurons: 8 }, model: { headWidth: 16 },
      batchSize: 16, evalBatchSize: 30, robustness: { corruptions: ['gaussian_noise', 'contrast'], severities: [1] },
      baseline: { maxEpochs: 1 }, predictor: { maxEpochs: 1 }, mtl: { maxEpochs: 1 },
    });
    const lines: string[] = [];
    const r = await ratioSweep(eng(), cfg, [1, 2], (m) => lines.push(m));
    expect(r.points.map((p) => [p.seed, p.ratio])).toEqual([[0, 1], [0, 2], [1, 1], [1, 2]]);
    for (const p of r.points) for (const v of [p.clean, p.robustness, p.corr, p.fevE]) expect(Number.isFinite(v), JSON.stringify(p)).toBe(true);
    expect(r.regression.n).toBe(4);
    expect(r.regression.coefficients.every(Number.isFinite)).toBe(true);
    expect(lines.some((l) => /MTL-Monkey ratio 2: epoch 1/.test(l))).toBe(true);
  }, 300_000);
});
