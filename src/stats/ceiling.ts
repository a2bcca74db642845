/**
 * Brain-Score style noise ceilings: `internal_consistency` (brain-score/vision
 * `metrics/internal_consistency/ceiling.py`): random half-splits of the repetitions, repeat-average each half,
 * Pearson r per neuroid between halves over stimuli, Spearman–Brown (n = 2), median over neuroids, mean over splits.
 */
import { streamKey } from '../random/pcg.js';
import { permutation } from './bootstrap.js';
import { pearson } from './correlation.js';
import type { RepeatedResponses } from './repeats.js';

export interface CeilingOptions {
  /** Number of random half-splits (Brain-Score: 10). */
  splits?: number;
  seed?: number;
  /** Explicit repetition orders, one per split (the first ⌊m/2⌋ recorded repeats form half A); overrides splits/seed. */
  orders?: readonly (readonly number[])[];
}

export interface CeilingResult {
  /** Mean over splits of the median over neurons of the Spearman–Brown corrected split-half r. */
  ceiling: number;
  /** The per-split medians. */
  perSplit: number[];
  /** Per neuron, the mean over splits of its corrected split-half r. */
  perNeuron: Float64Array;
}

/** Spearman–Brown prophecy for a test twice as long: 2r / (1 + r). */
export function spearmanBrown(r: number): number {
  return (2 * r) / (1 + r);
}

/**
 * Split-half internal consistency. Each split is a random order of the repetition index; per image and neuron the
 * recorded repeats, taken in that order, fill half A with the first ⌊m/2⌋ and half B with the rest, so neurons with
 * NaN-masked repeats still get two non-empty halves. Images with fewer than two recorded repeats are left out.
 */
export function splitHalfCeiling(resp: RepeatedResponses, opts: CeilingOptions = {}): CeilingResult {
  const splits = opts.orders?.length ?? opts.splits ?? 10;
  const { reps, images, neurons, data } = resp;
  const perSplit: number[] = [];
  const perNeuron = new Float64Array(neurons);
  const a = new Float64Array(images), b = new Float64Array(images);
  const rs = new Float64Array(neurons);
  for (let s = 0; s < splits; s++) {
    const order = opts.orders?.[s] ?? permutation(reps, streamKey(opts.seed ?? 0, s));
    for (let k = 0; k < neurons; k++) {
      let n = 0;
      for (let i = 0; i < images; i++) {
        let m = 0;
        for (const r of order) if (!Number.isNaN(data[(r * images + i) * neurons + k])) m++;
        if (m < 2) continue;
        let sa = 0, sb = 0, seen = 0;
        const half = Math.floor(m / 2);
        for (const r of order) {
          const v = data[(r * images + i) * neurons + k];
          if (Number.isNaN(v)) continue;
          if (seen++ < half) sa += v; else sb += v;
        }
        a[n] = sa / half; b[n] = sb / (m - half); n++;
      }
      rs[k] = spearmanBrown(pearson(a, b, n));
      perNeuron[k] += rs[k] / splits;
    }
    perSplit.push(median(rs));
  }
  return { ceiling: perSplit.reduce((x, y) => x + y, 0) / splits, perSplit, perNeuron };
}

/**
 * A raw score normalised by a ceiling, in the three forms Brain-Score has used: 'explained-variance' = (r/c)²
 * (2019-12 to 2024, the form of the 2022 competition), 'r2-over-ceiling' = r²/c (since 2026-01), 'ratio' = r/c
 * (before 2020).
 */
export function ceiledScore(r: number, ceiling: number, form: 'explained-variance' | 'r2-over-ceiling' | 'ratio' = 'explained-variance'): number {
  if (form === 'ratio') return r / ceiling;
  if (form === 'r2-over-ceiling') return (r * r) / ceiling;
  return (r / ceiling) ** 2;
}

/** Median ignoring NaN (numpy `nanmedian`). */
export function median(x: ArrayLike<number>): number {
  const v = Array.from(x).filter((e) => !Number.isNaN(e)).sort((p, q) => p - q);
  if (v.length === 0) return NaN;
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}
