/**
 * synth-objects-64: 64×64 grayscale shapes in 10 classes, each figure and its ground filled
 * with a procedural texture. Pose: rotation U[0, 2π) (none for disk and ring), circumradius U[12, 22] px,
 * centre offset U[−8, 8]² px (scaled with `imageSize`). Luminance: means U[.25, .75] with |Δmean| ≥ .1
 * (≥ .03 in the hard subset), RMS contrast U[.05, .2] (a range option makes an easier set). Item i has label i mod 10 and is a pure function of
 * (seed, split, i), so any split size works and any item regenerates alone.
 */
import { checkIndex, type Dataset, type Sample } from './dataset.js';
import { rasterize, type ObjectShape, type Pose } from './object-shapes.js';
import { nameId } from '../random/pcg.js';
import { Rng } from '../random/rng.js';
import { SYNTH_OBJECT_CLASSES, SYNTH_OBJECTS_SUPERCLASSES, type Superclasses } from './superclasses.js';
import { TEXTURE_FAMILIES, texture, type TextureFamily } from './textures.js';
import type { Box } from './tiny-imagenet.js';

export type SynthSplit = 'train' | 'val' | 'test';

/** Images per class and split: 'full' mirrors Tiny ImageNet (500/50/50), 'ci' is the small default. */
export const SYNTH_PROFILES = {
  full: { train: 500, val: 50, test: 50 },
  ci: { train: 40, val: 10, test: 10 },
} as const;

export interface SynthObjectsOptions {
  split?: SynthSplit;
  profile?: keyof typeof SYNTH_PROFILES;
  /** Overrides the profile's images per class. */
  perClass?: number;
  seed?: number;
  imageSize?: number;
  /** Figure/ground mean difference down to .03 instead of .1. */
  hard?: boolean;
  families?: readonly TextureFamily[];
  /** RMS contrast range [lo, hi] of figure and ground textures (default [.05, .2]); lower makes the shapes easier. */
  rms?: readonly [number, number];
}

/** Everything about one item: the image, its true object mask (a saliency map) and how it was drawn. */
export interface SynthObject {
  image: Float32Array;
  /** Object coverage in [0, 1], [H·W]. */
  mask: Float32Array;
  /** Inclusive pixel box of mask > 0, Tiny ImageNet style. */
  box: Box;
  label: number;
  pose: Pose;
  figure: { family: TextureFamily; mean: number; rms: number };
  ground: { family: TextureFamily; mean: number; rms: number };
}

const ROTATION_FREE: ReadonlySet<ObjectShape> = new Set(['disk', 'ring']);

export class SynthObjects implements Dataset {
  readonly numClasses = SYNTH_OBJECT_CLASSES.length;
  readonly classNames: readonly string[] = SYNTH_OBJECT_CLASSES;
  readonly superclasses: Superclasses = SYNTH_OBJECTS_SUPERCLASSES;
  readonly size: number;
  readonly split: SynthSplit;
  readonly seed: number;
  readonly imageSize: number;
  private readonly minDelta: number;
  private readonly families: readonly TextureFamily[];
  private readonly rms: readonly [number, number];
  private readonly stream: number;

  constructor(options: SynthObjectsOptions = {}) {
    this.split = options.split ?? 'train';
    this.seed = options.seed ?? 0;
    this.imageSize = options.imageSize ?? 64;
    const perClass = options.perClass ?? SYNTH_PROFILES[options.profile ?? 'ci'][this.split];
    if (!(Number.isInteger(perClass) && perClass >= 0)) throw new RangeError(`SynthObjects: perClass ${perClass}`);
    this.size = perClass * this.numClasses;
    this.minDelta = options.hard ? 0.03 : 0.1;
    this.families = options.families ?? TEXTURE_FAMILIES;
    this.rms = options.rms ?? [0.05, 0.2];
    if (!(this.rms[0] >= 0 && this.rms[1] >= this.rms[0])) throw new RangeError(`SynthObjects: rms range [${this.rms.join(', ')}]`);
    this.stream = nameId(`synth-objects-64/${this.split}`);
  }

  get(index: number): Sample {
    const o = this.render(index);
    return { data: o.image, shape: [1, this.imageSize, this.imageSize], label: o.label };
  }

  /** The true object mask alone (cheap: no textures are rendered). */
  mask(index: number): Float32Array {
    const { shape, pose } = this.draw(index);
    return rasterize(shape, pose, this.imageSize, this.imageSize);
  }

  box(index: number): Box { return maskBox(this.mask(index), this.imageSize, this.imageSize); }

  private draw(index: number): { rng: Rng; label: number; shape: ObjectShape; pose: Pose } {
    checkIndex('SynthObjects', index, this.size);
    const n = this.imageSize;
    const k = n / 64;
    const rng = Rng.of(this.seed, this.stream, index);
    const label = index % this.numClasses;
    const shape = SYNTH_OBJECT_CLASSES[label];
    const p = rng.fork(0);
    const pose: Pose = {
      cx: n / 2 + k * p.range(-8, 8),
      cy: n / 2 + k * p.range(-8, 8),
      radius: k * p.range(12, 22),
      theta: ROTATION_FREE.has(shape) ? 0 : p.range(0, 2 * Math.PI),
    };
    return { rng, label, shape, pose };
  }

  render(index: number): SynthObject {
    const { rng, label, shape, pose } = this.draw(index);
    const n = this.imageSize;
    const mask = rasterize(shape, pose, n, n);
    const lum = rng.fork(1);
    const figMean = lum.range(0.25, 0.75);
    let groundMean = lum.range(0.25, 0.75);
    while (Math.abs(groundMean - figMean) < this.minDelta) groundMean = lum.range(0.25, 0.75);
    const figure = { family: lum.pick(this.families), mean: figMean, rms: lum.range(this.rms[0], this.rms[1]) };
    const ground = { family: lum.pick(this.families), mean: groundMean, rms: lum.range(this.rms[0], this.rms[1]) };
    const fig = texture(figure.family, n, n, rng.fork(2), figure.mean, figure.rms);
    const bg = texture(ground.family, n, n, rng.fork(3), ground.mean, ground.rms);
    const image = new Float32Array(n * n);
    for (let i = 0; i < n * n; i++) image[i] = mask[i] * fig[i] + (1 - mask[i]) * bg[i];
    return { image, mask, box: maskBox(mask, n, n), label, pose, figure, ground };
  }
}

function maskBox(mask: Float32Array, h: number, w: number): Box {
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x] > 0) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    }
  }
  return x1 < 0 ? [0, 0, w - 1, h - 1] : [x0, y0, x1, y1];
}
