/**
 * Bilinear grid sampling of [16, 64, 32, 32] at a full 32×32 grid per image (a spatial-transformer warp), and a
 * Gaussian-readout-like gather of 1,000 points per image; forward and forward + both gradients.
 */
import { gridSample } from '../src/ops/grid-sample.js';
import { dropGrads, fmtShape, leaf, measureAll, type Bench, type EngineContext, type Workload } from './harness.js';

function workload(ctx: EngineContext, what: 'warp' | 'readout', backward: boolean): Workload {
  const e = ctx.engine;
  const [n, c, h, w] = ctx.opts.quick ? [2, 16, 16, 16] : [16, 64, 32, 32];
  const gridShape = what === 'warp' ? [n, h, w, 2] : [n, 1, ctx.opts.quick ? 50 : 1000, 2];
  const x = leaf(e, [n, c, h, w], 51, backward);
  const grid = leaf(e, gridShape, 52, backward, 0.95);
  const outShape = [n, c, gridShape[1], gridShape[2]];
  const dy = leaf(e, outShape, 53, false);
  const points = n * gridShape[1] * gridShape[2];
  // Four taps per output value read, one write; the backward reads dy and writes dx and dgrid.
  const fwdBytes = 4 * (5 * points * c + 2 * points);
  return {
    name: `${what} ${backward ? 'fwd+bwd' : 'fwd'}`, shape: `x ${fmtShape(x.shape)}, grid ${fmtShape(gridShape)}`,
    bytes: backward ? 3 * fwdBytes : fwdBytes,
    step: () => {
      const y = gridSample(x, grid, { alignCorners: false });
      if (backward) { e.backward(y, { grad: dy }); dropGrads([x, grid]); }
    },
    dispose: () => { for (const t of [x, grid, dy]) t.dispose(); },
  };
}

export const benches: Bench[] = [{
  stem: 'grid-sample', name: 'warp readout',
  run: (ctx) => measureAll(ctx, 'grid-sample', [
    (c) => workload(c, 'warp', false), (c) => workload(c, 'warp', true),
    (c) => workload(c, 'readout', false), (c) => workload(c, 'readout', true),
  ]),
}];
