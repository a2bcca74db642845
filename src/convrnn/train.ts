/**
 * Classification training of a conv-RNN: the loss is cross-entropy on the output node's logits at the LAST step
 * (model_func decoder_type 'last'), backpropagated through the whole unrolled graph (weights shared over time),
 * with each tensor's own L2 decay from the model declaration (the JSONs' kernel weight decays) and optional
 * element-wise gradient clipping (the searched lstm_shallow settings clip at ±0.324). Data: synth-objects-64.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ConfigError } from '../errors.js';
import { CortexError } from '../errors.js';
import { SynthObjects } from '../data/synth-objects.js';
import type { Dataset } from '../data/dataset.js';
import { DataLoader } from '../data/loader.js';
import { crossEntropy } from '../ops/softmax.js';
import { clamp } from '../ops/elementwise.js';
import { SGD } from '../optim/sgd.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { ConvRnn } from './graph.js';
import { movieFrames, unroll } from './unroll.js';
import { modelSpecSchema, type ModelSpec } from './spec.js';
import { presetModel, withClasses } from './models.js';

export class NonFiniteLossError extends CortexError {}

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
  /** synth-objects images per class in train and val. */
  trainPerClass: number;
  valPerClass: number;
  /** Validate every this many steps (and at the end). */
  evalEvery: number;
  /**
   * Capture the unrolled training step once and replay it (no op, tape or allocation work per step). SGD only:
   * Adam's bias correction depends on the step count, which a captured dispatch would freeze.
   */
  replay: boolean;
}

export const DEFAULT_TRAIN: ConvRnnTrainConfig = {
  steps: 200, batchSize: 16, optimizer: 'adam', lr: 2e-3, momentum: 0.9, clip: 0, seed: 0, trainPerClass: 40, valPerClass: 10, evalEvery: 50, replay: false,
};

export interface ConvRnnTrainResult { losses: number[]; valAccuracy: number; model: ConvRnn; evals: { step: number; valAccuracy: number }[] }

/** A model by preset name or from a JSON model file (as the architecture search writes them). */
export function loadModelSpec(nameOrFile: string, classes?: number): ModelSpec {
  if (!nameOrFile.endsWith('.json')) return presetModel(nameOrFile, classes);
  if (!existsSync(nameOrFile)) throw new ConfigError(`model file ${nameOrFile} does not exist`);
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(nameOrFile, 'utf8')); } catch (e) { throw new ConfigError(`model file ${nameOrFile}: not JSON (${(e as Error).message})`); }
  const r = modelSpecSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ConfigError(`model file ${nameOrFile}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const spec = r.data as ModelSpec;
  return classes === undefined ? spec : withClasses(spec, classes);
}

/** One optimiser per distinct decay, so each tensor gets its own L2 coefficient. */
function optimizers(model: ConvRnn, cfg: ConvRnnTrainConfig): Optimizer[] {
  const groups = new Map<number, Tensor[]>();
  for (const [t, d] of model.decays()) if (t.requiresGrad) groups.set(d, [...(groups.get(d) ?? []), t]);
  return [...groups].map(([weightDecay, ps]) => cfg.optimizer === 'sgd'
    ? new SGD(ps, { lr: cfg.lr, momentum: cfg.momentum, nesterov: cfg.momentum > 0, weightDecay })
    : new Adam(ps, { lr: cfg.lr, weightDecay }));
}

function checkInput(shape: readonly number[], spec: ModelSpec): void {
  if (shape[1] !== spec.input.channels || shape[2] !== spec.input.size) {
    throw new ConfigError(`model ${spec.name} wants ${spec.input.channels}×${spec.input.size}² input, the data is ${shape[1]}×${shape[2]}²`);
  }
}

/** Top-1 accuracy of the last-step logits over a dataset. */
export async function evaluateConvRnn(engine: Engine, model: ConvRnn, data: Dataset, batchSize: number): Promise<number> {
  const loader = new DataLoader(data, { batchSize, shuffle: false });
  const spec = model.spec;
  let right = 0;
  let seen = 0;
  model.eval();
  try {
    for (let i = 0; i < Math.ceil(data.size / batchSize); i++) {
      const b = await loader.next();
      const logits = await engine.scopeAsync(async () => engine.noGrad(() => {
        checkInput(b.shape, spec);
        const x = engine.tensor(b.images, b.shape);
        return unroll(model, movieFrames(x, spec.times, spec.imageOff, spec.blank)).logits;
      }).read());
      const k = logits.length / b.labels.length;
      b.labels.forEach((y, j) => {
        const row = logits.subarray(j * k, (j + 1) * k);
        if (row.indexOf(Math.max(...row)) === y) right++;
      });
      seen += b.labels.length;
    }
  } finally { await loader.close(); model.train(); }
  return right / Math.max(1, seen);
}

export async function trainConvRnn(engine: Engine, spec: ModelSpec, cfg: ConvRnnTrainConfig,
  opts: { out?: string; log?: (m: string) => void } = {}): Promise<ConvRnnTrainResult> {
  const log = opts.log ?? (() => {});
  if (cfg.replay && cfg.optimizer !== 'sgd') throw new ConfigError('convrnn train: replay needs optimizer sgd (Adam\'s bias correction changes every step, a captured step would freeze it)');
  const train = new SynthObjects({ split: 'train', perClass: cfg.trainPerClass, seed: cfg.seed, imageSize: spec.input.size });
  const val = new SynthObjects({ split: 'val', perClass: cfg.valPerClass, seed: cfg.seed, imageSize: spec.input.size });
  const model = new ConvRnn(engine, withClasses(spec, train.numClasses), cfg.seed);
  const opt = optimizers(model, cfg);
  const loader = new DataLoader(train, { batchSize: cfg.batchSize, seed: cfg.seed, dropLast: true });
  const losses: number[] = [];
  const evals: { step: number; valAccuracy: number }[] = [];
  const spec2 = model.spec;
  const x = engine.empty([cfg.batchSize, spec2.input.channels, spec2.input.size, spec2.input.size], 'f32', 'convrnn input').keep();
  const y = engine.empty([cfg.batchSize], 'i32', 'convrnn labels').keep();
  const step = () => engine.scope(() => {
    const { logits } = unroll(model, movieFrames(x, spec2.times, spec2.imageOff, spec2.blank));
    const l = crossEntropy(logits, y);
    for (const o of opt) o.zeroGrad();
    engine.backward(l);
    if (cfg.clip > 0) {
      for (const p of model.trainableParameters()) {
        if (!p.grad) continue;
        const c = clamp(p.grad, -cfg.clip, cfg.clip).keep();
        p.grad.dispose();
        p.grad = c;
      }
    }
    for (const o of opt) o.step();
    return l;
  });
  // Step 1 runs eagerly (it creates the optimiser state); step 2 is captured; later steps replay it.
  let captured: { step: { replay(): void; dispose(): void }; result: Tensor } | null = null;
  try {
    for (let s = 1; s <= cfg.steps; s++) {
      const b = await loader.next();
      checkInput(b.shape, spec2);
      x.write(b.images);
      y.write(b.labels);
      let l: Tensor;
      if (captured) { captured.step.replay(); l = captured.result; } else if (cfg.replay && s === 2) { captured = engine.capture(step); l = captured.result; } else l = step();
      const loss = await l.item();
      if (l !== captured?.result) l.dispose();
      if (!Number.isFinite(loss)) throw new NonFiniteLossError(`convrnn train: loss is ${loss} at step ${s} (lower --lr or set --clip)`);
      losses.push(loss);
      if (s % cfg.evalEvery === 0 || s === cfg.steps) {
        const acc = await evaluateConvRnn(engine, model, val, cfg.batchSize);
        evals.push({ step: s, valAccuracy: acc });
        log(`step ${s}/${cfg.steps}  loss ${loss.toFixed(4)}  val acc ${(100 * acc).toFixed(1)} %`);
      }
    }
  } finally {
    await loader.close();
    if (captured) { captured.step.dispose(); captured.result.dispose(); }
    x.dispose(); y.dispose();
  }
  const valAccuracy = evals.at(-1)?.valAccuracy ?? 0;
  if (opts.out) {
    mkdirSync(opts.out, { recursive: true });
    writeFileSync(join(opts.out, 'model.json'), `${JSON.stringify(model.spec, null, 1)}\n`);
    writeFileSync(join(opts.out, 'result.json'), `${JSON.stringify({ model: model.spec.name, config: cfg, losses, evals, valAccuracy }, null, 1)}\n`);
  }
  return { losses, valAccuracy, model, evals };
}
