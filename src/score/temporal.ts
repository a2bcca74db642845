/**
 * Neural dynamics per time bin for conv-RNNs (Nayebi et al. 2018, "task-optimized ConvRNNs matched the dynamics of
 * neural activity … better than feedforward networks"): every model time step's output of a node is a feature set,
 * model steps are mapped to neural time bins (one bin per step, starting at a chosen step: the unrolled graph's
 * steps stand for 10 ms each in the paper's comparison), and each bin is scored with the same metric as the
 * time-averaged benchmarks (metric.ts: cross-validated PLS correlation, split-half ceiling per bin). The node is
 * committed on the public stimuli by its mean raw score over bins, and the per-bin curve is reported on the
 * private ones, as scoreBenchmark does for layers.
 */
import type { Engine } from '../engine.js';
import type { Image } from '../data/dataset.js';
import type { RepeatedResponses } from '../stats/repeats.js';
import { ShapeError } from '../errors.js';
import { reshape } from '../ops/movement.js';
import type { ConvRnn } from '../convrnn/graph.js';
import { movieFrames, unroll } from '../convrnn/unroll.js';
import { neuralScore, repetitionMean, crossRegressedCorrelation, type CeilingForm, type MetricOptions } from './metric.js';
import { subsetResponses } from './benchmarks.js';
import { repetitionOrders, stratifiedShuffleSplits } from './splits.js';

export interface TemporalActivations {
  stimuli: number;
  /** Per node: features per stimulus and, per model step, row-major [stimuli, features]. */
  nodes: Map<string, { features: number; steps: Float32Array[] }>;
}

/** Every step's output of `nodes` for `count` normalised stimuli, without a tape (the movie is the model's own). */
export async function extractTemporalActivations(engine: Engine, model: ConvRnn, stimulus: (i: number) => Image, count: number,
  nodes: readonly string[], opts: { batch?: number } = {}): Promise<TemporalActivations> {
  const batch = opts.batch ?? 32;
  const spec = model.spec;
  for (const n of nodes) if (!model.plans.has(n)) throw new ShapeError(`temporal activations: model ${spec.name} has no node '${n}' (nodes: ${[...model.plans.keys()].join(', ')})`);
  if (!(Number.isInteger(count) && count >= 1)) throw new ShapeError(`temporal activations: need at least one stimulus, got ${count}`);
  const out = new Map<string, { features: number; steps: Float32Array[] }>();
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const imgs = Array.from({ length: n }, (_, i) => stimulus(start + i));
    const per = spec.input.channels * spec.input.size * spec.input.size;
    const flat = new Float32Array(n * per);
    imgs.forEach((im, i) => {
      if (im.data.length !== per) throw new ShapeError(`temporal activations: stimulus ${start + i} is [${im.shape.join(', ')}], model ${spec.name} wants [${spec.input.channels}, ${spec.input.size}, ${spec.input.size}]`);
      flat.set(im.data, i * per);
    });
    const rows = await engine.scopeAsync(async () => {
      const outs = engine.noGrad(() => unroll(model, movieFrames(engine.tensor(flat, [n, spec.input.channels, spec.input.size, spec.input.size]), spec.times, spec.imageOff, spec.blank)).outputs);
      return Promise.all(nodes.map(async (name) => Promise.all(outs.get(name)!.map(async (t) => (await reshape(t, [n, t.size / n]).read()) as Float32Array))));
    });
    nodes.forEach((name, k) => {
      const steps = rows[k];
      const features = steps[0].length / n;
      let e = out.get(name);
      if (!e) { e = { features, steps: steps.map(() => new Float32Array(count * features)) }; out.set(name, e); }
      steps.forEach((s, t) => e!.steps[t].set(s, start * features));
    });
  }
  return { stimuli: count, nodes: out };
}

/** Neural responses per time bin: bins[b] is a repeated-responses block over the same stimuli and neuroids. */
export interface TemporalResponses { binMs: number; startMs: number; bins: RepeatedResponses[] }

/** The model step each bin is compared with: firstStep + b (one 10 ms bin per step). */
export function stepsForBins(bins: number, firstStep: number, times: number, model = 'model'): number[] {
  if (!(Number.isInteger(firstStep) && firstStep >= 0)) throw new ShapeError(`time bins: first step ${firstStep} must be a non-negative integer`);
  if (firstStep + bins > times) throw new ShapeError(`time bins: ${bins} bins from step ${firstStep} need ${firstStep + bins} steps, ${model} unrolls ${times}`);
  return Array.from({ length: bins }, (_, b) => firstStep + b);
}

export interface TemporalScoreOptions extends MetricOptions {
  /** Candidate nodes for commitment. */
  nodes: readonly string[];
  /** Model step per bin (stepsForBins). */
  steps: readonly number[];
  splits?: number;
  trainSize?: number;
  seed?: number;
  form?: CeilingForm;
  batch?: number;
}

export interface TemporalResult {
  node: string;
  /** Mean raw score over bins of every candidate on the public stimuli. */
  commitment: { node: string; meanRaw: number }[];
  /** Per bin on the private stimuli: the bin's start, raw r (median over neuroids, mean over splits), SEM, ceiling, ceiled. */
  perBin: { ms: number; step: number; raw: number; sem: number; ceiling: number; ceiled: number }[];
}

const mean = (xs: number[]) => { const f = xs.filter(Number.isFinite); return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN; };

/** Commits a node on the public stimuli and scores every bin on the private ones. */
export async function scoreTemporal(engine: Engine, model: ConvRnn, stimulus: (i: number) => Image, labels: readonly string[], isPublic: readonly boolean[],
  target: TemporalResponses, o: TemporalScoreOptions): Promise<TemporalResult> {
  const n = labels.length;
  if (o.steps.length !== target.bins.length) throw new ShapeError(`temporal score: ${o.steps.length} model steps for ${target.bins.length} bins`);
  for (const b of target.bins) if (b.images !== n) throw new ShapeError(`temporal score: a bin has ${b.images} stimuli, there are ${n} labels`);
  const pub = labels.flatMap((_, i) => (isPublic[i] ? [i] : []));
  const priv = labels.flatMap((_, i) => (isPublic[i] ? [] : [i]));
  if (!pub.length || !priv.length) throw new ShapeError(`temporal score: needs public and private stimuli (${pub.length} / ${priv.length})`);
  const splitOpts = { splits: o.splits ?? 10, trainSize: o.trainSize ?? 0.9, seed: o.seed ?? 1 };
  const pubActs = await extractTemporalActivations(engine, model, (i) => stimulus(pub[i]), pub.length, o.nodes, { batch: o.batch });
  const pubSplits = stratifiedShuffleSplits(pub.map((i) => labels[i]), splitOpts);
  const commitment: TemporalResult['commitment'] = [];
  for (const node of o.nodes) {
    const a = pubActs.nodes.get(node)!;
    const raws: number[] = [];
    for (let b = 0; b < o.steps.length; b++) {
      const y = repetitionMean(subsetResponses(target.bins[b], pub));
      raws.push((await crossRegressedCorrelation(engine, a.steps[o.steps[b]], y, pub.length, pubSplits, o)).raw);
    }
    commitment.push({ node, meanRaw: mean(raws) });
  }
  const best = commitment.reduce((m, c) => (c.meanRaw > m.meanRaw || Number.isNaN(m.meanRaw) ? c : m));
  const privActs = (await extractTemporalActivations(engine, model, (i) => stimulus(priv[i]), priv.length, [best.node], { batch: o.batch })).nodes.get(best.node)!;
  const privSplits = stratifiedShuffleSplits(priv.map((i) => labels[i]), splitOpts);
  const perBin: TemporalResult['perBin'] = [];
  for (let b = 0; b < o.steps.length; b++) {
    const resp = subsetResponses(target.bins[b], priv);
    const s = await neuralScore(engine, privActs.steps[o.steps[b]], resp, privSplits,
      { ...o, orders: repetitionOrders(resp.reps, 10, splitOpts.seed), form: o.form });
    perBin.push({ ms: target.startMs + b * target.binMs, step: o.steps[b], raw: s.raw, sem: s.sem, ceiling: s.ceiling, ceiled: s.ceiled });
  }
  return { node: best.node, commitment, perBin };
}
