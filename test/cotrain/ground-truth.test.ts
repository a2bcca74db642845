/**
 * Ground truth for readout fitting: the frozen Gabor core against a direct 2-D evaluation of its filters, then a
 * small sim-v1 population whose RF centres and noise-free rates are known: Gaussian readouts fitted on the core
 * (fitReadout: correlation warm start, then Adam on the Poisson loss with early stopping on validation
 * correlation) must put μ within 1 px of the true centres (median) and explain > 80% of the explainable variance
 * on held-out repeats (FEVe, src/analysis/fev.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/tensor/tensor.js';
import { GaborCore, SIM_V1_FREQUENCIES } from '../helpers/gabor-core.js';
import { fitReadout, type NeuralSplit } from '../helpers/fit-readout.js';
import { simV1 } from '../../src/data/sim-v1.js';
import { Gaussian2d, eluResponse } from '../../src/models/readout.js';
import { Initializer } from '../../src/nn/init.js';
import { Rng as RngStream } from '../../src/random/rng.js';
import { fev } from '../../src/analysis/fev.js';
import { selectImages } from '../../src/stats/repeats.js';
import { Conv2d, Layer } from '../../src/nn/layers.js';
import { corrPerNeuron } from '../../src/stats/correlation.js';
import { useEngine } from '../helpers/engine.js';
import { rng, uniform } from '../helpers/rng.js';

const eng = useEngine();

async function take(t: Tensor): Promise<Float32Array> {
  const v = (await t.read()) as Float32Array;
  t.dispose();
  return v;
}

/** The core's filter pair written out in 2-D: E ∝ G·cos(a·dx + b·dy) − c·G (zero sum), O ∝ G·sin(…), unit norms. */
function referencePair(f: number, theta: number): { r: number; even: Float64Array; odd: Float64Array } {
  const sigma = 0.45 / f, r = Math.ceil(3 * sigma), k = 2 * r + 1;
  const a = 2 * Math.PI * f * Math.cos(theta), b = 2 * Math.PI * f * Math.sin(theta);
  const g = new Float64Array(k * k), even = new Float64Array(k * k), odd = new Float64Array(k * k);
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) {
      const i = (dy + r) * k + dx + r;
      g[i] = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      even[i] = g[i] * Math.cos(a * dx + b * dy);
      odd[i] = g[i] * Math.sin(a * dx + b * dy);
    }
  }
  const c = even.reduce((s, v) => s + v, 0) / g.reduce((s, v) => s + v, 0);
  even.forEach((v, i) => { even[i] = v - c * g[i]; });
  for (const h of [even, odd]) {
    const norm = Math.sqrt(h.reduce((s, v) => s + v * v, 0));
    h.forEach((v, i) => { h[i] = v / norm; });
  }
  return { r, even, odd };
}

describe('GaborCore', () => {
  it('matches a direct 2-D cross-correlation with its quadrature pairs (energy and rectified phases)', async () => {
    const S = 24, freqs = [0.1, 0.25], n = 4, P = 4, stride = 2;
    const core = new GaborCore(eng(), { inputSize: [S, S], frequencies: freqs, orientations: n, phases: P, stride });
    expect(core.outputShape).toEqual([freqs.length * n * (1 + P), 12, 12]);
    expect(core.trainableParameters()).toHaveLength(0);
    const img = Float32Array.from(uniform(S * S, 5, -1, 1));
    const out = await take(eng().noGrad(() => core.call(eng().tensor(img, [1, 1, S, S]))));
    const [C, H, W] = core.outputShape;
    const pairs = freqs.length * n;
    let worst = 0;
    freqs.forEach((f, fi) => {
      for (let o = 0; o < n; o++) {
        const { r, even, odd } = referencePair(f, (Math.PI * o) / n);
        const k = 2 * r + 1, q = fi * n + o;
        for (let i = 0; i < H; i++) {
          for (let j = 0; j < W; j++) {
            let e = 0, od = 0;
            for (let dy = -r; dy <= r; dy++) {
              for (let dx = -r; dx <= r; dx++) {
                const y = stride * i + dy, x = stride * j + dx;
                if (y < 0 || y >= S || x < 0 || x >= S) continue;
                e += img[y * S + x] * even[(dy + r) * k + dx + r];
                od += img[y * S + x] * odd[(dy + r) * k + dx + r];
              }
            }
            const want = [Math.hypot(e, od), ...Array.from({ length: P }, (_, p) =>
              Math.max(0, Math.cos((2 * Math.PI * p) / P) * e - Math.sin((2 * Math.PI * p) / P) * od))];
            const channels = [q, ...Array.from({ length: P }, (_, p) => pairs + q * P + p)];
            channels.forEach((ch, m) => { worst = Math.max(worst, Math.abs(out[(ch * H + i) * W + j] - want[m])); });
          }
        }
      }
    });
    expect(C).toBe(pairs * (1 + P));
    expect(worst).toBeLessThan(2e-4);
    // Zero-mean filters: a uniform image drives nothing where the high-frequency filters lie inside it.
    const flat = await take(eng().noGrad(() => core.call(eng().full([1, 1, S, S], 1))));
    for (let o = 0; o < n; o++) for (let i = 3; i <= 8; i++) expect(flat[((n + o) * H + i) * W + 5]).toBeLessThan(1e-4);
    expect(core.gridToPixel(-1, -1)).toEqual([0, 0]);
    expect(core.gridToPixel(1, 0)).toEqual([22, 11]);
    core.dispose();
  });
});

/** A frozen "core" that passes its input through: the readout reads the images themselves. */
class Identity extends Layer {
  forward(x: Tensor): Tensor { return x; }
}

describe('fitReadout on a known linear-nonlinear population', () => {
  // 4 neurons each read one channel of a 3 × 8 × 8 map at a pixel: λ = ELU(w·x + b − 1) + 1, Poisson counts. The
  // maps are smooth (a few long-wavelength cosines), as a core's are, so the loss guides μ from afar.
  const C = 3, H = 8, K = 4;
  const cells = [{ c: 0, i: 2, j: 5, w: 2.5 }, { c: 1, i: 6, j: 1, w: 2 }, { c: 2, i: 4, j: 4, w: -2.5 }, { c: 0, i: 1, j: 1, w: 2 }];
  function population(n: number, seed: number, missing = 0): NeuralSplit & { rates: Float64Array } {
    const r = rng(seed);
    const images = new Float32Array(n * C * H * H);
    for (let m = 0; m < n * C; m++) {
      const waves = Array.from({ length: 4 }, () => [1.5 * r(), 1.5 * r(), 2 * Math.PI * r()]);
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < H; j++) {
          const v = waves.reduce((s, [fx, fy, ph]) => s + Math.cos((2 * Math.PI * (fx * j + fy * i)) / H + ph), 0);
          images[(m * H + i) * H + j] = 2 + v;
        }
      }
    }
    const responses = new Float32Array(n * K), rates = new Float64Array(n * K);
    for (let m = 0; m < n; m++) {
      cells.forEach((cell, k) => {
        const y = cell.w * images[((m * C + cell.c) * H + cell.i) * H + cell.j] + 1 + 4 * Math.max(0, -cell.w);
        const lambda = y > 1 ? y : Math.exp(y - 1);
        let count = 0, p = Math.exp(-lambda), cdf = p;
        const u = r();
        while (u > cdf && count < 200) { count++; p *= lambda / count; cdf += p; }
        rates[m * K + k] = lambda;
        responses[m * K + k] = r() < missing ? NaN : count;
      });
    }
    return { images, shape: [n, C, H, H], responses, rates };
  }
  const train = population(300, 11, 0.1), val = population(100, 12);
  /** The best a model can do: the true rates' correlation with the validation counts. */
  const ceiling = corrPerNeuron(val.responses, Float32Array.from(val.rates), K).reduce((a, b) => a + b, 0) / K;

  const makeReadout = (seed: number): Gaussian2d => new Gaussian2d(eng(), new Initializer(seed), 'r', {
    inShape: [C, H, H], outdims: K, initMuRange: 0.3, initSigmaRange: 0.6, featureRegWeight: 0.01,
  }, new RngStream(seed));

  async function valCorr(core: Layer, readout: Gaussian2d): Promise<number> {
    const e = eng();
    readout.eval(); core.eval();
    const pred = await take(e.noGrad(() => e.scope(() => eluResponse(readout.forward(core.call(e.tensor(val.images, val.shape)))))));
    return corrPerNeuron(val.responses, pred, K).reduce((a, b) => a + b, 0) / K;
  }

  it('fits from the paper initialisation, skips unrecorded responses and ends on the best validation state', async () => {
    const core = new Identity(eng());
    const readout = makeReadout(1);
    const epochs: number[] = [];
    const fit = await fitReadout(eng(), core, readout, { train, val }, {
      lr: 0.05, batchSize: 50, maxEpochs: 15, patience: 2, lrDecaySteps: 1, onEpoch: (i) => epochs.push(i.valCorr),
    });
    expect(readout.training, 'training flags restored').toBe(true);
    // Unmasked NaN counts would turn the loss and then every parameter into NaN (correlation 0).
    expect(fit.initialValCorr).toBeLessThan(0.2);
    expect(fit.bestValCorr).toBeGreaterThan(0.75 * ceiling);
    expect(Math.max(...epochs)).toBeCloseTo(fit.bestValCorr, 12);
    expect(await valCorr(core, readout)).toBeCloseTo(fit.bestValCorr, 5);
    readout.dispose();
  });

  it('restores the best state and decays the learning rate when validation stops improving', async () => {
    const core = new Identity(eng());
    const readout = makeReadout(2);
    const lrs: number[] = [];
    const fit = await fitReadout(eng(), core, readout, { train, val }, {
      warmStart: 'correlation', lr: 0.5, batchSize: 100, maxEpochs: 20, patience: 0, lrDecaySteps: 2, lrDecayFactor: 0.1,
      onEpoch: (i) => lrs.push(i.lr),
    });
    // The warm start already reads the right pixels; lr 0.5 wrecks it, so every round ends by restoring the best.
    expect(fit.initialValCorr).toBeGreaterThan(0.95 * ceiling);
    expect(fit.lrDecays).toBe(2);
    expect(fit.epochs).toBeLessThan(20);
    expect(lrs).toContain(0.05);
    expect(await valCorr(core, readout)).toBeCloseTo(fit.bestValCorr, 5);
    const mu = (await readout.mu.read()) as Float32Array;
    cells.forEach((cell, k) => {
      expect(Math.abs((mu[2 * k] + 1) * 3.5 - cell.j), `neuron ${k} x`).toBeLessThan(0.5);
      expect(Math.abs((mu[2 * k + 1] + 1) * 3.5 - cell.i), `neuron ${k} y`).toBeLessThan(0.5);
    });
    readout.dispose();
  });

  it('trains a core that has parameters along with the readout (no caching)', async () => {
    const core = new Conv2d(eng(), new Initializer(4), 'core', C, C, { kernel: 1, bias: true });
    const before = (await core.weight.read()) as Float32Array;
    const readout = makeReadout(3);
    const fit = await fitReadout(eng(), core, readout, { train, val }, { lr: 0.02, batchSize: 100, maxEpochs: 3, patience: 5 });
    const after = (await core.weight.read()) as Float32Array;
    expect(after.some((v, i) => Math.abs(v - before[i]) > 1e-4)).toBe(true);
    expect(Number.isFinite(fit.bestValCorr)).toBe(true);
    await expect(fitReadout(eng(), core, readout, { train, val }, { warmStart: 'correlation', maxEpochs: 1 })).rejects.toThrow(/frozen core/);
    await expect(fitReadout(eng(), core, readout, { train: { ...train, responses: train.responses.subarray(4) }, val }))
      .rejects.toThrow(/train responses have 1196 values, expected \[300, 4\]/);
    core.dispose();
    readout.dispose();
  });
});

describe('readout fitting on sim-v1 (ground truth)', () => {
  const K = 48, S = 32, R = 8;
  const sim = simV1({ seed: 1, images: 950, neurons: K, size: S, repeats: R, sessions: 1, testFraction: 0.25 });
  const N = sim.imageTypes.length, P = S * S;
  let core: GaborCore | null = null;
  let readout: Gaussian2d | null = null;
  afterAll(() => { core?.dispose(); readout?.dispose(); });

  /** Images and repeat-mean responses of the given sim images. */
  function split(idx: ArrayLike<number>): NeuralSplit {
    const images = new Float32Array(idx.length * P), responses = new Float32Array(idx.length * K);
    for (let j = 0; j < idx.length; j++) {
      const i = idx[j];
      images.set(sim.images.subarray(i * P, (i + 1) * P), j * P);
      for (let k = 0; k < K; k++) {
        let s = 0, m = 0;
        for (let r = 0; r < R; r++) { const v = sim.responses[(r * N + i) * K + k]; if (!Number.isNaN(v)) { s += v; m++; } }
        responses[j * K + k] = s / m;
      }
    }
    return { images, shape: [idx.length, 1, S, S], responses };
  }

  const rfErrors = (mu: Float32Array): { median: number; bias: [number, number] } => {
    const d = sim.neurons.map((nn, k) => { const [x, y] = core!.gridToPixel(mu[2 * k], mu[2 * k + 1]); return [x - nn.x, y - nn.y]; });
    const e = d.map(([dx, dy]) => Math.hypot(dx, dy)).sort((a, b) => a - b);
    return { median: (e[K / 2 - 1] + e[K / 2]) / 2, bias: [0, 1].map((a) => d.reduce((s, v) => s + v[a], 0) / K) as [number, number] };
  };

  it('recovers the RF centres (median error < 1 px) with FEVe > 0.8 on held-out repeats', async () => {
    const e = eng();
    core = new GaborCore(e, { inputSize: [S, S], frequencies: SIM_V1_FREQUENCIES, orientations: 8, phases: 4, stride: 2 });
    readout = new Gaussian2d(e, new Initializer(3), 'readout', {
      inShape: core.outputShape, outdims: K, initMuRange: 0.3, initSigmaRange: 0.1, featureRegWeight: 0.01,
    }, new RngStream(3));
    const train = sim.trainIndices;
    const nVal = Math.round(train.length / 8);
    let start = { median: NaN, bias: [NaN, NaN] };
    const fit = await fitReadout(e, core, readout, { train: split(train.subarray(0, train.length - nVal)), val: split(train.subarray(train.length - nVal)) }, {
      warmStart: 'correlation', lr: 3e-3, batchSize: 128, maxEpochs: 6, patience: 2, lrDecaySteps: 1,
      onStart: async () => { start = rfErrors((await readout!.mu.read()) as Float32Array); },
    });
    const test = split(sim.testIndices);
    const r = readout;
    r.eval();
    // Small batches keep every kernel short, as fitReadout's core passes (see its coreBatchSize).
    const pred = new Float32Array(test.shape[0] * K);
    for (let s0 = 0; s0 < test.shape[0]; s0 += 16) {
      const m = Math.min(16, test.shape[0] - s0);
      const x = e.tensor(test.images.subarray(s0 * P, (s0 + m) * P), [m, 1, S, S]);
      pred.set(await take(e.noGrad(() => e.scope(() => eluResponse(r.forward(core!.call(x)))))), s0 * K);
      x.dispose();
    }
    const f = fev(selectImages({ data: sim.responses, reps: R, images: N, neurons: K }, sim.testIndices), pred);
    const feve = f.feve.reduce((a, b) => a + b, 0) / K;
    const end = rfErrors((await r.mu.read()) as Float32Array);
    // Adam moved the positions off the map's pixel grid, closer to the truth, and raised the validation correlation.
    expect(fit.bestValCorr).toBeGreaterThan(fit.initialValCorr);
    expect(end.median).toBeLessThan(start.median);
    expect(end.median).toBeLessThan(1);
    // A mapping off by half a pixel or by the stride would show as a bias or a large error.
    for (const b of end.bias) expect(Math.abs(b)).toBeLessThan(0.3);
    expect(feve).toBeGreaterThan(0.8);
  });
});
