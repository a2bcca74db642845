/**
 * f64 CPU reference of scikit-learn's `PCA(n_components)` (full SVD): centre, take the leading right singular
 * vectors, with svd_flip's signs (each component's U column has its largest |entry| positive);
 * transform = (X − x̄)·Vₖᵀ. The SVD comes from the eigen-decomposition of the smaller Gram matrix.
 */
import { ShapeError } from '../errors.js';
import { centreColumns, pcaFromGram, smallGram } from '../linalg.js';

export interface PcaModel { features: number; components: number; mean: Float64Array; /** [features, components] */ basis: Float64Array; variance: Float64Array }

export function pcaFitRef(x: ArrayLike<number>, n: number, k: number): PcaModel {
  const p = x.length / n;
  if (!Number.isInteger(p) || !(Number.isInteger(k) && k >= 1 && k <= Math.min(n, p))) throw new ShapeError(`pcaFitRef: ${k} components of [${n}, ${p}]`);
  const { mean, centred: X } = centreColumns(x, n, p);
  const { G } = smallGram(X, n, p);
  return { features: p, components: k, mean, ...pcaFromGram(G, X, n, p, k) };
}
