/** The fused GRCL update y = x + σ(g)·a on [16, 64, 32, 32]: GB/s over the least traffic (fwd 4 tensors, bwd 5 more). */
import { gatedResidual } from '../src/ops/gated-residual.js';
import { dropGrads, fmtShape, leaf, measureAll, type Bench, type EngineContext, type Workload } from './harness.js';

function workload(ctx: EngineContext, backward: boolean): Workload {
  const e = ctx.engine;
  const s = ctx.opts.quick ? [2, 16, 16, 16] : [16, 64, 32, 32];
  const [x, g, a] = [41, 42, 43].map((seed) => leaf(e, s, seed, backward));
  const dy = leaf(e, s, 44, false);
  return {
    name: backward ? 'fwd+bwd' : 'fwd', shape: fmtShape(s), bytes: (backward ? 9 : 4) * x.bytes,
    step: () => {
      const y = gatedResidual(x, g, a);
      if (backward) { e.backward(y, { grad: dy }); dropGrads([x, g, a]); }
    },
    dispose: () => { for (const t of [x, g, a, dy]) t.dispose(); },
  };
}

export const benches: Bench[] = [{
  stem: 'gated-residual', name: 'fwd bwd',
  run: (ctx) => measureAll(ctx, 'gated-residual', [(c) => workload(c, false), (c) => workload(c, true)]),
}];
