/**
 * Gated recurrent CNNs (Wang & Hu, TPAMI 2021) exactly as coded in Jianf-Wang/GRCNN models/imagenet/GRCNN.py
 * (Jianf-Wang/GRCNN models/imagenet/GRCNN.py): pre-activation GRCL blocks whose recurrent bottleneck `iter_i` and gate BN
 * `iter_g_i` are per step, with one 1×1 grouped gate conv `conv_g_r` shared over steps:
 *   x0 = conv_f(relu(bn_f(u)));  c = conv_g_f(relu(bn_g_f(u)))
 *   x_i = x_{i-1} + σ(conv_g_r(iter_g_i(x_{i-1})) + c) ⊙ iter_i(x_{i-1})   (fused gated-residual kernel, add included)
 * Parameter names follow the PyTorch module tree, so state dicts move both ways.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { Initializer } from '../nn/init.js';
import { AdaptivePool2d, AvgPool2d, BatchNorm2d, Conv2d, type Conv2dLayerOptions, Layer, Linear, MaxPool2d, ReLU, Sequential, runLayers } from '../nn/layers.js';
import { add } from '../ops/elementwise.js';
import { gatedResidual } from '../ops/gated-residual.js';
import { flatten } from '../ops/movement.js';

export interface GrclOptions {
  inplanes: number;
  planes: number;
  expansion: number;
  iters: number;
  groups: number;
  downsample: boolean;
  /** Share the bottleneck convs over steps (BNs stay per step), as the mmdetection/cifar variant. */
  weightSharing: boolean;
}

export class GRCL extends Layer {
  readonly bn_f: BatchNorm2d;
  readonly conv_f: Conv2d;
  readonly bn_g_f: BatchNorm2d;
  readonly conv_g_f: Conv2d;
  readonly conv_g_r: Conv2d;
  readonly iterG: Sequential[] = [];
  readonly iter: Sequential[] = [];
  /** Called with each recurrent step's state x_t (t = 0 … iters) and, for t ≥ 1, its gate logits g_t (σ(g_t) gates the step). */
  stepHook: ((t: number, x: Tensor, gate?: Tensor) => void) | null = null;
  readonly down: { d_bn: BatchNorm2d; d_conv: Conv2d; d_bn_1: BatchNorm2d; d_conv_1: Conv2d; d_bn_3: BatchNorm2d; d_conv_3: Conv2d; d_conv_1e: Conv2d } | null;

  constructor(engine: Engine, ini: Initializer, path: string, o: GrclOptions) {
    super(engine);
    const C = o.planes * o.expansion;
    const p = o.planes;
    const conv = (inC: number, outC: number, opts: Conv2dLayerOptions) => (at: string) => new Conv2d(engine, ini, at, inC, outC, opts);
    this.bn_f = this.child('bn_f', new BatchNorm2d(engine, o.inplanes));
    this.conv_f = this.childAt(path, 'conv_f', conv(o.inplanes, C, { kernel: 3, padding: 1, groups: o.groups, init: 'kaiming' }));
    this.bn_g_f = this.child('bn_g_f', new BatchNorm2d(engine, o.inplanes));
    this.conv_g_f = this.childAt(path, 'conv_g_f', conv(o.inplanes, C, { kernel: 1, groups: o.groups, bias: true, init: { normalStd: 0.01 } }));
    this.conv_g_r = this.childAt(path, 'conv_g_r', conv(C, C, { kernel: 1, groups: o.groups }));
    let shared: Layer[] | null = null;
    for (let i = 1; i <= o.iters; i++) {
      this.iterG.push(this.child(`iter_g_${i}`, new Sequential(engine, [new BatchNorm2d(engine, C), new ReLU(engine)])));
      // Weight sharing reuses the first step's convs (children 2, 5, 8), keyed by that step's path.
      const reuse = (j: number, make: (at: string) => Layer) => (at: string) => shared?.[j] ?? make(at);
      const iter = this.childAt(path, `iter_${i}`, (at) => Sequential.at(engine, at, [
        () => new BatchNorm2d(engine, C), () => new ReLU(engine), reuse(0, conv(C, p, { kernel: 1, init: 'kaiming' })),
        // The 3×3 conv is not explicitly initialised in the original: PyTorch's default applies.
        () => new BatchNorm2d(engine, p), () => new ReLU(engine), reuse(1, conv(p, p, { kernel: 3, padding: 1 })),
        () => new BatchNorm2d(engine, p), () => new ReLU(engine), reuse(2, conv(p, C, { kernel: 1, init: 'kaiming' })),
      ]));
      if (o.weightSharing) shared = [iter.layers[2], iter.layers[5], iter.layers[8]];
      this.iter.push(iter);
    }
    this.down = o.downsample ? {
      d_bn: this.child('d_bn', new BatchNorm2d(engine, C)),
      d_conv: this.childAt(path, 'd_conv', conv(C, C, { kernel: 1, init: 'kaiming' })),
      d_bn_1: this.child('d_bn_1', new BatchNorm2d(engine, C)),
      d_conv_1: this.childAt(path, 'd_conv_1', conv(C, p, { kernel: 1, init: 'kaiming' })),
      d_bn_3: this.child('d_bn_3', new BatchNorm2d(engine, p)),
      d_conv_3: this.childAt(path, 'd_conv_3', conv(p, p, { kernel: 3, stride: 2, padding: 1, init: 'kaiming' })),
      d_conv_1e: this.childAt(path, 'd_conv_1e', conv(p, C, { kernel: 1, init: 'kaiming' })),
    } : null;
  }

  forward(u: Tensor): Tensor {
    let x = this.conv_f.call(this.bn_f.callRelu(u));
    const c = this.conv_g_f.call(this.bn_g_f.callRelu(u));
    this.stepHook?.(0, x);
    for (let i = 0; i < this.iter.length; i++) {
      const g = this.conv_g_r.call(this.iterG[i].call(x));
      x = gatedResidual(x, g, this.iter[i].call(x), c);
      // The gate logits g_t + c are summed inside the kernel; only a hooked (analysis) forward pays for a separate
      // add to show them, training never does.
      if (this.stepHook) this.stepHook(i + 1, x, add(g, c));
    }
    if (!this.down) return x;
    const d = this.down;
    const pool = new AvgPool2d(this.engine, { kernel: 2, stride: 2 });
    const p1 = d.d_conv.call(pool.call(d.d_bn.callRelu(x)));
    const h = d.d_bn_3.callRelu(d.d_conv_1.call(d.d_bn_1.callRelu(x)));
    const p2 = d.d_conv_1e.call(d.d_conv_3.call(h));
    return add(p1, p2);
  }
}

export interface GrcnnConfig {
  inChannels: number;
  numClasses: number;
  /** 'imagenet': conv1 7×7/2 + BN + ReLU + maxpool 3/2 + conv2 3×3 (224 px input). 'small': conv1 3×3/1 + BN + ReLU + conv2. */
  stem: 'imagenet' | 'small';
  stemChannels: number;
  planes: number[];
  expansion: number;
  iters: number[];
  groups: number;
  weightSharing: boolean;
  seed: number;
}

export const GRCNN_PRESETS = {
  grcnn55: { inChannels: 3, numClasses: 1000, stem: 'imagenet', stemChannels: 64, planes: [64, 128, 256, 512], expansion: 4, iters: [3, 3, 4, 3], groups: 32, weightSharing: false, seed: 0 },
  grcnn109: { inChannels: 3, numClasses: 1000, stem: 'imagenet', stemChannels: 64, planes: [64, 128, 256, 512], expansion: 4, iters: [3, 3, 22, 3], groups: 32, weightSharing: false, seed: 0 },
  /** 64×64 grayscale, trains on this machine's CPUs: same block structure, fewer channels and steps. */
  'grcnn-small': { inChannels: 1, numClasses: 16, stem: 'small', stemChannels: 16, planes: [8, 16, 32, 64], expansion: 2, iters: [2, 2, 2, 2], groups: 4, weightSharing: false, seed: 0 },
} satisfies Record<string, GrcnnConfig>;

export class GRCNN extends Layer {
  readonly stem: Layer[];
  readonly layers: GRCL[];
  readonly lastact: Sequential;
  readonly classifier: Linear;

  constructor(engine: Engine, readonly config: GrcnnConfig) {
    super(engine);
    const c = config;
    const ini = new Initializer(c.seed);
    const conv1 = this.childAt('', 'conv1', (at) => (c.stem === 'imagenet'
      ? new Conv2d(engine, ini, at, c.inChannels, c.stemChannels, { kernel: 7, stride: 2, padding: 3, init: 'kaiming' })
      : new Conv2d(engine, ini, at, c.inChannels, c.stemChannels, { kernel: 3, padding: 1, init: 'kaiming' })));
    const bn1 = this.child('bn1', new BatchNorm2d(engine, c.stemChannels));
    const conv2 = this.childAt('', 'conv2', (at) => new Conv2d(engine, ini, at, c.stemChannels, c.stemChannels, { kernel: 3, padding: 1, init: 'kaiming' }));
    this.stem = [conv1, bn1, new ReLU(engine), ...(c.stem === 'imagenet' ? [new MaxPool2d(engine, { kernel: 3, stride: 2, padding: 1 })] : []), conv2];
    let inplanes = c.stemChannels;
    this.layers = c.planes.map((p, i) => {
      const l = this.childAt('', `layer${i + 1}`, (at) => new GRCL(engine, ini, at, {
        inplanes, planes: p, expansion: c.expansion, iters: c.iters[i], groups: c.groups,
        downsample: i < c.planes.length - 1, weightSharing: c.weightSharing,
      }));
      inplanes = p * c.expansion;
      return l;
    });
    this.lastact = this.child('lastact', new Sequential(engine, [new BatchNorm2d(engine, inplanes), new ReLU(engine)]));
    this.classifier = this.childAt('', 'classifier', (at) => new Linear(engine, ini, at, inplanes, c.numClasses, { init: 'kaiming' }));
  }

  /** Feature map before the pooled classifier. */
  features(x: Tensor): Tensor {
    return runLayers([...this.stem, ...this.layers, this.lastact], x);
  }

  forward(x: Tensor): Tensor {
    const pooled = new AdaptivePool2d(this.engine, 'avg', 1).call(this.features(x));
    return this.classifier.call(flatten(pooled, 1));
  }
}
