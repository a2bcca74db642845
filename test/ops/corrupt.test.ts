import { describe, expect, it } from 'vitest';
import jpeg from 'jpeg-js';
import { useEngine } from '../helpers/engine.js';
import { f32, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { ShapeError } from '../../src/errors.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { gaussianNoise, impulseNoise, noiseField, shotNoise, speckleNoise } from '../../src/corrupt/noise.js';
import { defocusBlur, diskKernel, filter2d, gaussianFilter, gaussianWeights, glassBlur, motionBlur, motionTaps, zoomAxis, zoomBlur, type Border } from '../../src/corrupt/blur.js';
import { fog, frost, plasmaFractal, snow } from '../../src/corrupt/weather.js';
import { brightness, contrast, elastic, pixelate, saturate } from '../../src/corrupt/digital.js';
import { CHROMA_TABLE, LUMA_TABLE, jpegCompress, jpegTables } from '../../src/corrupt/jpeg.js';
import { spatter } from '../../src/corrupt/spatter.js';
import { gaussianNoiseRef, impulseNoiseRef, noiseFieldRef, shotNoiseRef, speckleNoiseRef } from '../../src/corrupt/ref/noise.js';
import { filter2dRef, glassBlurRef, motionBlurRef, zoomBlurRef } from '../../src/corrupt/ref/blur.js';
import { fogRef, frostRef, plasmaRef, snowRef } from '../../src/corrupt/ref/weather.js';
import { contrastRef, elasticRef, hsvRef, pixelateRef } from '../../src/corrupt/ref/digital.js';
import { jpegRef } from '../../src/corrupt/ref/jpeg.js';
import { cannyRef, spatterRef } from '../../src/corrupt/ref/spatter.js';

const eng = useEngine();
const KEY = { seed: 12345, tag: 0x7a0, first: 9 };
const SHAPES = [[1, 1, 1, 1], [3, 3, 7, 17], [2, 1, 65, 3]] as const;
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

async function run(build: () => Tensor): Promise<Float32Array> {
  const t = build();
  const v = (await t.read()) as Float32Array;
  t.dispose();
  return v;
}

/** Images in [0, 1] (f32-exact), and their tensor. */
function images(shape: readonly number[], seed: number): { data: Float64Array; x: Tensor } {
  const data = f32(uniform(numel(shape), seed, 0, 1));
  return { data, x: eng().tensor(Float32Array.from(data), shape) };
}

function share(a: ArrayLike<number>, pred: (v: number, i: number) => boolean): number {
  let k = 0;
  for (let i = 0; i < a.length; i++) if (pred(a[i], i)) k++;
  return k / a.length;
}

describe('noise', () => {
  it('gaussian, speckle and impulse match the CPU mirror', async () => {
    for (const shape of SHAPES) {
      const { data, x } = images(shape, 1);
      expectClose(await run(() => gaussianNoise(x, 0.2, KEY)), gaussianNoiseRef(data, shape, 0.2, KEY), { atol: 2e-6 }, `gaussian ${shape}`);
      expectClose(await run(() => speckleNoise(x, 0.6, KEY)), speckleNoiseRef(data, shape, 0.6, KEY), { atol: 2e-6 }, `speckle ${shape}`);
      expectClose(await run(() => impulseNoise(x, 0.27, KEY)), impulseNoiseRef(data, shape, 0.27, KEY), { atol: 0 }, `impulse ${shape}`);
      x.dispose();
    }
  });

  it('shot noise matches the mirror in both Poisson regimes and has Poisson moments', async () => {
    for (const rate of [3, 250]) {
      const shape = [2, 3, 17, 7];
      const { data, x } = images(shape, 2);
      const got = await run(() => shotNoise(x, rate, KEY));
      const want = shotNoiseRef(data, shape, rate, KEY);
      // A draw on an acceptance boundary may go either way in f32: allow a rare count that differs.
      expect(share(got, (v, i) => Math.abs(v - want[i]) > 1e-6), `rate ${rate}`).toBeLessThan(0.005);
      x.dispose();
    }
    for (const lam of [5, 60]) {
      const x = eng().full([1, 1, 64, 64], 0.25);
      const k = Array.from(await run(() => shotNoise(x, 4 * lam, KEY)), (v) => v * 4 * lam);
      const mean = k.reduce((a, b) => a + b, 0) / k.length;
      const variance = k.reduce((a, b) => a + (b - mean) ** 2, 0) / k.length;
      expect(Math.abs(mean - lam), `mean at λ=${lam}`).toBeLessThan(4 * Math.sqrt(lam / k.length));
      expect(Math.abs(variance / lam - 1), `variance at λ=${lam}`).toBeLessThan(0.1);
      expect(k.every((v) => Math.abs(v - Math.round(v)) < 1e-3), 'integer counts').toBe(true);
      x.dispose();
    }
  });

  it('impulse flips the stated share to 0 or 1 in even odds; fields have their moments', async () => {
    const x = eng().full([1, 3, 64, 64], 0.5);
    const y = await run(() => impulseNoise(x, 0.2, KEY));
    expect(Math.abs(share(y, (v) => v !== 0.5) - 0.2)).toBeLessThan(0.015);
    expect(Math.abs(share(y, (v) => v === 1) - 0.1)).toBeLessThan(0.01);
    x.dispose();
    const z = await run(() => noiseField(eng(), [2, 64, 64], 'normal', 0.3, 0.65, KEY));
    const m = z.reduce((a, b) => a + b, 0) / z.length;
    expect(Math.abs(m - 0.65)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(z.reduce((a, b) => a + (b - m) ** 2, 0) / z.length) - 0.3)).toBeLessThan(0.01);
    const u = await run(() => noiseField(eng(), [1, 7, 17], 'uniform', 2, 0, KEY));
    expectClose(u, noiseFieldRef(1, 7, 17, 'uniform', 2, 0, KEY), { atol: 1e-6 }, 'uniform field');
    expect(Math.max(...u.map(Math.abs))).toBeLessThanOrEqual(2);
  });
});

describe('filters', () => {
  // scipy.ndimage.gaussian_filter(x, σ, mode, truncate) of x = ((arange(35)·0.37) % 1).reshape(5, 7), scipy 1.17.
  const X = Array.from({ length: 35 }, (_, i) => (i * 0.37) % 1);
  const SCIPY: [Border, number | [number, number], number, number[]][] = [
    ['edge', 1.5, 4, [0.3062862885, 0.3919968408, 0.4435886491, 0.4565305456, 0.4625702456, 0.4665147868, 0.4515300008, 0.3910380681, 0.4507040485, 0.4807601494, 0.4773059317, 0.4712911724, 0.4818260691, 0.4991207717, 0.4483004549, 0.4830606327, 0.5003695125, 0.4952645891, 0.4886754318, 0.5052829733, 0.5443342465, 0.4663327164, 0.482181198, 0.4943039201, 0.5005209675, 0.5059940143, 0.5275355421, 0.5720930236, 0.4562881607, 0.4638282282, 0.473987626, 0.4925647068, 0.511584828, 0.5332587681, 0.5702479655]],
    ['symmetric', 1.5, 4, [0.4177464886, 0.4513431848, 0.4723644495, 0.4665305151, 0.4634693043, 0.4766066129, 0.4897184344, 0.4494310755, 0.4759738222, 0.4908004776, 0.4802663094, 0.4708541049, 0.4813275504, 0.4974866881, 0.4762209662, 0.4933225689, 0.5039357082, 0.4963858921, 0.4875228557, 0.4974965284, 0.5164237841, 0.4818127142, 0.4894668941, 0.498930981, 0.5037256911, 0.5066639628, 0.5202988274, 0.539673248, 0.4782892192, 0.479218888, 0.4877700256, 0.5030915924, 0.5176881303, 0.5349451229, 0.5531973816]],
    ['reflect101', 1.5, 4, [0.536297204, 0.5334792773, 0.5156825102, 0.482381103, 0.4597606971, 0.46207019, 0.4686610772, 0.5324508556, 0.5312276661, 0.5177305775, 0.4881700416, 0.4648772552, 0.463556557, 0.4682320495, 0.5172351101, 0.519576515, 0.5171129888, 0.5001440848, 0.480763755, 0.475273818, 0.4770027133, 0.4952801755, 0.5004195097, 0.5091315069, 0.5090978839, 0.500998807, 0.4975382693, 0.4985804782, 0.4846775939, 0.4906482803, 0.5038074898, 0.5118605742, 0.5104538243, 0.5095518845, 0.5109327563]],
    ['symmetric', [0.7, 2.2], 3, [0.371501588, 0.388377469, 0.4135432158, 0.4380670184, 0.4573522703, 0.4701357998, 0.4765232957, 0.5231372884, 0.5172006716, 0.5053539403, 0.4913766886, 0.4817759869, 0.4800099989, 0.4819285812, 0.5073222152, 0.5092113444, 0.507365004, 0.4975821957, 0.4833104537, 0.4711199014, 0.4649362803, 0.4973665196, 0.5030601844, 0.5141589145, 0.529816411, 0.548491499, 0.5667609745, 0.5786274382, 0.4657050423, 0.4692563535, 0.4784679915, 0.4931576863, 0.5101807241, 0.5248673025, 0.5329517511]],
  ];

  it('gaussian filter equals scipy for edge, reflect and mirror borders (radius past the image)', async () => {
    const x = eng().tensor(X, [1, 1, 5, 7]);
    for (const [border, sigma, truncate, want] of SCIPY) {
      expectClose(await run(() => gaussianFilter(x, sigma, { border, truncate })), want, { atol: 2e-6 }, `${border} σ ${sigma}`);
    }
    x.dispose();
  });

  it('zoom blur equals (x + scipy clipped_zoom(x, 1.3)[:H, :W]) / 2', async () => {
    // scipy.ndimage.zoom(crop, 1.3, order=1) of the centre ⌈n/1.3⌉ crop of X (output 5 × 8, trimmed to 5 × 7).
    const want = [0.0, 0.3171428571, 0.6342857143, 0.38, 0.34, 0.5857142857, 0.4028571429, 0.51625, 0.8333928571, 0.4898214286, 0.5748214286, 0.3026785714, 0.3876785714, 0.5441071429, 0.2825, 0.5996428571, 0.8096428571, 0.4482142857, 0.5867857143, 0.2253571429, 0.3639285714, 0.54875, 0.2766071429, 0.5580357143, 0.8216071429, 0.3708928571, 0.5630357143, 0.7194642857, 0.565, 0.525, 0.1992857143, 0.5164285714, 0.8335714286, 0.365, 0.4678571429];
    expect(zoomAxis(7, 1.3)).toEqual({ top: 0, scale: 5 / 7, last: 5, out: 8, valid: 8 });
    const x = eng().tensor(X, [1, 1, 5, 7]);
    expectClose(await run(() => zoomBlur(x, [1.3])), want, { atol: 2e-6 }, 'zoom');
    x.dispose();
  });

  it('gaussian weights, disk and motion taps are the reference tables', () => {
    const g = gaussianWeights(1.5);
    expect(g).toHaveLength(13);
    expect(gaussianWeights(0)).toEqual(Float64Array.of(1));
    // Past r = 8 the disk touches the grid's edge and the reflect-101 blur adds mass there, as cv2 does.
    for (const [r, a, n, total] of [[3, 0.1, 17, 1], [0.5, 0.6, 17, 1], [10, 0.5, 21, 1.0107857735871455]]) {
      const k = diskKernel(r, a);
      expect(k).toHaveLength(n * n);
      expect(k.reduce((s, v) => s + v, 0)).toBeCloseTo(total, 12);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(k[i * n + j]).toBeCloseTo(k[j * n + i], 14);
    }
    // θ = 0: tap i shifts by dx = −⌈i − ½⌉ = −i, dy = 0, with weights ∝ exp(−i²/2σ²).
    const t = motionTaps(10, 3, 0, 64, 64);
    for (let i = 0; i < 21; i++) {
      expect([t[4 * i] + 0, t[4 * i + 1] + 0], `tap ${i}`).toEqual([-i + 0, 0]);
      expect(t[4 * i + 2] / t[2]).toBeCloseTo(Math.exp(-(i * i) / 18), 12);
    }
    expect(t.filter((_, i) => i % 4 === 2).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // Shifts that reach the image size stop the kernel (the remaining weights stay 0).
    const short = motionTaps(10, 3, 45, 5, 5);
    expect(short.filter((_, i) => i % 4 === 2 && short[i] > 0)).toHaveLength(7);
  });

  it('defocus, generic filter2d, motion, zoom and glass match the CPU references', async () => {
    for (const shape of [[2, 3, 7, 17], [1, 1, 19, 5]]) {
      const { data, x } = images(shape, 3);
      expectClose(await run(() => defocusBlur(x, 10, 0.5)), filter2dRef(data, shape, diskKernel(10, 0.5), 'reflect101', 'clip'), { atol: 2e-6 }, 'defocus');
      const k = Float64Array.from(uniform(9, 4));
      expectClose(await run(() => filter2d(x, k, 'edge')), filter2dRef(data, shape, k, 'edge', 'none'), { atol: 2e-6 }, 'filter2d');
      const angles = Array.from({ length: shape[0] }, (_, i) => -40 + 37 * i);
      expectClose(await run(() => motionBlur(x, 15, 5, angles)), motionBlurRef(data, shape, 15, 5, angles), { atol: 2e-6 }, 'motion');
      const factors = [1, 1.03, 1.06, 1.09, 1.31];
      expectClose(await run(() => zoomBlur(x, factors)), zoomBlurRef(data, shape, factors), { atol: 2e-6 }, 'zoom');
      const glass = await run(() => glassBlur(x, 1.1, 3, 2, KEY));
      const want = glassBlurRef(data, shape, 1.1, 3, 2, KEY);
      expect(share(glass, (v, i) => Math.abs(v - want[i]) > 1e-5), 'glass: pixels off by an 8-bit flip').toBeLessThan(0.02);
      x.dispose();
    }
    await expect(async () => motionBlur(eng().zeros([2, 1, 4, 4]), 3, 1, [0])).rejects.toThrow(ShapeError);
  });

  it('glass shuffle permutes gray pixels (a swap) and copies colour ones (numpy view semantics)', async () => {
    // σ = 0.1 gives a one-tap gaussian, so the output is the shuffled uint8-cast input.
    const shape = [1, 1, 12, 9];
    const { data, x } = images(shape, 5);
    const q = Array.from(data, (v) => Math.floor(Math.fround(v) * 255) / 255).sort();
    const y = Array.from(await run(() => glassBlur(x, 0.1, 2, 3, KEY))).sort();
    expectClose(y, q, { atol: 1e-6 }, 'gray values are a permutation');
    x.dispose();
    const colour = images([1, 3, 12, 9], 6);
    const yc = await run(() => glassBlur(colour.x, 0.1, 2, 3, KEY));
    const before = new Set(Array.from(colour.data, (v) => Math.round(255 * Math.floor(Math.fround(v) * 255) / 255)));
    expect([...yc].every((v) => before.has(Math.round(255 * v)))).toBe(true);
    expect(new Set(Array.from(yc, (v) => Math.round(255 * v))).size).toBeLessThan(before.size);
    colour.x.dispose();
  });
});

describe('weather', () => {
  it('snow, fog (and its plasma), frost match the CPU references', async () => {
    for (const shape of [[2, 3, 13, 17], [1, 1, 33, 7]]) {
      const { data, x } = images(shape, 7);
      for (const p of [{ mu: 0.55, sigma: 0.3, zoom: 4.5, thresh: 0.85, radius: 12, blurSigma: 8, blend: 0.65 },
        { mu: 0.1, sigma: 0.2, zoom: 1, thresh: 0.6, radius: 8, blurSigma: 3, blend: 0.8 }]) {
        expectClose(await run(() => snow(x, p, KEY)), snowRef(data, shape, p, KEY), { atol: 1e-5 }, `snow ${shape}`);
      }
      const m = shape[2] > 16 ? 64 : 32;
      expectClose(await run(() => plasmaFractal(x, m, 1.7, KEY)), plasmaRef(shape[0], m, 1.7, KEY), { atol: 0.5, rtol: 1e-5 }, 'plasma');
      expectClose(await run(() => fog(x, 2.5, 1.7, KEY)), fogRef(data, shape, 2.5, 1.7, KEY), { atol: 1e-5 }, 'fog');
      // The ice ridges (r⁸) magnify f32 rounding of the noise coordinates.
      expectClose(await run(() => frost(x, 0.7, 0.7, KEY)), frostRef(data, shape, 0.7, 0.7, KEY), { atol: 1e-4 }, 'frost');
      x.dispose();
    }
  });

  it('plasma keeps M[0, 0] = 0 and fills every point; frost depends on the image index', async () => {
    const x = eng().zeros([2, 1, 8, 8]);
    const map = await run(() => plasmaFractal(x, 16, 2, KEY));
    expect(map[0]).toBe(0);
    expect(map.every(Number.isFinite)).toBe(true);
    const f = await run(() => frost(x, 1, 1, KEY));
    expect(f.subarray(0, 64)).not.toEqual(f.subarray(64));
    x.dispose();
  });
});

describe('digital', () => {
  it('brightness, saturate, contrast, pixelate and elastic match the CPU references', async () => {
    for (const shape of [[2, 3, 7, 17], [3, 1, 17, 7]]) {
      const { data, x } = images(shape, 8);
      expectClose(await run(() => brightness(x, 0.3)), hsvRef(data, shape, 0, 0.3, 0), { atol: 2e-6 }, 'brightness');
      expectClose(await run(() => saturate(x, 5, 0.1)), hsvRef(data, shape, 1, 5, 0.1), { atol: 2e-6 }, 'saturate');
      expectClose(await run(() => contrast(x, 0.1)), contrastRef(data, shape, 0.1), { atol: 2e-6 }, 'contrast');
      for (const c of [0.9, 0.6, 0.25]) expectClose(await run(() => pixelate(x, c)), pixelateRef(data, shape, c), { atol: 2e-6 }, `pixelate ${c}`);
      for (const p of [{ alpha: 30, sigma: [2.24, 1.3] as const, noise: 1.12, affine: 0 }, { alpha: 3, sigma: [1, 1] as const, noise: 1, affine: 1.5 }]) {
        expectClose(await run(() => elastic(x, p, KEY)), elasticRef(data, shape, p, KEY), { atol: 1e-5 }, `elastic ${JSON.stringify(p)}`);
      }
      x.dispose();
    }
  });

  it('identities: gray saturate, neutral saturate and contrast, zero elastic; pixelate ½ = 2×2 means', async () => {
    const shape = [2, 3, 8, 6];
    const { data, x } = images(shape, 9);
    expectClose(await run(() => saturate(x, 1, 0)), data, { atol: 2e-6 }, 'saturate(1, 0)');
    expectClose(await run(() => contrast(x, 1)), data, { atol: 2e-6 }, 'contrast(1)');
    expectClose(await run(() => elastic(x, { alpha: 0, sigma: [1, 1], noise: 1, affine: 0 }, KEY)), data, { atol: 0 }, 'elastic α = 0');
    const half = await run(() => pixelate(x, 0.5));
    for (let p = 0; p < 6; p++) {
      for (let i = 0; i < 8; i++) {
        for (let j = 0; j < 6; j++) {
          const a = (p * 8 + (i & ~1)) * 6 + (j & ~1);
          const want = (data[a] + data[a + 1] + data[a + 6] + data[a + 7]) / 4;
          expect(half[(p * 8 + i) * 6 + j]).toBeCloseTo(want, 6);
        }
      }
    }
    x.dispose();
    const gray = images([1, 1, 5, 9], 10);
    expectClose(await run(() => saturate(gray.x, 30, 0.2)), gray.data, { atol: 0 }, 'gray saturate');
    expectClose(await run(() => brightness(gray.x, 0.4)), Array.from(gray.data, (v) => Math.min(1, v + 0.4)), { atol: 1e-6 }, 'gray brightness');
    gray.x.dispose();
  });
});

describe('jpeg', () => {
  it('uses libjpeg quality scaling of the standard tables', () => {
    expect([...jpegTables(50)]).toEqual([...LUMA_TABLE, ...CHROMA_TABLE]);
    expect([...jpegTables(100)].every((v) => v === 1)).toBe(true);
    expect(jpegTables(25)[0]).toBe(32);
    expect(jpegTables(7)[63]).toBe(255);
    expect(() => jpegTables(0)).toThrow(ShapeError);
  });

  it('matches the CPU reference (4:2:0 colour, luma-only gray) on odd sizes', async () => {
    for (const shape of [[2, 3, 13, 17], [1, 1, 9, 23], [1, 3, 1, 1]]) {
      const { data, x } = images(shape, 11);
      for (const q of [7, 25, 65]) {
        const got = await run(() => jpegCompress(x, q));
        expectClose(got, jpegRef(data, shape, q), { atol: 1e-6 }, `jpeg q${q} ${shape}`);
        expect(got.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4), '8-bit output').toBe(true);
      }
      x.dispose();
    }
  });

  it('agrees with an independent codec (jpeg-js) on gray images', async () => {
    const h = 24;
    const w = 32;
    const data = Float32Array.from({ length: h * w }, (_, i) => Math.round(255 * (0.5 + 0.3 * Math.sin(i % w / 3) * Math.cos(Math.floor(i / w) / 4))) / 255);
    const x = eng().tensor(data, [1, 1, h, w]);
    const rgba = Buffer.alloc(4 * h * w, 255);
    data.forEach((v, i) => rgba.fill(Math.round(v * 255), 4 * i, 4 * i + 3));
    for (const q of [10, 50]) {
      const ref = jpeg.decode(jpeg.encode({ data: rgba, width: w, height: h }, q).data, { useTArray: true });
      const other = Array.from({ length: h * w }, (_, i) => ref.data[4 * i] / 255);
      const ours = await run(() => jpegCompress(x, q));
      let dOurs = 0;
      let dInput = 0;
      for (let i = 0; i < h * w; i++) { dOurs += Math.abs(ours[i] - other[i]); dInput += Math.abs(data[i] - other[i]); }
      expect(dOurs / (h * w), `q${q}: mean distance to jpeg-js`).toBeLessThan(1.5 / 255);
      expect(dOurs, `q${q}: closer to jpeg-js than the input is`).toBeLessThan(0.5 * dInput);
    }
    x.dispose();
  });
});

describe('spatter', () => {
  it('Canny reference finds a step edge once (non-maximum suppression, hysteresis)', () => {
    const h = 6;
    const w = 9;
    const step = Float64Array.from({ length: h * w }, (_, i) => (i % w >= 4 ? 200 : 0));
    const edges = cannyRef(step, h, w);
    for (let i = 0; i < h; i++) expect([...edges.subarray(i * w, (i + 1) * w)].reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('water and mud match the CPU reference', async () => {
    for (const shape of [[2, 3, 19, 23], [1, 1, 31, 9]]) {
      const { data, x } = images(shape, 12);
      for (const p of [{ mu: 0.65, sigma: 0.3, blur: 2, thresh: 0.68, k: 0.5, mode: 0 as const },
        { mu: 0.62, sigma: 0.1, blur: 0.7, thresh: 0.7, k: 0.6, mode: 0 as const },
        { mu: 0.67, sigma: 0.4, blur: 1, thresh: 0.65, k: 1.5, mode: 1 as const }]) {
        const got = await run(() => spatter(x, p, KEY));
        const want = spatterRef(data, shape, p, KEY);
        expect(share(got, (v, i) => Math.abs(v - want[i]) > 1e-5), `spatter mode ${p.mode} ${shape}`).toBeLessThan(0.02);
        expect(got.some((v, i) => Math.abs(v - data[i]) > 0.01), 'spatter changes the image').toBe(true);
      }
      x.dispose();
    }
  });
});

describe('validation', () => {
  it('throws ShapeError naming the op for non-image tensors', () => {
    const e = eng();
    const bad = [e.zeros([3, 8, 8]), e.zeros([1, 4, 8, 8]), e.zeros([1, 3, 8, 8], 'i32')];
    for (const t of bad) {
      expect(() => gaussianNoise(t, 0.1, KEY)).toThrow(/corrupt_noise_gaussian/);
      expect(() => jpegCompress(t, 50)).toThrow(ShapeError);
      t.dispose();
    }
    const x = e.zeros([1, 3, 3, 3]);
    expect(() => pixelate(x, 0.25)).toThrow(/pixelate/);
    expect(() => shotNoise(x, 0, KEY)).toThrow(ShapeError);
    x.dispose();
  });
});
