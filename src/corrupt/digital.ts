/**
 * Digital corruptions over kernels/corrupt-digital.wgsl: brightness and saturate (HSV), contrast, elastic
 * transform (optional random affine, then a smoothed random displacement field), pixelate (float, or canonical
 * on 8-bit samples) and the uint8 steps of the canonical mode. JPEG lives in jpeg.ts.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { run } from '../ops/dispatch.js';
import { mean } from '../ops/reduce.js';
import { expectImages, noiseField } from './noise.js';
import { imageUniforms, substream, type CorruptKey } from './keys.js';
import { gaussianFilter } from './blur.js';
import { pixelateTable } from './pil.js';

function pixels(x: Tensor, z = x.shape[0]): [number, number, number] {
  return [Math.ceil(x.shape[3] / 8), Math.ceil(x.shape[2] / 8), z];
}

function digitalParams(x: Tensor, extra: { mode?: number; lw?: number; lh?: number; c0?: number; c1?: number }) {
  const [, c, h, w] = x.shape;
  return { w, h, c, mode: extra.mode ?? 0, lw: extra.lw ?? 0, lh: extra.lh ?? 0, c0: extra.c0 ?? 0, c1: extra.c1 ?? 0 };
}

function hsv(x: Tensor, mode: 0 | 1, c0: number, c1: number): Tensor {
  expectImages(mode === 0 ? 'brightness' : 'saturate', x);
  const y = x.engine.empty(x.shape, 'f32', mode === 0 ? 'brightness' : 'saturate');
  run('corrupt-digital', 'corrupt_digital_hsv', { x, y }, digitalParams(x, { mode, c0, c1 }), pixels(x));
  return y;
}

/** HSV value + c, clipped (gray images: clip(x + c)). */
export function brightness(x: Tensor, c: number): Tensor {
  return hsv(x, 0, c, 0);
}

/** HSV saturation·scale + shift, clipped; gray images pass through unchanged (as in imagecorruptions). */
export function saturate(x: Tensor, scale: number, shift: number): Tensor {
  return hsv(x, 1, scale, shift);
}

/** (x − μ)·c + μ with μ the mean of each image's channel, clipped. */
export function contrast(x: Tensor, c: number): Tensor {
  expectImages('contrast', x);
  const [n, ch] = x.shape;
  const means = x.engine.noGrad(() => mean(x, [2, 3]));
  const y = x.engine.empty(x.shape, 'f32', 'contrast');
  run('corrupt-digital', 'corrupt_digital_contrast', { x, dx: means, y }, digitalParams(x, { c0: c }), pixels(x, n * ch));
  means.dispose();
  return y;
}

/** The low-resolution size of pixelate with factor c (PIL's int(W·c), int(H·c)). */
function lowRes(x: Tensor, c: number): [number, number] {
  const [, , h, w] = x.shape;
  const lh = Math.trunc(h * c);
  const lw = Math.trunc(w * c);
  if (lw < 1 || lh < 1 || c > 1) throw new ShapeError(`pixelate: factor ${c} does not fit ${x.describe()}`);
  return [lh, lw];
}

function pixelateWith(entry: string, x: Tensor, c: number): Tensor {
  expectImages('pixelate', x);
  const [lh, lw] = lowRes(x, c);
  const table = x.engine.tensor(pixelateTable(x.shape[2], x.shape[3], lh, lw));
  const y = x.engine.empty(x.shape, 'f32', 'pixelate');
  run('corrupt-digital', entry, { x, dx: table, y }, digitalParams(x, { lw, lh }), pixels(x));
  table.dispose();
  return y;
}

/** PIL resize to ⌊W·c⌋ × ⌊H·c⌋ with BOX, then back with NEAREST (imagecorruptions' pixelate), in float. */
export function pixelate(x: Tensor, c: number): Tensor {
  return pixelateWith('corrupt_digital_pixelate', x, c);
}

/** Canonical pixelate: Pillow's 8-bit BOX reduction (uint8 low-resolution intermediate) and NEAREST enlargement. */
export function pixelate8(x: Tensor, c: number): Tensor {
  return pixelateWith('corrupt_digital_pixelate_u8', x, c);
}

/** numpy's uint8 steps on [0, 1] images: 'round' to the 8-bit grid (a uint8 input) or 'trunc' (np.uint8 of 255·x). */
export function quantize8(x: Tensor, how: 'round' | 'trunc'): Tensor {
  expectImages('quantize8', x);
  const y = x.engine.empty(x.shape, 'f32', `quantize8 ${how}`);
  run('corrupt-digital', 'corrupt_digital_quantize', { x, y }, digitalParams(x, { mode: how === 'round' ? 0 : 1 }), pixels(x));
  return y;
}

/** Gray [N, 1, H, W] → 3 equal channels, or RGB → luma: 'float' (ITU-R 601) or 'pil' (convert('L') on 8 bits). */
export function convertChannels(x: Tensor, luma: 'float' | 'pil' = 'float'): Tensor {
  expectImages('convertChannels', x);
  const [n, c, h, w] = x.shape;
  const y = x.engine.empty([n, c === 1 ? 3 : 1, h, w], 'f32', c === 1 ? 'gray to rgb' : 'luma');
  run('corrupt-digital', 'corrupt_digital_channels', { x, y }, digitalParams(x, { mode: luma === 'pil' ? 1 : 0 }), pixels(x));
  return y;
}

type Point = readonly [number, number];

/** The affine map (a, b, c, d, e, f): (x, y) ↦ (a·x + b·y + c, d·x + e·y + f) taking src[k] to dst[k]. */
export function affineFrom3(src: readonly Point[], dst: readonly Point[]): number[] {
  const [[x0, y0], [x1, y1], [x2, y2]] = src;
  const det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1);
  if (det === 0) throw new ArgumentError('affineFrom3: source points are collinear');
  const solve = (v0: number, v1: number, v2: number) => [
    (v0 * (y1 - y2) - y0 * (v1 - v2) + (v1 * y2 - v2 * y1)) / det,
    (x0 * (v1 - v2) - v0 * (x1 - x2) + (x1 * v2 - x2 * v1)) / det,
    (x0 * (y1 * v2 - y2 * v1) - y0 * (x1 * v2 - x2 * v1) + v0 * (x1 * y2 - x2 * y1)) / det,
  ];
  return [...solve(dst[0][0], dst[1][0], dst[2][0]), ...solve(dst[0][1], dst[1][1], dst[2][1])];
}

/**
 * Tiny-ImageNet-C's random affine of image n: the points centre ± min(H, W)//3 (as the original builds them
 * from (H//2, W//2)) each moved by U(−delta, delta) (sub-stream 3, counters 0…5); returns the inverse map
 * (output pixel → source pixel), which is what cv2.warpAffine samples with.
 */
export function elasticAffine(h: number, w: number, delta: number, key: CorruptKey, n: number): number[] {
  const c0 = Math.floor(h / 2);
  const c1 = Math.floor(w / 2);
  const s = Math.floor(Math.min(h, w) / 3);
  const pts1: Point[] = [[c0 + s, c1 + s], [c0 + s, c1 - s], [c0 - s, c1 - s]];
  const u = imageUniforms(substream(key, 3), n, 6);
  const pts2: Point[] = pts1.map(([a, b], k) => [a - delta + 2 * delta * u[2 * k], b - delta + 2 * delta * u[2 * k + 1]]);
  return affineFrom3(pts2, pts1);
}

/** Elastic parameters in pixels: displacement gain α, field smoothing σ (rows, columns), field amplitude, affine δ. */
export interface ElasticParams { alpha: number; sigma: readonly [number, number]; noise: number; affine: number }

/**
 * Elastic transform: optionally the random affine (cv2.warpAffine, reflect-101), then displacements
 * α·gaussian(U(−noise, noise), σ, 'reflect', truncate 3) per axis, sampled with map_coordinates (order 1,
 * 'reflect'), clipped. Fields: dx sub-stream 1, dy sub-stream 2.
 */
export function elastic(x: Tensor, p: ElasticParams, key: CorruptKey): Tensor {
  expectImages('elastic', x);
  const [n, , h, w] = x.shape;
  const e = x.engine;
  let src = x;
  if (p.affine > 0) {
    const rows = new Float32Array(8 * n);
    for (let i = 0; i < n; i++) {
      const [a, b, c, d, f, g] = elasticAffine(h, w, p.affine, key, i);
      rows.set([a, b, c, 0, d, f, g, 0], 8 * i);
    }
    const aux = e.tensor(rows);
    src = e.empty(x.shape, 'f32', 'elastic affine');
    run('corrupt-digital', 'corrupt_digital_affine', { x, aux, y: src }, digitalParams(x, {}), pixels(x));
    aux.dispose();
  }
  const field = (s: number) => {
    const raw = noiseField(e, [n, h, w], 'uniform', p.noise, 0, substream(key, s));
    const smooth = gaussianFilter(raw, p.sigma, { truncate: 3, border: 'symmetric' });
    raw.dispose();
    return smooth;
  };
  const dx = field(1);
  const dy = field(2);
  const y = e.empty(x.shape, 'f32', 'elastic');
  run('corrupt-digital', 'corrupt_digital_elastic', { x: src, dx, dy, y }, digitalParams(x, { c0: p.alpha }), pixels(x));
  for (const t of [dx, dy]) t.dispose();
  if (src !== x) src.dispose();
  return y;
}
