/**
 * One unrolled conv-RNN training step (rgc_small_fb: cells.py RGCs in conv3–4, feedback conv4 → conv3, 64×64
 * grayscale, 8 steps, batch 8; --quick: 4 steps, batch 2): forward through time, BPTT, SGD, the loss read back.
 * Eager vs captured-and-replayed, with dispatches, submits and waits per step.
 */
import { Layer } from '../src/nn/layers.js';
import type { Engine } from '../src/engine.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { ConvRnn } from '../src/convrnn/graph.js';
import { presetModel } from '../src/convrnn/models.js';
import { movieFrames, unroll } from '../src/convrnn/unroll.js';
import { withEngine, type Bench, type BenchContext, type EngineContext, type Row } from './harness.js';
import { measureSteps, trainSetup } from './train-step.bench.js';

/** The unrolled graph as a one-input layer: logits of the output node at the last step. */
class Unrolled extends Layer {
  readonly net: ConvRnn;
  constructor(engine: Engine, readonly times: number) {
    super(engine);
    const spec = { ...presetModel('rgc_small_fb', 10), times, imageOff: Math.min(6, times) };
    this.net = this.child('net', new ConvRnn(engine, spec, 1));
  }

  forward(x: Tensor): Tensor {
    const s = this.net.spec;
    return unroll(this.net, movieFrames(x, s.times, s.imageOff, s.blank)).logits;
  }
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  for (const replay of [false, true]) {
    rows.push(await withEngine(ctx, async (c: EngineContext) => {
      const times = c.opts.quick ? 4 : 8;
      const batch = c.opts.quick ? 2 : 8;
      const s = trainSetup(c.engine, `rgc_small_fb T=${times}`, new Unrolled(c.engine, times), [batch, 1, 64, 64], 10, replay);
      try { return await measureSteps(c, s); } finally { s.dispose(); }
    }));
  }
  return rows;
}

export const benches: Bench[] = [{ stem: 'convrnn', name: 'unrolled rgc step', run }];
