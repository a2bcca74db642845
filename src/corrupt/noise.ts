/**
 * Noise corruptions of images [N, C, H, W] in [0, 1] (kernels/corrupt-noise.wgsl), keyed as in ./keys.ts, and
 * the image check every corruption op shares.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import type { CorruptKey } from './keys.js';
import { expectF32, run } from '../ops/dispatch.js';

/** Throws unless x is f32 [N, C, H, W] with C = 1 or 3 and N within one dispatch dimension. */
export function expectImages(op: string, x: Tensor): void {
  expectF32(op, x);
  const [n, c, h, w] = x.shape;
  if (x.rank !== 4 || (c !== 1 && c !== 3) || h < 1 || w < 1 || n < 1 || n * c > 65535) {
    throw new ShapeError(`${op}: images must be f32 [N, C, H, W] with C = 1 or 3 and N·C ≤ 65535, got ${x.describe()}`);
  }
}

function keyParams(key: CorruptKey): { first: number; seed: number; tag: number } {
  return { first: key.first >>> 0, seed: key.seed >>> 0, tag: key.tag >>> 0 };
}

function perElement(entry: string, x: Tensor, c: number, key: CorruptKey): Tensor {
  expectImages(entry, x);
  const n = x.shape[0];
  const per = x.size / n;
  const y = x.engine.empty(x.shape, 'f32', entry);
  run('corrupt-noise', entry, { x, y }, { per_image: per, ...keyParams(key), c, shift: 0, kind: 0 },
    [Math.ceil(per / 256), n]);
  return y;
}

/** clip(x + std·Z). */
export function gaussianNoise(x: Tensor, std: number, key: CorruptKey): Tensor {
  return perElement('corrupt_noise_gaussian', x, std, key);
}

/** clip(x + x·std·Z) (speckle). */
export function speckleNoise(x: Tensor, std: number, key: CorruptKey): Tensor {
  return perElement('corrupt_noise_speckle', x, std, key);
}

/** clip(Poisson(x·rate)/rate) (shot noise); `rate` > 0. */
export function shotNoise(x: Tensor, rate: number, key: CorruptKey): Tensor {
  if (!(rate > 0)) throw new ShapeError(`shotNoise: rate must be > 0, got ${rate}`);
  return perElement('corrupt_noise_shot', x, rate, key);
}

/** Salt and pepper: each element becomes 1 or 0 (even odds) with probability `amount`. */
export function impulseNoise(x: Tensor, amount: number, key: CorruptKey): Tensor {
  return perElement('corrupt_noise_impulse', x, amount, key);
}

/** A random field [N, 1, H, W]: shift + scale·Z ('normal') or shift + scale·U[−1, 1) ('uniform'). */
export function noiseField(engine: Engine, shape: readonly [number, number, number], kind: 'normal' | 'uniform',
  scale: number, shift: number, key: CorruptKey): Tensor {
  const [n, h, w] = shape;
  const y = engine.empty([n, 1, h, w], 'f32', 'corrupt_noise_field');
  run('corrupt-noise', 'corrupt_noise_field', { y }, {
    per_image: h * w, ...keyParams(key), c: scale, shift, kind: kind === 'uniform' ? 1 : 0,
  }, [Math.ceil((h * w) / 256), n]);
  return y;
}
