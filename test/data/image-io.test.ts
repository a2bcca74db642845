import { join } from 'node:path';
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
