/**
 * Fused gated residual update y = x + σ(g) ⊙ a (GRCL recursion step, gated conv-RNN cells): one dispatch
 * forward, one backward, instead of sigmoid, mul and add with their three backward passes. With a second gate
 * term h, y = x + σ(g + h) ⊙ a, and the add is folded in too.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import { fmt, sameShape } from '../tensor/shape.js';
import { expectF32, expectSameEngine, grid1d, run } from './dispatch.js';

/**
 * Runs `gated_residual_<phase>` over n elements: the vec4 kernel over ⌊n/4⌋ blocks, then, when 4 does not
 * divide n, the tail kernel over the rest with the same tensors bound as scalars.
 */
function dispatch(kernel: string, tensors: Record<string, Tensor>, n: number, accumulate = false): void {
  const params = { n, n4: Math.floor(n / 4), accumulate: Number(accumulate) };
  if (params.n4 > 0) run('gated-residual', kernel, tensors, params, grid1d(params.n4));
  if (n % 4 !== 0) {
    const tail = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [`${k}_tail`, t]));
    run('gated-residual', `${kernel}_tail`, tail, params, [1]);
  }
}

/**
 * dg = dy ⊙ a ⊙ σ'(g + h) and da = dy ⊙ σ(g + h) (h = 0 when absent), in one dispatch; with `dhPrior` (h's
 * gradient so far, ours alone), dg is also added into it in place.
 */
function gatedResidualGrad(g: Tensor, h: Tensor | undefined, a: Tensor, dy: Tensor, dhPrior: Tensor | null): [Tensor, Tensor] {
  const e = g.engine;
  const dg = e.empty(g.shape, 'f32', 'gatedResidual dg');
  const da = e.empty(a.shape, 'f32', 'gatedResidual da');
  if (!h) dispatch('gated_residual_backward', { g, a, dy, dg, da }, g.size);
  // Without a prior, dh is bound to dg (the kernel writes it only when accumulating).
  else if (dhPrior) dispatch('gated_residual_sum_backward', { g, h, a, dy, dg, da, dh: dhPrior }, g.size, true);
  else dispatch('gated_residual_sum_backward', { g, h, a, dy, dg, da, dh: e.empty([4], 'f32', 'unused dh') }, g.size);
  return [dg, da];
}

/** x + σ(g) ⊙ a, or x + σ(g + h) ⊙ a with `h`, all of the same shape. */
export function gatedResidual(x: Tensor, g: Tensor, a: Tensor, h?: Tensor): Tensor {
  const ins = h ? [x, g, a, h] : [x, g, a];
  expectF32('gatedResidual', ...ins);
  expectSameEngine('gatedResidual', ...ins);
  if (!ins.every((t) => sameShape(x.shape, t.shape))) {
    throw new ShapeError(`gatedResidual: x ${fmt(x.shape)}, g ${fmt(g.shape)}, a ${fmt(a.shape)}${h ? ` and h ${fmt(h.shape)}` : ''} must have the same shape`);
  }
  const e = x.engine;
  const y = e.empty(x.shape, 'f32', 'gatedResidual');
  if (h) dispatch('gated_residual_sum_forward', { x, g, h, a, y }, x.size);
  else dispatch('gated_residual_forward', { x, g, a, y }, x.size);
  e.record('gatedResidual', ins, [y], ([dy], { gate, gate2, update }, _needs, prior) => {
    const dhPrior = prior[3] ?? null;
    const [dg, da] = gatedResidualGrad(gate!, gate2, update!, dy!, dhPrior);
    // h's gradient is dg: its own handle (two inputs must not share one), or the prior it was added into.
    return h ? [dy!, dg, da, dhPrior ?? dg.view(dg.shape)] : [dy!, dg, da];
  }, { gate: g, gate2: h, update: a });
  return y;
}
