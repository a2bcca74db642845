/**
 * Trials on BullMQ (Redis): the coordinator enqueues one job per unfinished trial (job id = sweep id + trial id, so
 * a resumed coordinator re-adding it is a no-op) and watches the sweep folder for result files; `worker` processes
 * take jobs one at a time and run each trial in a child process, in the shared sweep folder.
 *
 * Failure handling, in BullMQ's terms: a worker killed mid-trial stops renewing its job lock, so after
 * `lockDuration` another worker's stalled check (every `stalledInterval`) moves the job back to wait, up to
 * `maxStalledCount` times; whoever takes it next resumes the trial from its own checkpoint. A lost child (crash,
 * signal) fails the attempt and BullMQ retries it (`attempts`, fixed backoff). A trial that fails for a real reason
 * writes its result and the job fails with UnrecoverableError: recorded, never retried.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { StoppedError } from '../errors.js';
import { describeEnd, spawnTrial, stepPrinter, type ChildProgress } from './child.js';
import { logTrial, readResult, readResults, writeResult, type TrialResult } from './folder.js';
import type { PendingTrial, TrialRunner } from './embedded.js';
import type { QueueTarget } from './redis.js';

export interface TrialJob { sweep: string; out: string; id: number; dir: string; params: Record<string, unknown> }
interface JobProgress extends ChildProgress { worker: string }

const jobIdOf = (t: { sweep: string; id: number }) => `${t.sweep}-${t.id}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class QueueRunner implements TrialRunner {
  private readonly queue: Queue<TrialJob, TrialResult>;
  private lastLine = '';
  private lastFull = '';
  private lastAt = 0;
  constructor(target: QueueTarget, private readonly o: { attempts: number; log: (m: string) => void; out: string; pollMs?: number }) {
    this.queue = new Queue<TrialJob, TrialResult>(target.queue, { connection: target.connection });
  }

  async runAll(trials: readonly PendingTrial[], onFinished: (r: TrialResult) => void): Promise<void> {
    const jobs = trials.map((t): TrialJob => ({ sweep: t.sweep, out: this.o.out, id: t.id, dir: t.dir, params: t.params }));
    const add = (j: TrialJob) => this.queue.add(`trial ${j.id}`, j, { jobId: jobIdOf(j), attempts: this.o.attempts, backoff: { type: 'fixed', delay: 1000 } });
    await Promise.all(jobs.map(add));
    this.o.log(`enqueued ${jobs.length} trial(s) (a trial already in the queue is not added twice) on ${this.queue.name}; waiting for workers (cortexgpu worker --queue …)`);
    const open = new Map(jobs.map((j) => [j.id, j]));
    while (open.size) {
      for (const j of [...open.values()]) {
        let r = readResult(j.dir);
        if (!r) {
          const job = await this.queue.getJob(jobIdOf(j));
          if (!job) { await add(j); continue; } // lost from Redis (flushed, evicted): enqueue it again
          // Failed without a result file: BullMQ gave up on it (stalled more than maxStalledCount times).
          if ((await job.getState()) === 'failed' && !(r = readResult(j.dir))) {
            r = writeResult(j.dir, { id: j.id, status: 'failed', params: j.params, metrics: {}, error: job.failedReason || 'failed in the queue',
              worker: job.processedBy ?? 'queue', attempts: job.attemptsStarted, seconds: 0 });
          }
        }
        if (r) { open.delete(j.id); onFinished(r); }
      }
      await this.progress(jobs[0]?.sweep);
      if (open.size) await sleep(this.o.pollMs ?? 500);
    }
    // A resumed sweep with nothing left still says where things stand.
    if (!jobs.length) await this.progress(undefined);
  }

  /** Progress: queued / running (which worker, which step) / done / failed, and per worker. */
  private async progress(sweep: string | undefined): Promise<void> {
    const c = await this.queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
    const active = (await this.queue.getActive()).filter((j) => j.data.sweep === sweep);
    const results = readResults(this.o.out);
    const per = new Map<string, { done: number; failed: number }>();
    for (const r of results) {
      const w = per.get(r.worker) ?? { done: 0, failed: 0 };
      w[r.status]++;
      per.set(r.worker, w);
    }
    const running = active.map((j) => { const p = j.progress as Partial<JobProgress>; return `${p.worker ?? '?'}: trial ${j.data.id}${p.step ? ` step ${p.step}/${p.total}` : ''}`; });
    const done = results.filter((r) => r.status === 'done').length;
    const line = `queued ${c.waiting + c.delayed + c.prioritized}, running ${active.length}${running.length ? ` (${running.join(', ')})` : ''}, `
      + `done ${done}, failed ${results.length - done}${per.size ? `; per worker: ${[...per].map(([w, n]) => `${w} ${n.done} done ${n.failed} failed`).join(', ')}` : ''}`;
    // A line when the counts change, and otherwise at most every 10 s while the steps move.
    const key = line.replace(/ step \d+\/\d+/g, '');
    const now = performance.now();
    if (key !== this.lastLine || (line !== this.lastFull && now - this.lastAt > 10_000)) {
      this.o.log(line);
      this.lastLine = key; this.lastFull = line; this.lastAt = now;
    }
  }

  async close(): Promise<void> { await this.queue.close(); }
}

export interface WorkerOptions {
  name: string;
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  log: (m: string) => void;
}

/** Takes trials from the queue until stopped (SIGINT/SIGTERM: the trial in flight checkpoints, its job is retried). */
export async function runWorker(target: QueueTarget, o: WorkerOptions): Promise<void> {
  const stop = new AbortController();
  const tally = { done: 0, failed: 0, lost: 0 };
  const say = (m: string) => o.log(`${o.name}: ${m}`);
  const processor = async (job: Job<TrialJob>): Promise<TrialResult> => {
    const { dir, id } = job.data;
    const had = readResult(dir);
    if (had) return had; // an earlier attempt finished it: exactly once
    const attempt = Math.max(job.attemptsStarted, job.attemptsMade + 1);
    say(`trial ${id} (${dir}), attempt ${attempt}`);
    const print = stepPrinter((m) => say(`trial ${id} ${m}`));
    const end = await spawnTrial(dir, { worker: o.name, attempt, stop: stop.signal, onProgress: (p) => {
      void job.updateProgress({ ...p, worker: o.name } satisfies JobProgress).catch(() => {});
      print(p);
    } });
    const r = readResult(dir);
    const summary = () => `(this worker: ${tally.done} done, ${tally.failed} failed, ${tally.lost} lost)`;
    if (r?.status === 'done') { tally.done++; say(`trial ${id} done ${JSON.stringify(r.metrics)} ${summary()}`); return r; }
    if (r) { tally.failed++; say(`trial ${id} failed: ${r.error} ${summary()}`); throw new UnrecoverableError(r.error ?? 'failed'); }
    tally.lost++;
    const why = describeEnd(end);
    logTrial(dir, `[${o.name}] attempt ${attempt} lost: ${why}`);
    say(`trial ${id} attempt ${attempt} lost: ${why} ${summary()}`);
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1) && !stop.signal.aborted) {
      writeResult(dir, { id, status: 'failed', params: job.data.params, metrics: {}, error: `${attempt} attempt(s) lost; last: ${why}`, worker: o.name, attempts: attempt, seconds: 0 });
    }
    throw new Error(why);
  };
  const worker = new Worker<TrialJob, TrialResult>(target.queue, processor, {
    connection: target.connection, name: o.name, concurrency: 1,
    lockDuration: o.lockDuration, stalledInterval: o.stalledInterval, maxStalledCount: o.maxStalledCount,
  });
  worker.on('error', (e) => say(`queue error: ${e.message}`));
  worker.on('stalled', (jobId) => say(`job ${jobId} stalled (its worker stopped renewing the lock): back to the queue`));
  say(`waiting for trials on ${target.url} (queue ${target.queue})`);
  const code = await new Promise<number>((resolve) => {
    for (const [sig, c] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
      process.once(sig, () => {
        say(`${sig}: stopping (the trial in flight checkpoints and goes back to the queue)`);
        process.once(sig, () => process.exit(c));
        stop.abort(c);
        resolve(c);
      });
    }
  });
  await worker.close();
  throw new StoppedError(`${o.name} stopped: ${tally.done} done, ${tally.failed} failed, ${tally.lost} lost`, code);
}
