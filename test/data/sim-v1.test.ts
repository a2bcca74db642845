import { describe, expect, it } from 'vitest';
import { deadLeaves, simV1, simV1Expected, synthStimuli, type SimV1 } from '../../src/data/sim-v1.js';
import { SynthObjects } from '../../src/data/synth-objects.js';
import { explainableVariance, fev, oracleCorr } from '../../src/analysis/fev.js';
import { corrToAverage, corrToSingleTrials, pearson } from '../../src/stats/correlation.js';
import { median, splitHalfCeiling } from '../../src/stats/ceiling.js';
import type { RepeatedResponses } from '../../src/stats/repeats.js';
import { ShapeError } from '../../src/errors.js';

const all = (sim: SimV1): RepeatedResponses => ({ data: sim.responses, reps: sim.repeats, images: sim.imageTypes.length, neurons: sim.neurons.length });
const meanOf = (x: ArrayLike<number>, keep: (k: number) => boolean = () => true): number => {
  let s = 0, n = 0;
  for (let k = 0; k < x.length; k++) if (keep(k)) { s += x[k]; n++; }
  return s / n;
};

describe('sim-v1: shape and determinism', () => {
  const opts = { seed: 3, images: 30, neurons: 12, size: 32 };
  const sim = simV1(opts);

  it('regenerates identically from the seed, and differently from another seed', () => {
    const again = simV1(opts);
    expect(again.responses).toEqual(sim.responses);
    expect(again.rates).toEqual(sim.rates);
    expect(again.images).toEqual(sim.images);
    expect(simV1({ ...opts, seed: 4 }).responses).not.toEqual(sim.responses);
  });

  it('images are the per-(seed, index) dead-leaves images, z-scored over the set', () => {
    const { mean, std } = sim.imageStats;
    const img = deadLeaves(3, 17, 32);
    for (const p of [0, 100, 1023]) expect(sim.images[17 * 1024 + p]).toBeCloseTo((img[p] - mean) / std, 5);
    expect(meanOf(sim.images)).toBeCloseTo(0, 5);
    expect(meanOf(Array.from(sim.images, (v) => v * v))).toBeCloseTo(1, 4);
    expect(new Set(sim.imageTypes)).toEqual(new Set(['dead-leaves']));
  });

  it('has the §7.2 layout: sessions, cell types, repeats with NaN masking, rates', () => {
    const [N, K, R] = [30, 12, 4];
    expect(sim.responses).toHaveLength(R * N * K);
    expect(sim.rates).toHaveLength(N * K);
    expect(Array.from(sim.testIndices)).toEqual([24, 25, 26, 27, 28, 29]);
    expect(sim.neurons.filter((n) => n.repetitions === 2)).toHaveLength(3);
    expect(sim.neurons.filter((n) => n.cell === 'simple')).toHaveLength(4);
    expect(sim.neurons.filter((n) => n.normalised)).toHaveLength(6);
    expect(sim.neurons.map((n) => n.session)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    sim.neurons.forEach((n, k) => {
      expect(sim.repetitions[k]).toBe(n.repetitions);
      expect(Math.abs(n.x - 15.5)).toBeLessThanOrEqual(31 / 4);
      expect(Math.abs(n.mu[0])).toBeLessThanOrEqual(0.5);
      expect(n.mu[1]).toBeCloseTo((2 * n.y) / 31 - 1, 12);
      expect(n.freq).toBeGreaterThanOrEqual(1 / 16);
      expect(n.freq).toBeLessThanOrEqual(1 / 4);
      expect(n.sigma * n.freq).toBeCloseTo(0.45, 12);
      expect(Number.isNaN(n.c50)).toBe(!n.normalised);
      let rate = 0;
      for (let i = 0; i < N; i++) {
        const l = sim.rates[i * K + k];
        expect(l).toBeGreaterThanOrEqual(n.baseline);
        rate += l / N;
        for (let r = 0; r < R; r++) {
          const c = sim.responses[(r * N + i) * K + k];
          if (r >= n.repetitions) expect(c).toBeNaN();
          else expect(Number.isInteger(c) && c >= 0).toBe(true);
        }
      }
      expect(rate).toBeCloseTo(n.meanRate, 9);
      expect(n.baseline).toBeCloseTo(0.05 * n.meanRate, 12);
    });
  });

  it('takes an image source and validates it', () => {
    const src = (i: number): Float32Array => deadLeaves(9, i + 100, 16);
    const s = simV1({ images: 10, neurons: 4, size: 16, imageSource: src, imageType: (i) => (i % 2 ? 'odd' : 'even') });
    expect(s.imageTypes.slice(0, 2)).toEqual(['even', 'odd']);
    expect(s.images[5 * 256 + 7]).toBeCloseTo((src(5)[7] - s.imageStats.mean) / s.imageStats.std, 5);
    const synth = simV1({ seed: 5, images: 12, neurons: 4, size: 32, ...synthStimuli(5, 12, 32) });
    expect(synth.imageTypes.slice(5, 8)).toEqual(['synth-object', 'texture-pink', 'texture-grating']);
    const obj = new SynthObjects({ split: 'train', perClass: 1, seed: 5, imageSize: 32 }).get(4).data;
    expect(synth.images[4 * 1024 + 500]).toBeCloseTo((obj[500] - synth.imageStats.mean) / synth.imageStats.std, 5);
    expect(() => simV1({ images: 2, neurons: 2, size: 16, imageSource: () => new Float32Array(10) })).toThrow(/imageSource\(0\) returned 10 pixels/);
    expect(() => simV1({ images: 2, neurons: 2, size: 16, imageSource: () => new Float32Array(256) })).toThrow(/constant/);
    expect(() => simV1({ images: 2, neurons: 2, repeats: 1 })).toThrow(ShapeError);
    expect(() => simV1({ images: 2, neurons: 2, gainShape: 2.5 })).toThrow(/gainShape/);
  });
});

// Tolerances are about 3× the spread seen over seeds 11–14; a ddof or masking error moves FEV by > 0.05.
describe('sim-v1: the metrics recover the closed forms of §7.2 within sampling error', () => {
  const sim = simV1({ seed: 11, images: 800, neurons: 32, size: 32 });
  const resp = all(sim);
  const everyImage = Int32Array.from({ length: 800 }, (_, i) => i);
  const ex = simV1Expected(sim, everyImage);
  const two = (k: number): boolean => sim.repetitions[k] === 2;

  it('FEV = Var(λ)/(Var(λ) + E[λ]), NoiseVar = E[λ], also for the 2-repeat neurons', () => {
    const ev = explainableVariance(resp);
    const diff = Array.from(ev.fev, (v, k) => v - ex.fev[k]);
    expect(Math.abs(meanOf(diff))).toBeLessThan(0.008);
    expect(Math.abs(meanOf(diff, two))).toBeLessThan(0.025);
    expect(Math.max(...diff.map(Math.abs))).toBeLessThan(0.1);
    expect(pearson(ev.fev, ex.fev)).toBeGreaterThan(0.95);
    expect(meanOf(Array.from(ev.noiseVar, (v, k) => v / ex.noiseVar[k]))).toBeCloseTo(1, 1);
    expect(meanOf(Array.from(ev.totalVar, (v, k) => v / (ex.signalVar[k] + ex.noiseVar[k])))).toBeCloseTo(1, 1);
  });

  it('the noise-free rates explain all explainable variance (FEVe ≈ 1) and correlate as predicted', () => {
    const f = fev(resp, sim.rates);
    expect(Math.abs(meanOf(f.feve) - 1)).toBeLessThan(0.02);
    const avg = corrToAverage(resp, sim.rates), single = corrToSingleTrials(resp, sim.rates);
    expect(Math.abs(meanOf(avg) - meanOf(ex.corrAverage))).toBeLessThan(0.006);
    expect(Math.abs(meanOf(single) - meanOf(ex.corrSingleTrial))).toBeLessThan(0.006);
  });

  it('oracle correlation and the Brain-Score split-half ceiling match their closed forms', () => {
    expect(Math.abs(meanOf(oracleCorr(resp)) - meanOf(ex.oracleCorr))).toBeLessThan(0.008);
    const c = splitHalfCeiling(resp);
    expect(Math.abs(c.ceiling - median(ex.ceiling))).toBeLessThan(0.012);
    expect(pearson(c.perNeuron, ex.ceiling)).toBeGreaterThan(0.95);
  });

  it('Gamma gain noise raises the noise variance to E[λ + λ²/k]', () => {
    const g = simV1({ seed: 11, images: 400, neurons: 16, size: 32, gainShape: 5 });
    const eg = simV1Expected(g, Int32Array.from({ length: 400 }, (_, i) => i));
    const ev = explainableVariance(all(g));
    expect(meanOf(Array.from(ev.noiseVar, (v, k) => v / eg.noiseVar[k]))).toBeCloseTo(1, 1);
    expect(Math.abs(meanOf(Array.from(ev.fev, (v, k) => v - eg.fev[k])))).toBeLessThan(0.03);
    expect(meanOf(eg.fev)).toBeLessThan(meanOf(simV1Expected(simV1({ seed: 11, images: 400, neurons: 16, size: 32 })).fev));
  });
});
