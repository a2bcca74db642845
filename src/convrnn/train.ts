/**
 * Classification training of a conv-RNN: the loss is cross-entropy on the output node's logits at the LAST step
 * (model_func decoder_type 'last'), backpropagated through the whole unrolled graph (weights shared over time), with
 * each tensor's own L2 decay from the model declaration (train-step.ts). Data through the project's data layer
 * (src/train/setup.ts): synth-objects (the `learn` profile by default), ImageFolder or Tiny ImageNet, with the
 * GRCNN trainer's augmentation and normalisation.
 *
 * With a run folder (`out`): the folder is locked and guarded (src/train/run-folder.ts), checkpoints (weights, the
 * optimiser's moments and step counts, the loader's position) are written atomically every `checkpointEvery` steps,
 * at the end and when stopped by the signal, and `resume` continues from the last one byte-exactly.
 */
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import { ConfigError, NonFiniteLossError, StoppedError } from '../errors.js';
import { writeFileAtomic } from '../io/fs.js';
import { DataLoader, type SampleTransform } from '../data/loader.js';
import type { Dataset } from '../data/dataset.js';
import { parseTrainConfig, type TrainConfig } from '../train/config.js';
import { buildData, evalTransform, trainTransform, type DataSplits } from '../train/setup.js';
import { buildOptimizer } from '../train/recipe.js';
import { loadCheckpoint, NonFiniteStateError, saveCheckpoint, saveWeights, type RunState } from '../train/checkpoint.js';
import { openRunFolder, type RunFolderOptions } from '../train/run-folder.js';
import { MetricsLog } from '../train/metrics-log.js';
import { writeCurves } from '../train/report.js';
import { ConvRnn } from './graph.js';
import { movieFrames, unroll } from './unroll.js';
import type { ModelSpec } from './spec.js';
import { withClasses } from './models.js';
import { ConvRnnStep } from './train-step.js';

export { loadModelSpec } from './model-file.js';

export type DataConfig = TrainConfig['data'];

export interface ConvRnnTrainConfig {
  steps: number;
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  lr: number;
  /** SGD: Nesterov momentum. */
  momentum: number;
  /** Element-wise gradient clip (0: none). */
  clip: number;
  seed: number;
  /** What to train on (the `data` section of a `train` config, validated by its schema). */
  data: DataConfig;
  /** Validate every this many steps (and at the end). */
  evalEvery: number;
  /** Checkpoint every this many steps (and at the end, and when stopped); run folders only. */
  checkpointEvery: number;
  /** Capture the unrolled training step once and replay it (train-step.ts); identical results. */
  replay: boolean;
}

/** The synth-objects `learn` profile (src/train/config.ts LEARN_DATA) at `imageSize`, with optional overrides. */
export function synthData(o: { imageSize: number; perClass?: number; valPerClass?: number }): DataConfig {
  return parseTrainConfig({ data: { kind: 'synth-objects-64', profile: 'learn', ...o } }, 'convrnn data').data;
}

/**
 * The default run, chosen so `convrnn train` visibly learns on a 2-core lavapipe machine. Why: the old default
 * (rgc_small_fb at 64 px, canonical textures, 40 images per class, 40 steps) stayed at chance (9 % val); a step
 * there is compute-bound (batch 48 cost ~6× batch 8), so the default moves to 32 px (models.ts rgc_small32_fb:
 * every map half the side, ~¼ of the FLOPs per step, 7 unrolled steps so the feedback still reaches the readout)
 * and to the GRCNN default's `learn` data (faint textures, 150/class: outlines are visible from the start); Adam
 * 3e-3 as there. The loss sits at ln 10 for ~100 steps, then falls. Measured (seeded, so every run gives the same
 * numbers): without augmentation, val 20.5 / 27 / 36 / 41.5 % at steps 50 / 75 / 125 / 175; this default (crop +
 * flip) 13.5, 19, 21.5, 33, 22.5, 36.5, 32.5, 34, 33.5, 47 % every 50 steps — 47 % after 500 steps, 931 s wall
 * at load 17–24 (the first 200 steps took 128 s at load 0.6–5.7). Validation swings by ±7 points
 * between evaluations (200 images, constant lr).
 */
export const DEFAULT_TRAIN: ConvRnnTrainConfig = {
  steps: 500, batchSize: 16, optimizer: 'adam', lr: 3e-3, momentum: 0.9, clip: 0, seed: 0,
  data: synthData({ imageSize: 32 }), evalEvery: 50, checkpointEvery: 50, replay: true,
};

export interface ConvRnnTrainOptions extends RunFolderOptions {
  /** Run folder: config.json, checkpoint.safetensors, weights.safetensors, metrics.jsonl, curves.svg, model.json, result.json. */
  out?: string;
  /** Resume with fresh optimiser moments when the checkpoint's optimiser state is missing or partial. */
  resetOptimizer?: boolean;
  /** Aborting it stops after the step in flight: a checkpoint is written, then StoppedError (exit code = the reason). */
  signal?: AbortSignal;
  log?: (m: string) => void;
}

export interface ConvRnnTrainResult {
  /** Loss of every step (from step 1, resumed runs included). */
  losses: number[];
  valAccuracy: number;
  model: ConvRnn;
  evals: { step: number; valAccuracy: number }[];
  replayStats: { eager: number; captured: number; replayed: number };
  wallSeconds: number;
}

function checkInput(data: DataSplits, spec: ModelSpec): void {
  if (data.channels !== spec.input.channels || data.size !== spec.input.size) {
    throw new ConfigError(`model ${spec.name} wants ${spec.input.channels}×${spec.input.size}² input, the data is ${data.channels}×${data.size}² `
      + '(data.imageSize / data.grayscale, or a model of that size)');
  }
}

/** Top-1 accuracy of the last-step logits over a dataset (ties count against the target). */
export async function evaluateConvRnn(engine: Engine, model: ConvRnn, data: Dataset, transform: SampleTransform, batchSize: number): Promise<number> {
  const loader = new DataLoader(data, { batchSize, shuffle: false, transform });
  const spec = model.spec;
  let right = 0;
  let seen = 0;
  model.eval();
  try {
    for (let i = 0; i < Math.ceil(data.size / batchSize); i++) {
      const b = await loader.next();
      const logits = await engine.scopeAsync(async () => engine.noGrad(() => {
        const x = engine.tensor(b.images, b.shape);
        return unroll(model, movieFrames(x, spec.times, spec.imageOff, spec.blank)).logits;
      }).read());
      const k = logits.length / b.labels.length;
      b.labels.forEach((y, j) => {
        const row = logits.subarray(j * k, (j + 1) * k);
        const target = row[y];
        if (row.every((v, c) => c === y || v < target)) right++;
      });
      seen += b.labels.length;
    }
  } finally { await loader.close(); model.train(); }
  return right / Math.max(1, seen);
}

/** What a run folder's config.json records: the model as data and the recipe (steps as maxSteps: a stop field). */
function runConfig(spec: ModelSpec, cfg: ConvRnnTrainConfig): unknown {
  const { steps, ...rest } = cfg;
  return { model: spec, train: { ...rest, maxSteps: steps } };
}

export async function trainConvRnn(engine: Engine, specIn: ModelSpec, cfg: ConvRnnTrainConfig, opts: ConvRnnTrainOptions = {}): Promise<ConvRnnTrainResult> {
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const tc = parseTrainConfig({ seed: cfg.seed, data: cfg.data }, 'convrnn data');
  const data = buildData(tc);
  const spec = withClasses(specIn, data.train.numClasses);
  checkInput(data, spec);
  if (cfg.batchSize > data.train.size) throw new ConfigError(`convrnn train: batch ${cfg.batchSize} exceeds the ${data.train.size} training images`);
  const out = opts.out;
  const folder = out ? openRunFolder(out, runConfig(spec, cfg), opts) : null;
  const ckptPath = out ? join(out, 'checkpoint.safetensors') : '';
  const metrics = out ? new MetricsLog(join(out, 'metrics.jsonl')) : null;
  const model = new ConvRnn(engine, spec, cfg.seed);
  try {
    if (folder?.sweptTemps.length) log(`removed temp files left by an interrupted write: ${folder.sweptTemps.join(', ')}`);
    if (folder?.changed.length) log(`resuming with changed settings: ${folder.changed.join('; ')}`);
    const optimizer = buildOptimizer({ optimizer: cfg.optimizer, lr: cfg.lr, momentum: cfg.momentum, nesterov: cfg.momentum > 0, weightDecay: 0 },
      model.trainableParameters());
    let state: RunState = { step: 0, epoch: 0, loader: { epoch: 0, position: 0 }, rng: { seed: cfg.seed, counter: 0 }, schedule: null };
    const losses: number[] = [];
    const evals: ConvRnnTrainResult['evals'] = [];
    if (out && metrics) {
      if (opts.resume) {
        state = await loadCheckpoint(ckptPath, model, optimizer, { resetOptimizer: opts.resetOptimizer });
        metrics.truncateAfter(state.step);
        for (const r of metrics.read()) {
          if (typeof r.loss === 'number') losses.push(r.loss);
          if (typeof r.valAccuracy === 'number') evals.push({ step: Number(r.step), valAccuracy: r.valAccuracy });
        }
        log(`resumed from ${ckptPath} at step ${state.step}`);
      } else writeFileAtomic(metrics.path, new Uint8Array());
      writeFileAtomic(join(out, 'config.json'), Buffer.from(`${JSON.stringify(runConfig(spec, cfg), null, 1)}\n`));
      writeFileAtomic(join(out, 'model.json'), Buffer.from(`${JSON.stringify(spec, null, 1)}\n`));
    }
    const loader = new DataLoader(data.train, { batchSize: cfg.batchSize, seed: cfg.seed, dropLast: true, start: state.loader,
      transform: await trainTransform(engine, tc, data) });
    const valTransform = evalTransform(data);
    const trainStep = new ConvRnnStep(engine, model, optimizer, cfg);
    let step = state.step;
    let epoch = state.epoch;
    let lastGood: number | null = opts.resume ? step : null;
    const kept = () => (lastGood === null ? 'no checkpoint had been written yet, so nothing is saved' : `the last good checkpoint (step ${lastGood}) is kept at ${ckptPath}`);
    const checkpoint = async () => {
      if (!out) return;
      try {
        await saveCheckpoint(ckptPath, model, optimizer, { step, epoch, loader: loader.position, rng: state.rng, schedule: null });
      } catch (e) {
        if (!(e instanceof NonFiniteStateError)) throw e;
        throw new NonFiniteLossError(`convrnn train: step ${step}: the model diverged (${e.message}); ${kept()}`);
      }
      lastGood = step;
    };
    try {
      while (step < cfg.steps) {
        const b = await loader.next();
        const loss = await trainStep.run(b);
        step++;
        epoch = b.epoch;
        if (!Number.isFinite(loss)) throw new NonFiniteLossError(`convrnn train: loss is ${loss} at step ${step} (lower --lr or set --clip); ${out ? kept() : 'no run folder'}`);
        losses.push(loss);
        metrics?.append({ step, epoch, loss });
        if (step % cfg.evalEvery === 0 || step === cfg.steps) {
          const acc = await evaluateConvRnn(engine, model, data.val, valTransform, cfg.batchSize);
          evals.push({ step, valAccuracy: acc });
          metrics?.append({ step, epoch, valAccuracy: acc });
          if (out && metrics) writeCurves(out, metrics);
          log(`step ${step}/${cfg.steps}  loss ${loss.toFixed(4)}  val acc ${(100 * acc).toFixed(1)} %  (${((performance.now() - started) / 1000).toFixed(0)} s)`);
        }
        const stopping = opts.signal?.aborted === true;
        if (step % cfg.checkpointEvery === 0 || step === cfg.steps || stopping) await checkpoint();
        if (stopping) throw StoppedError.atStep(step, opts.signal!);
      }
    } finally {
      trainStep.dispose();
      await loader.close();
      optimizer.dispose();
    }
    const valAccuracy = evals.at(-1)?.valAccuracy ?? 0;
    const wallSeconds = (performance.now() - started) / 1000;
    const replayStats = { ...trainStep.counts };
    if (out) {
      await saveWeights(join(out, 'weights.safetensors'), model, { model: spec.name, format: 'pt' });
      writeFileAtomic(join(out, 'result.json'), Buffer.from(`${JSON.stringify({ model: spec.name, steps: step, valAccuracy, evals, losses, replayStats, wallSeconds }, null, 1)}\n`));
    }
    return { losses, valAccuracy, model, evals, replayStats, wallSeconds };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    folder?.release();
  }
}
