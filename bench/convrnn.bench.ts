/**
 * One unrolled conv-RNN training step as `convrnn train` runs it (src/convrnn/train-step.ts: forward through time,
 * BPTT, per-tensor L2 folded into the gradients, Adam, the loss read back): the default rgc_small32_fb (RGCs in
 * conv3–4, feedback conv4 → conv3, 32×32 gray, 7 steps, batch 16; --quick: 4 steps, batch 2), eager vs captured
 * and replayed, with dispatches, submits and waits per step.
 */
import type { Engine } from '../src/engine.js';
import { Adam } from '../src/optim/adam.js';
import { ConvRnn } from '../src/convrnn/graph.js';
import { presetModel } from '../src/convrnn/models.js';
import { ConvRnnStep } from '../src/convrnn/train-step.js';
import type { Batch } from '../src/data/loader.js';
import { leaf, withEngine, type Bench, type BenchContext, type EngineContext, type Row } from './harness.js';
import { measureSteps, type TrainSetup } from './train-step.bench.js';

function setup(e: Engine, times: number, batch: number, replay: boolean): TrainSetup {
  const spec = { ...presetModel('rgc_small32_fb', 10), times, imageOff: Math.min(6, times) };
  const model = new ConvRnn(e, spec, 1);
  const opt = new Adam(model.trainableParameters(), { lr: 3e-3 });
  const step = new ConvRnnStep(e, model, opt, { batchSize: batch, clip: 0, replay });
  const input = leaf(e, [batch, 1, 32, 32], 71, false);
  let b: Pick<Batch, 'images' | 'labels'> | null = null;
  return {
    name: `rgc_small32_fb T=${times} ${replay ? 'replayed' : 'eager'}`, input,
    async step() {
      b ??= { images: (await input.read()) as Float32Array, labels: Int32Array.from({ length: batch }, (_, i) => i % 10) };
      return step.run(b);
    },
    dispose() { step.dispose(); opt.dispose(); model.dispose(); input.dispose(); },
  };
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  for (const replay of [false, true]) {
    rows.push(await withEngine(ctx, async (c: EngineContext) => {
      const s = setup(c.engine, c.opts.quick ? 4 : 7, c.opts.quick ? 2 : 16, replay);
      try {
        const row = await measureSteps(c, s);
        return { ...row, name: row.name.replace(' SGD step', ' Adam step') };
      } finally { s.dispose(); }
    }));
  }
  return rows;
}

export const benches: Bench[] = [{ stem: 'convrnn', name: 'unrolled rgc step', run }];
