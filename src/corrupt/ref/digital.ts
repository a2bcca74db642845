/** f64 CPU references for kernels/corrupt-digital.wgsl (HSV, contrast, pixelate, elastic). */
import { elasticAffine, type ElasticParams } from '../digital.js';
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

export function pixelateRef(x: Float64Array, shape: readonly number[], c: number): Float64Array {
  const [n, ch, h, w] = shape;
  const lh = Math.trunc(h * c);
  const lw = Math.trunc(w * c);
  const span = (a: number, big: number, small: number) =>
    [Math.floor((2 * a * big + small) / (2 * small)), Math.min(Math.floor((2 * (a + 1) * big + small) / (2 * small)), big)];
  const out = new Float64Array(x.length);
  for (let p = 0; p < n * ch; p++) {
    for (let i = 0; i < h; i++) {
      const [r0, r1] = span(Math.floor(((2 * i + 1) * lh) / (2 * h)), h, lh);
      for (let j = 0; j < w; j++) {
        const [c0, c1] = span(Math.floor(((2 * j + 1) * lw) / (2 * w)), w, lw);
        let acc = 0;
        for (let r = r0; r < r1; r++) for (let k = c0; k < c1; k++) acc += x[(p * h + r) * w + k];
        out[(p * h + i) * w + j] = acc / ((r1 - r0) * (c1 - c0));
      }
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
