import { describe, expect, it } from 'vitest';
import { corr, corrPerNeuron, pearson, variance } from '../../src/stats/correlation.js';
import { ShapeError } from '../../src/errors.js';

describe('correlations', () => {
  // By hand: dx = (−1.5, −.5, .5, 1.5), dy = (−3, −1, 0, 4); Σdxdy = 11, Σdx² = 5, Σdy² = 26 ⇒ r = 11/√130.
  const x = [1, 2, 3, 4], y = [2, 4, 5, 9];

  it('Pearson r and the neuralpredictors corr match hand-computed values', () => {
    expect(pearson(x, y)).toBeCloseTo(11 / Math.sqrt(130), 14);
    expect(corr(x, y)).toBeCloseTo(11 / 4 / ((Math.sqrt(5 / 4) + 1e-8) * (Math.sqrt(26 / 4) + 1e-8)), 14);
    expect(pearson(x, [3, 3, 3, 3])).toBeNaN();
    expect(corr(x, [3, 3, 3, 3])).toBe(0);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(variance(x, 4, 1)).toBeCloseTo(5 / 3, 14);
  });

  it('per neuron: NaN responses are left out, degenerate neurons give 0 (nnvision)', () => {
    // [samples=5, neurons=3]: neuron 0 = (x, y) with a NaN sample, neuron 1 constant, neuron 2 all NaN.
    const resp = [1, 7, NaN, 2, 7, NaN, NaN, 7, NaN, 3, 7, NaN, 4, 7, NaN];
    const pred = [2, 1, 0, 4, 2, 0, 100, 3, 0, 5, 4, 0, 9, 5, 0];
    const r = corrPerNeuron(resp, pred, 3);
    expect(r[0]).toBeCloseTo(11 / Math.sqrt(130), 7);
    expect(r[1]).toBe(0);
    expect(r[2]).toBe(0);
    expect(() => corrPerNeuron(resp, pred.slice(1), 3)).toThrow(ShapeError);
  });
});
