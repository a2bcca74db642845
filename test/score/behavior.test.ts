/** I2n and its readout against a fixture computed with Brain-Score's steps (tools/gen-behavior-fixture.py). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dprimes, humanResponseMatrix, i2nScore, modelResponseMatrix, trialHalves, type BehaviorTrials } from '../../src/score/behavior.js';
import { fitProbabilities, predictProbabilities } from '../../src/score/logistic.js';
import { MT19937 } from '../../src/random/mt19937.js';
import { normalQuantile } from '../../src/stats/normal.js';
import { expectClose } from '../helpers/close.js';

const fx = JSON.parse(readFileSync(new URL('../fixtures/behavior.json', import.meta.url), 'utf8'));
const nan = (v: (number | null)[]) => Float64Array.from(v, (x) => (x === null ? NaN : x));
const trials: BehaviorTrials = { stimulusId: fx.trials.stimulus_id, sampleObj: fx.trials.sample_obj, distObj: fx.trials.dist_obj, choice: fx.trials.choice };
const nTest = fx.truth.length;

function expectSameNaN(got: Float64Array, want: Float64Array, tol: number, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) expect(got[i], `${what}[${i}]`).toBeNaN();
    else expect(Math.abs(got[i] - want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThan(tol);
  }
}

describe('behavioural readout (StandardScaler + multinomial LogisticRegression C=1e-3)', () => {
  it('class probabilities match scikit-learn within 1e-6', () => {
    const m = fitProbabilities(fx.x_fit, fx.y_fit.length, fx.y_fit);
    expect(m.classes).toEqual(fx.classes);
    expectClose(predictProbabilities(m, fx.x_test, nTest), fx.proba, { atol: 1e-6, rtol: 0 }, 'proba');
    expect(() => fitProbabilities([1, 2, 3], 3, ['a', 'a', 'a'])).toThrow(/at least 2 classes/);
  });
});

describe('I2n vs Brain-Score steps', () => {
  const model = modelResponseMatrix(fx.proba, fx.classes, fx.stimulus_id, fx.truth);
  it('response matrix p(d)/(p(d)+p(t)) and normalised d′ (clipped ±5) per image and distractor', () => {
    expect(model.stimulusIds).toEqual(fx.sorted_ids);
    expect(model.choices).toEqual(fx.choices);
    expectSameNaN(model.values, nan(fx.model_rates), 1e-14, 'rates');
    expectSameNaN(dprimes(model).values, nan(fx.model_i2n), 1e-9, 'i2n');
  });
  it('the halves are numpy RandomState(0) shuffles, two repetitions from one state', () => {
    const rng = new MT19937(0);
    for (const rep of fx.repetitions) expect(trialHalves(trials.choice.length, rng)).toEqual(rep.halves);
    const r = new MT19937(0);
    expect(r.shuffle([...Array(10).keys()])).toEqual([2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
  });
  it('per repetition r with half 0 and the halves\' ceiling; r/√ceiling, mean and std', () => {
    const s = i2nScore(model, trials);
    s.perRepetition.forEach((r, i) => {
      expect(r.raw).toBeCloseTo(fx.repetitions[i].raw, 10);
      expect(r.ceiling).toBeCloseTo(fx.repetitions[i].ceiling, 10);
      expect(r.ceiled).toBeCloseTo(fx.repetitions[i].ceiled, 10);
    });
    expect(s.ceiled).toBeCloseTo(fx.ceiled, 10);
    expect(s.error).toBeCloseTo(fx.error, 10);
    expect(s.raw).toBeCloseTo(fx.raw, 10);
  });
  it('from features: readout → I2n within 1e-5 of the fixture', () => {
    const m = fitProbabilities(fx.x_fit, fx.y_fit.length, fx.y_fit);
    const p = predictProbabilities(m, fx.x_test, nTest);
    const s = i2nScore(modelResponseMatrix(p, m.classes, fx.stimulus_id, fx.truth), trials);
    expect(Math.abs(s.ceiled - fx.ceiled)).toBeLessThan(1e-5);
  });
  it('a control: observer choices shuffled across trials of other images score |r| < 0.1 (fixture r ≈ 0.14)', () => {
    const n = trials.choice.length;
    // Each trial keeps its image, pair and chosen side (target or distractor) of another trial of the same pair.
    const perm = Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const pick = perm.map((j) => trials.choice[j] === trials.sampleObj[j]);
    const shuffled: BehaviorTrials = { ...trials, choice: trials.choice.map((_, i) => (pick[i] ? trials.sampleObj[i] : trials.distObj[i])) };
    const s = i2nScore(model, shuffled);
    expect(Math.abs(s.raw)).toBeLessThan(0.1);
    expect(i2nScore(model, trials).raw).toBeGreaterThan(s.raw);
  });
  it('the observer matrix counts choices over offers; a pair never offered stays NaN; bad input is named', () => {
    const t: BehaviorTrials = { stimulusId: ['a', 'a', 'a', 'b'], sampleObj: ['x', 'x', 'x', 'y'], distObj: ['y', 'y', 'z', 'x'], choice: ['y', 'x', 'x', 'x'] };
    const h = humanResponseMatrix(t);
    expect(h.choices).toEqual(['x', 'y']);
    expect(Array.from(h.values)).toEqual([NaN, 0.5, 1, NaN]);
    expect(() => modelResponseMatrix([0.5, 0.5], ['x', 'y'], ['a'], ['q'])).toThrow(/object 'q' is not one of the readout's classes/);
    expect(() => i2nScore(model, { ...trials, choice: trials.choice.slice(1) })).toThrow(/trials.stimulusId has/);
  });
  it('Φ⁻¹ matches scipy.stats.norm.ppf to 1e-14 relative', () => {
    const want: [number, number][] = [[1e-300, -37.0470962993612], [1e-10, -6.361340902404056], [0.001, -3.090232306167813],
      [0.3, -0.5244005127080409], [0.975, 1.959963984540054], [0.999999, 4.753424308817087]];
    for (const [p, q] of want) expect(Math.abs(normalQuantile(p) - q)).toBeLessThan(1e-14 * Math.abs(q));
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(NaN)).toBeNaN();
  });
});
