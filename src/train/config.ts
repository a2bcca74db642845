/**
 * The training configuration (JSON), validated with zod so a bad file fails naming the field. Defaults give the
 * README's main job: the small GRCNN on synth-objects-64 (see LEARN_DATA); the paper's recipes, with CutMix, AugMix
 * and the superclass loss, are files in tools/configs/.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const schedule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  z.object({ kind: z.literal('step'), milestones: z.array(z.number().int().nonnegative()), gamma: z.number().positive().default(0.1) }).strict(),
  z.object({ kind: z.literal('cosine'), epochs: z.number().int().positive().optional(), minLr: z.number().nonnegative().optional() }).strict(),
  z.object({ kind: z.literal('plateau'), factor: z.number().positive().max(1).default(0.3), patience: z.number().int().nonnegative().default(5),
    threshold: z.number().nonnegative().optional(), mode: z.enum(['min', 'max']).default('max'), minLr: z.number().nonnegative().optional() }).strict(),
]);

/** [lo, hi] with 0 < lo ≤ hi ≤ max. */
const range = (min: number, max: number) => z.tuple([z.number().gt(min).max(max), z.number().gt(min).max(max)])
  .refine(([lo, hi]) => hi >= lo, { message: 'needs lo ≤ hi' });

/** Evaluation preprocessing: resize the shorter side to this, then centre-crop imageSize (ImageNet: 256 → 224); unset: resize to imageSize. */
const evalResize = z.number().int().positive().optional();

const data = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('synth-objects-64'),
    /** 'learn' (default): the set the README's main job learns on a CPU (see LEARN_DATA); 'ci'/'full': canonical sizes. */
    profile: z.enum(['learn', 'ci', 'full']).default('learn'), perClass: z.number().int().positive().optional(),
    valPerClass: z.number().int().positive().optional(), seed: z.number().int().nonnegative().default(0), hard: z.boolean().default(false),
    /** Side in pixels (the canonical set is 64; other sizes scale pose and are a different, non-canonical set). */
    imageSize: z.number().int().min(16).optional(),
    /** RMS contrast range of figure and ground textures; unset = the canonical [.05, .2] (profile 'learn': LEARN_DATA's). */
    rms: z.tuple([z.number().nonnegative(), z.number().nonnegative()]).refine(([lo, hi]) => hi >= lo, { message: 'needs lo ≤ hi' }).optional(),
    evalResize }).strict(),
  z.object({ kind: z.literal('image-folder'), train: z.string(), val: z.string(), imageSize: z.number().int().positive().default(64),
    grayscale: z.boolean().default(true), evalResize }).strict(),
  z.object({ kind: z.literal('tiny-imagenet'), root: z.string(), imageSize: z.number().int().positive().default(64), grayscale: z.boolean().default(true),
    evalResize }).strict(),
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
    /** Adam 3e-3 without weight decay by default: see the note at LEARN_DATA. The paper's recipe is SGD (tools/configs/). */
    optimizer: z.enum(['sgd', 'adam', 'adamw']).default('adam'),
    lr: z.number().positive().default(3e-3),
    momentum: z.number().min(0).max(1).default(0.9),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().nonnegative().default(0),
    schedule: schedule.default({ kind: 'cosine' }),
    labelSmoothing: z.number().min(0).max(1).default(0),
    augment: z.object({ cropPadding: z.number().int().nonnegative().default(4), flip: z.boolean().default(true),
      rotation: z.number().nonnegative().default(0),
      /**
       * torchvision RandomResizedCrop to the data's imageSize (replaces the padded crop); the ImageNet recipe's (0.08–1,
       * 3/4–4/3). Optional rather than defaulted, so config.json of runs made before it still resume unchanged.
       */
      randomResizedCrop: z.object({ scale: range(0, 1).default([0.08, 1]), ratio: range(0, Infinity).default([3 / 4, 4 / 3]) })
        .strict().nullable().optional() }).strict().prefault({}),
    cutmix: z.object({ prob: z.number().min(0).max(1).default(0.5), beta: z.number().positive().default(1) }).strict().nullable().default(null),
    augmix: z.object({ jsdWeight: z.number().nonnegative().default(12), severity: z.number().positive().default(1) }).strict().nullable().default(null),
    superclass: z.object({
      weight: z.number().nonnegative().default(0.5),
      /**
       * 'dataset': the grouping the data ships (synth-objects-64's); 'geirhos-16' / 'restricted-imagenet': the
       * ImageNet superclasses, matched by WordNet id (Tiny ImageNet's wnids, ImageFolder's class folder names);
       * or { "<superclass>": ["<class folder or wnid>", …] }.
       */
      map: z.union([z.enum(['dataset', 'geirhos-16', 'restricted-imagenet']),
        z.record(z.string(), z.array(z.string()).min(1))]).default('dataset'),
      /** A class in no superclass: 'error' stops the run naming it; 'skip' leaves it out of the term (ImageNet-wide maps cover a few classes). */
      unmapped: z.enum(['error', 'skip']).default('error'),
    }).strict().nullable().default(null),
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

/**
 * The default job's data and model, chosen so that `node bin/cortexgpu.js train` visibly learns on a 2-core machine
 * with lavapipe in about 10 minutes. Measured there (probes of 3–4 epochs, machine shared, load 2–15; val top-1 on
 * 200 images, chance 10 %):
 *   - canonical 64 px, 40 images per class, SGD 0.05 (the old default): 15 % after 96 steps, loss ≈ ln 10 (issue 14);
 *   - 32 px, textures RMS .01–.04, 200/class, batch 64, Adam 5e-3, 2 recurrent steps per block: 17.5 % after 3
 *     epochs (93 steps), train loss 2.12;
 *   - 32 px, RMS 0–.02, 150/class, batch 32, Adam 3e-3, 1 recurrent step per block: train loss 2.15 after 92 steps
 *     (val 21.5 %) and 1.95 after 130 — the fastest fall, so these are the defaults;
 *   - 32 px, RMS 0–.01, 100/class, Adam 5e-3: still at chance (10.5 %) after 62 steps (too few images, lr too high).
 * The resulting default (8 epochs, 368 steps, replayed) measured end to end: val top-1 60.0 % (top-5 100 %) in 13 min
 * 5 s wall, 11 min 10 s CPU (load 12–14 when it started, 7.8 at its end; 4–6 images/s in the first, contended epoch,
 * 21–32 after); per epoch 15, 21, 18.5, 32.5, 40, 39, 51.5, 60 %; training loss 1.98 at step 100 (chance 2.30).
 * Why: at 32 px a step costs ~¼ of a 64 px one, so 10 minutes buy 4× the updates; the canonical textures (RMS
 * .05–.2) hide the outlines that tell the classes apart until late in training, faint ones let the first epochs
 * learn shape (the co-training 'ci' profile found the same); Adam gets BN-GRCNNs of this width off the chance
 * plateau sooner than SGD (the co-training note: SGD 0.1 left small nets at chance); batch 32 gives twice the
 * updates of 64 per image. One recurrent step per block (the model default when no `model` is given) halves the
 * step's cost. A real GPU runs the 'full' profile instead (see scaleForAdapter).
 */
export const LEARN_DATA = { perClass: 150, valPerClass: 20, imageSize: 32, rms: [0, 0.02] as [number, number] };
export const LEARN_MODEL_ITERS = [1, 1, 1, 1];

/** Fills the data fields a profile implies, so config.json shows the sizes the run used. */
function resolveProfile(c: TrainConfig, raw: unknown): TrainConfig {
  const d = c.data;
  if (d.kind !== 'synth-objects-64') return c;
  const learn = d.profile === 'learn';
  d.imageSize ??= learn ? LEARN_DATA.imageSize : 64;
  if (learn) {
    d.perClass ??= LEARN_DATA.perClass;
    d.valPerClass ??= LEARN_DATA.valPerClass;
    d.rms ??= LEARN_DATA.rms;
  }
  const rawModel = (raw as { model?: unknown } | null)?.model;
  if (learn && rawModel === undefined) c.model.iters = [...LEARN_MODEL_ITERS];
  return c;
}

export function parseTrainConfig(raw: unknown, where = 'config'): TrainConfig {
  const r = trainConfigSchema.safeParse(raw ?? {});
  if (!r.success) {
    const msgs = r.error.issues.map((i) => `${where}: field '${i.path.join('.') || '(root)'}': ${i.message}`);
    throw new ConfigError(msgs.join('\n'));
  }
  return resolveProfile(r.data, raw);
}

export function loadTrainConfig(path: string): TrainConfig {
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new ConfigError(`${path}: ${(e as Error).message}`); }
  // `null` (or a list, a number) is not a config; only a missing file section falls back to the defaults.
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${path}: expected a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw}`);
  return parseTrainConfig(raw, path);
}

/** Software adapters (Mesa's lavapipe/llvmpipe, SwiftShader) keep the CPU-sized default. */
export const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software/i;

/**
 * The built-in default on a real GPU: the canonical synth-objects-64 'full' profile (500 images per class at 64 px,
 * the spec's textures), the preset's two recurrent steps per block, batch 128, 30 epochs. Changes `cfg` in place and
 * says what it chose; returns null (and changes nothing) on a software adapter. Applied only when no config file is
 * given, so a config always means what it says.
 */
export function scaleForAdapter(cfg: TrainConfig, adapterName: string): string | null {
  if (SOFTWARE_ADAPTER.test(adapterName) || cfg.data.kind !== 'synth-objects-64') return null;
  cfg.data = { ...cfg.data, profile: 'full', imageSize: 64, perClass: undefined, valPerClass: undefined, rms: undefined };
  cfg.model.iters = undefined;
  cfg.train.batchSize = 128;
  cfg.train.epochs = 30;
  return 'GPU adapter: scaled up to synth-objects-64 full (500/class, 64 px, canonical textures), 2 recurrent steps per block, batch 128, 30 epochs';
}
