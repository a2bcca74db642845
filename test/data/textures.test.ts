import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Image } from '../../src/data/dataset.js';
import { encodePng } from '../../src/data/image-io.js';
import { Rng } from '../../src/random/rng.js';
import {
  bankSource, blend, cropTo, proceduralSource, TextureFolder, textureNoiseViews,
} from '../../src/data/texture-sources.js';
import { idft2Real, renderTexture, shapeField, synthTexture, TEXTURE_FAMILIES } from '../../src/data/textures.js';
import { expectClose } from '../helpers/close.js';
import { normal } from '../helpers/rng.js';
import { byteImage, useTmpDir, write } from './fixtures.js';

const tmp = useTmpDir();
const stats = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i];
  m /= a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - m) ** 2;
  return { mean: m, sd: Math.sqrt(v / a.length) };
};

describe('procedural textures', () => {
  it('inverse DFT (radix-2 and direct paths) matches the defining sum', () => {
    for (const [h, w] of [[8, 4], [3, 5], [1, 7], [16, 1], [4, 6]] as const) {
      const re = normal(h * w, h * 10 + w);
      const im = normal(h * w, h * 10 + w + 1);
      const want = new Float64Array(h * w);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let ky = 0; ky < h; ky++) {
            for (let kx = 0; kx < w; kx++) {
              const a = 2 * Math.PI * ((ky * y) / h + (kx * x) / w);
              want[y * w + x] += re[ky * w + kx] * Math.cos(a) - im[ky * w + kx] * Math.sin(a);
            }
          }
        }
      }
      expectClose(idft2Real(re, im, h, w), want, { atol: 1e-5, rtol: 1e-5 }, `idft ${h}×${w}`);
    }
  });

  it('every family renders a finite, non-constant field, reproducible per key, at awkward sizes', () => {
    for (const family of TEXTURE_FAMILIES) {
      for (const [h, w] of [[17, 65], [1, 7], [64, 64]] as const) {
        const a = renderTexture(family, h, w, Rng.of(1, h, w));
        expect(a.length).toBe(h * w);
        expect(a.every(Number.isFinite), family).toBe(true);
        if (h > 1) expect(stats(a).sd, `${family} ${h}×${w}`).toBeGreaterThan(0);
        expect(renderTexture(family, h, w, Rng.of(1, h, w)), family).toEqual(a);
      }
      expect(renderTexture(family, 32, 32, Rng.of(2))).not.toEqual(renderTexture(family, 32, 32, Rng.of(3)));
    }
  });

  it('1/f noise has no DC and a falling power spectrum', () => {
    const n = 32;
    for (let s = 0; s < 4; s++) {
      const f = renderTexture('pink', n, n, Rng.of(s));
      const { mean, sd } = stats(f);
      expect(Math.abs(mean)).toBeLessThan(1e-5 * sd);
      // Mean power in the band 2–4 cycles vs 8–16 cycles: (1/4)^−β ≥ 4 for β ≥ 1; white noise gives 1.
      const band = (lo: number, hi: number) => {
        let p = 0;
        let cnt = 0;
        for (let ky = 0; ky < n; ky++) {
          for (let kx = 0; kx < n; kx++) {
            const r = Math.hypot(ky <= n / 2 ? ky : ky - n, kx <= n / 2 ? kx : kx - n);
            if (r < lo || r >= hi) continue;
            let re = 0;
            let im = 0;
            for (let y = 0; y < n; y++) {
              for (let x = 0; x < n; x++) {
                const a = (-2 * Math.PI * (kx * x + ky * y)) / n;
                re += f[y * n + x] * Math.cos(a);
                im += f[y * n + x] * Math.sin(a);
              }
            }
            p += re * re + im * im;
            cnt++;
          }
        }
        return p / cnt;
      };
      expect(band(2, 4) / band(8, 16), `seed ${s}`).toBeGreaterThan(2.5);
    }
  });

  it('shapes a field to the requested mean and RMS contrast within [0, 1]', () => {
    for (const family of TEXTURE_FAMILIES) {
      const t = shapeField(renderTexture(family, 64, 64, Rng.of(4)), 0.5, 0.05);
      const { mean, sd } = stats(t);
      expect(Math.abs(mean - 0.5), family).toBeLessThan(0.01);
      expect(Math.abs(sd - 0.05), family).toBeLessThan(0.01);
      expect(t.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
    expect(Array.from(shapeField(new Float32Array(4).fill(3), 0.4, 0.1))).toEqual(new Array(4).fill(Math.fround(0.4)));
    const s = synthTexture(1, 'worley', 3, 32);
    expect(s).toEqual(synthTexture(1, 'worley', 3, 32));
    expect(s).not.toEqual(synthTexture(1, 'worley', 4, 32));
    expect(s).not.toEqual(synthTexture(2, 'worley', 3, 32));
  });
});

describe('texture sources and blends', () => {
  it('crops with wrap-around and converts channels', () => {
    const src: Image = { data: Float32Array.from([0, 1, 2, 3, 4, 5]), shape: [1, 2, 3] };
    const out = cropTo(src, [3, 3, 4], Rng.of(0));
    const r = Rng.of(0);
    const top = r.int(2);
    const left = r.int(3);
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        const v = src.data[((top + y) % 2) * 3 + ((left + x) % 3)];
        for (let k = 0; k < 3; k++) expect(out.data[(k * 3 + y) * 4 + x]).toBe(v);
      }
    }
    expect(cropTo(byteImage(3, 5, 5, 1), [1, 4, 4], Rng.of(0)).shape).toEqual([1, 4, 4]);
  });

  it('reads a texture folder and draws from banks and procedural sources', () => {
    const dir = join(tmp(), 'tex');
    write(join(dir, 'a.png'), encodePng(byteImage(3, 9, 9, 1)));
    write(join(dir, 'b.png'), encodePng(byteImage(1, 5, 7, 2)));
    const folder = new TextureFolder(dir);
    expect(folder.paths.length).toBe(2);
    const t = folder.source()(Rng.of(1), [3, 17, 7]);
    expect(t.shape).toEqual([3, 17, 7]);
    expect(folder.source()(Rng.of(1), [3, 17, 7]).data).toEqual(t.data);
    expect(() => new TextureFolder(join(tmp(), 'none'))).toThrow(/none/);
    const p = proceduralSource(['plaid'])(Rng.of(2), [3, 7, 17]);
    expect(p.data.subarray(0, 119)).toEqual(p.data.subarray(238));
    expect(bankSource([byteImage(1, 4, 4, 3)])(Rng.of(0), [1, 4, 4]).shape).toEqual([1, 4, 4]);
  });

  it('blends (1−α)x + αt and draws α, β from the reference ranges', () => {
    const x = byteImage(1, 3, 7, 5);
    const t = Float32Array.from(byteImage(1, 3, 7, 6).data);
    const b = blend(x, t, 0.3);
    expect(b.data[4]).toBeCloseTo(0.7 * x.data[4] + 0.3 * t[4], 6);
    expect(() => blend(x, t.subarray(1), 0.3)).toThrow(/blend/);

    const zeros: Image = { data: new Float32Array(21), shape: [1, 3, 7] };
    const ones = bankSource([{ data: new Float32Array(21).fill(1), shape: [1, 3, 7] }]);
    const views = textureNoiseViews({ textures: ones, noise: ones });
    const alphas: number[] = [];
    const betas: number[] = [];
    for (let i = 0; i < 300; i++) {
      const [clean, tv, nv] = views(zeros, Rng.of(9, 0, i));
      expect(clean.data).toEqual(zeros.data);
      alphas.push(tv.data[0]);
      betas.push(nv.data[0]);
    }
    expect(Math.min(...alphas)).toBeGreaterThanOrEqual(0.005 - 1e-7);
    expect(Math.max(...alphas)).toBeLessThanOrEqual(0.5);
    expect(Math.min(...alphas)).toBeLessThan(0.05);
    expect(Math.min(...betas)).toBeGreaterThanOrEqual(0.05 - 1e-7);
    expect(Math.max(...betas)).toBeGreaterThan(0.45);
    expect(textureNoiseViews({ textures: ones })(zeros, Rng.of(0)).length).toBe(2);
  });

  it('re-draws the preprocessing for each view, as the reference does', () => {
    const draws: number[] = [];
    const pre = (img: Image, rng: Rng) => { draws.push(rng.uniform()); return img; };
    const same = bankSource([{ data: new Float32Array(21), shape: [1, 3, 7] }]);
    const views = textureNoiseViews({ textures: same, noise: same, preprocess: pre });
    views({ data: new Float32Array(21), shape: [1, 3, 7] }, Rng.of(1));
    expect(new Set(draws).size).toBe(3);
  });
});
