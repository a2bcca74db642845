/**
 * A sweep file as data, validated with zod (unknown fields refused, naming them): which command each trial runs
 * (`kind`), the base config of that command, what varies (explicit lists, grids, seeds, seeded random draws) or a
 * search strategy (random / TPE from src/convrnn/search) that proposes trials as results arrive, and the metric
 * the table and plot are about.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

export const TRIAL_KINDS = ['train', 'finetune', 'cotrain', 'score', 'convrnn-search'] as const;
export type TrialKind = (typeof TRIAL_KINDS)[number];

const value = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);
/** A dotted path into the base config, e.g. `train.lr`. */
const path = z.string().regex(/^[A-Za-z_][\w-]*(\.[\w-]+)*$/, 'a dotted path into the base config, e.g. train.lr');

/** A search-space dimension whose name is a dotted path (the shape of src/convrnn/search/space.ts). */
const dim = z.discriminatedUnion('kind', [
  z.object({ name: path, kind: z.literal('choice'), options: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1, 'needs at least one option') }).strict(),
  z.object({ name: path, kind: z.literal('uniform'), low: z.number(), high: z.number() }).strict(),
  z.object({ name: path, kind: z.literal('int'), low: z.number().int(), high: z.number().int() }).strict(),
]).refine((d) => d.kind === 'choice' || d.high > d.low, { message: 'needs high > low' });

const vary = z.object({
  /** Explicit trials: each entry sets some paths (the others come from the base). */
  list: z.array(z.record(path, value)).min(1, 'an empty list has no trials').optional(),
  /** Every combination of these values (the last path varies fastest). */
  grid: z.record(path, z.array(value).min(1, 'an empty grid axis has no trials')).optional(),
  /** `count` seeded draws from `space`. */
  random: z.object({ count: z.number().int().positive(), seed: z.number().int().nonnegative().default(0), space: z.array(dim).min(1) }).strict().optional(),
  /** Repeat every trial with each of these seeds, written at `path` (default `seed`). */
  seeds: z.union([z.array(z.number().int().nonnegative()).min(1, 'an empty seed list has no trials'),
    z.object({ path: path.default('seed'), values: z.array(z.number().int().nonnegative()).min(1, 'an empty seed list has no trials') }).strict()]).optional(),
}).strict().refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'names nothing to vary (list, grid, random or seeds)' });

const search = z.object({
  algo: z.enum(['random', 'tpe']),
  trials: z.number().int().positive(),
  seed: z.number().int().nonnegative().default(0),
  space: z.array(dim).min(1),
  /**
   * Trials proposed per round: each round is conditioned on every earlier round's results, so the proposals (and
   * the results) do not depend on how many workers there are or which finishes first.
   */
  batch: z.number().int().positive().default(1),
  /** TPE's random start-up trials (default: half the trials, 2 to 10, as `convrnn search`). */
  startup: z.number().int().nonnegative().optional(),
}).strict();

export const sweepSchema = z.object({
  name: z.string().min(1).optional(),
  kind: z.enum(TRIAL_KINDS),
  /** The command's config: a train/finetune/cotrain config, score's or convrnn search's options. */
  base: z.record(z.string(), z.unknown()).default({}),
  vary: vary.optional(),
  search: search.optional(),
  /** The number each trial reports that the table is sorted by and the plot shows. Default per kind. */
  metric: z.object({ name: z.string().min(1), goal: z.enum(['max', 'min']) }).strict().optional(),
  /** Runs of a trial that crashed (killed worker, lost machine) before it is recorded as failed. */
  attempts: z.number().int().positive().default(3),
}).strict().refine((s) => !(s.vary && s.search), { message: 'give either vary or search, not both', path: ['search'] })
  .refine((s) => s.vary || s.search, { message: 'needs vary (list, grid, random, seeds) or search', path: ['vary'] });

export type SweepSpec = z.infer<typeof sweepSchema>;
export type SearchSpec = z.infer<typeof search>;

/** The metric each kind reports by default (what its trial runner puts in `metrics`). */
export const DEFAULT_METRIC: Record<TrialKind, { name: string; goal: 'max' | 'min' }> = {
  train: { name: 'valTop1', goal: 'max' },
  finetune: { name: 'valTop1', goal: 'max' },
  cotrain: { name: 'clean.Baseline', goal: 'max' },
  score: { name: 'ceiled.mean', goal: 'max' },
  'convrnn-search': { name: 'bestValAccuracy', goal: 'max' },
};

export function metricOf(s: SweepSpec): { name: string; goal: 'max' | 'min' } { return s.metric ?? DEFAULT_METRIC[s.kind]; }

function issueText(i: z.core.$ZodIssue): string {
  const at = i.path.map(String).join('.');
  if (i.code === 'unrecognized_keys') return `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${at ? `${at}.` : ''}${k}'`).join(', ')}`;
  return `field '${at || '(root)'}': ${i.message}`;
}

export function parseSweep(raw: unknown, where = 'sweep'): SweepSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${where}: expected a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw}`);
  const r = sweepSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(`${where}: ${r.error.issues.map(issueText).join('; ')}`);
  return r.data;
}

export function loadSweep(file: string): SweepSpec {
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(file, 'utf8')); } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ConfigError(`${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  return parseSweep(raw, file);
}
