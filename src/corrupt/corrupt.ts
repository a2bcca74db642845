/**
 * ImageNet-C corruptions on the GPU, as the `imagecorruptions` package codes them: 15 common + 4 extra, each at
 * severities 1…5 from one of two tables — 224 (ImageNet-C and imagecorruptions, which applies them at any size;
 * neural_cotraining's on-the-fly tests run them on 64 px Tiny ImageNet) or 64 (Tiny-ImageNet-C,
 * make_tinyimagenet_c.py). Images are f32 [N, C, H, W] in [0, 1], C = 1 or 3. Image n of a call is corrupted
 * with the random stream of (corruption, severity, seed, firstIndex + n), so it gets the same corruption in any
 * batch. Outputs stay in float (no 8-bit rounding), except JPEG's, which is 8-bit by nature.
 *
 * Where we differ from the reference code (bethgelab/imagecorruptions corruptions.py; hendrycks' make_tinyimagenet_c.py):
 * - frost is NOT canonical: a procedural ice layer replaces the frost photographs (not shippable);
 * - motion blur and snow use imagecorruptions' numpy shift kernel (hendrycks' 64 px script uses ImageMagick),
 *   pixelate upsamples with NEAREST and zoom layers are trimmed top-left (imagecorruptions), for both tables;
 * - elastic: table 224 is imagecorruptions' (no affine, σ = 0.01·(H, W), α = 250·c, U(±0.005·H)); table 64 is
 *   Tiny-ImageNet-C's (random affine, then α = c₀·H, σ = c₁·H, U(±1)), with 64 read as the image height;
 * - jpeg: float DCT and rounding where libjpeg uses integer arithmetic (within a grey level or so of PIL);
 * - spatter: the uint8 cast of the liquid layer saturates at 255 instead of wrapping;
 * - gray images (C = 1): saturate is the identity (the original's round trip through hue 0 returns V for
 *   channel 0), brightness is clip(x + c), jpeg codes luma only (what PIL does for gray saved as RGB and
 *   converted back), frost/spatter/snow blend the luma of their colour layers, motion blur runs per channel
 *   (imagecorruptions' gray path raises an IndexError there).
 */
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { gaussianNoise, impulseNoise, shotNoise, speckleNoise } from './noise.js';
import type { CorruptKey } from './keys.js';
import { corruptionKey, CORRUPTIONS, elasticParams, isCorruptionName, SEVERITIES, type CorruptionName, type SeverityTable } from './catalogue.js';
import { defocusBlur, gaussianBlur, glassBlur, motionAngles, motionBlur, zoomBlur } from './blur.js';
import { fog, frost, snow } from './weather.js';
import { brightness, contrast, elastic, pixelate, saturate } from './digital.js';
import { jpegCompress } from './jpeg.js';
import { spatter } from './spatter.js';

type Apply = (x: Tensor, p: readonly number[], key: CorruptKey, table: SeverityTable) => Tensor;

const APPLY: Readonly<Record<CorruptionName, Apply>> = {
  gaussian_noise: (x, [c], k) => gaussianNoise(x, c, k),
  shot_noise: (x, [c], k) => shotNoise(x, c, k),
  impulse_noise: (x, [c], k) => impulseNoise(x, c, k),
  defocus_blur: (x, [r, a]) => defocusBlur(x, r, a),
  glass_blur: (x, [s, d, it], k) => glassBlur(x, s, d, it, k),
  motion_blur: (x, [r, s], k) => motionBlur(x, r, s, motionAngles(k, x.shape[0])),
  zoom_blur: (x, factors) => zoomBlur(x, factors),
  snow: (x, [mu, sigma, zoom, thresh, radius, blurSigma, blend], k) =>
    snow(x, { mu, sigma, zoom, thresh, radius, blurSigma, blend }, k),
  frost: (x, [a, b], k) => frost(x, a, b, k),
  fog: (x, [a, d], k) => fog(x, a, d, k),
  brightness: (x, [c]) => brightness(x, c),
  contrast: (x, [c]) => contrast(x, c),
  elastic_transform: (x, p, k, table) => elastic(x, elasticParams(p, table, x.shape[2], x.shape[3]), k),
  pixelate: (x, [c]) => pixelate(x, c),
  jpeg_compression: (x, [q]) => jpegCompress(x, q),
  speckle_noise: (x, [c], k) => speckleNoise(x, c, k),
  gaussian_blur: (x, [s]) => gaussianBlur(x, s),
  spatter: (x, [mu, sigma, blur, thresh, k, mode], key) =>
    spatter(x, { mu, sigma, blur, thresh, k, mode: mode === 1 ? 1 : 0 }, key),
  saturate: (x, [s, b]) => saturate(x, s, b),
};

export interface CorruptOptions {
  /** Any u32; with firstIndex it fixes every random draw. */
  seed: number;
  /** Dataset index of images[0] (default 0). */
  firstIndex?: number;
  /** Severity table (default 224, imagecorruptions'). */
  table?: SeverityTable;
}

/** Corrupts images [N, C, H, W] in [0, 1] with `name` at `severity` 1…5; a new tensor, not differentiable. */
export function corrupt(images: Tensor, name: string, severity: number, opts: CorruptOptions): Tensor {
  if (!isCorruptionName(name)) throw new ShapeError(`corrupt: unknown corruption '${name}' (one of ${CORRUPTIONS.join(', ')})`);
  if (!Number.isInteger(severity) || severity < 1 || severity > 5) throw new ArgumentError(`corrupt ${name}: severity must be 1…5, got ${severity}`);
  const { seed, firstIndex = 0, table = 224 } = opts;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ArgumentError(`corrupt ${name}: seed must be a u32, got ${seed}`);
  if (!Number.isInteger(firstIndex) || firstIndex < 0) throw new ArgumentError(`corrupt ${name}: firstIndex must be an integer ≥ 0, got ${firstIndex}`);
  if (table !== 64 && table !== 224) throw new ArgumentError(`corrupt ${name}: table must be 64 or 224, got ${String(table)}`);
  const key = corruptionKey(name, severity, seed, firstIndex);
  return images.engine.noGrad(() => APPLY[name](images, SEVERITIES[table][name][severity - 1], key, table));
}
