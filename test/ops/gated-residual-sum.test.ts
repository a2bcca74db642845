// gatedResidual with a two-term gate, x + σ(g + h) ⊙ a (the GRCL step with its gate add folded in): against the f64
// reference (gatedResidualRef of g + h), and bit for bit against the unfused add-then-gatedResidual, including h shared
// by two recursion steps (its gradient from the second step added in place by the first step's backward).
import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, normal, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads } from '../helpers/gradcheck.js';
import { gatedResidual } from '../../src/ops/gated-residual.js';
import { add, relu } from '../../src/ops/elementwise.js';
import { gatedResidualBackwardRef, gatedResidualRef } from '../../src/ref/gated-residual.js';
import { numel } from '../../src/tensor/shape.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const eng = useEngine();
const TOL = { atol: 1e-6, rtol: 1e-5 };
const EXACT = { atol: 0, rtol: 0 };
// All tail, all vec4, and mixed.
const SHAPES = [[3], [8], [2, 3, 5, 7]];

describe('gatedResidual(x, g, a, h)', () => {
  for (const shape of SHAPES) {
    it(`[${shape}]: reference, and the unfused add + gatedResidual bit for bit`, async () => {
      const e = eng();
      const n = numel(shape);
      const [x, g, a, h, dy] = [f32(uniform(n, 1)), f32(uniform(n, 2, -5, 5)), f32(normal(n, 3)), f32(uniform(n, 4, -3, 3)), f32(normal(n, 5))];
      const ins = [x, g, a, h].map((data) => ({ data, shape }));
      const fused = await gpuGrads(e, ([tx, tg, ta, th]) => gatedResidual(tx, tg, ta, th), ins, dy);
      const plain = await gpuGrads(e, ([tx, tg, ta, th]) => gatedResidual(tx, add(tg, th), ta), ins, dy);
      const gh = Float64Array.from(g, (v, i) => Math.fround(v + h[i]));
      expectClose(fused.out, gatedResidualRef(x, gh, a), TOL, 'forward');
      const ref = gatedResidualBackwardRef(gh, a, dy);
      expectClose(fused.grads[1]!, ref.dg, TOL, 'dg');
      expectClose(fused.grads[3]!, ref.dg, TOL, 'dh');
      expectClose(fused.grads[2]!, ref.da, TOL, 'da');
      expectClose(fused.out, plain.out, EXACT, 'forward vs unfused');
      for (let k = 0; k < 4; k++) expectClose(fused.grads[k]!, plain.grads[k]!, EXACT, `grad ${k} vs unfused`);
    });
  }

  it('h shared by two steps (GRCL\'s c): same gradients as unfused, 2 adds fewer', async () => {
    const e = eng();
    const shape = [2, 3, 3, 3];
    const n = numel(shape);
    const ins = [1, 2, 3, 4, 6].map((s, k) => ({ data: f32(k === 3 ? uniform(n, s, -3, 3) : normal(n, s)), shape }));
    const dy = f32(normal(n, 9));
    const runs = [];
    for (const fused of [true, false]) {
      const step = (x: Tensor, g: Tensor, a: Tensor, h: Tensor) => (fused ? gatedResidual(x, g, a, h) : gatedResidual(x, add(g, h), a));
      const before = e.stats().dispatches;
      // x1 = x0 + σ(g + h)·a;  x2 = x1 + σ(relu(g2) + h)·x1: a second step whose gate term is an op's output, as
      // conv_g_r's is in GRCL (its gradient is freed once used, so h's gradient is the only handle on its storage).
      runs.push({ ...await gpuGrads(e, ([x0, g, a, h, g2]) => { const x1 = step(x0, g, a, h); return step(x1, relu(g2), x1, h); }, ins, dy),
        dispatches: e.stats().dispatches - before });
    }
    const [f, u] = runs;
    expectClose(f.out, u.out, EXACT, 'forward');
    for (let k = 0; k < 5; k++) expectClose(f.grads[k]!, u.grads[k]!, EXACT, `grad ${k}`);
    // 2 gate adds forward; h's two gradients summed in place (1 add) in backward.
    expect(u.dispatches - f.dispatches).toBe(3);
  });
});
