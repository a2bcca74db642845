/**
 * Blur corruptions (gaussian, defocus, motion, zoom, glass) and the filters the other corruptions build on, over
 * kernels/corrupt-blur.wgsl. Kernel weights, per-image motion taps and zoom rows are small tables built here on
 * the CPU (pure functions, also used by src/corrupt/ref/blur.ts); pixels stay on the GPU. Images are
 * [N, C, H, W] and every filter works per plane.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import { run } from '../ops/dispatch.js';
import { expectImages } from './noise.js';
import { imageUniforms, substream, type CorruptKey } from './keys.js';
import { roundHalfEven } from '../numeric.js';

/** Border modes: edge replication, symmetric (scipy 'reflect'), reflect-101 (OpenCV's default). */
export type Border = 'edge' | 'symmetric' | 'reflect101';
const BORDER: Record<Border, number> = { edge: 0, symmetric: 1, reflect101: 2 };
/** What a filter does to its result: nothing, numpy's uint8 cast of 255·v (then /255), or clip to [0, 1]. */
export type Post = 'none' | 'uint8' | 'clip';
const POST: Record<Post, number> = { none: 0, uint8: 1, clip: 2 };

/** scipy's 1-D gaussian weights: radius ⌊truncate·σ + ½⌋, normalised; σ ≤ 1e-15 leaves the axis alone. */
export function gaussianWeights(sigma: number, truncate = 4): Float64Array {
  if (!(sigma > 1e-15)) return Float64Array.of(1);
  const r = Math.trunc(truncate * sigma + 0.5);
  const w = Float64Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp((-0.5 / (sigma * sigma)) * (i - r) ** 2));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/**
 * imagecorruptions' `disk`: the aliased disk X² + Y² ≤ r² on the grid −8…8 (−r…r past r = 8), normalised, then
 * cv2.GaussianBlur (3×3, or 5×5 past r = 8, σ = alias, reflect-101). Returns the square kernel, row-major.
 */
export function diskKernel(radius: number, alias: number): Float64Array {
  const start = radius <= 8 ? -8 : -radius;
  const n = Math.ceil((radius <= 8 ? 9 : radius + 1) - start);
  const disk = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) disk[i * n + j] = (start + i) ** 2 + (start + j) ** 2 <= radius * radius ? 1 : 0;
  const total = disk.reduce((a, b) => a + b, 0);
  const ks = radius <= 8 ? 3 : 5;
  const g = Float64Array.from({ length: ks }, (_, i) => Math.exp(-((i - (ks - 1) / 2) ** 2) / (2 * alias * alias)));
  const gs = g.reduce((a, b) => a + b, 0);
  const fold = (i: number) => (n === 1 ? 0 : i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
  const out = new Float64Array(n * n);
  const r = (ks - 1) / 2;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let a = -r; a <= r; a++) for (let b = -r; b <= r; b++) acc += g[a + r] * g[b + r] * disk[fold(i + a) * n + fold(j + b)];
      out[i * n + j] = acc / (gs * gs * total);
    }
  }
  return out;
}

/**
 * imagecorruptions' `_motion_blur` as taps (dx, dy, weight, 0): 2r + 1 gaussian weights exp(−i²/2σ²)
 * (normalised over all of them), offsets −⌈i·cos θ − ½⌉, −⌈i·sin θ − ½⌉; taps stop where a shift reaches the
 * image size (the rest keep weight 0, so every image has 2r + 1 taps).
 */
export function motionTaps(radius: number, sigma: number, angleDeg: number, h: number, w: number): Float64Array {
  const width = 2 * radius + 1;
  const k = Float64Array.from({ length: width }, (_, i) => Math.exp(-(i * i) / (2 * sigma * sigma)));
  const z = k.reduce((a, b) => a + b, 0);
  const t = (angleDeg * Math.PI) / 180;
  const py = width * Math.sin(t);
  const px = width * Math.cos(t);
  const hyp = Math.hypot(py, px);
  const out = new Float64Array(4 * width);
  for (let i = 0; i < width; i++) {
    const dy = -Math.ceil((i * py) / hyp - 0.5);
    const dx = -Math.ceil((i * px) / hyp - 0.5);
    if (Math.abs(dy) >= h || Math.abs(dx) >= w) break;
    out.set([dx, dy, k[i] / z, 0], 4 * i);
  }
  return out;
}


/**
 * Rows of `clipped_zoom` per factor: (top, scale, last, valid) for rows then columns, where the centre crop of
 * ⌈n/z⌉ starts at top = ⌊(n − crop)/2⌋, scipy's zoom output has round(crop·z) samples at top + i·scale,
 * scale = (crop − 1)/(out − 1), `last` is the crop's last index, and samples i ≥ `valid` are 0: scipy's zoom
 * (mode 'constant') gives cval where i·scale lands past crop − 1 by f64 rounding (e.g. the last row of a 30-row
 * crop zoomed by 1.2000000000000002), measured with scipy 1.10 over 2,688 (size, factor) pairs.
 */
export function zoomAxis(n: number, z: number): { top: number; scale: number; last: number; out: number; valid: number } {
  const crop = Math.ceil(n / z);
  const top = Math.floor((n - crop) / 2);
  const out = roundHalfEven(crop * z);
  const scale = out > 1 ? (crop - 1) / (out - 1) : 0;
  let valid = out;
  while (valid > 0 && (valid - 1) * scale > crop - 1) valid--;
  return { top, scale, last: top + crop - 1, out, valid };
}

export function zoomTable(h: number, w: number, factors: readonly number[]): Float64Array {
  const out = new Float64Array(8 * factors.length);
  factors.forEach((z, i) => {
    const r = zoomAxis(h, z);
    const c = zoomAxis(w, z);
    out.set([r.top, r.scale, r.last, r.valid, c.top, c.scale, c.last, c.valid], 8 * i);
  });
  return out;
}

function planes(x: Tensor): [number, number, number] {
  const [n, c, h, w] = x.shape;
  return [Math.ceil(w / 8), Math.ceil(h / 8), n * c];
}

function filterParams(x: Tensor, extra: { axis?: number; radius?: number; border?: Border; post?: Post; taps?: number }) {
  const [, c, h, w] = x.shape;
  return { w, h, c, axis: extra.axis ?? 0, radius: extra.radius ?? 0, mode: BORDER[extra.border ?? 'edge'],
    post: POST[extra.post ?? 'none'], taps: extra.taps ?? 0 };
}

/** A 1-D correlation along H (axis 0) or W (axis 1) of every plane of x, with odd-length weights held on the GPU. */
function filterAxis(x: Tensor, w: Tensor, axis: 0 | 1, border: Border, post: Post): Tensor {
  const y = x.engine.empty(x.shape, 'f32', 'corrupt_blur_separable');
  run('corrupt-blur', 'corrupt_blur_separable', { x, w, y },
    filterParams(x, { axis, radius: (w.size - 1) / 2, border, post }), planes(x));
  return y;
}

function separable(x: Tensor, weights: Float64Array, axis: 0 | 1, border: Border, post: Post): Tensor {
  const w = x.engine.tensor(Float32Array.from(weights));
  const y = filterAxis(x, w, axis, border, post);
  w.dispose();
  return y;
}

/**
 * A separable filter of every [H, W] plane of x [N, C, H, W]: `rows` along H, then `cols` along W (odd-length
 * weight tensors, uploaded once by the caller, so a captured step can replay it). `post` applies after the second pass.
 */
export function separableFilter(x: Tensor, rows: Tensor, cols: Tensor, border: Border = 'edge', post: Post = 'none'): Tensor {
  const mid = filterAxis(x, rows, 0, border, 'none');
  const out = filterAxis(mid, cols, 1, border, post);
  mid.dispose();
  return out;
}

/** scipy/skimage gaussian_filter over H and W of every plane; σ per axis as [σ_H, σ_W]. */
export function gaussianFilter(x: Tensor, sigma: number | readonly [number, number],
  opts: { truncate?: number; border?: Border; post?: Post } = {}): Tensor {
  expectImages('gaussianFilter', x);
  const [sh, sw] = typeof sigma === 'number' ? [sigma, sigma] : sigma;
  const border = opts.border ?? 'edge';
  const rows = separable(x, gaussianWeights(sh, opts.truncate), 0, border, 'none');
  const out = separable(rows, gaussianWeights(sw, opts.truncate), 1, border, opts.post ?? 'none');
  rows.dispose();
  return out;
}

/** cv2.filter2D (correlation) with a square odd-sized kernel, per plane. */
export function filter2d(x: Tensor, kernel: Float64Array, border: Border = 'reflect101', post: Post = 'none'): Tensor {
  expectImages('filter2d', x);
  const size = Math.round(Math.sqrt(kernel.length));
  if (size * size !== kernel.length || size % 2 === 0) throw new ShapeError(`filter2d: kernel of ${kernel.length} values is not an odd square`);
  const e = x.engine;
  const y = e.empty(x.shape, 'f32', 'corrupt_blur_conv2d');
  const w = e.tensor(Float32Array.from(kernel));
  run('corrupt-blur', 'corrupt_blur_conv2d', { x, w, y }, filterParams(x, { radius: (size - 1) / 2, border, post }), planes(x));
  w.dispose();
  return y;
}

/** skimage gaussian blur, clipped (the gaussian_blur corruption). */
export function gaussianBlur(x: Tensor, sigma: number): Tensor {
  return gaussianFilter(x, sigma, { post: 'clip' });
}

/** Defocus: the anti-aliased disk of `radius` (cv2.filter2D, reflect-101), clipped. */
export function defocusBlur(x: Tensor, radius: number, alias: number): Tensor {
  return filter2d(x, diskKernel(radius, alias), 'reflect101', 'clip');
}

/** Motion blur with one angle (degrees) per image; `post` 'clip' for images, 'none' for snow layers. */
export function motionBlur(x: Tensor, radius: number, sigma: number, anglesDeg: readonly number[], post: Post = 'clip'): Tensor {
  expectImages('motionBlur', x);
  const [n, , h, w] = x.shape;
  if (anglesDeg.length !== n) throw new ShapeError(`motionBlur: ${anglesDeg.length} angles for ${x.describe()}`);
  const width = 2 * radius + 1;
  const table = new Float32Array(4 * width * n);
  anglesDeg.forEach((a, i) => table.set(motionTaps(radius, sigma, a, h, w), 4 * width * i));
  const e = x.engine;
  const taps = e.tensor(table);
  const y = e.empty(x.shape, 'f32', 'corrupt_blur_motion');
  run('corrupt-blur', 'corrupt_blur_motion', { x, taps, y }, filterParams(x, { taps: width, post }), planes(x));
  taps.dispose();
  return y;
}

/** Zoom blur: the mean of x and its centre zooms by each factor (top-left trimmed), clipped. */
export function zoomBlur(x: Tensor, factors: readonly number[]): Tensor {
  expectImages('zoomBlur', x);
  const [, , h, w] = x.shape;
  const e = x.engine;
  const taps = e.tensor(Float32Array.from(zoomTable(h, w, factors)));
  const y = e.empty(x.shape, 'f32', 'corrupt_blur_zoom');
  run('corrupt-blur', 'corrupt_blur_zoom', { x, taps, y }, filterParams(x, { taps: factors.length }), planes(x));
  taps.dispose();
  return y;
}

/**
 * Glass blur: gaussian(σ) cast to uint8, `iters` passes of local pixel shuffling within ±delta (sequential per
 * image, as the original), gaussian(σ) again, clipped.
 */
export function glassBlur(x: Tensor, sigma: number, delta: number, iters: number, key: CorruptKey): Tensor {
  expectImages('glassBlur', x);
  const [n, c, h, w] = x.shape;
  const shuffled = gaussianFilter(x, sigma, { post: 'uint8' });
  run('corrupt-blur', 'corrupt_blur_glass', { y: shuffled }, {
    w, h, c, n, delta, iters, first: key.first >>> 0, seed: key.seed >>> 0, tag: key.tag >>> 0,
  }, [Math.ceil((n * c) / 64)]);
  const out = gaussianFilter(shuffled, sigma, { post: 'clip' });
  shuffled.dispose();
  return out;
}

/** Per-image motion-blur angles θ ~ U(−45°, 45°) (sub-stream 1, counter 0). */
export function motionAngles(key: CorruptKey, n: number): number[] {
  return Array.from({ length: n }, (_, i) => -45 + 90 * imageUniforms(substream(key, 1), i, 1)[0]);
}
