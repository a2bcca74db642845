/**
 * Startup costs, each in a fresh child process: time to first result (process start → import of the built
 * library, device, one tiny kernel read back), with the Mesa shader cache warm and disabled; and
 * `pipelines.warmup` (ahead-of-time compile) of every kernel a grcnn-small training step uses, warm and cold.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dispatch } from '../src/gpu/runtime.js';
import type { Overrides } from '../src/gpu/pipeline-cache.js';
import { grcnnSmall } from './train-step.bench.js';
import { load, median, withEngine, type Bench, type BenchContext, type EngineContext, type Row } from './harness.js';

const child = fileURLToPath(new URL('../bench/startup-child.js', import.meta.url));
const NO_CACHE = { MESA_SHADER_CACHE_DISABLE: 'true' };

function spawnChild(args: string[], env: Record<string, string> = {}): Record<string, number | boolean> {
  const out = execFileSync(process.execPath, [child, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

/** The kernels one training step dispatches, recorded by wrapping the runtime's dispatch for one step. */
async function stepKernels(ctx: EngineContext): Promise<{ file: string; entry: string; overrides?: Overrides }[]> {
  const rt = ctx.engine.runtime;
  const seen = new Map<string, { file: string; entry: string; overrides?: Overrides }>();
  const dispatch = rt.dispatch;
  rt.dispatch = (d: Dispatch) => {
    seen.set(`${d.file}:${d.entry}:${JSON.stringify(d.overrides ?? {})}`, { file: d.file, entry: d.entry, overrides: d.overrides });
    dispatch.call(rt, d);
  };
  const s = grcnnSmall(ctx);
  try {
    await s.step();
  } finally {
    rt.dispatch = dispatch;
    s.dispose();
  }
  return [...seen.values()];
}

function row(name: string, runs: number[], extra: Row['extra'], note: string): Row {
  return { stem: 'startup', name, shape: '', wallMs: median(runs), wallRuns: runs, gpuMs: null, load: load(), extra, note };
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.opts.quick ? 1 : 3;
  const rows: Row[] = [];
  for (const [label, env] of [['warm shader cache', {}], ['no shader cache', NO_CACHE]] as const) {
    const runs = Array.from({ length: n }, () => spawnChild(['ttfr'], env));
    const r = row(`time to first result, ${label}`, runs.map((x) => x.ttfrMs as number),
      { importMs: median(runs.map((x) => x.importedMs as number)), deviceMs: median(runs.map((x) => x.deviceMs as number)),
        correct: runs.every((x) => x.correct) },
      'process start → dist/index.js imported → device → addScalar on 4 floats read back');
    ctx.log(`startup ${r.name}: ${r.wallMs.toFixed(0)} ms`);
    rows.push(r);
  }
  const list = await withEngine(ctx, stepKernels);
  const dir = mkdtempSync(join(tmpdir(), 'cortexgpu-bench-'));
  try {
    const file = join(dir, 'kernels.json');
    writeFileSync(file, JSON.stringify(list));
    for (const [label, env] of [['warm shader cache', {}], ['no shader cache', NO_CACHE]] as const) {
      const runs = Array.from({ length: n }, () => spawnChild(['warmup', file], env));
      const r = row(`pipeline warmup (grcnn-small step), ${label}`, runs.map((x) => x.warmupMs as number),
        { kernels: list.length, pipelines: runs[0].pipelines as number }, 'pipelines.warmup of every kernel a training step dispatches');
      ctx.log(`startup ${r.name}: ${r.wallMs.toFixed(0)} ms for ${list.length} kernels`);
      rows.push(r);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export const benches: Bench[] = [{ stem: 'startup', name: 'ttfr warmup', run }];
