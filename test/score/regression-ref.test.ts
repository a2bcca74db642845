/** The f64 references of PLS, ridge, linear regression and PCA against scikit-learn 1.2 (tools/gen-score-fixtures.py). */
import { describe, expect, it } from 'vitest';
import { plsFitRef, linearPredictRef } from '../../src/ref/pls.js';
import { ridgeFitRef } from '../../src/ref/ridge.js';
import { pcaFitRef } from '../../src/ref/pca.js';
import { pinv, symmetricEigen, matmulF64 } from '../../src/linalg.js';
import { expectClose } from '../helpers/close.js';
import { cases, relTol, split } from './fixture.js';

describe('linalg', () => {
  it('symmetricEigen reconstructs A = V Λ Vᵀ with orthonormal V', () => {
    const n = 7;
    const b = Array.from({ length: n * n }, (_, i) => Math.sin(i * 1.7) + (i % 3));
    const a = matmulF64(b, Array.from({ length: n * n }, (_, i) => b[(i % n) * n + Math.floor(i / n)]), n, n, n);
    const { values, vectors } = symmetricEigen(a, n);
    const back = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let c = 0; c < n; c++) back[i * n + j] += vectors[i * n + c] * values[c] * vectors[j * n + c];
    expectClose(back, a, { atol: 1e-9, rtol: 1e-9 }, 'VΛVᵀ');
    for (let c = 1; c < n; c++) expect(values[c]).toBeLessThanOrEqual(values[c - 1]);
  });
  it('pinv of a rank-deficient matrix satisfies A A⁺ A = A', () => {
    const a = [1, 2, 3, 2, 4, 6, 1, 0, 1];
    const ap = pinv(a, 3, 3);
    expectClose(matmulF64(matmulF64(a, ap, 3, 3, 3), a, 3, 3, 3), a, { atol: 1e-9, rtol: 1e-9 }, 'AA⁺A');
  });
});

describe.each(cases)('references vs scikit-learn: $name', (c) => {
  const { train, test } = split(c);
  it(`PLSRegression(${c.components}, scale=False)`, () => {
    const m = plsFitRef(train, c.y, c.n, { components: c.components });
    expectClose(linearPredictRef(m, test, c.m), c.pls, relTol(c.pls), 'pls predictions');
  });
  it('Ridge(alpha=1)', () => {
    expectClose(linearPredictRef(ridgeFitRef(train, c.y, c.n, 1), test, c.m), c.ridge, relTol(c.ridge), 'ridge predictions');
  });
  it('LinearRegression()', () => {
    expectClose(linearPredictRef(ridgeFitRef(train, c.y, c.n, 0), test, c.m), c.linear, relTol(c.linear), 'linear predictions');
  });
  it(`PCA(${c.pca_components})`, () => {
    const m = pcaFitRef(train, c.n, c.pca_components);
    expectClose(m.variance, c.pca_variance, relTol(c.pca_variance), 'explained variance');
    const z = linearPredictRef({ features: c.p, targets: m.components, xMean: m.mean, yMean: new Float64Array(m.components), coef: m.basis }, test, c.m);
    expectClose(z, c.pca, relTol(c.pca), 'transform');
  });
});
