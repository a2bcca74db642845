/**
 * Brain-Score's regression at MajajHong2015 IT size: PLSRegression(25, scale=False) fitted on 2,560 stimuli × 1,000
 * PCA features → 168 neuroids and its predictions (src/score/regression.ts), wall time per fit + predict; and, in
 * the same run, scikit-learn's PLSRegression on the same arrays through /usr/bin/python3 when it has sklearn
 * (skipped with a note otherwise), with the largest prediction difference relative to the predictions' RMS.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatNpy, parseNpy } from '../src/data/npy.js';
import { Rng } from '../src/random/rng.js';
import { hostMatrix, plsFit } from '../src/score/regression.js';
import { load, median, withEngine, type Bench, type Row } from './harness.js';

const SKLEARN = `
import sys, time, numpy as np
from sklearn.cross_decomposition import PLSRegression
x, y = np.load(sys.argv[1]), np.load(sys.argv[2])
runs = []
for _ in range(int(sys.argv[4])):
    t = time.perf_counter(); p = PLSRegression(n_components=25, scale=False).fit(x, y).predict(x); runs.append(time.perf_counter() - t)
np.save(sys.argv[3], p.astype(np.float32)); print(' '.join(str(r * 1000) for r in runs))
`;

/** Features with a decaying spectrum and targets that depend on a few latent directions (as neural data do). */
function data(n: number, p: number, q: number): { x: Float32Array; y: Float32Array } {
  const rng = Rng.of(12, 0x915);
  const L = 20;
  const z = Float64Array.from({ length: n * L }, () => rng.normal());
  const a = Float64Array.from({ length: L * p }, () => rng.normal()), b = Float64Array.from({ length: L * q }, () => rng.normal());
  const x = new Float32Array(n * p), y = new Float32Array(n * q);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) { let s = 0; for (let l = 0; l < L; l++) s += z[i * L + l] * a[l * p + j]; x[i * p + j] = s + rng.normal() * (1 - j / p); }
    for (let k = 0; k < q; k++) { let s = 0; for (let l = 0; l < L; l++) s += z[i * L + l] * b[l * q + k]; y[i * q + k] = s + 2 * rng.normal(); }
  }
  return { x, y };
}

export const benches: Bench[] = [{
  stem: 'pls', name: 'brain-score IT-size PLS',
  run: (ctx) => withEngine(ctx, async (c) => {
    const e = c.engine;
    const [n, p, q] = ctx.opts.quick ? [256, 100, 16] : [2560, 1000, 168];
    const repeat = Math.min(ctx.opts.repeat, 3);
    const { x, y } = data(n, p, q);
    const runs: number[] = [];
    let pred: Float32Array = new Float32Array(0);
    for (let r = 0; r < repeat; r++) {
      const t0 = performance.now();
      pred = await e.scopeAsync(async () => {
        const map = await plsFit(hostMatrix(e, x, n, p), hostMatrix(e, y, n, q), { components: 25 });
        try { return (await map.apply(hostMatrix(e, x, n, p)).read()) as Float32Array; } finally { map.dispose(); }
      });
      runs.push(performance.now() - t0);
    }
    const row: Row = {
      stem: 'pls', name: `PLS(25) fit+predict ${n}×${p}→${q}`, shape: `X [${n}, ${p}], Y [${n}, ${q}]`,
      wallMs: median(runs), wallRuns: runs, gpuMs: null, load: load(), extra: {},
    };
    const py = '/usr/bin/python3';
    const hasSklearn = existsSync(py) && (() => { try { execFileSync(py, ['-c', 'import sklearn'], { stdio: 'ignore' }); return true; } catch { return false; } })();
    if (!hasSklearn) {
      row.note = 'scikit-learn: skipped (/usr/bin/python3 without sklearn)';
      return [row];
    }
    const dir = mkdtempSync(join(tmpdir(), 'pls-bench-'));
    try {
      writeFileSync(join(dir, 'x.npy'), formatNpy({ dtype: 'f4', shape: [n, p], data: x }));
      writeFileSync(join(dir, 'y.npy'), formatNpy({ dtype: 'f4', shape: [n, q], data: y }));
      const out = execFileSync(py, ['-c', SKLEARN, join(dir, 'x.npy'), join(dir, 'y.npy'), join(dir, 'p.npy'), String(repeat)], { encoding: 'utf8' });
      const skRuns = out.trim().split(/\s+/).map(Number);
      const sk = parseNpy(readFileSync(join(dir, 'p.npy'))).data as Float32Array;
      let rms = 0, diff = 0;
      for (let i = 0; i < sk.length; i++) { rms += sk[i] ** 2 / sk.length; diff = Math.max(diff, Math.abs(sk[i] - pred[i])); }
      row.extra = { sklearnMs: median(skRuns), sklearnRuns: skRuns.join(' '), sklearnOverOurs: median(skRuns) / row.wallMs, maxDiffOverRms: diff / Math.sqrt(rms) };
      ctx.log(`pls: ours ${row.wallMs.toFixed(0)} ms, scikit-learn ${median(skRuns).toFixed(0)} ms, max |Δ|/rms ${(diff / Math.sqrt(rms)).toExponential(2)} (load ${load()[0]})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return [row];
  }),
}];
