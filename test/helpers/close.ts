/** Tolerance checks whose failure message says where and by how much. */
import { expect } from 'vitest';

export interface Tol { atol?: number; rtol?: number }

export function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tol = {}): { worst: number; at: number } {
  const atol = tol.atol ?? 1e-5;
  const rtol = tol.rtol ?? 1e-4;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    // The ratio to the allowed error; > 1 fails. NaN in either (but not both) fails.
    const r = Number.isNaN(a) || Number.isNaN(e) ? (Number.isNaN(a) && Number.isNaN(e) ? 0 : Infinity)
      : Math.abs(a - e) / (atol + rtol * Math.abs(e));
    if (r > worst) { worst = r; at = i; }
  }
  return { worst, at };
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tol = {}, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const { worst, at } = maxError(actual, expected, tol);
  expect(worst, `${what}: worst at [${at}] got ${actual[at]} expected ${expected[at]} (atol ${tol.atol ?? 1e-5}, rtol ${tol.rtol ?? 1e-4})`).toBeLessThanOrEqual(1);
}
