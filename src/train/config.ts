/**
 * The training configuration (JSON), validated with zod so a bad file fails naming the field. Defaults give the
 * README's main job: the small GRCNN on synth-objects-64 with CutMix and the superclass loss.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CortexError } from '../gpu/errors.js';

export class ConfigError extends CortexError {}

const schedule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  z.object({ kind: z.literal('step'), milestones: z.array(z.number().int().nonnegative()), gamma: z.number().positive().default(0.1) }).strict(),
  z.object({ kind: z.literal('cosine'), epochs: z.number().int().positive().optional(), minLr: z.number().nonnegative().optional() }).strict(),
  z.object({ kind: z.literal('plateau'), factor: z.number().positive().max(1).default(0.3), patience: z.number().int().nonnegative().default(5),
    threshold: z.number().nonnegative().optional(), mode: z.enum(['min', 'max']).default('max'), minLr: z.number().nonnegative().optional() }).strict(),
]);

const data = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('synth-objects-64'), profile: z.enum(['ci', 'full']).default('ci'), perClass: z.number().int().positive().optional(),
    valPerClass: z.number().int().positive().optional(), seed: z.number().int().nonnegative().default(0), hard: z.boolean().default(false),
    /** Side in pixels (the canonical set is 64; other sizes scale pose and are a different, non-canonical set). */
    imageSize: z.number().int().min(16).default(64),
    /** RMS contrast range of figure and ground textures; unset = the canonical [.05, .2]. */
    rms: z.tuple([z.number().nonnegative(), z.number().nonnegative()]).refine(([lo, hi]) => hi >= lo, { message: 'needs lo ≤ hi' }).optional() }).strict(),
  z.object({ kind: z.literal('image-folder'), train: z.string(), val: z.string(), imageSize: z.number().int().positive().default(64),
    grayscale: z.boolean().default(true) }).strict(),
  z.object({ kind: z.literal('tiny-imagenet'), root: z.string(), imageSize: z.number().int().positive().default(64), grayscale: z.boolean().default(true) }).strict(),
  z.object({ kind: z.literal('fashion-mnist'), dir: z.string().optional(), trainLimit: z.number().int().positive().optional(),
    testLimit: z.number().int().positive().optional() }).strict(),
]);

export const trainConfigSchema = z.object({
  seed: z.number().int().nonnegative().default(0),
  model: z.object({
    preset: z.enum(['grcnn-small', 'grcnn55', 'grcnn109']).default('grcnn-small'),
    stemChannels: z.number().int().positive().optional(),
    planes: z.array(z.number().int().positive()).optional(),
    expansion: z.number().int().positive().optional(),
    iters: z.array(z.number().int().positive()).optional(),
    groups: z.number().int().positive().optional(),
    weightSharing: z.boolean().optional(),
  }).strict().prefault({}),
  data: data.prefault({ kind: 'synth-objects-64' }),
  train: z.object({
    epochs: z.number().int().positive().default(8),
    batchSize: z.number().int().positive().default(32),
    optimizer: z.enum(['sgd', 'adam', 'adamw']).default('sgd'),
    lr: z.number().positive().default(0.05),
    momentum: z.number().min(0).max(1).default(0.9),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().nonnegative().default(1e-4),
    schedule: schedule.default({ kind: 'cosine' }),
    labelSmoothing: z.number().min(0).max(1).default(0),
    augment: z.object({ cropPadding: z.number().int().nonnegative().default(4), flip: z.boolean().default(true),
      rotation: z.number().nonnegative().default(0) }).strict().prefault({}),
    cutmix: z.object({ prob: z.number().min(0).max(1).default(0.5), beta: z.number().positive().default(1) }).strict().nullable().default(null),
    augmix: z.object({ jsdWeight: z.number().nonnegative().default(12), severity: z.number().positive().default(1) }).strict().nullable().default(null),
    superclass: z.object({ weight: z.number().nonnegative().default(0.5) }).strict().nullable().default(null),
    /** Texture/noise fine-tuning views (Azeglio et al.): 'texture-noise' = stage v1, 'texture' = stage v2. */
    blend: z.object({
      stage: z.enum(['texture-noise', 'texture']),
      /** 'procedural' or a folder of texture images. */
      textures: z.string().default('procedural'),
      /** How many phase-randomised noise twins to make on the GPU. */
      noiseBank: z.number().int().positive().default(64),
      jsdWeight: z.number().nonnegative().default(12),
    }).strict().nullable().default(null),
    logEvery: z.number().int().positive().default(10),
    checkpointEvery: z.number().int().positive().default(50),
    maxSteps: z.number().int().positive().optional(),
    skipCorrupt: z.boolean().default(false),
    /** Capture each batch shape's step once and replay it (src/train/step.ts); bit-identical to eager, faster. */
    replay: z.boolean().default(true),
  }).strict().prefault({}),
}).strict();

export type TrainConfig = z.infer<typeof trainConfigSchema>;

export function parseTrainConfig(raw: unknown, where = 'config'): TrainConfig {
  const r = trainConfigSchema.safeParse(raw ?? {});
  if (!r.success) {
    const msgs = r.error.issues.map((i) => `${where}: field '${i.path.join('.') || '(root)'}': ${i.message}`);
    throw new ConfigError(msgs.join('\n'));
  }
  return r.data;
}

export function loadTrainConfig(path: string): TrainConfig {
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new ConfigError(`${path}: ${(e as Error).message}`); }
  return parseTrainConfig(raw, path);
}
