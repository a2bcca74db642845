/** The dataset contract shared by every image source, and the errors the data layer throws. */
import { CortexError } from '../errors.js';
import { Rng } from '../random/rng.js';

/** [channels, height, width]. */
export type ImageShape = readonly [number, number, number];

/** A float image, CHW, values in [0, 1] unless a transform normalised it. */
export interface Image {
  data: Float32Array;
  shape: ImageShape;
}

export interface Sample extends Image {
  label: number;
}

export interface Dataset {
  readonly size: number;
  readonly numClasses: number;
  readonly classNames: readonly string[];
  /** Decodes or generates item `index`; the returned arrays belong to the caller. */
  get(index: number): Sample;
}

/** A malformed dataset (missing files, bad index files, mismatched shapes); names the file or item. */
export class DataError extends CortexError {}

/** An image file that cannot be decoded. The loader skips these only when asked (`skipCorrupt`). */
export class CorruptImageError extends DataError {
  constructor(readonly path: string, reason: string) {
    super(`corrupt image ${path}: ${reason}`);
  }
}

export function checkIndex(what: string, index: number, size: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`${what}: index ${index} out of range [0, ${size})`);
  }
}

/** The items of `base` at `indices`, in that order. */
export function subset(base: Dataset, indices: ArrayLike<number>): Dataset {
  const idx = Int32Array.from(indices);
  for (const i of idx) checkIndex('subset', i, base.size);
  return {
    size: idx.length,
    numClasses: base.numClasses,
    classNames: base.classNames,
    get(i) {
      checkIndex('subset', i, idx.length);
      return base.get(idx[i]);
    },
  };
}

/**
 * Holds out a random `fraction` of `base` (e.g. 10% of Tiny ImageNet train for validation, as nntransfer
 * does); the split depends only on `seed`.
 */
export function holdout(base: Dataset, fraction: number, seed: number): { train: Dataset; val: Dataset } {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`holdout: fraction ${fraction} not in [0, 1)`);
  const perm = Rng.of(seed, 0x401d).permutation(base.size);
  const nVal = Math.floor(base.size * fraction);
  return { train: subset(base, perm.subarray(nVal)), val: subset(base, perm.subarray(0, nVal)) };
}
