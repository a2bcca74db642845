/** Matrix products: peers.md's 1024³ (2.147 GFLOP), both transposed layouts backward passes use, and a linear layer. */
import { linear, matmul } from '../src/ops/matmul.js';
import { dropGrads, leaf, measureAll, type Bench, type EngineContext, type Workload } from './harness.js';

function product(ctx: EngineContext, m: number, k: number, n: number, trans: { transA?: boolean; transB?: boolean } = {}): Workload {
  const e = ctx.engine;
  const a = leaf(e, trans.transA ? [k, m] : [m, k], 21, false);
  const b = leaf(e, trans.transB ? [n, k] : [k, n], 22, false);
  const tag = trans.transA ? ' Aᵀ' : trans.transB ? ' Bᵀ' : '';
  return {
    name: `${m}×${k}×${n}${tag}`, shape: `A [${a.shape}], B [${b.shape}]`, flops: 2 * m * k * n,
    step: () => { matmul(a, b, trans); },
    dispose: () => { a.dispose(); b.dispose(); },
    peer: !trans.transA && !trans.transB ? (p) => p.matmul(m, k, n) : undefined,
  };
}

/** y = x·wᵀ + b with its backward (dX, dW, db): a classifier head. */
function linearLayer(ctx: EngineContext, batch: number, inF: number, outF: number): Workload {
  const e = ctx.engine;
  const x = leaf(e, [batch, inF], 23, true);
  const w = leaf(e, [outF, inF], 24, true, 0.05);
  const b = leaf(e, [outF], 25, true);
  const dy = leaf(e, [batch, outF], 26, false);
  return {
    name: `linear ${inF}→${outF} fwd+bwd`, shape: `x [${x.shape}], w [${w.shape}]`, flops: 3 * 2 * batch * inF * outF,
    step: () => { e.backward(linear(x, w, b), { grad: dy }); dropGrads([x, w, b]); },
    dispose: () => { for (const t of [x, w, b, dy]) t.dispose(); },
  };
}

export const benches: Bench[] = [{
  stem: 'matmul', name: 'square transposed linear',
  run: (ctx) => {
    const n = ctx.opts.quick ? 128 : 1024;
    return measureAll(ctx, 'matmul', [
      (c) => product(c, n, n, n),
      (c) => product(c, n, n, n, { transA: true }),
      (c) => product(c, n, n, n, { transB: true }),
      (c) => linearLayer(c, ctx.opts.quick ? 8 : 256, n, ctx.opts.quick ? 64 : 1000),
    ]);
  },
}];
