/**
 * 2-D FFT on interleaved complex tensors (last dim 2 = re, im), with torch.fft.fft2 / ifft2 semantics
 * (norm "backward": the inverse divides by H·W), real↔complex helpers, phase randomisation and amplitude
 * transfer. Power-of-two H and W only: each axis is log4 Stockham passes (one radix-2 pass first when log2 n is
 * odd), one dispatch per pass, W axis then H axis, batched over every leading dim.
 *
 * Gradients use the real adjoint of a complex-linear map, its conjugate transpose: fft2's is the unnormalised
 * inverse and ifft2's is the forward divided by H·W, so every backward is another run of the same passes.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import { fmt } from '../tensor/shape.js';
import { expectF32, expectSameEngine, grid1d, run } from './dispatch.js';

const WG = 64;

interface Plane { lead: readonly number[]; h: number; w: number }

function log2Exact(n: number): number {
  return n >= 1 && (n & (n - 1)) === 0 ? Math.log2(n) : -1;
}

/** The [H, W] plane of `x` (the last two dims, or the two before a trailing 2 for complex input). */
function plane(op: string, x: Tensor, complex: boolean): Plane {
  expectF32(op, x);
  const rank = complex ? 3 : 2;
  if (x.rank < rank || (complex && x.shape[x.rank - 1] !== 2)) {
    const want = complex ? '[..., H, W, 2] (interleaved complex)' : '[..., H, W] (real)';
    throw new ShapeError(`${op}: expected ${want}, got ${x.describe()}`);
  }
  const lead = x.shape.slice(0, x.rank - rank);
  const [h, w] = x.shape.slice(x.rank - rank, x.rank - rank + 2);
  if (log2Exact(h) < 0 || log2Exact(w) < 0) {
    throw new ShapeError(`${op}: H and W must be powers of two, got H=${h}, W=${w} in ${x.describe()}`);
  }
  return { lead, h, w };
}

/** e^{2πij/L} for j < L, in f64 rounded once to f32. One table per power of two, so the cache stays tiny. */
const twiddleTables = new Map<number, Float32Array>();

function twiddleTable(len: number): Float32Array {
  let t = twiddleTables.get(len);
  if (!t) {
    t = new Float32Array(2 * len);
    for (let j = 0; j < len; j++) {
      t[2 * j] = Math.cos((2 * Math.PI * j) / len);
      t[2 * j + 1] = Math.sin((2 * Math.PI * j) / len);
    }
    twiddleTables.set(len, t);
  }
  return t;
}

interface Pass { radix: 2 | 4; log2S: number; log2M: number; log2P: number }

/** Passes along one axis of length 2^log2N whose elements are 2^log2S apart. */
function axisPasses(log2N: number, log2S: number): Pass[] {
  const out: Pass[] = [];
  let log2P = 0;
  if (log2N % 2 === 1) {
    out.push({ radix: 2, log2S, log2M: log2N - 1, log2P });
    log2P = 1;
  }
  for (; log2P < log2N; log2P += 2) out.push({ radix: 4, log2S, log2M: log2N - 2, log2P });
  return out;
}

interface FftMode { inverse: boolean; scale: number; realIn: boolean; realOut: boolean }

interface PointExtra { mode?: number; log2H?: number; log2W?: number; scale?: number; key?: readonly [number, number] }

/** PointParams with every field set (the kernels that share the struct each read only some). */
function pointParams(n: number, extra: PointExtra = {}) {
  return { n, mode: extra.mode ?? 0, log2_h: extra.log2H ?? 0, log2_w: extra.log2W ?? 0, scale: extra.scale ?? 1,
    key0: extra.key?.[0] ?? 0, key1: extra.key?.[1] ?? 0 };
}

const CONVERT = { complex: 0, realToComplex: 1, complexToReal: 2 } as const;

function convert(x: Tensor, mode: number, outShape: readonly number[], scale: number): Tensor {
  const y = x.engine.empty(outShape, 'f32', 'fft_convert');
  const n = mode === CONVERT.realToComplex ? x.size : y.size / (mode === CONVERT.complexToReal ? 1 : 2);
  run('fft', 'fft_convert', { x, y }, pointParams(n, { mode, scale }), grid1d(n, WG));
  return y;
}

/**
 * The 2-D transform of the [h, w] planes of `x` with the given direction, output scale and real/complex
 * layouts, unrecorded. Intermediate passes ping-pong between scratch buffers (the output is one of them when
 * it is complex), arranged so the last pass lands in the output.
 */
function fftRaw(x: Tensor, lead: readonly number[], h: number, w: number, mode: FftMode): Tensor {
  const e = x.engine;
  const outShape = mode.realOut ? [...lead, h, w] : [...lead, h, w, 2];
  const n = x.size / (mode.realIn ? 1 : 2);
  const log2W = log2Exact(w);
  const passes = [...axisPasses(log2W, 0), ...axisPasses(log2Exact(h), log2W)];
  if (passes.length === 0) {
    const m = mode.realIn ? CONVERT.realToComplex : mode.realOut ? CONVERT.complexToReal : CONVERT.complex;
    return convert(x, m, outShape, mode.scale);
  }
  const len = Math.max(h, w);
  const log2L = log2Exact(len);
  const tw = e.tensor(twiddleTable(len), [len, 2], 'f32', 'fft twiddles');
  const y = e.empty(outShape, 'f32', mode.inverse ? 'ifft2' : 'fft2');
  const scratchA = passes.length > 1 ? e.empty([n, 2], 'f32', 'fft scratch') : null;
  const scratchB = passes.length > 2 ? (mode.realOut ? e.empty([n, 2], 'f32', 'fft scratch') : y) : null;
  let src = x;
  passes.forEach((p, k) => {
    const fromEnd = passes.length - 1 - k;
    const dst = fromEnd === 0 ? y : fromEnd % 2 === 1 ? scratchA! : scratchB!;
    const last = fromEnd === 0;
    run('fft', p.radix === 4 ? 'fft_stockham_radix4' : 'fft_stockham_radix2', { x: src, tw, y: dst }, {
      n_threads: n / p.radix, log2_s: p.log2S, log2_m: p.log2M, log2_p: p.log2P,
      tw_shift: log2L - log2Exact(p.radix) - p.log2P, real_in: k === 0 && mode.realIn, real_out: last && mode.realOut,
      dir: mode.inverse ? 1 : -1, scale: last ? mode.scale : 1,
    }, grid1d(n / p.radix, WG));
    src = dst;
  });
  // Released buffers are only reused after the submit that carries these passes (see BufferPool).
  tw.dispose();
  scratchA?.dispose();
  if (scratchB !== y) scratchB?.dispose();
  return y;
}

/**
 * torch.fft.fft2 (or ifft2 with `inverse`, which divides by H·W) over the [H, W] planes of an interleaved
 * complex tensor [..., H, W, 2]. H and W must be powers of two.
 */
export function fft2(x: Tensor, opts: { inverse?: boolean } = {}): Tensor {
  const { lead, h, w } = plane('fft2', x, true);
  const inverse = opts.inverse ?? false;
  const scale = inverse ? 1 / (h * w) : 1;
  const y = fftRaw(x, lead, h, w, { inverse, scale, realIn: false, realOut: false });
  x.engine.record(inverse ? 'ifft2' : 'fft2', [x], [y],
    ([dy]) => [fftRaw(dy!, lead, h, w, { inverse: !inverse, scale, realIn: false, realOut: false })]);
  return y;
}

/** The full (two-sided) spectrum [..., H, W, 2] of a real tensor [..., H, W]: fft2 of x + 0i in one go. */
export function rfft2Full(x: Tensor): Tensor {
  const { lead, h, w } = plane('rfft2Full', x, false);
  const y = fftRaw(x, lead, h, w, { inverse: false, scale: 1, realIn: true, realOut: false });
  x.engine.record('rfft2Full', [x], [y],
    ([dy]) => [fftRaw(dy!, lead, h, w, { inverse: true, scale: 1, realIn: false, realOut: true })]);
  return y;
}

/**
 * The real part of ifft2 [..., H, W] of a complex tensor [..., H, W, 2]: the inverse of rfft2Full for
 * Hermitian-symmetric spectra, without materialising the (near-zero) imaginary part.
 */
export function ifft2Real(x: Tensor): Tensor {
  const { lead, h, w } = plane('ifft2Real', x, true);
  const scale = 1 / (h * w);
  const y = fftRaw(x, lead, h, w, { inverse: true, scale, realIn: false, realOut: true });
  x.engine.record('ifft2Real', [x], [y],
    ([dy]) => [fftRaw(dy!, lead, h, w, { inverse: false, scale, realIn: true, realOut: false })]);
  return y;
}

/** Real parts [...] of an interleaved complex tensor [..., 2]. */
export function realPart(x: Tensor): Tensor {
  expectF32('realPart', x);
  if (x.rank < 1 || x.shape[x.rank - 1] !== 2) {
    throw new ShapeError(`realPart: expected [..., 2] (interleaved complex), got ${x.describe()}`);
  }
  const shape = x.shape.slice(0, -1);
  const y = convert(x, CONVERT.complexToReal, shape, 1);
  x.engine.record('realPart', [x], [y], ([dy]) => [convert(dy!, CONVERT.realToComplex, [...shape, 2], 1)]);
  return y;
}

/** |s|·t/|t| per complex element: the amplitude of `s` with the phase of `t` (phase 0 where t = 0). */
function polar(s: Tensor, t: Tensor): Tensor {
  const n = s.size / 2;
  const g = s.engine.empty(s.shape, 'f32', 'polar');
  run('fft', 'fft_polar_forward', { s, t, g }, pointParams(n), grid1d(n, WG));
  s.engine.record('polar', [s, t], [g], ([dg], { s: ss, t: ts }) => {
    const ds = ss.engine.empty(ss.shape, 'f32', 'polar ds');
    const dt = ss.engine.empty(ss.shape, 'f32', 'polar dt');
    run('fft', 'fft_polar_backward', { s: ss, t: ts, dg: dg!, ds, dt }, pointParams(n), grid1d(n, WG));
    return [ds, dt];
  }, { s, t });
  return g;
}

function checkKey(op: string, key: readonly [number, number]): void {
  if (key.length !== 2 || key.some((k) => !Number.isInteger(k) || k < 0 || k > 0xffffffff)) {
    throw new ShapeError(`${op}: key must be two u32 values, got [${key.join(', ')}]`);
  }
}

/**
 * The spectrum [..., H, W, 2] whose inverse is `phaseRandomize(img, key)`: |F(img)| with a uniform random
 * phase per frequency, Hermitian-symmetric so the inverse is real. Each [H, W] slice draws its own phases
 * (counter = slice·H·W + the lower linear index of a frequency and its mirror); the self-mirrored Nyquist bins
 * get a random sign and the DC bin keeps its value, so the image mean is unchanged. Differentiable w.r.t. img
 * (the phases are constants).
 */
export function phaseRandomizedSpectrum(img: Tensor, key: readonly [number, number]): Tensor {
  const { h, w } = plane('phaseRandomize', img, false);
  checkKey('phaseRandomize', key);
  const e = img.engine;
  return e.scope(() => {
    const f = rfft2Full(img);
    const n = img.size;
    const phasor = e.empty(f.shape, 'f32', 'random phasor');
    run('fft', 'fft_random_phasor', { s: f, g: phasor },
      pointParams(n, { log2H: log2Exact(h), log2W: log2Exact(w), key }), grid1d(n, WG));
    return polar(f, phasor);
  });
}

/**
 * Phase-randomised images [..., H, W] (as JackEdTaylor/randphase phase.py `randomise` draws it): the Fourier amplitude of each [H, W] slice of
 * `img` with uniform random, Hermitian-symmetric phase, so the result is real (see phaseRandomizedSpectrum).
 * Deterministic in `key`. NOTE: unlike phase.randomise (3-D FFT over the colour axis, modulus of the inverse)
 * this keeps the amplitude spectrum of every channel exactly and returns a true real image.
 */
export function phaseRandomize(img: Tensor, key: readonly [number, number]): Tensor {
  return img.engine.scope(() => ifft2Real(phaseRandomizedSpectrum(img, key)));
}

/**
 * The "spectral control" of Safarani et al. 2021 §4: real images [..., H, W] with the Fourier amplitude of
 * `source` and the phase of `target`, i.e. Re ifft2(|F(source)| · F(target)/|F(target)|). Differentiable
 * w.r.t. both.
 */
export function amplitudeTransfer(target: Tensor, source: Tensor): Tensor {
  plane('amplitudeTransfer', target, false);
  plane('amplitudeTransfer', source, false);
  expectSameEngine('amplitudeTransfer', target, source);
  if (target.rank !== source.rank || target.shape.some((d, i) => d !== source.shape[i])) {
    throw new ShapeError(`amplitudeTransfer: target ${fmt(target.shape)} and source ${fmt(source.shape)} differ`);
  }
  return target.engine.scope(() => ifft2Real(polar(rfft2Full(source), rfft2Full(target))));
}
