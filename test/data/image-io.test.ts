import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptImageError } from '../../src/data/dataset.js';
import { decodeImage, encodeJpeg, encodePng, readImage, writeImage } from '../../src/data/image-io.js';
import { expectClose } from '../helpers/close.js';
import { byteImage, useTmpDir, write } from './fixtures.js';

const tmp = useTmpDir();

describe('image decoding', () => {
  it('round-trips PNG exactly, RGB and gray, odd sizes', () => {
    for (const [c, h, w] of [[3, 7, 17], [1, 1, 3], [3, 65, 1], [1, 17, 7]] as const) {
      const img = byteImage(c, h, w, c * 100 + h);
      const back = decodeImage(encodePng(img), 'mem.png', c);
      expect(back.shape).toEqual([c, h, w]);
      expectClose(back.data, img.data, { atol: 1e-6, rtol: 0 }, `png ${c}×${h}×${w}`);
    }
  });

  it('converts RGB to luminance and gray to RGB', () => {
    const img = byteImage(3, 3, 7, 2);
    const gray = decodeImage(encodePng(img), 'mem.png', 1);
    const n = 21;
    const d = img.data;
    const want = Array.from({ length: n }, (_, i) => 0.299 * d[i] + 0.587 * d[n + i] + 0.114 * d[2 * n + i]);
    expectClose(gray.data, want, { atol: 1e-6, rtol: 0 }, 'luma');
    const g = byteImage(1, 3, 7, 3);
    const rgb = decodeImage(encodePng(g), 'mem.png', 3);
    for (let k = 0; k < 3; k++) {
      expectClose(rgb.data.subarray(k * n, (k + 1) * n), g.data, { atol: 1e-6, rtol: 0 }, `channel ${k}`);
    }
  });

  it('decodes JPEG close to the source (lossy) from files named .JPEG', () => {
    const h = 16;
    const w = 24;
    const data = new Float32Array(3 * h * w);
    for (let k = 0; k < 3; k++) for (let i = 0; i < h * w; i++) data[k * h * w + i] = ((i % w) / w + k * 0.2) % 1;
    const img = { data, shape: [3, h, w] as const };
    const path = write(join(tmp(), 'x.JPEG'), encodeJpeg(img, 95));
    const back = readImage(path);
    expect(back.shape).toEqual([3, h, w]);
    let err = 0;
    for (let i = 0; i < data.length; i++) err += Math.abs(back.data[i] - data[i]);
    expect(err / data.length).toBeLessThan(0.03);
    writeImage(join(tmp(), 'y.jpg'), img);
    expect(readImage(join(tmp(), 'y.jpg'), 1).shape).toEqual([1, h, w]);
  });

  it('caps the pixels an image may claim before decoding it (issue 11 item 6)', () => {
    // A valid PNG (CRC fixed) whose header claims 16000×16000: refused from the header, nothing decoded.
    const png = Buffer.from(encodePng(byteImage(1, 4, 4, 1)));
    png.writeUInt32BE(16000, 16);
    png.writeUInt32BE(16000, 20);
    png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
    expect(() => decodeImage(png, 'huge.png', 1)).toThrow(CorruptImageError);
    expect(() => decodeImage(png, 'huge.png', 1)).toThrow(/huge\.png.*claims 16000×16000 pixels, over the limit of 40000000/);
    const small = encodePng(byteImage(1, 4, 5, 1));
    expect(() => decodeImage(small, 's.png', 1, 19)).toThrow(/claims 5×4 pixels, over the limit of 19/);
    expect(decodeImage(small, 's.png', 1, 20).shape).toEqual([1, 4, 5]);
    const jpg = encodeJpeg(byteImage(3, 40, 50, 2));
    expect(() => decodeImage(jpg, 'big.jpg', 3, 1000)).toThrow(CorruptImageError);
    process.env.CORTEXGPU_MAX_PIXELS = '10';
    try { expect(() => decodeImage(small, 's.png', 1)).toThrow(/over the limit of 10/); } finally { delete process.env.CORTEXGPU_MAX_PIXELS; }
  });

  it('names the file when an image is corrupt, truncated or missing', () => {
    const png = encodePng(byteImage(3, 9, 9, 4));
    const jpg = encodeJpeg(byteImage(3, 9, 9, 5));
    const cases = {
      'trunc.png': png.subarray(0, png.length >> 1),
      'trunc.jpg': jpg.subarray(0, jpg.length >> 1),
      'text.png': new TextEncoder().encode('not an image at all'),
      'empty.jpg': new Uint8Array(0),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const path = write(join(tmp(), 'bad', name), bytes);
      expect(() => readImage(path), name).toThrow(CorruptImageError);
      expect(() => readImage(path), name).toThrow(path);
    }
    const missing = join(tmp(), 'nope.png');
    expect(() => readImage(missing)).toThrow(missing);
  });
});
