/**
 * Convolutions. The headline shape is peers.md's: x [16, 64, 32, 32], w [64, 64, 3, 3], padding 1 (1.208
 * GFLOP forward; fwd+bwd adds dX and dW, 3.62 GFLOP). Also a 1×1 and a strided 3×3, as in GRCNN blocks.
 */
import { conv2d } from '../src/ops/conv2d.js';
import type { ConvShape } from './peers/tfjs.js';
import { dropGrads, fmtShape, leaf, measureAll, type Bench, type BenchContext, type EngineContext, type Workload } from './harness.js';

export const CONV_SHAPE: ConvShape = { n: 16, c: 64, h: 32, w: 32, k: 64 };
export const CONV_SHAPE_QUICK: ConvShape = { n: 2, c: 16, h: 16, w: 16, k: 16 };

export function convShape(ctx: BenchContext): ConvShape {
  return ctx.opts.quick ? CONV_SHAPE_QUICK : CONV_SHAPE;
}

export interface ConvOptions { kernel: number; stride: number; padding: number }
const SAME3: ConvOptions = { kernel: 3, stride: 1, padding: 1 };

/** One conv, forward only or forward + dX + dW for loss Σ y·dy. */
export function convWorkload(ctx: EngineContext, s: ConvShape, backward: boolean, o: ConvOptions = SAME3): Workload {
  const e = ctx.engine;
  const x = leaf(e, [s.n, s.c, s.h, s.w], 1, backward);
  const w = leaf(e, [s.k, s.c, o.kernel, o.kernel], 2, backward, 0.1);
  const ho = Math.floor((s.h + 2 * o.padding - o.kernel) / o.stride) + 1;
  const wo = Math.floor((s.w + 2 * o.padding - o.kernel) / o.stride) + 1;
  const dy = leaf(e, [s.n, s.k, ho, wo], 3, false);
  const fwdFlops = 2 * s.n * s.k * ho * wo * s.c * o.kernel * o.kernel;
  const isPeerShape = o.kernel === 3 && o.stride === 1 && o.padding === 1;
  return {
    name: `${o.kernel}×${o.kernel}${o.stride > 1 ? `/${o.stride}` : ''} ${backward ? 'fwd+bwd' : 'fwd'}`,
    shape: `x ${fmtShape(x.shape)}, w ${fmtShape(w.shape)}`,
    flops: backward ? 3 * fwdFlops : fwdFlops,
    step: () => {
      const y = conv2d(x, w, null, { stride: o.stride, padding: o.padding });
      if (backward) {
        e.backward(y, { grad: dy });
        dropGrads([x, w]);
      }
    },
    dispose: () => { for (const t of [x, w, dy]) t.dispose(); },
    peer: isPeerShape ? (p) => p.conv(s, backward) : undefined,
  };
}

export const benches: Bench[] = [{
  stem: 'conv2d', name: '3x3 1x1 strided',
  run: (ctx) => {
    const s = convShape(ctx);
    return measureAll(ctx, 'conv2d', [
      (c) => convWorkload(c, s, false),
      (c) => convWorkload(c, s, true),
      (c) => convWorkload(c, s, true, { kernel: 1, stride: 1, padding: 0 }),
      (c) => convWorkload(c, s, true, { kernel: 3, stride: 2, padding: 1 }),
    ]);
  },
}];
