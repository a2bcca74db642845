/**
 * The reciprocal gated cell (Nayebi et al. 2018) as the authors coded it, in both released forms:
 *  - 'cells': convrnns/utils/cells.py ReciprocalGateCell (rgc_shallow), whose non-separable temporal convs have no
 *    bias, separable ones a xavier-initialised bias, and whose non-separable input_to_out bias is created but
 *    never added;
 *  - 'median': convrnns/utils/median_rgcell.py (the searched cell of rgc_intermediate), whose direct convs carry a
 *    bias and whose tau_bias/gate_bias are added only on non-separable tau/gate paths.
 * State (c, h), zero at t = 0; a = offset, k = multiplier:
 *   x   ← f_in(x [+ f_fb(W_fb∗fb) if entry = input])
 *   u_c = [W_rc∗r] + [W_xc∗x] [+ feedback if entry = cell]
 *   c_t = f_c((a_τ + k_τ·σ_τ(W_τc∗c_{t−1}))·c_{t−1} + (a_g + k_g·σ_g(W_gc∗h_{t−1}))·u_c)
 *   u_h = (W_xh∗x or x) [+ W_gh∗c_{t−1} if cell_to_out] [+ residual_add(u_h, r)] [+ f_fb(W_fb∗fb) if entry = out]
 *   h_t = f_h((a_τ + k_τ·σ_τ(W_τh∗h_{t−1}))·h_{t−1} + (a_g + k_g·σ_g([W_gh∗c_{t−1}] + [W_rh∗r]))·u_h)
 * The gates are reciprocal: the cell gate reads h_{t−1} and the out gate c_{t−1}. Without a gate term the out
 * gate's input is 0, so σ gives 0.5 (not 0).
 */
import type { Engine } from '../../engine.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Initializer } from '../../nn/init.js';
import { add, addScalar, affine, mul, scale } from '../../ops/elementwise.js';
import type { InitSpec, ParamDecl } from '../params.js';
import { activate, resizeAlignCorners, tfConv2d, type Activation } from '../tf-ops.js';
import { addMaybe, applyUnit, Cell, declareUnit, type CellDims, type CellIO, type CellStep, type ConvUnit, type UnitOptions } from './cell.js';

export interface GateSpec {
  kernel: number;
  separable: boolean;
  nonlinearity: 'sigmoid' | 'tanh';
  offset: number;
  multiplier: number;
  /** Added to the pre-activation on the median cell's non-separable path only. */
  bias: number;
}

export interface RgcConfig {
  kind: 'rgc';
  form: 'cells' | 'median';
  cellDepth: number;
  tau: GateSpec;
  gate: GateSpec;
  /** Kernel of input_to_cell and res_to_cell. */
  ff: { kernel: number; separable: boolean };
  inputToCell: boolean;
  cellResidual: boolean;
  inputToOut: { kernel: number; separable: boolean } | null;
  cellToOut: boolean;
  outResidual: boolean;
  residualToOutGate: boolean;
  feedback: { entry: 'input' | 'cell' | 'out'; kernel: number; separable: boolean; activation: Activation };
  inputActivation: Activation;
  cellActivation: Activation;
  outActivation: Activation;
  kernelInit: InitSpec;
  weightDecay: number;
}

const SCOPE = 'ReciprocalGateCell';

/** Every tensor of one RGC and the units that use them, from the config and the node's dims alone. */
export function rgcPlan(cfg: RgcConfig, d: CellDims): { decls: ParamDecl[]; units: Map<string, ConvUnit> } {
  const median = cfg.form === 'median';
  const D = d.xC;
  const C = cfg.cellDepth;
  const decls: ParamDecl[] = [];
  const units = new Map<string, ConvUnit>();
  const map: [number, number] = [d.h, d.w];
  // cells.py's _conv/_ds_conv clamp and give separable convs a xavier bias; the median cell's _ds_conv
  // clamps with a zeros bias, and its direct convs neither clamp nor skip the bias.
  const unit = (o: Omit<UnitOptions, 'init' | 'decay' | 'bias' | 'clampTo'> & { tfDirect: string }) => {
    const sep = o.separable;
    const bias: InitSpec | null = median ? { kind: 'zeros' } : sep ? { kind: 'xavier' } : null;
    const clampTo = sep || !median ? map : null;
    const direct = median && !sep;
    const r = declareUnit({
      ...o, bias, clampTo, init: cfg.kernelInit, decay: cfg.weightDecay,
      tfWeight: direct ? `${o.tfDirect}_weights` : o.tfWeight, tfBias: direct ? `${o.tfDirect}_bias` : o.tfBias,
    });
    units.set(o.name, r.unit);
    decls.push(...r.decls);
  };
  const fb = cfg.feedback;
  if (d.fbC > 0) {
    const scope = { input: 'input', cell: 'cell', out: 'out' }[fb.entry];
    const outC = fb.entry === 'input' ? D : fb.entry === 'cell' ? C : D;
    unit({ name: `${fb.entry}.feedback`, tf: `${SCOPE}/${scope}/feedback`, tfDirect: `${SCOPE}/${scope}/feedback_to_${fb.entry}`,
      inC: d.fbC, outC, kernel: fb.kernel, separable: fb.separable });
  }
  if (cfg.cellResidual) {
    unit({ name: 'cell.residual', tf: `${SCOPE}/cell/res_to_cell`, tfDirect: `${SCOPE}/cell/residual_to_cell`, inC: d.resC, outC: C, ...cfg.ff });
  }
  if (cfg.inputToCell) {
    unit({ name: 'cell.input_to_cell', tf: `${SCOPE}/cell/input_to_cell`, tfDirect: `${SCOPE}/cell/input_to_cell`, inC: D, outC: C, ...cfg.ff });
  }
  unit({ name: 'cell.tau', tf: `${SCOPE}/cell/tau`, tfDirect: `${SCOPE}/cell/cell_to_cell`, inC: C, outC: C, kernel: cfg.tau.kernel, separable: cfg.tau.separable });
  unit({ name: 'cell.gate', tf: `${SCOPE}/cell/${median ? 'out_to_cell' : 'gate'}`, tfDirect: `${SCOPE}/cell/out_to_cell`, inC: D, outC: C, kernel: cfg.gate.kernel, separable: cfg.gate.separable });
  if (cfg.inputToOut) {
    const { kernel, separable } = cfg.inputToOut;
    const r = declareUnit({
      name: 'out.input_to_out', tf: `${SCOPE}/out/input_to_out`, inC: D, outC: D, kernel, separable,
      // Separable: a zeros bias, clamped. cells.py's full conv: not clamped, and its bias is never added.
      bias: { kind: 'zeros' }, biasAdded: median || separable, clampTo: separable ? map : null,
      init: cfg.kernelInit, decay: cfg.weightDecay,
      tfWeight: `${SCOPE}/out/input_to_out_weights`, tfBias: `${SCOPE}/out/input_to_out_bias`,
    });
    units.set('out.input_to_out', r.unit);
    decls.push(...r.decls);
  }
  unit({ name: 'out.tau', tf: `${SCOPE}/out/tau`, tfDirect: `${SCOPE}/out/out_to_out`, inC: D, outC: D, kernel: cfg.tau.kernel, separable: cfg.tau.separable });
  unit({ name: 'out.gate', tf: `${SCOPE}/out/${cfg.cellToOut ? 'cell_to_out' : 'gate'}`, tfDirect: `${SCOPE}/out/cell_to_out`, inC: C, outC: D, kernel: cfg.gate.kernel, separable: cfg.gate.separable });
  if (cfg.residualToOutGate) {
    unit({ name: 'out.residual_to_out_gate', tf: `${SCOPE}/out/residual_to_out_gate`, tfDirect: `${SCOPE}/out/residual_to_out_gate`, inC: d.resC, outC: D, kernel: cfg.gate.kernel, separable: cfg.gate.separable });
  }
  if (cfg.outResidual && d.resC !== D) {
    // residual_add's 1×1 projection exists when the channels differ (a spatial mismatch alone also projects,
    // but harbor and cell share the map size here).
    decls.push({ name: 'out.residual_add.weight', shape: [D, d.resC, 1, 1], layout: 'conv', init: { kind: 'xavier' }, decay: 0,
      trainable: true, tf: `${SCOPE}/out/${median ? '' : 'res_add/'}residual_add_weights` });
  }
  return { decls, units };
}

export class ReciprocalGateCell extends Cell {
  readonly outChannels: number;
  readonly #units: Map<string, ConvUnit>;

  constructor(engine: Engine, ini: Initializer, path: string, readonly cfg: RgcConfig, readonly dims: CellDims) {
    const plan = rgcPlan(cfg, dims);
    super(engine, ini, path, plan.decls);
    this.#units = plan.units;
    this.outChannels = dims.xC;
  }

  stateShapes(): number[][] {
    const { h, w, xC } = this.dims;
    return [[this.cfg.cellDepth, h, w], [xC, h, w]];
  }

  #conv(name: string, x: Tensor): Tensor | null {
    const u = this.#units.get(name);
    return u ? applyUnit(this, u, x) : null;
  }

  /** σ(conv) for tau/gate; the median cell adds its constant bias on a non-separable path. */
  #gateInput(name: string, spec: GateSpec, x: Tensor): Tensor {
    const y = this.#conv(name, x)!;
    return this.cfg.form === 'median' && !spec.separable && spec.bias !== 0 ? addScalar(y, spec.bias) : y;
  }

  #mix(spec: GateSpec, pre: Tensor): Tensor {
    return affine(activate(pre, spec.nonlinearity), spec.multiplier, spec.offset);
  }

  step(io: CellIO, state: readonly Tensor[]): CellStep {
    const cfg = this.cfg;
    const [c0, h0] = state;
    const fbAct = (t: Tensor) => activate(t, cfg.feedback.activation);
    const fb = io.fb;
    const entry = cfg.feedback.entry;
    let x = io.x;
    if (fb && entry === 'input') x = add(x, fbAct(this.#conv('input.feedback', fb)!));
    x = activate(x, cfg.inputActivation);
    const r = io.res;
    if ((cfg.cellResidual || cfg.outResidual || cfg.residualToOutGate) && !r) throw new Error(`${this.path}: this RGC needs the harbor input (res_input)`);

    // Cell.
    let uc = addMaybe(cfg.cellResidual ? this.#conv('cell.residual', r!) : null, cfg.inputToCell ? this.#conv('cell.input_to_cell', x) : null);
    if (fb && entry === 'cell') {
      const f = this.#conv('cell.feedback', fb)!;
      // cells.py l.1544 adds the conv to the raw feedback (`fb += conv(fb)`); the median cell does not.
      uc = addMaybe(uc, fbAct(cfg.form === 'cells' ? add(fb, f) : f));
    }
    if (!uc) throw new Error(`${this.path}: the RGC cell needs input_to_cell or cell_residual`);
    const tauC = this.#mix(cfg.tau, this.#gateInput('cell.tau', cfg.tau, c0));
    const gateC = this.#mix(cfg.gate, this.#gateInput('cell.gate', cfg.gate, h0));
    const c = activate(add(mul(tauC, c0), mul(gateC, uc)), cfg.cellActivation);

    // Out.
    let uh = cfg.inputToOut ? this.#conv('out.input_to_out', x)! : x;
    const gateFromCell = this.#gateInput('out.gate', cfg.gate, c0);
    if (cfg.cellToOut) uh = add(uh, gateFromCell);
    if (cfg.outResidual) uh = add(uh, this.#residualAdd(uh, r!));
    if (fb && entry === 'out') uh = add(uh, fbAct(this.#conv('out.feedback', fb)!));
    const tauH = this.#mix(cfg.tau, this.#gateInput('out.tau', cfg.tau, h0));
    let gPre = cfg.cellToOut ? null : gateFromCell;
    if (cfg.residualToOutGate) gPre = addMaybe(gPre, this.#conv('out.residual_to_out_gate', r!));
    const gated = gPre ? mul(this.#mix(cfg.gate, gPre), uh) : scale(uh, this.#mixConst(cfg.gate));
    const h = activate(add(mul(tauH, h0), gated), cfg.outActivation);
    return { out: h, state: [c, h] };
  }

  /** a_g + k_g·σ_g(0): the out gate's value when nothing feeds it. */
  #mixConst(g: GateSpec): number {
    return g.offset + g.multiplier * (g.nonlinearity === 'sigmoid' ? 0.5 : 0);
  }

  /** residual_add (cell_utils): the term added to u for r: r itself, or a 1×1 projection of r (resized first if needed). */
  #residualAdd(u: Tensor, r: Tensor): Tensor {
    const rr = resizeAlignCorners(r, u.shape[2], u.shape[3]);
    if (!this.has('out.residual_add.weight')) return rr;
    return tfConv2d(rr, this.w('out.residual_add.weight'), null, { padding: 'VALID' });
  }
}
