/**
 * The protocol's built-in data: synth-objects-64 for classification (rendered once into memory,
 * values in [0, 1], standardised later with the training set's mean and std, as the paper does for TIN), and sim-v1
 * for the neural task (z-scored stimuli, repeated Poisson responses). The neural training targets are the mean over
 * each neuron's recorded repeats; validation and test keep the single trials for correlation and FEV.
 * Also the batch sources the cycler consumes: augmented classification batches and per-session neural batches.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkIndex, type Dataset, type Sample } from '../data/dataset.js';
import { DataLoader, type LoaderPosition, type SampleTransform } from '../data/loader.js';
import { SynthObjects, type SynthSplit } from '../data/synth-objects.js';
import { simV1, synthStimuli } from '../data/sim-v1.js';
import { augment, normalizeImage, type Transform } from '../data/transforms.js';
import { repeatMean, repeated, selectImages, type RepeatedResponses } from '../stats/repeats.js';
import { ArgumentError, ConfigError, ShapeError } from '../errors.js';
import type { CotrainConfig } from './config.js';
import { loadClassification, loadNeuralSet } from './sources.js';
import type { CycleTask } from '../train/cycler.js';

/** Gray images [count, 1, size, size] with labels. */
export interface ImageSet { images: Float32Array; labels: Int32Array; count: number; size: number }

export interface ClassificationData {
  train: ImageSet;
  val: ImageSet;
  test: ImageSet;
  numClasses: number;
  classNames: readonly string[];
  /** One line naming the source (report header). */
  describe: string;
  /** Pixel mean and std of the training images: the standardisation of every model input. */
  mean: number;
  std: number;
  size: number;
}

export interface Session { key: string; /** First neuron (sim-v1 order). */ start: number; count: number }

export interface NeuralData {
  /** [images, size, size] z-scored model-ready images. */
  images: Float32Array;
  imageCount: number;
  neuronCount: number;
  /** One line naming the source (report header). */
  describe: string;
  size: number;
  sessions: Session[];
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
  /** [images, neurons] mean over the recorded repeats (the training targets). */
  meanResponses: Float32Array;
  /** Single trials [reps, images, neurons] of every image (NaN = repeat not recorded). */
  trials: RepeatedResponses;
}

function renderSplit(split: SynthSplit, perClass: number, c: CotrainConfig): { set: ImageSet; ds: SynthObjects } {
  const ds = new SynthObjects({ split, perClass, seed: c.data.seed, imageSize: c.data.imageSize, hard: c.data.hard, families: c.data.families, rms: c.data.rms });
  const per = c.data.imageSize ** 2;
  const images = new Float32Array(ds.size * per);
  const labels = new Int32Array(ds.size);
  for (let i = 0; i < ds.size; i++) {
    const s = ds.get(i);
    images.set(s.data, i * per);
    labels[i] = s.label;
  }
  return { set: { images, labels, count: ds.size, size: c.data.imageSize }, ds };
}

export function buildClassification(c: CotrainConfig): ClassificationData {
  const src = c.data.source;
  const sets = src === 'synth-objects' ? (() => {
    const train = renderSplit('train', c.data.trainPerClass, c);
    return {
      train: train.set, val: renderSplit('val', c.data.valPerClass, c).set, test: renderSplit('test', c.data.testPerClass, c).set,
      classNames: train.ds.classNames, describe: `synth-objects ${c.data.imageSize}×${c.data.imageSize} gray`,
    };
  })() : loadClassification(src, c.data.imageSize, c.data.seed);
  if (sets.train.count < c.batchSize) throw new ConfigError(`cotrain: field 'batchSize': ${c.batchSize} exceeds the ${sets.train.count} training images`);
  let s = 0, ss = 0;
  for (const v of sets.train.images) { s += v; ss += v * v; }
  const n = sets.train.images.length;
  const mean = s / n;
  const std = Math.sqrt(Math.max(ss / n - mean * mean, 0));
  if (!(std > 0)) throw new ArgumentError('cotrain: the training images are constant');
  return { ...sets, numClasses: sets.classNames.length, mean, std, size: c.data.imageSize };
}

/** A Dataset over an in-memory image set (arrays are copied out, as the contract asks). */
export function imageSetDataset(set: ImageSet, numClasses: number, classNames: readonly string[]): Dataset {
  const per = set.size * set.size;
  return {
    size: set.count, numClasses, classNames,
    get(i: number): Sample {
      checkIndex('imageSetDataset', i, set.count);
      return { data: set.images.slice(i * per, (i + 1) * per), shape: [1, set.size, set.size], label: set.labels[i] };
    },
  };
}

/** (x − mean)/std of a whole image set, as one array [count, 1, size, size]. */
export function standardize(set: ImageSet, mean: number, std: number): Float32Array {
  return Float32Array.from(set.images, (v) => (v - mean) / std);
}

/** The classification augmentation on [0, 1] images (RandomCrop with padding, flip, rotation), no standardisation. */
export function augmentation(c: CotrainConfig): Transform {
  return augment(c.data.imageSize, c.data);
}

/** Augmentation, then standardisation with the training statistics. */
export function standardizedTransform(c: CotrainConfig, d: ClassificationData): SampleTransform {
  const aug = augmentation(c);
  return (img, rng) => normalizeImage(aug(img, rng), [d.mean], [d.std]);
}

export function buildNeural(c: CotrainConfig): NeuralData {
  const n = c.neural;
  if (n.source !== 'sim-v1') {
    const d = loadNeuralSet(n.source.path, c.data.imageSize, n.valFraction);
    if (d.train.length < c.batchSize) throw new ConfigError(`cotrain: ${n.source.path} has ${d.train.length} training images, fewer than batchSize ${c.batchSize}`);
    return d;
  }
  const size = c.data.imageSize;
  const source = n.stimuli === 'synth' ? synthStimuli(c.data.seed, n.images, size) : {};
  const sim = simV1({ seed: c.data.seed, images: n.images, neurons: n.neurons, sessions: n.sessions, repeats: n.repeats, size, ...source });
  const K = n.neurons;
  const sessions: Session[] = [];
  sim.neurons.forEach((neuron, k) => {
    const last = sessions.at(-1);
    if (last && last.key === `s${neuron.session}`) last.count++;
    else sessions.push({ key: `s${neuron.session}`, start: k, count: 1 });
  });
  if (new Set(sessions.map((s) => s.key)).size !== sessions.length) throw new ShapeError('cotrain: sim-v1 sessions are not contiguous neuron ranges');
  const nVal = Math.max(1, Math.round(sim.trainIndices.length * n.valFraction));
  if (sim.trainIndices.length - nVal < c.batchSize) {
    throw new ConfigError(`cotrain: sim-v1 leaves ${sim.trainIndices.length - nVal} training images, fewer than batchSize ${c.batchSize}`);
  }
  // The validation images are the last of sim-v1's training split (the stimuli are exchangeable draws).
  const train = sim.trainIndices.slice(0, sim.trainIndices.length - nVal);
  const val = sim.trainIndices.slice(sim.trainIndices.length - nVal);
  const trials = repeated(sim.responses, [sim.repeats, n.images, K]);
  return {
    images: sim.images, imageCount: n.images, neuronCount: K, describe: `sim-v1 ${n.images} images (${n.stimuli}), ${K} neurons`,
    size, sessions, train, val, test: sim.testIndices, meanResponses: Float32Array.from(repeatMean(trials)), trials,
  };
}

/** Rows `indices` of a row-major array with `per` values per row. */
export function gatherRows(src: ArrayLike<number>, per: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * per);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    for (let q = 0; q < per; q++) out[j * per + q] = src[i * per + q];
  }
  return out;
}

/** Columns [start, start + count) of a row-major [rows, cols] array. */
export function sliceColumns(src: ArrayLike<number>, cols: number, start: number, count: number): Float32Array {
  const rows = src.length / cols;
  const out = new Float32Array(rows * count);
  for (let r = 0; r < rows; r++) for (let k = 0; k < count; k++) out[r * count + k] = src[r * cols + start + k];
  return out;
}

/** Single trials of the neural images `indices`. */
export function trialsOf(d: NeuralData, indices: ArrayLike<number>): RepeatedResponses {
  return selectImages(d.trials, indices);
}

/**
 * Model-ready images [count, 1, size, size] with per-session targets [count, neurons of the session]: the neural
 * task's training data (sim-v1 with recorded responses, or classification images with predicted ones).
 */
export interface ResponseSet { images: Float32Array; count: number; size: number; targets: Map<string, Float32Array> }

/** sim-v1 images `indices` with their repeat-mean responses, split by session. */
export function simResponseSet(d: NeuralData, indices: ArrayLike<number>): ResponseSet {
  const K = d.neuronCount;
  const rows = gatherRows(d.meanResponses, K, indices);
  return {
    images: gatherRows(d.images, d.size * d.size, indices), count: indices.length, size: d.size,
    targets: new Map(d.sessions.map((s) => [s.key, sliceColumns(rows, K, s.start, s.count)])),
  };
}

/** The same set with each session's responses moved to other images: one permutation of the images for all neurons. */
export function shuffledResponses(set: ResponseSet, perm: ArrayLike<number>): ResponseSet {
  if (perm.length !== set.count) throw new ShapeError(`shuffledResponses: permutation of ${perm.length} for ${set.count} images`);
  const targets = new Map([...set.targets].map(([k, t]) => [k, gatherRows(t, t.length / set.count, perm)]));
  return { ...set, targets };
}

/** The mean target of each session over the first batch of its loader (MTL_VGG.create_gaussian_readout). */
export function firstBatchMeans(set: ResponseSet, loaders: ReadonlyMap<string, DataLoader>, batchSize: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [key, loader] of loaders) {
    const t = set.targets.get(key)!;
    const k = t.length / set.count;
    const first = loader.order(loader.position.epoch).subarray(0, batchSize);
    const m = new Float32Array(k);
    for (const i of first) for (let j = 0; j < k; j++) m[j] += t[i * k + j] / first.length;
    out.set(key, m);
  }
  return out;
}

/** The loss of one neural batch: predicted responses [B, neurons] of `session` against targets. */
export type NeuralLoss = (session: string, images: Tensor, targets: Tensor) => Tensor;

/**
 * One CycleTask per session over a ResponseSet: shuffled batches (dropLast), targets looked up by dataset index.
 * `seed` keys the shuffles; every session gets its own order.
 */
export function neuralTasks(engine: Engine, set: ResponseSet, batchSize: number, seed: number, loss: NeuralLoss,
  start: (session: string) => LoaderPosition | undefined = () => undefined):
  { tasks: CycleTask[]; loaders: Map<string, DataLoader>; batchesPerEpoch: number } {
  const per = set.size * set.size;
  const ds: Dataset = {
    size: set.count, numClasses: 1, classNames: ['response'],
    get: (i) => ({ data: set.images.slice(i * per, (i + 1) * per), shape: [1, set.size, set.size], label: 0 }),
  };
  const loaders = new Map<string, DataLoader>();
  const tasks = [...set.targets.keys()].map((key, s): CycleTask => {
    const loader = new DataLoader(ds, { batchSize, seed: seed * 1009 + s + 1, dropLast: true, start: start(key) });
    loaders.set(key, loader);
    const t = set.targets.get(key)!;
    const k = t.length / set.count;
    return {
      name: key,
      async next() {
        const b = await loader.next();
        const y = gatherRows(t, k, b.indices);
        return () => loss(key, engine.tensor(b.images, b.shape), engine.tensor(y, [b.labels.length, k]));
      },
    };
  });
  return { tasks, loaders, batchesPerEpoch: Math.max(...[...loaders.values()].map((l) => l.batchesPerEpoch)) };
}

/** The loss of one classification batch from its images [B, 1, H, W] and i32 labels [B]. */
export type ClassLoss = (images: Tensor, labels: Tensor) => Tensor;

/** The classification CycleTask over augmented, standardised training images. */
export function classificationTask(engine: Engine, d: ClassificationData, transform: SampleTransform, batchSize: number, seed: number,
  loss: ClassLoss, start?: LoaderPosition, name = 'img_classification'): { task: CycleTask; loader: DataLoader } {
  const loader = new DataLoader(imageSetDataset(d.train, d.numClasses, d.classNames), { batchSize, seed, dropLast: true, transform, start });
  const task: CycleTask = {
    name,
    async next() {
      const b = await loader.next();
      return () => loss(engine.tensor(b.images, b.shape), engine.tensor(b.labels, [b.labels.length], 'i32'));
    },
  };
  return { task, loader };
}
