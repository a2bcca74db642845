/**
 * f64 CPU reference of scikit-learn's `PCA(n_components)` (full SVD): centre, take the leading right singular
 * vectors, with svd_flip's signs (each component's U column has its largest |entry| positive);
 * transform = (X − x̄)·Vₖᵀ. The SVD comes from the eigen-decomposition of the smaller Gram matrix.
 */
import { ShapeError } from '../errors.js';
import { centreColumns, pcaFromGram } from '../score/linalg.js';

export interface PcaModel { features: number; components: number; mean: Float64Array; /** [features, components] */ basis: Float64Array; variance: Float64Array }

export function pcaFitRef(x: ArrayLike<number>, n: number, k: number): PcaModel {
  const p = x.length / n;
  if (!Number.isInteger(p) || !(Number.isInteger(k) && k >= 1 && k <= Math.min(n, p))) throw new ShapeError(`pcaFitRef: ${k} components of [${n}, ${p}]`);
  const { mean, centred: X } = centreColumns(x, n, p);
  const primal = p <= n;
  const d = primal ? p : n;
  const G = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) {
    let s = 0;
    if (primal) for (let r = 0; r < n; r++) s += X[r * p + i] * X[r * p + j];
    else for (let c = 0; c < p; c++) s += X[i * p + c] * X[j * p + c];
    G[i * d + j] = s; G[j * d + i] = s;
  }
  return { features: p, components: k, mean, ...pcaFromGram(G, X, n, p, k) };
}
