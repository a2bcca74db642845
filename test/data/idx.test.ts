import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/dataset.js';
import { FASHION_MNIST_DIR, fashionMnist, IdxDataset, parseIdx, readIdx } from '../../src/data/idx.js';
import { useTmpDir, idxBytes, write } from './fixtures.js';

const tmp = useTmpDir();

describe('IDX', () => {
  it('parses raw and gzipped files, u8 and big-endian i32', () => {
    const u8 = idxBytes([2, 3], [0, 1, 2, 253, 254, 255]);
    expect(parseIdx(u8, 'a')).toEqual({ dims: [2, 3], data: Uint8Array.from([0, 1, 2, 253, 254, 255]) });
    expect(parseIdx(gzipSync(u8), 'a.gz').data).toEqual(Uint8Array.from([0, 1, 2, 253, 254, 255]));
    const i32 = idxBytes([3], [-7, 65536, 1], 0x0c);
    expect(parseIdx(i32, 'b')).toEqual({ dims: [3], data: Int32Array.from([-7, 65536, 1]) });
  });

  it('reads an image/label pair as a dataset scaled to [0, 1]', () => {
    const px = Array.from({ length: 3 * 7 * 5 }, (_, i) => (i * 37) % 256);
    const images = write(join(tmp(), 'img-idx3-ubyte.gz'), gzipSync(idxBytes([3, 7, 5], px)));
    const labels = write(join(tmp(), 'lab-idx1-ubyte'), idxBytes([3], [2, 0, 1]));
    const ds = IdxDataset.open(images, labels);
    expect(ds.size).toBe(3);
    expect(ds.classNames).toEqual(['0', '1', '2']);
    const s = ds.get(1);
    expect(s.shape).toEqual([1, 7, 5]);
    expect(s.label).toBe(0);
    expect(Array.from(s.data)).toEqual(px.slice(35, 70).map((v) => Math.fround(v / 255)));
  });

  it('rejects bad magic, truncation and mismatched counts, naming the file', () => {
    const bad = write(join(tmp(), 'bad-magic'), new Uint8Array([1, 2, 3, 4, 5]));
    expect(() => readIdx(bad)).toThrow(bad);
    const short = write(join(tmp(), 'short'), idxBytes([2, 3], [1, 2, 3, 4, 5, 6]).subarray(0, 15));
    expect(() => readIdx(short)).toThrow(/short: IDX data truncated/);
    const images = write(join(tmp(), 'i3'), idxBytes([2, 1, 1], [0, 1]));
    const labels = write(join(tmp(), 'l3'), idxBytes([3], [0, 1, 1]));
    expect(() => IdxDataset.open(images, labels)).toThrow(DataError);
    expect(() => IdxDataset.open(images, write(join(tmp(), 'l2'), idxBytes([2], [0, 5])), ['a', 'b'])).toThrow(/label 5/);
  });

  const installed = existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));
  it.skipIf(!installed)('reads Fashion-MNIST test split (skipped unless tools/install-fashion-mnist.sh ran)', () => {
    const ds = fashionMnist('test');
    expect(ds.size).toBe(10000);
    expect(ds.numClasses).toBe(10);
    const s = ds.get(0);
    expect(s.shape).toEqual([1, 28, 28]);
    expect(s.label).toBe(9);
    expect(Math.max(...s.data)).toBeLessThanOrEqual(1);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < ds.size; i++) counts[ds.get(i).label]++;
    expect(counts).toEqual(new Array(10).fill(1000));
  });
});
