/**
 * Norm-constrained image reconstruction (Safarani et al. 2021 §4; sinzlab/reconstruction + sinzlab/mei):
 *
 *   x* = argmin_x ℓ(x) = mean((f(x) − f(x₀))²)   s.t.  ‖x‖ = r (sphere: the authors' ChangeNorm)
 *                                                 or    ‖x‖ ≤ r (ball: the paper's equation)
 *
 * with f the output of one layer of a model, found by its dotted module name. Projected gradient descent: each
 * step computes ℓ and ∇ℓ, preconditions the gradient with mei's Gaussian blur (σ = 1, reflect padding), takes an
 * SGD or Adam step and projects every image back onto its constraint. Images × norm levels form one batch
 * [N·K, C, H, W], image-major (row b = image ⌊b/K⌋ at norm K-index b mod K), so one step serves every run.
 *
 * The loop runs on the GPU alone: the first step is eager, the second is captured (engine.capture) and every later
 * step replays it — no op or tape work, no allocation, no readback. The state (x, Adam's moments and step count)
 * is updated in place by copy dispatches inside the step. Adam's bias corrections 1 − β^t change every step, and
 * a captured step cannot take new uniforms; rather than recapture (which would redo all the op work a capture
 * exists to save), the Adam update is written with ops that read a step-count tensor t on the GPU (t ← t + 1,
 * 1 − β^t by pow), so one capture serves all steps.
 *
 * NOTE: with the blur on, a fixed point satisfies B∇ℓ(x) ∥ x rather than ∇ℓ(x) ∥ x, so SGD + blur (the authors'
 * setting) converges near, not onto, the constrained optimum x = (H + γI)⁻¹Hx₀; blurSigma 0 reaches it.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import type { CapturedStep } from '../gpu/capture.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { Layer } from '../nn/layers.js';
import { expectF32 } from '../ops/dispatch.js';
import { add, addScalar, affine, clamp, div, mul, pow, reciprocal, scale, sqrt, square, sub } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { copyInto, expand, reshape } from '../ops/movement.js';
import { randomNormal } from '../ops/random.js';
import { blurWeights } from '../numeric.js';

export { blurWeights };
import { separableFilter } from '../corrupt/blur.js';

export type NormConstraint = 'sphere' | 'ball';

export interface ReconstructOptions {
  /** Norm levels r (L2 over C·H·W, in model-input units); each image is reconstructed at every one. */
  norms: readonly number[];
  /** 'sphere' (default): x ← r·x/‖x‖ every step, as coded; 'ball': only when ‖x‖ > r, as in the paper. */
  constraint?: NormConstraint;
  optimizer?: 'sgd' | 'adam';
  /** Default 5000 for SGD (the authors' demo config, with the mean loss) and 0.01 for Adam (the paper). */
  lr?: number;
  betas?: [number, number];
  eps?: number;
  /** σ of the gradient blur (mei's GaussianBlur, 9 taps at σ = 1); 0 turns the preconditioning off. Default 1. */
  blurSigma?: number;
  /** 'mean' (default, mei's gauss_loss(mean=True)) or 'sum' (the paper's ‖f(x) − f(x₀)‖²), per image. */
  reduction?: 'mean' | 'sum';
  /** Seed of the initial noise: one N(0, 1) [H, W] plane shared by every channel, image and norm (demo: 1000). */
  seed?: number;
  /** Capture the step after the first and replay it (default); false runs every step eagerly. */
  capture?: boolean;
}

export interface Snapshot {
  step: number;
  /** [N·K, C, H, W], image-major. */
  images: Float32Array;
  /** ℓ per row before the step's update. */
  losses: Float32Array;
}

/** Thrown by a hook to stop a forward pass once the wanted layer has run. */
const STOP = Symbol('reconstruct: stop forward');

/**
 * f(x) = the output of the module at dotted path `name` of `model` ('' = the model's own output). The forward pass
 * stops right after that layer (its hook throws), so later layers cost nothing. A name that is no module path is
 * tried on the model's own `activations(x, names)` (VGG's 'relu3_1', MtlVgg's 'shared'). A module called several
 * times in one forward (a shared conv) yields its first output.
 */
export function layerOutput(model: Layer, name: string): (x: Tensor) => Tensor {
  if (name === '') return (x) => model.call(x);
  const layer = new Map(model.namedModules()).get(name);
  if (layer instanceof Layer) {
    return (x) => {
      const got: { y?: Tensor } = {};
      const prev = layer.hook;
      // keep(): a scope inside the model unwinding past the throw must not free the output.
      layer.hook = (y) => { prev?.(y); got.y = y.keep(); throw STOP; };
      try {
        model.call(x);
      } catch (e) {
        if (e !== STOP) throw e;
      } finally {
        layer.hook = prev;
      }
      const out = got.y;
      if (!out) throw new ArgumentError(`reconstruct: layer '${name}' did not run in the forward pass (it is not reached through Layer.call)`);
      // A recorded view in the caller's scope, so the result is owned like any op output.
      const y = reshape(out, out.shape);
      out.dispose();
      return y;
    };
  }
  const acts = (model as unknown as { activations?: (x: Tensor, names: readonly string[]) => Map<string, Tensor> }).activations;
  if (typeof acts === 'function') {
    return (x) => {
      const y = acts.call(model, x, [name]).get(name);
      if (!y) throw new ArgumentError(`reconstruct: the model has no layer '${name}'`);
      return y;
    };
  }
  const some = model.namedModules().map(([n]) => n).filter(Boolean).slice(0, 12);
  throw new ShapeError(`reconstruct: no module '${name}' in the model (e.g. ${some.join(', ')})`);
}

interface AdamState { m: Tensor; v: Tensor; t: Tensor; beta1: Tensor; beta2: Tensor }

export class Reconstruction {
  readonly engine: Engine;
  /** The images being optimised, [N·K, C, H, W]; updated in place by every step. */
  readonly x: Tensor;
  readonly norms: readonly number[];
  readonly constraint: NormConstraint;
  readonly optimizer: 'sgd' | 'adam';
  /** Fixed: a captured step holds it as a uniform. */
  readonly lr: number;
  /** Steps taken. */
  steps = 0;
  readonly #f: (x: Tensor) => Tensor;
  readonly #target: Tensor;
  readonly #radius: Tensor;
  /** ∂(Σ_b ℓ_b)/∂ℓ: backward from the per-row losses without summing them first. */
  readonly #ones: Tensor;
  readonly #blur: Tensor | null;
  readonly #adam: AdamState | null;
  readonly #betas: [number, number];
  readonly #eps: number;
  readonly #reduction: 'mean' | 'sum';
  readonly #capture: boolean;
  readonly #restore: () => void;
  #loss: Tensor | null = null;
  #step: CapturedStep | null = null;

  /**
   * Sets up the reconstruction of every image of x₀ [N, C, H, W] from `layer` of `model` at every norm. The model
   * is put in eval mode with its parameters frozen until dispose() (a backward would otherwise also compute and
   * accumulate parameter gradients); f(x₀) is computed once.
   */
  constructor(model: Layer, layer: string, x0: Tensor, opts: ReconstructOptions) {
    const e = x0.engine;
    expectF32('reconstruct', x0);
    if (x0.rank !== 4) throw new ShapeError(`reconstruct: x0 must be [N, C, H, W], got ${x0.describe()}`);
    const norms = [...opts.norms];
    if (!norms.length || norms.some((r) => !(r > 0 && Number.isFinite(r)))) {
      throw new ShapeError(`reconstruct: norms must be positive and finite, got [${norms.join(', ')}]`);
    }
    const oneOf = <T extends string>(what: string, v: T | undefined, allowed: readonly T[]): T => {
      const got = v ?? allowed[0];
      if (!allowed.includes(got)) throw new ArgumentError(`reconstruct: ${what} must be ${allowed.join(' or ')}, got '${got}'`);
      return got;
    };
    this.optimizer = oneOf('optimizer', opts.optimizer, ['sgd', 'adam']);
    this.constraint = oneOf('constraint', opts.constraint, ['sphere', 'ball']);
    this.#reduction = oneOf('reduction', opts.reduction, ['mean', 'sum']);
    this.lr = opts.lr ?? (this.optimizer === 'sgd' ? 5000 : 0.01);
    this.#betas = opts.betas ?? [0.9, 0.999];
    this.#eps = opts.eps ?? 1e-8;
    const sigma = opts.blurSigma ?? 1;
    if (!(this.lr > 0)) throw new ArgumentError(`reconstruct: lr must be > 0, got ${this.lr}`);
    if (!(sigma >= 0)) throw new ArgumentError(`reconstruct: blurSigma must be ≥ 0, got ${sigma}`);
    if (this.#betas.some((b) => !(b >= 0 && b < 1))) throw new ArgumentError(`reconstruct: betas [${this.#betas.join(', ')}] not in [0, 1)`);
    this.engine = e;
    this.norms = norms;
    this.#capture = opts.capture ?? true;
    this.#f = layerOutput(model, layer);

    const modules = model.namedModules().map(([, m]) => [m, m.training] as const);
    const params = model.parameters().map((p) => [p, p.requiresGrad] as const);
    model.eval();
    for (const [p] of params) p.requiresGrad = false;
    this.#restore = () => {
      for (const [m, t] of modules) m.training = t;
      for (const [p, g] of params) p.requiresGrad = g;
    };

    const [n, c, h, w] = x0.shape;
    const k = norms.length;
    const rows = n * k;
    try {
      this.#target = e.noGrad(() => e.scope(() => {
        const y = this.#f(x0);
        const rest = y.shape.slice(1);
        return reshape(expand(reshape(y, [n, 1, ...rest]), [n, k, ...rest]), [rows, ...rest]);
      })).keep();
    } catch (err) {
      this.#restore();
      throw err;
    }
    this.#radius = e.tensor(Float32Array.from({ length: rows }, (_, b) => norms[b % k]), [rows, 1, 1, 1], 'f32', 'reconstruct norms').keep();
    this.#ones = e.ones([rows]).keep();
    this.#blur = sigma > 0 ? e.tensor(Float32Array.from(blurWeights(sigma)), undefined, 'f32', 'reconstruct blur weights').keep() : null;
    this.#adam = this.optimizer === 'adam' ? {
      m: e.zeros(x0.shape.map((d, i) => (i === 0 ? rows : d))).keep(),
      v: e.zeros(x0.shape.map((d, i) => (i === 0 ? rows : d))).keep(),
      t: e.zeros([1]).keep(), beta1: e.full([1], this.#betas[0]).keep(), beta2: e.full([1], this.#betas[1]).keep(),
    } : null;
    this.x = e.empty([rows, c, h, w], 'f32', 'reconstruction').keep();
    e.noGrad(() => e.scope(() => {
      const noise = randomNormal(e, [1, 1, h, w], [(opts.seed ?? 1000) >>> 0, 0x7ec0]);
      copyInto(this.x, this.#project(expand(noise, [rows, c, h, w])));
    }));
    this.x.requiresGrad = true;
  }

  /** x·r/‖x‖ per row (sphere) or x·min(1, r/‖x‖) (ball). */
  #project(y: Tensor): Tensor {
    const norm = sqrt(sum(square(y), [1, 2, 3], true));
    const f = div(this.#radius, clamp(norm, 1e-30, 3e38));
    return mul(y, this.constraint === 'ball' ? clamp(f, 0, 1) : f);
  }

  /** torch.optim.Adam on the GPU state, with the bias corrections from the step-count tensor. */
  #adamUpdate(g: Tensor, s: AdamState): Tensor {
    const [b1, b2] = this.#betas;
    const t = addScalar(s.t, 1);
    copyInto(s.t, t);
    const m = add(scale(s.m, b1), scale(g, 1 - b1));
    copyInto(s.m, m);
    const v = add(scale(s.v, b2), scale(square(g), 1 - b2));
    copyInto(s.v, v);
    const bc1 = affine(pow(s.beta1, t), -1, 1);
    const bc2Sqrt = sqrt(affine(pow(s.beta2, t), -1, 1));
    const denom = addScalar(div(sqrt(v), bc2Sqrt), this.#eps);
    return sub(this.x, mul(div(m, denom), scale(reciprocal(bc1), this.lr)));
  }

  /** One step's ops: loss, backward, blur, update, projection, write-back. Returns ℓ per row. */
  #stepOps(): Tensor {
    const e = this.engine;
    const x = this.x;
    const diff = sub(this.#f(x), this.#target);
    const axes = [...Array(diff.rank).keys()].slice(1);
    const per = (this.#reduction === 'sum' ? sum : mean)(square(diff), axes);
    e.backward(per, { grad: this.#ones });
    const grad = x.grad!;
    x.grad = null;
    e.noGrad(() => e.scope(() => {
      // mei's blur of the gradient: torch 'reflect' padding is reflect-101; the table is uploaded once for capture.
      const g = this.#blur ? separableFilter(grad, this.#blur, this.#blur, 'reflect101') : grad;
      const next = this.#adam ? this.#adamUpdate(g, this.#adam) : sub(x, scale(g, this.lr));
      copyInto(x, this.#project(next));
    }));
    grad.dispose();
    return per;
  }

  /** One step: eager for the first (and always without capture), captured for the second, replayed after. */
  step(): void {
    const e = this.engine;
    if (this.#step) {
      this.#step.replay();
    } else if (this.steps === 0 || !this.#capture) {
      const loss = e.scope(() => this.#stepOps()).keep();
      this.#loss?.dispose();
      this.#loss = loss;
    } else {
      const { step, result } = e.capture(() => e.scope(() => this.#stepOps()));
      this.#loss?.dispose();
      this.#loss = result.keep();
      this.#step = step;
    }
    this.steps++;
  }

  /** The images now and the losses of the last step (two readbacks). */
  async snapshot(): Promise<Snapshot> {
    const images = (await this.x.read()) as Float32Array;
    const losses = this.#loss ? (await this.#loss.read()) as Float32Array : new Float32Array(this.x.shape[0]).fill(NaN);
    return { step: this.steps, images, losses };
  }

  /**
   * Takes `steps` steps, handing a snapshot to `onSnapshot` every `every` steps; returns the final snapshot. Each
   * step is submitted at once; every 16 steps the loop waits for the GPU (no readback) so it never runs far ahead.
   */
  async run(steps: number, opts: { every?: number; onSnapshot?: (s: Snapshot) => void | Promise<void> } = {}): Promise<Snapshot> {
    if (!(Number.isInteger(steps) && steps >= 0)) throw new ArgumentError(`reconstruct: steps must be a non-negative integer, got ${steps}`);
    for (let i = 1; i <= steps; i++) {
      this.step();
      this.engine.flush();
      if (opts.every && opts.onSnapshot && this.steps % opts.every === 0) await opts.onSnapshot(await this.snapshot());
      else if (i % 16 === 0) await this.engine.sync();
    }
    return this.snapshot();
  }

  /** Frees the state and the captured step, and gives the model back its training flags and trainability. */
  dispose(): void {
    this.#step?.dispose();
    this.#step = null;
    this.#loss?.dispose();
    this.#loss = null;
    for (const t of [this.x, this.#target, this.#radius, this.#ones, this.#blur, ...Object.values(this.#adam ?? {})]) t?.dispose();
    this.#restore();
  }
}
