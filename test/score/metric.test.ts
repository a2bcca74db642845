/** The Brain-Score neural metric against a fixture that follows Brain-Score's steps (tools/gen-score-fixtures.py). */
import { describe, expect, it } from 'vitest';
import { splitHalfCeiling, spearmanBrown } from '../../src/stats/ceiling.js';
import { repeated } from '../../src/stats/repeats.js';
import { commitLayer, crossRegressedCorrelation, neuralScore, repetitionMean } from '../../src/score/metric.js';
import { repetitionOrders, stratifiedShuffleSplits } from '../../src/score/splits.js';
import { Rng } from '../../src/random/rng.js';
import { useEngine } from '../helpers/engine.js';
import { fixture } from './fixture.js';

const engine = useEngine();
const m = fixture.metric as {
  stimuli: number; features: number; neuroids: number; repetitions: number; objects: number[]; x: number[]; trials: number[];
  splits: { train: number[]; test: number[] }[]; per_split: number[]; raw: number; sem: number; halves: number[][];
  ceiling_per_split: number[]; ceiling: number; ceiled: number;
};

describe('neural metric vs Brain-Score steps', () => {
  const resp = repeated(m.trials, [m.repetitions, m.stimuli, m.neuroids]);
  it('splits → PLS(25) → Pearson per neuroid → median → mean ± SEM, and the ceiled score', async () => {
    const s = await neuralScore(engine(), m.x, resp, m.splits, { orders: m.halves });
    for (let i = 0; i < m.per_split.length; i++) expect(s.perSplit[i]).toBeCloseTo(m.per_split[i], 4);
    expect(s.raw).toBeCloseTo(m.raw, 5);
    expect(s.sem).toBeCloseTo(m.sem, 5);
    expect(s.ceiling).toBeCloseTo(m.ceiling, 10);
    expect(s.ceiled).toBeCloseTo(m.ceiled, 4);
    expect(s.form).toBe('explained-variance');
  });
  it('ceiled forms: r²/ceiling and r/ceiling on request', async () => {
    const s = await neuralScore(engine(), m.x, resp, m.splits.slice(0, 2), { orders: m.halves, form: 'ratio' });
    expect(s.ceiled).toBeCloseTo(s.raw / s.ceiling, 12);
  });
  it('layer commitment picks the informative layer; a stimulus-shuffled target scores ≈ 0', async () => {
    const target = repetitionMean(resp);
    const rng = Rng.of(5);
    const noise = Float32Array.from({ length: m.stimuli * m.features }, () => rng.normal());
    const c = await commitLayer(engine(), new Map<string, ArrayLike<number>>([['noise', noise], ['true', m.x]]), target, m.stimuli, m.splits.slice(0, 3));
    expect(c.layer).toBe('true');
    const perm = Array.from({ length: m.stimuli }, (_, i) => (i * 17) % m.stimuli);
    const shuffled = new Float64Array(target.length);
    perm.forEach((p, i) => shuffled.set(target.subarray(p * m.neuroids, (p + 1) * m.neuroids), i * m.neuroids));
    const ctl = await crossRegressedCorrelation(engine(), m.x, shuffled, m.stimuli, m.splits, { regression: 'ridge' });
    expect(Math.abs(ctl.raw)).toBeLessThan(0.25);
    const real = await crossRegressedCorrelation(engine(), m.x, target, m.stimuli, m.splits, { regression: 'ridge' });
    expect(real.raw).toBeGreaterThan(0.6);
  });
});

describe('splits and ceiling', () => {
  it('stratified shuffle splits: 10, 90 % train, disjoint, per-class proportions kept', () => {
    const labels = Array.from({ length: 80 }, (_, i) => `obj${i % 8}`);
    const splits = stratifiedShuffleSplits(labels);
    expect(splits).toHaveLength(10);
    for (const s of splits) {
      expect(s.train).toHaveLength(72);
      expect(s.test).toHaveLength(8);
      expect(new Set([...s.train, ...s.test]).size).toBe(80);
      const perClass = new Map<string, number>();
      for (const i of s.test) perClass.set(labels[i], (perClass.get(labels[i]) ?? 0) + 1);
      expect(Math.max(...perClass.values())).toBe(1);
    }
    expect(splits[0].test).not.toEqual(splits[1].test);
    expect(() => stratifiedShuffleSplits(['a', 'b', 'b'])).toThrow(/classes/);
  });
  it('internal consistency matches its closed form on simulated repeats', () => {
    const S = 3000, K = 9, R = 4, noiseSd = [0.5, 1, 1.5];
    const rng = Rng.of(9);
    const signal = Float64Array.from({ length: S * K }, () => rng.normal());
    const data = new Float32Array(R * S * K);
    for (let r = 0; r < R; r++) for (let i = 0; i < S * K; i++) data[r * S * K + i] = signal[i] + noiseSd[i % K % 3] * rng.normal();
    const c = splitHalfCeiling(repeated(data, [R, S, K]), { orders: repetitionOrders(R) });
    // Half means of R/2 trials: r = 1 / (1 + σ²/(R/2)); Spearman–Brown; the median neuroid has σ = 1.
    const expected = spearmanBrown(1 / (1 + 1 / (R / 2)));
    expect(c.ceiling).toBeCloseTo(expected, 1);
    expect(Math.abs(c.ceiling - expected)).toBeLessThan(0.02);
  });
});
