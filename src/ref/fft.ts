/**
 * f64 CPU references for src/ops/fft.ts: direct O(n²) DFTs per axis (deliberately not an FFT, so the GPU
 * passes are checked against an independent formula), the ops built on them, and their backward passes.
 * Complex arrays are interleaved (re, im); `batch` counts the [h, w] planes.
 */
import { randUniform } from '../random/pcg.js';

export interface Planes { batch: number; h: number; w: number }

/** In place, one length-n DFT per entry of `starts` (elements `stride` apart); sign −1 forward, +1 inverse. */
function dftLines(z: Float64Array, n: number, stride: number, starts: number[], sign: number): void {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (const base of starts) {
    for (let q = 0; q < n; q++) {
      let sr = 0;
      let si = 0;
      for (let j = 0; j < n; j++) {
        // (j·q) mod n keeps the angle exact for large products.
        const a = (sign * 2 * Math.PI * ((j * q) % n)) / n;
        const xr = z[2 * (base + j * stride)];
        const xi = z[2 * (base + j * stride) + 1];
        sr += xr * Math.cos(a) - xi * Math.sin(a);
        si += xr * Math.sin(a) + xi * Math.cos(a);
      }
      re[q] = sr;
      im[q] = si;
    }
    for (let q = 0; q < n; q++) {
      z[2 * (base + q * stride)] = re[q];
      z[2 * (base + q * stride) + 1] = im[q];
    }
  }
}

/** torch.fft.fft2 / ifft2 (norm "backward") of interleaved complex planes. */
export function dft2(x: ArrayLike<number>, { batch, h, w }: Planes, inverse = false): Float64Array {
  const z = Float64Array.from(x);
  const sign = inverse ? 1 : -1;
  const rows: number[] = [];
  const cols: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let u = 0; u < h; u++) rows.push((b * h + u) * w);
    for (let v = 0; v < w; v++) cols.push(b * h * w + v);
  }
  dftLines(z, w, 1, rows, sign);
  dftLines(z, h, w, cols, sign);
  if (inverse) for (let i = 0; i < z.length; i++) z[i] /= h * w;
  return z;
}

export function toComplex(x: ArrayLike<number>): Float64Array {
  const z = new Float64Array(2 * x.length);
  for (let i = 0; i < x.length; i++) z[2 * i] = x[i];
  return z;
}

export function realPartRef(z: ArrayLike<number>): Float64Array {
  const y = new Float64Array(z.length / 2);
  for (let i = 0; i < y.length; i++) y[i] = z[2 * i];
  return y;
}

export function imagPartRef(z: ArrayLike<number>): Float64Array {
  const y = new Float64Array(z.length / 2);
  for (let i = 0; i < y.length; i++) y[i] = z[2 * i + 1];
  return y;
}

export function rfft2FullRef(x: ArrayLike<number>, p: Planes): Float64Array {
  return dft2(toComplex(x), p);
}

export function ifft2RealRef(z: ArrayLike<number>, p: Planes): Float64Array {
  return realPartRef(dft2(z, p, true));
}

/** |z| per complex element. */
export function amplitudeRef(z: ArrayLike<number>): Float64Array {
  const a = new Float64Array(z.length / 2);
  for (let i = 0; i < a.length; i++) a[i] = Math.hypot(z[2 * i], z[2 * i + 1]);
  return a;
}

// ---- backward: the real adjoint of a complex-linear map is its conjugate transpose --------------------------

/** Gradient of Σ fft2(x)·dy (or ifft2) w.r.t. x. */
export function fft2BackwardRef(dy: ArrayLike<number>, p: Planes, inverse = false): Float64Array {
  const n = p.h * p.w;
  const g = dft2(dy, p, !inverse);
  // fft2ᴴ = n·ifft2; ifft2ᴴ = fft2 / n.
  const k = inverse ? 1 / n : n;
  for (let i = 0; i < g.length; i++) g[i] *= k;
  return g;
}

export function rfft2FullBackwardRef(dy: ArrayLike<number>, p: Planes): Float64Array {
  return realPartRef(fft2BackwardRef(dy, p));
}

export function ifft2RealBackwardRef(dy: ArrayLike<number>, p: Planes): Float64Array {
  return fft2BackwardRef(toComplex(dy), p, true);
}

// ---- amplitude / phase ------------------------------------------------------------------------------------

/** |s|·t/|t| per complex element (phase 0 where t = 0). */
export function polarRef(s: ArrayLike<number>, t: ArrayLike<number>): Float64Array {
  const g = new Float64Array(s.length);
  for (let i = 0; i < s.length; i += 2) {
    const a = Math.hypot(s[i], s[i + 1]);
    const r = Math.hypot(t[i], t[i + 1]);
    g[i] = r > 0 ? (a * t[i]) / r : a;
    g[i + 1] = r > 0 ? (a * t[i + 1]) / r : 0;
  }
  return g;
}

/** Gradients [ds, dt] of Σ polar(s, t)·dg. */
export function polarBackwardRef(s: ArrayLike<number>, t: ArrayLike<number>, dg: ArrayLike<number>):
  [Float64Array, Float64Array] {
  const ds = new Float64Array(s.length);
  const dt = new Float64Array(s.length);
  for (let i = 0; i < s.length; i += 2) {
    const a = Math.hypot(s[i], s[i + 1]);
    const r = Math.hypot(t[i], t[i + 1]);
    const ux = r > 0 ? t[i] / r : 1;
    const uy = r > 0 ? t[i + 1] / r : 0;
    if (a > 0) {
      // ∂|s|/∂s = s/|s|, times the component of dg along the phase direction u.
      const along = dg[i] * ux + dg[i + 1] * uy;
      ds[i] = (along * s[i]) / a;
      ds[i + 1] = (along * s[i + 1]) / a;
    }
    if (r > 0) {
      // Only the component of dt across u moves the phase; |t| has no effect.
      const across = dg[i] * uy - dg[i + 1] * ux;
      dt[i] = ((a * across) / r) * uy;
      dt[i + 1] = -((a * across) / r) * ux;
    }
  }
  return [ds, dt];
}

/** The unit phasors fft_random_phasor draws (DC: the spectrum's own value, normalised later by polar). */
export function randomPhasorRef(spec: ArrayLike<number>, { batch, h, w }: Planes,
  key: readonly [number, number]): Float64Array {
  const z = new Float64Array(2 * batch * h * w);
  for (let b = 0; b < batch; b++) {
    for (let u = 0; u < h; u++) {
      for (let v = 0; v < w; v++) {
        const f = u * w + v;
        const e = b * h * w + f;
        if (f === 0) { z[2 * e] = spec[2 * e]; z[2 * e + 1] = spec[2 * e + 1]; continue; }
        const mirror = ((h - u) % h) * w + ((w - v) % w);
        const theta = 2 * Math.PI * randUniform(key, b * h * w + Math.min(f, mirror)) - Math.PI;
        let re = Math.cos(theta);
        let im = Math.sin(theta);
        if (mirror === f) { re = re >= 0 ? 1 : -1; im = 0; } else if (mirror < f) im = -im;
        z[2 * e] = re;
        z[2 * e + 1] = im;
      }
    }
  }
  return z;
}

export function phaseRandomizedSpectrumRef(img: ArrayLike<number>, p: Planes, key: readonly [number, number]): Float64Array {
  const f = rfft2FullRef(img, p);
  return polarRef(f, randomPhasorRef(f, p, key));
}

export function phaseRandomizeRef(img: ArrayLike<number>, p: Planes, key: readonly [number, number]): Float64Array {
  return ifft2RealRef(phaseRandomizedSpectrumRef(img, p, key), p);
}

export function phaseRandomizeBackwardRef(img: ArrayLike<number>, p: Planes, key: readonly [number, number],
  dy: ArrayLike<number>): Float64Array {
  const f = rfft2FullRef(img, p);
  const [df] = polarBackwardRef(f, randomPhasorRef(f, p, key), ifft2RealBackwardRef(dy, p));
  return rfft2FullBackwardRef(df, p);
}

/** Re ifft2(|F(source)| · F(target)/|F(target)|). */
export function amplitudeTransferRef(target: ArrayLike<number>, source: ArrayLike<number>, p: Planes): Float64Array {
  return ifft2RealRef(polarRef(rfft2FullRef(source, p), rfft2FullRef(target, p)), p);
}

/** Gradients [dTarget, dSource] of Σ amplitudeTransfer(target, source)·dy. */
export function amplitudeTransferBackwardRef(target: ArrayLike<number>, source: ArrayLike<number>, p: Planes,
  dy: ArrayLike<number>): [Float64Array, Float64Array] {
  const [ds, dt] = polarBackwardRef(rfft2FullRef(source, p), rfft2FullRef(target, p), ifft2RealBackwardRef(dy, p));
  return [rfft2FullBackwardRef(dt, p), rfft2FullBackwardRef(ds, p)];
}
