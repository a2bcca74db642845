/**
 * Architecture search on a minimal runner: the search only submits a trial (an id and a point) and awaits its
 * result, so a distributed runner can replace the local one. Every finished trial is appended to
 * <out>/trials.jsonl before the next is proposed, so a stopped search resumes where it was (proposals are seeded
 * by the trial index and the history, so a resumed search proposes what an uninterrupted one would).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../random/rng.js';
import { ConfigError } from '../../errors.js';
import { checkSpace, samplePoint, type Point, type Space } from './space.js';
import { tpeSuggest, type Observation, type TpeOptions } from './tpe.js';

export interface Trial { id: number; point: Point }
/** loss: what the search minimises (e.g. 1 − validation accuracy); metrics are reported as they are. */
export interface TrialResult { loss: number; metrics: Record<string, number> }
export interface TrialRunner { submit(trial: Trial): Promise<TrialResult> }

/** Runs trials one at a time in this process. */
export class LocalRunner implements TrialRunner {
  constructor(private readonly fn: (t: Trial) => Promise<TrialResult>) {}
  submit(t: Trial): Promise<TrialResult> { return this.fn(t); }
}

export interface SearchOptions {
  space: Space;
  algo: 'random' | 'tpe';
  trials: number;
  seed: number;
  runner: TrialRunner;
  /** Folder for trials.jsonl and results.md; none keeps everything in memory. */
  out?: string;
  tpe?: Partial<TpeOptions>;
  log?: (m: string) => void;
}

export interface SearchRecord extends Trial, TrialResult {}

function readTrials(path: string): SearchRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line, i) => {
    try { return JSON.parse(line) as SearchRecord; } catch { throw new ConfigError(`${path}: line ${i + 1} is not JSON (a trial log truncated mid-write? remove that line to resume)`); }
  });
}

export function resultsTable(records: readonly SearchRecord[], space: Space): string {
  const metricNames = [...new Set(records.flatMap((r) => Object.keys(r.metrics)))];
  const head = ['trial', 'loss', ...metricNames, ...space.map((d) => d.name)];
  const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v));
  const rows = [...records].sort((a, b) => a.loss - b.loss).map((r) => [r.id, r.loss, ...metricNames.map((m) => r.metrics[m]), ...space.map((d) => r.point[d.name])].map(fmt));
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export async function runSearch(o: SearchOptions): Promise<{ records: SearchRecord[]; best: SearchRecord }> {
  checkSpace(o.space);
  const log = o.log ?? (() => {});
  const path = o.out ? join(o.out, 'trials.jsonl') : null;
  if (o.out) mkdirSync(o.out, { recursive: true });
  const records = path ? readTrials(path) : [];
  if (records.length) log(`resuming: ${records.length} trial(s) already in ${path}`);
  for (let id = records.length; id < o.trials; id++) {
    const rng = Rng.of(o.seed, 0x5ea7c4, id);
    const history: Observation[] = records.map((r) => ({ point: r.point, loss: r.loss }));
    const point = o.algo === 'tpe' ? tpeSuggest(o.space, history, rng, o.tpe) : samplePoint(o.space, rng);
    const res = await o.runner.submit({ id, point });
    const rec: SearchRecord = { id, point, ...res };
    records.push(rec);
    if (path) appendFileSync(path, `${JSON.stringify(rec)}\n`);
    log(`trial ${id}: loss ${res.loss.toFixed(4)} ${JSON.stringify(point)}`);
  }
  const best = records.reduce((a, b) => (b.loss < a.loss ? b : a));
  if (o.out) writeFileSync(join(o.out, 'results.md'), `${resultsTable(records, o.space)}\n`);
  return { records, best };
}
