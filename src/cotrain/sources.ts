/**
 * Real data for the co-training protocol, read into the same in-memory sets as the built-in data:
 *   classification  Tiny ImageNet (its train split, less a held-out validation fraction as nntransfer does, for
 *                   training and validation; its val split for testing) or an ImageFolder pair (train root; val root
 *                   as the test set), as gray images resized to `data.imageSize` (64 for the paper's TIN);
 *   neural          a neuralset-v0 folder (src/data/neuralset.ts: repeated V1 responses, sessions, splits) with its
 *                   images resized to the classification side and z-scored over the set, as sim-v1's are; without
 *                   val_ids, the last `valFraction` of the training images validate.
 * Per-class caps (`maxPerClass`) keep a run on a small machine small; the cap takes each class's first files in
 * sorted order, so it is the same on every machine.
 */
import type { Dataset } from '../data/dataset.js';
import { holdout, subset } from '../data/dataset.js';
import { TinyImageNet } from '../data/tiny-imagenet.js';
import { imageFolderSplits } from '../data/image-folder.js';
import { readNeuralSet, repeatedOf, splitIndices } from '../data/neuralset.js';
import { resize } from '../data/transforms.js';
import { repeatMean } from '../stats/repeats.js';
import { DataError } from '../data/dataset.js';
import type { ImageSet, NeuralData, Session } from './data.js';

export type ClassificationSource =
  | { kind: 'tiny-imagenet'; root: string; valFraction: number; maxPerClass?: number }
  | { kind: 'image-folder'; train: string; test: string; valFraction: number; maxPerClass?: number };

/** Items of `ds` keeping at most `cap` per class (the first ones in dataset order). */
function capPerClass(ds: Dataset & { labels?: Int32Array }, cap: number | undefined): number[] {
  const counts = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < ds.size; i++) {
    const label = ds.labels ? ds.labels[i] : ds.get(i).label;
    const n = counts.get(label) ?? 0;
    if (cap === undefined || n < cap) { out.push(i); counts.set(label, n + 1); }
  }
  return out;
}

/** Gray [count, 1, size, size] images of `ds` at `indices`, resized when their side differs. */
function readSet(ds: Dataset, indices: ArrayLike<number>, size: number): ImageSet {
  const per = size * size;
  const images = new Float32Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    let s = ds.get(indices[j]);
    if (s.shape[0] !== 1) throw new DataError(`cotrain: expected gray images, item ${indices[j]} has ${s.shape[0]} channels`);
    if (s.shape[1] !== size || s.shape[2] !== size) s = { ...resize(s, size, size), label: s.label };
    images.set(s.data, j * per);
    labels[j] = s.label;
  }
  return { images, labels, count: indices.length, size };
}

export interface LoadedClassification { train: ImageSet; val: ImageSet; test: ImageSet; classNames: readonly string[]; describe: string }

export function loadClassification(src: ClassificationSource, size: number, seed: number): LoadedClassification {
  const { trainAll, test, name } = src.kind === 'tiny-imagenet'
    ? { trainAll: TinyImageNet.open(src.root, 'train', { channels: 1 }), test: TinyImageNet.open(src.root, 'val', { channels: 1 }), name: `Tiny ImageNet ${src.root}` }
    : (() => { const s = imageFolderSplits(src.train, src.test, { channels: 1 }); return { trainAll: s.train, test: s.val, name: `ImageFolder ${src.train} | ${src.test}` }; })();
  const kept = capPerClass(trainAll, src.maxPerClass);
  const split = holdout(subset(trainAll, kept), src.valFraction, seed);
  const all = (d: Dataset) => Array.from({ length: d.size }, (_, i) => i);
  const train = readSet(split.train, all(split.train), size);
  const val = readSet(split.val, all(split.val), size);
  const testSet = readSet(test, capPerClass(test, src.maxPerClass), size);
  if (val.count === 0) throw new DataError(`cotrain: ${name}: valFraction ${src.valFraction} leaves no validation images`);
  return { train, val, test: testSet, classNames: trainAll.classNames, describe: `${name}, ${size}×${size} gray` };
}

/**
 * A neuralset-v0 folder as the protocol's neural data: sessions from `session_of_neuron` (each a contiguous range
 * of neurons, one readout each), the file's train/val/test splits, images resized to `size` and z-scored.
 */
export function loadNeuralSet(dir: string, size: number, valFraction: number): NeuralData {
  const set = readNeuralSet(dir);
  const [N, H, W] = set.imageShape;
  const [, , K] = set.responseShape;
  const sessions: Session[] = [];
  set.meta.session_of_neuron.forEach((s, k) => {
    const key = `s${String(s).replace(/\./g, '_')}`;
    const last = sessions.at(-1);
    if (last && last.key === key) last.count++;
    else if (sessions.some((x) => x.key === key)) throw new DataError(`${dir}/meta.json: session_of_neuron: session ${s} is not one contiguous range of neurons (neuron ${k})`);
    else sessions.push({ key, start: k, count: 1 });
  });
  const per = size * size;
  const images = new Float32Array(N * per);
  for (let i = 0; i < N; i++) {
    const src = Float32Array.from(set.images.subarray(i * H * W, (i + 1) * H * W));
    const img = H === size && W === size ? src : resize({ data: src, shape: [1, H, W] }, size, size).data;
    images.set(img, i * per);
  }
  let m = 0, ss = 0;
  for (const v of images) { m += v; ss += v * v; }
  m /= images.length;
  const std = Math.sqrt(Math.max(ss / images.length - m * m, 0));
  if (!(std > 0)) throw new DataError(`${dir}/images.npy: the images are constant`);
  for (let i = 0; i < images.length; i++) images[i] = (images[i] - m) / std;
  const trials = repeatedOf(set);
  let train = splitIndices(set, 'train'), val = splitIndices(set, 'val');
  const test = splitIndices(set, 'test');
  if (val.length === 0) {
    // No validation split in the file: the last valFraction of the training images, as for sim-v1.
    const nVal = Math.max(1, Math.round(train.length * valFraction));
    val = train.slice(train.length - nVal);
    train = train.slice(0, train.length - nVal);
  }
  for (const [name, ix] of [['train_ids', train], ['val_ids', val], ['test_ids', test]] as const) {
    if (ix.length === 0) throw new DataError(`${dir}/meta.json: split.${name} is empty`);
  }
  return {
    images, imageCount: N, neuronCount: K, size, sessions, train, val, test, meanResponses: Float32Array.from(repeatMean(trials)), trials,
    describe: `neuralset-v0 ${dir} (${set.meta.source}): ${N} images × ${K} neurons`,
  };
}
