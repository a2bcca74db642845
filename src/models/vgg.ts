/**
 * VGG as torchvision builds it (`make_layers(cfgs[...], batch_norm)`: 3×3 convs with bias, BN, ReLU, 2×2 max
 * pools) with the fully convolutional head of the neural co-training code (sinzlab/neural_cotraining
 * models/vgg.py `create_vgg_readout('conv')`):
 *   classifier = Conv1×1(512→4096) ReLU Dropout(0.5) Conv1×1(4096→4096) ReLU Dropout(0.5) Conv1×1(4096→classes)
 *                AdaptiveMaxPool2d(1) Flatten
 * With inChannels 1, gray input [N, 1, H, W] stands for 3 identical RGB channels (`x.expand(-1, 3, -1, -1)`); the
 * first conv sums its weight over input channels instead of expanding (the same values and gradients).
 * Parameter names are torchvision's (`features.0.weight`, `features.1.running_mean`, …) and the original head's
 * (`classifier.0.weight`, `classifier.3.weight`, `classifier.6.weight`). Init is torchvision's
 * `_initialize_weights`: convs kaiming_normal(fan_out, relu) with zero bias, BN γ = 1, β = 0.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { Initializer } from '../nn/init.js';
import { AdaptivePool2d, BatchNorm2d, Conv2d, Dropout, Layer, MaxPool2d, ReLU, Sequential, runLayers } from '../nn/layers.js';
import { expand, flatten } from '../ops/movement.js';
import { Rng } from '../random/rng.js';

/** torchvision's layer lists: channel counts, 'M' for a 2×2 max pool. */
export type VggCfg = readonly (number | 'M')[];

export const VGG_CFGS = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
} as const satisfies Record<string, VggCfg>;

export interface VggConfig {
  cfg: VggCfg;
  batchNorm: boolean;
  /** 1: gray, expanded to 3 channels before the first conv; 3: RGB. */
  inChannels: 1 | 3;
  numClasses: number;
  /** Width of the two hidden 1×1 convs of the head (4096). */
  headWidth: number;
  /** Dropout after each hidden head conv (0.5). */
  dropout: number;
  seed: number;
}

export const VGG_PRESETS = {
  /** The paper's model: VGG-19-BN on 64×64 gray Tiny ImageNet, 200 classes. */
  vgg19_bn: { cfg: VGG_CFGS.E, batchNorm: true, inChannels: 1, numClasses: 200, headWidth: 4096, dropout: 0.5, seed: 0 },
  /** The same 53 feature layers at 1/8 width with a 256-wide head, so it trains on this machine's CPUs. */
  'vgg19_bn-small': {
    cfg: VGG_CFGS.E.map((v) => (v === 'M' ? v : v / 8)), batchNorm: true, inChannels: 1, numClasses: 16, headWidth: 256,
    dropout: 0.5, seed: 0,
  },
} satisfies Record<string, VggConfig>;

type LayerSpec =
  | { kind: 'conv'; inC: number; outC: number; name: string }
  | { kind: 'bn'; channels: number; name: string }
  | { kind: 'relu'; name: string }
  | { kind: 'pool'; name: string };

/** The children of `features` in torchvision order, each with its conventional name (conv3_1, bn3_1, relu3_1, pool3). */
export function vggLayers(cfg: VggCfg, batchNorm: boolean): LayerSpec[] {
  const out: LayerSpec[] = [];
  let inC = 3;
  let block = 1;
  let k = 1;
  for (const v of cfg) {
    if (v === 'M') {
      out.push({ kind: 'pool', name: `pool${block}` });
      block++;
      k = 1;
      continue;
    }
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`VGG: channel count ${v} in the layer list is not a positive integer`);
    out.push({ kind: 'conv', inC, outC: v, name: `conv${block}_${k}` });
    if (batchNorm) out.push({ kind: 'bn', channels: v, name: `bn${block}_${k}` });
    out.push({ kind: 'relu', name: `relu${block}_${k}` });
    inC = v;
    k++;
  }
  return out;
}

/** Index of a conventionally named layer (e.g. 'relu3_1' → 16 in VGG-19-BN); throws when absent. */
export function vggLayerIndex(cfg: VggCfg, batchNorm: boolean, name: string): number {
  const i = vggLayers(cfg, batchNorm).findIndex((l) => l.name === name);
  if (i < 0) throw new ShapeError(`VGG: no layer named '${name}'`);
  return i;
}

/** [C, H, W] of the output of features[0:end] for an input of `size` pixels. */
export function vggFeatureShape(cfg: VggCfg, batchNorm: boolean, end: number, size: readonly [number, number]): [number, number, number] {
  const layers = vggLayers(cfg, batchNorm);
  if (!(Number.isInteger(end) && end >= 1 && end <= layers.length)) throw new ArgumentError(`VGG: layer count ${end} is not in [1, ${layers.length}]`);
  let [c, h, w] = [3, size[0], size[1]];
  for (const l of layers.slice(0, end)) {
    if (l.kind === 'conv') c = l.outC;
    if (l.kind === 'pool') { h = Math.floor(h / 2); w = Math.floor(w / 2); }
  }
  return [c, h, w];
}

/**
 * Builds features[i] for every layer. Initialiser streams are keyed by the torchvision name (`features.<i>`),
 * so a model that splits these layers into other containers (mtl.ts) starts from the same weights.
 */
export function buildVggFeatures(engine: Engine, ini: Initializer, cfg: VggCfg, batchNorm: boolean): Layer[] {
  return vggLayers(cfg, batchNorm).map((l, i) => {
    switch (l.kind) {
      case 'conv':
        // The first conv takes gray [N, 1, H, W] as three identical channels (see checkImages).
        return new Conv2d(engine, ini, `features.${i}`, l.inC, l.outC,
          { kernel: 3, padding: 1, bias: true, init: { normalStd: Math.sqrt(2 / (l.outC * 9)) }, grayInput: i === 0 });
      case 'bn': return new BatchNorm2d(engine, l.channels);
      case 'relu': return new ReLU(engine);
      case 'pool': return new MaxPool2d(engine, { kernel: 2, stride: 2 });
    }
  });
}

/** torch.nn.Flatten(start_dim=1). */
export class Flatten extends Layer {
  forward(x: Tensor): Tensor { return flatten(x, 1); }
}

/** The conv head (children 0…8, as the original Sequential), init kaiming_normal(fan_out, relu), zero bias. */
export function buildConvHead(engine: Engine, ini: Initializer, path: string, inC: number, c: Pick<VggConfig, 'headWidth' | 'numClasses' | 'dropout'>,
  rng: Rng): Sequential {
  const conv = (i: number, from: number, to: number) =>
    new Conv2d(engine, ini, `${path}.${i}`, from, to, { kernel: 1, bias: true, init: { normalStd: Math.sqrt(2 / to) } });
  return new Sequential(engine, [
    conv(0, inC, c.headWidth), new ReLU(engine), new Dropout(engine, c.dropout, rng),
    conv(3, c.headWidth, c.headWidth), new ReLU(engine), new Dropout(engine, c.dropout, rng),
    conv(6, c.headWidth, c.numClasses), new AdaptivePool2d(engine, 'max', 1), new Flatten(engine),
  ]);
}

/**
 * Checks an input image batch: gray [N, 1, H, W] or RGB [N, 3, H, W]; `channels` pins which. Gray stays one
 * channel: the first conv (grayInput) treats it as 3 identical channels, as `x.expand(-1, 3, -1, -1)` would give.
 */
export function checkImages(x: Tensor, what: string, channels?: 1 | 3): Tensor {
  const c = x.shape[1];
  if (x.rank !== 4 || (c !== 1 && c !== 3) || (channels !== undefined && c !== channels)) {
    throw new ShapeError(`${what}: input ${x.describe()} is not [N, ${channels ?? '1 or 3'}, H, W]`);
  }
  return x;
}

/**
 * Runs `run` with capture hooks on the named layers and returns their outputs by name. Hooks already set are
 * restored afterwards.
 */
export function captureActivations(layers: ReadonlyMap<string, Layer>, run: () => void): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const saved = [...layers].map(([name, l]) => {
    const prev = l.hook;
    l.hook = (y) => { prev?.(y); out.set(name, y); };
    return [l, prev] as const;
  });
  try {
    run();
  } finally {
    // Reverse order: a layer named twice got two wrappers, the second around the first.
    for (const [l, prev] of saved.reverse()) l.hook = prev;
  }
  return out;
}

export class VGG extends Layer {
  readonly features: Sequential;
  readonly classifier: Sequential;
  /** Conventional name of each features child (conv1_1, bn1_1, relu1_1, …, pool5). */
  readonly layerNames: readonly string[];
  /** Draws dropout masks; save its state with a checkpoint to replay them. */
  readonly rng: Rng;

  constructor(engine: Engine, readonly config: VggConfig, rng?: Rng) {
    super(engine);
    const c = config;
    if (c.inChannels !== 1 && c.inChannels !== 3) throw new ArgumentError(`VGG: inChannels must be 1 or 3, got ${c.inChannels}`);
    const ini = new Initializer(c.seed);
    this.rng = rng ?? new Rng(c.seed);
    const specs = vggLayers(c.cfg, c.batchNorm);
    this.layerNames = specs.map((l) => l.name);
    this.features = this.child('features', new Sequential(engine, buildVggFeatures(engine, ini, c.cfg, c.batchNorm)));
    const last = specs.findLast((l) => l.kind === 'conv');
    if (!last || last.kind !== 'conv') throw new ArgumentError('VGG: the layer list has no conv');
    this.classifier = this.child('classifier', buildConvHead(engine, ini, 'classifier', last.outC, c, this.rng));
  }

  /** Index in `features` of a conventional name ('relu3_1') or of a plain index ('16'). */
  layerIndex(name: string): number {
    const i = /^\d+$/.test(name) ? Number(name) : this.layerNames.indexOf(name);
    if (!(i >= 0 && i < this.layerNames.length)) throw new ArgumentError(`VGG: no features layer '${name}'`);
    return i;
  }

  /** Output of features[0:end] (after the gray expansion), e.g. end = layerIndex('relu3_1') + 1 = 17. */
  featuresUntil(x: Tensor, end: number): Tensor {
    if (!(Number.isInteger(end) && end >= 0 && end <= this.features.layers.length)) {
      throw new ArgumentError(`VGG: cannot stop after ${end} of ${this.features.layers.length} feature layers`);
    }
    let y = checkImages(x, 'VGG', this.config.inChannels);
    if (end === 0 && y.shape[1] === 1) y = expand(y, [y.shape[0], 3, y.shape[2], y.shape[3]]);
    return runLayers(this.features.layers.slice(0, end), y);
  }

  /** The feature map through the ReLU after conv3_1 (256×16×16 at 64 px): the Gaussian readout's input. */
  conv31(x: Tensor): Tensor { return this.featuresUntil(x, this.layerIndex('relu3_1') + 1); }

  forward(x: Tensor): Tensor {
    return this.classifier.call(this.featuresUntil(x, this.features.layers.length));
  }

  /**
   * Outputs of the named layers for input `x`: conventional names ('conv3_1', 'pool2') or module paths
   * ('features.7', 'classifier.3'). Runs only as far as the deepest requested layer.
   */
  activations(x: Tensor, names: readonly string[]): Map<string, Tensor> {
    const modules = new Map(this.namedModules());
    const layers = new Map<string, Layer>();
    let end = 0;
    let head = false;
    for (const name of names) {
      const path = this.layerNames.includes(name) ? `features.${this.layerIndex(name)}` : name;
      const m = modules.get(path);
      if (!(m instanceof Layer) || m === this) throw new ArgumentError(`VGG: no layer named '${name}'`);
      layers.set(name, m);
      if (path.startsWith('classifier')) head = true;
      else end = Math.max(end, this.layerIndex(path.slice('features.'.length)) + 1);
    }
    return captureActivations(layers, () => { if (head) this.forward(x); else this.featuresUntil(x, end); });
  }
}
