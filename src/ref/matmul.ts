/** f64 CPU reference for batched matmul with broadcast batch dims and transpose flags (torch.matmul semantics). */

export interface MatmulRefOpts { transA?: boolean; transB?: boolean }

interface Plan { m: number; n: number; k: number; batch: number[]; aOff: (z: number) => number; bOff: (z: number) => number;
  a: (off: number, i: number, kk: number) => number; b: (off: number, kk: number, j: number) => number }

const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

function plan(aShape: readonly number[], bShape: readonly number[], o: MatmulRefOpts): Plan {
  const [ar, ac] = aShape.slice(-2);
  const [br, bc] = bShape.slice(-2);
  const [m, k] = o.transA ? [ac, ar] : [ar, ac];
  const [k2, n] = o.transB ? [bc, br] : [br, bc];
  if (k !== k2) throw new Error(`matmulRef: inner dims ${k} and ${k2} differ`);
  const ab = aShape.slice(0, -2);
  const bb = bShape.slice(0, -2);
  const rank = Math.max(ab.length, bb.length);
  const pad = (s: readonly number[]) => [...new Array(rank - s.length).fill(1), ...s];
  const pa = pad(ab);
  const pb = pad(bb);
  const batch = pa.map((d, i) => Math.max(d, pb[i]));
  // Offset of batch index z (over `batch`) in an operand whose batch dims are `p` (1 = broadcast).
  const offset = (p: number[], mat: number) => (z: number) => {
    let off = 0;
    let stride = mat;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = z % batch[d];
      z = Math.floor(z / batch[d]);
      if (p[d] !== 1) off += idx * stride;
      stride *= p[d];
    }
    return off;
  };
  return {
    m, n, k, batch, aOff: offset(pa, ar * ac), bOff: offset(pb, br * bc),
    a: o.transA ? (off, i, kk) => off + kk * m + i : (off, i, kk) => off + i * k + kk,
    b: o.transB ? (off, kk, j) => off + j * k + kk : (off, kk, j) => off + kk * n + j,
  };
}

/** op(A)·op(B) over broadcast batch dims; returns the data and shape [...batch, m, n]. */
export function matmulRef(a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[],
  opts: MatmulRefOpts = {}): { data: Float64Array; shape: number[] } {
  const p = plan(aShape, bShape, opts);
  const nb = prod(p.batch);
  const y = new Float64Array(nb * p.m * p.n);
  for (let z = 0; z < nb; z++) {
    const ao = p.aOff(z);
    const bo = p.bOff(z);
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        let s = 0;
        for (let kk = 0; kk < p.k; kk++) s += a[p.a(ao, i, kk)] * b[p.b(bo, kk, j)];
        y[(z * p.m + i) * p.n + j] = s;
      }
    }
  }
  return { data: y, shape: [...p.batch, p.m, p.n] };
}

/** Gradients of Σ matmul(A, B)·dy with respect to A and B, in their own (possibly transposed) layouts. */
export function matmulBackwardRef(a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>,
  bShape: readonly number[], dy: ArrayLike<number>, opts: MatmulRefOpts = {}): { da: Float64Array; db: Float64Array } {
  const p = plan(aShape, bShape, opts);
  const da = new Float64Array(prod(aShape));
  const db = new Float64Array(prod(bShape));
  const nb = prod(p.batch);
  for (let z = 0; z < nb; z++) {
    const ao = p.aOff(z);
    const bo = p.bOff(z);
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        const g = dy[(z * p.m + i) * p.n + j];
        for (let kk = 0; kk < p.k; kk++) {
          da[p.a(ao, i, kk)] += g * b[p.b(bo, kk, j)];
          db[p.b(bo, kk, j)] += g * a[p.a(ao, i, kk)];
        }
      }
    }
  }
  return { da, db };
}
