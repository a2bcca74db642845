/**
 * 2-D FFTs over the planes of [16, 64, 64, 64] (1,024 planes of 64×64): complex fft2 and the real-input full
 * spectrum. GFLOP/s uses the usual 5·N·log2 N per complex transform of N points.
 */
import { fft2, rfft2Full } from '../src/ops/fft.js';
import { fmtShape, leaf, measureAll, type Bench, type EngineContext, type Workload } from './harness.js';

function workload(ctx: EngineContext, real: boolean): Workload {
  const e = ctx.engine;
  const [n, c, h, w] = ctx.opts.quick ? [2, 4, 32, 32] : [16, 64, 64, 64];
  const x = leaf(e, real ? [n, c, h, w] : [n, c, h, w, 2], 61, false);
  const points = h * w;
  return {
    name: real ? 'rfft2Full' : 'fft2', shape: fmtShape(x.shape), flops: n * c * 5 * points * Math.log2(points),
    step: () => { if (real) rfft2Full(x); else fft2(x); },
    dispose: () => x.dispose(),
  };
}

export const benches: Bench[] = [{
  stem: 'fft', name: 'fft2 rfft2Full',
  run: (ctx) => measureAll(ctx, 'fft', [(c) => workload(c, false), (c) => workload(c, true)]),
}];
