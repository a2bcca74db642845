import { describe, expect, it } from 'vitest';
import { itemKey, nameId } from '../../src/random/pcg.js';
import { Rng } from '../../src/random/rng.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => { const m = mean(xs); return mean(xs.map((x) => (x - m) ** 2)); };
const draw = (n: number, f: () => number) => Array.from({ length: n }, f);

describe('data Rng', () => {
  it('is a pure function of its key and draw count', () => {
    const a = Rng.of(7, 1, 2);
    const b = Rng.of(7, 1, 2);
    expect(draw(50, () => a.uniform())).toEqual(draw(50, () => b.uniform()));
    expect(Rng.of(7, 1, 3).uniform()).not.toBe(Rng.of(7, 1, 2).uniform());
    expect(Rng.of(8, 1, 2).uniform()).not.toBe(Rng.of(7, 1, 2).uniform());
    expect(itemKey(1, 2, 3)).toEqual(itemKey(1, 2, 3));
    expect(nameId('train')).not.toBe(nameId('val'));
  });

  it('forks independent streams without advancing the parent', () => {
    const r = Rng.of(3);
    const f1 = r.fork(1).uniform();
    expect(r.fork(1).uniform()).toBe(f1);
    expect(r.fork(2).uniform()).not.toBe(f1);
    expect(r.uniform()).toBe(Rng.of(3).uniform());
  });

  it('draws int, permutation and pick in range', () => {
    const r = Rng.of(11);
    const ints = draw(2000, () => r.int(7));
    expect(Math.min(...ints)).toBe(0);
    expect(Math.max(...ints)).toBe(6);
    const p = Array.from(r.permutation(65)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 65 }, (_, i) => i));
    expect(r.permutation(1)).toEqual(Int32Array.from([0]));
  });

  it('matches the moments of gamma, beta, dirichlet and poisson', () => {
    const r = Rng.of(5);
    for (const k of [0.5, 1, 3.5]) {
      const g = draw(6000, () => r.gamma(k));
      expect(Math.abs(mean(g) - k), `gamma(${k}) mean`).toBeLessThan(0.08 * Math.max(1, k));
      expect(Math.abs(variance(g) - k), `gamma(${k}) var`).toBeLessThan(0.2 * Math.max(1, k));
    }
    const b = draw(6000, () => r.beta(2, 5));
    expect(Math.abs(mean(b) - 2 / 7)).toBeLessThan(0.01);
    expect(Math.abs(variance(b) - 10 / (49 * 8))).toBeLessThan(0.004);
    const d = r.dirichlet([1, 1, 1]);
    expect(d.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 12);
    for (const lambda of [3, 80]) {
      const p = draw(4000, () => r.poisson(lambda));
      expect(Math.abs(mean(p) - lambda), `poisson(${lambda})`).toBeLessThan(0.1 * Math.sqrt(lambda) + 0.05);
      expect(p.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
    }
  });
});
