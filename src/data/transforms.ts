/**
 * Per-sample image transforms on float CHW images. Random transforms take their numbers from the Rng the
 * loader keys by (seed, epoch, index), so an augmented sample is reproducible on its own.
 * Geometry follows PIL/torchvision: pixel centres at +0.5, positive angles rotate counter-clockwise about the
 * image centre, affine matrices map output coordinates to input coordinates.
 */
import { ShapeError } from '../errors.js';
import { roundHalfEven } from '../numeric.js';
import type { Image } from './dataset.js';
import type { Rng } from '../random/rng.js';

export type Transform = (img: Image, rng: Rng) => Image;
export type Interpolation = 'nearest' | 'bilinear';

export function compose(...ts: Transform[]): Transform {
  return (img, rng) => ts.reduce((x, t) => t(x, rng), img);
}

function alloc(c: number, h: number, w: number): Image {
  return { data: new Float32Array(c * h * w), shape: [c, h, w] };
}

export function hflip(img: Image): Image {
  const [c, h, w] = img.shape;
  const out = alloc(c, h, w);
  for (let r = 0; r < c * h; r++) {
    for (let x = 0; x < w; x++) out.data[r * w + x] = img.data[r * w + w - 1 - x];
  }
  return out;
}

export function randomHflip(p = 0.5): Transform {
  return (img, rng) => (rng.bernoulli(p) ? hflip(img) : img);
}

/** The h×w window at (top, left); parts outside the image read `fill` (so this also pads). */
export function crop(img: Image, top: number, left: number, h: number, w: number, fill = 0): Image {
  const [c, ih, iw] = img.shape;
  const out = alloc(c, h, w);
  out.data.fill(fill);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(w, iw - left);
  for (let k = 0; k < c; k++) {
    for (let y = Math.max(0, -top); y < Math.min(h, ih - top); y++) {
      if (x1 <= x0) continue;
      const src = (k * ih + y + top) * iw + left;
      out.data.set(img.data.subarray(src + x0, src + x1), (k * h + y) * w + x0);
    }
  }
  return out;
}

export function centerCrop(size: number): Transform {
  return (img) => {
    const [, h, w] = img.shape;
    return crop(img, Math.round((h - size) / 2), Math.round((w - size) / 2), size, size);
  };
}

/** torchvision RandomCrop(size, padding): pad every side by `padding`, then a uniformly placed window. */
export function randomCrop(size: number, padding = 0, fill = 0): Transform {
  return (img, rng) => {
    const [, h, w] = img.shape;
    if (h + 2 * padding < size || w + 2 * padding < size) {
      throw new ShapeError(`randomCrop: ${size}×${size} from [${img.shape.join(', ')}] padded by ${padding}`);
    }
    const top = rng.int(h + 2 * padding - size + 1) - padding;
    const left = rng.int(w + 2 * padding - size + 1) - padding;
    return crop(img, top, left, size, size, fill);
  };
}

/**
 * torchvision RandomResizedCrop(size, scale, ratio): up to 10 draws of an area fraction ~ U(scale) and a log-uniform
 * aspect ratio, the first window that fits placed uniformly; else the centre window clamped to the ratio range;
 * then resized to size × size (bilinear, antialiased).
 */
export function randomResizedCrop(size: number, scale: readonly [number, number] = [0.08, 1],
  ratio: readonly [number, number] = [3 / 4, 4 / 3]): Transform {
  return (img, rng) => {
    const [, h, w] = img.shape;
    const [lo, hi] = [Math.log(ratio[0]), Math.log(ratio[1])];
    for (let attempt = 0; attempt < 10; attempt++) {
      const area = h * w * rng.range(scale[0], scale[1]);
      const aspect = Math.exp(rng.range(lo, hi));
      const cw = roundHalfEven(Math.sqrt(area * aspect));
      const ch = roundHalfEven(Math.sqrt(area / aspect));
      if (cw > 0 && cw <= w && ch > 0 && ch <= h) return resize(crop(img, rng.int(h - ch + 1), rng.int(w - cw + 1), ch, cw), size, size);
    }
    const inRatio = w / h;
    const [cw, ch] = inRatio < ratio[0] ? [w, roundHalfEven(w / ratio[0])] : inRatio > ratio[1] ? [roundHalfEven(h * ratio[1]), h] : [w, h];
    return resize(crop(img, Math.floor((h - ch) / 2), Math.floor((w - cw) / 2), ch, cw), size, size);
  };
}

/** torchvision Resize(size) with an int: the shorter side becomes `size`, the longer keeps the aspect (truncated). */
export function resizeShorter(img: Image, size: number): Image {
  const [, h, w] = img.shape;
  return h <= w ? resize(img, size, Math.trunc((size * w) / h)) : resize(img, Math.trunc((size * h) / w), size);
}

/**
 * Samples `img` through the affine map m = [a, b, c, d, e, f]: output point (x, y) (pixel edges at integers)
 * reads input (a·x + b·y + c, d·x + e·y + f). Points outside the input read `fill`; bilinear taps that straddle
 * the border clamp to the edge pixel, as PIL does.
 */
export function affine(img: Image, m: readonly number[], interpolation: Interpolation = 'bilinear', fill = 0): Image {
  const [c, h, w] = img.shape;
  const out = alloc(c, h, w);
  const src = img.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const xi = m[0] * (x + 0.5) + m[1] * (y + 0.5) + m[2];
      const yi = m[3] * (x + 0.5) + m[4] * (y + 0.5) + m[5];
      const o = y * w + x;
      if (!(xi >= 0 && xi < w && yi >= 0 && yi < h)) {
        for (let k = 0; k < c; k++) out.data[k * h * w + o] = fill;
      } else if (interpolation === 'nearest') {
        const i = Math.floor(yi) * w + Math.floor(xi);
        for (let k = 0; k < c; k++) out.data[k * h * w + o] = src[k * h * w + i];
      } else {
        const fx = xi - 0.5;
        const fy = yi - 0.5;
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        const ax = fx - x0;
        const ay = fy - y0;
        const xa = Math.max(0, x0);
        const xb = Math.min(w - 1, x0 + 1);
        const ya = Math.max(0, y0) * w;
        const yb = Math.min(h - 1, y0 + 1) * w;
        for (let k = 0; k < c; k++) {
          const p = src.subarray(k * h * w, (k + 1) * h * w);
          const top = p[ya + xa] + ax * (p[ya + xb] - p[ya + xa]);
          const bot = p[yb + xa] + ax * (p[yb + xb] - p[yb + xa]);
          out.data[k * h * w + o] = top + ay * (bot - top);
        }
      }
    }
  }
  return out;
}

/** Rotation by `degrees` counter-clockwise about the centre, same size (corners read `fill`). */
export function rotate(img: Image, degrees: number, interpolation: Interpolation = 'nearest', fill = 0): Image {
  const [, h, w] = img.shape;
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cx = w / 2;
  const cy = h / 2;
  return affine(img, [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy], interpolation, fill);
}

/** torchvision RandomRotation(maxDegrees): angle ~ U(−max, max), nearest neighbour, zero fill. */
export function randomRotation(maxDegrees: number, interpolation: Interpolation = 'nearest'): Transform {
  return (img, rng) => rotate(img, rng.range(-maxDegrees, maxDegrees), interpolation);
}

export interface AugmentOptions {
  /** RandomCrop padding in pixels (0: no crop). */
  cropPadding: number;
  flip: boolean;
  /** RandomRotation range in degrees (0: none). */
  rotation: number;
  /** RandomResizedCrop to `size` in place of the padded crop (the ImageNet recipe); null/absent: none. */
  randomResizedCrop?: { scale: readonly [number, number]; ratio: readonly [number, number] } | null;
}

/**
 * The classification augmentation of the recipes: RandomCrop(size, padding) — or RandomResizedCrop(size) for
 * ImageNet — then RandomHorizontalFlip and RandomRotation.
 */
export function augment(size: number, a: AugmentOptions): Transform {
  const ts: Transform[] = [];
  if (a.randomResizedCrop) ts.push(randomResizedCrop(size, a.randomResizedCrop.scale, a.randomResizedCrop.ratio));
  else if (a.cropPadding > 0) ts.push(randomCrop(size, a.cropPadding));
  if (a.flip) ts.push(randomHflip());
  if (a.rotation > 0) ts.push(randomRotation(a.rotation));
  return compose(...ts);
}

export function normalizeImage(img: Image, mean: readonly number[], std: readonly number[]): Image {
  const [c, h, w] = img.shape;
  if (mean.length !== c || std.length !== c) {
    throw new ShapeError(`normalize: ${mean.length} means / ${std.length} stds for shape [${img.shape.join(', ')}]`);
  }
  const out = alloc(c, h, w);
  const n = h * w;
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < n; i++) out.data[k * n + i] = (img.data[k * n + i] - mean[k]) / std[k];
  }
  return out;
}

export function normalize(mean: readonly number[], std: readonly number[]): Transform {
  return (img) => normalizeImage(img, mean, std);
}

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** The model-input normalisation `train` uses: gray images centred to mean 0.5, scale 0.25; colour ones ImageNet's statistics. */
export function normStats(channels: number): [number[], number[]] {
  return channels === 1 ? [[0.5], [0.25]] : [[...IMAGENET_MEAN], [...IMAGENET_STD]];
}

/** Luminance with ITU-R 601 weights into `channels` identical channels; 1-channel input passes through. */
export function grayscale(img: Image, channels: 1 | 3 = 1): Image {
  const [c, h, w] = img.shape;
  const n = h * w;
  if (c !== 1 && c !== 3) throw new ShapeError(`grayscale: expected 1 or 3 channels, got [${img.shape.join(', ')}]`);
  const out = alloc(channels, h, w);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    const y = c === 1 ? d[i] : 0.299 * d[i] + 0.587 * d[n + i] + 0.114 * d[2 * n + i];
    for (let k = 0; k < channels; k++) out.data[k * n + i] = y;
  }
  return out;
}

/**
 * Bilinear resize with PIL's antialiasing: the triangle filter widens by the downscale factor, so shrinking
 * averages every covered pixel instead of aliasing.
 */
export function resize(img: Image, outH: number, outW: number): Image {
  const [c, h, w] = img.shape;
  const tmp = alloc(c, h, outW);
  const cx = resizeCoeffs(w, outW);
  for (let r = 0; r < c * h; r++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (let t = 0; t < cx.taps[x].length; t++) s += cx.taps[x][t] * img.data[r * w + cx.first[x] + t];
      tmp.data[r * outW + x] = s;
    }
  }
  const out = alloc(c, outH, outW);
  const cy = resizeCoeffs(h, outH);
  for (let k = 0; k < c; k++) {
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        let s = 0;
        for (let t = 0; t < cy.taps[y].length; t++) s += cy.taps[y][t] * tmp.data[(k * h + cy.first[y] + t) * outW + x];
        out.data[(k * outH + y) * outW + x] = s;
      }
    }
  }
  return out;
}

function resizeCoeffs(inSize: number, outSize: number): { first: number[]; taps: number[][] } {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1);
  const first: number[] = [];
  const taps: number[][] = [];
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support + 0.5));
    const hi = Math.min(inSize, Math.floor(centre + support + 0.5));
    const wts: number[] = [];
    for (let i = lo; i < hi; i++) wts.push(Math.max(0, 1 - Math.abs((i + 0.5 - centre) / support)));
    const sum = wts.reduce((a, b) => a + b, 0);
    first.push(lo);
    taps.push(wts.map((v) => v / sum));
  }
  return { first, taps };
}

/**
 * Safarani et al.'s Tiny ImageNet training pipeline: RandomCrop(64, pad 4) → flip → RandomRotation(15) →
 * grayscale → Normalize(0.4519, 0.2221).
 */
export function tinyImageNetGrayTrain(size = 64): Transform {
  return compose(randomCrop(size, 4), randomHflip(), randomRotation(15), (img) => grayscale(img),
    normalize([0.4519], [0.2221]));
}

export function tinyImageNetGrayEval(): Transform {
  return compose((img) => grayscale(img), normalize([0.4519], [0.2221]));
}
