/**
 * The sweep folder, which is the sweep's whole state (shared storage when workers run elsewhere):
 *   sweep.json                 the validated sweep file and its id
 *   trials/<id>/trial.json     the trial's params and full config (its run folder: checkpoint, metrics, report …)
 *   trials/<id>/result.json    written once, atomically, when the trial is done or has failed for a real reason
 *   trials/<id>/trial.log      every attempt's log (which worker, resumed from which step)
 *   results.jsonl, results.md, results.svg, results.png   the table and plot, rebuilt from the result files
 * A trial is finished exactly when its result.json exists; everything else is unfinished and is run (or resumed).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConfigError, RunFolderError } from '../errors.js';
import { writeFileAtomic } from '../io/fs.js';
import { changedFields } from '../train/run-folder.js';
import type { Params } from './expand.js';
import type { SweepSpec, TrialKind } from './spec.js';

export interface TrialFile { id: number; kind: TrialKind; params: Params; config: Record<string, unknown>; sweep: string }
export interface TrialResult {
  id: number; status: 'done' | 'failed'; params: Params; metrics: Record<string, number>; error?: string;
  /** Where and how it ran: not part of the table (they differ between runners). */
  worker: string; attempts: number; seconds: number;
}
export interface SweepState { id: string; spec: SweepSpec }

export const trialDir = (out: string, id: number) => join(out, 'trials', String(id).padStart(3, '0'));
const json = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);

function readJson<T>(path: string): T {
  try { return JSON.parse(readFileSync(path, 'utf8')) as T; } catch (e) { throw new ConfigError(`${path}: ${(e as Error).message}`); }
}

/**
 * Opens `out` for `spec`: a new folder (or `force`) starts a new sweep; `resume` needs the same sweep file as the
 * one the folder holds (the changed fields are named otherwise).
 */
export function openSweepFolder(out: string, spec: SweepSpec, o: { resume?: boolean; force?: boolean }): SweepState {
  const path = join(out, 'sweep.json');
  if (existsSync(path) && !o.force) {
    const saved = readJson<SweepState>(path);
    if (!o.resume) throw new RunFolderError(`${out}: already holds a sweep (${path}); continue it with --resume, or pass --force to start it afresh, or choose another -o`);
    const changed = changedFields(saved.spec, spec);
    if (changed.length) throw new RunFolderError(`${out}: --resume with a sweep file that differs from ${path}: ${changed.join('; ')}`);
    return saved;
  }
  if (o.resume) throw new RunFolderError(`${out}: --resume, but there is no sweep to resume (${path})`);
  mkdirSync(join(out, 'trials'), { recursive: true });
  const state: SweepState = { id: randomUUID().slice(0, 8), spec };
  writeFileAtomic(path, json(state));
  return state;
}

/** Writes trial.json unless it is there (a resumed sweep keeps what it wrote; the config is the same). */
export function writeTrialFile(out: string, t: TrialFile): string {
  const dir = trialDir(out, t.id);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'trial.json'))) writeFileAtomic(join(dir, 'trial.json'), json(t));
  return dir;
}

export function readTrialFile(dir: string): TrialFile { return readJson<TrialFile>(join(dir, 'trial.json')); }

export function readResult(dir: string): TrialResult | null {
  const p = join(dir, 'result.json');
  return existsSync(p) ? readJson<TrialResult>(p) : null;
}

/** Records the outcome once: a second writer (a retried job that raced the first) leaves the first one standing. */
export function writeResult(dir: string, r: TrialResult): TrialResult {
  const had = readResult(dir);
  if (had) return had;
  writeFileAtomic(join(dir, 'result.json'), json(r));
  return r;
}

export function logTrial(dir: string, line: string): void {
  appendFileSync(join(dir, 'trial.log'), `${new Date().toISOString()} ${line}\n`);
}

/** Every result in the folder, by trial id. */
export function readResults(out: string): TrialResult[] {
  const root = join(out, 'trials');
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((n) => /^\d+$/.test(n)).sort()
    .flatMap((n) => { const r = readResult(join(root, n)); return r ? [r] : []; }).sort((a, b) => a.id - b.id);
}
