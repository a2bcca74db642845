/**
 * Named activations from any of the project's models, batched, in inference mode (BN running statistics, no
 * dropout) and without a tape, as Brain-Score's ActivationsExtractor takes them: each layer's output flattened per
 * stimulus in C·H·W order, rows in stimulus order.
 *
 * Layer names: GRCNN by module path ('conv1', 'bn1', 'conv2', 'layer1' … 'layer4', 'lastact', 'classifier'), each
 * GRCL step's state x_t as 'layer<i>.x<t>' (t = 0 … iters; x_iters is the block's state before its transition),
 * and 'avgpool' (the pooled features the classifier reads); VGG by torchvision path ('features.16', 'classifier.3')
 * or conventional name ('relu3_1'); a conv-RNN by node name ('conv4': its output at the movie's last step, the
 * state a readout sees, as Brain-Score takes a recurrent model's features for a time-averaged benchmark) or node and
 * step ('conv4.t5'). Per-time-bin scoring of conv-RNNs is temporal.ts.
 */
import type { Engine } from '../engine.js';
import type { Image } from '../data/dataset.js';
import { ShapeError } from '../errors.js';
import { ConvRnn } from '../convrnn/graph.js';
import { movieFrames, unroll } from '../convrnn/unroll.js';
import { GRCNN } from '../models/grcnn.js';
import { captureActivations, VGG } from '../models/vgg.js';
import { Layer } from '../nn/layers.js';
import { adaptiveAvgPool2d } from '../ops/pool2d.js';
import { reshape } from '../ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';

export type ScoredModel = GRCNN | VGG | ConvRnn;

/** Every layer name `captureLayers` accepts for `model`, shallow to deep. */
export function layerNames(model: ScoredModel): string[] {
  if (model instanceof VGG) return [...model.layerNames, 'classifier.0', 'classifier.3', 'classifier.6'];
  if (model instanceof ConvRnn) return model.spec.nodes.flatMap((n) => [n.name, ...Array.from({ length: model.spec.times }, (_, t) => `${n.name}.t${t}`)]);
  const out = ['conv1', 'bn1', 'conv2'];
  model.layers.forEach((l, i) => {
    for (let t = 0; t <= l.iter.length; t++) out.push(`layer${i + 1}.x${t}`);
    out.push(`layer${i + 1}`);
  });
  return [...out, 'lastact', 'avgpool', 'classifier'];
}

/** The block outputs Brain-Score-style commitment scans by default (GRCNN blocks; VGG's ReLUs and pools). */
export function candidateLayers(model: ScoredModel): string[] {
  if (model instanceof VGG) return model.layerNames.filter((n) => n.startsWith('relu') || n.startsWith('pool'));
  if (model instanceof ConvRnn) return model.spec.nodes.map((n) => n.name);
  return [...model.layers.map((_, i) => `layer${i + 1}`), 'avgpool'];
}

function grcnnCapture(model: GRCNN, x: Tensor, names: readonly string[]): Map<string, Tensor> {
  const modules = new Map(model.namedModules());
  const layers = new Map<string, Layer>();
  const steps = new Map<string, [number, number]>();
  let pooled = false;
  for (const name of names) {
    const step = /^layer(\d+)\.x(\d+)$/.exec(name);
    if (step) {
      const [b, t] = [Number(step[1]) - 1, Number(step[2])];
      if (!(b < model.layers.length && t <= model.layers[b]?.iter.length)) throw new ShapeError(`GRCNN: no step '${name}'`);
      steps.set(name, [b, t]);
      continue;
    }
    if (name === 'avgpool') { pooled = true; continue; }
    const m = modules.get(name);
    if (!(m instanceof Layer) || m === model) throw new ShapeError(`GRCNN: no layer named '${name}' (see layerNames)`);
    layers.set(name, m);
  }
  if (pooled) layers.set('lastact', model.lastact);
  const stepOut = new Map<string, Tensor>();
  const blocks = new Set([...steps.values()].map(([b]) => b));
  for (const b of blocks) {
    model.layers[b].stepHook = (t, y) => { for (const [n, [bb, tt]] of steps) if (bb === b && tt === t) stepOut.set(n, y); };
  }
  let out: Map<string, Tensor>;
  try {
    out = captureActivations(layers, () => model.forward(x));
  } finally {
    for (const b of blocks) model.layers[b].stepHook = null;
  }
  const res = new Map<string, Tensor>();
  for (const name of names) {
    if (name === 'avgpool') res.set(name, adaptiveAvgPool2d(out.get('lastact')!, 1));
    else res.set(name, stepOut.get(name) ?? out.get(name)!);
  }
  return res;
}

function convRnnCapture(model: ConvRnn, x: Tensor, names: readonly string[]): Map<string, Tensor> {
  const { times, imageOff, blank } = model.spec;
  const at = names.map((name) => {
    const m = /^(.+)\.t(\d+)$/.exec(name);
    const [node, t] = m && model.plans.has(m[1]) ? [m[1], Number(m[2])] : [name, times - 1];
    if (!model.plans.has(node)) throw new ShapeError(`conv-RNN ${model.spec.name}: no node '${node}' (nodes: ${[...model.plans.keys()].join(', ')})`);
    if (t >= times) throw new ShapeError(`conv-RNN ${model.spec.name}: '${name}' asks for step ${t} of ${times}`);
    return [name, node, t] as const;
  });
  const outputs = unroll(model, movieFrames(x, times, imageOff, blank)).outputs;
  return new Map(at.map(([name, node, t]) => [name, outputs.get(node)![t]]));
}

/** The named layers' outputs for the batch `x` (whatever grad/training mode is set; see `extractActivations`). */
export function captureLayers(model: ScoredModel, x: Tensor, names: readonly string[]): Map<string, Tensor> {
  if (!names.length) throw new ShapeError('captureLayers: no layer names given');
  if (model instanceof VGG) return model.activations(x, names);
  return model instanceof ConvRnn ? convRnnCapture(model, x, names) : grcnnCapture(model, x, names);
}

export interface ExtractOptions {
  /** Stimuli per forward pass (default 32). */
  batch?: number;
  /** Maps a layer's [B, F] activations to what is kept (e.g. a PCA projection on the GPU); default: identity. */
  reduce?: (layer: string, act: Tensor) => Tensor;
  onBatch?: (done: number, total: number) => void;
}

export interface Activations {
  stimuli: number;
  /** Per layer, row-major [stimuli, features]. */
  layers: Map<string, { features: number; data: Float32Array }>;
}

/**
 * Activations of `names` for `count` stimuli (`stimulus(i)`: a presented, normalised [C, S, S] image), in
 * inference mode without a tape. The model's train/eval mode is restored afterwards.
 */
export async function extractActivations(engine: Engine, model: ScoredModel, stimulus: (i: number) => Image, count: number,
  names: readonly string[], opts: ExtractOptions = {}): Promise<Activations> {
  const batch = opts.batch ?? 32;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new ShapeError(`extractActivations: batch must be a positive integer, got ${batch}`);
  if (!(Number.isInteger(count) && count >= 1)) throw new ShapeError(`extractActivations: need at least one stimulus, got ${count}`);
  const wasTraining = model.training;
  model.eval();
  const layers = new Map<string, { features: number; data: Float32Array }>();
  try {
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      const imgs = Array.from({ length: n }, (_, i) => stimulus(start + i));
      const shape = imgs[0].shape;
      const flat = new Float32Array(n * imgs[0].data.length);
      imgs.forEach((im, i) => {
        if (im.shape.some((d, k) => d !== shape[k])) throw new ShapeError(`extractActivations: stimulus ${start + i} is [${im.shape.join(', ')}], not [${shape.join(', ')}]`);
        flat.set(im.data, i * im.data.length);
      });
      const rows = await engine.scopeAsync(async () => {
        const acts = engine.noGrad(() => {
          const x = engine.tensor(flat, [n, ...shape], 'f32', 'stimuli');
          const got = captureLayers(model, x, names);
          return [...got].map(([name, t]) => {
            const f = reshape(t, [n, t.size / n]);
            return [name, opts.reduce ? opts.reduce(name, f) : f] as const;
          });
        });
        return Promise.all(acts.map(async ([name, t]) => [name, t.shape[1], (await t.read()) as Float32Array] as const));
      });
      for (const [name, features, data] of rows) {
        let l = layers.get(name);
        if (!l) { l = { features, data: new Float32Array(count * features) }; layers.set(name, l); }
        l.data.set(data, start * features);
      }
      opts.onBatch?.(start + n, count);
    }
  } finally {
    model.train(wasTraining);
  }
  return { stimuli: count, layers };
}
