/**
 * Batched matrix products (torch.matmul over [..., M, K] × [..., K, N] with broadcast batch dims and transpose
 * flags) and `linear`. Gradients go through the same kernels with other transpose flags:
 * d op(A) = dY·op(B)ᵀ and d op(B) = op(A)ᵀ·dY, summed over the batch dims an operand was broadcast along.
 */
import type { Tensor } from '../tensor/tensor.js';
import { flowsGrad } from '../autograd/tape.js';
import { ShapeError } from '../errors.js';
import { broadcastShapes, fmt, numel, stridesOf } from '../tensor/shape.js';
import { dims8, expectF32, expectSameEngine, run } from './dispatch.js';
import { add, sumTo } from './elementwise.js';
import { reshape } from './movement.js';

export interface MatmulOptions { transA?: boolean; transB?: boolean }

const MAX_GRID = 65535;
/** Outputs per thread along each axis (the kernel's register tile), and threads per workgroup along each. */
const TILE = 8;
const WG = 8;

interface Layout { m: number; n: number; k: number; batch: number[]; aStrides: number[]; bStrides: number[] }

/** Batch dims of each operand's shape broadcast to `batch`, as element strides (0 where broadcast). */
function batchStrides(shape: readonly number[], batch: readonly number[]): number[] {
  const own = shape.slice(0, -2);
  const st = stridesOf(shape).slice(0, -2);
  const off = batch.length - own.length;
  return batch.map((_, i) => (i < off || own[i - off] === 1 ? 0 : st[i - off]));
}

function layout(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Layout {
  const op = 'matmul';
  if (a.rank < 2 || b.rank < 2) throw new ShapeError(`${op}: operands need rank ≥ 2, got ${a.describe()} and ${b.describe()}`);
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [kb, n] = transB ? [bc, br] : [br, bc];
  if (k !== kb) {
    throw new ShapeError(`${op}: inner dims differ: ${a.describe()}${transA ? 'ᵀ' : ''} × ${b.describe()}${transB ? 'ᵀ' : ''} (${k} vs ${kb})`);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), `${op} batch dims of ${a.describe()} and ${b.describe()}`);
  return { m, n, k, batch, aStrides: batchStrides(a.shape, batch), bStrides: batchStrides(b.shape, batch) };
}

/**
 * Which operands the kernel may load as vec4s: A along its rows when stored transposed ([k, m], m % 4 == 0),
 * B along its columns when stored as is ([k, n], n % 4 == 0). The entry point is matmul_<a><b>, v or s each.
 */
function vec4Loads(l: Layout, transA: boolean, transB: boolean): [boolean, boolean] {
  return [transA && l.m % 4 === 0, !transB && l.n % 4 === 0];
}

/** op(a)·op(b) without recording. */
function matmulRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const l = layout(a, b, transA, transB);
  const { m, n, k } = l;
  const y = a.engine.empty([...l.batch, m, n], 'f32', 'matmul');
  if (y.size === 0) return y;
  const [av, bv] = vec4Loads(l, transA, transB);
  // Row strides of the stored matrices: op(A)[i, k] and op(B)[k, j] are read through them.
  const ac = a.shape[a.rank - 1];
  const bc = b.shape[b.rank - 1];
  const gx = Math.ceil(n / (TILE * WG));
  const gy = Math.ceil(m / (TILE * WG));
  const batches = numel(l.batch);
  const params = {
    m, n, k, batch_rank: l.batch.length,
    a_rs: transA ? 1 : ac, a_cs: transA ? ac : 1, b_rs: transB ? 1 : bc, b_cs: transB ? bc : 1,
    batch_shape: dims8(l.batch, 'matmul'), a_bstrides: dims8(l.aStrides, 'matmul'), b_bstrides: dims8(l.bStrides, 'matmul'),
  };
  const entry = `matmul_${av ? 'v' : 's'}${bv ? 'v' : 's'}`;
  const bindings = { [av ? 'a4' : 'a1']: a, [bv ? 'b4' : 'b1']: b, c: y };
  for (let base = 0; base < batches; base += MAX_GRID) {
    run('matmul', entry, bindings, { ...params, batch_base: base }, [gx, gy, Math.min(MAX_GRID, batches - base)]);
  }
  return y;
}

/**
 * Matrix product of the last two dims, broadcasting the leading (batch) dims: a [..., M, K] (or [..., K, M] with
 * transA) times b [..., K, N] (or [..., N, K] with transB) gives [...batch, M, N].
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  expectF32('matmul', a, b);
  expectSameEngine('matmul', a, b);
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const y = matmulRaw(a, b, transA, transB);
  // dA needs only b and dB only a: save just what the wanted gradients use.
  const needA = flowsGrad(a);
  const needB = flowsGrad(b);
  const aShape = a.shape;
  const bShape = b.shape;
  a.engine.record('matmul', [a, b], [y], ([dy], saved) => {
    const as = saved.a!;
    const bs = saved.b!;
    return [
      needA ? sumTo(transA ? matmulRaw(bs, dy!, transB, true) : matmulRaw(dy!, bs, false, !transB), aShape) : null,
      needB ? sumTo(transB ? matmulRaw(dy!, as, true, transA) : matmulRaw(as, dy!, !transA, false), bShape) : null,
    ];
  }, { a: needB ? a : undefined, b: needA ? b : undefined });
  return y;
}

/** x·wᵀ + b for x [..., in] (1-D included), w [out, in], b [out] (torch.nn.functional.linear). */
export function linear(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  if (w.rank !== 2 || x.rank < 1 || x.shape[x.rank - 1] !== w.shape[1]) {
    throw new ShapeError(`linear: input ${x.describe()} does not match weight ${w.describe()} ([out, in])`);
  }
  if (b && (b.rank !== 1 || b.shape[0] !== w.shape[0])) {
    throw new ShapeError(`linear: bias ${b.describe()} should be [${w.shape[0]}] for weight ${fmt(w.shape)}`);
  }
  // Leading dims fold into rows, so the weight gradient is one GEMM rather than a batch summed afterwards.
  return x.engine.scope(() => {
    const y = matmul(x.rank === 2 ? x : reshape(x, [-1, w.shape[1]]), w, { transB: true });
    const out = b ? add(y, b) : y;
    return x.rank === 2 ? out : reshape(out, [...x.shape.slice(0, -1), w.shape[0]]);
  });
}
