/**
 * Constrained reconstruction steps (src/analysis/reconstruct.ts) from relu3_1 of VGG-19-BN at 1/8 width on 64×64
 * gray images, 2 images × 3 norms in one batch, SGD + blur and Adam + blur: steps/s of the eager loop (every op
 * dispatched from JS) against the captured step replayed, with dispatches and readbacks per step (target: none).
 */
import type { Engine } from '../src/engine.js';
import { Reconstruction, type ReconstructOptions } from '../src/analysis/reconstruct.js';
import { VGG, VGG_PRESETS } from '../src/models/vgg.js';
import { fmtShape, leaf, load, median, withEngine, type Bench, type EngineContext, type Row } from './harness.js';

/** Wall ms per step of `steps` steps (submitted one by one, then one wait), over `repeat` runs. */
async function timeSteps(e: Engine, rec: Reconstruction, steps: number, repeat: number): Promise<{ ms: number[]; dispatches: number; readbacks: number }> {
  const c = e.runtime.counters;
  const ms: number[] = [];
  const before = { ...c };
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      rec.step();
      e.runtime.flush();
    }
    await e.sync();
    ms.push((performance.now() - t0) / steps);
  }
  const total = steps * repeat;
  return { ms, dispatches: (c.dispatches - before.dispatches) / total, readbacks: (c.readbacks - before.readbacks) / total };
}

async function measure(ctx: EngineContext, model: VGG, optimizer: 'sgd' | 'adam'): Promise<Row> {
  const e = ctx.engine;
  const quick = ctx.opts.quick;
  const side = quick ? 32 : 64;
  const x0 = leaf(e, [2, 1, side, side], 81, false, 2);
  const opts: ReconstructOptions = { norms: [5, 15, 60], optimizer };
  const steps = quick ? 3 : 20;
  try {
    const loop = async (o: ReconstructOptions, warmup: number) => {
      const rec = new Reconstruction(model, 'relu3_1', x0, o);
      try {
        await timeSteps(e, rec, warmup, 1);
        return await timeSteps(e, rec, steps, ctx.opts.repeat);
      } finally {
        rec.dispose();
      }
    };
    const eagerRun = await loop({ ...opts, capture: false }, ctx.opts.warmup);
    // The first step runs eagerly and the second is captured; the timed ones replay it.
    const replayRun = await loop(opts, 2 + ctx.opts.warmup);
    const eagerMs = median(eagerRun.ms);
    const replayMs = median(replayRun.ms);
    ctx.log(`reconstruct ${optimizer}: eager ${eagerMs.toFixed(1)} ms/step, replayed ${replayMs.toFixed(1)} ms/step (load ${load()[0]})`);
    return {
      stem: 'reconstruct', name: `vgg19_bn-small relu3_1 ${optimizer}`, shape: `x ${fmtShape([6, 1, side, side])} (2 images × 3 norms)`,
      wallMs: replayMs, wallRuns: replayRun.ms, gpuMs: null, load: load(),
      extra: {
        eagerStepsPerSec: 1000 / eagerMs, replayStepsPerSec: 1000 / replayMs, replaySpeedup: eagerMs / replayMs,
        dispatchesPerStep: replayRun.dispatches, readbacksPerStep: replayRun.readbacks,
      },
    };
  } finally {
    x0.dispose();
  }
}

async function run(ctx: EngineContext): Promise<Row[]> {
  const model = new VGG(ctx.engine, { ...VGG_PRESETS['vgg19_bn-small'] });
  try {
    return [await measure(ctx, model, 'sgd'), await measure(ctx, model, 'adam')];
  } finally {
    model.dispose();
  }
}

export const benches: Bench[] = [{ stem: 'reconstruct', name: 'vgg19_bn-small sgd adam', run: (ctx) => withEngine(ctx, run) }];
