/**
 * sim-v1: a simulated V1 population with known ground truth, for readout, FEV and ceiling checks
 * and co-training smoke tests. Gabor simple cells d = [⟨g,x⟩]₊ and complex cells d = √(⟨g₀,x⟩² + ⟨g₉₀,x⟩²), half
 * of them divisively normalised by the orientation-pooled energy at their RF centre; rate
 * λ = A·softplus(β(d − t)) + λ₀; spike counts Poisson(λ) (optionally with Gamma gain noise); a quarter of the
 * neurons recorded with 2 of the 4 repeats (NaN in the rest, as in Cadena's file). Every random number comes from
 * the counter-based RNG keyed by (seed, stream, index), so any neuron, image or trial regenerates identically.
 */
import { permutation, quantileSorted } from '../stats/bootstrap.js';
import { median } from '../stats/ceiling.js';
import { mean as mean1, variance } from '../stats/correlation.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { pcg3d, randUniform, streamKey } from '../random/pcg.js';
import type { NeuralSet } from './neuralset.js';
import { SynthObjects } from './synth-objects.js';
import { synthTexture, TEXTURE_FAMILIES } from './textures.js';

export interface SimV1Options {
  seed?: number;
  /** Stimuli (default 2000); the last `testFraction` of them are the test set. */
  images?: number;
  neurons?: number;
  /** Sessions of equal size (default 2): neuron k belongs to session ⌊k·sessions/neurons⌋. */
  sessions?: number;
  repeats?: number;
  /** Image side in pixels (default 64). */
  size?: number;
  testFraction?: number;
  /** Neurons recorded with only 2 repeats (default 0.25). */
  twoRepeatFraction?: number;
  simpleFraction?: number;
  normalisedFraction?: number;
  /** Integer shape k of a mean-1 Gamma gain per trial (Fano factor 1 + λ/k); omitted: pure Poisson. */
  gainShape?: number;
  /** index → size×size gray image (any range; the set is z-scored as a whole). Default: `deadLeaves(seed, ·)`. */
  imageSource?: (index: number) => Float32Array;
  /** index → stimulus type for export; default 'dead-leaves' for the built-in source, else 'external'. */
  imageType?: (index: number) => string;
}

export interface SimNeuron {
  session: number;
  /** RF centre in pixels (0-based pixel centres). */
  x: number;
  y: number;
  /** RF centre in grid_sample coordinates (align_corners=True): 2p/(size−1) − 1, in [−0.5, 0.5]². */
  mu: [number, number];
  theta: number;
  /** Spatial frequency in cycles/pixel; sigma = 0.45/freq. */
  freq: number;
  sigma: number;
  gamma: number;
  phase: number;
  cell: 'simple' | 'complex';
  normalised: boolean;
  /** Semi-saturation of the normalisation (median pool energy); NaN when not normalised. */
  c50: number;
  meanRate: number;
  /** A in λ = A·softplus(β(d − t)) + λ₀. */
  amplitude: number;
  threshold: number;
  slope: number;
  baseline: number;
  repetitions: number;
}

export interface SimV1 {
  seed: number;
  size: number;
  /** [images, size, size], z-scored over the whole set. */
  images: Float32Array;
  imageStats: { mean: number; std: number };
  imageTypes: string[];
  /** [repeats, images, neurons] spike counts; NaN = repeat not recorded. */
  responses: Float32Array;
  repeats: number;
  repetitions: Int32Array;
  /** [images, neurons] noise-free rates λ. */
  rates: Float64Array;
  neurons: SimNeuron[];
  gainShape: number | null;
  trainIndices: Int32Array;
  testIndices: Int32Array;
}

/** The analytic values of the simulation for each neuron, over a set of images. */
export interface SimV1Expected {
  /** Var_i(λ) (ddof 0). */
  signalVar: Float64Array;
  /** E_i[trial variance]: λ for Poisson, λ + λ²/k with Gamma gain. */
  noiseVar: Float64Array;
  /** signal/(signal + noise). */
  fev: Float64Array;
  /** r between the means of the two halves of the neuron's repeats. */
  splitHalfR: Float64Array;
  /** Spearman–Brown 2r/(1+r) of splitHalfR (Brain-Score ceiling per neuron). */
  ceiling: Float64Array;
  /** r of a trial with the mean of the other repeats (neuralpredictors oracle). */
  oracleCorr: Float64Array;
  /** r of λ with single trials, √fev. */
  corrSingleTrial: Float64Array;
  /** r of λ with the repeat mean. */
  corrAverage: Float64Array;
}

type Key = readonly [number, number];
const STREAM = { images: 1, neurons: 2, twoRepeats: 3, simple: 4, normalised: 5, spikes: 6, gain: 7 } as const;

function subKey(key: Key, id: number): [number, number] {
  const [x, y] = pcg3d(key[0], key[1], id >>> 0);
  return [x, y];
}

/**
 * Built-in stimulus: a dead-leaves image (occluding disks with power-law radii p(r) ∝ r⁻³, which gives the ≈1/f
 * spectrum and sharp edges of natural images), half of the leaves carrying a faint grating texture.
 */
export function deadLeaves(seed: number, index: number, size = 64): Float32Array {
  const key = subKey(streamKey(seed, STREAM.images), index);
  let ctr = 0;
  const u = (): number => randUniform(key, ctr++);
  const img = new Float32Array(size * size);
  const covered = new Uint8Array(size * size);
  let left = size * size;
  const a = (size / 32) ** -2, b = (size / 3) ** -2;
  // NOTE: painted front to back (a pixel keeps the first leaf that covers it) and stopped after 0.1·size² leaves,
  // when under 1% of the pixels (mostly at the border) are still bare; those show the background, the last layer.
  for (let leaf = 0; leaf < Math.ceil(0.1 * size * size) && left > 0; leaf++) {
    const cx = u() * size - 0.5, cy = u() * size - 0.5, r = (a - u() * (a - b)) ** -0.5;
    const gray = 0.1 + 0.8 * u();
    const amp = u() < 0.5 ? 0.15 * u() : 0;
    const f = Math.exp(Math.log(1 / 16) + u() * Math.log(4)), th = Math.PI * u(), ph = 2 * Math.PI * u();
    const kx = 2 * Math.PI * f * Math.cos(th), ky = 2 * Math.PI * f * Math.sin(th);
    for (let y = Math.max(0, Math.ceil(cy - r)); y <= Math.min(size - 1, Math.floor(cy + r)); y++) {
      for (let x = Math.max(0, Math.ceil(cx - r)); x <= Math.min(size - 1, Math.floor(cx + r)); x++) {
        const p = y * size + x;
        if (covered[p] || (x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        covered[p] = 1;
        left--;
        img[p] = gray + amp * Math.cos(kx * x + ky * y + ph);
      }
    }
  }
  const background = 0.1 + 0.8 * u();
  for (let p = 0; p < img.length; p++) if (!covered[p]) img[p] = background;
  return img;
}

/**
 * The stimulus set we designed sim-v1 around, as an image source: the first half synth-objects-64 (train split), the rest
 * synth-textures samples cycling over the families. Texture images only: their phase-randomised noise twins are
 * made by the GPU FFT. About 10× slower to render than dead leaves.
 */
export function synthStimuli(seed: number, images: number, size = 64): Required<Pick<SimV1Options, 'imageSource' | 'imageType'>> {
  const half = Math.ceil(images / 2);
  const objects = new SynthObjects({ split: 'train', perClass: Math.ceil(half / 10), seed, imageSize: size });
  const family = (i: number): (typeof TEXTURE_FAMILIES)[number] => TEXTURE_FAMILIES[(i - half) % TEXTURE_FAMILIES.length];
  return {
    imageSource: (i) => (i < half ? objects.get(i).data : synthTexture(seed, family(i), Math.floor((i - half) / TEXTURE_FAMILIES.length), size)),
    imageType: (i) => (i < half ? 'synth-object' : `texture-${family(i)}`),
  };
}

/** Generates the population and its responses. Defaults: 2000 images, 128 neurons, 4 repeats, 64 px. */
export function simV1(opts: SimV1Options = {}): SimV1 {
  const seed = opts.seed ?? 0;
  const N = opts.images ?? 2000, K = opts.neurons ?? 128, R = opts.repeats ?? 4, S = opts.size ?? 64;
  const sessions = opts.sessions ?? 2;
  const gainShape = opts.gainShape ?? null;
  for (const [name, v] of Object.entries({ images: N, neurons: K, repeats: R, size: S, sessions })) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`simV1: ${name} must be a positive integer, got ${v}`);
  }
  if (R < 2) throw new ShapeError(`simV1: repeats must be ≥ 2, got ${R}`);
  if (gainShape !== null && (!Number.isInteger(gainShape) || gainShape < 1)) throw new ArgumentError(`simV1: gainShape must be a positive integer, got ${gainShape}`);
  if (N * R * (gainShape ?? 1) > 2 ** 32) throw new ArgumentError(`simV1: ${N} images × ${R} repeats exceed the RNG counter range`);
  const source = opts.imageSource ?? ((i: number) => deadLeaves(seed, i, S));
  const imageType = opts.imageType ?? (() => (opts.imageSource ? 'external' : 'dead-leaves'));
  const P = S * S;

  const images = new Float32Array(N * P);
  for (let i = 0; i < N; i++) {
    const img = source(i);
    if (img.length !== P) throw new ShapeError(`simV1: imageSource(${i}) returned ${img.length} pixels, expected ${S}×${S}`);
    images.set(img, i * P);
  }
  const { mean, std } = zScore(images);

  const chosen = (frac: number, stream: number): Set<number> =>
    new Set(permutation(K, streamKey(seed, stream)).slice(0, Math.round(frac * K)));
  const twoRep = chosen(opts.twoRepeatFraction ?? 0.25, STREAM.twoRepeats);
  const simple = chosen(opts.simpleFraction ?? 0.3, STREAM.simple);
  const normalised = chosen(opts.normalisedFraction ?? 0.5, STREAM.normalised);

  const rates = new Float64Array(N * K);
  const responses = new Float32Array(R * N * K);
  const repetitions = new Int32Array(K);
  const neurons: SimNeuron[] = [];
  const c = (S - 1) / 2, half = (S - 1) / 4;
  for (let k = 0; k < K; k++) {
    const key = subKey(streamKey(seed, STREAM.neurons), k);
    const u = (j: number): number => randUniform(key, j);
    const x = c - half + 2 * half * u(0), y = c - half + 2 * half * u(1);
    const theta = Math.PI * u(2), freq = Math.exp(Math.log(1 / 16) + u(3) * Math.log(4));
    const sigma = 0.45 / freq, gamma = 0.6 + 0.4 * u(4), phase = 2 * Math.PI * u(5);
    const meanRate = Math.exp(Math.log(0.5) + u(6) * Math.log(16));
    const cell = simple.has(k) ? 'simple' : 'complex';
    const { d, c50 } = drive(images, N, S, { x, y, theta, freq, sigma, gamma, phase, cell, normalised: normalised.has(k) });
    const threshold = quantileSorted(Float64Array.from(d).sort(), 0.4);
    const dStd = Math.sqrt(variance(d));
    if (!(dStd > 0)) throw new ArgumentError(`simV1: neuron ${k}'s drive is constant over the images; use a richer image source`);
    const slope = 4 / dStd;
    const sp = Float64Array.from(d, (v) => softplus(slope * (v - threshold)));
    const baseline = 0.05 * meanRate;
    const amplitude = (meanRate - baseline) / mean1(sp);
    const reps = twoRep.has(k) ? 2 : R;
    repetitions[k] = reps;
    const spikeKey = subKey(streamKey(seed, STREAM.spikes), k);
    const gainKey = subKey(streamKey(seed, STREAM.gain), k);
    for (let i = 0; i < N; i++) {
      const lambda = amplitude * sp[i] + baseline;
      rates[i * K + k] = lambda;
      for (let r = 0; r < R; r++) {
        const at = (r * N + i) * K + k;
        const trial = i * R + r;
        // Gamma(k, 1/k) gain as a sum of k exponentials, so one trial always uses the same k counters.
        let g = 1;
        if (gainShape !== null && r < reps) {
          let sum = 0;
          for (let j = 0; j < gainShape; j++) sum -= Math.log(1 - randUniform(gainKey, trial * gainShape + j));
          g = sum / gainShape;
        }
        responses[at] = r < reps ? poissonInverse(lambda * g, randUniform(spikeKey, trial)) : NaN;
      }
    }
    neurons.push({
      session: Math.floor((k * sessions) / K), x, y, mu: [(2 * x) / (S - 1) - 1, (2 * y) / (S - 1) - 1],
      theta, freq, sigma, gamma, phase, cell, normalised: normalised.has(k), c50,
      meanRate, amplitude, threshold, slope, baseline, repetitions: reps,
    });
  }
  const nTest = Math.round(N * (opts.testFraction ?? 0.2));
  return {
    seed, size: S, images, imageStats: { mean, std }, imageTypes: Array.from({ length: N }, (_, i) => imageType(i)),
    responses, repeats: R, repetitions, rates, neurons, gainShape,
    trainIndices: Int32Array.from({ length: N - nTest }, (_, i) => i),
    testIndices: Int32Array.from({ length: nTest }, (_, i) => N - nTest + i),
  };
}

/** The closed-form values of the simulation for every neuron over `indices` (default: the test images). */
export function simV1Expected(sim: SimV1, indices: ArrayLike<number> = sim.testIndices): SimV1Expected {
  const K = sim.neurons.length;
  const out: SimV1Expected = {
    signalVar: new Float64Array(K), noiseVar: new Float64Array(K), fev: new Float64Array(K), splitHalfR: new Float64Array(K),
    ceiling: new Float64Array(K), oracleCorr: new Float64Array(K), corrSingleTrial: new Float64Array(K), corrAverage: new Float64Array(K),
  };
  const n = indices.length;
  for (let k = 0; k < K; k++) {
    let m = 0, v = 0;
    for (let j = 0; j < n; j++) {
      const l = sim.rates[indices[j] * K + k];
      m += l / n;
      v += (l + (sim.gainShape ? (l * l) / sim.gainShape : 0)) / n;
    }
    let s = 0;
    for (let j = 0; j < n; j++) s += (sim.rates[indices[j] * K + k] - m) ** 2 / n;
    const reps = sim.repetitions[k], h1 = Math.floor(reps / 2), h2 = reps - h1;
    const r = s / Math.sqrt((s + v / h1) * (s + v / h2));
    out.signalVar[k] = s;
    out.noiseVar[k] = v;
    out.fev[k] = s / (s + v);
    out.splitHalfR[k] = r;
    out.ceiling[k] = (2 * r) / (1 + r);
    out.oracleCorr[k] = s / Math.sqrt((s + v) * (s + v / (reps - 1)));
    out.corrSingleTrial[k] = Math.sqrt(s / (s + v));
    out.corrAverage[k] = Math.sqrt(s / (s + v / reps));
  }
  return out;
}

/** The simulation as a neuralset-v0 record, ground truth included (write it with `writeNeuralSet`). */
export function simV1ToNeuralSet(sim: SimV1): NeuralSet {
  const N = sim.imageTypes.length, K = sim.neurons.length, S = sim.size;
  const gt = <T extends number | string | boolean>(f: (n: SimNeuron) => T): T[] => sim.neurons.map(f);
  return {
    images: sim.images, imageShape: [N, S, S],
    imageIds: Int32Array.from({ length: N }, (_, i) => i),
    responses: sim.responses, responseShape: [sim.repeats, N, K],
    repetitions: sim.repetitions,
    rates: Float32Array.from(sim.rates),
    meta: {
      subject_ids: gt(() => 'sim-v1'),
      session_of_neuron: gt((n) => n.session),
      image_types: sim.imageTypes,
      split: { train_ids: Array.from(sim.trainIndices), test_ids: Array.from(sim.testIndices), val_ids: [] },
      units: 'spikes/bin',
      time_window: null,
      source: `cortexgpu sim-v1 seed=${sim.seed} gainShape=${sim.gainShape ?? 'none'}`,
      license: 'CC0-1.0',
      rf_centres: sim.neurons.map((n): [number, number] => [n.x, n.y]),
      ground_truth: {
        mu_x: gt((n) => n.mu[0]), mu_y: gt((n) => n.mu[1]), theta: gt((n) => n.theta), freq: gt((n) => n.freq),
        sigma: gt((n) => n.sigma), gamma: gt((n) => n.gamma), phase: gt((n) => n.phase), cell_type: gt((n) => n.cell),
        // NOTE: JSON has no NaN, so c50 is -1 for neurons without normalisation.
        normalised: gt((n) => n.normalised), c50: gt((n) => (Number.isNaN(n.c50) ? -1 : n.c50)),
        mean_rate: gt((n) => n.meanRate), amplitude: gt((n) => n.amplitude), threshold: gt((n) => n.threshold),
        slope: gt((n) => n.slope), baseline: gt((n) => n.baseline),
      },
    },
  };
}

function zScore(images: Float32Array): { mean: number; std: number } {
  const mean = mean1(images);
  const std = Math.sqrt(variance(images));
  if (!(std > 0)) throw new ArgumentError(`simV1: the image source is constant or not finite (std ${std})`);
  for (let p = 0; p < images.length; p++) images[p] = (images[p] - mean) / std;
  return { mean, std };
}

interface Tuning { x: number; y: number; theta: number; freq: number; sigma: number; gamma: number; phase: number; cell: 'simple' | 'complex'; normalised: boolean }

/** The drive d of one neuron for every image, with the c50 of its normalisation (NaN when not normalised). */
function drive(images: Float32Array, N: number, S: number, t: Tuning): { d: Float64Array; c50: number } {
  const P = S * S;
  const g0 = gabor(S, t.x, t.y, t.theta, t.freq, t.sigma, t.gamma, t.phase);
  const g90 = gabor(S, t.x, t.y, t.theta, t.freq, t.sigma, t.gamma, t.phase + Math.PI / 2);
  const d = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const a = dot(g0, images, i * P, S);
    d[i] = t.cell === 'simple' ? Math.max(0, a) : Math.hypot(a, dot(g90, images, i * P, S));
  }
  if (!t.normalised) return { d, c50: NaN };
  // Energy of quadrature pairs at 4 orientations (the neuron's own among them), same centre and frequency.
  const pool = [0, 1, 2, 3].flatMap((o) => [0, Math.PI / 2].map((ph) => gabor(S, t.x, t.y, t.theta + (o * Math.PI) / 4, t.freq, t.sigma, 1, ph)));
  const energy = Float64Array.from({ length: N }, (_, i) => Math.sqrt(pool.reduce((e, g) => e + dot(g, images, i * P, S) ** 2, 0) / 4));
  const c50 = median(energy);
  for (let i = 0; i < N; i++) d[i] *= c50 / (c50 + energy[i]);
  return { d, c50 };
}

interface Filter { x0: number; y0: number; w: number; h: number; g: Float64Array }

/** Zero-mean, unit-norm Gabor on the box around its 3σ envelope ellipse (clipped to the image). */
function gabor(S: number, cx: number, cy: number, theta: number, f: number, sigma: number, gamma: number, phase: number): Filter {
  const ct = Math.cos(theta), st = Math.sin(theta);
  const ax = 3 * sigma, ay = (3 * sigma) / gamma;
  const rx = Math.hypot(ax * ct, ay * st), ry = Math.hypot(ax * st, ay * ct);
  const x0 = Math.max(0, Math.floor(cx - rx)), x1 = Math.min(S - 1, Math.ceil(cx + rx));
  const y0 = Math.max(0, Math.floor(cy - ry)), y1 = Math.min(S - 1, Math.ceil(cy + ry));
  const w = x1 - x0 + 1, h = y1 - y0 + 1;
  const g = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x0 + x - cx, dy = y0 + y - cy;
      const xr = dx * ct + dy * st, yr = -dx * st + dy * ct;
      g[y * w + x] = Math.exp(-(xr * xr + gamma * gamma * yr * yr) / (2 * sigma * sigma)) * Math.cos(2 * Math.PI * f * xr + phase);
    }
  }
  // NOTE: removing the DC keeps mean luminance out of the drive, which z-scoring alone does not do per patch.
  const m = g.reduce((a, b) => a + b, 0) / g.length;
  let norm = 0;
  for (let i = 0; i < g.length; i++) { g[i] -= m; norm += g[i] * g[i]; }
  norm = Math.sqrt(norm);
  for (let i = 0; i < g.length; i++) g[i] /= norm;
  return { x0, y0, w, h, g };
}

function dot(f: Filter, images: Float32Array, offset: number, S: number): number {
  let s = 0;
  for (let y = 0; y < f.h; y++) {
    const row = offset + (f.y0 + y) * S + f.x0;
    const fr = y * f.w;
    for (let x = 0; x < f.w; x++) s += f.g[fr + x] * images[row + x];
  }
  return s;
}

function softplus(z: number): number {
  return z > 30 ? z : Math.log1p(Math.exp(z));
}

/** Poisson quantile of u by walking the CDF from 0 in log space (no underflow at large λ). */
export function poissonInverse(lambda: number, u: number): number {
  const logL = Math.log(lambda);
  let k = 0, logp = -lambda, cdf = Math.exp(logp);
  const kMax = lambda + 40 * Math.sqrt(lambda) + 40;
  while (cdf <= u && k < kMax) {
    k++;
    logp += logL - Math.log(k);
    cdf += Math.exp(logp);
  }
  return k;
}
