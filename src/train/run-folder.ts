/**
 * Guards a run folder: one writer at a time (a lock file holding the owner's pid; a lock whose process is gone is
 * taken over), no silent overwrite of an earlier run, no resume of nothing, no silent resume with a changed
 * recipe, and temp files of a killed write swept before anything is written.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RunFolderError } from '../errors.js';
import { pidAlive, removeStaleTemps } from '../io/fs.js';

/** What a run writes; a folder holding any of them holds a run. */
export const RUN_FILES = ['checkpoint.safetensors', 'weights.safetensors', 'metrics.jsonl', 'config.json', 'curves.svg'];
/** Fields that only say where to stop, so changing them on resume is not a change of recipe. */
const STOP_FIELDS = new Set(['train.maxSteps']);

export interface RunFolderOptions {
  resume?: boolean;
  /** Replace a run already in the folder. */
  force?: boolean;
  /** On resume, accept a config that differs from the run's config.json (the differences are logged). */
  acceptChanges?: boolean;
  /** What marks a run in the folder (default RUN_FILES); folders among them are removed whole on --force. */
  runFiles?: readonly string[];
  /** The file a resume needs (default checkpoint.safetensors). */
  resumeFile?: string;
  /** Config fields that may change on resume without --accept-changes (default: train.maxSteps). */
  stopFields?: readonly string[];
}

export interface RunFolder {
  lockPath: string;
  /** Stale temp files removed from the folder. */
  sweptTemps: string[];
  /** Config fields changed against the run being resumed (accepted with acceptChanges). */
  changed: string[];
  release(): void;
}

function lockHolder(lockPath: string): number | null {
  try { return Number.parseInt(readFileSync(lockPath, 'utf8'), 10); } catch { return null; }
}

/** Takes `out`/.lock for this process (a lock whose holder is gone is taken over); returns the lock's path. */
export function acquire(out: string): string {
  const lockPath = join(out, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return lockPath;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = lockHolder(lockPath);
    if (pid !== null && pid !== process.pid && pidAlive(pid)) {
      throw new RunFolderError(`${out}: in use by another cortexgpu process (pid ${pid}, lock ${lockPath})`);
    }
    // The holder is gone (killed before it could release): take the lock over.
    try { unlinkSync(lockPath); } catch { /* another process took it over first; the retry tells */ }
  }
  throw new RunFolderError(`${out}: could not take the lock ${lockPath}`);
}

/** Dotted paths of the leaves that differ between two JSON values. */
export function changedFields(before: unknown, after: unknown, path = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => changedFields(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [`${path} (${JSON.stringify(before) ?? 'unset'} → ${JSON.stringify(after) ?? 'unset'})`];
}

/** Checks and locks `out` for a run with config `cfg`; call release() when the run ends, however it ends. */
export function openRunFolder(out: string, cfg: unknown, opts: RunFolderOptions): RunFolder {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new RunFolderError(`${out}: exists and is not a folder (-o names the run folder)`);
  // Non-recursive when the parent exists, so a read-only parent reports EROFS/EACCES rather than ENOENT.
  if (!existsSync(out)) mkdirSync(out, { recursive: !existsSync(dirname(out)) });
  const lockPath = acquire(out);
  const release = () => { if (lockHolder(lockPath) === process.pid) try { unlinkSync(lockPath); } catch { /* already gone */ } };
  try {
    const sweptTemps = removeStaleTemps(out);
    let changed: string[] = [];
    if (opts.resume) {
      const ckpt = join(out, opts.resumeFile ?? 'checkpoint.safetensors');
      if (!existsSync(ckpt)) throw new RunFolderError(`${out}: --resume, but there is no checkpoint to resume (${ckpt}); drop --resume to start afresh`);
      const cfgPath = join(out, 'config.json');
      if (existsSync(cfgPath)) {
        let saved: unknown;
        try { saved = JSON.parse(readFileSync(cfgPath, 'utf8')); } catch (e) { throw new RunFolderError(`${cfgPath}: not JSON (${(e as Error).message})`); }
        const stop = opts.stopFields ? new Set(opts.stopFields) : STOP_FIELDS;
        changed = changedFields(saved, cfg).filter((f) => !stop.has(f.split(' ')[0]));
        if (changed.length && !opts.acceptChanges) {
          throw new RunFolderError(`${out}: --resume with a config that differs from the run's ${cfgPath}: ${changed.join('; ')}; `
            + 'resume with the same settings, or pass --accept-changes');
        }
      }
    } else {
      const held = (opts.runFiles ?? RUN_FILES).filter((f) => existsSync(join(out, f)));
      if (held.length && !opts.force) {
        throw new RunFolderError(`${out}: already holds a run (${held.join(', ')}); continue it with --resume, `
          + 'or pass --force to replace it, or choose another -o');
      }
      for (const f of held) rmSync(join(out, f), { force: true, recursive: true });
    }
    return { lockPath, sweptTemps, changed, release };
  } catch (e) {
    release();
    throw e;
  }
}
