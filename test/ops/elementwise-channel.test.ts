// The broadcast fast path of binary ops (elementwise_binary_channel): one full operand and one varying along a
// single block of axes, on either side, including rank differences and non-commutative ops, against an f64
// broadcasting reference; shapes outside the pattern still go through the general kernel (same results).
import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { binary, type BinaryOp } from '../../src/ops/elementwise.js';
import { broadcastShapes, broadcastStrides, numel, stridesOf } from '../../src/tensor/shape.js';

const eng = useEngine();

function refBinary(op: BinaryOp, a: Float64Array, as: number[], b: Float64Array, bs: number[]): Float64Array {
  const out = broadcastShapes(as, bs, op);
  const [sa, sb, so] = [broadcastStrides(as, out), broadcastStrides(bs, out), stridesOf(out)];
  const f = { add: (p: number, q: number) => p + q, sub: (p: number, q: number) => p - q, mul: (p: number, q: number) => p * q,
    div: (p: number, q: number) => p / q } as Record<string, (p: number, q: number) => number>;
  return Float64Array.from({ length: numel(out) }, (_, i) => {
    let ia = 0;
    let ib = 0;
    out.forEach((_, k) => { const c = Math.floor(i / so[k]) % out[k]; ia += c * sa[k]; ib += c * sb[k]; });
    return f[op](a[ia], b[ib]);
  });
}

// [a, b]: per-channel both ways, a trailing vector, a leading axis, a rank difference, a two-axis block, and two
// shapes outside the pattern (both broadcast; a size-1 axis inside the varying block).
const CASES: [number[], number[]][] = [[[2, 3, 5, 7], [1, 3, 1, 1]], [[2, 3, 17, 19], [1, 3, 1, 1]], [[1, 3, 1, 1], [3, 3, 16, 16]], [[1, 3, 1, 1], [2, 3, 5, 7]], [[2, 3, 4], [4]],
  [[5, 6], [5, 1]], [[3, 1, 1], [2, 3, 4, 5]], [[2, 3, 4, 5], [1, 3, 4, 1]], [[5, 1], [1, 6]], [[2, 3, 1, 5], [1, 3, 1, 5]]];

describe('binary ops with a broadcast operand', () => {
  it('takes the channel kernel for [N, C, H, W] ⊙ [1, C, 1, 1] (the rows kernel from H·W = 256) and the general one for [N, 1] ⊙ [1, C]', () => {
    const e = eng();
    const entries: string[] = [];
    const rt = e.runtime;
    const dispatch = rt.dispatch.bind(rt);
    rt.dispatch = (q) => { entries.push(q.entry); dispatch(q); };
    try {
      e.scope(() => {
        binary('mul', e.zeros([2, 3, 4, 4]), e.ones([1, 3, 1, 1]));
        binary('mul', e.zeros([2, 3, 16, 16]), e.ones([1, 3, 1, 1]));
        binary('mul', e.zeros([5, 1]), e.ones([1, 6]));
      });
    } finally { rt.dispatch = dispatch; }
    expect(entries.filter((n) => n.startsWith('elementwise_binary'))).toEqual(['elementwise_binary_channel', 'elementwise_binary_rows', 'elementwise_binary']);
  });

  for (const [as, bs] of CASES) {
    it(`${JSON.stringify(as)} ⊙ ${JSON.stringify(bs)}: sub, div, mul, add match the reference`, async () => {
      const e = eng();
      const a = f32(uniform(numel(as), 1, 0.5, 2));
      const b = f32(uniform(numel(bs), 2, 0.5, 2));
      for (const op of ['sub', 'div', 'mul', 'add'] as const) {
        const y = binary(op, e.tensor(Float32Array.from(a), as), e.tensor(Float32Array.from(b), bs));
        expect(y.shape).toEqual(broadcastShapes(as, bs, op));
        expectClose(await y.read(), refBinary(op, a, as, b, bs), { atol: 1e-6, rtol: 1e-6 }, op);
      }
    });
  }
});
