/**
 * The demo's model and input: a GRCNN from a safetensors file written by `train` (weights.safetensors, or a
 * checkpoint.safetensors whose model state sits under 'model.'), and images as the model saw them in training
 * (values in [0, 1], then train's normalisation on the GPU).
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import type { HostTensor } from '../nn/module.js';
import { ArgumentError } from '../errors.js';
import { GRCNN, GRCNN_PRESETS } from '../models/grcnn.js';
import { createGrcnn, settingsFromState } from '../models/factory.js';
import { decodeSafetensorsAsync } from '../io/safetensors-browser.js';
import { SynthObjects } from '../data/synth-objects.js';
import { grayscale, normStats } from '../data/transforms.js';
import { div, sub } from '../ops/elementwise.js';

export interface LoadedWeights {
  model: GRCNN;
  preset: string;
  /** Channels of the model's input (1 = gray). */
  channels: number;
  /** The file's own account of itself: a checkpoint's step, or the model preset of final weights. */
  detail: string;
  /** A training checkpoint's step (null for final weights, whose file does not say). */
  step: number | null;
}

/** A GRCNN with the shapes and weights of a safetensors file; errors name the file and the tensor. */
export async function loadWeights(engine: Engine, bytes: Uint8Array, file: string): Promise<LoadedWeights> {
  const { tensors, metadata } = await decodeSafetensorsAsync(bytes, file);
  // A training checkpoint keeps the model under 'model.' beside the optimiser's 'optim.' buffers.
  const isCheckpoint = tensors.has('model.conv1.weight') && !tensors.has('conv1.weight');
  const state = new Map<string, HostTensor>();
  for (const [k, v] of tensors) {
    if (!isCheckpoint) state.set(k, v);
    else if (k.startsWith('model.')) state.set(k.slice(6), v);
  }
  const preset = metadata.model ?? 'grcnn-small';
  if (!(preset in GRCNN_PRESETS)) throw new ArgumentError(`${file}: model '${preset}' is not a GRCNN; the demo shows GRCNN checkpoints (${Object.keys(GRCNN_PRESETS).join(', ')})`);
  if (!state.has('conv1.weight')) throw new ArgumentError(`${file}: no tensor 'conv1.weight': not a GRCNN state dict written by train`);
  const model = createGrcnn(engine, preset, settingsFromState(preset, state));
  try {
    model.loadStateDict(state);
  } catch (e) {
    model.dispose();
    throw new ArgumentError(`${file}: ${(e as Error).message}`);
  }
  model.eval();
  let detail = `final weights of a ${preset}`;
  let step: number | null = null;
  if (isCheckpoint) {
    try { step = (JSON.parse(metadata.state) as { step: number }).step; } catch { /* no run state: step unknown */ }
    detail = `training checkpoint of a ${preset}${step === null ? '' : ` at step ${step}`}`;
  }
  return { model, preset, channels: model.config.inChannels, detail, step };
}

/** The preset's own initialisation (seed 0): what the page shows when it has no checkpoint. */
export function untrainedModel(engine: Engine, numClasses: number, channels: number): LoadedWeights {
  const model = createGrcnn(engine, 'grcnn-small', { numClasses, inChannels: channels });
  model.eval();
  return { model, preset: 'grcnn-small', channels, detail: 'random initial weights of a grcnn-small (seed 0), never trained', step: 0 };
}

/** How train drew its synth-objects images (config.json's data block), so the built-in images match them. */
export interface SynthSettings { seed?: number; rms?: [number, number]; hard?: boolean }

/** Validation image `index` of synth-objects at `size` px, [C, H, W] in [0, 1] (gray repeated for C = 3). */
export function synthImage(index: number, size: number, channels: number, s: SynthSettings = {}): { data: Float32Array; label: number } {
  const ds = new SynthObjects({ split: 'val', perClass: Math.ceil((index + 1) / 10), imageSize: size, seed: s.seed ?? 0, rms: s.rms, hard: s.hard });
  const item = ds.get(index);
  if (channels === 1) return { data: item.data, label: item.label };
  const out = new Float32Array(channels * size * size);
  for (let k = 0; k < channels; k++) out.set(item.data, k * size * size);
  return { data: out, label: item.label };
}

/** An uploaded image, centre-cropped to a square and resized by the browser to size × size, as [C, H, W] in [0, 1]. */
export async function imageFromFile(file: Blob, size: number, channels: number): Promise<Float32Array> {
  const bmp = await createImageBitmap(file);
  const side = Math.min(bmp.width, bmp.height);
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bmp, (bmp.width - side) / 2, (bmp.height - side) / 2, side, side, 0, 0, size, size);
  const px = ctx.getImageData(0, 0, size, size).data;
  const n = size * size;
  const rgb = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) rgb[k * n + i] = px[4 * i + k] / 255;
  return channels === 3 ? rgb : Float32Array.from(grayscale({ data: rgb, shape: [3, size, size] }, 1).data);
}

/** Images [N, C, H, W] in [0, 1] → the model's input, normalised as train does (src/data/transforms.ts normStats). */
export function modelInput(x: Tensor): Tensor {
  const c = x.shape[1];
  const [mean, std] = normStats(c);
  const e = x.engine;
  return div(sub(x, e.tensor(mean, [1, c, 1, 1])), e.tensor(std, [1, c, 1, 1]));
}
