/**
 * The protocol's model and what it measures: MtlVgg built from the configuration (the shared block always ends at
 * relu3_1, whatever the layer list), a wrapper that standardises [0, 1] images on the GPU (so corrupted images go
 * straight from `corrupt` to the model), batched response prediction, and the paper's metrics (nnvision utility/measures.py): top-1 accuracy,
 * per-neuron correlation on single trials (the early-stopping objective of the neural model) and FEV/FEVe on repeats.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer } from '../nn/layers.js';
import { affine } from '../ops/elementwise.js';
import type { MtlVgg } from '../models/mtl.js';
import { createMtlVgg } from '../models/factory.js';
import { evaluate } from '../train/evaluate.js';
import { corrToSingleTrials } from '../stats/correlation.js';
import { neuralMetrics } from '../analysis/neural-metrics.js';
import type { CotrainConfig } from './config.js';
import { imageSetDataset, sliceColumns, trialsOf, type ClassificationData, type NeuralData } from './data.js';

/** MtlVgg for the configuration (models/factory.ts): readouts for every sim-v1 session; `classification` adds the head. */
export function buildModel(engine: Engine, c: CotrainConfig, neural: NeuralData, numClasses: number, seed: number, classification = true): MtlVgg {
  return createMtlVgg(engine, {
    cfg: c.model.cfg, widthDivisor: c.model.widthDivisor, neuralSize: neural.size,
    sessions: Object.fromEntries(neural.sessions.map((s) => [s.key, s.count])),
    overrides: { numClasses, headWidth: c.model.headWidth, dropout: c.model.dropout, seed, classification, gammaReadout: c.predictor.gammaReadout },
  });
}

/**
 * The classifier seen from raw [0, 1] images: (x − mean)/std on the GPU, then MtlVgg.classify. Holds the model as
 * its child, so train()/eval() reach it; dispose the model, not this wrapper.
 */
export class StandardizedClassifier extends Layer {
  constructor(readonly model: MtlVgg, readonly mean: number, readonly std: number) {
    super(model.engine);
    this.child('model', model);
  }

  forward(x: Tensor): Tensor { return this.model.classify(affine(x, 1 / this.std, -this.mean / this.std)); }
}

/** Top-1 accuracy on a split of raw images (the wrapper standardises). */
export async function accuracy(engine: Engine, model: MtlVgg, d: ClassificationData, split: 'val' | 'test', batchSize: number): Promise<number> {
  const set = d[split];
  const r = await evaluate(engine, new StandardizedClassifier(model, d.mean, d.std), imageSetDataset(set, d.numClasses, d.classNames), (img) => img, batchSize);
  return r.top1;
}

/**
 * Responses of every session to model-ready images [count, 1, size, size], batch by batch in eval mode without
 * gradients (MtlVgg.predictResponses): session → [count, neurons of the session].
 */
export async function predictAll(model: MtlVgg, images: Float32Array, count: number, size: number, batchSize: number): Promise<Map<string, Float32Array>> {
  const e = model.engine;
  const per = size * size;
  const keys = model.v1_readout.keys();
  const parts = new Map(keys.map((k) => [k, [] as Float32Array[]]));
  for (let s = 0; s < count; s += batchSize) {
    const n = Math.min(batchSize, count - s);
    const x = e.tensor(images.subarray(s * per, (s + n) * per), [n, 1, size, size]);
    const out = model.predictResponses(x);
    x.dispose();
    for (const k of keys) {
      const t = out.get(k)!;
      parts.get(k)!.push((await t.read()) as Float32Array);
      t.dispose();
    }
  }
  return new Map(keys.map((k) => {
    const chunks = parts.get(k)!;
    const all = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
    let o = 0;
    for (const c of chunks) { all.set(c, o); o += c.length; }
    return [k, all];
  }));
}

/** Predictions of all sessions side by side in neuron order: [count, neurons]. */
export function joinSessions(d: NeuralData, bySession: ReadonlyMap<string, Float32Array>, count: number): Float32Array {
  const K = d.neuronCount;
  const out = new Float32Array(count * K);
  for (const s of d.sessions) {
    const p = bySession.get(s.key)!;
    for (let i = 0; i < count; i++) for (let k = 0; k < s.count; k++) out[i * K + s.start + k] = p[i * s.count + k];
  }
  return out;
}

/** One session's columns of a joined [count, neurons] array. */
export function sessionOf(d: NeuralData, joined: Float32Array, key: string): Float32Array {
  const s = d.sessions.find((x) => x.key === key)!;
  return sliceColumns(joined, d.neuronCount, s.start, s.count);
}

/** Responses [count, neurons] of the sim-v1 images `indices`. */
export async function predictSim(model: MtlVgg, d: NeuralData, indices: Int32Array, batchSize: number): Promise<Float32Array> {
  const per = d.size * d.size;
  const images = new Float32Array(indices.length * per);
  indices.forEach((i, j) => images.set(d.images.subarray(i * per, (i + 1) * per), j * per));
  return joinSessions(d, await predictAll(model, images, indices.length, d.size, batchSize), indices.length);
}

const meanOf = (x: ArrayLike<number>): number => Array.from(x).reduce((a, b) => a + b, 0) / x.length;

/** Mean per-neuron correlation with single trials (nnvision get_correlations, NaN → 0): the neural model's objective. */
export async function validationCorrelation(model: MtlVgg, d: NeuralData, batchSize: number): Promise<number> {
  return meanOf(corrToSingleTrials(trialsOf(d, d.val), await predictSim(model, d, d.val, batchSize)));
}

/** Neural predictivity on the test images: mean single-trial correlation and mean FEVe over neurons. */
export async function neuralTestScore(model: MtlVgg, d: NeuralData, batchSize: number): Promise<{ corr: number; fevE: number }> {
  const m = neuralMetrics(trialsOf(d, d.test), await predictSim(model, d, d.test, batchSize));
  return { corr: m.mean.corrToSingleTrials, fevE: m.mean.feve };
}

/** Puts the model in training mode except for `frozen` parts, whose BN layers keep their running statistics. */
export function trainMode(model: MtlVgg, frozenBlock: boolean): void {
  model.train();
  if (frozenBlock) model.mtl_vgg_core.v1Block.eval();
}
