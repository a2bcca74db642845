// Fused BN → ReLU (batchNorm's `relu` option) and the in-place gradient accumulation of its backward: against
// the f64 reference (relu of batchNormRef; batchNormBackwardRef of ReLU-masked dy), against the unfused composition
// relu(batchNorm(x)) bit for bit (values and gradients), and by dispatch count.
import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads } from '../helpers/gradcheck.js';
import { batchNorm } from '../../src/ops/batchnorm.js';
import { add, relu } from '../../src/ops/elementwise.js';
import { batchNormBackwardRef, batchNormRef, type BatchNormRefOptions } from '../../src/ref/batchnorm.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const eng = useEngine();
const TOL = { atol: 1e-4, rtol: 1e-4 };
const GRAD_TOL = { atol: 2e-4, rtol: 1e-3 };
const EXACT = { atol: 0, rtol: 0 };
/** elementwise.wgsl's op code of add (BINARY_ADD). */
const ADD = 0;
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// Awkward shapes: odd channel counts, H·W below and above the 64-thread row, [N, C] input.
const CASES: [number[], boolean][] = [[[2, 3, 7, 7], true], [[1, 5, 3, 17], true], [[3, 17], true], [[2, 3, 5, 5], false], [[4, 5], false]];

function data(shape: readonly number[], seed: number) {
  const c = shape[1];
  return {
    x: f32(uniform(numel(shape), seed, -2, 3)), w: f32(uniform(c, seed + 1, -1.5, 1.5)), b: f32(uniform(c, seed + 2, -1, 1)),
    rm: f32(uniform(c, seed + 3, -0.5, 0.5)), rv: f32(uniform(c, seed + 4, 0.5, 2)), dy: f32(uniform(numel(shape), seed + 5)),
  };
}

describe('batchNorm + ReLU fused', () => {
  for (const [shape, training] of CASES) {
    it(`${training ? 'training' : 'eval'} ${JSON.stringify(shape)}: reference, and bit-identical to relu(batchNorm(x))`, async () => {
      const e = eng();
      const c = shape[1];
      const d = data(shape, 7 + c);
      const opts: BatchNormRefOptions = { training, runningMean: d.rm, runningVar: d.rv };
      const yRef = batchNormRef(d.x, shape, d.w, d.b, opts).map((v) => Math.max(v, 0));
      const dyMasked = d.dy.map((g, i) => (yRef[i] > 0 ? g : 0));
      const ref = batchNormBackwardRef(d.x, shape, d.w, dyMasked, opts);
      const results = [];
      for (const fused of [true, false]) {
        const rmT = e.tensor(Float32Array.from(d.rm), [c]).keep();
        const rvT = e.tensor(Float32Array.from(d.rv), [c]).keep();
        const build = ([xt, wt, bt]: Tensor[]) => (fused ? batchNorm(xt, wt, bt, rmT, rvT, { training, relu: true })
          : relu(batchNorm(xt, wt, bt, rmT, rvT, { training })));
        results.push({ ...await gpuGrads(e, build, [{ data: d.x, shape }, { data: d.w, shape: [c] }, { data: d.b, shape: [c] }], d.dy),
          rm: await rmT.read(), rv: await rvT.read() });
        rmT.dispose();
        rvT.dispose();
      }
      const [f, u] = results;
      expectClose(f.out, yRef, TOL, 'y vs reference');
      expectClose(f.grads[0]!, ref.dx, GRAD_TOL, 'dx vs reference');
      expectClose(f.grads[1]!, ref.dweight, GRAD_TOL, 'dweight vs reference');
      expectClose(f.grads[2]!, ref.dbias, GRAD_TOL, 'dbias vs reference');
      expectClose(f.out, u.out, EXACT, 'y fused vs unfused');
      for (let k = 0; k < 3; k++) expectClose(f.grads[k]!, u.grads[k]!, EXACT, `grad ${k} fused vs unfused`);
      expectClose(f.rm, u.rm, EXACT, 'running mean');
      expectClose(f.rv, u.rv, EXACT, 'running var');
    });
  }

  it('two BNs of one input (the GRCL gate and bottleneck) accumulate dx in place: same gradients, fewer dispatches', async () => {
    const e = eng();
    const shape = [2, 5, 3, 3];
    const c = shape[1];
    const d = data(shape, 51);
    const w2 = f32(uniform(c, 57, 0.5, 1.5));
    const runs = [];
    for (const fused of [true, false]) {
      const bnr = (x: Tensor, w: Tensor, b: Tensor) => (fused ? batchNorm(x, w, b, null, null, { training: true, relu: true })
        : relu(batchNorm(x, w, b, null, null, { training: true })));
      const before = e.stats().dispatches;
      const rt = e.runtime;
      const dispatch = rt.dispatch.bind(rt);
      let adds = 0;
      rt.dispatch = (q) => { if (q.entry === 'elementwise_binary_same' && (q.params as { op: number }).op === ADD) adds++; dispatch(q); };
      // x feeds both BNs and the residual, as x_{t} in x_{t+1} = x_t + σ(·)⊙(·).
      const got = await gpuGrads(e, ([x, wa, wb, b]) => add(add(bnr(x, wa, b), bnr(x, wb, b)), x),
        [{ data: d.x, shape }, { data: d.w, shape: [c] }, { data: w2, shape: [c] }, { data: d.b, shape: [c] }], d.dy)
        .finally(() => { rt.dispatch = dispatch; });
      runs.push({ ...got, dispatches: e.stats().dispatches - before, adds });
    }
    const [f, u] = runs;
    expectClose(f.out, u.out, EXACT, 'y');
    for (let k = 0; k < 4; k++) expectClose(f.grads[k]!, u.grads[k]!, EXACT, `grad ${k}`);
    // The fused ReLU saves 2 forward and 2 backward dispatches.
    expect(u.dispatches - f.dispatches).toBe(4);
    // Adds: 2 forward; in backward 1 for the shared bias, and for x (three consumers) 1: the residual's gradient (a
    // view of the loss's dy, not writable in place) plus the second BN's dx; the first BN's dx goes into that sum in
    // place (without the in-place accumulation: 2).
    expect([f.adds, u.adds]).toEqual([4, 4]);
  });
});
