/** Reductions on a GRCL-sized activation [16, 64, 32, 32]: per-channel sums (BN statistics shape) and a full sum. */
import { max, sum } from '../src/ops/reduce.js';
import { fmtShape, leaf, measureAll, type Bench, type EngineContext, type Workload } from './harness.js';

function workload(ctx: EngineContext, name: string, axes: number[] | undefined, op: typeof sum): Workload {
  const s = ctx.opts.quick ? [2, 16, 16, 16] : [16, 64, 32, 32];
  const x = leaf(ctx.engine, s, 3, false);
  return {
    name, shape: `${fmtShape(s)} over ${axes ? `[${axes}]` : 'all'}`, bytes: x.bytes,
    step: () => { op(x, axes); }, dispose: () => x.dispose(),
  };
}

export const benches: Bench[] = [{
  stem: 'reduce', name: 'sum max',
  run: (ctx) => measureAll(ctx, 'reduce', [
    (c) => workload(c, 'sum per channel', [0, 2, 3], sum),
    (c) => workload(c, 'sum over spatial', [2, 3], sum),
    (c) => workload(c, 'sum all', undefined, sum),
    (c) => workload(c, 'max per channel', [0, 2, 3], max),
  ]),
}];
