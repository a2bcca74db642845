/**
 * Random tensors and dropout on the GPU from the counter-based generator (kernels/lib/random.wgsl): element i
 * uses counter i of stream `key`, so a result is a pure function of (key, shape) and src/random/pcg.ts
 * reproduces it on the CPU.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { expectF32, grid1d, run } from './dispatch.js';
import { reshape } from './movement.js';

export type RandomKey = readonly [number, number];

/** Keys wrap to u32 exactly as src/random/pcg.ts does, so any pair of numbers names the same stream on both. */
function u32Key(key: RandomKey): [number, number] {
  return [key[0] >>> 0, key[1] >>> 0];
}

function draw(engine: Engine, entry: 'random_uniform' | 'random_normal', shape: readonly number[], key: RandomKey,
  scale: number, shift: number): Tensor {
  const y = engine.empty(shape, 'f32', entry);
  run('random', entry, { y }, { key: u32Key(key), n: y.size, p: 0, scale, shift }, grid1d(y.size));
  return y;
}

/** Uniform values in [lo, hi): lo + (hi − lo)·u with u on a 2⁻²⁴ grid in [0, 1). Not differentiable. */
export function randomUniform(engine: Engine, shape: number[], key: RandomKey, lo = 0, hi = 1): Tensor {
  if (!(hi >= lo)) throw new ShapeError(`randomUniform: need lo ≤ hi, got [${lo}, ${hi})`);
  return draw(engine, 'random_uniform', shape, key, hi - lo, lo);
}

/** Normal values mean + std·z, z standard normal by Box–Muller. Not differentiable. */
export function randomNormal(engine: Engine, shape: number[], key: RandomKey, mean = 0, std = 1): Tensor {
  if (!(std >= 0)) throw new ArgumentError(`randomNormal: std must be ≥ 0, got ${std}`);
  return draw(engine, 'random_normal', shape, key, std, mean);
}

function applyMask(src: Tensor, p: number, key: [number, number]): Tensor {
  const y = src.engine.empty(src.shape, 'f32', 'dropout');
  // p = 1 drops everything; a zero scale keeps the kernel free of 1/0.
  const scale = p === 1 ? 0 : 1 / (1 - p);
  run('random', 'random_dropout', { x: src, y }, { key, n: y.size, p, scale, shift: 0 }, grid1d(y.size));
  return y;
}

/**
 * Inverted dropout: each element is zeroed with probability p and the rest are scaled by 1/(1 − p). The mask
 * for element i is U(key, i) < p, regenerated in backward rather than stored. With `training` false the input
 * passes through unchanged (as a new handle, so disposing the result leaves x alone).
 */
export function dropout(x: Tensor, p: number, key: RandomKey, training = true): Tensor {
  expectF32('dropout', x);
  if (!(p >= 0 && p <= 1)) throw new ShapeError(`dropout: p must be in [0, 1], got ${p} for ${x.describe()}`);
  if (!training) return reshape(x, x.shape);
  const k = u32Key(key);
  const y = applyMask(x, p, k);
  x.engine.record('dropout', [x], [y], ([dy]) => [applyMask(dy!, p, k)]);
  return y;
}
