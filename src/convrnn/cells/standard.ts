/**
 * The standard conv-RNN cells of convrnns/utils/cells.py, each one TF 'SAME' conv (`_conv_linear`) over the
 * concatenation of its inputs:
 *  - ConvNormBasicCell: h_t = elu(LN(W_i∗x + b_i + W_s∗h_{t−1} + b_s)) (two redundant biases, LN scope `layer_norm`);
 *  - ConvLSTMCell: [i, j, f, o] = W∗[x, h_{t−1}] + b, each layer-normed when set (scopes input, transform, forget,
 *    output), c_t = c·σ(f + forget_bias [+ w_f⊙c]) + σ(i [+ w_i⊙c])·tanh(j), LN(c_t) (scope state) stored,
 *    h_t = tanh(c_t)·σ(o [+ w_o⊙c_{t−1}]) — the output peephole reads the OLD c, as the authors' l.626 does;
 *    peepholes are per pixel [H, W, D];
 *  - ConvGRUCell: [r, u] = W_g∗[x, h] + b_g (b_g starts at 1), r = σ(r + forget_bias), u = σ(u),
 *    c = tanh(W_c∗[x, r⊙h] + b_c), h_t = u⊙h + (1−u)⊙c;
 *  - ConvUGRNNCell: [g, c] = W∗[x, h] + b, h_t = σ(g + forget_bias)⊙h + (1 − σ(·))⊙tanh(c);
 *  - ConvIntersectionRNNCell (x must have the cell's depth): [gh, h̃, gy, ỹ] = W∗[x, h] + b,
 *    state = σ(gh+fb)⊙h + (1−σ(gh+fb))⊙tanh(h̃), output = σ(gy+fb)⊙x + (1−σ(gy+fb))⊙relu(ỹ).
 * Layer norm is the per-example LN over C, H, W with per-channel γ (1) and β (0).
 */
import type { Engine } from '../../engine.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Initializer } from '../../nn/init.js';
import { ShapeError } from '../../errors.js';
import { add, addScalar, elu, mul, relu, sigmoid, sub, tanh } from '../../ops/elementwise.js';
import { concat, slice } from '../../ops/movement.js';
import type { InitSpec, ParamDecl } from '../params.js';
import { layerNorm, tfConv2d } from '../tf-ops.js';
import { Cell, type CellDims, type CellIO, type CellStep } from './cell.js';

export type StandardKind = 'basic' | 'lstm' | 'gru' | 'ugrnn' | 'intersection';

export interface StandardConfig {
  kind: StandardKind;
  /** The cell's depth D. */
  outDepth: number;
  filter: number;
  layerNorm: boolean;
  /** LSTM/GRU/UGRNN/IntersectionRNN. */
  forgetBias: number;
  /** LSTM only. */
  peepholes: boolean;
  /** Initial value of the main conv's bias (LSTM's searched settings; GRU gates default to 1). */
  biasInit: number;
  kernelInit: InitSpec;
  weightDecay: number;
}

const SCOPES: Record<StandardKind, string> = {
  basic: 'ConvNormBasicCell', lstm: 'ConvLSTMCell', gru: 'ConvGRUCell', ugrnn: 'ConvUGRNNCell', intersection: 'ConvIntersectionRNNCell',
};

/** Layer-norm scopes of each cell (γ, β of the chunk they normalise). */
const NORMS: Record<StandardKind, string[]> = {
  basic: ['layer_norm'], lstm: ['input', 'transform', 'forget', 'output', 'state'], gru: ['r_pre', 'u_pre', 'c_pre'],
  ugrnn: [], intersection: ['gh_act', 'h_act', 'gy_act', 'y_act'],
};

export function standardPlan(cfg: StandardConfig, d: CellDims): ParamDecl[] {
  const D = cfg.outDepth;
  const k = cfg.filter;
  const s = SCOPES[cfg.kind];
  const wd = cfg.weightDecay;
  if (cfg.kind === 'intersection' && d.xC !== D) throw new ShapeError(`IntersectionRNN: input depth ${d.xC} must equal out_depth ${D}`);
  if (cfg.kind === 'ugrnn' && cfg.layerNorm) throw new ShapeError('UGRNN: layer_norm is broken in the authors\' cell (c_act reads an undefined h_act); not supported');
  const conv = (name: string, tf: string, inC: number, outC: number, bias: number): ParamDecl[] => [
    { name: `${name}.weight`, shape: [outC, inC, k, k], layout: 'conv', init: cfg.kernelInit, decay: wd, trainable: true, tf: `${s}/${tf}weights` },
    { name: `${name}.bias`, shape: [outC], layout: 'vector', init: bias ? { kind: 'const', value: bias } : { kind: 'zeros' }, decay: wd, trainable: true, tf: `${s}/${tf}bias` },
  ];
  const decls: ParamDecl[] = [];
  const cat = d.xC + D;
  switch (cfg.kind) {
    case 'basic': decls.push(...conv('s', 's/', D, D, cfg.biasInit), ...conv('i', 'i/', d.xC, D, cfg.biasInit)); break;
    case 'lstm': decls.push(...conv('conv', '', cat, 4 * D, cfg.biasInit)); break;
    case 'gru': decls.push(...conv('gates', 'gates/', cat, 2 * D, 1), ...conv('candidates', 'candidates/', cat, D, cfg.biasInit)); break;
    case 'ugrnn': decls.push(...conv('conv', '', cat, 2 * D, cfg.biasInit)); break;
    case 'intersection': decls.push(...conv('conv', '', cat, 4 * D, cfg.biasInit)); break;
  }
  if (cfg.layerNorm) {
    for (const n of NORMS[cfg.kind]) {
      decls.push(
        { name: `${n}.weight`, shape: [D], layout: 'vector', init: { kind: 'const', value: 1 }, decay: 0, trainable: true, tf: `${s}/${n}/gamma` },
        { name: `${n}.bias`, shape: [D], layout: 'vector', init: { kind: 'zeros' }, decay: 0, trainable: true, tf: `${s}/${n}/beta` },
      );
    }
  }
  if (cfg.kind === 'lstm' && cfg.peepholes) {
    for (const g of ['w_f_diag', 'w_i_diag', 'w_o_diag']) {
      decls.push({ name: `peepholes.${g}`, shape: [D, d.h, d.w], layout: 'chw', init: cfg.kernelInit, decay: 0, trainable: true, tf: `${s}/peepholes/${g}` });
    }
  }
  return decls;
}

export class StandardCell extends Cell {
  readonly outChannels: number;

  constructor(engine: Engine, ini: Initializer, path: string, readonly cfg: StandardConfig, readonly dims: CellDims) {
    super(engine, ini, path, standardPlan(cfg, dims));
    this.outChannels = cfg.outDepth;
  }

  stateShapes(): number[][] {
    const s = [this.cfg.outDepth, this.dims.h, this.dims.w];
    return this.cfg.kind === 'lstm' ? [s, s] : [s];
  }

  #conv(name: string, x: Tensor): Tensor {
    return tfConv2d(x, this.w(`${name}.weight`), this.w(`${name}.bias`), { padding: 'SAME' });
  }

  #norm(scope: string, x: Tensor): Tensor {
    return this.cfg.layerNorm ? layerNorm(x, this.w(`${scope}.weight`), this.w(`${scope}.bias`)) : x;
  }

  /** Chunk i of D channels. */
  #chunk(t: Tensor, i: number): Tensor {
    const D = this.cfg.outDepth;
    return slice(t, 1, i * D, (i + 1) * D);
  }

  step(io: CellIO, state: readonly Tensor[]): CellStep {
    const cfg = this.cfg;
    const x = io.x;
    const fb = cfg.forgetBias;
    /** g⊙a + (1 − g)⊙b = b + g⊙(a − b). */
    const blend = (g: Tensor, a: Tensor, b: Tensor) => add(b, mul(g, sub(a, b)));
    switch (cfg.kind) {
      case 'basic': {
        const pre = add(this.#conv('i', x), this.#conv('s', state[0]));
        const h = elu(this.#norm('layer_norm', pre));
        return { out: h, state: [h] };
      }
      case 'lstm': {
        const [c0, h0] = state;
        const z = this.#conv('conv', concat([x, h0], 1));
        const [i, j, f, o] = ['input', 'transform', 'forget', 'output'].map((n, k) => this.#norm(n, this.#chunk(z, k)));
        const peep = (name: string, t: Tensor) => (cfg.peepholes ? add(t, mul(this.w(`peepholes.${name}`), c0)) : t);
        let c = add(mul(c0, sigmoid(addScalar(peep('w_f_diag', f), fb))), mul(sigmoid(peep('w_i_diag', i)), tanh(j)));
        c = this.#norm('state', c);
        const h = mul(tanh(c), sigmoid(peep('w_o_diag', o)));
        return { out: h, state: [c, h] };
      }
      case 'gru': {
        const h0 = state[0];
        const g = this.#conv('gates', concat([x, h0], 1));
        const r = sigmoid(addScalar(this.#norm('r_pre', this.#chunk(g, 0)), fb));
        const u = sigmoid(this.#norm('u_pre', this.#chunk(g, 1)));
        const c = tanh(this.#norm('c_pre', this.#conv('candidates', concat([x, mul(r, h0)], 1))));
        const h = blend(u, h0, c);
        return { out: h, state: [h] };
      }
      case 'ugrnn': {
        const h0 = state[0];
        const z = this.#conv('conv', concat([x, h0], 1));
        const h = blend(sigmoid(addScalar(this.#chunk(z, 0), fb)), h0, tanh(this.#chunk(z, 1)));
        return { out: h, state: [h] };
      }
      case 'intersection': {
        const h0 = state[0];
        const z = this.#conv('conv', concat([x, h0], 1));
        const [gh, ht, gy, yt] = ['gh_act', 'h_act', 'gy_act', 'y_act'].map((n, k) => this.#norm(n, this.#chunk(z, k)));
        const s = blend(sigmoid(addScalar(gh, fb)), h0, tanh(ht));
        const y = blend(sigmoid(addScalar(gy, fb)), x, relu(yt));
        return { out: y, state: [s] };
      }
    }
  }
}
