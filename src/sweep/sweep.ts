/**
 * The coordinator: expands the sweep (or proposes a search's rounds), writes each trial's trial.json, hands the
 * unfinished ones to a runner (embedded or the Redis queue), and rebuilds the table as results arrive. The sweep
 * folder is the only state, so a coordinator killed at any point is resumed with `sweep --resume` and runs only
 * what has no result.json yet.
 */
import { mkdirSync, unlinkSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { acquire } from '../train/run-folder.js';
import { applyParams, expandTrials, proposeRound, type TrialPlan } from './expand.js';
import { openSweepFolder, readResult, readResults, writeResult, writeTrialFile, type SweepState, type TrialResult } from './folder.js';
import { validateTrialConfig } from './kinds.js';
import { metricOf, type SweepSpec } from './spec.js';
import { writeTables } from './table.js';
import type { PendingTrial, TrialRunner } from './embedded.js';

export interface SweepOptions {
  out: string;
  resume?: boolean;
  force?: boolean;
  /** The sweep file's name, for error messages. */
  where?: string;
  log?: (m: string) => void;
}

export interface SweepOutcome { results: TrialResult[]; total: number; files: string[]; state: SweepState }

const describeParams = (p: Record<string, unknown>) => Object.entries(p).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');

/** Writes trial.json for each plan; a config the command would refuse is an error naming the trial and field. */
function prepare(out: string, state: SweepState, plans: readonly TrialPlan[], where: string, onInvalid: 'throw' | 'record'): PendingTrial[] {
  const { spec } = state;
  return plans.flatMap((t) => {
    const config = applyParams(spec.base, t.params, where);
    const dir = writeTrialFile(out, { id: t.id, kind: spec.kind, params: t.params, config, sweep: state.id });
    try {
      validateTrialConfig(spec.kind, config, `${where}: trial ${t.id} (${describeParams(t.params) || 'base'})`);
    } catch (e) {
      if (onInvalid === 'throw' || !(e instanceof ConfigError)) throw e;
      // A search may propose a point the command refuses: that trial fails, the search goes on.
      writeResult(dir, { id: t.id, status: 'failed', params: t.params, metrics: {}, error: e.message, worker: 'coordinator', attempts: 0, seconds: 0 });
    }
    return readResult(dir) ? [] : [{ sweep: state.id, id: t.id, dir, params: t.params }];
  });
}

export async function runSweep(spec: SweepSpec, runner: TrialRunner, o: SweepOptions): Promise<SweepOutcome> {
  const log = o.log ?? (() => {});
  const where = o.where ?? 'sweep';
  mkdirSync(o.out, { recursive: true });
  const lock = acquire(o.out);
  let state: SweepState;
  try { state = openSweepFolder(o.out, spec, o); } catch (e) { unlinkSync(lock); throw e; }
  const total = spec.search ? spec.search.trials : expandTrials(spec).length;
  const files = () => writeTables(o.out, spec, readResults(o.out), total);
  const { name } = metricOf(spec);
  let finished = readResults(o.out).length;
  const onFinished = (r: TrialResult) => {
    finished++;
    log(`trial ${r.id} ${r.status}${r.status === 'done' ? `: ${name} ${r.metrics[name]}` : `: ${r.error}`} (${finished}/${total} finished)`);
    files();
  };
  try {
    if (finished) log(`resuming: ${finished} of ${total} trial(s) already finished in ${o.out}`);
    if (!spec.search) {
      const pending = prepare(o.out, state, expandTrials(spec), where, 'throw');
      log(`${total} trial(s), ${pending.length} to run`);
      await runner.runAll(pending, onFinished);
    } else {
      const s = spec.search;
      for (let first = 0; first < s.trials; first += s.batch) {
        const done = readResults(o.out).map((r) => ({ id: r.id, params: r.params, metric: r.status === 'done' ? r.metrics[name] ?? null : null }));
        const pending = prepare(o.out, state, proposeRound(s, metricOf(spec).goal, done, first, s.batch), where, 'record');
        if (pending.length) await runner.runAll(pending, onFinished);
      }
    }
    return { results: readResults(o.out), total, files: files(), state };
  } finally {
    files();
    try { unlinkSync(lock); } catch { /* already gone */ }
    await runner.close();
  }
}
