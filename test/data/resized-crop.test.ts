import { describe, expect, it } from 'vitest';
import type { Image } from '../../src/data/dataset.js';
import { Rng } from '../../src/random/rng.js';
import { augment, centerCrop, crop, randomResizedCrop, resize, resizeShorter } from '../../src/data/transforms.js';

const ramp = (c: number, h: number, w: number): Image =>
  ({ data: Float32Array.from({ length: c * h * w }, (_, i) => (i % 97) / 97), shape: [c, h, w] });

describe('the ImageNet recipe\'s crops', () => {
  it('RandomResizedCrop: the window is a crop of the image, resized; reproducible from the rng', () => {
    const x = ramp(3, 40, 30);
    const t = randomResizedCrop(16);
    const a = t(x, Rng.of(5));
    expect(a.shape).toEqual([3, 16, 16]);
    expect(Array.from(t(x, Rng.of(5)).data)).toEqual(Array.from(a.data));
    expect(Array.from(t(x, Rng.of(6)).data)).not.toEqual(Array.from(a.data));
    // Scale and ratio pinned to 1 on a square image: the whole image, resized.
    const sq = ramp(1, 24, 24);
    expect(Array.from(randomResizedCrop(12, [1, 1], [1, 1])(sq, Rng.of(0)).data)).toEqual(Array.from(resize(sq, 12, 12).data));
    // No square window of the whole area fits a 40×30 image in 10 tries: torchvision's fallback is the centre
    // window clamped to the ratio range, here 30×30 at row 5.
    expect(Array.from(randomResizedCrop(10, [1, 1], [1, 1])(x, Rng.of(1)).data)).toEqual(Array.from(resize(crop(x, 5, 0, 30, 30), 10, 10).data));
  });

  it('augment takes RandomResizedCrop in place of the padded crop', () => {
    const x = ramp(1, 20, 28);
    const a = augment(8, { cropPadding: 4, flip: false, rotation: 0, randomResizedCrop: { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] } })(x, Rng.of(2));
    expect(a.shape).toEqual([1, 8, 8]);
  });

  it('Resize(256)-style shorter-side resize, then the centre crop', () => {
    expect(resizeShorter(ramp(1, 10, 20), 5).shape).toEqual([1, 5, 10]);
    expect(resizeShorter(ramp(1, 30, 20), 8).shape).toEqual([1, 12, 8]);
    const r = resizeShorter(ramp(3, 64, 80), 73);
    expect(r.shape).toEqual([3, 73, 91]);
    expect(centerCrop(64)(r, Rng.of(0)).shape).toEqual([3, 64, 64]);
  });
});
