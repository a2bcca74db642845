/**
 * Full training steps: forward, cross-entropy, backward, SGD update, then the loss read back (the one wait a
 * training loop needs). Reports ms per step, images/s, and per step the dispatches, submits and CPU↔GPU waits
 * (counters.readbacks), the last with a target of at most one. Models: GRCNN preset 'grcnn-small' on 64×64
 * grayscale (batch 16), eager and replayed; the default `train` job's step (32 px, batch 32), eager and replayed; and VGG-19-BN with the conv head on 64×64 grayscale (batch 8; about 5 GFLOP per image
 * and step). --quick runs 32×32 batch 2, with the 1/8-width VGG.
 */
import type { Engine } from '../src/engine.js';
import { GRCNN, GRCNN_PRESETS } from '../src/models/grcnn.js';
import { VGG, VGG_PRESETS } from '../src/models/vgg.js';
import type { Layer } from '../src/nn/layers.js';
import { crossEntropy } from '../src/ops/softmax.js';
import { SGD } from '../src/optim/sgd.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { fmtShape, leaf, load, median, warmUp, withEngine, type Bench, type BenchContext, type EngineContext, type Row } from './harness.js';

export interface TrainSetup {
  name: string;
  input: Tensor;
  step(): Promise<number>;
  dispose(): void;
}

/**
 * A model with an SGD optimiser and one fixed batch; `step()` trains on it once and returns the loss. With
 * `replay`, the first step runs eagerly (creating the optimiser's buffers), the second is captured, and every later
 * step replays the capture (engine.capture): the same dispatches with no op, tape or allocation work in JS.
 */
export function trainSetup(e: Engine, name: string, model: Layer, input: number[], classes: number, replay = false): TrainSetup {
  const x = leaf(e, input, 71, false);
  const labels = e.tensor(Int32Array.from({ length: input[0] }, (_, i) => i % classes), [input[0]], 'i32').keep();
  const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const eager = () => e.scope(() => {
    const l = crossEntropy(model.forward(x), labels);
    e.backward(l);
    opt.step();
    opt.zeroGrad();
    return l;
  });
  let steps = 0;
  let captured: ReturnType<Engine['capture']> & { result: Tensor } | null = null;
  return {
    name: replay ? `${name} (replayed)` : name, input: x,
    step: async () => {
      if (replay && steps++ > 0) {
        if (captured) captured.step.replay(); else captured = e.capture(eager);
        return captured.result.item();
      }
      const loss = eager();
      const v = await loss.item();
      loss.dispose();
      return v;
    },
    dispose: () => {
      captured?.step.dispose();
      captured?.result.dispose();
      opt.dispose();
      for (const t of [x, labels]) t.dispose();
      for (const t of model.parameters()) t.dispose();
      for (const [, t] of model.namedBuffers()) t.dispose();
    },
  };
}

export function grcnnSmall(ctx: EngineContext, replay = false): TrainSetup {
  const cfg = GRCNN_PRESETS['grcnn-small'];
  const batch = ctx.opts.quick ? 2 : 16;
  const side = ctx.opts.quick ? 32 : 64;
  return trainSetup(ctx.engine, 'grcnn-small', new GRCNN(ctx.engine, cfg), [batch, cfg.inChannels, side, side], cfg.numClasses, replay);
}

/** The default `train` job's step: grcnn-small with one recurrent step per block, batch 32 × 1 × 32 × 32, Adam-free SGD. */
export function grcnnLearn(ctx: EngineContext, replay = false): TrainSetup {
  const cfg = { ...GRCNN_PRESETS['grcnn-small'], iters: [1, 1, 1, 1], numClasses: 10 };
  const [batch, side] = ctx.opts.quick ? [2, 16] : [32, 32];
  return trainSetup(ctx.engine, 'grcnn-small iters 1 (default train job)', new GRCNN(ctx.engine, cfg), [batch, 1, side, side], 10, replay);
}

export async function measureSteps(ctx: EngineContext, s: TrainSetup): Promise<Row> {
  const e = ctx.engine;
  const c = e.runtime.counters;
  await warmUp(ctx.opts.warmup, async () => {
    const t0 = performance.now();
    await s.step();
    return performance.now() - t0;
  });
  if (ctx.timestamps) await e.runtime.gpuTime();
  const walls: number[] = [];
  const gpus: number[] = [];
  const per = { dispatches: [] as number[], submits: [] as number[], readbacks: [] as number[] };
  let loss = NaN;
  for (let i = 0; i < ctx.opts.repeat; i++) {
    const before = { ...c };
    const t0 = performance.now();
    loss = await s.step();
    walls.push(performance.now() - t0);
    per.dispatches.push(c.dispatches - before.dispatches);
    per.submits.push(c.submits - before.submits);
    per.readbacks.push(c.readbacks - before.readbacks);
    if (ctx.timestamps) gpus.push(await e.runtime.gpuTime());
  }
  const wallMs = median(walls);
  const batch = s.input.shape[0];
  const readbacks = Math.max(...per.readbacks);
  ctx.log(`train-step ${s.name}: ${wallMs.toFixed(1)} ms/step, ${readbacks} readback(s)/step (load ${load()[0]})`);
  return {
    stem: 'train-step', name: `${s.name} SGD step`, shape: `batch ${fmtShape(s.input.shape)}`, wallMs, wallRuns: walls,
    gpuMs: gpus.length ? median(gpus) : null, load: load(),
    extra: {
      imagesPerSec: (batch * 1000) / wallMs, stepsPerSec: 1000 / wallMs, dispatchesPerStep: median(per.dispatches), submitsPerStep: median(per.submits),
      readbacksPerStep: readbacks, lastLoss: loss, finiteLoss: Number.isFinite(loss),
    },
  };
}

function vgg19bn(ctx: EngineContext): TrainSetup {
  const cfg = ctx.opts.quick ? VGG_PRESETS['vgg19_bn-small'] : VGG_PRESETS.vgg19_bn;
  const shape = ctx.opts.quick ? [2, cfg.inChannels, 32, 32] : [8, cfg.inChannels, 64, 64];
  return trainSetup(ctx.engine, ctx.opts.quick ? 'vgg19_bn-small' : 'vgg19_bn', new VGG(ctx.engine, cfg), shape, cfg.numClasses);
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  for (const make of [grcnnSmall, (c: EngineContext) => grcnnSmall(c, true), grcnnLearn, (c: EngineContext) => grcnnLearn(c, true), vgg19bn]) {
    rows.push(await withEngine(ctx, async (c) => {
      const s = make(c);
      try { return await measureSteps(c, s); } finally { s.dispose(); }
    }));
  }
  return rows;
}

export const benches: Bench[] = [{ stem: 'train-step', name: 'grcnn vgg', run }];
