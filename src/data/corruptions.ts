/**
 * ImageNet-C corruptions on the GPU, as the `imagecorruptions` package codes them: 15 common + 4 extra, each at
 * severities 1…5 from one of two tables — 224 (ImageNet-C and imagecorruptions, which applies them at any size;
 * neural_cotraining's on-the-fly tests run them on 64 px Tiny ImageNet) or 64 (Tiny-ImageNet-C,
 * make_tinyimagenet_c.py). Images are f32 [N, C, H, W] in [0, 1], C = 1 or 3. Image n of a call is corrupted
 * with the random stream of (corruption, severity, seed, firstIndex + n), so it gets the same corruption in any
 * batch. Outputs stay in float (no 8-bit rounding), except JPEG's, which is 8-bit by nature.
 *
 * Where we differ from the reference code (spec: data.md §1):
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
import { gaussianNoise, impulseNoise, shotNoise, speckleNoise, type CorruptKey } from '../ops/corrupt-noise.js';
import { arange, defocusBlur, gaussianBlur, glassBlur, motionAngles, motionBlur, zoomBlur } from '../ops/corrupt-blur.js';
import { fog, frost, snow } from '../ops/corrupt-weather.js';
import { brightness, contrast, elastic, pixelate, saturate, type ElasticParams } from '../ops/corrupt-digital.js';
import { jpegCompress } from '../ops/corrupt-jpeg.js';
import { spatter } from '../ops/corrupt-spatter.js';

export const COMMON_CORRUPTIONS = [
  'gaussian_noise', 'shot_noise', 'impulse_noise', 'defocus_blur', 'glass_blur', 'motion_blur', 'zoom_blur',
  'snow', 'frost', 'fog', 'brightness', 'contrast', 'elastic_transform', 'pixelate', 'jpeg_compression',
] as const;
export const EXTRA_CORRUPTIONS = ['speckle_noise', 'gaussian_blur', 'spatter', 'saturate'] as const;
/** imagecorruptions' order: the 15 common, then the 4 extra ("validation") corruptions. */
export const CORRUPTIONS = [...COMMON_CORRUPTIONS, ...EXTRA_CORRUPTIONS] as const;
export type CorruptionName = (typeof CORRUPTIONS)[number];
export type SeverityTable = 64 | 224;

/** False for frost, whose ice layer is procedural (see the module note). */
export function isCanonical(name: CorruptionName): boolean {
  return name !== 'frost';
}

type Levels = readonly (readonly number[])[];
const each = (...v: number[]): Levels => v.map((c) => [c]);

/**
 * Severity parameters 1…5 per table, as tuples in the reference code's order (scalars as 1-tuples). zoom_blur
 * holds the factor lists themselves (numpy.arange with float end points: 12, 16, 11, 13, 11 and 7, 12, 16, 21, 26
 * factors). elastic_transform: table 224 holds imagecorruptions' c (α = 250·c), table 64 Tiny-ImageNet-C's
 * (α, σ, δ) as fractions of the image size.
 */
export const SEVERITIES: Readonly<Record<SeverityTable, Readonly<Record<CorruptionName, Levels>>>> = {
  224: {
    gaussian_noise: each(0.08, 0.12, 0.18, 0.26, 0.38),
    shot_noise: each(60, 25, 12, 5, 3),
    impulse_noise: each(0.03, 0.06, 0.09, 0.17, 0.27),
    defocus_blur: [[3, 0.1], [4, 0.5], [6, 0.5], [8, 0.5], [10, 0.5]],
    glass_blur: [[0.7, 1, 2], [0.9, 2, 1], [1, 2, 3], [1.1, 3, 2], [1.5, 4, 2]],
    motion_blur: [[10, 3], [15, 5], [15, 8], [15, 12], [20, 15]],
    zoom_blur: [arange(1, 1.11, 0.01), arange(1, 1.16, 0.01), arange(1, 1.21, 0.02), arange(1, 1.26, 0.02), arange(1, 1.31, 0.03)],
    snow: [[0.1, 0.3, 3, 0.5, 10, 4, 0.8], [0.2, 0.3, 2, 0.5, 12, 4, 0.7], [0.55, 0.3, 4, 0.9, 12, 8, 0.7],
      [0.55, 0.3, 4.5, 0.85, 12, 8, 0.65], [0.55, 0.3, 2.5, 0.85, 12, 12, 0.55]],
    frost: [[1, 0.4], [0.8, 0.6], [0.7, 0.7], [0.65, 0.7], [0.6, 0.75]],
    fog: [[1.5, 2], [2, 2], [2.5, 1.7], [2.5, 1.5], [3, 1.4]],
    brightness: each(0.1, 0.2, 0.3, 0.4, 0.5),
    contrast: each(0.4, 0.3, 0.2, 0.1, 0.05),
    elastic_transform: each(0.05, 0.065, 0.085, 0.1, 0.12),
    pixelate: each(0.6, 0.5, 0.4, 0.3, 0.25),
    jpeg_compression: each(25, 18, 15, 10, 7),
    speckle_noise: each(0.15, 0.2, 0.35, 0.45, 0.6),
    gaussian_blur: each(1, 2, 3, 4, 6),
    spatter: [[0.65, 0.3, 4, 0.69, 0.6, 0], [0.65, 0.3, 3, 0.68, 0.6, 0], [0.65, 0.3, 2, 0.68, 0.5, 0],
      [0.65, 0.3, 1, 0.65, 1.5, 1], [0.67, 0.4, 1, 0.65, 1.5, 1]],
    saturate: [[0.3, 0], [0.1, 0], [2, 0], [5, 0.1], [20, 0.2]],
  },
  64: {
    gaussian_noise: each(0.04, 0.08, 0.12, 0.15, 0.18),
    shot_noise: each(250, 100, 50, 30, 15),
    impulse_noise: each(0.01, 0.02, 0.05, 0.08, 0.14),
    defocus_blur: [[0.5, 0.6], [1, 0.1], [1.5, 0.1], [2.5, 0.01], [3, 0.1]],
    glass_blur: [[0.1, 1, 1], [0.5, 1, 1], [0.6, 1, 2], [0.7, 2, 1], [0.9, 2, 2]],
    motion_blur: [[10, 1], [10, 1.5], [10, 2], [10, 2.5], [12, 3]],
    zoom_blur: [arange(1, 1.06, 0.01), arange(1, 1.11, 0.01), arange(1, 1.16, 0.01), arange(1, 1.21, 0.01), arange(1, 1.26, 0.01)],
    snow: [[0.1, 0.2, 1, 0.6, 8, 3, 0.8], [0.1, 0.2, 1, 0.5, 10, 4, 0.8], [0.15, 0.3, 1.75, 0.55, 10, 4, 0.7],
      [0.25, 0.3, 2.25, 0.6, 12, 6, 0.65], [0.3, 0.3, 1.25, 0.65, 14, 12, 0.6]],
    frost: [[1, 0.3], [0.9, 0.4], [0.8, 0.45], [0.75, 0.5], [0.7, 0.55]],
    fog: [[0.4, 3], [0.7, 3], [1, 2.5], [1.5, 2], [2, 1.75]],
    brightness: each(0.1, 0.2, 0.3, 0.4, 0.5),
    contrast: each(0.4, 0.3, 0.2, 0.1, 0.05),
    elastic_transform: [[0, 0, 0.08], [0.05, 0.3, 0.06], [0.1, 0.08, 0.06], [0.1, 0.03, 0.03], [0.16, 0.03, 0.02]],
    pixelate: each(0.9, 0.8, 0.7, 0.6, 0.5),
    jpeg_compression: each(65, 58, 50, 40, 25),
    speckle_noise: each(0.15, 0.2, 0.25, 0.3, 0.35),
    gaussian_blur: each(0.5, 0.75, 1, 1.25, 1.5),
    spatter: [[0.62, 0.1, 0.7, 0.7, 0.6, 0], [0.65, 0.1, 0.8, 0.7, 0.6, 0], [0.65, 0.3, 1, 0.69, 0.6, 0],
      [0.65, 0.1, 0.7, 0.68, 0.6, 1], [0.65, 0.1, 0.5, 0.67, 0.6, 1]],
    saturate: [[0.3, 0], [0.1, 0], [2, 0], [5, 0.1], [30, 0.2]],
  },
};

/** Elastic parameters in pixels for an H × W image (see SEVERITIES). */
export function elasticParams(p: readonly number[], table: SeverityTable, h: number, w: number): ElasticParams {
  if (table === 224) return { alpha: 250 * p[0], sigma: [0.01 * h, 0.01 * w], noise: 0.005 * h, affine: 0 };
  return { alpha: p[0] * h, sigma: [p[1] * h, p[1] * h], noise: 1, affine: p[2] * h };
}

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

/** The random stream of (corruption, severity, seed, firstIndex); sub-streams use the tag's low 4 bits. */
export function corruptionKey(name: CorruptionName, severity: number, seed: number, firstIndex: number): CorruptKey {
  return { seed: seed >>> 0, tag: ((CORRUPTIONS.indexOf(name) + 1) << 8) | (severity << 4), first: firstIndex >>> 0 };
}

function isName(name: string): name is CorruptionName {
  return (CORRUPTIONS as readonly string[]).includes(name);
}

/** Corrupts images [N, C, H, W] in [0, 1] with `name` at `severity` 1…5; a new tensor, not differentiable. */
export function corrupt(images: Tensor, name: string, severity: number, opts: CorruptOptions): Tensor {
  if (!isName(name)) throw new ShapeError(`corrupt: unknown corruption '${name}' (one of ${CORRUPTIONS.join(', ')})`);
  if (!Number.isInteger(severity) || severity < 1 || severity > 5) throw new ArgumentError(`corrupt ${name}: severity must be 1…5, got ${severity}`);
  const { seed, firstIndex = 0, table = 224 } = opts;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ArgumentError(`corrupt ${name}: seed must be a u32, got ${seed}`);
  if (!Number.isInteger(firstIndex) || firstIndex < 0) throw new ArgumentError(`corrupt ${name}: firstIndex must be an integer ≥ 0, got ${firstIndex}`);
  if (table !== 64 && table !== 224) throw new ArgumentError(`corrupt ${name}: table must be 64 or 224, got ${String(table)}`);
  const key = corruptionKey(name, severity, seed, firstIndex);
  return images.engine.noGrad(() => APPLY[name](images, SEVERITIES[table][name][severity - 1], key, table));
}
