/** Fills a tensor with a constant on the GPU (no CPU-side array, no upload). */
import type { Tensor } from '../tensor/tensor.js';
import { grid1d, run } from './dispatch.js';

export function fill(t: Tensor, value: number): void {
  if (t.dtype === 'i32') {
    // The kernel writes f32 bits; an i32 constant goes up as data instead.
    t.write(new Int32Array(t.size).fill(value));
    return;
  }
  run('elementwise', 'elementwise_fill', { y: t }, { n: t.size, op: 0, alpha: value, beta: 0 }, grid1d(t.size));
}
