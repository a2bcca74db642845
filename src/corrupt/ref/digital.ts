/** f64 CPU references for kernels/corrupt-digital.wgsl (HSV, contrast, pixelate, elastic, the uint8 steps). */
import { elasticAffine, type ElasticParams } from '../digital.js';
import { PIL_PRECISION_BITS, pixelateTable } from '../pil.js';
import { substream, type CorruptKey } from '../keys.js';
import { foldRef, gaussianFilterRef } from './blur.js';
import { noiseFieldRef } from './noise.js';

const clip = (v: number) => Math.min(1, Math.max(0, v));

/** skimage rgb2hsv for one pixel (blue wins ties over green, green over red). */
export function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const v = Math.max(r, g, b);
  const delta = v - Math.min(r, g, b);
  if (delta === 0) return [0, 0, v];
  let h = (g - b) / delta;
  if (g === v) h = 2 + (b - r) / delta;
  if (b === v) h = 4 + (r - g) / delta;
  h /= 6;
  return [h - Math.floor(h), delta / v, v];
}

/** skimage hsv2rgb for one pixel. */
export function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const hi = Math.floor(h * 6);
  const f = h * 6 - hi;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  return ([[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]] as const)[((hi % 6) + 6) % 6] as [number, number, number];
}

/** mode 0 brightness (V + c0), mode 1 saturate (S·c0 + c1); gray images as the kernel. */
export function hsvRef(x: Float64Array, shape: readonly number[], mode: 0 | 1, c0: number, c1: number): Float64Array {
  const [n, c, h, w] = shape;
  const hw = h * w;
  if (c === 1) return x.map((v) => (mode === 0 ? clip(v + c0) : v));
  const out = new Float64Array(x.length);
  for (let img = 0; img < n; img++) {
    for (let i = 0; i < hw; i++) {
      const o = img * 3 * hw + i;
      const hsv = rgbToHsv(x[o], x[o + hw], x[o + 2 * hw]);
      if (mode === 0) hsv[2] = clip(hsv[2] + c0); else hsv[1] = clip(hsv[1] * c0 + c1);
      const rgb = hsvToRgb(...hsv);
      for (let ch = 0; ch < 3; ch++) out[o + ch * hw] = clip(rgb[ch]);
    }
  }
  return out;
}

export function contrastRef(x: Float64Array, shape: readonly number[], c: number): Float64Array {
  const hw = shape[2] * shape[3];
  const out = new Float64Array(x.length);
  for (let p = 0; p < shape[0] * shape[1]; p++) {
    const plane = x.subarray(p * hw, (p + 1) * hw);
    const mu = plane.reduce((a, b) => a + b, 0) / hw;
    for (let i = 0; i < hw; i++) out[p * hw + i] = clip((plane[i] - mu) * c + mu);
  }
  return out;
}

/**
 * Both pixelates from the kernel's table: `u8` false, the mean over each pixel's BOX window (float); true, Pillow's
 * fixed-point rows rounded to uint8, then the fixed-point column sum (canonical).
 */
export function pixelateRef(x: Float64Array, shape: readonly number[], c: number, u8 = false): Float64Array {
  const [n, ch, h, w] = shape;
  const lh = Math.trunc(h * c);
  const lw = Math.trunc(w * c);
  const t = pixelateTable(h, w, lh, lw);
  const [kh, kv] = [t[0], t[1]];
  const clip8 = (v: number) => Math.min(255, Math.max(0, Math.floor(v / 2 ** PIL_PRECISION_BITS)));
  const half = 2 ** (PIL_PRECISION_BITS - 1);
  const out = new Float64Array(x.length);
  for (let p = 0; p < n * ch; p++) {
    for (let i = 0; i < h; i++) {
      const voff = 2 + w + h + lw * (2 + kh) + t[2 + w + i] * (2 + kv);
      for (let j = 0; j < w; j++) {
        const hoff = 2 + w + h + t[2 + j] * (2 + kh);
        let acc = u8 ? half : 0;
        let count = 0;
        for (let r = 0; r < t[voff + 1]; r++) {
          let s = half;
          const row = (p * h + t[voff] + r) * w + t[hoff];
          for (let k = 0; k < t[hoff + 1]; k++) {
            if (u8) s += Math.round(255 * x[row + k]) * t[hoff + 2 + k];
            else if (t[hoff + 2 + k] > 0 && t[voff + 2 + r] > 0) { acc += x[row + k]; count++; }
          }
          if (u8) acc += clip8(s) * t[voff + 2 + r];
        }
        out[(p * h + i) * w + j] = u8 ? clip8(acc) / 255 : acc / count;
      }
    }
  }
  return out;
}

/** numpy's uint8 steps as corrupt_digital_quantize: 'round' (uint8 input) or 'trunc' (np.uint8 of 255·y). */
export function quantize8Ref(x: Float64Array, how: 'round' | 'trunc'): Float64Array {
  return x.map((v) => {
    const s = 255 * clip(v);
    return (how === 'round' ? Math.round(s) : Math.floor(s + 1 / 4096)) / 255;
  });
}

/** corrupt_digital_channels: gray → 3 channels, RGB → luma ('float' ITU-R 601, 'pil' convert('L') on 8 bits). */
export function convertChannelsRef(x: Float64Array, shape: readonly number[], luma: 'float' | 'pil' = 'float'): Float64Array {
  const [n, c, h, w] = shape;
  const hw = h * w;
  const out = new Float64Array(n * (c === 1 ? 3 : 1) * hw);
  for (let img = 0; img < n; img++) {
    for (let i = 0; i < hw; i++) {
      if (c === 1) { for (let k = 0; k < 3; k++) out[(img * 3 + k) * hw + i] = x[img * hw + i]; continue; }
      const [r, g, b] = [0, 1, 2].map((k) => clip(x[(img * 3 + k) * hw + i]));
      out[img * hw + i] = luma === 'float' ? 0.299 * r + 0.587 * g + 0.114 * b
        : ((19595 * Math.round(255 * r) + 38470 * Math.round(255 * g) + 7471 * Math.round(255 * b) + 32768) >> 16) / 255;
    }
  }
  return out;
}

function bilinearRef(x: Float64Array, base: number, h: number, w: number, sy: number, sx: number, border: 'symmetric' | 'reflect101'): number {
  const r = Math.floor(sy);
  const c = Math.floor(sx);
  const fy = sy - r;
  const fx = sx - c;
  const at = (i: number, j: number) => x[base + foldRef(i, h, border) * w + foldRef(j, w, border)];
  const top = at(r, c) * (1 - fx) + at(r, c + 1) * fx;
  return top * (1 - fy) + (at(r + 1, c) * (1 - fx) + at(r + 1, c + 1) * fx) * fy;
}

export function elasticRef(x: Float64Array, shape: readonly number[], p: ElasticParams, key: CorruptKey): Float64Array {
  const [n, c, h, w] = shape;
  const hw = h * w;
  let src = x;
  if (p.affine > 0) {
    src = new Float64Array(x.length);
    for (let img = 0; img < n; img++) {
      const [a, b, t0, d, e, t1] = elasticAffine(h, w, p.affine, key, img);
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          // OpenCV's remap rounds source coordinates to 1/32 pixel.
          const sx = Math.floor(32 * (a * j + b * i + t0) + 0.5) / 32;
          const sy = Math.floor(32 * (d * j + e * i + t1) + 0.5) / 32;
          for (let ch = 0; ch < c; ch++) src[(img * c + ch) * hw + i * w + j] = bilinearRef(x, (img * c + ch) * hw, h, w, sy, sx, 'reflect101');
        }
      }
    }
  }
  const field = (s: number) => gaussianFilterRef(noiseFieldRef(n, h, w, 'uniform', p.noise, 0, substream(key, s)), [n, 1, h, w],
    p.sigma, { truncate: 3, border: 'symmetric' });
  const dx = field(1);
  const dy = field(2);
  const out = new Float64Array(x.length);
  for (let img = 0; img < n; img++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const k = img * hw + i * w + j;
        for (let ch = 0; ch < c; ch++) {
          const base = (img * c + ch) * hw;
          out[base + i * w + j] = clip(bilinearRef(src, base, h, w, i + p.alpha * dy[k], j + p.alpha * dx[k], 'symmetric'));
        }
      }
    }
  }
  return out;
}
