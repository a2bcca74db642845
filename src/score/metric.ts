/**
 * Brain-Score's neural predictivity (brain-score/vision metrics/regression_correlation `CrossRegressedCorrelation`
 * with `pls_regression`, and metrics/internal_consistency): per cross-validation split, fit the regression from
 * activations to repetition-averaged responses on the train stimuli, predict the test stimuli, Pearson r per
 * neuroid (NaN for a constant one, skipped by the median), median over neuroids; the score is the mean over
 * splits with error std(ddof 0)/√splits. The ceiling is the split-half internal consistency (Spearman–Brown),
 * and the ceiled score (r/ceiling)² as in 2019-12…2024 (the 2022 competition), r²/ceiling or r/ceiling on request.
 */
import type { Engine } from '../engine.js';
import { ceiledScore, median, splitHalfCeiling } from '../stats/ceiling.js';
import { pearson } from '../stats/correlation.js';
import type { RepeatedResponses } from '../stats/repeats.js';
import { ShapeError } from '../errors.js';
import { hostMatrix, plsFit, ridgeFit, type LinearMap } from './regression.js';
import type { Split } from './splits.js';

export type RegressionKind = 'pls' | 'ridge' | 'linear';
export type CeilingForm = 'explained-variance' | 'r2-over-ceiling' | 'ratio';

export interface MetricOptions { regression?: RegressionKind; components?: number; alpha?: number }

export interface CrossScore { raw: number; sem: number; perSplit: number[] }

function rows(data: ArrayLike<number>, cols: number, idx: readonly number[]): Float32Array {
  const out = new Float32Array(idx.length * cols);
  idx.forEach((r, i) => { for (let c = 0; c < cols; c++) out[i * cols + c] = data[r * cols + c]; });
  return out;
}

async function fit(x: ReturnType<typeof hostMatrix>, y: ReturnType<typeof hostMatrix>, o: MetricOptions): Promise<LinearMap> {
  switch (o.regression ?? 'pls') {
    case 'pls': return plsFit(x, y, { components: Math.min(o.components ?? 25, x.shape[1]) });
    case 'ridge': return ridgeFit(x, y, o.alpha ?? 1);
    case 'linear': return ridgeFit(x, y, 0);
  }
}

/** Repetition average per stimulus and neuroid over the recorded (non-NaN) repeats: [stimuli, neuroids]. */
export function repetitionMean(resp: RepeatedResponses): Float64Array {
  const { data, reps, images, neurons } = resp;
  const out = new Float64Array(images * neurons);
  for (let i = 0; i < images * neurons; i++) {
    let s = 0, m = 0;
    for (let r = 0; r < reps; r++) { const v = data[r * images * neurons + i]; if (!Number.isNaN(v)) { s += v; m++; } }
    out[i] = m ? s / m : NaN;
  }
  return out;
}

/**
 * CrossRegressedCorrelation of `features` [stimuli, F] with `target` [stimuli, K] (repetition-averaged) over
 * `splits`. Rows are stimuli in the assembly's order.
 */
export async function crossRegressedCorrelation(engine: Engine, features: ArrayLike<number>, target: ArrayLike<number>, stimuli: number,
  splits: readonly Split[], opts: MetricOptions = {}): Promise<CrossScore> {
  const F = features.length / stimuli, K = target.length / stimuli;
  if (!Number.isInteger(F) || !Number.isInteger(K) || F < 1 || K < 1) {
    throw new ShapeError(`neural metric: features (${features.length}) and target (${target.length}) are not [${stimuli}, ·]`);
  }
  if (!splits.length) throw new ShapeError('neural metric: no cross-validation splits');
  const perSplit: number[] = [];
  const a = new Float64Array(stimuli), b = new Float64Array(stimuli);
  for (const s of splits) {
    if ([...s.train, ...s.test].some((i) => !(Number.isInteger(i) && i >= 0 && i < stimuli))) throw new ShapeError(`neural metric: a split indexes outside [0, ${stimuli})`);
    const pred = await engine.scopeAsync(async () => {
      const map = await fit(hostMatrix(engine, rows(features, F, s.train), s.train.length, F), hostMatrix(engine, rows(target, K, s.train), s.train.length, K), opts);
      try {
        return await map.apply(hostMatrix(engine, rows(features, F, s.test), s.test.length, F)).read();
      } finally { map.dispose(); }
    });
    const rs = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      s.test.forEach((i, j) => { a[j] = pred[j * K + k]; b[j] = target[i * K + k]; });
      rs[k] = pearson(a, b, s.test.length);
    }
    perSplit.push(median(rs));
  }
  const raw = perSplit.reduce((x, y) => x + y, 0) / perSplit.length;
  const sd = Math.sqrt(perSplit.reduce((x, y) => x + (y - raw) ** 2, 0) / perSplit.length);
  return { raw, sem: sd / Math.sqrt(perSplit.length), perSplit };
}

export interface NeuralScore extends CrossScore { ceiling: number; ceiled: number; form: CeilingForm }

/** The full benchmark metric: cross-regressed correlation with the repetition mean, ceiled by internal consistency. */
export async function neuralScore(engine: Engine, features: ArrayLike<number>, resp: RepeatedResponses, splits: readonly Split[],
  opts: MetricOptions & { orders?: readonly (readonly number[])[]; form?: CeilingForm; ceiling?: number } = {}): Promise<NeuralScore> {
  const cross = await crossRegressedCorrelation(engine, features, repetitionMean(resp), resp.images, splits, opts);
  const ceiling = opts.ceiling ?? splitHalfCeiling(resp, { orders: opts.orders }).ceiling;
  const form = opts.form ?? 'explained-variance';
  return { ...cross, ceiling, ceiled: ceiledScore(cross.raw, ceiling, form), form };
}

export interface Commitment { layer: string; scores: { layer: string; raw: number; sem: number }[] }

/**
 * Layer commitment (brain-score/vision model_helpers/brain_transformation `LayerSelection`): score every candidate
 * layer's (PCA-reduced) activations on the public split and commit the argmax of the raw score.
 */
export async function commitLayer(engine: Engine, candidates: ReadonlyMap<string, ArrayLike<number>>, target: ArrayLike<number>, stimuli: number,
  splits: readonly Split[], opts: MetricOptions = {}): Promise<Commitment> {
  if (!candidates.size) throw new ShapeError('layer commitment: no candidate layers');
  const scores: Commitment['scores'] = [];
  for (const [layer, feats] of candidates) {
    const s = await crossRegressedCorrelation(engine, feats, target, stimuli, splits, opts);
    scores.push({ layer, raw: s.raw, sem: s.sem });
  }
  const best = scores.reduce((m, s) => (s.raw > m.raw || Number.isNaN(m.raw) ? s : m));
  return { layer: best.layer, scores };
}
