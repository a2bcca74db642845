/** f64 CPU references for kernels/corrupt-weather.wgsl (snow, fog's plasma fractal, the procedural frost). */
import { randNormal, randUniform, u32ToUnit } from '../../random/pcg.js';
import { drawU32, imageKey, type CorruptKey } from '../keys.js';
import { roundHalfEven } from '../../numeric.js';
import { zoomAxis } from '../blur.js';
import { nextPow2, snowAngles, type SnowParams } from '../weather.js';
import { motionBlurRef } from './blur.js';

const clip = (v: number) => Math.min(1, Math.max(0, v));

export function snowRef(x: Float64Array, shape: readonly number[], p: SnowParams, key: CorruptKey): Float64Array {
  const [n, c, h, w] = shape;
  const ry = zoomAxis(h, p.zoom);
  const rx = zoomAxis(w, p.zoom);
  const zh = ry.out;
  const zw = rx.out;
  const layer = new Float64Array(n * zh * zw);
  for (let img = 0; img < n; img++) {
    const k = imageKey(key, img);
    const field = (i: number, j: number) => p.mu + p.sigma * randNormal(k, i * w + j);
    for (let i = 0; i < zh; i++) {
      for (let j = 0; j < zw; j++) {
        const sy = ry.top + i * ry.scale;
        const sx = rx.top + j * rx.scale;
        const y0 = Math.floor(sy);
        const x0 = Math.floor(sx);
        const y1 = Math.min(y0 + 1, h - 1);
        const x1 = Math.min(x0 + 1, w - 1);
        const fy = sy - y0;
        const fx = sx - x0;
        const top = field(y0, x0) * (1 - fx) + field(y0, x1) * fx;
        const v = top * (1 - fy) + (field(y1, x0) * (1 - fx) + field(y1, x1) * fx) * fy;
        layer[(img * zh + i) * zw + j] = clip(v < p.thresh ? 0 : v);
      }
    }
  }
  const blurred = motionBlurRef(layer, [n, 1, zh, zw], p.radius, p.blurSigma, snowAngles(key, n), 'none');
  const out = new Float64Array(x.length);
  const hw = h * w;
  for (let img = 0; img < n; img++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const s1 = roundHalfEven(255 * blurred[(img * zh + i) * zw + j]) / 255;
        const s2 = roundHalfEven(255 * blurred[(img * zh + h - 1 - i) * zw + w - 1 - j]) / 255;
        const at = (ch: number) => x[(img * c + ch) * hw + i * w + j];
        const gray = c === 1 ? at(0) : 0.299 * at(0) + 0.587 * at(1) + 0.114 * at(2);
        for (let ch = 0; ch < c; ch++) {
          const v = at(ch);
          out[(img * c + ch) * hw + i * w + j] = clip(p.blend * v + (1 - p.blend) * Math.max(v, 1.5 * gray + 0.5) + s1 + s2);
        }
      }
    }
  }
  return out;
}

/** Diamond-square maps [N, m, m] before normalisation, as corrupt_weather_plasma_*. */
export function plasmaRef(n: number, m: number, decay: number, key: CorruptKey): Float64Array {
  const out = new Float64Array(n * m * m);
  for (let img = 0; img < n; img++) {
    const k = imageKey(key, img);
    const M = out.subarray(img * m * m, (img + 1) * m * m);
    const at = (i: number, j: number) => M[(i % m) * m + (j % m)];
    let wib = 100;
    const put = (i: number, j: number, sum: number) => { M[i * m + j] = sum / 4 + wib * (-wib + 2 * wib * randUniform(k, i * m + j)); };
    for (let s = m; s >= 2; s /= 2) {
      const half = s / 2;
      for (let i = 0; i < m; i += s) {
        for (let j = 0; j < m; j += s) put(i + half, j + half, s === m ? 0 : at(i, j) + at(i + s, j) + at(i, j + s) + at(i + s, j + s));
      }
      for (let i = 0; i < m; i += s) {
        for (let j = 0; j < m; j += s) {
          const top = at(i + half, j + half) + at(i + m - half, j + half) + at(i, j) + at(i, j + s);
          const left = at(i + half, j + half) + at(i + half, j + m - half) + at(i, j) + at(i + s, j);
          put(i, j + half, top);
          put(i + half, j, left);
        }
      }
      wib /= decay;
    }
  }
  return out;
}

export function fogRef(x: Float64Array, shape: readonly number[], a: number, decay: number, key: CorruptKey): Float64Array {
  const [n, c, h, w] = shape;
  const m = nextPow2(Math.max(h, w));
  const map = plasmaRef(n, m, decay, key);
  const out = new Float64Array(x.length);
  const per = c * h * w;
  for (let img = 0; img < n; img++) {
    const M = map.subarray(img * m * m, (img + 1) * m * m);
    const lo = M.reduce((p, v) => Math.min(p, v), Infinity);
    const hi = M.reduce((p, v) => Math.max(p, v), -Infinity);
    const xmax = x.subarray(img * per, (img + 1) * per).reduce((p, v) => Math.max(p, v), -Infinity);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const o = img * per + (ch * h + i) * w + j;
          out[o] = clip((x[o] + (a * (M[i * m + j] - lo)) / (hi - lo)) * xmax / (xmax + a));
        }
      }
    }
  }
  return out;
}

function valueNoise(k: [number, number], py: number, px: number, octave: number): number {
  const cy = Math.floor(py);
  const cx = Math.floor(px);
  const fy = py - cy;
  const fx = px - cx;
  const sy = fy * fy * (3 - 2 * fy);
  const sx = fx * fx * (3 - 2 * fx);
  const v = (i: number, j: number) => u32ToUnit(drawU32(k, i * 4096 + j, octave)[0]);
  const top = v(cy, cx) + sx * (v(cy, cx + 1) - v(cy, cx));
  return top + sy * (v(cy + 1, cx) + sx * (v(cy + 1, cx + 1) - v(cy + 1, cx)) - top);
}

/** The procedural ice intensity of corrupt_weather_frost at pixel (i, j). */
export function iceRef(k: [number, number], h: number, w: number, i: number, j: number): number {
  const cell = Math.max(w, h) / 10;
  let ridges = 0;
  let norm = 0;
  let amp = 1;
  let freq = 1 / cell;
  for (let o = 0; o < 6; o++) {
    const r = 1 - Math.abs(2 * valueNoise(k, i * freq, j * freq, o + 1) - 1);
    ridges += amp * r ** 8;
    norm += amp;
    amp *= 0.75;
    freq *= 2;
  }
  const cover = valueNoise(k, i / (2 * cell), j / (2 * cell), 0);
  return clip(0.2 + 0.35 * cover + 2.2 * (ridges / norm) * (0.4 + 0.8 * cover));
}

export function frostRef(x: Float64Array, shape: readonly number[], a: number, b: number, key: CorruptKey): Float64Array {
  const [n, c, h, w] = shape;
  const tint = [0.82, 0.91, 1];
  const luma = 0.2989 * tint[0] + 0.587 * tint[1] + 0.114 * tint[2];
  const out = new Float64Array(x.length);
  for (let img = 0; img < n; img++) {
    const k = imageKey(key, img);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const v = iceRef(k, h, w, i, j);
        for (let ch = 0; ch < c; ch++) {
          const o = ((img * c + ch) * h + i) * w + j;
          out[o] = clip(a * x[o] + b * v * (c === 1 ? luma : tint[ch]));
        }
      }
    }
  }
  return out;
}
