/** `sweep` (expand a sweep file and run it, embedded or on a Redis queue), `worker` (take trials from the queue). */
import { resolve } from 'node:path';
import { hostname } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { loadSweep } from '../sweep/spec.js';
import { runSweep } from '../sweep/sweep.js';
import { EmbeddedRunner } from '../sweep/embedded.js';
import { QueueRunner, runWorker } from '../sweep/queue.js';
import { checkReachable, parseQueueUrl } from '../sweep/redis.js';
import { trialProcess } from '../sweep/child.js';

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${v}' is not a positive integer`);
  return n;
};
const stamp = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s`;

export function sweepCommand(): Command {
  return new Command('sweep').description('run a sweep file (grid, lists, seeds, random draws or a search) of train/finetune/cotrain/score/convrnn-search trials')
    .requiredOption('-c, --config <file>', 'sweep file (JSON)')
    .requiredOption('-o, --out <dir>', 'sweep folder: results.{jsonl,md,svg,png}, trials/<id>/ (shared storage when workers run elsewhere)')
    .option('--queue <url>', 'run the trials on BullMQ workers: redis://host:port[/db][?queue=name] (default: here, one trial at a time)')
    .option('--resume', 'finish an interrupted sweep: only trials without a result run')
    .option('--force', 'start afresh in a folder that holds a sweep')
    .action(async (o) => {
      const t0 = performance.now();
      const spec = loadSweep(o.config);
      const out = resolve(o.out);
      const log = (m: string) => console.log(`${stamp(t0)}  ${m}`);
      let runner: EmbeddedRunner | QueueRunner;
      const unhook: (() => void)[] = [];
      if (o.queue) {
        const target = parseQueueUrl(o.queue);
        await checkReachable(target);
        runner = new QueueRunner(target, { attempts: spec.attempts, log, out });
      } else {
        const local = new EmbeddedRunner({ attempts: spec.attempts, log });
        for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
          const h = () => { log(`${sig}: stopping the trial in flight (it checkpoints)`); local.abort(code); };
          process.once(sig, h);
          unhook.push(() => process.off(sig, h));
        }
        runner = local;
      }
      try {
        const r = await runSweep(spec, runner, { out, resume: o.resume, force: o.force, where: o.config, log });
        const failed = r.results.filter((x) => x.status === 'failed').length;
        console.log(`${r.results.length - failed} done, ${failed} failed of ${r.total}; wrote ${r.files.join(', ')} (${stamp(t0).trim()})`);
      } finally {
        for (const u of unhook) u();
      }
    });
}

export function workerCommand(): Command {
  return new Command('worker').description('take sweep trials from a Redis queue, one at a time, each in a child process')
    .requiredOption('--queue <url>', 'redis://host:port[/db][?queue=name]')
    .option('--name <name>', 'worker name in progress lines and results', `${hostname()}-${process.pid}`)
    .option('--lock-duration <ms>', 'job lock; a worker silent this long is taken as gone (BullMQ lockDuration)', positive, 30000)
    .option('--stalled-interval <ms>', 'how often to look for jobs of gone workers (BullMQ stalledInterval)', positive, 30000)
    .option('--max-stalled <n>', 'times a trial may lose its worker before it is failed (BullMQ maxStalledCount)', positive, 3)
    .action(async (o) => {
      const t0 = performance.now();
      const target = parseQueueUrl(o.queue);
      await checkReachable(target);
      await runWorker(target, { name: o.name, lockDuration: o.lockDuration, stalledInterval: o.stalledInterval, maxStalledCount: o.maxStalled,
        log: (m) => console.log(`${stamp(t0)}  ${m}`) });
    });
}

/** Internal: one trial in this process (started by the sweep runner and by workers). */
export function sweepTrialCommand(): Command {
  return new Command('sweep-trial').description('run one trial of a sweep folder (internal: runners start it)')
    .argument('<dir>', 'the trial folder (holding trial.json)')
    .option('--worker <name>', 'who runs it', 'local')
    .option('--attempt <n>', 'attempt number', positive, 1)
    .action(async (dir: string, o) => { process.exit(await trialProcess(dir, o.worker, o.attempt)); });
}
