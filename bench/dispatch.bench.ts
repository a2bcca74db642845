/**
 * Per-dispatch overhead: 1,000 chained y = y + 1 on 1,024 floats (peers.md's "µs/op"). Three ways of issuing
 * them: batched as the engine does (one pass, one submit), one submit per op, and a wait after each op, which is
 * what an eager engine that syncs per op would pay. The result is checked, so a broken chain cannot look fast.
 */
import { addScalar } from '../src/ops/elementwise.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { load, median, warmUp, withEngine, type Bench, type EngineContext, type Row } from './harness.js';

const COUNT = 1000;
const LEN = 1024;

type Mode = 'batched' | 'submit-each' | 'wait-each';

interface ChainRun { ms: number; encodeMs: number; gpuMs: number | null; ok: boolean; submits: number }

async function chain(ctx: EngineContext, mode: Mode): Promise<ChainRun> {
  const e = ctx.engine;
  const x = e.zeros([LEN]).keep();
  const submits0 = e.runtime.counters.submits;
  const t0 = performance.now();
  let y: Tensor = x;
  for (let i = 0; i < COUNT; i++) {
    const z = addScalar(y, 1);
    if (y !== x) y.dispose();
    y = z;
    if (mode === 'submit-each') e.runtime.flush();
    if (mode === 'wait-each') await e.sync();
  }
  const encodeMs = performance.now() - t0;
  await e.sync();
  const ms = performance.now() - t0;
  const submits = e.runtime.counters.submits - submits0;
  const gpuMs = ctx.timestamps ? await e.runtime.gpuTime() : null;
  const v = await y.read();
  y.dispose();
  x.dispose();
  return { ms, encodeMs, gpuMs, ok: v[0] === COUNT && v[LEN - 1] === COUNT, submits };
}

async function run(ctx: EngineContext): Promise<Row[]> {
  const rows: Row[] = [];
  const peer = ctx.peer?.chainedAdds(COUNT, LEN) ?? null;
  try {
    for (const mode of ['batched', 'submit-each', 'wait-each'] as const) {
      await warmUp(ctx.opts.warmup, async () => (await chain(ctx, mode)).ms);
      const runs: ChainRun[] = [];
      const peerRuns: number[] = [];
      for (let i = 0; i < ctx.opts.repeat; i++) {
        runs.push(await chain(ctx, mode));
        if (peer && mode === 'batched') {
          const t0 = performance.now();
          peer.step();
          await peer.finish();
          peerRuns.push(performance.now() - t0);
        }
      }
      const wallMs = median(runs.map((r) => r.ms));
      const gpus = runs.flatMap((r) => (r.gpuMs === null ? [] : [r.gpuMs]));
      const row: Row = {
        stem: 'dispatch', name: `chained adds, ${mode}`, shape: `${COUNT}× [${LEN}]`, wallMs, wallRuns: runs.map((r) => r.ms),
        gpuMs: gpus.length ? median(gpus) : null, load: load(),
        extra: { usPerOp: (wallMs * 1000) / COUNT, hostUsPerOp: (median(runs.map((r) => r.encodeMs)) * 1000) / COUNT,
          gpuUsPerOp: gpus.length ? (median(gpus) * 1000) / COUNT : null, correct: runs.every((r) => r.ok), submits: median(runs.map((r) => r.submits)) },
      };
      if (peerRuns.length) {
        const pm = median(peerRuns);
        row.peer = { name: ctx.peer!.name, wallMs: pm, wallRuns: peerRuns, speedup: pm / wallMs };
        row.extra!.peerUsPerOp = (pm * 1000) / COUNT;
      }
      ctx.log(`dispatch ${mode}: ${((wallMs * 1000) / COUNT).toFixed(1)} µs/op (load ${row.load[0]})`);
      rows.push(row);
    }
  } finally {
    peer?.dispose();
  }
  return rows;
}

export const benches: Bench[] = [{ stem: 'dispatch', name: 'chained adds', run: (ctx) => withEngine(ctx, run) }];
