/**
 * Fused gated residual update y = x + σ(g) ⊙ a (GRCL recursion step, gated conv-RNN cells): one dispatch
 * forward, one backward, instead of sigmoid, mul and add with their three backward passes.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import { fmt, sameShape } from '../tensor/shape.js';
import { expectF32, expectSameEngine, grid1d, run } from './dispatch.js';

/**
 * Runs `gated_residual_<phase>` over n elements: the vec4 kernel over ⌊n/4⌋ blocks, then, when 4 does not
 * divide n, the tail kernel over the rest with the same tensors bound as scalars.
 */
function dispatch(phase: 'forward' | 'backward', tensors: Record<string, Tensor>, n: number): void {
  const params = { n, n4: Math.floor(n / 4) };
  if (params.n4 > 0) run('gated-residual', `gated_residual_${phase}`, tensors, params, grid1d(params.n4));
  if (n % 4 !== 0) {
    const tail = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [`${k}_tail`, t]));
    run('gated-residual', `gated_residual_${phase}_tail`, tail, params, [1]);
  }
}

/** dg = dy ⊙ a ⊙ σ'(g) and da = dy ⊙ σ(g), in one dispatch. */
function gatedResidualGrad(g: Tensor, a: Tensor, dy: Tensor): [Tensor, Tensor] {
  const e = g.engine;
  const dg = e.empty(g.shape, 'f32', 'gatedResidual dg');
  const da = e.empty(a.shape, 'f32', 'gatedResidual da');
  dispatch('backward', { g, a, dy, dg, da }, g.size);
  return [dg, da];
}

/** x + σ(g) ⊙ a, all three of the same shape. */
export function gatedResidual(x: Tensor, g: Tensor, a: Tensor): Tensor {
  expectF32('gatedResidual', x, g, a);
  expectSameEngine('gatedResidual', x, g, a);
  if (!sameShape(x.shape, g.shape) || !sameShape(x.shape, a.shape)) {
    throw new ShapeError(`gatedResidual: x ${fmt(x.shape)}, g ${fmt(g.shape)} and a ${fmt(a.shape)} must have the same shape`);
  }
  const e = x.engine;
  const y = e.empty(x.shape, 'f32', 'gatedResidual');
  dispatch('forward', { x, g, a, y }, x.size);
  e.record('gatedResidual', [x, g, a], [y], ([dy], { gate, update }) => [dy!, ...gatedResidualGrad(gate, update, dy!)], { gate: g, update: a });
  return y;
}
