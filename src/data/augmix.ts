/**
 * AugMix (Hendrycks et al. 2020; google-research/augmix `augmentations.py`, `imagenet.py:aug`).
 * One augmented view: w ~ Dirichlet(α·1_width), m ~ Beta(α, α); each of `width` chains applies `depth`
 * (default U{1,2,3}) ops drawn uniformly from the list, each at level ~ U(0.1, severity);
 * view = (1−m)·pre(x) + m·Σ w_i·pre(chain_i(x)). The JSD loss needs (pre(x), view₁, view₂).
 * Ops work on float [0, 1] images: the quantising ops (posterize, solarize, equalize) round to 8 bits as PIL
 * does, the geometric ones interpolate without rounding, and the enhance ops clip to [0, 1].
 */
import type { Image } from './dataset.js';
import type { Rng } from '../random/rng.js';
import { affine, grayscale, rotate } from './transforms.js';

export const AUGMIX_OPS = [
  'autocontrast', 'equalize', 'posterize', 'rotate', 'solarize', 'shear_x', 'shear_y', 'translate_x', 'translate_y',
] as const;
/** `--all-ops` adds the ops that overlap ImageNet-C corruptions. */
export const AUGMIX_ALL_OPS = [...AUGMIX_OPS, 'color', 'contrast', 'brightness', 'sharpness'] as const;
export type AugMixOp = (typeof AUGMIX_ALL_OPS)[number];

export interface AugMixOptions {
  /** Op severity, the upper end of level ~ U(0.1, severity) on a 0–10 scale (default 1, the ImageNet setting). */
  severity?: number;
  /** Chains per view (default 3). */
  width?: number;
  /** Ops per chain; ≤ 0 draws U{1,2,3} per chain (default −1). */
  depth?: number;
  /** Dirichlet and Beta concentration (default 1). */
  alpha?: number;
  allOps?: boolean;
  /** Translation scale: up to size/3 px at level 10 (default the image width; the reference hard-codes 224). */
  imageSize?: number;
  /** Applied to the clean image and to every chain before mixing (e.g. normalisation). */
  preprocess?: (img: Image) => Image;
}

const intParam = (level: number, max: number) => Math.trunc((level * max) / 10);
const floatParam = (level: number, max: number) => (level * max) / 10;
const enhanceFactor = (level: number) => floatParam(level, 1.8) + 0.1;

/** Applies one op at a freshly drawn level (and sign, for the geometric ops). */
export function applyOp(op: AugMixOp, img: Image, severity: number, rng: Rng, imageSize = img.shape[2]): Image {
  const level = rng.range(0.1, severity);
  const sign = () => (rng.uniform() > 0.5 ? -1 : 1);
  switch (op) {
    case 'autocontrast': return autocontrast(img);
    case 'equalize': return equalize(img);
    case 'posterize': return posterize(img, 4 - intParam(level, 4));
    case 'solarize': return solarize(img, 256 - intParam(level, 256));
    case 'rotate': return rotate(img, sign() * intParam(level, 30), 'bilinear');
    case 'shear_x': return affine(img, [1, sign() * floatParam(level, 0.3), 0, 0, 1, 0]);
    case 'shear_y': return affine(img, [1, 0, 0, sign() * floatParam(level, 0.3), 1, 0]);
    case 'translate_x': return affine(img, [1, 0, sign() * intParam(level, imageSize / 3), 0, 1, 0], 'nearest');
    case 'translate_y': return affine(img, [1, 0, 0, 0, 1, sign() * intParam(level, imageSize / 3)], 'nearest');
    case 'color': return enhance(img, grayscale(img, img.shape[0] as 1 | 3), enhanceFactor(level));
    case 'contrast': return enhance(img, meanGray(img), enhanceFactor(level));
    case 'brightness': return enhance(img, { data: new Float32Array(img.data.length), shape: img.shape }, enhanceFactor(level));
    case 'sharpness': return enhance(img, smooth(img), enhanceFactor(level));
  }
}

/** One AugMix view of `img`. */
export function augmix(img: Image, rng: Rng, options: AugMixOptions = {}): Image {
  const { severity = 1, width = 3, depth = -1, alpha = 1, allOps = false, preprocess = (x: Image) => x } = options;
  const ops = allOps ? AUGMIX_ALL_OPS : AUGMIX_OPS;
  const ws = rng.dirichlet(new Array<number>(width).fill(alpha));
  const m = rng.beta(alpha, alpha);
  const clean = preprocess(img);
  const out = new Float32Array(clean.data.length);
  for (let i = 0; i < width; i++) {
    let x = img;
    const d = depth > 0 ? depth : 1 + rng.int(3);
    for (let j = 0; j < d; j++) x = applyOp(rng.pick(ops), x, severity, rng, options.imageSize);
    const px = preprocess(x).data;
    for (let k = 0; k < out.length; k++) out[k] += ws[i] * px[k];
  }
  for (let k = 0; k < out.length; k++) out[k] = (1 - m) * clean.data[k] + m * out[k];
  return { data: out, shape: clean.shape };
}

/** Loader transform giving the three JSD views [pre(x), augmix(x), augmix(x)]. */
export function augmixViews(options: AugMixOptions = {}): (img: Image, rng: Rng) => Image[] {
  const preprocess = options.preprocess ?? ((x: Image) => x);
  return (img, rng) => [preprocess(img), augmix(img, rng.fork(1), options), augmix(img, rng.fork(2), options)];
}

function mapChannels(img: Image, f: (plane: Float32Array, out: Float32Array) => void): Image {
  const [c, h, w] = img.shape;
  const n = h * w;
  const out = new Float32Array(img.data.length);
  for (let k = 0; k < c; k++) f(img.data.subarray(k * n, (k + 1) * n), out.subarray(k * n, (k + 1) * n));
  return { data: out, shape: img.shape };
}

const toByte = (v: number) => Math.min(255, Math.max(0, Math.round(v * 255)));

/** Per-channel stretch of [min, max] to [0, 1] (PIL autocontrast, cutoff 0). */
export function autocontrast(img: Image): Image {
  return mapChannels(img, (p, out) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of p) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    for (let i = 0; i < p.length; i++) out[i] = hi > lo ? (p[i] - lo) / (hi - lo) : p[i];
  });
}

/** PIL ImageOps.equalize on the 8-bit values of each channel. */
export function equalize(img: Image): Image {
  return mapChannels(img, (p, out) => {
    const hist = new Array<number>(256).fill(0);
    for (const v of p) hist[toByte(v)]++;
    const used = hist.filter((c) => c > 0);
    const step = used.length > 1 ? Math.floor((p.length - used[used.length - 1]) / 255) : 0;
    if (step === 0) { out.set(p); return; }
    const lut = new Array<number>(256);
    let acc = Math.floor(step / 2);
    for (let i = 0; i < 256; i++) { lut[i] = Math.min(255, Math.floor(acc / step)); acc += hist[i]; }
    for (let i = 0; i < p.length; i++) out[i] = lut[toByte(p[i])] / 255;
  });
}

/** Keeps the top `bits` bits of each 8-bit value. */
export function posterize(img: Image, bits: number): Image {
  const mask = (0xff << (8 - bits)) & 0xff;
  return mapChannels(img, (p, out) => {
    for (let i = 0; i < p.length; i++) out[i] = (toByte(p[i]) & mask) / 255;
  });
}

/** Inverts values whose 8-bit level is ≥ threshold. */
export function solarize(img: Image, threshold: number): Image {
  return mapChannels(img, (p, out) => {
    for (let i = 0; i < p.length; i++) out[i] = toByte(p[i]) < threshold ? p[i] : 1 - p[i];
  });
}

/** PIL ImageEnhance: degenerate + factor·(img − degenerate), clipped. */
function enhance(img: Image, degenerate: Image, factor: number): Image {
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const d = degenerate.data[i];
    out[i] = Math.min(1, Math.max(0, d + factor * (img.data[i] - d)));
  }
  return { data: out, shape: img.shape };
}

/** A constant image at the rounded mean luminance (PIL's Contrast degenerate). */
function meanGray(img: Image): Image {
  const g = grayscale(img).data;
  const mean = Math.floor(g.reduce((a, v) => a + toByte(v), 0) / g.length + 0.5) / 255;
  return { data: new Float32Array(img.data.length).fill(mean), shape: img.shape };
}

/** PIL's SMOOTH kernel [[1,1,1],[1,5,1],[1,1,1]]/13 with the border left as is (Sharpness degenerate). */
function smooth(img: Image): Image {
  const [, h, w] = img.shape;
  return mapChannels(img, (p, out) => {
    out.set(p);
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        let s = 4 * p[y * w + x];
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += p[(y + dy) * w + x + dx];
        out[y * w + x] = s / 13;
      }
    }
  });
}
