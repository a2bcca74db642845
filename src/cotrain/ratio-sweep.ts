/**
 * Fig. 3C of Safarani et al. 2021: MTL-Monkey trained at several neural:classification batch ratios (MTL_Cycler
 * `ratio`) × seeds, each scored for robustness (relative to its seed's Baseline), neural predictivity (single-trial
 * correlation on the neural test images) and clean accuracy; then the two-factor regression
 *   robustness = b0 + b1·(neural correlation) + b2·(clean accuracy)
 * by ordinary least squares, with R² and each factor's coefficient, so one can read whether predictivity explains
 * robustness beyond what accuracy does. The Baseline and the Monkey-Predictor are trained once per seed.
 */
import type { Engine } from '../engine.js';
import { ArgumentError } from '../errors.js';
import { pinv } from '../linalg.js';
import { robustnessScore } from '../analysis/robustness.js';
import type { MtlVgg } from '../models/mtl.js';
import { seedsOf, type CotrainConfig } from './config.js';
import { buildClassification, buildNeural, imageSetDataset } from './data.js';
import { neuralTestScore, StandardizedClassifier } from './model.js';
import { evaluateRobustness } from './robustness.js';
import { labelTrainingImages, trainBaseline, trainMonkeyPredictor, trainMtl, type RunContext } from './runs.js';

export interface SweepPoint { ratio: number; seed: number; clean: number; robustness: number; corr: number; fevE: number }

export interface Regression {
  /** [intercept, neural correlation, clean accuracy]. */
  coefficients: [number, number, number];
  r2: number;
  n: number;
}

/** OLS of y on [1, x1, x2] (pseudo-inverse, so collinear factors give the minimum-norm fit rather than a failure). */
export function twoFactorRegression(y: readonly number[], x1: readonly number[], x2: readonly number[]): Regression {
  const n = y.length;
  if (n < 3 || x1.length !== n || x2.length !== n) throw new ArgumentError(`twoFactorRegression: needs ≥ 3 points of equal length, got ${n}, ${x1.length}, ${x2.length}`);
  const X = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) X.set([1, x1[i], x2[i]], i * 3);
  const P = pinv(X, n, 3);
  const b = [0, 1, 2].map((j) => y.reduce((s, v, i) => s + P[j * n + i] * v, 0)) as [number, number, number];
  const my = y.reduce((a, v) => a + v, 0) / n;
  let ssr = 0, sst = 0;
  for (let i = 0; i < n; i++) {
    const f = b[0] + b[1] * x1[i] + b[2] * x2[i];
    ssr += (y[i] - f) ** 2;
    sst += (y[i] - my) ** 2;
  }
  return { coefficients: b, r2: sst > 0 ? 1 - ssr / sst : NaN, n };
}

export async function ratioSweep(engine: Engine, config: CotrainConfig, ratios: readonly number[], log: (m: string) => void = () => {}):
  Promise<{ points: SweepPoint[]; regression: Regression }> {
  if (!ratios.length || ratios.some((r) => !(Number.isInteger(r) && r >= 1))) throw new ArgumentError(`ratioSweep: ratios must be integers ≥ 1, got ${ratios.join(', ')}`);
  const cls = buildClassification(config);
  const neural = buildNeural(config);
  const c = config;
  const robust = (m: MtlVgg) => evaluateRobustness(engine, new StandardizedClassifier(m, cls.mean, cls.std), imageSetDataset(cls.test, cls.numClasses, cls.classNames),
    { corruptions: c.robustness.corruptions, severities: c.robustness.severities, table: c.robustness.table, seed: c.robustness.seed, batchSize: c.evalBatchSize });
  const asLevels = (acc: Record<string, number[]>) => Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v.map((a) => [a])]));
  const points: SweepPoint[] = [];
  for (const seed of seedsOf(c)) {
    const ctx: RunContext = { engine, config: c, cls, neural, seed, log };
    const base = await trainBaseline(ctx);
    const baseAcc = asLevels((await robust(base.model)).acc);
    base.model.dispose();
    const predictor = await trainMonkeyPredictor(ctx);
    const monkey = await labelTrainingImages(ctx, predictor.model).finally(() => predictor.model.dispose());
    for (const ratio of ratios) {
      const rctx: RunContext = { ...ctx, config: { ...c, mtl: { ...c.mtl, ratio } } };
      const t = await trainMtl(rctx, `MTL-Monkey ratio ${ratio}`, monkey);
      try {
        const r = await robust(t.model);
        const score = robustnessScore(asLevels(r.acc), baseAcc).score;
        const nscore = await neuralTestScore(t.model, neural, c.evalBatchSize);
        points.push({ ratio, seed, clean: r.clean, robustness: score, corr: nscore.corr, fevE: nscore.fevE });
        log(`[seed ${seed}] ratio ${ratio}: clean ${(100 * r.clean).toFixed(1)}%, robustness ${score.toFixed(3)}, test corr ${nscore.corr.toFixed(3)}`);
      } finally {
        t.model.dispose();
      }
    }
  }
  const regression = twoFactorRegression(points.map((p) => p.robustness), points.map((p) => p.corr), points.map((p) => p.clean));
  return { points, regression };
}
