/**
 * Gaussian readouts (sinzlab/neuralpredictors): every neuron reads the core's feature map at one position, sampled
 * around a learned mean while training and fixed at the mean in eval, then weighs the C channels there:
 *   g[b,j]  = clamp(μ_j + Σ_j·ε[b,j], −1, 1)   (train, ε ~ N(0, 1) per image and neuron)    g[b,j] = μ_j (eval)
 *   y[b,j]  = Σ_c features[c,j] · bilinear(x[b,c], g[b,j]) + bias_j    (grid_sample, align_corners, zeros padding)
 * `Gaussian2d` is the legacy class the neural co-training paper used (neuralpredictors mlutils/layers/legacy.py; per-axis σ, names
 * mu/sigma/features/bias); `FullGaussian2d` is neuralpredictors' current one (full 2×2 Σ, names _mu/sigma/_features).
 * Before every forward μ is clamped to [−1, 1] and σ to ≥ 0 in place, outside the graph, as the originals do.
 * The output nonlinearity ELU(y − 1) + 1 belongs to the model wrapper in the original (MTL_VGG.forward), not to the
 * readout: `eluResponse` below, applied by mtl.ts.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { fmt, sameShape } from '../tensor/shape.js';
import { Module } from '../nn/module.js';
import type { Initializer } from '../nn/init.js';
import type { Rng } from '../random/rng.js';
import { abs, add, addScalar, clamp, elu, mul, scale } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { copyInto, expand, reshape } from '../ops/movement.js';
import { gridSample } from '../ops/grid-sample.js';
import { randomNormal } from '../ops/random.js';

/** [channels, height, width] of the feature map a readout reads. */
export type FeatureShape = readonly [number, number, number];

export interface ReadoutCallOptions {
  /** Sample positions (true) or use the means (false); defaults to the training flag, as in the original. */
  sample?: boolean;
  /** Fixed ε [B, neurons, 1, 2] (B = batch, or 1 without batchSample) instead of a fresh draw. */
  noise?: Tensor;
}

interface BaseOptions {
  inShape: FeatureShape;
  outdims: number;
  batchSample: boolean;
  featureRegWeight: number;
}

/** The largest finite f32: clamp's upper bound for "no upper bound". */
const F32_MAX = 3.4028234663852886e38;

/** Overwrites `dst` with f(dst) outside the graph (torch's `with no_grad(): p.clamp_(...)`). */
function updateInPlace(dst: Tensor, f: (t: Tensor) => Tensor): void {
  const e = dst.engine;
  e.noGrad(() => e.scope(() => {
    const v = f(dst);
    copyInto(dst, v);
  }));
}

/** The co-training model's output nonlinearity on readout values: ELU(y + offset) + 1, positive for offset −1. */
export function eluResponse(y: Tensor, offset = -1): Tensor {
  return y.engine.scope(() => addScalar(elu(addScalar(y, offset)), 1));
}

/** U(lo, hi) from the initializer's symmetric uniform stream. */
function uniformRange(ini: Initializer, n: number, name: string, lo: number, hi: number): Float32Array {
  const half = (hi - lo) / 2;
  return ini.uniform(n, name, half).map((v) => v + lo + half);
}

export abstract class GaussianReadout extends Module {
  readonly inShape: FeatureShape;
  readonly outdims: number;
  readonly batchSample: boolean;
  featureRegWeight: number;
  abstract readonly features: Tensor;
  abstract readonly bias: Tensor | null;
  /** Mean positions [1, neurons, 1, 2], (x along width, y along height) in [−1, 1]. */
  abstract readonly mu: Tensor;

  constructor(engine: Engine, readonly rng: Rng, o: BaseOptions) {
    super(engine);
    const [c, h, w] = o.inShape;
    if (![c, h, w, o.outdims].every((d) => Number.isInteger(d) && d > 0)) {
      throw new ShapeError(`${new.target.name}: in_shape ${fmt(o.inShape)} and ${o.outdims} neurons must be positive integers`);
    }
    this.inShape = o.inShape;
    this.outdims = o.outdims;
    this.batchSample = o.batchSample;
    this.featureRegWeight = o.featureRegWeight;
  }

  /** Clamps the parameters in place to where they are valid. */
  protected abstract constrain(): void;

  /** The displacement of the sampled positions from μ for noise ε [B, neurons, 1, 2]. */
  protected abstract spread(noise: Tensor): Tensor;

  /** Positions [B, neurons, 1, 2] for a batch of `n` images; B = n when sampling per image, else 1. */
  grid(n: number, opts: ReadoutCallOptions = {}): Tensor {
    this.constrain();
    const sample = opts.sample ?? this.training;
    if (!sample) return reshape(this.mu, this.mu.shape);
    const b = this.batchSample ? n : 1;
    const shape = [b, this.outdims, 1, 2];
    if (opts.noise && !sameShape(opts.noise.shape, shape)) {
      throw new ShapeError(`${this.constructor.name}: noise must be ${fmt(shape)}, got ${opts.noise.describe()}`);
    }
    return this.engine.scope(() => {
      const eps = opts.noise ?? randomNormal(this.engine, shape, this.rng.next());
      return clamp(add(this.spread(eps), this.mu), -1, 1);
    });
  }

  /** Responses [N, neurons] to a feature map [N, C, H, W] of the configured in_shape. */
  forward(x: Tensor, opts: ReadoutCallOptions = {}): Tensor {
    const [c, h, w] = this.inShape;
    if (x.rank !== 4 || x.shape[1] !== c || x.shape[2] !== h || x.shape[3] !== w) {
      throw new ShapeError(`${this.constructor.name}: input ${x.describe()} is not [N, ${c}, ${h}, ${w}] (the readout's in_shape)`);
    }
    const n = x.shape[0];
    const j = this.outdims;
    return this.engine.scope(() => {
      let g = this.grid(n, opts);
      if (g.shape[0] !== n) g = expand(g, [n, j, 1, 2]);
      // Neurons along the grid's width: grid_sample gives [N, C, 1, neurons], the layout of features [1, C, 1, neurons].
      const sampled = gridSample(x, reshape(g, [n, 1, j, 2]), { alignCorners: true });
      const y = reshape(sum(mul(sampled, this.features), 1), [n, j]);
      return this.bias ? add(y, this.bias) : y;
    });
  }

  /** Σ|features| ('sum') or its mean. */
  featureL1(reduction: 'sum' | 'mean' = 'sum'): Tensor {
    return this.engine.scope(() => (reduction === 'sum' ? sum : mean)(abs(this.features)));
  }

  /** featureRegWeight · Σ|features| (MultipleGaussian2d.regularizer: feature_l1(average=False) · gamma_readout). */
  regularizer(): Tensor {
    return this.engine.scope(() => scale(this.featureL1('sum'), this.featureRegWeight));
  }

  /** Sets the bias to given values, e.g. the mean response of each neuron. */
  setBias(values: ArrayLike<number>): void {
    if (!this.bias) throw new ArgumentError(`${this.constructor.name}: created without a bias`);
    if (values.length !== this.outdims) throw new ShapeError(`${this.constructor.name}: ${values.length} bias values for ${this.outdims} neurons`);
    this.bias.write(values);
  }

  /** bias = mean over the batch of responses [B, neurons] (MTL_VGG.create_gaussian_readout: targets.mean(0)). */
  initBiasFromResponses(targets: Tensor): void {
    const bias = this.bias;
    if (!bias) throw new ArgumentError(`${this.constructor.name}: created without a bias`);
    if (targets.rank !== 2 || targets.shape[1] !== this.outdims || targets.shape[0] === 0) {
      throw new ShapeError(`${this.constructor.name}: responses ${targets.describe()} are not [B ≥ 1, ${this.outdims}]`);
    }
    updateInPlace(bias, () => mean(targets, 0));
  }
}

export interface Gaussian2dOptions {
  inShape: FeatureShape;
  outdims: number;
  bias?: boolean;
  /** μ ~ U(−r, r); the class default is 0.5, the co-training config passes 0.3. */
  initMuRange?: number;
  /** σ ~ U(0, s), or exactly s with fixedSigma. */
  initSigmaRange?: number;
  fixedSigma?: boolean;
  /** One ε per image (true, the default) or one for the whole batch. */
  batchSample?: boolean;
  /** Weight of Σ|features| in regularizer() (gamma_readout). */
  featureRegWeight?: number;
}

/** neuralpredictors' legacy Gaussian2d: per-axis σ [1, n, 1, 2], sampled positions clamped to the map. */
export class Gaussian2d extends GaussianReadout {
  readonly mu: Tensor;
  readonly sigma: Tensor;
  readonly features: Tensor;
  readonly bias: Tensor | null;

  constructor(engine: Engine, ini: Initializer, path: string, o: Gaussian2dOptions, rng: Rng) {
    super(engine, rng, { inShape: o.inShape, outdims: o.outdims, batchSample: o.batchSample ?? true, featureRegWeight: o.featureRegWeight ?? 1 });
    const muRange = o.initMuRange ?? 0.5;
    const sigmaRange = o.initSigmaRange ?? 0.5;
    if (!(muRange > 0 && muRange <= 1) || !(sigmaRange > 0)) {
      throw new ShapeError(`Gaussian2d ${path}: init_mu_range ${muRange} must be in (0, 1] and init_sigma_range ${sigmaRange} > 0`);
    }
    const n = o.outdims;
    const c = o.inShape[0];
    this.mu = this.param('mu', engine.tensor(ini.uniform(2 * n, `${path}.mu`, muRange), [1, n, 1, 2]));
    const sigma = o.fixedSigma ? new Float32Array(2 * n).fill(sigmaRange) : uniformRange(ini, 2 * n, `${path}.sigma`, 0, sigmaRange);
    this.sigma = this.param('sigma', engine.tensor(sigma, [1, n, 1, 2]));
    this.features = this.param('features', engine.full([1, c, 1, n], 1 / c));
    this.bias = o.bias ?? true ? this.param('bias', engine.zeros([n])) : null;
  }

  protected constrain(): void {
    updateInPlace(this.mu, (t) => clamp(t, -1, 1));
    updateInPlace(this.sigma, (t) => clamp(t, 0, F32_MAX));
  }

  protected spread(noise: Tensor): Tensor { return mul(noise, this.sigma); }
}

export type GaussType = 'full' | 'uncorrelated' | 'isotropic';

export interface FullGaussian2dOptions {
  inShape: FeatureShape;
  outdims: number;
  bias?: boolean;
  /** μ ~ U(−r, r), default 0.1. */
  initMuRange?: number;
  /** 'full': Σ ~ U(−s, s) elementwise; otherwise σ = s. Default 1. */
  initSigma?: number;
  gaussType?: GaussType;
  batchSample?: boolean;
  /** Initial bias (mean activity per neuron); zeros when absent. */
  meanActivity?: ArrayLike<number>;
  featureRegWeight?: number;
}

/**
 * neuralpredictors' FullGaussian2d: 'full' Σ [1, n, 2, 2] (positions μ + Σε, Σ unconstrained), 'uncorrelated'
 * σ [1, n, 1, 2] or 'isotropic' σ [1, n, 1, 1] (clamped ≥ 0). Shared features/grids and grid predictors are not
 * supported.
 */
export class FullGaussian2d extends GaussianReadout {
  readonly mu: Tensor;
  readonly sigma: Tensor;
  readonly features: Tensor;
  readonly bias: Tensor | null;
  readonly gaussType: GaussType;

  constructor(engine: Engine, ini: Initializer, path: string, o: FullGaussian2dOptions, rng: Rng) {
    super(engine, rng, { inShape: o.inShape, outdims: o.outdims, batchSample: o.batchSample ?? true, featureRegWeight: o.featureRegWeight ?? 1 });
    const muRange = o.initMuRange ?? 0.1;
    const s = o.initSigma ?? 1;
    if (!(muRange > 0 && muRange <= 1) || !(s > 0)) {
      throw new ShapeError(`FullGaussian2d ${path}: init_mu_range ${muRange} must be in (0, 1] and init_sigma ${s} > 0`);
    }
    const n = o.outdims;
    const c = o.inShape[0];
    this.gaussType = o.gaussType ?? 'full';
    this.mu = this.param('_mu', engine.tensor(ini.uniform(2 * n, `${path}._mu`, muRange), [1, n, 1, 2]));
    const sigmaShape = { full: [1, n, 2, 2], uncorrelated: [1, n, 1, 2], isotropic: [1, n, 1, 1] }[this.gaussType];
    const k = sigmaShape[2] * sigmaShape[3] * n;
    this.sigma = this.param('sigma', engine.tensor(this.gaussType === 'full' ? ini.uniform(k, `${path}.sigma`, s) : new Float32Array(k).fill(s), sigmaShape));
    this.features = this.param('_features', engine.full([1, c, 1, n], 1 / c));
    if (o.meanActivity && o.meanActivity.length !== n) {
      throw new ShapeError(`FullGaussian2d ${path}: mean activity has ${o.meanActivity.length} values for ${n} neurons`);
    }
    this.bias = o.bias ?? true ? this.param('bias', o.meanActivity ? engine.tensor(Float32Array.from(o.meanActivity), [n]) : engine.zeros([n])) : null;
  }

  protected constrain(): void {
    updateInPlace(this.mu, (t) => clamp(t, -1, 1));
    if (this.gaussType !== 'full') updateInPlace(this.sigma, (t) => clamp(t, 0, F32_MAX));
  }

  protected spread(noise: Tensor): Tensor {
    if (this.gaussType !== 'full') return mul(noise, this.sigma);
    // einsum('ancd,bnid->bnic'): ε[b,n,0,d] broadcasts over the rows c of Σ[n], then the row sums.
    const [b, n] = noise.shape;
    return reshape(sum(mul(noise, this.sigma), 3), [b, n, 1, 2]);
  }
}

/** One readout per recording session, keyed by session id (torch ModuleDict: names `<key>.mu`, …). */
export class MultiReadout<R extends GaussianReadout> extends Module {
  readonly #readouts = new Map<string, R>();

  constructor(engine: Engine, neurons: ReadonlyMap<string, number>, make: (key: string, outdims: number) => R) {
    super(engine);
    if (neurons.size === 0) throw new ArgumentError('MultiReadout: no sessions');
    for (const [key, n] of neurons) {
      // Dots would split the dotted state-dict names; torch's ModuleDict rejects them too.
      if (!key || key.includes('.')) throw new ShapeError(`MultiReadout: session key '${key}' must be non-empty and contain no '.'`);
      this.#readouts.set(key, this.child(key, make(key, n)));
    }
  }

  keys(): string[] { return [...this.#readouts.keys()]; }

  /** The readout of `key`; with a single session the key may be omitted, as in MultipleGaussian2d.forward. */
  get(key?: string): R {
    const k = key ?? (this.#readouts.size === 1 ? this.keys()[0] : undefined);
    const r = k === undefined ? undefined : this.#readouts.get(k);
    if (!r) throw new ArgumentError(`MultiReadout: unknown session '${key}' (have ${this.keys().join(', ')})`);
    return r;
  }

  forward(x: Tensor, key?: string, opts: ReadoutCallOptions = {}): Tensor { return this.get(key).forward(x, opts); }

  regularizer(key?: string): Tensor { return this.get(key).regularizer(); }
}
