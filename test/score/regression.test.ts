/** GPU PLS, ridge, linear regression and PCA (f32 matmuls) against scikit-learn 1.2 fixtures and the f64 references. */
import { describe, expect, it } from 'vitest';
import { hostMatrix, pcaFit, plsFit, ridgeFit } from '../../src/score/regression.js';
import { expectClose } from '../helpers/close.js';
import { useEngine } from '../helpers/engine.js';
import { cases, relTol, split } from './fixture.js';

const engine = useEngine();

describe.each(cases)('GPU regressions vs scikit-learn: $name', (c) => {
  const { train, test } = split(c);
  const run = async (fit: (x: ReturnType<typeof hostMatrix>, y: ReturnType<typeof hostMatrix>) => Promise<{ apply: (x: ReturnType<typeof hostMatrix>) => ReturnType<typeof hostMatrix>; dispose: () => void }>) => {
    const e = engine();
    return e.scopeAsync(async () => {
      const map = await fit(hostMatrix(e, train, c.n, c.p), hostMatrix(e, c.y, c.n, c.q));
      const out = await map.apply(hostMatrix(e, test, c.m, c.p)).read();
      map.dispose();
      return out;
    });
  };
  it(`PLSRegression(${c.components}, scale=False) predictions within 1e-4 relative`, async () => {
    expectClose(await run((x, y) => plsFit(x, y, { components: c.components })), c.pls, relTol(c.pls), 'pls');
  });
  it('Ridge(alpha=1) predictions within 1e-4 relative', async () => {
    expectClose(await run((x, y) => ridgeFit(x, y, 1)), c.ridge, relTol(c.ridge), 'ridge');
  });
  it('LinearRegression() predictions within 1e-4 relative', async () => {
    expectClose(await run((x, y) => ridgeFit(x, y, 0)), c.linear, relTol(c.linear), 'linear');
  });
  it(`PCA(${c.pca_components}) transform within 1e-4 relative`, async () => {
    const e = engine();
    const [z, variance] = await e.scopeAsync(async () => {
      const { map, variance } = await pcaFit(hostMatrix(e, train, c.n, c.p), c.pca_components);
      const out = await map.apply(hostMatrix(e, test, c.m, c.p)).read();
      map.dispose();
      return [out, variance] as const;
    });
    expectClose(variance, c.pca_variance, relTol(c.pca_variance), 'explained variance');
    expectClose(z, c.pca, relTol(c.pca), 'transform');
  });
});

describe('GPU regressions: errors and memory', () => {
  it('names the bad operand and frees its temporaries', async () => {
    const e = engine();
    const x = hostMatrix(e, new Float32Array(12), 4, 3);
    const y = hostMatrix(e, new Float32Array(10), 5, 2);
    await expect(plsFit(x, y)).rejects.toThrow(/Y .* is not \[4, targets\]/);
    await expect(plsFit(x, hostMatrix(e, new Float32Array(8), 4, 2), { components: 4 })).rejects.toThrow(/components 4 not in \[1, 3\]/);
    const live = e.stats().liveTensors;
    const map = await plsFit(hostMatrix(e, Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)), 4, 3), hostMatrix(e, Float32Array.from({ length: 8 }, (_, i) => i % 3), 4, 2), { components: 2 });
    map.dispose();
    expect(e.stats().liveTensors).toBe(live + 2);
  });
});
