/**
 * ImageNet-C corruptions on the GPU, as the `imagecorruptions` package codes them: 15 common + 4 extra, each at
 * severities 1…5 from one of two tables — 224 (ImageNet-C and imagecorruptions, which applies them at any size;
 * neural_cotraining's on-the-fly tests run them on 64 px Tiny ImageNet) or 64 (Tiny-ImageNet-C,
 * make_tinyimagenet_c.py). Images are f32 [N, C, H, W] in [0, 1], C = 1 or 3. Image n of a call is corrupted
 * with the random stream of (corruption, severity, seed, firstIndex + n), so it gets the same corruption in any
 * batch.
 *
 * Two modes. Float (default): outputs stay in float (no final 8-bit rounding), pixelate averages in float, JPEG
 * uses a float DCT (a few grey levels from libjpeg on whole blocks). Canonical (`canonical: true`, for corrupted
 * evaluation sets comparable with published ImageNet-C / TIN-C figures): imagecorruptions' uint8 steps — the
 * input as uint8 (round(255·x)), a gray image stacked to RGB as its corrupt() does, pixelate with PIL's 8-bit BOX
 * and NEAREST (uint8 low-resolution image), JPEG with libjpeg's integer DCTs (bit-exact with PIL), and the result
 * cast with np.uint8 (truncation of 255·y); gray inputs (and `gray: true`) come back as PIL's convert('L') of
 * the corrupted RGB. Checked against tools/gen-corrupt-fixtures.py (test/corrupt-canonical.test.ts).
 * glass blur's uint8 intermediate, snow's rounded layer and spatter's uint8 liquid are 8-bit in both modes.
 *
 * Where we differ from the reference code (bethgelab/imagecorruptions corruptions.py; hendrycks' make_tinyimagenet_c.py):
 * - random draws come from our counter-based streams, not numpy's: random corruptions match the original in
 *   distribution, not pixel by pixel;
 * - frost: a procedural ice layer replaces the frost photographs (not shippable) unless `frostPhotos` holds them;
 * - motion blur and snow use imagecorruptions' numpy shift kernel (hendrycks' 64 px script uses ImageMagick),
 *   pixelate upsamples with NEAREST and zoom layers are trimmed top-left (imagecorruptions), for both tables;
 * - elastic: table 224 is imagecorruptions' (no affine, σ = 0.01·(H, W), α = 250·c, U(±0.005·H)); table 64 is
 *   Tiny-ImageNet-C's (random affine, then α = c₀·H, σ = c₁·H, U(±1)), with 64 read as the image height;
 * - spatter: the uint8 cast of the liquid layer saturates at 255 instead of wrapping;
 * - gray images (C = 1) in float mode: saturate is the identity (the original's round trip through hue 0 returns
 *   V for channel 0), brightness is clip(x + c), jpeg codes luma only (what PIL does for gray saved as RGB and
 *   converted back), frost/spatter/snow blend the luma of their colour layers, motion blur runs per channel
 *   (imagecorruptions' gray path raises an IndexError there).
 */
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { gaussianNoise, impulseNoise, shotNoise, speckleNoise } from './noise.js';
import type { CorruptKey } from './keys.js';
import { corruptionKey, CORRUPTIONS, elasticParams, isCorruptionName, SEVERITIES, type CorruptionName, type SeverityTable } from './catalogue.js';
import { defocusBlur, gaussianBlur, glassBlur, motionAngles, motionBlur, zoomBlur } from './blur.js';
import { fog, frost, frostPhoto, snow } from './weather.js';
import { brightness, contrast, convertChannels, elastic, pixelate, pixelate8, quantize8, saturate } from './digital.js';
import { frostPhotoLayer, type FrostPhotos } from './frost-photos.js';
import { jpegCompress } from './jpeg.js';
import { spatter } from './spatter.js';

type Apply = (x: Tensor, p: readonly number[], key: CorruptKey, table: SeverityTable, opts: CorruptOptions) => Tensor;

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
  frost: (x, [a, b], k, _t, o) => (o.frostPhotos ? frostWithPhotos(x, a, b, k, o.frostPhotos) : frost(x, a, b, k)),
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

/** The canonical mode's own steps; the other corruptions run as in float mode on the uint8 input. */
const CANONICAL: Partial<Record<CorruptionName, Apply>> = {
  pixelate: (x, [c]) => pixelate8(x, c),
  jpeg_compression: (x, [q]) => jpegCompress(x, q, true),
};
/** PIL returns these as uint8 images: their results are already on the 8-bit grid, with no truncation step. */
const UINT8_RESULT: ReadonlySet<CorruptionName> = new Set(['pixelate', 'jpeg_compression']);

function frostWithPhotos(x: Tensor, a: number, b: number, key: CorruptKey, photos: FrostPhotos): Tensor {
  const [n, , h, w] = x.shape;
  const layer = x.engine.tensor(frostPhotoLayer(photos, n, h, w, key), [n, 3, h, w]);
  const y = frostPhoto(x, a, b, layer);
  layer.dispose();
  return y;
}

export interface CorruptOptions {
  /** Any u32; with firstIndex it fixes every random draw. */
  seed: number;
  /** Dataset index of images[0] (default 0). */
  firstIndex?: number;
  /** Severity table (default 224, imagecorruptions'). */
  table?: SeverityTable;
  /** imagecorruptions' 8-bit steps (see the module note); default false (float). */
  canonical?: boolean;
  /**
   * Return gray [N, 1, H, W] from RGB images: corrupt the RGB image, then take its luma (PIL's convert('L') in
   * canonical mode, ITU-R 601 in float), as the original pipeline makes gray models' corrupted sets.
   */
  gray?: boolean;
  /** imagecorruptions' frost photographs (loadFrostPhotos(dir) in Node); without them, the procedural layer. */
  frostPhotos?: FrostPhotos;
}

/**
 * Corrupts images [N, C, H, W] in [0, 1] with `name` at `severity` 1…5; a new tensor, not differentiable. Its
 * shape is the input's, or [N, 1, H, W] with `gray`.
 */
export function corrupt(images: Tensor, name: string, severity: number, opts: CorruptOptions): Tensor {
  if (!isCorruptionName(name)) throw new ShapeError(`corrupt: unknown corruption '${name}' (one of ${CORRUPTIONS.join(', ')})`);
  if (!Number.isInteger(severity) || severity < 1 || severity > 5) throw new ArgumentError(`corrupt ${name}: severity must be 1…5, got ${severity}`);
  const { seed, firstIndex = 0, table = 224 } = opts;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ArgumentError(`corrupt ${name}: seed must be a u32, got ${seed}`);
  if (!Number.isInteger(firstIndex) || firstIndex < 0) throw new ArgumentError(`corrupt ${name}: firstIndex must be an integer ≥ 0, got ${firstIndex}`);
  if (table !== 64 && table !== 224) throw new ArgumentError(`corrupt ${name}: table must be 64 or 224, got ${String(table)}`);
  if (opts.gray && images.shape[1] !== 3) throw new ArgumentError(`corrupt ${name}: gray output needs RGB images, got ${images.describe()}`);
  const key = corruptionKey(name, severity, seed, firstIndex);
  const p = SEVERITIES[table][name][severity - 1];
  const e = images.engine;
  return e.noGrad(() => e.scope(() => {
    if (!opts.canonical) {
      const y = APPLY[name](images, p, key, table, opts);
      return opts.gray ? convertChannels(y, 'float') : y;
    }
    const gray = opts.gray || images.shape[1] === 1;
    const x8 = quantize8(images.shape[1] === 1 ? convertChannels(images) : images, 'round');
    const y = (CANONICAL[name] ?? APPLY[name])(x8, p, key, table, opts);
    const y8 = UINT8_RESULT.has(name) ? y : quantize8(y, 'trunc');
    return gray ? convertChannels(y8, 'pil') : y8;
  }));
}
