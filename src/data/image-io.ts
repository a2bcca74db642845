/** PNG/JPEG files ↔ float CHW images in [0, 1]. */
import { readFileSync, writeFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ShapeError } from '../errors.js';
import { CorruptImageError, type Image } from './dataset.js';

/** 1 = luminance (ITU-R 601 weights, as PIL's 'L' and torchvision's Grayscale), 3 = RGB (alpha dropped). */
export type Channels = 1 | 3;

const LUMA = [0.299, 0.587, 0.114] as const;

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/**
 * The most pixels an image may claim before it is decoded (a 249 KB PNG can claim 16000×16000 and take 4 GB to
 * decode). Default 40 M (e.g. 8000×5000); the environment variable CORTEXGPU_MAX_PIXELS sets another.
 */
export function maxImagePixels(): number {
  const v = Number(process.env.CORTEXGPU_MAX_PIXELS);
  return Number.isFinite(v) && v > 0 ? v : 40_000_000;
}

/** Width and height from a PNG's IHDR chunk, which the format requires first. */
function pngSize(bytes: Uint8Array): [number, number] | null {
  if (bytes.length < 24) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [dv.getUint32(16), dv.getUint32(20)];
}

/**
 * Decodes PNG or JPEG by content (Tiny ImageNet's `.JPEG` names and our PNG exports both pass), into float
 * CHW. `path` only names the file in errors.
 */
export function decodeImage(bytes: Uint8Array, path: string, channels: Channels = 3, maxPixels = maxImagePixels()): Image {
  const size = isPng(bytes) ? pngSize(bytes) : null;
  if (size && size[0] * size[1] > maxPixels) {
    throw new CorruptImageError(path, `claims ${size[0]}×${size[1]} pixels, over the limit of ${maxPixels} (set CORTEXGPU_MAX_PIXELS to allow more)`);
  }
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  try {
    if (isPng(bytes)) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgba = png.data;
    } else if (isJpeg(bytes)) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxResolutionInMP: maxPixels / 1e6 });
      ({ width, height } = img);
      rgba = img.data;
    } else {
      throw new Error('neither PNG nor JPEG signature');
    }
  } catch (e) {
    throw new CorruptImageError(path, e instanceof Error ? e.message : String(e));
  }
  if (width <= 0 || height <= 0 || rgba.length < width * height * 4) {
    throw new CorruptImageError(path, `decoded ${width}×${height} with ${rgba.length} bytes`);
  }
  return { data: rgbaToChw(rgba, width * height, channels), shape: [channels, height, width] };
}

function rgbaToChw(rgba: Uint8Array, n: number, channels: Channels): Float32Array {
  const out = new Float32Array(channels * n);
  if (channels === 1) {
    for (let i = 0; i < n; i++) {
      out[i] = (LUMA[0] * rgba[4 * i] + LUMA[1] * rgba[4 * i + 1] + LUMA[2] * rgba[4 * i + 2]) / 255;
    }
  } else {
    for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) out[c * n + i] = rgba[4 * i + c] / 255;
  }
  return out;
}

export function readImage(path: string, channels: Channels = 3): Image {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CorruptImageError(path, e instanceof Error ? e.message : String(e));
  }
  return decodeImage(bytes, path, channels);
}

/** 8-bit PNG (gray for C = 1, RGB for C = 3) of a [0, 1] image; values are clamped and rounded. */
export function encodePng(img: Image): Buffer {
  const [c, h, w] = img.shape;
  if (c !== 1 && c !== 3) throw new ShapeError(`encodePng: expected 1 or 3 channels, got shape [${img.shape.join(', ')}]`);
  const n = h * w;
  const bytes = Buffer.alloc(c * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) bytes[i * c + k] = toByte(img.data[k * n + i]);
  }
  const colorType = c === 1 ? 0 : 2;
  const png = new PNG({ width: w, height: h });
  png.data = bytes;
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: false });
}

/** Baseline JPEG (RGB; gray is replicated) of a [0, 1] image. */
export function encodeJpeg(img: Image, quality = 90): Buffer {
  const [c, h, w] = img.shape;
  if (c !== 1 && c !== 3) throw new ShapeError(`encodeJpeg: expected 1 or 3 channels, got shape [${img.shape.join(', ')}]`);
  const n = h * w;
  const rgba = Buffer.alloc(4 * n, 255);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) rgba[4 * i + k] = toByte(img.data[(c === 1 ? 0 : k) * n + i]);
  }
  return jpeg.encode({ data: rgba, width: w, height: h }, quality).data;
}

export function writeImage(path: string, img: Image): void {
  writeFileSync(path, /\.jpe?g$/i.test(path) ? encodeJpeg(img) : encodePng(img));
}

function toByte(v: number): number {
  return Math.round(Math.min(1, Math.max(0, v)) * 255);
}
