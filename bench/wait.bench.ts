/**
 * Wall versus GPU time under the runtime's two wait strategies. Dawn-node polls with setImmediate while a GPU
 * promise is pending, so a plain await ('spin') keeps a core busy that llvmpipe could compute on; 'sleep'
 * sleeps for most of the expected GPU time first. Iterations alternate between the strategies, on the conv
 * fwd+bwd workload, so that both see the same machine load.
 */
import { convShape, convWorkload } from './conv2d.bench.js';
import { load, median, timeOurs, warmUp, withEngine, type Bench, type EngineContext, type Row } from './harness.js';

async function run(ctx: EngineContext): Promise<Row[]> {
  const rt = ctx.engine.runtime;
  const before = rt.waitStrategy;
  const w = convWorkload(ctx, convShape(ctx), true);
  const modes = ['sleep', 'spin'] as const;
  const runs = { sleep: [] as { wall: number; gpu: number | null }[], spin: [] as { wall: number; gpu: number | null }[] };
  const both = async (record: boolean) => {
    let ms = 0;
    for (const m of modes) {
      rt.waitStrategy = m;
      const r = await timeOurs(ctx, w);
      if (record) runs[m].push(r);
      ms += r.wall;
    }
    return ms;
  };
  try {
    await warmUp(ctx.opts.warmup, () => both(false));
    for (let i = 0; i < ctx.opts.repeat; i++) await both(true);
  } finally {
    rt.waitStrategy = before;
    w.dispose();
  }
  return modes.map((m) => {
    const wallMs = median(runs[m].map((r) => r.wall));
    const gpus = runs[m].flatMap((r) => (r.gpu === null ? [] : [r.gpu]));
    const gpuMs = gpus.length ? median(gpus) : null;
    ctx.log(`wait ${m}: ${wallMs.toFixed(1)} ms wall, ${gpuMs?.toFixed(1) ?? '–'} ms GPU`);
    return {
      stem: 'wait', name: `${w.name}, waitStrategy '${m}'`, shape: w.shape, wallMs, wallRuns: runs[m].map((r) => r.wall), gpuMs,
      flops: w.flops, gflops: w.flops! / (wallMs * 1e6), gflopsGpu: gpuMs ? w.flops! / (gpuMs * 1e6) : undefined,
      load: load(), extra: { wallOverGpu: gpuMs ? wallMs / gpuMs : null },
    };
  });
}

export const benches: Bench[] = [{ stem: 'wait', name: 'sleep spin', run: (ctx) => withEngine(ctx, run) }];
