/**
 * Weather corruptions (snow, fog, frost) over kernels/corrupt-weather.wgsl, with imagecorruptions' algorithms.
 * Frost: ImageNet-C blends photographs of frost that we cannot ship, so `frost` blends a procedural ice layer
 * (ridged value noise, blue-white) with the same (a, b) weights; `frostPhoto` blends crops of the original
 * photographs when the user has them (frost-photos.ts).
 */
import type { Tensor } from '../tensor/tensor.js';
import type { ParamValues } from '../gpu/params.js';
import { ShapeError } from '../errors.js';
import { run } from '../ops/dispatch.js';
import { max, min } from '../ops/reduce.js';
import { expectImages } from './noise.js';
import { imageUniforms, substream, type CorruptKey } from './keys.js';
import { motionBlur, zoomAxis } from './blur.js';

/** Snow parameters, in the order of the severity tables: (μ, s, zoom, threshold, blur radius, blur σ, blend). */
export interface SnowParams { mu: number; sigma: number; zoom: number; thresh: number; radius: number; blurSigma: number; blend: number }

function weatherParams(x: Tensor, key: CorruptKey, extra: Partial<Record<string, number>>): ParamValues {
  const [, c, h, w] = x.shape;
  return { w, h, c, zw: 0, zh: 0, first: key.first >>> 0, seed: key.seed >>> 0, tag: key.tag >>> 0,
    a: 0, b: 0, t: 0, s: 0, top_y: 0, top_x: 0, scale_y: 0, scale_x: 0, ...extra };
}

function pixels(w: number, h: number, n: number): [number, number, number] {
  return [Math.ceil(w / 8), Math.ceil(h / 8), n];
}

/** Per-image motion-blur angles of the snow layer, θ ~ U(−135°, −45°) (sub-stream 1, counter 0). */
export function snowAngles(key: CorruptKey, n: number): number[] {
  return Array.from({ length: n }, (_, i) => -135 + 90 * imageUniforms(substream(key, 1), i, 1)[0]);
}

/**
 * Snow: a normal field N(μ, s) zoomed by `zoom` (clipped_zoom, untrimmed), thresholded, clipped, motion-blurred,
 * rounded to 8 bits, cropped; the image is lifted towards 1.5·gray + ½ and the layer added with its 180° turn.
 */
export function snow(x: Tensor, p: SnowParams, key: CorruptKey): Tensor {
  expectImages('snow', x);
  const [n, , h, w] = x.shape;
  const ry = zoomAxis(h, p.zoom);
  const rx = zoomAxis(w, p.zoom);
  const e = x.engine;
  const layer = e.empty([n, 1, ry.out, rx.out], 'f32', 'snow layer');
  run('corrupt-weather', 'corrupt_weather_snow_layer', { y: layer }, weatherParams(x, key, {
    zw: rx.out, zh: ry.out, a: p.mu, s: p.sigma, t: p.thresh, top_y: ry.top, top_x: rx.top, scale_y: ry.scale, scale_x: rx.scale,
  }), pixels(rx.out, ry.out, n));
  const blurred = motionBlur(layer, p.radius, p.blurSigma, snowAngles(key, n), 'none');
  layer.dispose();
  const y = e.empty(x.shape, 'f32', 'snow');
  run('corrupt-weather', 'corrupt_weather_snow_blend', { x, layer: blurred, y },
    weatherParams(x, key, { zw: rx.out, zh: ry.out, b: p.blend }), pixels(w, h, n));
  blurred.dispose();
  return y;
}

export function nextPow2(v: number): number {
  return v <= 1 ? 1 : 2 ** Math.ceil(Math.log2(v));
}

/** Diamond-square plasma maps [N, m, m] (unnormalised), wibble 100 divided by `decay` per level. */
export function plasmaFractal(x: Tensor, m: number, decay: number, key: CorruptKey): Tensor {
  const n = x.shape[0];
  const map = x.engine.empty([n, m, m], 'f32', 'plasma');
  let wibble = 100;
  for (let step = m; step >= 2; step /= 2) {
    const cells = m / step;
    const params = { m, step, first: key.first >>> 0, seed: key.seed >>> 0, tag: key.tag >>> 0, wibble };
    run('corrupt-weather', 'corrupt_weather_plasma_squares', { map }, params, pixels(cells, cells, n));
    run('corrupt-weather', 'corrupt_weather_plasma_diamonds', { map }, params, pixels(cells, cells, n));
    wibble /= decay;
  }
  return map;
}

/** Fog: a plasma fractal (map side next_pow2(max(H, W))) scaled by `a`, added, then the range rescaled. */
export function fog(x: Tensor, a: number, decay: number, key: CorruptKey): Tensor {
  expectImages('fog', x);
  const [n, , h, w] = x.shape;
  const m = nextPow2(Math.max(h, w));
  if (m < 2) throw new ShapeError(`fog: images must be at least 2 pixels on a side, got ${x.describe()}`);
  const map = plasmaFractal(x, m, decay, key);
  const [pmin, pmax, xmax] = x.engine.noGrad(() => [min(map, [1, 2]), max(map, [1, 2]), max(x, [1, 2, 3])]);
  const y = x.engine.empty(x.shape, 'f32', 'fog');
  run('corrupt-weather', 'corrupt_weather_fog', { x, layer: map, pmin, pmax, xmax, y },
    weatherParams(x, key, { zw: m, zh: m, a }), pixels(w, h, n));
  for (const t of [map, pmin, pmax, xmax]) t.dispose();
  return y;
}

/** Frost (non-canonical ice layer, see the module note): clip(a·x + b·ice). */
export function frost(x: Tensor, a: number, b: number, key: CorruptKey): Tensor {
  expectImages('frost', x);
  const [n, , h, w] = x.shape;
  const y = x.engine.empty(x.shape, 'f32', 'frost');
  run('corrupt-weather', 'corrupt_weather_frost', { x, y }, weatherParams(x, key, { a, b }), pixels(w, h, n));
  return y;
}

/** Frost with the original photographs: clip(a·x + b·F), F = `layer` [N, 3, H, W] (src/corrupt/frost-photos.ts). */
export function frostPhoto(x: Tensor, a: number, b: number, layer: Tensor): Tensor {
  expectImages('frost', x);
  const [n, , h, w] = x.shape;
  if (layer.shape.join() !== [n, 3, h, w].join()) throw new ShapeError(`frost: photo layer ${layer.describe()} does not fit ${x.describe()}`);
  const y = x.engine.empty(x.shape, 'f32', 'frost');
  run('corrupt-weather', 'corrupt_weather_frost_photo', { x, layer, y }, weatherParams(x, { seed: 0, tag: 0, first: 0 }, { a, b }), pixels(w, h, n));
  return y;
}
