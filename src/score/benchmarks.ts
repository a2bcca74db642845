/**
 * Neural benchmarks as Brain-Score defines them (brain-score/vision benchmarks/freemanziemba2013 and majajhong2015):
 * region, visual degrees, time window, stratification label, public/private stimuli; and the scoring of one model
 * on one benchmark — candidate layers scored on the public stimuli with LayerPCA-reduced activations (PCA fitted
 * on a separate image set), the best layer committed, then scored without PCA on the private stimuli.
 */
import type { Engine } from '../engine.js';
import type { Image } from '../data/dataset.js';
import type { RepeatedResponses } from '../stats/repeats.js';
import { ShapeError } from '../errors.js';
import { extractActivations, type ScoredModel } from './activations.js';
import { commitLayer, neuralScore, repetitionMean, type CeilingForm, type Commitment, type MetricOptions, type NeuralScore } from './metric.js';
import { present, MODEL_DEGREES } from './presentation.js';
import { hostMatrix, pcaFit, type LinearMap } from './regression.js';
import { repetitionOrders, stratifiedShuffleSplits } from './splits.js';

export interface BenchmarkDef {
  id: string;
  region: 'V1' | 'V2' | 'V4' | 'IT';
  /** Visual degrees the stimuli span. */
  degrees: number;
  /** Averaged time window in ms. */
  window: readonly [number, number];
  /** Stimulus label the cross-validation stratifies on. */
  stratify: 'texture_type' | 'object_name';
}

export const BENCHMARKS: Record<'v1' | 'v2' | 'v4' | 'it', BenchmarkDef> = {
  v1: { id: 'FreemanZiemba2013.V1-pls', region: 'V1', degrees: 4, window: [50, 200], stratify: 'texture_type' },
  v2: { id: 'FreemanZiemba2013.V2-pls', region: 'V2', degrees: 4, window: [50, 200], stratify: 'texture_type' },
  v4: { id: 'MajajHong2015.V4-pls', region: 'V4', degrees: 8, window: [70, 170], stratify: 'object_name' },
  it: { id: 'MajajHong2015.IT-pls', region: 'IT', degrees: 8, window: [70, 170], stratify: 'object_name' },
};

/** MajajHong2015's public stimuli are HvM variations 0 and 3, the private ones variation 6. */
export const MAJAJHONG_PUBLIC_VARIATIONS = [0, 3];

/** A benchmark's data: stimuli in the assembly's order, their labels and split, and the responses over all of them. */
export interface BenchmarkData {
  def: BenchmarkDef;
  /** Raw stimuli in [0, 1], CHW. */
  stimulus: (i: number) => Image;
  labels: string[];
  isPublic: boolean[];
  responses: RepeatedResponses;
}

/** The responses of a subset of stimuli, in the given order. */
export function subsetResponses(r: RepeatedResponses, idx: readonly number[]): RepeatedResponses {
  const data = new Float64Array(r.reps * idx.length * r.neurons);
  for (let k = 0; k < r.reps; k++) idx.forEach((i, j) => {
    for (let n = 0; n < r.neurons; n++) data[(k * idx.length + j) * r.neurons + n] = r.data[(k * r.images + i) * r.neurons + n];
  });
  return { data, reps: r.reps, images: idx.length, neurons: r.neurons };
}

export interface ModelInput { size: number; channels: 1 | 3; modelDegrees?: number }

export interface ScoreOptions extends MetricOptions {
  /** Candidate layers for commitment. */
  layers: readonly string[];
  /** LayerPCA's separate fitting images (raw, [0, 1]); without them no PCA is applied. */
  pcaImages?: readonly Image[];
  /** LayerPCA components (Brain-Score: 1000); layers with fewer features are left as they are. */
  pcaComponents?: number;
  splits?: number;
  /** Train fraction of each split (Brain-Score: 0.9). */
  trainSize?: number;
  seed?: number;
  form?: CeilingForm;
  batch?: number;
  log?: (msg: string) => void;
}

export interface RegionResult extends NeuralScore {
  benchmark: string;
  region: string;
  layer: string;
  commitment: Commitment['scores'];
  stimuli: { public: number; private: number };
  neuroids: number;
}

export async function scoreBenchmark(engine: Engine, model: ScoredModel, input: ModelInput, bench: BenchmarkData, o: ScoreOptions): Promise<RegionResult> {
  const n = bench.labels.length;
  if (bench.isPublic.length !== n || bench.responses.images !== n) throw new ShapeError(`${bench.def.id}: ${n} labels, ${bench.isPublic.length} split flags, ${bench.responses.images} response rows`);
  const pub = bench.labels.flatMap((_, i) => (bench.isPublic[i] ? [i] : []));
  const priv = bench.labels.flatMap((_, i) => (bench.isPublic[i] ? [] : [i]));
  if (!pub.length || !priv.length) throw new ShapeError(`${bench.def.id}: needs both public and private stimuli (${pub.length} / ${priv.length})`);
  const view = { size: input.size, channels: input.channels, modelDegrees: input.modelDegrees ?? MODEL_DEGREES };
  const shown = (idx: readonly number[]) => (i: number) => present(bench.stimulus(idx[i]), { ...view, stimulusDegrees: bench.def.degrees });
  const splitOpts = { splits: o.splits ?? 10, trainSize: o.trainSize ?? 0.9, seed: o.seed ?? 1 };

  // LayerPCA: fitted per layer on the separate images, shown at the model's own field of view.
  const pcas = new Map<string, LinearMap>();
  try {
    if (o.pcaImages?.length) {
      const k = o.pcaComponents ?? 1000;
      const acts = await extractActivations(engine, model, (i) => present(o.pcaImages![i], { ...view, stimulusDegrees: view.modelDegrees }),
        o.pcaImages.length, o.layers, { batch: o.batch });
      for (const [layer, a] of acts.layers) {
        if (a.features <= k) continue;
        const comps = Math.min(k, acts.stimuli);
        pcas.set(layer, await engine.scopeAsync(async () => (await pcaFit(hostMatrix(engine, a.data, acts.stimuli, a.features), comps)).map));
      }
    }
    const pubActs = await extractActivations(engine, model, shown(pub), pub.length, o.layers,
      { batch: o.batch, reduce: (layer, t) => pcas.get(layer)?.apply(t) ?? t });
    const pubResp = subsetResponses(bench.responses, pub);
    const pubSplits = stratifiedShuffleSplits(pub.map((i) => bench.labels[i]), splitOpts);
    const commit = await commitLayer(engine, new Map([...pubActs.layers].map(([l, a]) => [l, a.data])), repetitionMean(pubResp), pub.length, pubSplits, o);
    o.log?.(`${bench.def.id}: committed ${commit.layer} (${commit.scores.map((s) => `${s.layer} ${s.raw.toFixed(3)}`).join(', ')})`);
    const privActs = await extractActivations(engine, model, shown(priv), priv.length, [commit.layer], { batch: o.batch });
    const privSplits = stratifiedShuffleSplits(priv.map((i) => bench.labels[i]), splitOpts);
    const s = await neuralScore(engine, privActs.layers.get(commit.layer)!.data, subsetResponses(bench.responses, priv), privSplits,
      { ...o, orders: repetitionOrders(bench.responses.reps, 10, splitOpts.seed), form: o.form });
    return { ...s, benchmark: bench.def.id, region: bench.def.region, layer: commit.layer, commitment: commit.scores,
      stimuli: { public: pub.length, private: priv.length }, neuroids: bench.responses.neurons };
  } finally {
    for (const p of pcas.values()) p.dispose();
  }
}
