/**
 * Image-level behavioural consistency I2n (Rajalingham, Issa et al. 2018, as brain-score/vision metrics/
 * image_level_behavior computes it). A response matrix holds, per image and distractor object, the rate at which
 * the distractor was chosen over the image's true object (NaN on the true object itself): for the model
 * p(d)/(p(d) + p(t)) from the readout's class probabilities; for observers the number of trials on that image in
 * which the distractor was chosen over the number in which it was offered. d′ = Φ⁻¹(1 − rate) − Φ⁻¹(mean rate of
 * the reversed task over the distractor's own images), clipped to ±5; I2n subtracts from each d′ the mean over the
 * images of the same (true object, distractor) pair. The score of one repetition is Pearson r between the model's
 * I2n and that of one random half of the observer trials (cells the half leaves NaN are masked); its ceiling the r
 * between the two halves. Repetitions (2) draw their halves from one numpy `RandomState(0)`; the benchmark
 * (benchmarks/rajalingham2018) ceils each repetition as r/√ceiling and reports the mean and std (ddof 0).
 */
import { ShapeError } from '../errors.js';
import { MT19937 } from '../random/mt19937.js';
import { pearson } from '../stats/correlation.js';
import { normalQuantile } from '../stats/normal.js';

export interface ResponseMatrix {
  /** Sorted (as xarray's sortby) stimulus ids, one row each. */
  stimulusIds: string[];
  /** Sorted choice (object) names, one column each. */
  choices: string[];
  truth: string[];
  /** [images, choices] row-major. */
  values: Float64Array;
}

/** One observer trial per entry, as the objectome BehavioralAssembly stores them. */
export interface BehaviorTrials { stimulusId: string[]; sampleObj: string[]; distObj: string[]; choice: string[] }

const sorted = (v: Iterable<string>) => [...new Set(v)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The model's response matrix from class probabilities [images, classes] (`classes` in the readout's order). */
export function modelResponseMatrix(probs: ArrayLike<number>, classes: readonly string[], stimulusIds: readonly string[], truth: readonly string[]): ResponseMatrix {
  const n = stimulusIds.length, k = classes.length;
  if (probs.length !== n * k || truth.length !== n) throw new ShapeError(`I2n: ${probs.length} probabilities for ${n} images × ${k} classes (${truth.length} truths)`);
  const ids = sorted(stimulusIds), choices = sorted(classes);
  if (ids.length !== n) throw new ShapeError('I2n: stimulus ids repeat in the model probabilities');
  const row = new Map(stimulusIds.map((s, i) => [s, i]));
  const col = new Map(classes.map((c, j) => [c, j]));
  const values = new Float64Array(n * choices.length);
  const tr = ids.map((s) => truth[row.get(s)!]);
  ids.forEach((s, i) => {
    const r = row.get(s)!;
    const pt = col.get(tr[i]);
    if (pt === undefined) throw new ShapeError(`I2n: image ${s}'s object '${tr[i]}' is not one of the readout's classes (${classes.join(', ')})`);
    choices.forEach((c, j) => {
      const pc = probs[r * k + col.get(c)!];
      values[i * choices.length + j] = c === tr[i] ? NaN : pc / (pc + probs[r * k + pt]);
    });
  });
  return { stimulusIds: ids, choices, truth: tr, values };
}

/** The observers' response matrix from the trials `idx` (default all). */
export function humanResponseMatrix(t: BehaviorTrials, idx: readonly number[] = t.choice.map((_, i) => i)): ResponseMatrix {
  const ids = sorted(idx.map((i) => t.stimulusId[i])), choices = sorted(idx.map((i) => t.choice[i]));
  const row = new Map(ids.map((s, i) => [s, i])), col = new Map(choices.map((c, j) => [c, j]));
  const K = choices.length;
  const chosen = new Float64Array(ids.length * K), offered = new Float64Array(ids.length * K);
  const truth: string[] = new Array(ids.length);
  for (const i of idx) {
    const r = row.get(t.stimulusId[i])!;
    // The first trial of an image (in trial order) names its truth, as np.unique's first index does.
    truth[r] ??= t.sampleObj[i];
    chosen[r * K + col.get(t.choice[i])!]++;
    for (const o of [t.sampleObj[i], t.distObj[i]]) { const c = col.get(o); if (c !== undefined) offered[r * K + c]++; }
  }
  const values = new Float64Array(ids.length * K);
  for (let r = 0; r < ids.length; r++) for (let c = 0; c < K; c++) {
    values[r * K + c] = truth[r] === choices[c] || offered[r * K + c] === 0 ? NaN : chosen[r * K + c] / offered[r * K + c];
  }
  return { stimulusIds: ids, choices, truth, values };
}

const nanMean = (v: number[]) => { let s = 0, m = 0; for (const x of v) if (!Number.isNaN(x)) { s += x; m++; } return m ? s / m : NaN; };

/** d′ per image and distractor, clipped to ±cap, and (I2n) minus the mean of its (truth, distractor) group. */
export function dprimes(m: ResponseMatrix, o: { cap?: number; normalize?: boolean } = {}): ResponseMatrix {
  const cap = o.cap ?? 5, K = m.choices.length, n = m.stimulusIds.length;
  const col = new Map(m.choices.map((c, j) => [c, j]));
  const byTruth = new Map<string, number[]>();
  m.truth.forEach((t, i) => { const l = byTruth.get(t) ?? []; l.push(i); byTruth.set(t, l); });
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) for (let c = 0; c < K; c++) {
    const reverse = byTruth.get(m.choices[c]), back = col.get(m.truth[i]);
    if (!reverse || back === undefined) throw new ShapeError(`I2n: no images of '${m.choices[c]}' against '${m.truth[i]}' for the reversed task's false-alarm rate`);
    const fa = nanMean(reverse.map((j) => m.values[j * K + back]));
    const d = normalQuantile(1 - m.values[i * K + c]) - normalQuantile(fa);
    out[i * K + c] = Number.isNaN(d) ? NaN : Math.min(cap, Math.max(-cap, d));
  }
  if (o.normalize ?? true) {
    for (const rows of byTruth.values()) for (let c = 0; c < K; c++) {
      const mu = nanMean(rows.map((i) => out[i * K + c]));
      for (const i of rows) out[i * K + c] -= mu;
    }
  }
  return { ...m, values: out };
}

/**
 * Pearson r over the cells where `target` is not NaN (images and choices aligned by name). A NaN source cell there
 * is an error (Brain-Score asserts), unless `skipna` drops it too, as its ceiling may.
 */
export function correlateMatrices(source: ResponseMatrix, target: ResponseMatrix, skipna = false): number {
  const sRow = new Map(source.stimulusIds.map((s, i) => [s, i])), sCol = new Map(source.choices.map((c, j) => [c, j]));
  const a: number[] = [], b: number[] = [];
  target.stimulusIds.forEach((s, i) => target.choices.forEach((c, j) => {
    const v = target.values[i * target.choices.length + j];
    if (Number.isNaN(v)) return;
    const r = sRow.get(s), k = sCol.get(c);
    if (r === undefined || k === undefined) throw new ShapeError(`I2n: the model has no ${r === undefined ? `image ${s}` : `choice '${c}'`}`);
    const x = source.values[r * source.choices.length + k];
    if (Number.isNaN(x)) {
      if (skipna) return;
      throw new ShapeError(`I2n: the model's d′ is NaN for image ${s} vs '${c}'`);
    }
    a.push(x); b.push(v);
  }));
  return pearson(a, b, a.length);
}

/** Brain-Score's `generate_halves`: shuffle the trial indices with `rng`, first ⌊n/2⌋ and the rest. */
export function trialHalves(trials: number, rng: MT19937): [number[], number[]] {
  const idx = rng.shuffle(Array.from({ length: trials }, (_, i) => i));
  const h = Math.floor(trials / 2);
  return [idx.slice(0, h), idx.slice(h)];
}

export interface I2nResult {
  /** Per repetition: r with half 0, the halves' r, and r/√ceiling. */
  perRepetition: { raw: number; ceiling: number; ceiled: number; halves: [number[], number[]] }[];
  raw: number;
  ceiling: number;
  ceiled: number;
  /** std (ddof 0) of the ceiled repetitions. */
  error: number;
}

/** I2n of the model's response matrix against the observers, ceiled per repetition (benchmarks/rajalingham2018). */
export function i2nScore(model: ResponseMatrix, trials: BehaviorTrials, o: { repetitions?: number; seed?: number } = {}): I2nResult {
  const reps = o.repetitions ?? 2;
  const n = trials.choice.length;
  for (const [k, v] of Object.entries(trials)) if (v.length !== n) throw new ShapeError(`I2n: trials.${k} has ${v.length} entries, choice ${n}`);
  const source = dprimes(model);
  const rng = new MT19937(o.seed ?? 0);
  const perRepetition = Array.from({ length: reps }, () => {
    const halves = trialHalves(n, rng);
    const [h0, h1] = halves.map((h) => dprimes(humanResponseMatrix(trials, h)));
    const raw = correlateMatrices(source, h0);
    const ceiling = correlateMatrices(h0, h1, true);
    return { raw, ceiling, ceiled: raw / Math.sqrt(ceiling), halves };
  });
  const avg = (f: (r: I2nResult['perRepetition'][number]) => number) => perRepetition.reduce((s, r) => s + f(r), 0) / reps;
  const ceiled = avg((r) => r.ceiled);
  return { perRepetition, raw: avg((r) => r.raw), ceiling: avg((r) => r.ceiling), ceiled, error: Math.sqrt(avg((r) => (r.ceiled - ceiled) ** 2)) };
}
