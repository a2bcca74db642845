/**
 * What a co-training run's weights file says about itself (run-store.ts writes it beside the tensors): the MtlVgg
 * configuration, the input standardisation, and the reconstruction optimiser of its model type. From it an
 * analysis builds the plain VGG those weights fill (the shared and unshared blocks are VGG's `features`, the head
 * its `classifier`: models/mtl.ts mtlNameFromVgg), standardises images as the model was trained, and picks the
 * optimiser the paper used for that model (§4: SGD with gradient blur for MTL models, Adam for Baseline and Oracle).
 */
import type { MtlVggConfig } from '../models/mtl.js';
import type { VggConfig } from '../models/vgg.js';
import { CheckpointError } from '../io/safetensors.js';

export const MTL_KEY = 'cortexgpu.mtl';
export const INPUT_KEY = 'cortexgpu.input';
export const OPTIMIZER_KEY = 'cortexgpu.reconstruct-optimizer';

/** The standardisation of the model's gray input ((x − mean)/std on [0, 1] images) and the training image side. */
export interface InputStats { mean: number; std: number; size: number }

export interface CotrainWeights {
  run: string;
  vgg: VggConfig;
  /** Features in the shared block (MtlVgg.v1ModelLayer): where the MTL names split. */
  split: number;
  input: InputStats;
  optimizer: 'sgd' | 'adam';
}

/** The co-training description in a weights file's metadata, or null for a file cotrain did not write. */
export function cotrainWeightsOf(path: string, metadata: Record<string, string>): CotrainWeights | null {
  if (!(MTL_KEY in metadata)) return null;
  let mtl: MtlVggConfig, input: InputStats;
  try {
    mtl = JSON.parse(metadata[MTL_KEY]) as MtlVggConfig;
    input = JSON.parse(metadata[INPUT_KEY]) as InputStats;
  } catch {
    throw new CheckpointError(`${path}: metadata '${MTL_KEY}' or '${INPUT_KEY}' is not JSON`);
  }
  if (!mtl.classification) throw new CheckpointError(`${path}: a neural-only model (${metadata.run ?? 'no run name'}) has no classifier to load as a VGG`);
  const optimizer = metadata[OPTIMIZER_KEY] === 'sgd' ? 'sgd' : 'adam';
  const vgg: VggConfig = {
    cfg: mtl.cfg, batchNorm: mtl.batchNorm, inChannels: 1, numClasses: mtl.numClasses, headWidth: mtl.headWidth, dropout: mtl.dropout, seed: mtl.seed,
  };
  return { run: metadata.run ?? '', vgg, split: mtl.v1ModelLayer, input, optimizer };
}
