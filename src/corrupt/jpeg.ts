/**
 * JPEG compression round trip on the GPU (kernels/corrupt-jpeg.wgsl): 8-bit samples, YCbCr 4:2:0 for colour
 * (Y only for gray, which is what PIL gives for a gray image saved as RGB and read back as 'L'), 8×8 DCT,
 * quantisation with libjpeg's standard tables scaled by quality, and libjpeg's decoder upsampling; the DCTs in
 * float or, canonically, libjpeg's integer ones.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import { run } from '../ops/dispatch.js';
import { expectImages } from './noise.js';

/** libjpeg's std_luminance_quant_tbl (ITU-T T.81 K.1), natural order. */
export const LUMA_TABLE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
] as const;

/** libjpeg's std_chrominance_quant_tbl (ITU-T T.81 K.2), natural order. */
export const CHROMA_TABLE = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
  47, 66, 99, 99, 99, 99, 99, 99, ...new Array<number>(32).fill(99),
] as const;

/**
 * The luminance then chrominance tables for `quality` 1…100 as jpeg_set_quality(…, force_baseline) makes them:
 * scale 5000/q below 50, else 200 − 2q (integer), entries ⌊(t·scale + 50)/100⌋ clamped to 1…255.
 */
export function jpegTables(quality: number): Int32Array {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new ShapeError(`jpeg: quality must be an integer 1…100, got ${quality}`);
  const scale = quality < 50 ? Math.trunc(5000 / quality) : 200 - 2 * quality;
  return Int32Array.from([...LUMA_TABLE, ...CHROMA_TABLE], (t) => Math.min(255, Math.max(1, Math.trunc((t * scale + 50) / 100))));
}

/**
 * JPEG-compresses and decodes every image at `quality`; the result is on the 8-bit grid (k/255). `integer` uses
 * libjpeg's integer DCTs (PIL's default, bit-exact with it) instead of the float DCT.
 */
export function jpegCompress(x: Tensor, quality: number, integer = false): Tensor {
  expectImages('jpegCompress', x);
  const [n, c, h, w] = x.shape;
  const planesPer = c === 3 ? 3 : 1;
  if (n * planesPer > 65535) throw new ShapeError(`jpegCompress: too many images in ${x.describe()}`);
  const e = x.engine;
  const tables = e.tensor(Float32Array.from(jpegTables(quality)));
  const planes = e.empty([n, planesPer, h, w], 'f32', 'jpeg planes');
  const params = { w, h, c, planes: planesPer };
  run('corrupt-jpeg', integer ? 'corrupt_jpeg_blocks_int' : 'corrupt_jpeg_blocks', { x, tables, planes }, params,
    [Math.ceil(Math.ceil(w / 8) / 8), Math.ceil(Math.ceil(h / 8) / 8), n * planesPer]);
  const y = e.empty(x.shape, 'f32', 'jpeg');
  run('corrupt-jpeg', 'corrupt_jpeg_decode', { recon: planes, y }, params, [Math.ceil(w / 8), Math.ceil(h / 8), n]);
  tables.dispose();
  planes.dispose();
  return y;
}
