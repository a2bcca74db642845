/** f64 CPU reference for src/corrupt/spatter.ts (Canny, chamfer distance, equalisation as OpenCV does them). */
import type { CorruptKey } from '../keys.js';
import type { SpatterParams } from '../spatter.js';
import { foldRef, gaussianFilterRef } from './blur.js';
import { noiseFieldRef } from './noise.js';

const clip = (v: number) => Math.min(1, Math.max(0, v));
/** OpenCV's fixed-point chamfer steps (1, 1.4, 2.1969 in 1/65536). */
const STEPS = [65536, 91750, 143978];

/** cv2.Canny(L8, 50, 150) edges of one h × w plane (1 on edges). */
export function cannyRef(p: Float64Array, h: number, w: number): Uint8Array {
  const at = (i: number, j: number) => p[foldRef(i, h, 'edge') * w + foldRef(j, w, 'edge')];
  const mag = new Float64Array(h * w);
  const dir = new Uint8Array(h * w);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const gx = at(i - 1, j + 1) + 2 * at(i, j + 1) + at(i + 1, j + 1) - at(i - 1, j - 1) - 2 * at(i, j - 1) - at(i + 1, j - 1);
      const gy = at(i + 1, j - 1) + 2 * at(i + 1, j) + at(i + 1, j + 1) - at(i - 1, j - 1) - 2 * at(i - 1, j) - at(i - 1, j + 1);
      const ax = Math.abs(gx);
      const ay = Math.abs(gy) * 32768;
      const tg22 = ax * 13573;
      mag[i * w + j] = ax + Math.abs(gy);
      dir[i * w + j] = ay < tg22 ? 0 : ay > tg22 + ax * 65536 ? 1 : (gx < 0) !== (gy < 0) ? 2 : 3;
    }
  }
  const m = (i: number, j: number) => (i < 0 || j < 0 || i >= h || j >= w ? 0 : mag[i * w + j]);
  const cls = new Uint8Array(h * w);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const v = mag[i * w + j];
      if (v <= 50) continue;
      const d = dir[i * w + j];
      const s = d === 2 ? -1 : 1;
      const keep = d === 0 ? v > m(i, j - 1) && v >= m(i, j + 1) : d === 1 ? v > m(i - 1, j) && v >= m(i + 1, j)
        : v > m(i - 1, j - s) && v > m(i + 1, j + s);
      if (keep) cls[i * w + j] = v > 150 ? 2 : 1;
    }
  }
  const stack = [...cls.keys()].filter((k) => cls[k] === 2);
  const edge = new Uint8Array(h * w);
  for (const k of stack) edge[k] = 1;
  while (stack.length) {
    const k = stack.pop()!;
    const i = Math.floor(k / w);
    const j = k % w;
    for (let a = -1; a <= 1; a++) {
      for (let b = -1; b <= 1; b++) {
        const ii = i + a;
        const jj = j + b;
        if (ii < 0 || jj < 0 || ii >= h || jj >= w || cls[ii * w + jj] !== 1 || edge[ii * w + jj]) continue;
        edge[ii * w + jj] = 1;
        stack.push(ii * w + jj);
      }
    }
  }
  return edge;
}

/** The water mode's shading (dist after the final 3×3 blur) of one plane, from the L8 plane. */
export function waterShadeRef(l8: Float64Array, h: number, w: number): Float64Array {
  const edge = cannyRef(l8, h, w);
  // Chamfer distance to the nearest edge, relaxed until nothing changes: exact and uncapped, unlike the 20 GPU steps.
  let d = Float64Array.from(edge, (e) => (e ? 0 : 1e7));
  for (let changed = true; changed;) {
    changed = false;
    const next = d.slice();
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let a = -2; a <= 2; a++) {
          for (let b = -2; b <= 2; b++) {
            const s = Math.abs(a) + Math.abs(b);
            if (s === 0 || (Math.abs(a) === 2 && Math.abs(b) !== 1) || (Math.abs(b) === 2 && Math.abs(a) !== 1)) continue;
            const ii = i + a;
            const jj = j + b;
            if (ii < 0 || jj < 0 || ii >= h || jj >= w) continue;
            const v = d[ii * w + jj] + STEPS[s - 1];
            if (v < next[i * w + j]) { next[i * w + j] = v; changed = true; }
          }
        }
      }
    }
    d = next;
  }
  const box = (src: Float64Array, f: (v: number) => number, fin: (v: number) => number) => Float64Array.from(src, (_, k) => {
    const i = Math.floor(k / w);
    const j = k % w;
    let acc = 0;
    for (let a = -1; a <= 1; a++) for (let b = -1; b <= 1; b++) acc += f(src[foldRef(i + a, h, 'reflect101') * w + foldRef(j + b, w, 'reflect101')]);
    return fin(acc / 9);
  });
  const b0 = box(d, (v) => Math.min(v / 65536, 20), Math.floor);
  const hist = new Array<number>(256).fill(0);
  for (const v of b0) hist[v]++;
  let lo = 0;
  while (!hist[lo]) lo++;
  const lut = new Array<number>(256).fill(lo);
  if (hist[lo] !== b0.length) {
    const scale = 255 / (b0.length - hist[lo]);
    let sum = 0;
    for (let v = 0; v < 256; v++) {
      if (v > lo) sum += hist[v];
      lut[v] = Math.min(255, Math.max(0, Math.round(sum * scale)));
    }
  }
  const eq = b0.map((v) => lut[v]);
  const ker = [-2, -1, 0, -1, 1, 1, 0, 1, 2];
  const emb = Float64Array.from(eq, (_, k) => {
    const i = Math.floor(k / w);
    const j = k % w;
    let acc = 0;
    for (let t = 0; t < 9; t++) acc += ker[t] * eq[foldRef(i + Math.floor(t / 3) - 1, h, 'reflect101') * w + foldRef(j + (t % 3) - 1, w, 'reflect101')];
    return Math.min(255, Math.max(0, Math.round(acc)));
  });
  return box(emb, (v) => v, Math.round);
}

export function spatterRef(x: Float64Array, shape: readonly number[], p: SpatterParams, key: CorruptKey): Float64Array {
  const [n, c, h, w] = shape;
  const hw = h * w;
  const liquid = gaussianFilterRef(noiseFieldRef(n, h, w, 'normal', p.sigma, p.mu, key), [n, 1, h, w], p.blur);
  const out = new Float64Array(x.length);
  const luma = [0.2989, 0.587, 0.114];
  for (let img = 0; img < n; img++) {
    const L = liquid.subarray(img * hw, (img + 1) * hw);
    let m: Float64Array;
    let colour: number[];
    if (p.mode === 1) {
      m = gaussianFilterRef(L.map((v) => (v > p.thresh ? 1 : 0)), [1, 1, h, w], p.k).map((v) => (v < 0.8 ? 0 : v));
      colour = [63, 42, 20].map((v) => v / 255);
    } else {
      const l8 = L.map((v) => (v < p.thresh ? 0 : Math.min(Math.floor(255 * v), 255)));
      const shade = waterShadeRef(l8, h, w);
      const a = l8.map((v, k) => v * shade[k]);
      const top = a.reduce((q, v) => Math.max(q, v), 0);
      m = a.map((v) => (top === 0 ? 0 : (p.k * v) / top));
      colour = [175, 238, 238].map((v) => v / 255);
    }
    for (let k = 0; k < hw; k++) {
      const o = img * c * hw + k;
      const keep = p.mode === 1 ? 1 - m[k] : 1;
      if (c === 1) {
        const add = colour.reduce((s, col, ch) => s + luma[ch] * (p.mode === 1 ? m[k] * col : clip(m[k] * col)), 0);
        out[o] = clip(x[o] * keep + add);
      } else {
        for (let ch = 0; ch < 3; ch++) out[o + ch * hw] = clip(x[o + ch * hw] * keep + m[k] * colour[ch]);
      }
    }
  }
  return out;
}
