/** f64 CPU references for reductions (src/ops/reduce.ts). */
import { numel, stridesOf } from '../tensor/shape.js';

/** Reduces `axes` of x with `f` over the gathered values; keepDims shape. */
export function reduceRef(data: ArrayLike<number>, shape: readonly number[], axes: readonly number[],
  f: (vals: number[]) => number): { data: Float64Array; shape: number[] } {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const n = numel(outShape);
  const groups: number[][] = Array.from({ length: n }, () => []);
  const os = stridesOf(outShape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < numel(shape); i++) {
    let o = 0;
    for (let j = 0; j < shape.length; j++) if (!axes.includes(j)) o += idx[j] * os[j];
    groups[o].push(data[i]);
    for (let j = shape.length - 1; j >= 0; j--) { if (++idx[j] < shape[j]) break; idx[j] = 0; }
  }
  return { data: Float64Array.from(groups.map(f)), shape: outShape };
}

export const sumOf = (v: number[]) => v.reduce((a, b) => a + b, 0);
export const meanOf = (v: number[]) => sumOf(v) / v.length;
export const maxOf = (v: number[]) => Math.max(...v);
export const minOf = (v: number[]) => Math.min(...v);
export const varOf = (unbiased: boolean) => (v: number[]) => {
  const m = meanOf(v);
  return v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - (unbiased ? 1 : 0));
};
