/**
 * The saliency norm ratio of Safarani et al. 2021 §4 and appendix A. A saliency density map is binarised by
 * "saliency mass": pixels sorted by value, descending, are salient until their cumulative sum reaches 0.7 of the
 * total. Then ρ(I) = ‖salient(I)‖²/‖I‖² is the share of an image's power inside the mask, and eq. (1)
 *   ρ̄_r = (ρ(I_r) − ρ(I_o)) / (1 − ρ(I_o))
 * says how much more of its power a reconstruction I_r spends on the salient region than the original I_o does,
 * as a fraction of the most it could (1 when all of it is there, < 0 when less than in the original).
 * Everything here is plain CPU work on [C, H, W] images and [H·W] masks (a mask applies to every channel).
 */
import { readFileSync } from 'node:fs';
import { ShapeError } from '../errors.js';
import { DataError } from '../data/dataset.js';
import { decodeImage, isPng } from '../data/image-io.js';
import { npyToFloat64, parseNpy } from '../data/npy.js';
import { resize } from '../data/transforms.js';

/**
 * The smallest set of most salient pixels holding at least `mass` of the map's total (the pixel that crosses the
 * threshold is in), as a 0/1 mask. Pixels tied with the last one selected are all in, so the mask does not depend
 * on the sort order; zero pixels are never in.
 */
export function binarizeSaliency(map: ArrayLike<number>, mass = 0.7): Uint8Array {
  if (!(mass > 0 && mass <= 1)) throw new ShapeError(`binarizeSaliency: mass must be in (0, 1], got ${mass}`);
  let total = 0;
  for (let i = 0; i < map.length; i++) {
    if (!(map[i] >= 0)) throw new DataError(`binarizeSaliency: pixel ${i} is ${map[i]}; a saliency map is non-negative`);
    total += map[i];
  }
  if (!(total > 0)) throw new DataError(`binarizeSaliency: the map (${map.length} pixels) is all zero`);
  const sorted = Float64Array.from(map).sort().reverse();
  let cum = 0;
  let threshold = sorted[0];
  for (const v of sorted) {
    cum += v;
    threshold = v;
    // A relative slack, so a mass that is exactly reached is not missed by rounding in the sum.
    if (cum >= mass * total * (1 - 1e-12)) break;
  }
  return Uint8Array.from(map, (v) => (v > 0 && v >= threshold ? 1 : 0));
}

/** Channels of an image over a mask of `mask.length` pixels (throws unless the sizes fit). */
function channelsOf(op: string, img: ArrayLike<number>, mask: ArrayLike<number>): number {
  const c = img.length / mask.length;
  if (!Number.isInteger(c) || c < 1) throw new ShapeError(`${op}: an image of ${img.length} values is not C × the mask's ${mask.length} pixels`);
  return c;
}

/** ρ(I) = ‖I ⊙ mask‖² / ‖I‖² for an image [C, H, W] and a mask [H·W] (NaN for an all-zero image). */
export function normRatio(img: ArrayLike<number>, mask: ArrayLike<number>): number {
  const c = channelsOf('normRatio', img, mask);
  const hw = mask.length;
  let inside = 0;
  let all = 0;
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < hw; i++) {
      const v = img[k * hw + i] ** 2;
      all += v;
      if (mask[i]) inside += v;
    }
  }
  return inside / all;
}

/** Eq. (1): (ρ(I_r) − ρ(I_o)) / (1 − ρ(I_o)); NaN when the original has all its power in the mask. */
export function normalizedNormRatio(recon: ArrayLike<number>, original: ArrayLike<number>, mask: ArrayLike<number>): number {
  if (recon.length !== original.length) throw new ShapeError(`normalizedNormRatio: reconstruction has ${recon.length} values, original ${original.length}`);
  const ro = normRatio(original, mask);
  return ro === 1 ? NaN : (normRatio(recon, mask) - ro) / (1 - ro);
}

export interface SaliencyMap { data: Float64Array; h: number; w: number }

/** A saliency density map from a gray PNG (values in [0, 1]) or an NPY array [H, W] or [1, H, W]. */
export function readSaliencyMap(path: string): SaliencyMap {
  const bytes = readFileSync(path);
  if (isPng(bytes)) {
    const img = decodeImage(bytes, path, 1);
    return { data: Float64Array.from(img.data), h: img.shape[1], w: img.shape[2] };
  }
  const arr = parseNpy(bytes, path);
  const s = arr.shape;
  if (!(s.length === 2 || (s.length === 3 && s[0] === 1))) throw new DataError(`${path}: a saliency map must be [H, W] or [1, H, W], got [${s.join(', ')}]`);
  return { data: npyToFloat64(arr, path), h: s[s.length - 2], w: s[s.length - 1] };
}

/**
 * The paper's order: binarise the map at its own resolution, then resize the mask to the model's h × w
 * (bilinear, as the images) and keep the pixels that end up ≥ ½.
 */
export function saliencyMask(map: SaliencyMap, h: number, w: number, mass = 0.7): Uint8Array {
  if (map.data.length !== map.h * map.w) throw new ShapeError(`saliencyMask: ${map.data.length} values for ${map.h}×${map.w}`);
  const bin = binarizeSaliency(map.data, mass);
  if (map.h === h && map.w === w) return bin;
  const small = resize({ data: Float32Array.from(bin), shape: [1, map.h, map.w] }, h, w);
  return Uint8Array.from(small.data, (v) => (v >= 0.5 ? 1 : 0));
}
