/**
 * What one trial of each kind is: how its config is validated (the command's own schema, so a bad value names
 * the field) and how it runs into its folder, returning the numbers the sweep table shows. Train and finetune
 * trials resume from their own checkpoint (the trainer's byte-exact --resume) when a killed attempt left one;
 * a cotrain protocol from its finished runs and last checkpoint; a convrnn search from its trials.jsonl.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Engine } from '../engine.js';
import { ConfigError } from '../errors.js';
import { parseTrainConfig } from '../train/config.js';
import { runTraining } from '../train/trainer.js';
import { parseCotrainConfig } from '../cotrain/config.js';
import { runCotrain } from '../cotrain/protocol.js';
import { scoreCommand } from '../cli/score.js';
import { searchConvRnn, SEARCH_TRAIN_DEFAULT } from '../convrnn/search/convrnn-space.js';
import type { TrialKind } from './spec.js';

export type Metrics = Record<string, number>;
export interface TrialHooks { log: (m: string) => void; progress: (step: number, total: number) => void }

const finetuneExtra = z.object({ from: z.string().min(1), blocks: z.array(z.string().min(1)).min(1) });

const scoreSchema = z.object({
  model: z.string().min(1), benchmarks: z.array(z.enum(['v1', 'v2', 'v4', 'it', 'behavior'])).min(1).default(['v1', 'v2', 'v4', 'it']),
  stimuli: z.number().int().positive().optional(), splits: z.number().int().positive().optional(),
  trainSize: z.number().gt(0).lt(1).optional(), layers: z.array(z.string()).min(1).optional(),
  form: z.enum(['explained-variance', 'r2-over-ceiling', 'ratio']).optional(),
}).strict();

const convrnnTrain = z.object({
  steps: z.number().int().positive(), batchSize: z.number().int().positive(), optimizer: z.enum(['sgd', 'adam']), lr: z.number().positive(),
  momentum: z.number().min(0).max(1), clip: z.number().nonnegative(), perClass: z.number().int().positive(),
  valPerClass: z.number().int().positive(), evalEvery: z.number().int().positive(), checkpointEvery: z.number().int().positive(),
  replay: z.boolean(),
}).partial().strict();
const convrnnSearchSchema = z.object({
  algo: z.enum(['tpe', 'random']).default('tpe'), trials: z.number().int().positive().default(12), seed: z.number().int().nonnegative().default(0),
  times: z.number().int().positive().optional(), train: convrnnTrain.default({}),
}).strict();

function zodCheck<T>(schema: z.ZodType<T>, raw: unknown, where: string): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw new ConfigError(r.error.issues.map((i) => {
    const at = i.path.map(String).join('.');
    return i.code === 'unrecognized_keys' ? `${where}: unknown field(s) ${i.keys.map((k) => `'${at ? `${at}.` : ''}${k}'`).join(', ')}`
      : `${where}: field '${at || '(root)'}': ${i.message}`;
  }).join('; '));
}

function splitFinetune(raw: Record<string, unknown>, where: string) {
  const { from, blocks, ...train } = raw;
  return { ...zodCheck(finetuneExtra, { from, blocks }, where), train };
}

/** Throws ConfigError naming the field when `config` is not a valid config of this kind. */
export function validateTrialConfig(kind: TrialKind, config: Record<string, unknown>, where: string): void {
  if (kind === 'train') parseTrainConfig(config, where);
  else if (kind === 'finetune') parseTrainConfig(splitFinetune(config, where).train, where);
  else if (kind === 'cotrain') parseCotrainConfig(config, where);
  else if (kind === 'score') zodCheck(scoreSchema, config, where);
  else zodCheck(convrnnSearchSchema, config, where);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function withEngine<T>(fn: (e: Engine) => Promise<T>): Promise<T> {
  const engine = await Engine.create();
  try { return await fn(engine); } finally { engine.close(); }
}

async function runTrain(config: Record<string, unknown>, dir: string, h: TrialHooks, signal: AbortSignal, ft?: { from: string; blocks: string[] }): Promise<Metrics> {
  const cfg = parseTrainConfig(config, join(dir, 'trial.json'));
  const resume = existsSync(join(dir, 'checkpoint.safetensors'));
  return withEngine(async (engine) => {
    // force: a killed attempt before its first checkpoint leaves config/metrics without one; start that afresh.
    const r = await runTraining(engine, cfg, { out: dir, resume, force: !resume, signal, log: h.log,
      onProgress: (p) => h.progress(p.step, p.totalSteps), init: resume ? undefined : ft?.from, trainable: ft?.blocks });
    r.model.dispose();
    return { valTop1: r.final.top1, valTop5: r.final.top5, valLoss: r.final.loss, steps: r.steps };
  });
}

/** Runs one trial into `dir`; returns its metrics (plain numbers, the same for the same config and seed). */
export async function runTrialKind(kind: TrialKind, config: Record<string, unknown>, dir: string, h: TrialHooks, signal: AbortSignal): Promise<Metrics> {
  const where = join(dir, 'trial.json');
  if (kind === 'train') return runTrain(config, dir, h, signal);
  if (kind === 'finetune') {
    const { from, blocks, train } = splitFinetune(config, where);
    return runTrain(train, dir, h, signal, { from, blocks });
  }
  if (kind === 'cotrain') {
    const cfg = parseCotrainConfig(config, where);
    return withEngine(async (engine) => {
      // A killed attempt left config.json (and its finished runs and last checkpoint): cotrain's own --resume
      // keeps the finished runs and continues the interrupted one.
      const r = await runCotrain(engine, cfg, dir, { log: h.log, resume: existsSync(join(dir, 'config.json')) });
      const m: Metrics = {};
      for (const [run, seeds] of Object.entries(r.results.runs)) {
        m[`clean.${run}`] = mean(seeds.map((s) => s.clean));
        m[`corrupt.${run}`] = mean(seeds.flatMap((s) => Object.values(s.acc).flat()));
        const neural = seeds.flatMap((s) => (s.neural ? [s.neural.corr] : []));
        if (neural.length) m[`neural.${run}`] = mean(neural);
      }
      return m;
    });
  }
  if (kind === 'score') {
    const a = zodCheck(scoreSchema, config, where);
    const { results, behavior } = await scoreCommand({ ...a, out: dir });
    const m: Metrics = {};
    for (const r of [...results, ...(behavior ? [behavior] : [])]) { m[`ceiled.${r.benchmark}`] = r.ceiled; m[`raw.${r.benchmark}`] = r.raw; }
    m['ceiled.mean'] = mean([...results, ...(behavior ? [behavior] : [])].map((r) => r.ceiled));
    return m;
  }
  const o = zodCheck(convrnnSearchSchema, config, where);
  return withEngine(async (engine) => {
    // perClass / valPerClass size the search's synth-objects set (the trainer takes a whole data section).
    const { perClass, valPerClass, ...rest } = o.train;
    const d = SEARCH_TRAIN_DEFAULT.data;
    const data = d.kind === 'synth-objects-64' ? { ...d, perClass: perClass ?? d.perClass, valPerClass: valPerClass ?? d.valPerClass } : d;
    const train = { ...SEARCH_TRAIN_DEFAULT, ...rest, data };
    const r = await searchConvRnn(engine, { algo: o.algo, trials: o.trials, seed: o.seed, times: o.times, out: dir, log: h.log,
      train: { ...train, seed: o.seed, evalEvery: o.train.evalEvery ?? train.steps } });
    return { bestValAccuracy: r.bestAccuracy };
  });
}
