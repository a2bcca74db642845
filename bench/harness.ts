/**
 * Timing harness shared by the `*.bench.ts` files: a workload encodes one iteration into the engine; `measure`
 * warms it up, then times `repeat` iterations, each ended by a full GPU sync, and reports the median wall time
 * and the median timestamp-query GPU time. With a peer workload, our runs and the peer's alternate, so that a
 * change in machine load during the measurement hits both sides alike.
 */
import { loadavg } from 'node:os';
import { Engine } from '../src/engine.js';
import type { Tensor } from '../src/tensor/tensor.js';
import type { PeerWorkload, TfjsPeer } from './peers/tfjs.js';

export interface RunOptions {
  repeat: number;
  warmup: number;
  quick: boolean;
}

export interface BenchContext {
  opts: RunOptions;
  /** Set with --compare. */
  peer: TfjsPeer | null;
  log(msg: string): void;
  /** Filled in by the first engine opened: the adapter and whether it has GPU timestamps. */
  device: { adapter?: string; timestamps?: boolean };
}

/** A context with an engine of its own (see withEngine). */
export interface EngineContext extends BenchContext {
  engine: Engine;
  /** Whether GPU timestamps are on (the adapter has 'timestamp-query'). */
  timestamps: boolean;
}

export interface PeerRow {
  name: string;
  wallMs: number;
  wallRuns: number[];
  gflops?: number;
  gbps?: number;
  /** Peer wall time ÷ our wall time: > 1 means we are faster. */
  speedup: number;
}

export interface Row {
  stem: string;
  name: string;
  shape: string;
  wallMs: number;
  wallRuns: number[];
  gpuMs: number | null;
  flops?: number;
  bytes?: number;
  gflops?: number;
  gflopsGpu?: number;
  gbps?: number;
  gbpsGpu?: number;
  peer?: PeerRow;
  /** 1-, 5- and 15-minute load averages when the row was measured (the machine is shared). */
  load: number[];
  extra?: Record<string, number | string | boolean | null>;
  note?: string;
}

export interface Workload {
  name: string;
  shape: string;
  /** Floating-point operations of one iteration (multiply-add = 2). */
  flops?: number;
  /** Bytes one iteration must move at least (each input read and output written once). */
  bytes?: number;
  /** Encodes one iteration; runs inside an engine scope, so temporaries are freed. */
  step(): void;
  dispose(): void;
  /** The same workload on the peer, for --compare. */
  peer?(p: TfjsPeer): PeerWorkload;
}

export interface Bench {
  stem: string;
  /** Matched by --filter as `${stem} ${name}`. */
  name: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

/**
 * Runs `fn` on a fresh engine (device, buffer pool, pipeline cache), closed afterwards. NOTE: every workload gets
 * its own, because the runtime learns how long to sleep before a wait per pending dispatch: after a workload of
 * few slow dispatches (a 1024³ matmul), one of several cheap ones would sleep several times its GPU time.
 */
export async function withEngine<T>(ctx: BenchContext, fn: (c: EngineContext) => Promise<T>): Promise<T> {
  const engine = await Engine.create({ timestamps: true });
  const timestamps = engine.runtime.enableTimer();
  if (ctx.device.adapter === undefined) {
    ctx.device.adapter = engine.adapterName;
    ctx.device.timestamps = timestamps;
    ctx.log(`adapter: ${engine.adapterName}; GPU timestamps ${timestamps ? 'on' : 'unavailable'}`);
  }
  try {
    return await fn({ ...ctx, engine, timestamps });
  } finally {
    // NOTE: an engine closed before any GPU wait breaks the next one in the process (Dawn aborts with
    // "std::system_error: Invalid argument", or its promises never settle), e.g. when a workload throws early.
    await engine.sync().catch(() => {});
    engine.close();
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function load(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

const perSecond = (amount: number | undefined, ms: number | null): number | undefined =>
  amount === undefined || ms === null || ms <= 0 ? undefined : amount / (ms * 1e6);

/** One timed iteration of our engine: wall time to full completion and the GPU time of its passes. */
export async function timeOurs(ctx: EngineContext, w: Workload): Promise<{ wall: number; gpu: number | null }> {
  const e = ctx.engine;
  const t0 = performance.now();
  e.scope(() => w.step());
  await e.sync();
  const wall = performance.now() - t0;
  // Read outside the timed region: reading the timestamps is itself a GPU wait.
  const gpu = ctx.timestamps ? await e.runtime.gpuTime() : null;
  return { wall, gpu };
}

async function timePeer(p: PeerWorkload): Promise<number> {
  const t0 = performance.now();
  p.step();
  await p.finish();
  return performance.now() - t0;
}

const MAX_WARMUP = 12;
const WARMUP_BUDGET_MS = 60_000;

/**
 * Runs `iteration` (which returns its wall ms) at least `min` times and then until its time stops falling by more
 * than 10 %, at most MAX_WARMUP times or for WARMUP_BUDGET_MS. NOTE: the runtime sleeps before a wait for the time recent waits took per
 * dispatch, and a wait it overslept teaches it that same time again, so an overestimate (the first iteration
 * pays for first use of its buffers) fades by only ~15 % per iteration: one warm-up is not steady state.
 */
export async function warmUp(min: number, iteration: (i: number) => Promise<number>): Promise<void> {
  let prev = Infinity;
  let total = 0;
  for (let i = 0; i < MAX_WARMUP; i++) {
    const ms = await iteration(i);
    total += ms;
    if (i + 1 >= min && (ms > 0.9 * prev || total > WARMUP_BUDGET_MS)) return;
    prev = ms;
  }
}

/** Warms up and times a workload (and its peer with --compare); returns one table row. */
export async function measure(ctx: EngineContext, stem: string, w: Workload): Promise<Row> {
  const { repeat, warmup } = ctx.opts;
  const peer = ctx.peer && w.peer ? w.peer(ctx.peer) : null;
  try {
    // The peer has no such estimator: its warm-up is the fixed count (its iterations can take a minute).
    await warmUp(warmup, async (i) => {
      if (peer && i < warmup) await timePeer(peer);
      return (await timeOurs(ctx, w)).wall;
    });
    const walls: number[] = [];
    const gpus: number[] = [];
    const peerWalls: number[] = [];
    const loads: number[][] = [];
    for (let i = 0; i < repeat; i++) {
      const r = await timeOurs(ctx, w);
      walls.push(r.wall);
      if (r.gpu !== null) gpus.push(r.gpu);
      if (peer) peerWalls.push(await timePeer(peer));
      loads.push(load());
    }
    const wallMs = median(walls);
    const gpuMs = gpus.length ? median(gpus) : null;
    const row: Row = {
      stem, name: w.name, shape: w.shape, wallMs, wallRuns: walls, gpuMs, flops: w.flops, bytes: w.bytes,
      gflops: perSecond(w.flops, wallMs), gflopsGpu: perSecond(w.flops, gpuMs),
      gbps: perSecond(w.bytes, wallMs), gbpsGpu: perSecond(w.bytes, gpuMs),
      load: loads[loads.length >> 1],
    };
    if (peer) {
      const pm = median(peerWalls);
      row.peer = { name: ctx.peer!.name, wallMs: pm, wallRuns: peerWalls, gflops: perSecond(w.flops, pm),
        gbps: perSecond(w.bytes, pm), speedup: pm / wallMs };
    }
    ctx.log(`${stem} ${w.name}: ${wallMs.toFixed(1)} ms wall${gpuMs === null ? '' : `, ${gpuMs.toFixed(1)} ms GPU`}`
      + `${row.peer ? `, ${row.peer.name} ${row.peer.wallMs.toFixed(1)} ms` : ''} (load ${row.load[0]})`);
    return row;
  } finally {
    w.dispose();
    peer?.dispose();
  }
}

/** Measures each workload made by `make` in turn, each on its own engine. */
export async function measureAll(ctx: BenchContext, stem: string, make: ((c: EngineContext) => Workload)[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const m of make) rows.push(await withEngine(ctx, (c) => measure(c, stem, m(c))));
  return rows;
}

/** Seeded uniform values in [lo, hi): inputs are deterministic so runs (and peers) compute the same thing. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = lo + ((s >>> 8) / (1 << 24)) * (hi - lo);
  }
  return out;
}

/** A leaf tensor of seeded values in [−scale, scale), kept out of scopes. */
export function leaf(e: Engine, shape: number[], seed: number, grad: boolean, scale = 1): Tensor {
  const t = e.tensor(uniform(shape.reduce((a, b) => a * b, 1), seed, -scale, scale), shape).keep();
  t.requiresGrad = grad;
  return t;
}

/** Frees the gradients a backward left on the leaves. */
export function dropGrads(ts: Tensor[]): void {
  for (const t of ts) { t.grad?.dispose(); t.grad = null; }
}

export const fmtShape = (s: readonly number[]): string => s.join('×');
