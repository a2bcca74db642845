/**
 * One GRCL recursion step (Wang & Hu's gated recurrent conv layer, pre-activation as in the original code, with
 * every operator a single 3×3 conv so that the step is the three-conv workload of peers.md):
 *   a = conv(relu(bn(x)), Wa),  g = conv(relu(bn(x)), Wb) + conv(relu(bn(u)), Wc),  x' = x + σ(g) ⊙ a
 * with batch-statistics BN (training mode, three BNs with their own affine parameters). u, x [16, 64, 32, 32],
 * W [64, 64, 3, 3]: 3.62 GFLOP forward; fwd+bwd adds dX and dW of each conv (10.87 GFLOP) and the gradients of
 * Σ x'·dy w.r.t. u, x and the three weights. tfjs runs the same graph (peers/tfjs.ts).
 */
import { batchNorm } from '../src/ops/batchnorm.js';
import { conv2d } from '../src/ops/conv2d.js';
import { add, relu } from '../src/ops/elementwise.js';
import { gatedResidual } from '../src/ops/gated-residual.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { convShape } from './conv2d.bench.js';
import { dropGrads, fmtShape, leaf, measureAll, type Bench, type EngineContext, type Workload } from './harness.js';

function workload(ctx: EngineContext, backward: boolean): Workload {
  const e = ctx.engine;
  const s = convShape(ctx);
  const act = [s.n, s.c, s.h, s.w];
  const u = leaf(e, act, 11, backward);
  const x = leaf(e, act, 12, backward);
  const ws = [13, 14, 15].map((seed) => leaf(e, [s.c, s.c, 3, 3], seed, backward, 0.1));
  const gammas = [0, 1, 2].map(() => e.ones([s.c]).keep());
  const betas = [0, 1, 2].map(() => e.zeros([s.c]).keep());
  const dy = leaf(e, act, 16, false);
  const pre = (t: Tensor, i: number) => relu(batchNorm(t, gammas[i], betas[i], null, null, { training: true }));
  const conv = (t: Tensor, w: Tensor) => conv2d(t, w, null, { padding: 1 });
  const convFlops = 2 * s.n * s.c * s.h * s.w * s.c * 9;
  return {
    name: backward ? 'step fwd+bwd' : 'step fwd',
    shape: `u, x ${fmtShape(act)}; 3 × w ${fmtShape(ws[0].shape)}`,
    flops: (backward ? 9 : 3) * convFlops,
    step: () => {
      const a = conv(pre(x, 0), ws[0]);
      const g = add(conv(pre(x, 1), ws[1]), conv(pre(u, 2), ws[2]));
      const y = gatedResidual(x, g, a);
      if (backward) { e.backward(y, { grad: dy }); dropGrads([u, x, ...ws]); }
    },
    dispose: () => { for (const t of [u, x, ...ws, ...gammas, ...betas, dy]) t.dispose(); },
    peer: (p) => p.grcl(s, backward),
  };
}

export const benches: Bench[] = [{
  stem: 'grcl', name: 'step',
  run: (ctx) => measureAll(ctx, 'grcl', [(c) => workload(c, false), (c) => workload(c, true)]),
}];
