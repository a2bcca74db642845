/** Memory-bound elementwise kernels on a GRCL-sized activation [16, 64, 32, 32] (4 MiB): GB/s. */
import { add, mul, relu, sigmoid } from '../src/ops/elementwise.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { fmtShape, leaf, measureAll, type Bench, type BenchContext, type EngineContext, type Workload } from './harness.js';

function shape(ctx: BenchContext): number[] {
  return ctx.opts.quick ? [2, 16, 16, 16] : [16, 64, 32, 32];
}

function unaryWorkload(ctx: EngineContext, name: string, f: (x: Tensor) => Tensor): Workload {
  const s = shape(ctx);
  const x = leaf(ctx.engine, s, 1, false);
  return { name, shape: fmtShape(s), bytes: 2 * x.bytes, step: () => { f(x); }, dispose: () => x.dispose() };
}

function binaryWorkload(ctx: EngineContext, name: string, f: (a: Tensor, b: Tensor) => Tensor, bShape?: number[]): Workload {
  const s = shape(ctx);
  const bs = bShape ?? s;
  const a = leaf(ctx.engine, s, 1, false);
  const b = leaf(ctx.engine, bs, 2, false);
  return {
    name, shape: `${fmtShape(s)} ∘ ${fmtShape(bs)}`, bytes: 2 * a.bytes + b.bytes,
    step: () => { f(a, b); }, dispose: () => { a.dispose(); b.dispose(); },
  };
}

export const benches: Bench[] = [{
  stem: 'elementwise', name: 'add mul relu sigmoid',
  run: (ctx) => measureAll(ctx, 'elementwise', [
    (c) => binaryWorkload(c, 'add', add),
    (c) => binaryWorkload(c, 'mul, per-channel broadcast', mul, [1, shape(ctx)[1], 1, 1]),
    (c) => unaryWorkload(c, 'relu', relu),
    (c) => unaryWorkload(c, 'sigmoid', sigmoid),
  ]),
}];
