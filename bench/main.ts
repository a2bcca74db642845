/**
 * `node bench`: kernel throughput of the engine, optionally against tfjs-webgpu in the same run.
 *   --compare       also run the peer workloads on tfjs-backend-webgpu (same Dawn adapter, same process)
 *   --filter <re>   only benches whose "<stem> <name>" matches
 *   --repeat N      timed iterations per workload (median reported; default 5, 2 with --quick)
 *   --out FILE      JSON results (default: bench/results.json in the repository)
 *   --quick         small shapes and few iterations: a smoke test of the harness, not a measurement
 * Progress goes to stderr; the table and the target summary to stdout.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load, type Bench, type BenchContext, type Row } from './harness.js';
import { summarise, table } from './report.js';
import { TfjsPeer } from './peers/tfjs.js';
import { benches as dispatch } from './dispatch.bench.js';
import { benches as elementwise } from './elementwise.bench.js';
import { benches as reduce } from './reduce.bench.js';
import { benches as batchnorm } from './batchnorm.bench.js';
import { benches as gatedResidual } from './gated-residual.bench.js';
import { benches as gridSample } from './grid-sample.bench.js';
import { benches as fft } from './fft.bench.js';
import { benches as matmul } from './matmul.bench.js';
import { benches as conv2d } from './conv2d.bench.js';
import { benches as grcl } from './grcl.bench.js';
import { benches as wait } from './wait.bench.js';
import { benches as trainStep } from './train-step.bench.js';
import { benches as startup } from './startup.bench.js';
import { benches as reconstruct } from './reconstruct.bench.js';
import { benches as convrnn } from './convrnn.bench.js';
import { benches as pls } from './pls.bench.js';

const ALL: Bench[] = [
  ...dispatch, ...elementwise, ...reduce, ...batchnorm, ...gatedResidual, ...gridSample, ...fft, ...matmul, ...conv2d,
  ...grcl, ...wait, ...trainStep, ...convrnn, ...reconstruct, ...pls, ...startup,
];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      compare: { type: 'boolean', default: false },
      filter: { type: 'string' },
      repeat: { type: 'string' },
      out: { type: 'string', default: fileURLToPath(new URL('../bench/results.json', import.meta.url)) },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: node bench [--compare] [--filter <re>] [--repeat N] [--out file.json] [--quick]\n');
    return 0;
  }
  const quick = values.quick!;
  const repeat = values.repeat === undefined ? (quick ? 2 : 5) : Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a positive integer, got '${values.repeat}'`);
  const filter = values.filter === undefined ? null : new RegExp(values.filter, 'i');
  const selected = ALL.filter((b) => !filter || filter.test(`${b.stem} ${b.name}`));
  if (!selected.length) throw new Error(`--filter ${values.filter} matches no bench (${ALL.map((b) => b.stem).join(', ')})`);
  const log = (msg: string) => process.stderr.write(`${msg}\n`);

  const startLoad = loadavg();
  const peer = values.compare ? await TfjsPeer.open() : null;
  const ctx: BenchContext = { opts: { repeat, warmup: 1, quick }, peer, log, device: {} };
  log(`load ${load().join(' ')}${peer ? `; peer ${peer.name} ${peer.version} on ${peer.adapterName}` : ''}`);

  const rows: Row[] = [];
  const failures: { bench: string; error: string }[] = [];
  try {
    for (const b of selected) {
      try {
        rows.push(...await b.run(ctx));
      } catch (err) {
        const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        log(`${b.stem} ${b.name}: FAILED ${msg}`);
        failures.push({ bench: `${b.stem} ${b.name}`, error: msg });
      }
    }
  } finally {
    peer?.close();
  }

  const summary = summarise(rows, quick);
  const result = {
    date: new Date().toISOString(),
    adapter: ctx.device.adapter ?? null,
    peer: peer ? { name: peer.name, version: peer.version, adapter: peer.adapterName, importMs: peer.importMs } : null,
    node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    argv: process.argv.slice(2),
    quick, repeat, timestamps: ctx.device.timestamps ?? null,
    load: { start: startLoad, end: loadavg() },
    rows, summary, failures,
  };
  writeFileSync(values.out!, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(table(rows, summary));
  log(`wrote ${values.out}`);
  return failures.length ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
