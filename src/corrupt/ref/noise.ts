/**
 * f64 CPU references for kernels/corrupt-noise.wgsl, drawing the same counter-based numbers (images NCHW as
 * Float64Array). Poisson follows numpy's algorithms; the GPU's f32 arithmetic can differ from these at the
 * rare draws that sit on an acceptance boundary.
 */
import { randNormal, randU32x2, randUniform, u32ToUnit } from '../../random/pcg.js';
import { drawU32, imageKey, type CorruptKey } from '../keys.js';

const clip = (v: number) => Math.min(1, Math.max(0, v));

/** Applies f(value, key, counter) to every element, with image n's key and the element's index in its image. */
export function perElementRef(x: Float64Array, shape: readonly number[], key: CorruptKey,
  f: (v: number, k: [number, number], ctr: number) => number): Float64Array {
  const per = x.length / shape[0];
  const out = new Float64Array(x.length);
  for (let n = 0; n < shape[0]; n++) {
    const k = imageKey(key, n);
    for (let i = 0; i < per; i++) out[n * per + i] = f(x[n * per + i], k, i);
  }
  return out;
}

export const gaussianNoiseRef = (x: Float64Array, shape: readonly number[], std: number, key: CorruptKey) =>
  perElementRef(x, shape, key, (v, k, i) => clip(v + std * randNormal(k, i)));

export const speckleNoiseRef = (x: Float64Array, shape: readonly number[], std: number, key: CorruptKey) =>
  perElementRef(x, shape, key, (v, k, i) => clip(v + v * std * randNormal(k, i)));

export const impulseNoiseRef = (x: Float64Array, shape: readonly number[], amount: number, key: CorruptKey) =>
  perElementRef(x, shape, key, (v, k, i) => {
    const [a, b] = randU32x2(k, i);
    return u32ToUnit(a) < amount ? (u32ToUnit(b) < 0.5 ? 1 : 0) : v;
  });

/** numpy's random_loggam. */
export function loggam(x: number): number {
  if (x === 1 || x === 2) return 0;
  const a = [8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04, -5.952380952380952e-04,
    8.417508417508418e-04, -1.917526917526918e-03, 6.410256410256410e-03, -2.955065359477124e-02,
    1.796443723688307e-01, -1.39243221690590e+00];
  const n = x < 7 ? Math.floor(7 - x) : 0;
  let x0 = x + n;
  const x2 = 1 / (x0 * x0);
  let gl0 = a[9];
  for (let k = 8; k >= 0; k--) gl0 = gl0 * x2 + a[k];
  let gl = gl0 / x0 + 0.5 * Math.log(2 * Math.PI) + (x0 - 0.5) * Math.log(x0) - x0;
  for (let k = 0; k < n; k++) { gl -= Math.log(x0 - 1); x0 -= 1; }
  return gl;
}

const MAX_ROUNDS = 64;

/** Poisson(λ) from the draws of counter `ctr`: multiplication below λ = 10, PTRS above (numpy's choice). */
export function poissonRef(lam: number, k: [number, number], ctr: number): number {
  if (lam <= 0) return 0;
  if (lam < 10) {
    const enlam = Math.exp(-lam);
    let prod = 1;
    let count = 0;
    for (let r = 0; r < MAX_ROUNDS; r++) {
      for (const u of drawU32(k, ctr, r)) {
        prod *= u32ToUnit(u);
        if (prod <= enlam) return count;
        count++;
      }
    }
    return count;
  }
  const slam = Math.sqrt(lam);
  const loglam = Math.log(lam);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (let r = 0; r < MAX_ROUNDS; r++) {
    const [hu, hv] = drawU32(k, ctr, r);
    const u = u32ToUnit(hu) - 0.5;
    const v = u32ToUnit(hv);
    const us = 0.5 - Math.abs(u);
    if (us <= 0) continue;
    const kk = Math.floor((2 * a / us + b) * u + lam + 0.43);
    if (us >= 0.07 && v <= vr) return kk;
    if (kk < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lam + kk * loglam - loggam(kk + 1)) return kk;
  }
  return Math.floor(lam);
}

export const shotNoiseRef = (x: Float64Array, shape: readonly number[], rate: number, key: CorruptKey) =>
  perElementRef(x, shape, key, (v, k, i) => clip(poissonRef(v * rate, k, i) / rate));

/** The random field [N, 1, H, W] of corrupt_noise_field. */
export function noiseFieldRef(n: number, h: number, w: number, kind: 'normal' | 'uniform', scale: number, shift: number,
  key: CorruptKey): Float64Array {
  return perElementRef(new Float64Array(n * h * w), [n, 1, h, w], key,
    (_, k, i) => shift + scale * (kind === 'uniform' ? 2 * randUniform(k, i) - 1 : randNormal(k, i)));
}
