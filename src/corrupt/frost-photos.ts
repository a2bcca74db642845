/**
 * The original frost layer: imagecorruptions' frost blends a random crop of one of its frost photographs, which
 * we cannot ship; a user who has them (imagecorruptions/frost/ in the package, or Hendrycks' ImageNet-C repo)
 * loads that folder with loadFrostPhotos (frost-folder.ts, Node only; a page decodes its own) and passes
 * the photos as `frostPhotos`. As the original: the photo index is randint(5) (frost6.jpg is listed there
 * but never drawn), the photo is scaled by 1.1 × the factor that makes it cover the image (cv2.resize, bicubic,
 * uint8 result), and a crop at (randint(0, H' − H), randint(0, W' − W)) is taken. Our draws come from the
 * image's key (sub-stream 1), not numpy's stream, so which photo and crop an image gets differs from a run of
 * the original. JPEG photos are decoded by jpeg-js (not libjpeg as cv2.imread), a grey level or more apart.
 */
import type { Image } from '../data/dataset.js';
import { imageUniforms, substream, type CorruptKey } from './keys.js';

/** The photographs the original draws from, in its order. */
export const FROST_FILES = ['frost1.png', 'frost2.png', 'frost3.png', 'frost4.jpg', 'frost5.jpg'] as const;

/** The five decoded photos in FROST_FILES order; `id` names their source (scaled copies are cached under it). */
export interface FrostPhotos { id: string; images: Image[] }

const scaledCache = new Map<string, Image>();

/** OpenCV's bicubic weights (A = −0.75) at fraction t. */
function cubicWeights(t: number): number[] {
  const A = -0.75;
  const w0 = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
  const w1 = ((A + 2) * t - (A + 3)) * t * t + 1;
  const w2 = ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1;
  return [w0, w1, w2, 1 - w0 - w1 - w2];
}

/** cv2.resize(INTER_CUBIC) of an 8-bit photo to outH × outW: half-pixel centres, replicated borders, rounded to uint8. */
export function resizeCubic8(img: Image, outH: number, outW: number): Image {
  const [c, h, w] = img.shape;
  const axis = (n: number, out: number) => Array.from({ length: out }, (_, o) => {
    const s = (o + 0.5) * (n / out) - 0.5;
    const i = Math.floor(s);
    return { i, w: cubicWeights(s - i) };
  });
  const ax = axis(w, outW);
  const ay = axis(h, outH);
  const at = (ch: number, r: number, col: number) => img.data[(ch * h + Math.min(h - 1, Math.max(0, r))) * w + Math.min(w - 1, Math.max(0, col))];
  const rows = new Float64Array(c * h * outW);
  for (let ch = 0; ch < c; ch++) {
    for (let r = 0; r < h; r++) {
      for (let o = 0; o < outW; o++) {
        const { i, w: k } = ax[o];
        rows[(ch * h + r) * outW + o] = k[0] * at(ch, r, i - 1) + k[1] * at(ch, r, i) + k[2] * at(ch, r, i + 1) + k[3] * at(ch, r, i + 2);
      }
    }
  }
  const out = new Float32Array(c * outH * outW);
  for (let ch = 0; ch < c; ch++) {
    for (let o = 0; o < outH; o++) {
      const { i, w: k } = ay[o];
      const row = (r: number) => (ch * h + Math.min(h - 1, Math.max(0, r))) * outW;
      for (let x = 0; x < outW; x++) {
        const v = k[0] * rows[row(i - 1) + x] + k[1] * rows[row(i) + x] + k[2] * rows[row(i + 1) + x] + k[3] * rows[row(i + 2) + x];
        out[(ch * outH + o) * outW + x] = Math.min(255, Math.max(0, Math.round(255 * v))) / 255;
      }
    }
  }
  return { data: out, shape: [c, outH, outW] };
}

/** The original's resize rule: scale so the photo covers H × W (the larger factor if both sides are short), × 1.1. */
export function frostScaledSize(ph: number, pw: number, h: number, w: number): [number, number] {
  let f = 1;
  if (ph < h && pw >= w) f = h / ph;
  else if (ph >= h && pw < w) f = w / pw;
  else if (ph < h && pw < w) f = Math.max(h / ph, w / pw);
  f *= 1.1;
  return [Math.ceil(ph * f), Math.ceil(pw * f)];
}

/** The frost layer [N, 3, H, W] in [0, 1] for the images of a call: photo and crop per image from its key. */
export function frostPhotoLayer(photos: FrostPhotos, n: number, h: number, w: number, key: CorruptKey): Float32Array {
  const out = new Float32Array(n * 3 * h * w);
  for (let img = 0; img < n; img++) {
    const [u0, u1, u2] = imageUniforms(substream(key, 1), img, 3);
    const idx = Math.floor(u0 * FROST_FILES.length);
    const photo = photos.images[idx];
    const [sh, sw] = frostScaledSize(photo.shape[1], photo.shape[2], h, w);
    const id = `${photos.id}/${FROST_FILES[idx]}:${sh}x${sw}`;
    let scaled = scaledCache.get(id);
    if (!scaled) {
      scaled = resizeCubic8(photo, sh, sw);
      scaledCache.set(id, scaled);
    }
    const top = Math.floor(u1 * (sh - h));
    const left = Math.floor(u2 * (sw - w));
    for (let c = 0; c < 3; c++) {
      for (let r = 0; r < h; r++) {
        const src = (c * sh + top + r) * sw + left;
        out.set(scaled.data.subarray(src, src + w), ((img * 3 + c) * h + r) * w);
      }
    }
  }
  return out;
}
