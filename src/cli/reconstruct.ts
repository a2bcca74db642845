/**
 * `reconstruct`: the constrained-reconstruction analysis of Safarani et al. 2021 §4 for several models. For every
 * model, every (noisy) image is reconstructed from one layer at every norm level (one batched, captured loop per
 * model); then the spectral control of the first model's reconstructions and the normalised saliency norm ratios
 * (eq. 1) of everything. Writes to `out`:
 *   grid.png      Fig. 5: one row per model, then the spectral control, then the targets; columns = images × norms
 *   ratios.json   the settings, per-row losses, and ρ̄ per model, norm and image (null where undefined)
 *   scatter.svg   Fig. 7: one panel per norm, the first model's ρ̄ (y) against each other model's and the control's
 *   progress/     with `every`: each model's images every `every` steps
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { ConfigError } from '../errors.js';
import { Reconstruction, type NormConstraint } from '../analysis/reconstruct.js';
import { ratioScatterSvg, tileGrid, type ScatterSeries } from '../analysis/reconstruct-figures.js';
import { binarizeSaliency, normalizedNormRatio, readSaliencyMap, saliencyMask } from '../analysis/saliency.js';
import { spectralControl } from '../analysis/spectral.js';
import { SynthObjects } from '../data/synth-objects.js';
import { encodePng, readImage } from '../data/image-io.js';
import { IMAGENET_MEAN, IMAGENET_STD, resize } from '../data/transforms.js';
import { CheckpointError, readSafetensors } from '../io/safetensors.js';
import type { HostTensor } from '../nn/module.js';
import { CHECKPOINT_FORMAT } from '../train/checkpoint.js';
import { cotrainWeightsOf, type CotrainWeights } from '../cotrain/weights.js';
import { VGG } from '../models/vgg.js';
import { createModel, settingsFromState } from '../models/factory.js';
import { mtlNameFromVgg } from '../models/mtl.js';
import { gaussianNoise } from '../corrupt/noise.js';
import type { Layer } from '../nn/layers.js';

export interface ReconstructArgs {
  out: string;
  /** `name=preset` or `name=preset:weights.safetensors`; preset a VGG or GRCNN preset. The first is the reference. */
  models: readonly string[];
  /** A module path ('features.16', 'layer2') or a model's own layer name ('relu3_1' on VGG). */
  layer: string;
  /** Default [5, 15, 60] (Fig. 5). */
  norms?: readonly number[];
  /** Default 1000 (the paper: 8000). */
  steps?: number;
  optimizer?: 'sgd' | 'adam';
  lr?: number;
  constraint?: NormConstraint;
  blurSigma?: number;
  /** Gray image files; without them, the first `count` synth-objects-64 test items. */
  images?: readonly string[];
  count?: number;
  /** Saliency density maps (PNG or NPY), one per image file; built-in items use their true object masks. */
  saliency?: readonly string[];
  /** Std of the Gaussian noise added to the [0, 1] targets (default 0.08; 0 for clean targets). */
  noise?: number;
  /** Side of the square model input (default 64). */
  size?: number;
  /** Write each model's images every `every` steps (0: never). */
  every?: number;
  seed?: number;
  /** Split of an MTL checkpoint's shared block (v1ModelLayer, default 17), to load it into the VGG preset. */
  mtlSplit?: number;
  log?: (msg: string) => void;
}

interface NamedModel { name: string; model: Layer; channels: number; /** Set for a co-training run's weights. */ cotrain?: CotrainWeights }

/** A checkpoint's (or weights file's) model state under torch names: a `train` checkpoint's `model.` prefix dropped. */
function readState(path: string): { state: Map<string, HostTensor>; metadata: Record<string, string> } {
  const { tensors, metadata } = readSafetensors(path);
  const state = new Map<string, HostTensor>();
  for (const [k, v] of tensors) {
    if (metadata.format === CHECKPOINT_FORMAT && !k.startsWith('model.')) continue;
    state.set(metadata.format === CHECKPOINT_FORMAT ? k.slice('model.'.length) : k, v);
  }
  return { state, metadata };
}

function loadWeights(state: Map<string, HostTensor>, model: Layer, mtlSplit: number): void {
  if (model instanceof VGG && [...state.keys()].some((k) => k.startsWith('mtl_vgg_core.'))) {
    // An MTL checkpoint: its shared and unshared blocks and head are the VGG's features and classifier.
    const mtl = new Map<string, HostTensor>();
    for (const name of model.stateDict().keys()) {
      const src = state.get(mtlNameFromVgg(name, mtlSplit) ?? '');
      if (src) mtl.set(name, src);
    }
    model.loadStateDict(mtl);
  } else {
    model.loadStateDict(state);
  }
}

/**
 * `name=preset[:weights]`: the preset (models/factory.ts), with the class count and the other shape-determining
 * settings taken from the weights, so the checkpoint a default `train` writes (10 classes) loads.
 */
export function buildModel(engine: Engine, spec: string, mtlSplit: number): NamedModel {
  const m = /^([^=]+)=([^:]+)(?::(.+))?$/.exec(spec);
  if (!m) throw new ConfigError(`reconstruct: model '${spec}' is not name=preset or name=preset:weights.safetensors`);
  const [, name, preset, weights] = m;
  const file = weights ? readState(weights) : null;
  const state = file?.state ?? null;
  if (preset === 'cotrain') {
    // A co-training run's weights describe their own (small) VGG: build that one, not a preset.
    const co = file && weights ? cotrainWeightsOf(weights, file.metadata) : null;
    if (!co || !state) throw new ConfigError(`reconstruct: model '${spec}': 'cotrain' takes the weights.safetensors of a cotrain run (name=cotrain:<file>)`);
    const model = new VGG(engine, co.vgg);
    try {
      loadWeights(state, model, co.split);
    } catch (e) {
      model.dispose();
      throw new CheckpointError(`${weights}: ${(e as Error).message}`);
    }
    return { name, model, channels: 1, cotrain: co };
  }
  let built: ReturnType<typeof createModel>;
  try {
    built = createModel(engine, preset, state ? settingsFromState(preset, state) : {});
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`reconstruct: model '${spec}': ${e.message}`);
    throw e;
  }
  const { model, channels } = built;
  if (state) {
    try {
      loadWeights(state, model, mtlSplit);
    } catch (e) {
      model.dispose();
      throw new CheckpointError(`${weights}: ${(e as Error).message}`);
    }
  }
  return { name, model, channels };
}

/** Figs 5 and 7 order: MTL-Monkey is the reference (y axis of Fig. 7), against the Oracle, the Baseline and the other co-trained runs. */
export const COTRAIN_FIGURE_RUNS = ['MTL-Monkey', 'Oracle', 'Baseline', 'MTL-Shuffled', 'MTL-Oracle'] as const;

/** The five co-trained classifiers of one seed of a `cotrain` output folder, as --model specs. */
export function cotrainModelSpecs(dir: string, seed: number): string[] {
  return COTRAIN_FIGURE_RUNS.map((run) => `${run}=cotrain:${join(dir, 'runs', run, `seed-${seed}`, 'weights.safetensors')}`);
}

interface Targets { clean: Float32Array; masks: Uint8Array[]; labels: string[] }

/** [N, C, S, S] images in [0, 1] and their binary saliency masks [S·S]. */
function loadTargets(a: ReconstructArgs, channels: number, size: number): Targets {
  const per = size * size;
  if (a.images?.length) {
    if (a.saliency && a.saliency.length !== a.images.length) {
      throw new ConfigError(`reconstruct: ${a.saliency.length} saliency maps for ${a.images.length} images`);
    }
    const clean = new Float32Array(a.images.length * channels * per);
    const masks = a.images.map((path, i) => {
      let img = readImage(path, channels === 1 ? 1 : 3);
      if (img.shape[1] !== size || img.shape[2] !== size) img = resize(img, size, size);
      clean.set(img.data, i * channels * per);
      // Without a map, every pixel counts as salient, so ρ̄ is 0 throughout rather than silently made up.
      return a.saliency ? saliencyMask(readSaliencyMap(a.saliency[i]), size, size) : new Uint8Array(per).fill(1);
    });
    return { clean, masks, labels: [...a.images] };
  }
  const data = new SynthObjects({ split: 'test', seed: a.seed ?? 0, imageSize: size });
  const count = a.count ?? 4;
  const clean = new Float32Array(count * channels * per);
  const masks = Array.from({ length: count }, (_, i) => {
    const o = data.render(i);
    for (let c = 0; c < channels; c++) clean.set(o.image, (i * channels + c) * per);
    return binarizeSaliency(o.mask);
  });
  return { clean, masks, labels: Array.from({ length: count }, (_, i) => `synth-objects-64/test/${i}`) };
}

/**
 * The normalisation the models are trained with: gray mean 0.5, std 0.25; colour ImageNet's statistics; a co-trained
 * model's own training-set statistics (`stats`).
 */
function normalise(x: Float32Array, channels: number, per: number, stats?: { mean: number; std: number }): Float32Array {
  const [mean, std] = stats ? [[stats.mean], [stats.std]] : channels === 1 ? [[0.5], [0.25]] : [IMAGENET_MEAN, IMAGENET_STD];
  return x.map((v, i) => {
    const c = Math.floor(i / per) % channels;
    return (v - mean[c]) / std[c];
  });
}

const PALETTE = ['#1f77b4', '#111111', '#2ca02c', '#9467bd', '#8c564b', '#d62728'];

export async function reconstructCommand(a: ReconstructArgs): Promise<void> {
  const log = a.log ?? ((m: string) => console.log(m));
  const norms = [...(a.norms ?? [5, 15, 60])];
  const steps = a.steps ?? 1000;
  if (!a.models.length) throw new ConfigError('reconstruct: no models');
  // Zero images or zero steps is no reconstruction: refuse before a kernel sees an empty batch or a mean of nothing.
  for (const [flag, v] of [['--steps', steps], ['--count', a.count]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new ConfigError(`reconstruct: ${flag} ${v}: expected a positive integer`);
  }
  mkdirSync(a.out, { recursive: true });
  const engine = await Engine.create();
  const models: NamedModel[] = [];
  try {
    for (const spec of a.models) models.push(buildModel(engine, spec, a.mtlSplit ?? 17));
    const channels = models[0].channels;
    // Co-trained models: the first one's image side and standardisation (every run of a protocol shares them).
    const input = models.find((m) => m.cotrain)?.cotrain?.input;
    const size = a.size ?? input?.size ?? 64;
    const odd = models.find((m) => m.channels !== channels);
    if (odd) throw new ConfigError(`reconstruct: model ${odd.name} takes ${odd.channels} channels, ${models[0].name} ${channels}`);
    const per = size * size;
    const t = loadTargets(a, channels, size);
    const n = t.masks.length;
    const shape = [n, channels, size, size];
    const noisy = (a.noise ?? 0.08) > 0 ? await engine.scopeAsync(async () => {
      const y = gaussianNoise(engine.tensor(t.clean, shape), a.noise ?? 0.08, { seed: a.seed ?? 0, tag: 0x7ec0, first: 0 });
      return (await y.read()) as Float32Array;
    }) : t.clean;
    const x0Host = normalise(noisy, channels, per, input);
    const x0 = engine.tensor(x0Host, shape, 'f32', 'targets').keep();
    const k = norms.length;
    const tile = channels * per;
    const results = new Map<string, { images: Float32Array; losses: Float32Array }>();
    const optimizers: Record<string, string> = {};
    try {
      for (const { name, model, cotrain } of models) {
        const t0 = performance.now();
        // Without --optimizer, a co-trained model gets its type's optimiser (SGD + blur for MTL, Adam without blur otherwise).
        const optimizer = a.optimizer ?? cotrain?.optimizer;
        const blurSigma = a.blurSigma ?? (cotrain && optimizer === 'adam' ? 0 : undefined);
        optimizers[name] = `${optimizer ?? 'sgd'}, blur ${blurSigma ?? 1}`;
        const rec = new Reconstruction(model, a.layer, x0, {
          norms, constraint: a.constraint, optimizer, lr: a.lr, blurSigma, seed: a.seed,
        });
        try {
          const progress = a.every ? join(a.out, 'progress') : null;
          if (progress) mkdirSync(progress, { recursive: true });
          const snap = await rec.run(steps, {
            every: a.every,
            onSnapshot: progress ? (s) => {
              const rows = [Array.from({ length: n * k }, (_, b) => s.images.subarray(b * tile, (b + 1) * tile))];
              writeFileSync(join(progress, `${name}-step${String(s.step).padStart(5, '0')}.png`), encodePng(tileGrid(rows, [channels, size, size])));
            } : undefined,
          });
          results.set(name, { images: snap.images, losses: snap.losses });
          const mean = snap.losses.reduce((s, v) => s + v, 0) / snap.losses.length;
          log(`${name}: ${steps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s, mean loss ${mean.toPrecision(4)}`);
        } finally {
          rec.dispose();
        }
      }
      const ref = models[0].name;
      const pow2 = (size & (size - 1)) === 0;
      const spectral = pow2 ? await engine.scopeAsync(async () => {
        const r = engine.tensor(results.get(ref)!.images, [n * k, channels, size, size]);
        return (await spectralControl(r, x0).read()) as Float32Array;
      }) : null;
      if (!spectral) log(`spectral control skipped: the FFT needs a power-of-two size, not ${size}`);

      const rowOf = (images: Float32Array) => Array.from({ length: n * k }, (_, b) => images.subarray(b * tile, (b + 1) * tile));
      const original = Array.from({ length: n * k }, (_, b) => x0Host.subarray(Math.floor(b / k) * tile, (Math.floor(b / k) + 1) * tile));
      const gridRows = [...models.map((m) => rowOf(results.get(m.name)!.images)), ...(spectral ? [rowOf(spectral)] : []), original];
      writeFileSync(join(a.out, 'grid.png'), encodePng(tileGrid(gridRows, [channels, size, size])));

      const ratiosOf = (images: Float32Array) => norms.map((_, j) => t.masks.map((mask, i) => {
        const b = i * k + j;
        const v = normalizedNormRatio(images.subarray(b * tile, (b + 1) * tile), x0Host.subarray(i * tile, (i + 1) * tile), mask);
        return Number.isFinite(v) ? v : null;
      }));
      const ratios: Record<string, (number | null)[][]> = {};
      for (const m of models) ratios[m.name] = ratiosOf(results.get(m.name)!.images);
      const controlName = `spectral control (${ref})`;
      if (spectral) ratios[controlName] = ratiosOf(spectral);
      writeFileSync(join(a.out, 'ratios.json'), `${JSON.stringify({
        layer: a.layer, norms, steps, optimizer: a.optimizer ?? 'sgd', optimizers, lr: a.lr ?? null, constraint: a.constraint ?? 'sphere',
        blurSigma: a.blurSigma ?? 1, noise: a.noise ?? 0.08, size, images: t.labels,
        gridRows: [...models.map((m) => m.name), ...(spectral ? [controlName] : []), 'targets'],
        gridColumns: 'image-major: image i at norm j is column i·K + j',
        losses: Object.fromEntries(models.map((m) => [m.name, Array.from(results.get(m.name)!.losses)])),
        normalizedRatios: {
          layout: 'per model: [norm][image], eq. (1); images in model-input units, I_o the (noisy) target', values: ratios,
        },
      }, null, 2)}\n`);

      const others = Object.keys(ratios).filter((name) => name !== ref);
      if (others.length) {
        const panels = norms.map((r, j) => ({
          title: `norm ${r}`, xLabel: 'ρ̄ other', yLabel: `ρ̄ ${ref}`,
          series: others.map((name, s): ScatterSeries => ({
            name, color: name === controlName ? '#d62728' : PALETTE[s % PALETTE.length],
            points: ratios[name][j].map((x, i) => [x ?? NaN, ratios[ref][j][i] ?? NaN]),
          })),
        }));
        writeFileSync(join(a.out, 'scatter.svg'), ratioScatterSvg(panels));
      }
      log(`wrote ${join(a.out, 'grid.png')}, ratios.json${others.length ? ', scatter.svg' : ''}`);
    } finally {
      x0.dispose();
    }
  } finally {
    for (const m of models) m.model.dispose();
    engine.close();
  }
}
