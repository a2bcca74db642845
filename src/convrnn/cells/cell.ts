/**
 * The recurrent cell inside a conv-RNN node (neuroailab/convrnns `memory`): it sees the pre-memory output x,
 * the harbor's feed-forward tensor r (`res_input`) and the resized feedback fb, and carries its own state.
 * Convolution units (full or depthwise-separable, TF 'SAME', optional kernel clamping) are declared here once
 * for every cell.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { add } from '../../ops/elementwise.js';
import { DeclaredModule, type InitSpec, type ParamDecl } from '../params.js';
import { tfConv2d } from '../tf-ops.js';

/** What a cell is built for: the map size and the channels of x, r and fb (0 when absent). */
export interface CellDims { h: number; w: number; xC: number; resC: number; fbC: number }

export interface CellIO { x: Tensor; res: Tensor | null; fb: Tensor | null }
export interface CellStep { out: Tensor; state: Tensor[] }

export abstract class Cell extends DeclaredModule {
  abstract readonly outChannels: number;
  /** Per-example shapes [C, H, W] of the state tensors, all zero at t = 0. */
  abstract stateShapes(): number[][];
  abstract step(io: CellIO, state: readonly Tensor[]): CellStep;

  zeroState(n: number): Tensor[] { return this.stateShapes().map((s) => this.engine.zeros([n, ...s])); }
}

/** A conv unit: full k×k, or depthwise k×k (SAME) then pointwise 1×1, each with or without a bias. */
export interface ConvUnit {
  name: string;
  separable: boolean;
  /** Whether the bias is added in the forward pass (one released quirk creates a bias that is never added). */
  biasAdded: boolean;
  hasBias: boolean;
}

export interface UnitOptions {
  name: string;
  tf: string;
  inC: number;
  outC: number;
  kernel: number;
  separable: boolean;
  /** null: no bias variable. */
  bias: InitSpec | null;
  biasAdded?: boolean;
  /** Clamp the kernel to this map size (the `_conv`/`_ds_conv` helpers do; direct convs do not). */
  clampTo?: [number, number] | null;
  init: InitSpec;
  decay: number;
  /** TF name of the full-conv kernel when it is not `<tf>/weights` (the median cell's direct convs). */
  tfWeight?: string;
  tfBias?: string;
}

export function declareUnit(o: UnitOptions): { unit: ConvUnit; decls: ParamDecl[] } {
  const kh = o.clampTo ? Math.min(o.kernel, o.clampTo[0]) : o.kernel;
  const kw = o.clampTo ? Math.min(o.kernel, o.clampTo[1]) : o.kernel;
  const decls: ParamDecl[] = o.separable ? [
    { name: `${o.name}.depthwise.weight`, shape: [o.inC, 1, kh, kw], layout: 'depthwise', init: o.init, decay: o.decay, trainable: true, tf: `${o.tf}/depthwise_weights` },
    { name: `${o.name}.pointwise.weight`, shape: [o.outC, o.inC, 1, 1], layout: 'conv', init: o.init, decay: o.decay, trainable: true, tf: `${o.tf}/pointwise_weights` },
  ] : [
    { name: `${o.name}.weight`, shape: [o.outC, o.inC, kh, kw], layout: 'conv', init: o.init, decay: o.decay, trainable: true, tf: o.tfWeight ?? `${o.tf}/weights` },
  ];
  if (o.bias) decls.push({ name: `${o.name}.bias`, shape: [o.outC], layout: 'vector', init: o.bias, decay: 0, trainable: true, tf: o.tfBias ?? `${o.tf}/bias` });
  return { unit: { name: o.name, separable: o.separable, hasBias: !!o.bias, biasAdded: !!o.bias && (o.biasAdded ?? true) }, decls };
}

export function applyUnit(m: DeclaredModule, u: ConvUnit, x: Tensor): Tensor {
  const b = u.biasAdded ? m.w(`${u.name}.bias`) : null;
  if (!u.separable) return tfConv2d(x, m.w(`${u.name}.weight`), b, { padding: 'SAME' });
  const dw = tfConv2d(x, m.w(`${u.name}.depthwise.weight`), null, { padding: 'SAME', groups: x.shape[1] });
  return tfConv2d(dw, m.w(`${u.name}.pointwise.weight`), b, { padding: 'VALID' });
}

/** a + b where either may be absent. */
export function addMaybe(a: Tensor | null, b: Tensor | null): Tensor | null {
  if (!a) return b;
  if (!b) return a;
  return add(a, b);
}
