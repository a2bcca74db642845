/**
 * Gradient checks. `numericGrad` differentiates an f64 reference by central differences; `gpuGrads` runs the
 * engine's backward for loss = Σ out·dy. Tests compare reference backward with the first and GPU backward with
 * the reference backward.
 */
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { mul, sum } from '../../src/ops/index.js';

/** ∂(Σ f(inputs)·dy)/∂inputs[k] by central differences in f64. */
export function numericGrad(f: (inputs: Float64Array[]) => ArrayLike<number>, inputs: Float64Array[], dy: ArrayLike<number>,
  eps = 1e-6): Float64Array[] {
  const loss = (ins: Float64Array[]) => { const y = f(ins); let s = 0; for (let i = 0; i < y.length; i++) s += y[i] * dy[i]; return s; };
  return inputs.map((x, k) => {
    const g = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const keep = x[i];
      const ins = inputs.map((t, j) => (j === k ? t : t));
      x[i] = keep + eps; const up = loss(ins);
      x[i] = keep - eps; const down = loss(ins);
      x[i] = keep;
      g[i] = (up - down) / (2 * eps);
    }
    return g;
  });
}

export interface GpuInput { data: ArrayLike<number>; shape: readonly number[]; grad?: boolean }

/** Output and gradients of Σ build(inputs)·dy on the GPU. Frees everything it made. */
export async function gpuGrads(engine: Engine, build: (ts: Tensor[]) => Tensor, inputs: GpuInput[], dy: ArrayLike<number>):
  Promise<{ out: Float32Array; grads: (Float32Array | null)[] }> {
  const ts = inputs.map((i) => {
    const t = engine.tensor(Float32Array.from(i.data), i.shape).keep();
    t.requiresGrad = i.grad !== false;
    return t;
  });
  try {
    const y = engine.scope(() => {
      const out = build(ts);
      const loss = sum(mul(out, engine.tensor(Float32Array.from(dy), out.shape)));
      // A non-differentiable op (sign, comparisons) leaves nothing to differentiate: grads stay null.
      if (loss.requiresGrad) engine.backward(loss);
      return out;
    });
    const out = (await y.read()) as Float32Array;
    y.dispose();
    const grads = await Promise.all(ts.map(async (t) => (t.grad ? ((await t.grad.read()) as Float32Array) : null)));
    return { out, grads };
  } finally {
    for (const t of ts) t.dispose();
    engine.tape.clear();
  }
}
