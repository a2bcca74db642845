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
import { ConfigError } from '../train/config.js';
import { CortexError } from '../gpu/errors.js';
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
}

export const DEFAULT_TRAIN: ConvRnnTrainConfig = {
  steps: 200, batchSize: 16, optimizer: 'adam', lr: 2e-3, momentum: 0.9, clip: 0, seed: 0, trainPerClass: 40, valPerClass: 10, evalEvery: 50,
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

function toInput(engine: Engine, images: Float32Array, shape: readonly number[], spec: ModelSpec): Tensor {
  if (shape[1] !== spec.input.channels || shape[2] !== spec.input.size) {
    throw new ConfigError(`model ${spec.name} wants ${spec.input.channels}×${spec.input.size}² input, the data is ${shape[1]}×${shape[2]}²`);
  }
  return engine.tensor(images, shape);
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
        const x = toInput(engine, b.images, b.shape, spec);
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
  const train = new SynthObjects({ split: 'train', perClass: cfg.trainPerClass, seed: cfg.seed, imageSize: spec.input.size });
  const val = new SynthObjects({ split: 'val', perClass: cfg.valPerClass, seed: cfg.seed, imageSize: spec.input.size });
  const model = new ConvRnn(engine, withClasses(spec, train.numClasses), cfg.seed);
  const opt = optimizers(model, cfg);
  const loader = new DataLoader(train, { batchSize: cfg.batchSize, seed: cfg.seed, dropLast: true });
  const losses: number[] = [];
  const evals: { step: number; valAccuracy: number }[] = [];
  try {
    for (let step = 1; step <= cfg.steps; step++) {
      const b = await loader.next();
      const loss = await engine.scopeAsync(async () => {
        const x = toInput(engine, b.images, b.shape, model.spec);
        const { logits } = unroll(model, movieFrames(x, model.spec.times, model.spec.imageOff, model.spec.blank));
        const l = crossEntropy(logits, engine.tensor(b.labels, [b.labels.length], 'i32'));
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
        return l.item();
      });
      if (!Number.isFinite(loss)) throw new NonFiniteLossError(`convrnn train: loss is ${loss} at step ${step} (lower --lr or set --clip)`);
      losses.push(loss);
      if (step % cfg.evalEvery === 0 || step === cfg.steps) {
        const acc = await evaluateConvRnn(engine, model, val, cfg.batchSize);
        evals.push({ step, valAccuracy: acc });
        log(`step ${step}/${cfg.steps}  loss ${loss.toFixed(4)}  val acc ${(100 * acc).toFixed(1)} %`);
      }
    }
  } finally { await loader.close(); }
  const valAccuracy = evals.at(-1)?.valAccuracy ?? 0;
  if (opts.out) {
    mkdirSync(opts.out, { recursive: true });
    writeFileSync(join(opts.out, 'model.json'), `${JSON.stringify(model.spec, null, 1)}\n`);
    writeFileSync(join(opts.out, 'result.json'), `${JSON.stringify({ model: model.spec.name, config: cfg, losses, evals, valAccuracy }, null, 1)}\n`);
  }
  return { losses, valAccuracy, model, evals };
}
