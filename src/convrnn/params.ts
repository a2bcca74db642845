/**
 * Parameters declared as data: every conv-RNN module lists its tensors (PyTorch-style name, shape, TF
 * initialiser, L2 weight decay, the authors' TF variable name and layout) before anything is allocated, so the
 * originals' parameter counts and the TF→PyTorch name map come from the same declarations the GPU model uses.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { Initializer } from '../nn/init.js';
import { Module } from '../nn/module.js';

/** TF1 initialisers as the zoo uses them (tf.contrib xavier, tf.variance_scaling_initializer, random_normal). */
export type InitSpec =
  | { kind: 'zeros' } | { kind: 'const'; value: number } | { kind: 'xavier' }
  | { kind: 'variance_scaling'; scale: number } | { kind: 'normal'; std: number };

/**
 * How our tensor maps onto the TF variable: conv OIHW ↔ HWIO, depthwise [C,1,kh,kw] ↔ [kh,kw,C,1],
 * fc [out,in] ↔ [in,out], per-pixel peephole [C,H,W] ↔ [H,W,C]; vectors and scalars are the same.
 */
export type Layout = 'conv' | 'depthwise' | 'fc' | 'chw' | 'vector' | 'scalar';

export interface ParamDecl {
  name: string;
  shape: number[];
  layout: Layout;
  init: InitSpec;
  /** L2 coefficient: the TF regulariser adds decay·Σw²/2 to the loss, i.e. decay·w to the gradient. */
  decay: number;
  trainable: boolean;
  /** The authors' variable name inside the node scope (e.g. `ReciprocalGateCell/cell/tau/weights`). */
  tf: string;
}

export function tfShape(d: Pick<ParamDecl, 'shape' | 'layout'>): number[] {
  const s = d.shape;
  switch (d.layout) {
    case 'conv': return [s[2], s[3], s[1], s[0]];
    case 'depthwise': return [s[2], s[3], s[0], 1];
    case 'fc': return [s[1], s[0]];
    case 'chw': return [s[1], s[2], s[0]];
    default: return [...s];
  }
}

/** tf's _compute_fans on the TF shape. */
function fans(shape: number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [receptive * shape[shape.length - 2], receptive * shape[shape.length - 1]];
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Initial values in our layout (values are drawn in our order; only their distribution follows TF). */
export function initialValues(ini: Initializer, path: string, d: ParamDecl): Float32Array {
  const n = size(d.shape);
  const [fanIn, fanOut] = fans(tfShape(d));
  const key = path ? `${path}.${d.name}` : d.name;
  switch (d.init.kind) {
    case 'zeros': return new Float32Array(n);
    case 'const': return new Float32Array(n).fill(d.init.value);
    case 'xavier': return ini.uniform(n, key, Math.sqrt(6 / (fanIn + fanOut)));
    case 'normal': return ini.normal(n, key, d.init.std);
    case 'variance_scaling': {
      // TF1's truncated normal: redraw beyond 2σ; σ corrected by the truncation's 0.8796 factor.
      const std = Math.sqrt(d.init.scale / fanIn) / 0.87962566103423978;
      const pool = ini.normal(3 * n + 16, key, 1);
      const out = new Float32Array(n);
      let j = 0;
      for (let i = 0; i < n; i++) {
        while (Math.abs(pool[j]) > 2) j++;
        out[i] = std * pool[j++];
      }
      return out;
    }
  }
}

export const countOf = (decls: readonly ParamDecl[], trainable = true): number =>
  decls.filter((d) => d.trainable === trainable).reduce((s, d) => s + size(d.shape), 0);

/** A module whose tensors are exactly its declarations: trainable ones as parameters, the rest as buffers. */
export class DeclaredModule extends Module {
  readonly #byName = new Map<string, Tensor>();
  readonly decls: readonly ParamDecl[];

  constructor(engine: Engine, ini: Initializer, readonly path: string, decls: readonly ParamDecl[]) {
    super(engine);
    this.decls = decls;
    for (const d of decls) {
      const t = engine.tensor(initialValues(ini, path, d), d.shape);
      this.#byName.set(d.name, d.trainable ? this.param(d.name, t) : this.buffer(d.name, t));
    }
  }

  /** The tensor declared as `name` (a programming error if it was not declared). */
  w(name: string): Tensor {
    const t = this.#byName.get(name);
    if (!t) throw new Error(`${this.path}: no parameter '${name}' declared`);
    return t;
  }

  has(name: string): boolean { return this.#byName.has(name); }

  /** Each declared tensor with its decay, for per-tensor weight decay. */
  decays(): [Tensor, number][] {
    return this.decls.map((d) => [this.#byName.get(d.name)!, d.decay]);
  }
}
