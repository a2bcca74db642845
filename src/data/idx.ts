/**
 * IDX files (MNIST, Fashion-MNIST), raw or gzipped: bytes 0–1 zero, byte 2 the element type, byte 3 the
 * rank, then one big-endian u32 per dimension, then big-endian elements.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkIndex, DataError, type Dataset, type Sample } from './dataset.js';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dims: number[];
  data: IdxData;
}

const TYPES: Record<number, { size: number; make: (n: number) => IdxData; read: (v: DataView, o: number) => number }> = {
  0x08: { size: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  0x09: { size: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  0x0b: { size: 2, make: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o) },
  0x0c: { size: 4, make: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o) },
  0x0d: { size: 4, make: (n) => new Float32Array(n), read: (v, o) => v.getFloat32(o) },
  0x0e: { size: 8, make: (n) => new Float64Array(n), read: (v, o) => v.getFloat64(o) },
};

/** Parses IDX bytes (gunzipping when they start with the gzip magic); `path` names the file in errors. */
export function parseIdx(bytes: Uint8Array, path: string): IdxArray {
  let raw = bytes;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (e) {
      throw new DataError(`${path}: bad gzip stream: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0 || !(raw[2] in TYPES)) {
    throw new DataError(`${path}: not an IDX file (magic ${Array.from(raw.subarray(0, 4), hex).join(' ')})`);
  }
  const type = TYPES[raw[2]];
  const rank = raw[3];
  const header = 4 + 4 * rank;
  if (raw.length < header) throw new DataError(`${path}: IDX header truncated`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  if (raw.length < header + n * type.size) {
    throw new DataError(`${path}: IDX data truncated: dims [${dims.join(', ')}] need ${header + n * type.size} bytes, `
      + `file has ${raw.length}`);
  }
  const data = type.make(n);
  if (type.size === 1 && data instanceof Uint8Array) {
    data.set(raw.subarray(header, header + n));
  } else {
    for (let i = 0; i < n; i++) data[i] = type.read(view, header + i * type.size);
  }
  return { dims, data };
}

export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseIdx(bytes, path);
}

/** Images [N, H, W] u8 (scaled to [0, 1], one channel) with labels [N]; both files are held in memory. */
export class IdxDataset implements Dataset {
  readonly size: number;
  readonly numClasses: number;
  private readonly pixels: number;

  constructor(
    private readonly images: IdxArray,
    private readonly labels: IdxArray,
    readonly classNames: readonly string[],
    private readonly what = 'IdxDataset',
  ) {
    const d = images.dims;
    if (d.length !== 3 || !(images.data instanceof Uint8Array)) {
      throw new DataError(`${what}: images must be u8 [N, H, W], got rank-${d.length} [${d.join(', ')}]`);
    }
    if (labels.dims.length !== 1 || labels.dims[0] !== d[0]) {
      throw new DataError(`${what}: ${d[0]} images but labels have dims [${labels.dims.join(', ')}]`);
    }
    for (const l of labels.data) {
      if (!Number.isInteger(l) || l < 0 || l >= classNames.length) {
        throw new DataError(`${what}: label ${l} outside the ${classNames.length} classes`);
      }
    }
    this.size = d[0];
    this.numClasses = classNames.length;
    this.pixels = d[1] * d[2];
  }

  static open(imagesPath: string, labelsPath: string, classNames?: readonly string[]): IdxDataset {
    const labels = readIdx(labelsPath);
    let maxLabel = -1;
    for (const l of labels.data) maxLabel = Math.max(maxLabel, l);
    const names = classNames ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
    return new IdxDataset(readIdx(imagesPath), labels, names, imagesPath);
  }

  get(index: number): Sample {
    checkIndex(this.what, index, this.size);
    const src = this.images.data.subarray(index * this.pixels, (index + 1) * this.pixels);
    const data = new Float32Array(this.pixels);
    for (let i = 0; i < this.pixels; i++) data[i] = src[i] / 255;
    return { data, shape: [1, this.images.dims[1], this.images.dims[2]], label: this.labels.data[index] };
  }
}

/** Where Debian's `dataset-fashion-mnist` puts the files (tools/install-fashion-mnist.sh). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/** Fashion-MNIST, 60000 train / 10000 test 28×28 gray images in 10 classes. */
export function fashionMnist(split: 'train' | 'test', dir = FASHION_MNIST_DIR): IdxDataset {
  const stem = split === 'train' ? 'train' : 't10k';
  return IdxDataset.open(join(dir, `${stem}-images-idx3-ubyte.gz`), join(dir, `${stem}-labels-idx1-ubyte.gz`),
    FASHION_MNIST_CLASSES);
}

function hex(b: number): string { return b.toString(16).padStart(2, '0'); }
