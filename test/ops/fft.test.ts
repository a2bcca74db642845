import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, uniform } from '../helpers/rng.js';
import { expectClose, type Tol } from '../helpers/close.js';
import { gpuGrads, numericGrad } from '../helpers/gradcheck.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError } from '../../src/errors.js';
import {
  amplitudeTransfer, fft2, ifft2Real, phaseRandomize, phaseRandomizedSpectrum, realPart, rfft2Full,
} from '../../src/ops/fft.js';
import * as ref from '../../src/ref/fft.js';

const eng = useEngine();

// Spectra of unit noise grow like √(H·W), and f32 rounding in the passes like log2(H·W).
const TOL = (h: number, w: number): Tol => ({ atol: 3e-7 * Math.sqrt(h * w) * Math.max(1, Math.log2(h * w)), rtol: 1e-5 });
const GRAD_TOL: Tol = { atol: 2e-4, rtol: 2e-4 };
const NUMERIC_TOL: Tol = { atol: 1e-6, rtol: 1e-6 };

/** Runs `fn` on f32 copies of the inputs and reads the result back; frees everything it made. */
interface Input { data: ArrayLike<number>; shape: number[] }

async function gpu(fn: (...ts: Tensor[]) => Tensor, ...inputs: Input[]): Promise<Float32Array> {
  const e = eng();
  const ts = inputs.map((i) => e.tensor(Float32Array.from(i.data), i.shape));
  const y = fn(...ts);
  const out = (await y.read()) as Float32Array;
  for (const t of [...ts, y]) t.dispose();
  return out;
}

const SIZES: [number, number][] = [[1, 1], [2, 8], [4, 4], [8, 16], [32, 32], [64, 64]];

describe('fft2 vs f64 DFT', () => {
  for (const [h, w] of SIZES) {
    for (const batch of [1, 3]) {
      it(`${batch}×${h}×${w}: forward, inverse and round trip`, async () => {
        const shape = batch === 1 ? [h, w, 2] : [batch, h, w, 2];
        const x = f32(uniform(batch * h * w * 2, h * 100 + w + batch));
        const p = { batch, h, w };
        const fwd = await gpu((t) => fft2(t), { data: x, shape });
        expectClose(fwd, ref.dft2(x, p), TOL(h, w), 'fft2');
        const inv = await gpu((t) => fft2(t, { inverse: true }), { data: x, shape });
        expectClose(inv, ref.dft2(x, p, true), { atol: 1e-6, rtol: 1e-5 }, 'ifft2');
        const back = await gpu((t) => fft2(fft2(t), { inverse: true }), { data: x, shape });
        expectClose(back, x, { atol: 2e-6, rtol: 1e-5 }, 'ifft2(fft2(x))');
      });
    }
  }

  it('folds any leading dims into the batch, for H > W and odd log2 on both axes', async () => {
    for (const [lead, h, w] of [[[2, 3], 8, 2], [[1, 2], 32, 8], [[3], 128, 1]] as [number[], number, number][]) {
      const batch = lead.reduce((a, b) => a * b, 1);
      const x = f32(uniform(batch * h * w * 2, 7 + h));
      const y = await gpu((t) => fft2(t), { data: x, shape: [...lead, h, w, 2] });
      expectClose(y, ref.dft2(x, { batch, h, w }), TOL(h, w), `fft2 ${lead}×${h}×${w}`);
    }
  });

  it('rfft2Full, ifft2Real and realPart match the reference', async () => {
    for (const [h, w] of [[1, 1], [2, 8], [16, 4]] as [number, number][]) {
      const p = { batch: 2, h, w };
      const x = f32(uniform(2 * h * w, 11 + h));
      const rf = await gpu(rfft2Full, { data: x, shape: [2, h, w] });
      expectClose(rf, ref.rfft2FullRef(x, p), TOL(h, w), `rfft2Full ${h}×${w}`);
      const z = f32(uniform(2 * h * w * 2, 13 + h));
      const ir = await gpu(ifft2Real, { data: z, shape: [2, h, w, 2] });
      expectClose(ir, ref.ifft2RealRef(z, p), { atol: 1e-6, rtol: 1e-5 }, `ifft2Real ${h}×${w}`);
      const re = await gpu(realPart, { data: z, shape: [2, h, w, 2] });
      expectClose(re, ref.realPartRef(z), { atol: 0, rtol: 0 }, 'realPart');
    }
  });

  it('rejects sizes that are not powers of two and non-complex layouts with a ShapeError', () => {
    const e = eng();
    const bad: [string, () => unknown][] = [
      ['6×8', () => fft2(e.zeros([6, 8, 2]))],
      ['8×3', () => rfft2Full(e.zeros([8, 3]))],
      ['last dim 3', () => fft2(e.zeros([4, 4, 3]))],
      ['rank 2 complex', () => fft2(e.zeros([4, 2]))],
      ['realPart of [4, 3]', () => realPart(e.zeros([4, 3]))],
      ['mismatched shapes', () => amplitudeTransfer(e.zeros([4, 4]), e.zeros([2, 4, 4]))],
      ['bad key', () => phaseRandomize(e.zeros([4, 4]), [1.5, 0])],
    ];
    for (const [what, f] of bad) expect(() => e.scope(f), what).toThrow(ShapeError);
  });

  it('frees its scratch buffers and twiddle tables', async () => {
    const e = eng();
    const x = e.tensor(uniform(2 * 32 * 16 * 2, 3), [2, 32, 16, 2]);
    const before = e.stats();
    const r = realPart(x);
    const ys = [r, fft2(x), fft2(x, { inverse: true }), ifft2Real(x), phaseRandomize(r, [1, 2]), amplitudeTransfer(r, r)];
    await ys[5].read();
    for (const y of ys) y.dispose();
    const after = e.stats();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.liveBytes).toBe(before.liveBytes);
    x.dispose();
  });
});

describe('fft gradients', () => {
  const p = { batch: 2, h: 4, w: 8 };
  const nReal = p.batch * p.h * p.w;
  const cShape = [p.batch, p.h, p.w, 2];
  const rShape = [p.batch, p.h, p.w];

  /** Reference backward vs central differences, then GPU backward vs reference backward. */
  async function check(name: string, build: (ts: Tensor[]) => Tensor, f: (ins: Float64Array[]) => ArrayLike<number>,
    back: (ins: Float64Array[], dy: Float64Array) => Float64Array[], inputs: { data: Float64Array; shape: number[] }[],
    outSize: number) {
    const dy = f32(uniform(outSize, 99));
    const refGrads = back(inputs.map((i) => i.data), dy);
    const num = numericGrad(f, inputs.map((i) => Float64Array.from(i.data)), dy);
    refGrads.forEach((g, k) => expectClose(g, num[k], NUMERIC_TOL, `${name}: reference grad ${k} vs numeric`));
    const { grads } = await gpuGrads(eng(), build, inputs, dy);
    refGrads.forEach((g, k) => expectClose(grads[k]!, g, GRAD_TOL, `${name}: GPU grad ${k} vs reference`));
  }

  it('fft2 and ifft2 (a real loss of a complex map)', async () => {
    const x = { data: f32(uniform(2 * nReal, 21)), shape: cShape };
    await check('fft2', ([t]) => fft2(t), ([a]) => ref.dft2(a, p), (_, dy) => [ref.fft2BackwardRef(dy, p)], [x], 2 * nReal);
    await check('ifft2', ([t]) => fft2(t, { inverse: true }), ([a]) => ref.dft2(a, p, true),
      (_, dy) => [ref.fft2BackwardRef(dy, p, true)], [x], 2 * nReal);
  });

  it('rfft2Full, ifft2Real and realPart', async () => {
    const r = { data: f32(uniform(nReal, 22)), shape: rShape };
    const c = { data: f32(uniform(2 * nReal, 23)), shape: cShape };
    await check('rfft2Full', ([t]) => rfft2Full(t), ([a]) => ref.rfft2FullRef(a, p),
      (_, dy) => [ref.rfft2FullBackwardRef(dy, p)], [r], 2 * nReal);
    await check('ifft2Real', ([t]) => ifft2Real(t), ([a]) => ref.ifft2RealRef(a, p),
      (_, dy) => [ref.ifft2RealBackwardRef(dy, p)], [c], nReal);
    await check('realPart', ([t]) => realPart(t), ([a]) => ref.realPartRef(a), (_, dy) => [ref.toComplex(dy)], [c], nReal);
  });

  it('amplitudeTransfer w.r.t. target and source', async () => {
    const target = { data: f32(uniform(nReal, 24)), shape: rShape };
    const source = { data: f32(uniform(nReal, 25)), shape: rShape };
    await check('amplitudeTransfer', ([t, s]) => amplitudeTransfer(t, s), ([t, s]) => ref.amplitudeTransferRef(t, s, p),
      ([t, s], dy) => ref.amplitudeTransferBackwardRef(t, s, p, dy), [target, source], nReal);
  });

  it('phaseRandomize w.r.t. the image', async () => {
    const key = [5, 6] as const;
    const img = { data: f32(uniform(nReal, 26)), shape: rShape };
    await check('phaseRandomize', ([t]) => phaseRandomize(t, key), ([a]) => ref.phaseRandomizeRef(a, p, key),
      ([a], dy) => [ref.phaseRandomizeBackwardRef(a, p, key, dy)], [img], nReal);
  });
});

describe('phaseRandomize', () => {
  const p = { batch: 3, h: 32, w: 16 };
  const plane = p.h * p.w;
  const shape = [p.batch, p.h, p.w];
  const img = f32(uniform(p.batch * plane, 31, 0, 1));
  const key = [123, 456] as const;
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
  const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

  it('matches the reference and keeps the amplitude spectrum and the mean', async () => {
    const y = await gpu((t) => phaseRandomize(t, key), { data: img, shape });
    expectClose(y, ref.phaseRandomizeRef(img, p, key), { atol: 2e-5, rtol: 1e-4 }, 'phaseRandomize vs reference');
    const ampIn = ref.amplitudeRef(ref.rfft2FullRef(img, p));
    expectClose(ref.amplitudeRef(ref.rfft2FullRef(y, p)), ampIn, { atol: 2e-4, rtol: 1e-4 }, '|F(result)| vs |F(img)|');
    for (let b = 0; b < p.batch; b++) {
      const at = (a: Float32Array | Float64Array) => a.subarray(b * plane, (b + 1) * plane);
      expect(sum(at(y)) / plane).toBeCloseTo(sum(at(img)) / plane, 5);
    }
    // The phase really changed: the result is far from the input.
    expect(maxDiff(y, img)).toBeGreaterThan(0.1);
  });

  it('builds a Hermitian spectrum: its inverse has ~0 imaginary part', async () => {
    const z = await gpu((t) => fft2(phaseRandomizedSpectrum(t, key), { inverse: true }), { data: img, shape });
    const im = ref.imagPartRef(z);
    expect(Math.max(...Array.from(im, Math.abs))).toBeLessThan(1e-6);
    expectClose(ref.amplitudeRef(await gpu((t) => phaseRandomizedSpectrum(t, key), { data: img, shape })),
      ref.amplitudeRef(ref.rfft2FullRef(img, p)), { atol: 1e-5, rtol: 1e-5 }, '|spectrum|');
  });

  it('is deterministic in the key, and different keys and batch slices differ', async () => {
    const a = await gpu((t) => phaseRandomize(t, key), { data: img, shape });
    const b = await gpu((t) => phaseRandomize(t, key), { data: img, shape });
    const c = await gpu((t) => phaseRandomize(t, [123, 457]), { data: img, shape });
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(maxDiff(a, c)).toBeGreaterThan(0.1);
    // The same image in every slice still gets different phases per slice.
    const same = Float64Array.from({ length: img.length }, (_, i) => img[i % plane]);
    const s = await gpu((t) => phaseRandomize(t, key), { data: same, shape });
    expect(maxDiff(s.subarray(0, plane), s.subarray(plane))).toBeGreaterThan(0.1);
  });
});

describe('amplitudeTransfer', () => {
  const p = { batch: 2, h: 16, w: 16 };
  const shape = [p.batch, p.h, p.w];
  const target = f32(uniform(512, 41));
  const source = f32(uniform(512, 42, 0, 2));

  it('has the amplitude of the source and the phase of the target', async () => {
    const y = await gpu(amplitudeTransfer, { data: target, shape }, { data: source, shape });
    expectClose(y, ref.amplitudeTransferRef(target, source, p), { atol: 2e-5, rtol: 1e-4 }, 'vs reference');
    const fy = ref.rfft2FullRef(y, p);
    const ft = ref.rfft2FullRef(target, p);
    expectClose(ref.amplitudeRef(fy), ref.amplitudeRef(ref.rfft2FullRef(source, p)), { atol: 2e-4, rtol: 1e-4 }, '|F(y)|');
    // Same phase: F(y)·conj(F(t)) is real and non-negative.
    for (let i = 0; i < fy.length; i += 2) {
      const cross = fy[i + 1] * ft[i] - fy[i] * ft[i + 1];
      const along = fy[i] * ft[i] + fy[i + 1] * ft[i + 1];
      expect(Math.abs(cross), `phase at bin ${i / 2}`).toBeLessThan(1e-3 * (Math.abs(along) + 1));
      expect(along).toBeGreaterThan(-1e-3);
    }
  });

  it('is the identity when target and source are the same image', async () => {
    const y = await gpu(amplitudeTransfer, { data: target, shape }, { data: target, shape });
    expectClose(y, target, { atol: 2e-6, rtol: 1e-5 }, 'amplitudeTransfer(x, x)');
  });
});
