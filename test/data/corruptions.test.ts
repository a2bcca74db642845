import { describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { useEngine } from '../helpers/engine.js';
import { uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { COMMON_CORRUPTIONS, CORRUPTIONS, EXTRA_CORRUPTIONS, SEVERITIES, elasticParams, isCanonical, type CorruptionName, type SeverityTable } from '../../src/corrupt/catalogue.js';
import { corrupt } from '../../src/corrupt/corrupt.js';
import { corruptRef } from '../../src/corrupt/ref/corrupt.js';
import { corruptCommand } from '../../src/cli/corrupt.js';
import { drawText, textWidth } from '../../src/cli/bitmap-font.js';
import { ShapeError } from '../../src/errors.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const eng = useEngine();

/** Smooth scenes with an edge (gradient + sinusoid + disk), so blurs, noise and colour shifts all show. */
function scenes(n: number, c: number, h: number, w: number, seed: number): Float32Array {
  const out = new Float32Array(n * c * h * w);
  const r = uniform(n * 8, seed, 0, 1);
  for (let k = 0; k < n; k++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const u = j / w;
          const v = i / h;
          const base = 0.2 + 0.5 * r[8 * k + ch] * v + 0.2 * Math.sin(2 * Math.PI * (3 * r[8 * k + 3] * u + 2 * r[8 * k + 4] * v));
          const disk = (u - r[8 * k + 5]) ** 2 + (v - r[8 * k + 6]) ** 2 < 0.04 ? (0.3 * (ch + 1)) / c : 0;
          out[((k * c + ch) * h + i) * w + j] = Math.min(1, Math.max(0, base + disk));
        }
      }
    }
  }
  return out;
}

/**
 * For pipelines with 8-bit casts (glass blur, spatter): f32 and f64 may land on either side of an integer at a
 * few pixels, which then moves a neighbourhood by a grey level or so. Everything else must agree to 1e-5.
 */
function expectMostlyClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  let off = 0;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (d > 1e-5) off++;
    worst = Math.max(worst, d);
  }
  expect(off / want.length, `${what}: share of pixels off`).toBeLessThan(0.02);
  expect(worst, `${what}: worst difference`).toBeLessThan(0.05);
}

async function take(t: Tensor): Promise<Float32Array> {
  const v = (await t.read()) as Float32Array;
  t.dispose();
  return v;
}

/** data.md §1 tuples, transcribed as written there: "(a,b) (c,d)" or ".1 .2". */
const parse = (s: string): number[][] => (s.includes('(') ? [...s.matchAll(/\(([^)]*)\)/g)].map((m) => m[1].split(',').map(Number)) : s.split(/\s+/).map((v) => [Number(v)]));

const DATA_MD: Record<SeverityTable, Partial<Record<CorruptionName, string>>> = {
  224: {
    gaussian_noise: '.08 .12 .18 .26 .38', shot_noise: '60 25 12 5 3', impulse_noise: '.03 .06 .09 .17 .27',
    defocus_blur: '(3,.1) (4,.5) (6,.5) (8,.5) (10,.5)', glass_blur: '(.7,1,2) (.9,2,1) (1,2,3) (1.1,3,2) (1.5,4,2)',
    motion_blur: '(10,3) (15,5) (15,8) (15,12) (20,15)',
    snow: '(.1,.3,3,.5,10,4,.8) (.2,.3,2,.5,12,4,.7) (.55,.3,4,.9,12,8,.7) (.55,.3,4.5,.85,12,8,.65) (.55,.3,2.5,.85,12,12,.55)',
    frost: '(1,.4) (.8,.6) (.7,.7) (.65,.7) (.6,.75)', fog: '(1.5,2) (2,2) (2.5,1.7) (2.5,1.5) (3,1.4)',
    brightness: '.1 .2 .3 .4 .5', contrast: '.4 .3 .2 .1 .05', pixelate: '.6 .5 .4 .3 .25', jpeg_compression: '25 18 15 10 7',
    speckle_noise: '.15 .2 .35 .45 .6', gaussian_blur: '1 2 3 4 6',
    spatter: '(.65,.3,4,.69,.6,0) (.65,.3,3,.68,.6,0) (.65,.3,2,.68,.5,0) (.65,.3,1,.65,1.5,1) (.67,.4,1,.65,1.5,1)',
    saturate: '(.3,0) (.1,0) (2,0) (5,.1) (20,.2)',
    // imagecorruptions' elastic (data.md's implementation traps): α = 250·(.05, .065, .085, .1, .12).
    elastic_transform: '.05 .065 .085 .1 .12',
  },
  64: {
    gaussian_noise: '.04 .08 .12 .15 .18', shot_noise: '250 100 50 30 15', impulse_noise: '.01 .02 .05 .08 .14',
    defocus_blur: '(.5,.6) (1,.1) (1.5,.1) (2.5,.01) (3,.1)', glass_blur: '(.1,1,1) (.5,1,1) (.6,1,2) (.7,2,1) (.9,2,2)',
    motion_blur: '(10,1) (10,1.5) (10,2) (10,2.5) (12,3)',
    snow: '(.1,.2,1,.6,8,3,.8) (.1,.2,1,.5,10,4,.8) (.15,.3,1.75,.55,10,4,.7) (.25,.3,2.25,.6,12,6,.65) (.3,.3,1.25,.65,14,12,.6)',
    frost: '(1,.3) (.9,.4) (.8,.45) (.75,.5) (.7,.55)', fog: '(.4,3) (.7,3) (1,2.5) (1.5,2) (2,1.75)',
    brightness: '.1 .2 .3 .4 .5', contrast: '.4 .3 .2 .1 .05', pixelate: '.9 .8 .7 .6 .5', jpeg_compression: '65 58 50 40 25',
    speckle_noise: '.15 .2 .25 .3 .35', gaussian_blur: '.5 .75 1 1.25 1.5',
    spatter: '(.62,.1,.7,.7,.6,0) (.65,.1,.8,.7,.6,0) (.65,.3,1,.69,.6,0) (.65,.1,.7,.68,.6,1) (.65,.1,.5,.67,.6,1)',
    saturate: '(.3,0) (.1,0) (2,0) (5,.1) (30,.2)',
    elastic_transform: '(0,0,.08) (.05,.3,.06) (.1,.08,.06) (.1,.03,.03) (.16,.03,.02)',
  },
};

describe('registry', () => {
  it('lists the 15 + 4 corruptions in imagecorruptions order; only frost is non-canonical', () => {
    expect(COMMON_CORRUPTIONS).toHaveLength(15);
    expect(EXTRA_CORRUPTIONS).toEqual(['speckle_noise', 'gaussian_blur', 'spatter', 'saturate']);
    expect(CORRUPTIONS.filter((c) => !isCanonical(c))).toEqual(['frost']);
  });

  it('severity tables equal data.md §1', () => {
    for (const table of [224, 64] as const) {
      for (const name of CORRUPTIONS) {
        if (name === 'zoom_blur') continue;
        expect(SEVERITIES[table][name].map((t) => [...t]), `${name} @${table}`).toEqual(parse(DATA_MD[table][name]!));
      }
    }
  });

  it('zoom factor lists follow numpy.arange with float end points (data.md counts)', () => {
    const counts = (t: SeverityTable) => SEVERITIES[t].zoom_blur.map((f) => f.length);
    expect(counts(224)).toEqual([12, 16, 11, 13, 11]);
    expect(counts(64)).toEqual([7, 12, 16, 21, 26]);
    expectClose(SEVERITIES[224].zoom_blur.map((f) => f.at(-1)!), [1.11, 1.15, 1.2, 1.24, 1.3], { atol: 1e-12 }, 'last factors');
    expectClose(SEVERITIES[64].zoom_blur.map((f) => f.at(-1)!), [1.06, 1.11, 1.15, 1.2, 1.25], { atol: 1e-12 }, 'last factors 64');
  });

  it('elastic parameters: imagecorruptions at 224, Tiny-ImageNet-C (×image size) at 64', () => {
    const p = elasticParams(SEVERITIES[224].elastic_transform[0], 224, 224, 224);
    expect(p.alpha).toBeCloseTo(12.5, 12);
    expectClose([...p.sigma, p.noise, p.affine], [2.24, 2.24, 1.12, 0], { atol: 1e-12 }, 'σ, noise, affine');
    const q = elasticParams(SEVERITIES[64].elastic_transform[4], 64, 64, 64);
    expectClose([q.alpha, ...q.sigma, q.noise, q.affine], [64 * 0.16, 64 * 0.03, 64 * 0.03, 1, 64 * 0.02], { atol: 1e-12 }, '64 sev 5');
  });

  it('rejects unknown names, bad severities, seeds and shapes', () => {
    const e = eng();
    const x = e.zeros([1, 3, 8, 8]);
    expect(() => corrupt(x, 'rain', 1, { seed: 0 })).toThrow(ShapeError);
    expect(() => corrupt(x, 'fog', 6, { seed: 0 })).toThrow(/severity/);
    expect(() => corrupt(x, 'fog', 1, { seed: -1 })).toThrow(/seed/);
    const bad = e.zeros([1, 2, 8, 8]);
    expect(() => corrupt(bad, 'contrast', 1, { seed: 0 })).toThrow(/C = 1 or 3/);
    x.dispose();
    bad.dispose();
  });
});

describe('every corruption on the GPU', () => {
  it('matches the CPU reference at every severity (colour table 224, gray table 64)', async () => {
    const e = eng();
    for (const [c, table, levels] of [[3, 224, [1, 2, 3, 4, 5]], [1, 64, [2, 5]]] as const) {
      const shape = [2, c, 13, 17];
      const data = scenes(2, c, 13, 17, 3 + c);
      const x = e.tensor(data, shape);
      for (const name of CORRUPTIONS) {
        for (const s of levels) {
          const got = await take(corrupt(x, name, s, { seed: 9, firstIndex: 4, table }));
          const want = corruptRef(Float64Array.from(data), shape, name, s, { seed: 9, firstIndex: 4, table });
          const what = `${name} s${s} C${c}`;
          if (name === 'glass_blur' || name === 'spatter') expectMostlyClose(got, want, what);
          // Frost's ridges (r⁸) magnify f32 rounding of the noise coordinates.
          else expectClose(got, want, { atol: name === 'frost' ? 1e-4 : 1e-5, rtol: 1e-5 }, what);
        }
      }
      x.dispose();
    }
  });

  /** Corruptions whose parameter tuples are not ordered by the mean change they cause (see each reason). */
  const LOOSE: Partial<Record<CorruptionName, string>> = {
    glass_blur: 'σ, δ and iterations trade off (224: sev 1 iterates twice, sev 2 once)',
    motion_blur: 'each severity draws its own angle, which matters as much as the radius on small images',
    snow: 'sev 3 raises the flake threshold to .9 (fewer flakes than sev 2)',
    frost: 'a·x + b·ice darkens x while adding ice: the two partly cancel as (a, b) move together',
    fog: 'the output is renormalised by max/(max + a): once fog dominates, larger a moves pixels no further',
    spatter: 'sev 1–3 are water, 4–5 mud',
    saturate: 'sev 1–2 desaturate (S·.3, S·.1), 3–5 saturate (S·2 clips): sev 2 can move pixels further than sev 3',
    elastic_transform: 'table 64 sev 1 is a pure random affine (δ = .08·H), larger than the later warps',
  };

  it('stays in [0, 1] and changes images more with severity (stated exceptions: sev 5 > sev 1 only)', async () => {
    const e = eng();
    for (const [c, table] of [[3, 224], [3, 64], [1, 64]] as const) {
      const data = scenes(3, c, 32, 32, 21);
      const x = e.tensor(data, [3, c, 32, 32]);
      for (const name of CORRUPTIONS) {
        const d: number[] = [];
        for (let s = 1; s <= 5; s++) {
          const y = await take(corrupt(x, name, s, { seed: 1, table }));
          let acc = 0;
          for (let i = 0; i < y.length; i++) {
            if (!(y[i] >= 0 && y[i] <= 1)) throw new Error(`${name} s${s}: value ${y[i]} at ${i} outside [0, 1]`);
            acc += Math.abs(y[i] - data[i]);
          }
          d.push(acc / y.length);
        }
        const what = `${name} @${table} C${c}: mean |Δ| ${d.map((v) => v.toFixed(4)).join(' ')}`;
        // Gray saturate is the identity (see src/corrupt/corrupt.ts).
        if (c === 1 && name === 'saturate') { expect(Math.max(...d), what).toBe(0); continue; }
        expect(Math.min(...d), what).toBeGreaterThan(1e-3);
        if (!LOOSE[name]) d.slice(1).forEach((v, i) => expect(v, what).toBeGreaterThanOrEqual(0.98 * d[i]));
        else if (!(name === 'elastic_transform' && table === 64)) expect(d[4], what).toBeGreaterThan(d[0]);
      }
      x.dispose();
    }
  });

  it('is deterministic per (corruption, severity, seed, image index), whatever the batch', async () => {
    const e = eng();
    const data = scenes(3, 3, 16, 16, 5);
    const batch = e.tensor(data, [3, 3, 16, 16]);
    const one = e.tensor(data.subarray(768, 1536), [1, 3, 16, 16]);
    for (const name of CORRUPTIONS) {
      const a = await take(corrupt(batch, name, 3, { seed: 11, firstIndex: 40 }));
      const b = await take(corrupt(batch, name, 3, { seed: 11, firstIndex: 40 }));
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), `${name} twice`).toBe(true);
      const alone = await take(corrupt(one, name, 3, { seed: 11, firstIndex: 41 }));
      expect(Buffer.from(alone.buffer).equals(Buffer.from(a.buffer, 768 * 4, 768 * 4)), `${name} alone`).toBe(true);
      const other = await take(corrupt(one, name, 3, { seed: 12, firstIndex: 41 }));
      const random = !['defocus_blur', 'zoom_blur', 'brightness', 'contrast', 'pixelate', 'jpeg_compression', 'gaussian_blur', 'saturate'].includes(name);
      expect(Buffer.from(other.buffer).equals(Buffer.from(alone.buffer)), `${name}: another seed`).toBe(!random);
    }
    batch.dispose();
    one.dispose();
  });
});

describe('corruptCommand', () => {
  it('writes a labelled PNG contact sheet: 19 rows × (clean + 5 severities), names left, severities on top', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'corrupt-')), 'sheet.png');
    const { width, height, left, top } = await corruptCommand({ out, size: 64, seed: 2 }, eng());
    // The longest name (elastic_transform, 17 glyphs of 6 px) and the header row set the margins.
    expect([left, top]).toEqual([17 * 6 - 1 + 8, 2 * 9 + 4]);
    expect([width, height]).toEqual([left + 6 * 64 + 5 * 2, top + 19 * 64 + 18 * 2]);
    const png = PNG.sync.read(readFileSync(out));
    expect([png.width, png.height]).toEqual([width, height]);
    // The clean column repeats; a severity-5 tile differs from it.
    const px = (x: number, y: number) => png.data[4 * (y * width + x)];
    expect(px(left + 10, top + 10)).toBe(px(left + 10, top + 66 + 10));
    expect(px(left + 5 * 66 + 10, top + 10)).not.toBe(px(left + 10, top + 10));
    // Ink in every row label and column header, and nowhere else in the margins' gaps.
    const ink = (x0: number, y0: number, x1: number, y1: number) => {
      let k = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (px(x, y) < 128) k++;
      return k;
    };
    for (let row = 0; row < 19; row++) expect(ink(0, top + row * 66, left, top + row * 66 + 64), `row ${row} label`).toBeGreaterThan(20);
    for (let col = 0; col < 6; col++) expect(ink(left + col * 66, 0, left + col * 66 + 64, top), `column ${col} header`).toBeGreaterThan(20);
    expect(ink(0, top + 64, left, top + 66), 'gap between row labels').toBe(0);
  });

  it('draws the 5×7 glyphs it is given (A, 1) and measures text', () => {
    const canvas = { data: new Float32Array(3 * 12 * 7).fill(1), width: 12, height: 7 };
    drawText(canvas, 0, 0, 'a1');
    const bits = Array.from({ length: 7 }, (_, y) => Array.from({ length: 11 }, (_, x) => (canvas.data[y * 12 + x] < 0.5 ? '1' : '0')).join(''));
    expect(bits).toEqual(['01110000100', '10001001100', '10001000100', '11111000100', '10001000100', '10001000100', '10001001110']);
    expect(textWidth('severity 1')).toBe(59);
    expect(textWidth('ab', 2)).toBe(22);
  });

  it('passes canonical, gray and a bad frost folder through to the corruptions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corrupt-'));
    const r = await corruptCommand({ out: join(dir, 'g.png'), size: 64, seed: 2, canonical: true, gray: true }, eng());
    const png = PNG.sync.read(readFileSync(join(dir, 'g.png')));
    // Gray tiles: R = G = B everywhere in the grid.
    for (let y = r.top; y < r.height; y += 7) for (let x = r.left; x < r.width; x += 5) {
      const o = 4 * (y * r.width + x);
      expect(png.data[o + 1]).toBe(png.data[o]);
    }
    await expect(corruptCommand({ out: join(dir, 'f.png'), size: 64, seed: 2, frostDir: join(dir, 'none') }, eng())).rejects.toThrow(/none does not exist/);
  });
});
