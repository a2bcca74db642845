/**
 * Brain-Score's cross-validation splits (brain-score/vision metric_helpers/transformations.py `Split`: 10 splits,
 * train_size .9, sklearn `StratifiedShuffleSplit` on the stimuli's object or texture labels). The allocation is
 * sklearn's: n_train = ⌊.9 n⌋, n_test = n − n_train; per class the train and test counts are the
 * `_approximate_mode` of the class counts (floors, then the largest remainders); each class is shuffled and its
 * first counts taken. The shuffles come from the project's counter RNG, not numpy's MT19937, so the splits have
 * sklearn's structure but not its exact membership; pass explicit splits to reproduce a run.
 */
import { permutation } from '../stats/bootstrap.js';
import { ShapeError } from '../errors.js';
import { streamKey } from '../random/pcg.js';

export interface Split { train: number[]; test: number[] }

export interface SplitOptions { splits?: number; trainSize?: number; seed?: number }

/** sklearn `_approximate_mode`: integer counts summing to `total` closest to `counts·total/Σcounts`. */
function approximateMode(counts: readonly number[], total: number, tieBreak: readonly number[]): number[] {
  const sum = counts.reduce((a, b) => a + b, 0);
  const cont = counts.map((c) => (c * total) / sum);
  const out = cont.map(Math.floor);
  let need = total - out.reduce((a, b) => a + b, 0);
  const order = counts.map((_, i) => i).sort((i, j) => (cont[j] - out[j]) - (cont[i] - out[i]) || tieBreak[i] - tieBreak[j]);
  for (const i of order) {
    if (need <= 0) break;
    if (out[i] < counts[i]) { out[i]++; need--; }
  }
  return out;
}

export function stratifiedShuffleSplits(labels: readonly (string | number)[], opts: SplitOptions = {}): Split[] {
  const n = labels.length;
  const splits = opts.splits ?? 10, trainSize = opts.trainSize ?? 0.9, seed = opts.seed ?? 1;
  const nTrain = Math.floor(trainSize * n), nTest = n - nTrain;
  const classes = [...new Set(labels)];
  const members = classes.map((c) => labels.flatMap((l, i) => (l === c ? [i] : [])));
  const counts = members.map((m) => m.length);
  if (!(nTrain >= classes.length && nTest >= classes.length)) {
    throw new ShapeError(`stratifiedShuffleSplits: ${n} stimuli of ${classes.length} classes leave ${nTrain} train / ${nTest} test, fewer than the classes`);
  }
  if (Math.min(...counts) < 2) throw new ShapeError('stratifiedShuffleSplits: every class needs at least 2 stimuli');
  return Array.from({ length: splits }, (_, s) => {
    const tie = permutation(classes.length, streamKey(seed, 3 * s));
    const nI = approximateMode(counts, nTrain, tie);
    const tI = approximateMode(counts.map((c, i) => c - nI[i]), nTest, tie);
    const train: number[] = [], test: number[] = [];
    members.forEach((m, c) => {
      const perm = permutation(m.length, streamKey(seed, 1000 + s * classes.length + c));
      for (let j = 0; j < nI[c]; j++) train.push(m[perm[j]]);
      for (let j = nI[c]; j < nI[c] + tI[c]; j++) test.push(m[perm[j]]);
    });
    const shuffle = (v: number[], k: number) => permutation(v.length, streamKey(seed, 3 * s + k)).map((i) => v[i]);
    return { train: shuffle(train, 1), test: shuffle(test, 2) };
  });
}

/** Brain-Score's repetition half-splits (ShuffleSplit, train .5, `random_state` seed) as orders for splitHalfCeiling. */
export function repetitionOrders(reps: number, splits = 10, seed = 1): number[][] {
  return Array.from({ length: splits }, (_, s) => permutation(reps, streamKey(seed, 0x5eed + s)));
}
