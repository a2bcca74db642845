/** f64 CPU references for kernels/corrupt-blur.wgsl (images NCHW as Float64Array, filters per plane). */
import { randU32x2 } from '../../random/pcg.js';
import { imageKey, type CorruptKey } from '../keys.js';
import { diskKernel, gaussianWeights, motionTaps, zoomTable, type Border, type Post } from '../blur.js';

/** Border folding as lib/corrupt.wgsl `fold`. */
export function foldRef(i: number, n: number, border: Border): number {
  if (i >= 0 && i < n) return i;
  if (border === 'edge' || n === 1) return Math.min(n - 1, Math.max(0, i));
  const p = border === 'symmetric' ? 2 * n : 2 * n - 2;
  const m = ((i % p) + p) % p;
  if (m < n) return m;
  return border === 'symmetric' ? p - 1 - m : p - m;
}

export function postRef(v: number, post: Post): number {
  if (post === 'uint8') return Math.floor(v * 255) / 255;
  return post === 'clip' ? Math.min(1, Math.max(0, v)) : v;
}

/** Runs f(plane offset, h, w) → values for every plane of NCHW `shape`. */
function perPlane(x: Float64Array, shape: readonly number[], f: (base: number, h: number, w: number, plane: number) => (i: number, j: number) => number): Float64Array {
  const [n, c, h, w] = shape;
  const out = new Float64Array(x.length);
  for (let p = 0; p < n * c; p++) {
    const at = f(p * h * w, h, w, p);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[p * h * w + i * w + j] = at(i, j);
  }
  return out;
}

export function separableRef(x: Float64Array, shape: readonly number[], wts: Float64Array, axis: 0 | 1, border: Border, post: Post): Float64Array {
  const r = (wts.length - 1) / 2;
  return perPlane(x, shape, (base, h, w) => (i, j) => {
    let acc = 0;
    for (let k = -r; k <= r; k++) {
      acc += wts[k + r] * (axis === 0 ? x[base + foldRef(i + k, h, border) * w + j] : x[base + i * w + foldRef(j + k, w, border)]);
    }
    return postRef(acc, post);
  });
}

export function gaussianFilterRef(x: Float64Array, shape: readonly number[], sigma: number | readonly [number, number],
  opts: { truncate?: number; border?: Border; post?: Post } = {}): Float64Array {
  const [sh, sw] = typeof sigma === 'number' ? [sigma, sigma] : sigma;
  const border = opts.border ?? 'edge';
  const rows = separableRef(x, shape, gaussianWeights(sh, opts.truncate), 0, border, 'none');
  return separableRef(rows, shape, gaussianWeights(sw, opts.truncate), 1, border, opts.post ?? 'none');
}

export function filter2dRef(x: Float64Array, shape: readonly number[], kernel: Float64Array, border: Border, post: Post): Float64Array {
  const size = Math.round(Math.sqrt(kernel.length));
  const r = (size - 1) / 2;
  return perPlane(x, shape, (base, h, w) => (i, j) => {
    let acc = 0;
    for (let a = -r; a <= r; a++) {
      for (let b = -r; b <= r; b++) acc += kernel[(a + r) * size + b + r] * x[base + foldRef(i + a, h, border) * w + foldRef(j + b, w, border)];
    }
    return postRef(acc, post);
  });
}

export const defocusBlurRef = (x: Float64Array, shape: readonly number[], radius: number, alias: number) =>
  filter2dRef(x, shape, diskKernel(radius, alias), 'reflect101', 'clip');

export function motionBlurRef(x: Float64Array, shape: readonly number[], radius: number, sigma: number,
  anglesDeg: readonly number[], post: Post = 'clip'): Float64Array {
  const [, c, h, w] = shape;
  const taps = anglesDeg.map((a) => motionTaps(radius, sigma, a, h, w));
  return perPlane(x, shape, (base, _h, _w, p) => (i, j) => {
    const t = taps[Math.floor(p / c)];
    let acc = 0;
    for (let k = 0; k < t.length; k += 4) {
      acc += t[k + 2] * x[base + foldRef(i - t[k + 1], h, 'edge') * w + foldRef(j - t[k], w, 'edge')];
    }
    return postRef(acc, post);
  });
}

export function zoomBlurRef(x: Float64Array, shape: readonly number[], factors: readonly number[]): Float64Array {
  const [, , h, w] = shape;
  const table = zoomTable(h, w, factors);
  return perPlane(x, shape, (base) => (i, j) => {
    let acc = x[base + i * w + j];
    for (let z = 0; z < factors.length; z++) {
      const [ty, sy, ly, vy, tx, sx, lx, vx] = table.subarray(8 * z, 8 * z + 8);
      if (i >= vy || j >= vx) continue;
      const yy = ty + i * sy;
      const xx = tx + j * sx;
      const y0 = Math.floor(yy);
      const x0 = Math.floor(xx);
      const y1 = Math.min(y0 + 1, ly);
      const x1 = Math.min(x0 + 1, lx);
      const fy = yy - y0;
      const fx = xx - x0;
      const top = x[base + y0 * w + x0] * (1 - fx) + x[base + y0 * w + x1] * fx;
      const bottom = x[base + y1 * w + x0] * (1 - fx) + x[base + y1 * w + x1] * fx;
      acc += top * (1 - fy) + bottom * fy;
    }
    return Math.min(1, Math.max(0, acc / (factors.length + 1)));
  });
}

/** The glass-blur pixel shuffle (in place), as corrupt_blur_glass. */
export function glassShuffleRef(x: Float64Array, shape: readonly number[], delta: number, iters: number, key: CorruptKey): void {
  const [n, c, h, w] = shape;
  const hw = h * w;
  for (let img = 0; img < n; img++) {
    const k = imageKey(key, img);
    for (let it = 0; it < iters; it++) {
      for (let r = h - delta; r > delta; r--) {
        for (let col = w - delta; col > delta; col--) {
          const [a, b] = randU32x2(k, (it * h + r) * w + col);
          const dx = Math.floor(((a >>> 8) * 2 * delta) / 16777216) - delta;
          const dy = Math.floor(((b >>> 8) * 2 * delta) / 16777216) - delta;
          for (let ch = 0; ch < c; ch++) {
            const here = (img * c + ch) * hw + r * w + col;
            const there = (img * c + ch) * hw + (r + dy) * w + col + dx;
            const v = x[here];
            x[here] = x[there];
            if (c === 1) x[there] = v;
          }
        }
      }
    }
  }
}

export function glassBlurRef(x: Float64Array, shape: readonly number[], sigma: number, delta: number, iters: number, key: CorruptKey): Float64Array {
  const q = gaussianFilterRef(x, shape, sigma, { post: 'uint8' });
  glassShuffleRef(q, shape, delta, iters, key);
  return gaussianFilterRef(q, shape, sigma, { post: 'clip' });
}
