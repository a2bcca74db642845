/** Small on-disk datasets for the data-layer tests, written to a fresh temp dir per test file. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import type { Image } from '../../src/data/dataset.js';
import { rng } from '../helpers/rng.js';

/** A temp dir removed after the file's tests. */
export function useTmpDir(): () => string {
  const dir = mkdtempSync(join(tmpdir(), 'cortex-data-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}

/** Random image with values on the 8-bit grid, so PNG round trips are exact. */
export function byteImage(c: number, h: number, w: number, seed: number): Image {
  const r = rng(seed);
  return { data: Float32Array.from({ length: c * h * w }, () => Math.floor(r() * 256) / 255), shape: [c, h, w] };
}

export function write(path: string, bytes: Uint8Array | string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

/** IDX bytes: u8 elements when `type` is 0x08, big-endian i32 when 0x0c. */
export function idxBytes(dims: number[], values: ArrayLike<number>, type: 0x08 | 0x0c = 0x08): Uint8Array {
  const size = type === 0x08 ? 1 : 4;
  const buf = new Uint8Array(4 + 4 * dims.length + values.length * size);
  const v = new DataView(buf.buffer);
  buf[2] = type;
  buf[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  const off = 4 + 4 * dims.length;
  for (let i = 0; i < values.length; i++) {
    if (type === 0x08) buf[off + i] = values[i];
    else v.setInt32(off + 4 * i, values[i]);
  }
  return buf;
}
