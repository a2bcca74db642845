import { describe, expect, it } from 'vitest';
import { expectClose } from '../helpers/close.js';
import { normal, uniform } from '../helpers/rng.js';
import { explainableVariance, fev, oracleCorr, oracleCorrCorrected } from '../../src/analysis/fev.js';
import { corrToAverage, corrToSingleTrials } from '../../src/stats/correlation.js';
import { neuralMetrics } from '../../src/analysis/neural-metrics.js';
import { repeated, selectImages } from '../../src/stats/repeats.js';
import { ShapeError } from '../../src/errors.js';

// [R=4, N=5, K=2]: neuron 0 has one recorded repeat for image 4; neuron 1 has 2 repeats (NaN in reps 3-4).
const RESP = [1, 9, 3, 6, 6, 4, 7, 3, 9, 0, 2, 7, 4, 7, 5, 2, 8, 2, NaN, 1, 0, NaN, 3, NaN, 4, NaN, 9, NaN, NaN, NaN,
  1, NaN, 5, NaN, 5, NaN, 7, NaN, NaN, NaN];
const PRED = [1, 8, 4, 6, 5, 3, 8, 2, 9, 1];
// Expected values from numpy 2.4.6 with the original formulas: Cadena 2019 `performance_test` (np.nanvar ddof 1,
// np.nanmean) for the variances, MSE, FEV and FEVe; neuralpredictors `corr`, `oracle_corr` and
// `oracle_corr_corrected` in their list form over each neuron's recorded repeats.
const EXPECTED = [
  { totalVar: 7.74264705882353, noiseVar: 0.7916666666666666, mse: 0.5882352941176471, fev: 0.8977524533080088, feve: 1.0292665726375176,
    oracle: 0.9159794936602258, oracleCorrected: 0.9720244807478124, corrToAverage: 0.9991045025261197, corrToSingleTrials: 0.9599955267717881 },
  { totalVar: 8.988888888888889, noiseVar: 1.1, mse: 0.7, fev: 0.8776266996291718, feve: 1.0507042253521126,
    oracle: 0.8640296601791023, oracleCorrected: 0.965409153223294, corrToAverage: 0.991558213161646, corrToSingleTrials: 0.9572593750605757 },
];
const col = (key: keyof (typeof EXPECTED)[0]): number[] => EXPECTED.map((e) => e[key]);

describe('FEV, FEVe and oracles on a hand-checked fixture with missing repeats', () => {
  const resp = repeated(RESP, [4, 5, 2]);

  it('matches Cadena / neuralpredictors', () => {
    const f = fev(resp, PRED);
    for (const key of ['totalVar', 'noiseVar', 'mse', 'fev', 'feve'] as const) expectClose(f[key], col(key), { atol: 1e-12, rtol: 1e-12 }, key);
    expectClose(explainableVariance(resp).fev, col('fev'), { atol: 1e-12 }, 'explainableVariance');
    expectClose(oracleCorr(resp), col('oracle'), { atol: 1e-12 }, 'oracle');
    expectClose(oracleCorrCorrected(resp), col('oracleCorrected'), { atol: 1e-12 }, 'oracleCorrected');
    expectClose(corrToAverage(resp, PRED), col('corrToAverage'), { atol: 1e-12 }, 'corrToAverage');
    expectClose(corrToSingleTrials(resp, PRED), col('corrToSingleTrials'), { atol: 1e-12 }, 'corrToSingleTrials');
  });

  it('the aggregate report averages over neurons and applies the FEV threshold', () => {
    const m = neuralMetrics(resp, PRED);
    expect(m.kept).toBe(2);
    expect(m.mean.feve).toBeCloseTo((EXPECTED[0].feve + EXPECTED[1].feve) / 2, 12);
    expect(m.mean.oracle).toBeCloseTo((EXPECTED[0].oracle + EXPECTED[1].oracle) / 2, 12);
    const strict = neuralMetrics(resp, PRED, { fevThreshold: 0.89 });
    expect(strict.kept).toBe(1);
    expect(strict.mean.feve).toBeCloseTo(EXPECTED[0].feve, 12);
  });

  it('selecting images keeps the NaN pattern', () => {
    const sub = selectImages(resp, [4, 0]);
    // rep 0: image 4 = (9, 0), image 0 = (1, 9); rep 1: image 4 = (NaN, 1).
    expect(Array.from(sub.data).slice(0, 6)).toEqual([9, 0, 1, 9, NaN, 1]);
    expect([sub.reps, sub.images, sub.neurons]).toEqual([4, 2, 2]);
  });

  it('rejects mismatched shapes', () => {
    expect(() => repeated(RESP, [4, 5, 3])).toThrow(ShapeError);
    expect(() => fev(resp, PRED.slice(1))).toThrow(/fev: predictions have 9 values/);
  });
});

describe('FEV without missing repeats agrees with the plain neuralpredictors formulas', () => {
  it('on random data with a constant offset (no cancellation error)', () => {
    const R = 3, N = 17, K = 7;
    const signal = uniform(N * K, 1, 0, 5);
    const noise = normal(R * N * K, 2, 0.7);
    const data = Float64Array.from({ length: R * N * K }, (_, j) => 1e4 + signal[j % (N * K)] + noise[j]);
    const pred = Float64Array.from(signal, (s, j) => 1e4 + s + 0.3 * noise[j]);
    const f = fev(repeated(data, [R, N, K]), pred);
    for (let k = 0; k < K; k++) {
      const all: number[] = [];
      let noiseVar = 0, se = 0;
      for (let i = 0; i < N; i++) {
        const t = [0, 1, 2].map((r) => data[(r * N + i) * K + k]);
        const m = (t[0] + t[1] + t[2]) / 3;
        noiseVar += t.reduce((a, v) => a + (v - m) ** 2, 0) / 2 / N;
        for (const v of t) { all.push(v); se += (v - pred[i * K + k]) ** 2; }
      }
      const gm = all.reduce((a, b) => a + b) / all.length;
      const total = all.reduce((a, v) => a + (v - gm) ** 2, 0) / (all.length - 1);
      const mse = se / all.length;
      expect(f.fev[k]).toBeCloseTo((total - noiseVar) / total, 9);
      expect(f.feve[k]).toBeCloseTo(1 - (mse - noiseVar) / (total - noiseVar), 9);
    }
  });
});
