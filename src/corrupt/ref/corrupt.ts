/**
 * The CPU twin of src/corrupt/corrupt.ts: every corruption at every severity, in f64 on NCHW Float64Arrays,
 * from the same severity tables, keys and host-side draws. Tests compare the GPU path with it on small images.
 */
import { corruptionKey, elasticParams, SEVERITIES, type CorruptionName, type SeverityTable } from '../catalogue.js';
import type { CorruptKey } from '../keys.js';
import { motionAngles } from '../blur.js';
import { gaussianNoiseRef, impulseNoiseRef, shotNoiseRef, speckleNoiseRef } from './noise.js';
import { defocusBlurRef, gaussianFilterRef, glassBlurRef, motionBlurRef, zoomBlurRef } from './blur.js';
import { fogRef, frostRef, snowRef } from './weather.js';
import { contrastRef, convertChannelsRef, elasticRef, hsvRef, pixelateRef, quantize8Ref } from './digital.js';
import { jpegRef } from './jpeg.js';
import { spatterRef } from './spatter.js';

type RefApply = (x: Float64Array, s: readonly number[], p: readonly number[], k: CorruptKey, t: SeverityTable) => Float64Array;

const REF: Readonly<Record<CorruptionName, RefApply>> = {
  gaussian_noise: (x, s, [c], k) => gaussianNoiseRef(x, s, c, k),
  shot_noise: (x, s, [c], k) => shotNoiseRef(x, s, c, k),
  impulse_noise: (x, s, [c], k) => impulseNoiseRef(x, s, c, k),
  defocus_blur: (x, s, [r, a]) => defocusBlurRef(x, s, r, a),
  glass_blur: (x, s, [sig, d, it], k) => glassBlurRef(x, s, sig, d, it, k),
  motion_blur: (x, s, [r, sig], k) => motionBlurRef(x, s, r, sig, motionAngles(k, s[0])),
  zoom_blur: (x, s, f) => zoomBlurRef(x, s, f),
  snow: (x, s, [mu, sigma, zoom, thresh, radius, blurSigma, blend], k) =>
    snowRef(x, s, { mu, sigma, zoom, thresh, radius, blurSigma, blend }, k),
  frost: (x, s, [a, b], k) => frostRef(x, s, a, b, k),
  fog: (x, s, [a, d], k) => fogRef(x, s, a, d, k),
  brightness: (x, s, [c]) => hsvRef(x, s, 0, c, 0),
  contrast: (x, s, [c]) => contrastRef(x, s, c),
  elastic_transform: (x, s, p, k, t) => elasticRef(x, s, elasticParams(p, t, s[2], s[3]), k),
  pixelate: (x, s, [c]) => pixelateRef(x, s, c),
  jpeg_compression: (x, s, [q]) => jpegRef(x, s, q),
  speckle_noise: (x, s, [c], k) => speckleNoiseRef(x, s, c, k),
  gaussian_blur: (x, s, [sig]) => gaussianFilterRef(x, s, sig, { post: 'clip' }),
  spatter: (x, s, [mu, sigma, blur, thresh, kk, mode], k) =>
    spatterRef(x, s, { mu, sigma, blur, thresh, k: kk, mode: mode === 1 ? 1 : 0 }, k),
  saturate: (x, s, [sc, b]) => hsvRef(x, s, 1, sc, b),
};

/** The canonical mode's own steps (src/corrupt/corrupt.ts CANONICAL). */
const CANONICAL_REF: Partial<Record<CorruptionName, RefApply>> = {
  pixelate: (x, s, [c]) => pixelateRef(x, s, c, true),
  jpeg_compression: (x, s, [q]) => jpegRef(x, s, q, true),
};

/** CPU reference of corrupt(images, name, severity, {seed, firstIndex, table, canonical, gray}) (no frost photos). */
export function corruptRef(x: Float64Array, shape: readonly number[], name: CorruptionName, severity: number,
  opts: { seed: number; firstIndex?: number; table?: SeverityTable; canonical?: boolean; gray?: boolean }): Float64Array {
  const table = opts.table ?? 224;
  const p = SEVERITIES[table][name][severity - 1];
  const key = corruptionKey(name, severity, opts.seed, opts.firstIndex ?? 0);
  const [n, c, h, w] = shape;
  if (!opts.canonical) {
    const y = REF[name](x, shape, p, key, table);
    return opts.gray ? convertChannelsRef(y, shape, 'float') : y;
  }
  const rgb = [n, 3, h, w];
  const x8 = quantize8Ref(c === 1 ? convertChannelsRef(x, shape) : x, 'round');
  const y = (CANONICAL_REF[name] ?? REF[name])(x8, rgb, p, key, table);
  const y8 = CANONICAL_REF[name] ? y : quantize8Ref(y, 'trunc');
  return opts.gray || c === 1 ? convertChannelsRef(y8, rgb, 'pil') : y8;
}
