/**
 * Each trial runs in a child process of its runner (embedded or a queue worker), so a trial that crashes, leaks
 * GPU memory or hangs in a driver cannot poison the runner. The child writes result.json itself; the parent
 * only learns how the child ended:
 *   exit 0 with result.json   the trial is finished (done, or failed for a real reason: bad config, divergence);
 *   anything else             the attempt was lost (killed, signal, internal error): run it again, and it resumes
 *                             from its own last checkpoint.
 * A child whose parent dies (the IPC channel closes) stops at once, as if its machine had gone.
 */
import { spawn } from 'node:child_process';
import { RunFolderError, StoppedError } from '../errors.js';
import { describeError } from '../cli/errors.js';
import { logTrial, readResult, readTrialFile, writeResult } from './folder.js';
import { runTrialKind } from './kinds.js';

/** Exit code of an attempt that found its run folder held by another live attempt (EX_TEMPFAIL): try later. */
export const BUSY_EXIT = 75;

export interface ChildProgress { step: number; total: number }

/** The body of `sweep-trial <dir>`: runs the trial in this process. Returns the exit code. */
export async function trialProcess(dir: string, worker: string, attempt: number): Promise<number> {
  const t = readTrialFile(dir);
  const log = (m: string) => logTrial(dir, `[${worker}] ${m}`);
  if (readResult(dir)) { log('already finished; nothing to do'); return 0; }
  if (process.connected) process.on('disconnect', () => { log('runner gone: stopping'); process.exit(137); });
  const ctl = new AbortController();
  for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) process.on(sig, () => ctl.abort(code));
  const t0 = performance.now();
  log(`attempt ${attempt} (pid ${process.pid})`);
  const record = { id: t.id, params: t.params, worker, attempts: attempt };
  try {
    const metrics = await runTrialKind(t.kind, t.config, dir, {
      log, progress: (step, total) => process.send?.({ step, total } satisfies ChildProgress),
    }, ctl.signal);
    writeResult(dir, { ...record, status: 'done', metrics, seconds: (performance.now() - t0) / 1000 });
    log(`done: ${JSON.stringify(metrics)}`);
    return 0;
  } catch (e) {
    if (e instanceof StoppedError) { log(e.message); return e.exitCode; }
    if (e instanceof RunFolderError && /in use by another/.test(e.message)) { log(e.message); return BUSY_EXIT; }
    const { message, exitCode } = describeError(e);
    // An internal error is a bug or a lost device, not the trial's fault: the attempt is lost and retried.
    if (exitCode === 2) { log(`attempt lost: ${message}`); return 2; }
    writeResult(dir, { ...record, status: 'failed', metrics: {}, error: message, seconds: (performance.now() - t0) / 1000 });
    log(`failed: ${message}`);
    return 0;
  }
}

export interface AttemptEnd { code: number | null; signal: NodeJS.Signals | null; stderr: string }

/** Dawn's start-up notices, not the trial's. */
const NOISE = /^Warning: maxDynamic/;

/**
 * Starts `sweep-trial` for `dir` through the same CLI entry this process was started from (bin/cortexgpu.js),
 * or `cli` when given. `stop` (if it fires) sends SIGTERM, and the trainer checkpoints before it exits.
 */
export function spawnTrial(dir: string, o: { worker: string; attempt: number; cli?: string; onProgress?: (p: ChildProgress) => void; stop?: AbortSignal }): Promise<AttemptEnd> {
  const cli = o.cli ?? process.argv[1];
  const child = spawn(process.execPath, [cli, 'sweep-trial', dir, '--worker', o.worker, '--attempt', String(o.attempt)],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-4000); });
  child.on('message', (m) => o.onProgress?.(m as ChildProgress));
  const onStop = () => child.kill('SIGTERM');
  o.stop?.addEventListener('abort', onStop);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      o.stop?.removeEventListener('abort', onStop);
      resolve({ code, signal, stderr: stderr.split('\n').filter((l) => l.trim() && !NOISE.test(l)).join('\n') });
    });
  });
}

/** A progress printer for a non-TTY log: the first step, then at most one line per `ms`, and the last step. */
export function stepPrinter(say: (m: string) => void, ms = 10_000): (p: ChildProgress) => void {
  let last = -Infinity;
  let shown = -1;
  return (p) => {
    const now = performance.now();
    if (p.step === shown || (now - last < ms && p.step !== p.total && shown >= 0)) return;
    say(`step ${p.step}/${p.total}`);
    last = now; shown = p.step;
  };
}

/** One line saying how a lost attempt ended. */
export function describeEnd(e: AttemptEnd): string {
  const how = e.signal ? `killed by ${e.signal}` : e.code === BUSY_EXIT ? 'its run folder was held by another attempt' : `exit code ${e.code}`;
  const last = e.stderr.split('\n').filter(Boolean).at(-1);
  return `trial process ${how}${last ? ` (${last.replace(/^cortexgpu: /, '')})` : ''}`;
}
