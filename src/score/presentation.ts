/**
 * Stimulus presentation as Brain-Score does it (brain-score/vision benchmark_helpers/screen.py `place_on_screen`,
 * then the model's preprocessing): an image spanning `stimulusDegrees` is shown to a model whose input spans
 * `modelDegrees` (default 8°). With ratio = model° / stimulus° ≥ 1 the image is pasted, centred, on a PIL 'gray'
 * (128/255) canvas ratio times its size; below 1 it is centre-cropped to ratio times its size. The result is then
 * resized to the model's input and converted to its channel count.
 */
import type { Image } from '../data/dataset.js';
import { grayscale, IMAGENET_MEAN, IMAGENET_STD, normalizeImage, resize } from '../data/transforms.js';
import { ShapeError } from '../errors.js';

/** PIL's `Image.new('RGB', size, 'gray')`: (128, 128, 128). */
export const SCREEN_GRAY = 128 / 255;
/** Brain-Score's default model field of view. */
export const MODEL_DEGREES = 8;

/** numpy `round` (half to even), which Brain-Score uses for the canvas size and offset. */
function roundEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d !== 0.5) return Math.round(v);
  return f % 2 === 0 ? f : f + 1;
}

/** `ImageConverter.apply_ratio` on a CHW image in [0, 1]. */
export function placeOnScreen(img: Image, stimulusDegrees: number, modelDegrees = MODEL_DEGREES): Image {
  if (!(stimulusDegrees > 0) || !(modelDegrees > 0)) {
    throw new ShapeError(`placeOnScreen: degrees must be positive (stimulus ${stimulusDegrees}, model ${modelDegrees})`);
  }
  if (stimulusDegrees === modelDegrees) return img;
  const ratio = modelDegrees / stimulusDegrees;
  const [c, h, w] = img.shape;
  const th = roundEven(ratio * h), tw = roundEven(ratio * w);
  const out = new Float32Array(c * th * tw);
  if (ratio >= 1) {
    out.fill(SCREEN_GRAY);
    const top = roundEven((th - h) / 2), left = roundEven((tw - w) / 2);
    for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) {
      out.set(img.data.subarray((k * h + y) * w, (k * h + y + 1) * w), (k * th + top + y) * tw + left);
    }
  } else {
    const top = roundEven((h - th) / 2), left = roundEven((w - tw) / 2);
    for (let k = 0; k < c; k++) for (let y = 0; y < th; y++) {
      out.set(img.data.subarray((k * h + top + y) * w + left, (k * h + top + y) * w + left + tw), (k * th + y) * tw);
    }
  }
  return { data: out, shape: [c, th, tw] };
}

export interface Presentation {
  /** Side of the square model input in pixels. */
  size: number;
  channels: 1 | 3;
  stimulusDegrees: number;
  modelDegrees?: number;
}

/**
 * A stimulus (gray or RGB, [0, 1]) as the model sees it: placed on screen, resized, converted to the model's
 * channels and normalised the way the project's models are trained (gray mean .5 / std .25, colour ImageNet's).
 */
export function present(img: Image, p: Presentation): Image {
  let x = placeOnScreen(img, p.stimulusDegrees, p.modelDegrees);
  if (x.shape[1] !== p.size || x.shape[2] !== p.size) x = resize(x, p.size, p.size);
  if (x.shape[0] !== p.channels) x = grayscale(x, p.channels);
  return p.channels === 1 ? normalizeImage(x, [0.5], [0.25]) : normalizeImage(x, IMAGENET_MEAN, IMAGENET_STD);
}
