/** The scikit-learn fixture (tools/gen-score-fixtures.py) and its tolerances, shared by the score tests. */
import { readFileSync } from 'node:fs';

export interface RegressionCase {
  name: string; n: number; m: number; p: number; q: number; components: number; pca_components: number;
  x: number[]; y: number[]; pls: number[]; ridge: number[]; linear: number[]; pca: number[]; pca_variance: number[];
}
export const fixture = JSON.parse(readFileSync(new URL('../fixtures/score.json', import.meta.url), 'utf8'));
export const cases = fixture.cases as RegressionCase[];

/** 1e-4 relative to each value, with an absolute floor of 1e-4 × the RMS of the expected values. */
export function relTol(expected: number[]): { rtol: number; atol: number } {
  const rms = Math.sqrt(expected.reduce((s, v) => s + v * v, 0) / expected.length);
  return { rtol: 1e-4, atol: 1e-4 * rms };
}

export const split = (c: RegressionCase) => ({ train: Float64Array.from(c.x.slice(0, c.n * c.p)), test: Float64Array.from(c.x.slice(c.n * c.p)) });

