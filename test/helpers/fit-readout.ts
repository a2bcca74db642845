/**
 * A test helper (test/cotrain/ground-truth.test.ts): fitting Gaussian readouts to neural responses: the single-task "Monkey Predictor" loop of the co-training paper
 * (spec originals.md §3.8 row 2): Adam (lr 5e-4, L2 weight decay 5e-4), Poisson loss summed over the batch and
 * scaled by √(N_train / batch) plus the readout's γ·Σ|features|, responses r = ELU(y + eluOffset) + 1, the bias
 * set to the mean response of the first training batch; each epoch the mean per-neuron correlation on the
 * validation set is the early-stopping objective: after `patience` epochs without an improvement of more than
 * `threshold`, the best state is restored and the learning rate multiplied by `lrDecayFactor`, at most
 * `lrDecaySteps` times; then the best state is restored and fitting ends.
 *
 *   fitReadout(engine: Engine, core: Layer, readout: GaussianReadout | MultiReadout<GaussianReadout>,
 *     data: { train: NeuralSplit; val: NeuralSplit }, opts?: FitReadoutOptions)
 *     → Promise<{ bestValCorr, epochs, bestEpoch, lrDecays, initialValCorr }>   (FitReadoutResult)
 *
 * core: a Layer mapping the images to the readout's [N, C, H, W] input. When it has no trainable parameters it
 *   is run once per image in eval mode and its outputs are cached on the host (a frozen core); otherwise it is
 *   trained along with the readout (fine-tuning, in training mode).
 * readout: a Gaussian readout, or a MultiReadout with `opts.session` naming the session to fit (optional with
 *   one); one session per call, its readout ends in the best state found.
 * data.train / data.val: `NeuralSplit`s: images [N, C, H, W] as the core takes them and responses [N, neurons]
 *   (single trials or repeat means; NaN entries, unrecorded, are left out of the loss and the correlations).
 *
 * The best state is the readout's state dict, and a fine-tuned core's (its BN running statistics included), kept as
 * GPU copies (train/early-stopping.ts StateSnapshot). A non-finite validation correlation stops at once. The bias initialisation treats unrecorded responses as 0.
 *
 * Beyond the paper, `warmStart: 'correlation'` starts from a mapping instead of the random initialisation: each
 * neuron's μ at the map position where some channel correlates best with its responses (a spike-triggered RF map)
 * and its features and bias from a ridge regression of the responses on the channels sampled there; Adam then
 * refines all of it. It makes small fits converge in a few epochs.
 */
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError } from '../../src/errors.js';
import type { Layer } from '../../src/nn/layers.js';
import { Adam } from '../../src/optim/adam.js';
import { clamp, log, mul, scale, sub, add } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { Rng } from '../../src/random/rng.js';
import { EarlyStopping, StateSnapshot } from '../../src/train/early-stopping.js';
import { corrPerNeuron } from '../../src/stats/correlation.js';
import { eluResponse, type GaussianReadout, MultiReadout } from '../../src/models/readout.js';

export interface NeuralSplit {
  /** [N, C, H, W] core inputs. */
  images: Float32Array;
  shape: readonly [number, number, number, number];
  /** [N, neurons]; NaN = not recorded. */
  responses: Float32Array;
}

export interface FitReadoutOptions {
  /** Session of a MultiReadout. */
  session?: string;
  /** Adam learning rate (default 5e-4). */
  lr?: number;
  /** L2 weight decay added to the gradients, as torch's Adam (default 5e-4). */
  weightDecay?: number;
  batchSize?: number;
  maxEpochs?: number;
  /** Epochs without improvement before a restore + LR decay (default 5). */
  patience?: number;
  /** Restores with LR decay before stopping (default 5). */
  lrDecaySteps?: number;
  lrDecayFactor?: number;
  /** An epoch improves when its validation correlation beats the best by more than this (default 1e-6). */
  threshold?: number;
  /** Multiply the summed Poisson loss by √(N_train / batch) (default true, the single-task recipe). */
  scaleLoss?: boolean;
  /** Add the readout's regularizer() (γ·Σ|features|) to the loss (default true). */
  regularize?: boolean;
  /** r = ELU(y + eluOffset) + 1 (default −1). */
  eluOffset?: number;
  /** Bias := mean response of the first training batch (default true; skipped by a warm start). */
  initBias?: boolean;
  warmStart?: 'none' | 'correlation';
  /** Ridge strength of the warm start, relative to the mean channel variance (default 0.01). */
  ridge?: number;
  /** Shuffling seed. */
  seed?: number;
  /**
   * Images per core pass when caching a frozen core (default 16: the runtime sizes its waits by the recent time per
   * kernel, so kernels much longer than the training steps' would make it oversleep afterwards).
   */
  coreBatchSize?: number;
  /** Called once before the first epoch, after any warm start, with the starting validation correlation. */
  onStart?: (info: { valCorr: number }) => void | Promise<void>;
  onEpoch?: (info: { epoch: number; valCorr: number; lr: number; best: number }) => void;
}

export interface FitReadoutResult {
  bestValCorr: number;
  /** Epochs run. */
  epochs: number;
  bestEpoch: number;
  lrDecays: number;
  /** Validation correlation of the starting point (after a warm start). */
  initialValCorr: number;
}

/** Core outputs of a split: cached on the host for a frozen core, else recomputed per batch. */
interface Features {
  n: number;
  /** Uploads the inputs of the readout for the given items (the core runs here when it is not cached). */
  batch(indices: ArrayLike<number>): Tensor;
  cache: { data: Float32Array; shape: [number, number, number] } | null;
}

const EPS = 1e-12;

function checkSplit(name: string, s: NeuralSplit, neurons: number): void {
  const [n, c, h, w] = s.shape;
  if (![n, c, h, w].every((d) => Number.isInteger(d) && d > 0)) throw new ShapeError(`fitReadout: ${name} shape [${s.shape.join(', ')}] is not positive`);
  if (s.images.length !== n * c * h * w) throw new ShapeError(`fitReadout: ${name} has ${s.images.length} image values for [${s.shape.join(', ')}]`);
  if (s.responses.length !== n * neurons) throw new ShapeError(`fitReadout: ${name} responses have ${s.responses.length} values, expected [${n}, ${neurons}]`);
}

function gatherRows(src: Float32Array, per: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * per);
  for (let i = 0; i < indices.length; i++) out.set(src.subarray(indices[i] * per, (indices[i] + 1) * per), i * per);
  return out;
}

async function features(engine: Engine, core: Layer, s: NeuralSplit, cached: boolean, coreBatch: number): Promise<Features> {
  const [n, c, h, w] = s.shape;
  const per = c * h * w;
  const upload = (indices: ArrayLike<number>): Tensor => engine.tensor(gatherRows(s.images, per, indices), [indices.length, c, h, w]);
  if (!cached) return { n, batch: (idx) => core.call(upload(idx)), cache: null };
  let data: Float32Array | null = null;
  let shape: [number, number, number] = [0, 0, 0];
  for (let start = 0; start < n; start += coreBatch) {
    const idx = Array.from({ length: Math.min(coreBatch, n - start) }, (_, i) => start + i);
    const y = engine.noGrad(() => engine.scope(() => core.call(upload(idx))));
    const v = (await y.read()) as Float32Array;
    if (!data) {
      shape = [y.shape[1], y.shape[2], y.shape[3]];
      data = new Float32Array(n * v.length / idx.length);
    }
    data.set(v, start * (v.length / idx.length));
    y.dispose();
  }
  const cache = { data: data!, shape };
  const cper = shape[0] * shape[1] * shape[2];
  return { n, batch: (idx) => engine.tensor(gatherRows(cache.data, cper, idx), [idx.length, ...shape]), cache };
}

/** Σ mask·(r̂ − r·log r̂) over a batch; NaN targets are masked out. */
function poissonSum(pred: Tensor, target: Float32Array): Tensor {
  const e = pred.engine;
  const hasNaN = target.some(Number.isNaN);
  const t = e.tensor(hasNaN ? target.map((v) => (Number.isNaN(v) ? 0 : v)) : target, pred.shape);
  const terms = sub(pred, mul(t, log(clamp(pred, EPS, Number.MAX_VALUE))));
  return sum(hasNaN ? mul(terms, e.tensor(target.map((v) => (Number.isNaN(v) ? 0 : 1)), pred.shape)) : terms);
}

export async function fitReadout(engine: Engine, core: Layer, readoutOrMulti: GaussianReadout | MultiReadout<GaussianReadout>,
  data: { train: NeuralSplit; val: NeuralSplit }, opts: FitReadoutOptions = {}): Promise<FitReadoutResult> {
  const readout = readoutOrMulti instanceof MultiReadout ? readoutOrMulti.get(opts.session) : readoutOrMulti;
  const neurons = readout.outdims;
  checkSplit('train', data.train, neurons);
  checkSplit('val', data.val, neurons);
  const o = {
    lr: opts.lr ?? 5e-4, weightDecay: opts.weightDecay ?? 5e-4, batchSize: opts.batchSize ?? 64, maxEpochs: opts.maxEpochs ?? 150,
    patience: opts.patience ?? 5, lrDecaySteps: opts.lrDecaySteps ?? 5, lrDecayFactor: opts.lrDecayFactor ?? 0.5,
    threshold: opts.threshold ?? 1e-6, eluOffset: opts.eluOffset ?? -1, seed: opts.seed ?? 0,
  };
  const coreParams = core.trainableParameters();
  const frozen = coreParams.length === 0;
  const coreFlags = core.namedModules().map(([, m]) => [m, m.training] as const);
  const readoutFlags = readout.namedModules().map(([, m]) => [m, m.training] as const);
  // The optimised state is restored with the best epoch's: the readout's, and a fine-tuned core's.
  const snapshotted = frozen ? [readout] : [readout, core];
  const snapshots: StateSnapshot[] = [];
  const optimizer = new Adam([...readout.trainableParameters(), ...coreParams], { lr: o.lr, weightDecay: o.weightDecay });
  try {
    if (frozen) core.eval();
    const coreBatch = opts.coreBatchSize ?? 16;
    const train = await features(engine, core, data.train, frozen, coreBatch);
    const val = await features(engine, core, data.val, frozen, coreBatch);
    const nTrain = data.train.shape[0];
    const lossScale = (opts.scaleLoss ?? true) ? Math.sqrt(nTrain / o.batchSize) : 1;
    if (opts.warmStart === 'correlation') {
      if (!train.cache) throw new ShapeError('fitReadout: the correlation warm start needs a frozen core');
      warmStart(readout, train.cache, data.train.responses, opts.ridge ?? 0.01);
    } else if (opts.initBias ?? true) {
      const first = data.train.responses.subarray(0, Math.min(o.batchSize, nTrain) * neurons);
      readout.initBiasFromResponses(engine.tensor(first.map((v) => (Number.isNaN(v) ? 0 : v)), [first.length / neurons, neurons]));
    }
    const validate = async (): Promise<number> => {
      if (!frozen) core.eval();
      readout.eval();
      const preds = new Float32Array(val.n * neurons);
      for (let s = 0; s < val.n; s += o.batchSize) {
        const idx = Array.from({ length: Math.min(o.batchSize, val.n - s) }, (_, i) => s + i);
        const r = engine.noGrad(() => engine.scope(() => eluResponse(readout.forward(val.batch(idx)), o.eluOffset)));
        preds.set((await r.read()) as Float32Array, s * neurons);
        r.dispose();
      }
      const c = corrPerNeuron(data.val.responses, preds, neurons);
      return c.reduce((a, b) => a + b, 0) / neurons;
    };
    const initialValCorr = await validate();
    await opts.onStart?.({ valCorr: initialValCorr });
    // The shared early stopping (src/train/early-stopping.ts): a round ends after `patience` + 1 epochs without an
    // improvement; each round but the last restores the best state and decays the rate, the last one stops.
    const stopping = new EarlyStopping(initialValCorr, {
      mode: 'max', patience: o.patience, tolerance: o.threshold, restarts: o.lrDecaySteps + 1, maxEpochs: o.maxEpochs,
    });
    for (const m of snapshotted) snapshots.push(new StateSnapshot(m));
    let decays = 0;
    const rng = Rng.of(o.seed, 0xf17);
    while (!stopping.done) {
      if (!frozen) core.train();
      readout.train();
      const order = rng.fork(stopping.epoch).permutation(nTrain);
      for (let s = 0; s < nTrain; s += o.batchSize) {
        const idx = order.subarray(s, Math.min(nTrain, s + o.batchSize));
        const target = gatherRows(data.train.responses, neurons, idx);
        engine.scope(() => {
          const pred = eluResponse(readout.forward(train.batch(idx)), o.eluOffset);
          let loss = scale(poissonSum(pred, target), lossScale);
          if (opts.regularize ?? true) loss = add(loss, readout.regularizer());
          engine.backward(loss);
          optimizer.step();
          optimizer.zeroGrad();
        });
      }
      const v = await validate();
      const action = stopping.observe(v);
      // A stop on an improving epoch (the last one) keeps that epoch's state as the best.
      if (action === 'improved' || (action === 'stop' && stopping.bestEpoch === stopping.epoch)) for (const sn of snapshots) sn.save();
      if (action === 'restore') {
        for (const sn of snapshots) sn.restore();
        optimizer.lr *= o.lrDecayFactor;
        decays++;
      }
      opts.onEpoch?.({ epoch: stopping.epoch - 1, valCorr: v, lr: optimizer.lr, best: stopping.best });
    }
    for (const sn of snapshots) sn.restore();
    return { bestValCorr: stopping.best, epochs: stopping.epoch, bestEpoch: stopping.bestEpoch - 1, lrDecays: decays, initialValCorr };
  } finally {
    for (const sn of snapshots) sn.dispose();
    optimizer.dispose();
    for (const [m, t] of [...coreFlags, ...readoutFlags]) m.training = t;
  }
}

/** Bilinear weights of an align_corners position g ∈ [−1, 1] on an axis of `size` pixels: [i0, i1, w0, w1]. */
function taps(g: number, size: number): [number, number, number, number] {
  const p = ((Math.min(1, Math.max(-1, g)) + 1) / 2) * (size - 1);
  const i0 = Math.min(Math.floor(p), Math.max(0, size - 2));
  const f = p - i0;
  return [i0, Math.min(i0 + 1, size - 1), 1 - f, f];
}

/**
 * μ at the best-correlating map position per neuron, then features and bias by ridge regression on the channels
 * sampled there (positions on the pixel grid; Adam moves them off it).
 */
function warmStart(readout: GaussianReadout, cache: { data: Float32Array; shape: [number, number, number] },
  responses: Float32Array, ridge: number): void {
  const [C, H, W] = cache.shape;
  const [rc, rh, rw] = readout.inShape;
  if (C !== rc || H !== rh || W !== rw) throw new ShapeError(`fitReadout: core output [${C}, ${H}, ${W}] is not the readout's in_shape [${readout.inShape.join(', ')}]`);
  const K = readout.outdims, P = C * H * W;
  const n = responses.length / K;
  // Responses centred per neuron (NaN → the mean, so they add nothing to the covariances).
  const y = new Float32Array(n * K);
  for (let k = 0; k < K; k++) {
    let s = 0, m = 0;
    for (let i = 0; i < n; i++) { const v = responses[i * K + k]; if (!Number.isNaN(v)) { s += v; m++; } }
    const mean = m ? s / m : 0;
    for (let i = 0; i < n; i++) { const v = responses[i * K + k]; y[i * K + k] = Number.isNaN(v) ? 0 : v - mean; }
  }
  // Σ_i x_ip·y_ik and the channel moments, on the host: one big GPU product would be a single long kernel, which
  // throws off the runtime's estimate of how long to sleep while waiting for the short kernels of training.
  const cov = new Float64Array(P * K);
  const sx = new Float64Array(P), sxx = new Float64Array(P);
  for (let i = 0; i < n; i++) {
    const row = cache.data.subarray(i * P, (i + 1) * P);
    const yi = y.subarray(i * K, (i + 1) * K);
    for (let p = 0; p < P; p++) {
      const v = row[p];
      if (v === 0) continue;
      sx[p] += v; sxx[p] += v * v;
      const at = p * K;
      for (let k = 0; k < K; k++) cov[at + k] += v * yi[k];
    }
  }
  const mu = new Float32Array(2 * K);
  for (let k = 0; k < K; k++) {
    let bestScore = -1, bestPos = 0;
    for (let pos = 0; pos < H * W; pos++) {
      let score = 0;
      for (let c = 0; c < C; c++) {
        const p = c * H * W + pos;
        const varX = sxx[p] / n - (sx[p] / n) ** 2;
        if (varX > 0) score = Math.max(score, (cov[p * K + k] / n) ** 2 / varX);
      }
      if (score > bestScore) { bestScore = score; bestPos = pos; }
    }
    const i = Math.floor(bestPos / W), j = bestPos % W;
    mu[2 * k] = W > 1 ? (2 * j) / (W - 1) - 1 : 0;
    mu[2 * k + 1] = H > 1 ? (2 * i) / (H - 1) - 1 : 0;
  }
  readout.mu.write(mu);
  const features = new Float32Array(C * K);
  const bias = new Float32Array(K);
  const f = new Float64Array(n * C);
  for (let k = 0; k < K; k++) {
    const [x0, x1, wx0, wx1] = taps(mu[2 * k], W);
    const [y0, y1, wy0, wy1] = taps(mu[2 * k + 1], H);
    for (let i = 0; i < n; i++) {
      const base = i * P;
      for (let c = 0; c < C; c++) {
        const at = (yy: number, xx: number): number => cache.data[base + (c * H + yy) * W + xx];
        f[i * C + c] = wy0 * (wx0 * at(y0, x0) + wx1 * at(y0, x1)) + wy1 * (wx0 * at(y1, x0) + wx1 * at(y1, x1));
      }
    }
    const w = ridgeFit(f, y, n, C, K, k, ridge);
    let meanY = 0, m = 0;
    for (let i = 0; i < n; i++) { const v = responses[i * K + k]; if (!Number.isNaN(v)) { meanY += v; m++; } }
    meanY = m ? meanY / m : 0;
    let b = meanY;
    for (let c = 0; c < C; c++) {
      let fm = 0;
      for (let i = 0; i < n; i++) fm += f[i * C + c];
      b -= (w[c] * fm) / n;
      features[c * K + k] = w[c];
    }
    bias[k] = b;
  }
  readout.features.write(features);
  if (readout.bias) readout.bias.write(bias);
}

/** Ridge weights of centred responses y[:, k] on centred features f [n, C], λ = ridge · mean channel variance. */
function ridgeFit(f: Float64Array, y: Float32Array, n: number, C: number, K: number, k: number, ridge: number): Float64Array {
  const mean = new Float64Array(C);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) mean[c] += f[i * C + c] / n;
  const A = new Float64Array(C * C), b = new Float64Array(C);
  const row = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) row[c] = f[i * C + c] - mean[c];
    const t = y[i * K + k];
    for (let c = 0; c < C; c++) {
      b[c] += row[c] * t;
      const rc = row[c];
      for (let d = c; d < C; d++) A[c * C + d] += rc * row[d];
    }
  }
  let trace = 0;
  for (let c = 0; c < C; c++) trace += A[c * C + c];
  const lambda = (ridge * trace) / C + 1e-12;
  for (let c = 0; c < C; c++) { A[c * C + c] += lambda; for (let d = 0; d < c; d++) A[c * C + d] = A[d * C + c]; }
  return choleskySolve(A, b, C);
}

/** Solves A x = b for symmetric positive definite A [C, C] (overwritten). */
function choleskySolve(A: Float64Array, b: Float64Array, C: number): Float64Array {
  for (let j = 0; j < C; j++) {
    let d = A[j * C + j];
    for (let k = 0; k < j; k++) d -= A[j * C + k] ** 2;
    const l = Math.sqrt(Math.max(d, 1e-300));
    A[j * C + j] = l;
    for (let i = j + 1; i < C; i++) {
      let s = A[i * C + j];
      for (let k = 0; k < j; k++) s -= A[i * C + k] * A[j * C + k];
      A[i * C + j] = s / l;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < C; i++) { let s = x[i]; for (let k = 0; k < i; k++) s -= A[i * C + k] * x[k]; x[i] = s / A[i * C + i]; }
  for (let i = C - 1; i >= 0; i--) { let s = x[i]; for (let k = i + 1; k < C; k++) s -= A[k * C + i] * x[k]; x[i] = s / A[i * C + i]; }
  return x;
}
