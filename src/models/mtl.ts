/**
 * The multi-task model of neural co-training (sinzlab/neural_cotraining models/mtl_vgg.py `MTL_VGG` and
 * `MTL_VGG_Core`): one VGG split after `v1ModelLayer` (17 = through the ReLU after conv3_1),
 *   mtl_vgg_core.v1_block       = features[:17]   shared; its 256×16×16 map feeds the neural readouts
 *   mtl_vgg_core.unshared_block = features[17:]   classification only (indices restart at 0, as in torch)
 *   classification_readout      = the conv head of vgg.ts
 *   v1_readout.<session>        = one legacy Gaussian2d per recording session
 * Neural responses are r = ELU(readout(core(x)) + eluOffset) + 1 with eluOffset = −1, i.e. ELU(y − 1) + 1 > 0.
 * With `classification: false` it is the single-task "Monkey Predictor" (no unshared block, no head).
 * Initialiser streams use the torchvision names of vgg.ts, so a VGG and an MTL model of the same seed share the
 * initial core weights.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { Module, type HostTensor } from '../nn/module.js';
import { Initializer } from '../nn/init.js';
import { Layer, Sequential } from '../nn/layers.js';
import { Rng } from '../random/rng.js';
import { Gaussian2d, MultiReadout, eluResponse, type ReadoutCallOptions } from './readout.js';
import { VGG_PRESETS, buildConvHead, buildVggFeatures, captureActivations, checkImages, vggFeatureShape, vggLayers, type VggConfig } from './vgg.js';

export interface MtlVggConfig extends Omit<VggConfig, 'inChannels'> {
  /** With a classification head (MTL) or without (single-task neural model). */
  classification: boolean;
  /** Feature layers in the shared block (17: through relu3_1). */
  v1ModelLayer: number;
  /** [H, W] of the neural task's images; fixes the readouts' in_shape (64 → 16×16 at layer 17). */
  neuralInputSize: readonly [number, number];
  /** Neurons per recording session, in readout order. */
  sessions: Readonly<Record<string, number>>;
  /** μ ~ U(−r, r) (v1_init_mu_range; the recipes' 0.3). */
  initMuRange: number;
  /** σ ~ U(0, s) (v1_init_sigma_range 0.6). */
  initSigmaRange: number;
  readoutBias: boolean;
  /** Readout L1 weight (v1_gamma_readout; 0.5 in the recipes, applied only when the trainer adds regularizer()). */
  gammaReadout: number;
  /** r = ELU(y + eluOffset) + 1 (v1_elu_offset −1). */
  eluOffset: number;
  /** False freezes the shared block at construction, as the original's v1_fine_tune=False. */
  v1FineTune: boolean;
}

/** The paper's MTL model for `sessions` (readout settings of the recipes, shared block trained). */
export function mtlVggPreset(sessions: Record<string, number>, overrides: Partial<MtlVggConfig> = {}): MtlVggConfig {
  const { inChannels: _, ...vgg } = VGG_PRESETS.vgg19_bn;
  return {
    ...vgg, classification: true, v1ModelLayer: 17, neuralInputSize: [64, 64], sessions, initMuRange: 0.3,
    initSigmaRange: 0.6, readoutBias: true, gammaReadout: 0.5, eluOffset: -1, v1FineTune: true, ...overrides,
  };
}

export type MtlPart = 'v1_block' | 'unshared_block' | 'classification_readout' | 'v1_readout';

/** `mtl_vgg_core`: the VGG features split into the shared block and the rest. */
export class MtlVggCore extends Module {
  readonly v1Block: Sequential;
  readonly unsharedBlock: Sequential | null;

  constructor(engine: Engine, layers: Layer[], split: number, classification: boolean) {
    super(engine);
    this.v1Block = this.child('v1_block', new Sequential(engine, layers.slice(0, split)));
    this.unsharedBlock = classification ? this.child('unshared_block', new Sequential(engine, layers.slice(split))) : null;
  }
}

export interface MtlOutputs { responses: Tensor; logits: Tensor }

export class MtlVgg extends Layer {
  readonly mtl_vgg_core: MtlVggCore;
  readonly v1_readout: MultiReadout<Gaussian2d>;
  readonly classification_readout: Sequential | null;
  /** Draws dropout masks and readout positions; save its state with a checkpoint to replay them. */
  readonly rng: Rng;

  constructor(engine: Engine, readonly config: MtlVggConfig, rng?: Rng) {
    super(engine);
    const c = config;
    const specs = vggLayers(c.cfg, c.batchNorm);
    if (!(Number.isInteger(c.v1ModelLayer) && c.v1ModelLayer >= 1 && c.v1ModelLayer < specs.length)) {
      throw new ShapeError(`MtlVgg: v1ModelLayer ${c.v1ModelLayer} is not in [1, ${specs.length - 1}]`);
    }
    const inShape = vggFeatureShape(c.cfg, c.batchNorm, c.v1ModelLayer, c.neuralInputSize);
    if (inShape[1] < 1 || inShape[2] < 1) throw new ShapeError(`MtlVgg: neural images ${c.neuralInputSize.join('×')} vanish before layer ${c.v1ModelLayer}`);
    const ini = new Initializer(c.seed);
    this.rng = rng ?? new Rng(c.seed);
    this.mtl_vgg_core = this.child('mtl_vgg_core',
      new MtlVggCore(engine, buildVggFeatures(engine, ini, c.cfg, c.batchNorm), c.v1ModelLayer, c.classification));
    this.v1_readout = this.child('v1_readout', new MultiReadout(engine, new Map(Object.entries(c.sessions)), (key, n) =>
      new Gaussian2d(engine, ini, `v1_readout.${key}`, {
        inShape, outdims: n, bias: c.readoutBias, initMuRange: c.initMuRange, initSigmaRange: c.initSigmaRange,
        featureRegWeight: c.gammaReadout,
      }, this.rng)));
    const last = specs.findLast((l) => l.kind === 'conv');
    this.classification_readout = c.classification && last?.kind === 'conv'
      ? this.child('classification_readout', buildConvHead(engine, ini, 'classifier', last.outC, c, this.rng))
      : null;
    if (!c.v1FineTune) this.freeze(['v1_block']);
  }

  /** The shared block's output (through relu3_1 by default): the readouts' input. */
  shared(x: Tensor): Tensor { return this.mtl_vgg_core.v1Block.call(checkImages(x, 'MtlVgg')); }

  /** ELU(readout + eluOffset) + 1 for one session's neurons, from a shared-block map. */
  readResponses(sharedOut: Tensor, session?: string, opts: ReadoutCallOptions = {}): Tensor {
    return this.engine.scope(() => eluResponse(this.v1_readout.forward(sharedOut, session, opts), this.config.eluOffset));
  }

  /** Predicted responses [N, neurons] of `session` (optional with one session). */
  neural(x: Tensor, session?: string, opts: ReadoutCallOptions = {}): Tensor {
    return this.readResponses(this.shared(x), session, opts);
  }

  /** Class logits from a shared-block map. */
  classifyShared(sharedOut: Tensor): Tensor {
    const head = this.classification_readout;
    const rest = this.mtl_vgg_core.unsharedBlock;
    if (!head || !rest) throw new ArgumentError('MtlVgg: built with classification: false, so it has no classification head');
    return head.call(rest.call(sharedOut));
  }

  classify(x: Tensor): Tensor { return this.classifyShared(this.shared(x)); }

  /** Both tasks from one pass through the shared block (the original's forward(both=True)). */
  both(x: Tensor, session?: string): MtlOutputs {
    const s = this.shared(x);
    return { responses: this.readResponses(s, session), logits: this.classifyShared(s) };
  }

  /** Classification, so the model drops into classification evaluation. */
  forward(x: Tensor): Tensor { return this.classify(x); }

  /**
   * Responses of every session (or of `sessions`) to a batch of images, in eval mode and without gradients,
   * e.g. to label every classification image with the Monkey Predictor's responses. The training flags are
   * restored afterwards.
   */
  predictResponses(x: Tensor, sessions: readonly string[] = this.v1_readout.keys()): Map<string, Tensor> {
    const flags = this.namedModules().map(([, m]) => [m, m.training] as const);
    this.eval();
    try {
      return this.engine.noGrad(() => this.engine.scope(() => {
        const s = this.shared(x);
        return new Map(sessions.map((k) => [k, this.readResponses(s, k)]));
      }));
    } finally {
      for (const [m, t] of flags) m.training = t;
    }
  }

  /** Bias of a session's readout = mean response over a batch [B, neurons] (done once, from one training batch). */
  initReadoutBias(session: string, targets: Tensor): void { this.v1_readout.get(session).initBiasFromResponses(targets); }

  /** gamma_readout · Σ|features| of the session's readout. */
  regularizer(session?: string): Tensor { return this.v1_readout.regularizer(session); }

  /** Stops gradients into the named parts (the original's freeze(('v1',)) is freeze(['v1_block'])). Returns the names frozen. */
  freeze(parts: readonly MtlPart[]): string[] {
    const prefixes = parts.map((p) => (p === 'v1_readout' || p === 'classification_readout' ? `${p}.` : `mtl_vgg_core.${p}.`));
    const frozen: string[] = [];
    for (const [n, t] of this.namedParameters()) {
      if (prefixes.some((p) => n.startsWith(p))) { t.requiresGrad = false; frozen.push(n); }
    }
    if (parts.length && !frozen.length) throw new ArgumentError(`MtlVgg: nothing to freeze under ${parts.join(', ')}`);
    return frozen;
  }

  /**
   * Outputs of named layers: `shared`, `features.<i>` (torchvision index, either block), `classifier.<i>`, or
   * any module path. Runs the whole model only when a classification layer is asked for.
   */
  activations(x: Tensor, names: readonly string[], session?: string): Map<string, Tensor> {
    const modules = new Map(this.namedModules());
    const split = this.config.v1ModelLayer;
    const layers = new Map<string, Layer>();
    let needHead = false;
    for (const name of names) {
      const feat = /^features\.(\d+)$/.exec(name);
      const head = /^classifier\.(\d+)$/.exec(name);
      const path = name === 'shared' ? 'mtl_vgg_core.v1_block'
        : feat ? (Number(feat[1]) < split ? `mtl_vgg_core.v1_block.${feat[1]}` : `mtl_vgg_core.unshared_block.${Number(feat[1]) - split}`)
          : head ? `classification_readout.${head[1]}` : name;
      const m = modules.get(path);
      if (!(m instanceof Layer) || m === this) throw new ShapeError(`MtlVgg: no layer named '${name}'`);
      layers.set(name, m);
      needHead ||= !path.startsWith('mtl_vgg_core.v1_block');
    }
    return captureActivations(layers, () => { if (needHead) this.both(x, session); else this.shared(x); });
  }
}

/** The MTL name of a VGG (vgg.ts) state-dict entry, e.g. to start from a trained classifier; null if none. */
export function mtlNameFromVgg(name: string, v1ModelLayer: number): string | null {
  const feat = /^features\.(\d+)\.(.+)$/.exec(name);
  if (feat) {
    const i = Number(feat[1]);
    return i < v1ModelLayer ? `mtl_vgg_core.v1_block.${i}.${feat[2]}` : `mtl_vgg_core.unshared_block.${i - v1ModelLayer}.${feat[2]}`;
  }
  return name.startsWith('classifier.') ? `classification_readout.${name.slice('classifier.'.length)}` : null;
}

/** Renames a VGG state dict for MtlVgg.loadStateDict (use strict: false: the readouts are not in it). */
export function vggStateToMtl(state: ReadonlyMap<string, HostTensor>, v1ModelLayer: number): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [k, v] of state) {
    const m = mtlNameFromVgg(k, v1ModelLayer);
    if (m) out.set(m, v);
  }
  return out;
}
