/**
 * Batch norm on a GRCL-sized activation [16, 64, 32, 32]. GB/s counts the least traffic each pass needs (read
 * x, write y; backward also reads dy and writes dx), not what the kernels actually move.
 */
import { batchNorm } from '../src/ops/batchnorm.js';
import { dropGrads, fmtShape, leaf, measureAll, type Bench, type EngineContext, type Workload } from './harness.js';

function workload(ctx: EngineContext, mode: 'train fwd' | 'train fwd+bwd' | 'eval fwd'): Workload {
  const e = ctx.engine;
  const s = ctx.opts.quick ? [2, 16, 16, 16] : [16, 64, 32, 32];
  const c = s[1];
  const backward = mode === 'train fwd+bwd';
  const x = leaf(e, s, 31, backward);
  const dy = leaf(e, s, 32, false);
  const weight = leaf(e, [c], 33, backward);
  const bias = leaf(e, [c], 34, backward);
  const rm = e.zeros([c]).keep();
  const rv = e.ones([c]).keep();
  return {
    name: mode, shape: fmtShape(s), bytes: (backward ? 5 : 2) * x.bytes,
    step: () => {
      const y = batchNorm(x, weight, bias, rm, rv, { training: mode !== 'eval fwd' });
      if (backward) { e.backward(y, { grad: dy }); dropGrads([x, weight, bias]); }
    },
    dispose: () => { for (const t of [x, dy, weight, bias, rm, rv]) t.dispose(); },
  };
}

export const benches: Bench[] = [{
  stem: 'batchnorm', name: 'train eval',
  run: (ctx) => measureAll(ctx, 'batchnorm', [
    (c) => workload(c, 'train fwd'), (c) => workload(c, 'train fwd+bwd'), (c) => workload(c, 'eval fwd'),
  ]),
}];
