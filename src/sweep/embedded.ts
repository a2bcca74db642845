/**
 * The default runner: trials one after another in child processes of this one (one worker for the one GPU adapter
 * a machine has). A lost attempt (the child killed or crashed) is run again, resuming from the trial's checkpoint,
 * up to the sweep's `attempts`; then the trial is recorded as failed with the last reason.
 */
import { StoppedError } from '../errors.js';
import { describeEnd, spawnTrial, stepPrinter } from './child.js';
import { logTrial, readResult, writeResult, type TrialResult } from './folder.js';

export interface PendingTrial { sweep: string; id: number; dir: string; params: Record<string, unknown> }

/** What a coordinator needs of a runner: run these trials (trial.json written) until each has its result.json. */
export interface TrialRunner {
  runAll(trials: readonly PendingTrial[], onFinished: (r: TrialResult) => void): Promise<void>;
  close(): Promise<void>;
}

export class EmbeddedRunner implements TrialRunner {
  private readonly stop = new AbortController();
  constructor(private readonly o: { attempts: number; log: (m: string) => void; cli?: string }) {}

  /** Stops the trial in flight (it checkpoints first); runAll then throws StoppedError. */
  abort(code: number): void { this.stop.abort(code); }

  async runAll(trials: readonly PendingTrial[], onFinished: (r: TrialResult) => void): Promise<void> {
    for (const t of trials) {
      let last = '';
      for (let attempt = 1; !readResult(t.dir); attempt++) {
        const end = await spawnTrial(t.dir, { worker: 'local', attempt, cli: this.o.cli, stop: this.stop.signal,
          onProgress: stepPrinter((m) => this.o.log(`trial ${t.id}: ${m}`)) });
        if (readResult(t.dir)) break;
        if (this.stop.signal.aborted) {
          const code = typeof this.stop.signal.reason === 'number' ? this.stop.signal.reason : 130;
          throw new StoppedError(`stopped during trial ${t.id}; continue with sweep --resume`, code);
        }
        last = describeEnd(end);
        logTrial(t.dir, `[local] attempt ${attempt} lost: ${last}`);
        this.o.log(`trial ${t.id}: attempt ${attempt} lost: ${last}`);
        if (attempt >= this.o.attempts) {
          writeResult(t.dir, { id: t.id, status: 'failed', params: t.params, metrics: {}, error: `${attempt} attempt(s) lost; last: ${last}`,
            worker: 'local', attempts: attempt, seconds: 0 });
        } else {
          // As the queue's fixed backoff: a process of a killed run may still be letting go of the trial's folder.
          await new Promise((r) => setTimeout(r, 1000 * attempt));
        }
      }
      onFinished(readResult(t.dir)!);
    }
  }

  async close(): Promise<void> {}
}
