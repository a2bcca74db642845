/**
 * Texture and noise sources, and the texture/noise blending views of Azeglio et al.'s fine-tuning data
 * (sazio/TexturesNoiseDataset `textures_and_noise.py`):
 *   views = [pre(x), (1−α)·pre(x) + α·norm(T), (1−β)·pre(x) + β·norm(N)],  α ~ U(.005, .5), β ~ U(.05, .5),
 * with `pre` re-drawn independently in each view, as the reference calls it once per branch, and the blend done
 * in normalised space. The noise images N (phase-randomised twins) are made on the GPU by the FFT op and come in
 * here as plain arrays (`bankSource`).
 */
import { ShapeError } from '../errors.js';
import { DataError, type Image, type ImageShape } from './dataset.js';
import { listImages } from './image-folder.js';
import { readImage, type Channels } from './image-io.js';
import type { Rng } from '../random/rng.js';
import { TEXTURE_FAMILIES, texture, type TextureFamily } from './textures.js';
import { grayscale, type Transform } from './transforms.js';

/** Draws an image of exactly `shape`. */
export type ImageSource = (rng: Rng, shape: ImageShape) => Image;

/** A shape-sized window of `img` at a random offset, tiling (wrapping) where `img` is smaller; 1↔3 channels. */
export function cropTo(img: Image, shape: ImageShape, rng: Rng): Image {
  const [c, h, w] = shape;
  let src = img;
  if (src.shape[0] !== c) {
    if (c === 1) src = grayscale(src);
    else if (src.shape[0] === 1 && c === 3) src = grayscale(src, 3);
    else throw new ShapeError(`cropTo: cannot map [${img.shape.join(', ')}] to [${shape.join(', ')}]`);
  }
  const [, sh, sw] = src.shape;
  const top = rng.int(sh);
  const left = rng.int(sw);
  const out = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) {
    for (let y = 0; y < h; y++) {
      const row = (k * sh + ((top + y) % sh)) * sw;
      for (let x = 0, sx = left; x < w; x++, sx = sx + 1 === sw ? 0 : sx + 1) out[(k * h + y) * w + x] = src.data[row + sx];
    }
  }
  return { data: out, shape: [c, h, w] };
}

/** A folder of texture photographs (PNG/JPEG), decoded on first use and kept. */
export class TextureFolder {
  readonly paths: readonly string[];
  private readonly cache = new Map<number, Image>();

  constructor(dir: string, private readonly channels: Channels = 3) {
    this.paths = listImages(dir);
    if (this.paths.length === 0) throw new DataError(`TextureFolder: no .png/.jpg/.jpeg images in ${dir}`);
  }

  get(index: number): Image {
    let img = this.cache.get(index);
    if (!img) {
      img = readImage(this.paths[index], this.channels);
      this.cache.set(index, img);
    }
    return img;
  }

  source(): ImageSource {
    return (rng, shape) => cropTo(this.get(rng.int(this.paths.length)), shape, rng);
  }
}

/** Picks one of `images` (e.g. GPU-made noise twins) and crops/tiles it to the requested shape. */
export function bankSource(images: readonly Image[]): ImageSource {
  if (images.length === 0) throw new DataError('bankSource: no images');
  return (rng, shape) => cropTo(images[rng.int(images.length)], shape, rng);
}

/** Fresh procedural textures: a random family, mean U[.25, .75], RMS contrast U[.05, .2], same in every channel. */
export function proceduralSource(families: readonly TextureFamily[] = TEXTURE_FAMILIES): ImageSource {
  return (rng, [c, h, w]) => {
    const t = texture(rng.pick(families), h, w, rng, rng.range(0.25, 0.75), rng.range(0.05, 0.2));
    const data = new Float32Array(c * h * w);
    for (let k = 0; k < c; k++) data.set(t, k * h * w);
    return { data, shape: [c, h, w] };
  };
}

/** (1−α)·x + α·t, for `t` with exactly x's element count (a texture, or a noise array from the GPU). */
export function blend(x: Image, t: Float32Array, alpha: number): Image {
  if (t.length !== x.data.length) {
    throw new ShapeError(`blend: image [${x.shape.join(', ')}] with ${t.length} texture values`);
  }
  const out = new Float32Array(t.length);
  for (let i = 0; i < out.length; i++) out[i] = (1 - alpha) * x.data[i] + alpha * t[i];
  return { data: out, shape: x.shape };
}

export interface TextureNoiseOptions {
  textures: ImageSource;
  /** Omit for the textures-only stage (two views). */
  noise?: ImageSource;
  /** Per-view preprocessing (crop, flip, normalise), drawn independently for each view. */
  preprocess?: Transform;
  /** Maps a texture or noise image into the same space as pre(x) (the reference uses ImageNet mean/std). */
  normalize?: (img: Image) => Image;
  textureAlpha?: readonly [number, number];
  noiseAlpha?: readonly [number, number];
}

/** Loader transform giving [clean, texture blend(, noise blend)] views. */
export function textureNoiseViews(options: TextureNoiseOptions): (img: Image, rng: Rng) => Image[] {
  const pre = options.preprocess ?? ((x: Image) => x);
  const norm = options.normalize ?? ((x: Image) => x);
  const [ta, tb] = options.textureAlpha ?? [0.005, 0.5];
  const [na, nb] = options.noiseAlpha ?? [0.05, 0.5];
  return (img, rng) => {
    const clean = pre(img, rng.fork(0));
    const tx = pre(img, rng.fork(1));
    const views = [clean, blend(tx, norm(options.textures(rng.fork(3), tx.shape)).data, rng.range(ta, tb))];
    if (options.noise) {
      const nx = pre(img, rng.fork(2));
      views.push(blend(nx, norm(options.noise(rng.fork(4), nx.shape)).data, rng.range(na, nb)));
    }
    return views;
  };
}
