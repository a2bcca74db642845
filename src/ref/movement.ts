/** f64 CPU references for layout ops (src/ops/movement.ts). */
import { numel, stridesOf } from '../tensor/shape.js';

export function permuteRef(data: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): Float64Array {
  const out = new Float64Array(numel(shape));
  const outShape = perm.map((p) => shape[p]);
  const xs = stridesOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    out[i] = data[idx.reduce((o, d, j) => o + d * xs[perm[j]], 0)];
    for (let j = outShape.length - 1; j >= 0; j--) { if (++idx[j] < outShape[j]) break; idx[j] = 0; }
  }
  return out;
}

/** Element at multi-index `idx` of a row-major tensor. */
export function at(data: ArrayLike<number>, shape: readonly number[], idx: readonly number[]): number {
  const s = stridesOf(shape);
  return data[idx.reduce((o, d, j) => o + d * s[j], 0)];
}

/** Calls f(idx) for every multi-index of `shape`, in row-major order. */
export function forEachIndex(shape: readonly number[], f: (idx: number[], i: number) => void): void {
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < numel(shape); i++) {
    f(idx, i);
    for (let j = shape.length - 1; j >= 0; j--) { if (++idx[j] < shape[j]) break; idx[j] = 0; }
  }
}
