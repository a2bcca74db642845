/**
 * f64 CPU references of scikit-learn's `Ridge(alpha)` and `LinearRegression()` with an intercept: centre X and Y,
 * then coef = (XᵀX + αI)⁻¹XᵀY, or in the dual form Xᵀ(XXᵀ + αI)⁻¹Y when features outnumber samples (the same
 * solution, as sklearn's cholesky solver switches); α = 0 gives the minimum-norm least-squares solution
 * (`lstsq`) through the pseudo-inverse of the smaller Gram matrix.
 */
import { ShapeError } from '../errors.js';
import { centreColumns, gramSolve, smallGram } from '../linalg.js';

export interface LinearModel { features: number; targets: number; xMean: Float64Array; yMean: Float64Array; coef: Float64Array }

export function ridgeFitRef(x: ArrayLike<number>, y: ArrayLike<number>, n: number, alpha: number): LinearModel {
  const p = x.length / n, q = y.length / n;
  if (!Number.isInteger(p) || !Number.isInteger(q)) throw new ShapeError(`ridgeFitRef: X (${x.length}) and Y (${y.length}) are not [${n}, ·]`);
  const { mean: xMean, centred: X } = centreColumns(x, n, p);
  const { mean: yMean, centred: Y } = centreColumns(y, n, q);
  const { G, d, primal } = smallGram(X, n, p);
  const rhs = new Float64Array(d * q);
  if (primal) for (let r = 0; r < n; r++) for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) rhs[i * q + j] += X[r * p + i] * Y[r * q + j];
  else rhs.set(Y);
  const sol = gramSolve(G, rhs, d, q, alpha);
  let coef = sol;
  if (!primal) {
    coef = new Float64Array(p * q);
    for (let r = 0; r < n; r++) for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) coef[i * q + j] += X[r * p + i] * sol[r * q + j];
  }
  return { features: p, targets: q, xMean, yMean, coef };
}
