/**
 * Frost with the original photographs from a user folder (src/corrupt/frost-photos.ts): the blend, the photo and
 * crop draws, cv2's bicubic rescaling (against tools/gen-corrupt-fixtures.py) and the errors for a missing or
 * unreadable folder or file.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useEngine } from './helpers/engine.js';
import { corrupt } from '../src/corrupt/corrupt.js';
import { FROST_FILES, frostScaledSize, resizeCubic8 } from '../src/corrupt/frost-photos.js';
import { loadFrostPhotos } from '../src/corrupt/frost-folder.js';
import { SEVERITIES } from '../src/corrupt/catalogue.js';
import { encodeJpeg, encodePng } from '../src/data/image-io.js';
import { ArgumentError } from '../src/errors.js';

const eng = useEngine();
/** One flat colour per photo, so every output pixel says which photo its image drew. */
const COLOURS = [[0.2, 0.4, 0.6], [0.9, 0.1, 0.3], [0.5, 0.5, 0.1], [0.1, 0.8, 0.8], [0.7, 0.7, 0.7]];
/** The 8-bit value a photo stores for colour v (the PNG encoder rounds the f32 value: 0.9 → 229). */
const byte = (v: number) => Math.round(255 * Math.fround(v)) / 255;

function photoFolder(sizes: readonly [number, number][] = [[20, 30], [40, 26], [30, 30], [48, 50], [24, 24]]): string {
  const dir = mkdtempSync(join(tmpdir(), 'frost-'));
  FROST_FILES.forEach((f, k) => {
    const [h, w] = sizes[k];
    const data = new Float32Array(3 * h * w);
    for (let c = 0; c < 3; c++) data.fill(COLOURS[k][c], c * h * w, (c + 1) * h * w);
    const img = { data, shape: [3, h, w] as [number, number, number] };
    writeFileSync(join(dir, f), f.endsWith('.png') ? encodePng(img) : encodeJpeg(img, 95));
  });
  return dir;
}

describe('frost with the original photographs', () => {
  it('blends a·x + b·photo per image, with several photos drawn across a batch, RGB and gray', async () => {
    const dir = photoFolder();
    try {
      const n = 12;
      const [h, w] = [24, 28];
      const x = Float32Array.from({ length: n * 3 * h * w }, (_, i) => ((i * 37) % 101) / 100);
      const [a, b] = SEVERITIES[224].frost[2];
      const t = eng().tensor(x, [n, 3, h, w]);
      const y = (await corrupt(t, 'frost', 3, { seed: 4, frostPhotos: loadFrostPhotos(dir) }).read()) as Float32Array;
      const drawn = new Set<number>();
      const hw = h * w;
      for (let img = 0; img < n; img++) {
        // The photo is flat: the colour b·F = y − a·x is the same at every unclipped pixel of the image.
        const o = img * 3 * hw;
        const k = COLOURS.findIndex((col) => [0, 1, 2].every((c) => Math.abs(y[o + c * hw] - Math.min(1, a * x[o + c * hw] + b * byte(col[c]))) < 4 / 255));
        expect(k, `image ${img} matches no photo`).toBeGreaterThanOrEqual(0);
        for (let c = 0; c < 3; c++) {
          for (let i = 0; i < hw; i++) {
            const want = Math.min(1, Math.max(0, a * x[o + c * hw + i] + b * byte(COLOURS[k][c])));
            // JPEG photos decode a grey level or so off their colour.
            expect(Math.abs(y[o + c * hw + i] - want), `image ${img} photo ${k} channel ${c} pixel ${i}: ${y[o + c * hw + i]} vs ${want}`).toBeLessThan(k >= 3 ? 6 / 255 : 1e-5);
          }
        }
        drawn.add(k);
      }
      expect(drawn.size, 'photos drawn over 12 images').toBeGreaterThanOrEqual(3);
      const again = (await corrupt(t, 'frost', 3, { seed: 4, frostPhotos: loadFrostPhotos(dir) }).read()) as Float32Array;
      expect(Buffer.from(again.buffer).equals(Buffer.from(y.buffer))).toBe(true);
      const procedural = (await corrupt(t, 'frost', 3, { seed: 4 }).read()) as Float32Array;
      expect(Buffer.from(procedural.buffer).equals(Buffer.from(y.buffer))).toBe(false);
      const gray = eng().tensor(x.subarray(0, n * hw), [n, 1, h, w]);
      const g = (await corrupt(gray, 'frost', 3, { seed: 4, frostPhotos: loadFrostPhotos(dir) }).read()) as Float32Array;
      const lumas = COLOURS.map((col) => byte(col[0]) * 0.2989 + byte(col[1]) * 0.587 + byte(col[2]) * 0.114);
      expect(lumas.some((l) => Math.abs(g[0] - Math.min(1, a * x[0] + b * l)) < 6 / 255)).toBe(true);
      t.dispose();
      gray.dispose();
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('rescales photos as cv2.resize(INTER_CUBIC) does, within 1 grey level, by the original rule (×1.1)', () => {
    const m = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'corrupt-canonical.json'), 'utf8'));
    const bytes = gunzipSync(readFileSync(join(__dirname, 'fixtures', 'corrupt-canonical.bin.gz')));
    const { photo, out } = m.frost_resize as Record<string, { offset: number; shape: number[] }>;
    const [h, w] = photo.shape;
    const data = new Float32Array(3 * h * w);
    for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) data[c * h * w + i] = bytes[photo.offset + 3 * i + c] / 255;
    const [oh, ow] = out.shape;
    const got = resizeCubic8({ data, shape: [3, h, w] }, oh, ow);
    let worst = 0;
    for (let i = 0; i < oh * ow; i++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(Math.round(255 * got.data[c * oh * ow + i]) - bytes[out.offset + 3 * i + c]));
    expect(worst).toBeLessThanOrEqual(1);
    // The original ceils the f64 product: 900·1.1 = 990.0000000000001 → 991.
    expect(frostScaledSize(600, 900, 224, 224)).toEqual([660, 991]);
    expect(frostScaledSize(20, 30, 24, 28)).toEqual([Math.ceil(20 * 1.2 * 1.1), Math.ceil(30 * 1.2 * 1.1)]);
    expect(frostScaledSize(40, 20, 24, 28)).toEqual([Math.ceil(40 * 1.4 * 1.1), Math.ceil(20 * 1.4 * 1.1)]);
  });

  it('names the folder or the file when photos are missing or unreadable', () => {
    const t = eng().zeros([1, 3, 32, 32]);
    expect(() => loadFrostPhotos('/nonexistent/frost')).toThrow(ArgumentError);
    expect(() => loadFrostPhotos('/nonexistent/frost')).toThrow(/\/nonexistent\/frost does not exist.*frost1\.png/);
    const dir = photoFolder();
    try {
      rmSync(join(dir, 'frost3.png'));
      expect(() => loadFrostPhotos(dir)).toThrow(new RegExp(`${join(dir, 'frost3.png')} is missing`));
      writeFileSync(join(dir, 'frost3.png'), 'not an image');
      expect(() => loadFrostPhotos(dir)).toThrow(/frost3\.png/);
    } finally {
      rmSync(dir, { recursive: true });
      t.dispose();
    }
  });
});
