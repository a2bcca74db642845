/**
 * The conv-RNN architecture search of Nayebi et al. 2018 in miniature: over the reciprocal gated cell's switches
 * (tau/gate kernels and depth-separability, gate nonlinearity, a/k constants, input_to_out, out_residual,
 * residual_to_out_gate, feedback entry) and over which feedback edge exists, on the small 64×64 model. Each
 * trial trains for a fixed budget and reports validation accuracy; the best point becomes a model file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../engine.js';
import type { RgcConfig } from '../cells/rgc.js';
import { medianRgc, presetModel } from '../models.js';
import type { ModelSpec } from '../spec.js';
import { DEFAULT_TRAIN, synthData, trainConvRnn, type ConvRnnTrainConfig, type ConvRnnTrainOptions } from '../train.js';
import { LocalRunner, runSearch, type SearchOptions, type TrialResult, type TrialRunner } from './search.js';
import type { Point, Space } from './space.js';

export const CONVRNN_SPACE: Space = [
  { name: 'tau_kernel', kind: 'choice', options: [1, 3, 5, 7] },
  { name: 'tau_separable', kind: 'choice', options: [true, false] },
  { name: 'gate_kernel', kind: 'choice', options: [1, 3, 5, 7] },
  { name: 'gate_separable', kind: 'choice', options: [true, false] },
  { name: 'gate_nonlinearity', kind: 'choice', options: ['sigmoid', 'tanh'] },
  { name: 'tau_offset', kind: 'uniform', low: 0.5, high: 1.5 },
  { name: 'gate_offset', kind: 'uniform', low: 0.5, high: 1.5 },
  { name: 'ff_kernel', kind: 'choice', options: [1, 2, 3] },
  { name: 'input_to_out', kind: 'choice', options: [true, false] },
  { name: 'out_residual', kind: 'choice', options: [true, false] },
  { name: 'residual_to_out_gate', kind: 'choice', options: [true, false] },
  { name: 'feedback_entry', kind: 'choice', options: ['out', 'input'] },
  { name: 'feedback_conv4_conv3', kind: 'choice', options: [true, false] },
];

/** The small model with the point's RGC in conv3–4 (median form: direct convs with biases) and its feedback. */
export function convrnnFromPoint(p: Point, name = 'searched_rgc'): ModelSpec {
  const base = presetModel('median_small_fb');
  const m = medianRgc();
  const cell: RgcConfig = {
    ...m, cellDepth: 16,
    tau: { ...m.tau, kernel: Number(p.tau_kernel), separable: Boolean(p.tau_separable), offset: Number(p.tau_offset), multiplier: -Number(p.tau_offset), bias: 0 },
    gate: { ...m.gate, kernel: Number(p.gate_kernel), separable: Boolean(p.gate_separable), nonlinearity: p.gate_nonlinearity as 'sigmoid' | 'tanh',
      offset: Number(p.gate_offset), multiplier: -Number(p.gate_offset), bias: 0 },
    ff: { kernel: Number(p.ff_kernel), separable: false },
    inputToOut: p.input_to_out ? { kernel: 3, separable: false } : null,
    outResidual: Boolean(p.out_residual), residualToOutGate: Boolean(p.residual_to_out_gate),
    feedback: { ...m.feedback, entry: p.feedback_entry as 'out' | 'input' },
  };
  const nodes = base.nodes.map((n) => (n.cell.kind === 'rgc' ? { ...n, cell } : n));
  const edges = base.edges.filter(([a, b]) => p.feedback_conv4_conv3 || !(a === 'conv4' && b === 'conv3'));
  return { ...base, name, nodes, edges };
}

export interface ConvRnnSearchOptions {
  algo: SearchOptions['algo'];
  trials: number;
  seed: number;
  out: string;
  /** Each trial's training (steps are the fixed budget). */
  train: ConvRnnTrainConfig;
  /** Unroll length of every trial's model (default: the small model's 8 steps, image for 6). */
  times?: number;
  /** Where trials run (default: in this process, one at a time); a queue's runner submits them elsewhere. */
  runner?: TrialRunner;
  log?: (m: string) => void;
}

/**
 * One trial as data (what a queue carries): the point, its id, the seed and the training budget. JSON in, JSON out,
 * so a distributed runner only needs `runConvRnnTrial(engine, JSON.parse(job))`.
 */
export interface ConvRnnTrial {
  id: number;
  point: Point;
  seed: number;
  train: ConvRnnTrainConfig;
  /** Unroll length of the trial's model (default: the small model's 8 steps, image for 6). */
  times?: number;
}

/** The model a trial trains (named trial_<id>). */
export function trialModel(t: ConvRnnTrial): ModelSpec {
  const spec = convrnnFromPoint(t.point, `trial_${t.id}`);
  return t.times ? { ...spec, times: t.times, imageOff: Math.min(spec.imageOff, t.times) } : spec;
}

/**
 * Trains one trial for its fixed budget and reports 1 − validation accuracy as the loss. With `out` the trial has
 * its own run folder (checkpoints every `train.checkpointEvery` steps), and `resume` continues a trial that was
 * stopped or killed from its checkpoint instead of starting it again.
 */
export async function runConvRnnTrial(engine: Engine, t: ConvRnnTrial, o: Pick<ConvRnnTrainOptions, 'out' | 'resume' | 'force' | 'signal' | 'log'> = {}): Promise<TrialResult> {
  const r = await trainConvRnn(engine, trialModel(t), { ...t.train, seed: t.seed }, o);
  r.model.dispose();
  return { loss: 1 - r.valAccuracy, metrics: { valAccuracy: r.valAccuracy, finalLoss: r.losses.at(-1) ?? NaN, steps: r.losses.length } };
}

/** Runs the search; writes trials.jsonl, results.md and best-model.json (a file `convrnn train --model` takes). */
export async function searchConvRnn(engine: Engine, o: ConvRnnSearchOptions): Promise<{ bestModel: string; bestAccuracy: number }> {
  const runner = o.runner ?? new LocalRunner((t) => runConvRnnTrial(engine, { ...t, seed: o.seed, train: o.train, times: o.times }));
  const { best } = await runSearch({ space: CONVRNN_SPACE, algo: o.algo, trials: o.trials, seed: o.seed, runner, out: o.out, log: o.log, tpe: { startup: Math.min(10, Math.max(2, Math.floor(o.trials / 2))) } });
  const bestModel = join(o.out, 'best-model.json');
  writeFileSync(bestModel, `${JSON.stringify(convrnnFromPoint(best.point, `searched_rgc_trial_${best.id}`), null, 1)}\n`);
  return { bestModel, bestAccuracy: best.metrics.valAccuracy };
}

export const SEARCH_TRAIN_DEFAULT: ConvRnnTrainConfig = {
  ...DEFAULT_TRAIN, steps: 30, evalEvery: 30, checkpointEvery: 30, data: synthData({ imageSize: 64, perClass: 10, valPerClass: 5 }),
};
