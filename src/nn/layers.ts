/** Basic layers over the ops, with PyTorch's parameter names and default initialisation. */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { Initializer } from './init.js';
import { conv2d } from '../ops/conv2d.js';
import { batchNorm } from '../ops/batchnorm.js';
import { linear } from '../ops/matmul.js';
import { adaptiveAvgPool2d, adaptiveMaxPool2d, avgPool2d, maxPool2d } from '../ops/pool2d.js';
import { dropout } from '../ops/random.js';
import { elu, relu } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import type { Rng } from '../random/rng.js';

/** A module with one input and one output. `call` runs forward and any hook (activation capture). */
export abstract class Layer extends Module {
  hook: ((y: Tensor) => void) | null = null;

  abstract forward(x: Tensor): Tensor;

  call(x: Tensor): Tensor {
    const y = this.forward(x);
    this.hook?.(y);
    return y;
  }
}

export type Pair = number | [number, number];
export type WeightInit = 'default' | 'kaiming' | { normalStd: number };

export interface Conv2dLayerOptions {
  kernel: Pair; stride?: Pair; padding?: Pair | [number, number, number, number]; dilation?: Pair; groups?: number;
  bias?: boolean; init?: WeightInit;
  /**
   * A 1-channel input stands for identical input channels (gray expanded to RGB): the conv then runs on the one
   * channel with the weight summed over its input channels — the same output and gradients as expanding first,
   * without the copy and with 1/inC of the first layer's work.
   */
  grayInput?: boolean;
}

export class Conv2d extends Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(engine: Engine, ini: Initializer, path: string, inC: number, outC: number, readonly opts: Conv2dLayerOptions) {
    super(engine);
    const [kh, kw] = typeof opts.kernel === 'number' ? [opts.kernel, opts.kernel] : opts.kernel;
    const groups = opts.groups ?? 1;
    if (inC % groups || outC % groups) throw new Error(`${path}: channels ${inC}→${outC} not divisible by groups ${groups}`);
    const fanIn = (inC / groups) * kh * kw;
    const n = outC * fanIn;
    const init = opts.init ?? 'default';
    const w = init === 'kaiming' ? ini.kaimingNormal(n, fanIn, `${path}.weight`)
      : init === 'default' ? ini.defaultWeight(n, fanIn, `${path}.weight`) : ini.normal(n, `${path}.weight`, init.normalStd);
    this.weight = this.param('weight', engine.tensor(w, [outC, inC / groups, kh, kw]));
    // The GRCNN init zeroes every conv bias in its global pass; PyTorch's default is uniform.
    this.bias = opts.bias ? this.param('bias', engine.tensor(init === 'default' ? ini.defaultBias(outC, fanIn, `${path}.bias`) : new Float32Array(outC), [outC])) : null;
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups, grayInput } = this.opts;
    const gray = grayInput && x.rank === 4 && x.shape[1] === 1 && this.weight.shape[1] > 1 && (groups ?? 1) === 1;
    return conv2d(x, gray ? sum(this.weight, 1, true) : this.weight, this.bias, { stride, padding, dilation, groups });
  }
}

export class BatchNorm2d extends Layer {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly numBatchesTracked: Tensor;

  constructor(engine: Engine, readonly channels: number, readonly opts: { eps?: number; momentum?: number } = {}) {
    super(engine);
    this.weight = this.param('weight', engine.ones([channels]));
    this.bias = this.param('bias', engine.zeros([channels]));
    this.runningMean = this.buffer('running_mean', engine.zeros([channels]));
    this.runningVar = this.buffer('running_var', engine.ones([channels]));
    // PyTorch keeps an int64 counter; it only matters for momentum=None, which we do not support.
    this.numBatchesTracked = this.buffer('num_batches_tracked', engine.zeros([], 'i32'));
  }

  forward(x: Tensor): Tensor { return this.#run(x, false); }

  /**
   * relu(this(x)) in BN's own dispatches (batchNorm's `relu` option): the pre-activation BN → ReLU of GRCL and
   * bottleneck blocks. A hook on this layer still sees the BN output (then the two run unfused).
   */
  callRelu(x: Tensor): Tensor {
    return this.hook ? relu(this.call(x)) : this.#run(x, true);
  }

  #run(x: Tensor, withRelu: boolean): Tensor {
    return batchNorm(x, this.weight, this.bias, this.runningMean, this.runningVar,
      { training: this.training, momentum: this.opts.momentum ?? 0.1, eps: this.opts.eps ?? 1e-5, relu: withRelu });
  }
}

/** Runs layers in order, with each BatchNorm2d directly followed by a ReLU fused into one op (BatchNorm2d.callRelu). */
export function runLayers(layers: readonly Layer[], x: Tensor): Tensor {
  let y = x;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    const next = layers[i + 1];
    if (l instanceof BatchNorm2d && next instanceof ReLU) {
      y = l.callRelu(y);
      next.hook?.(y);
      i++;
    } else y = l.call(y);
  }
  return y;
}

export class Linear extends Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(engine: Engine, ini: Initializer, path: string, inF: number, outF: number, opts: { bias?: boolean; init?: WeightInit } = {}) {
    super(engine);
    const n = inF * outF;
    const init = opts.init ?? 'default';
    const w = init === 'kaiming' ? ini.kaimingNormal(n, inF, `${path}.weight`)
      : init === 'default' ? ini.defaultWeight(n, inF, `${path}.weight`) : ini.normal(n, `${path}.weight`, init.normalStd);
    this.weight = this.param('weight', engine.tensor(w, [outF, inF]));
    this.bias = opts.bias ?? true
      ? this.param('bias', engine.tensor(init === 'default' ? ini.defaultBias(outF, inF, `${path}.bias`) : new Float32Array(outF), [outF]))
      : null;
  }

  forward(x: Tensor): Tensor { return linear(x, this.weight, this.bias); }
}

/** Children named 0, 1, 2… as torch.nn.Sequential. */
export class Sequential extends Layer {
  readonly layers: Layer[];

  constructor(engine: Engine, layers: Layer[]) {
    super(engine);
    this.layers = layers;
    layers.forEach((l, i) => this.child(String(i), l));
  }

  /** A Sequential at `path` whose i-th layer is made from its own path `${path}.${i}` (its weights' keys). */
  static at(engine: Engine, path: string, makers: ((at: string) => Layer)[]): Sequential {
    return new Sequential(engine, makers.map((make, i) => make(`${path}.${i}`)));
  }

  forward(x: Tensor): Tensor { return runLayers(this.layers, x); }
}

export class ReLU extends Layer { forward(x: Tensor): Tensor { return relu(x); } }
export class ELU extends Layer {
  constructor(engine: Engine, readonly alpha = 1) { super(engine); }
  forward(x: Tensor): Tensor { return elu(x, this.alpha); }
}
export class Identity extends Layer { forward(x: Tensor): Tensor { return x; } }

export class MaxPool2d extends Layer {
  constructor(engine: Engine, readonly opts: Parameters<typeof maxPool2d>[1]) { super(engine); }
  forward(x: Tensor): Tensor { return maxPool2d(x, this.opts); }
}

export class AvgPool2d extends Layer {
  constructor(engine: Engine, readonly opts: Parameters<typeof avgPool2d>[1]) { super(engine); }
  forward(x: Tensor): Tensor { return avgPool2d(x, this.opts); }
}

export class AdaptivePool2d extends Layer {
  constructor(engine: Engine, readonly kind: 'avg' | 'max', readonly out: Pair) { super(engine); }
  forward(x: Tensor): Tensor { return this.kind === 'avg' ? adaptiveAvgPool2d(x, this.out) : adaptiveMaxPool2d(x, this.out); }
}

/** Inverted dropout; masks come from a resumable key stream. */
export class Dropout extends Layer {
  constructor(engine: Engine, readonly p: number, readonly rng: Rng) { super(engine); }
  forward(x: Tensor): Tensor { return this.training && this.p > 0 ? dropout(x, this.p, this.rng.next(), true) : x; }
}
