/**
 * A conv-RNN graph built from a ModelSpec: every node is harbor → pre-memory → cell → post-memory, as in
 * neuroailab/convrnns (cell_utils.harbor, cells.tnn_*Cell, main.init_nodes):
 *  - predecessors in `sorted(name)` order (alphabetical: conv10 before conv6);
 *  - the harbor resizes every input to the size of the `shapeFrom` node's output (TF1 bilinear, align_corners)
 *    and concatenates on channels;
 *  - an RGC node moves its ff input (the LAST input whose name contains `inputName`) first, runs the pre-memory conv
 *    on it alone, and passes the rest to the cell as feedback and the ff tensor as res_input;
 *  - every other node runs the pre-memory conv over the whole harbor (a feedback edge enters through it).
 * `planModel` works out every node's shapes and parameter declarations without a GPU; the module allocates them.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { Initializer } from '../nn/init.js';
import { Module } from '../nn/module.js';
import { ConfigError } from '../errors.js';
import { add, elu, mul } from '../ops/elementwise.js';
import { concat, flatten } from '../ops/movement.js';
import { linear } from '../ops/matmul.js';
import { countOf, DeclaredModule, type ParamDecl } from './params.js';
import type { ModelSpec, NodeSpec } from './spec.js';
import { activate, globalAvgPool, resizeAlignCorners, tfConv2d, tfMaxPool, tfOutSize } from './tf-ops.js';
import type { Cell, CellDims } from './cells/cell.js';
import { ReciprocalGateCell, rgcPlan } from './cells/rgc.js';
import { StandardCell, standardPlan } from './cells/standard.js';

export const INPUT = 'input';

/** [C, H, W] per example. */
export type Chw = [number, number, number];

export interface NodePlan {
  spec: NodeSpec;
  /** Predecessors in harbor order (RGC: ff first, then the feedback in sorted order). */
  inputs: string[];
  harbor: Chw;
  /** Channels the pre-memory conv sees (the ff part for RGC nodes, the whole harbor otherwise). */
  preIn: number;
  /** [C, H, W] after the pre-memory ops. */
  preOut: Chw;
  cellDims: CellDims;
  out: Chw;
  /** Pre-memory and memory tensors (the cell's under `cell.`). */
  decls: ParamDecl[];
}

const isRgc = (n: NodeSpec) => n.cell.kind === 'rgc';

function fail(spec: ModelSpec, msg: string): never {
  throw new ConfigError(`model ${spec.name}: ${msg}`);
}

/** Output [C, H, W] after a node's post-memory ops. */
function afterPost(n: NodeSpec, x: Chw): Chw {
  let [c, h, w] = x;
  for (const p of n.post) {
    if (p.op === 'maxpool') { h = tfOutSize(h, p.kernel, p.stride, p.padding); w = tfOutSize(w, p.kernel, p.stride, p.padding); }
    if (p.op === 'gap') { h = 1; w = 1; }
  }
  return [c, h, w];
}

function prePlan(spec: ModelSpec, n: NodeSpec, inC: number, h: number, w: number): { out: Chw; decls: ParamDecl[] } {
  let c = inC;
  let flat = false;
  const decls: ParamDecl[] = [];
  n.pre.forEach((p, i) => {
    const at = n.pre.length > 1 ? `pre.${i}` : 'pre';
    if (p.op === 'conv') {
      if (flat) fail(spec, `node ${n.name}: conv after fc`);
      decls.push(
        { name: `${at}.weight`, shape: [p.out, c, p.kernel, p.kernel], layout: 'conv', init: p.init, decay: p.decay, trainable: true, tf: `${n.name}/weights_basenet` },
        { name: `${at}.bias`, shape: [p.out], layout: 'vector', init: { kind: 'zeros' }, decay: 0, trainable: true, tf: `${n.name}/bias` },
      );
      h = tfOutSize(h, p.kernel, p.stride, p.padding);
      w = tfOutSize(w, p.kernel, p.stride, p.padding);
      if (h < 1 || w < 1) fail(spec, `node ${n.name}: the ${p.kernel}×${p.kernel} conv does not fit its ${h}×${w} input`);
      c = p.out;
    } else if (p.op === 'gap') { h = 1; w = 1; } else {
      decls.push(
        { name: `${at}.weight`, shape: [p.out, c * h * w], layout: 'fc', init: p.init, decay: p.decay, trainable: true, tf: `${n.name}/weights` },
        { name: `${at}.bias`, shape: [p.out], layout: 'vector', init: { kind: 'const', value: p.biasInit }, decay: 0, trainable: true, tf: `${n.name}/bias` },
      );
      c = p.out; h = 1; w = 1; flat = true;
    }
  });
  return { out: [c, h, w], decls };
}

function cellDecls(n: NodeSpec, d: CellDims): ParamDecl[] {
  const c = n.cell;
  if (c.kind === 'memory') {
    return [{ name: 'memory_decay', shape: [1], layout: 'scalar', init: { kind: 'const', value: c.decay }, decay: 0, trainable: c.trainable, tf: `${n.name}/memory_decay` }];
  }
  const inner = c.kind === 'rgc' ? rgcPlan(c, d).decls : standardPlan(c, d);
  return inner.map((x) => ({ ...x, name: `cell.${x.name}`, tf: `${n.name}/${x.tf}` }));
}

function cellOut(n: NodeSpec, d: CellDims): number {
  const c = n.cell;
  return c.kind === 'memory' || c.kind === 'rgc' ? d.xC : c.outDepth;
}

/** Shapes and declarations of every node, checked; no GPU needed. */
export function planModel(spec: ModelSpec): Map<string, NodePlan> {
  const names = new Set(spec.nodes.map((n) => n.name));
  if (names.size !== spec.nodes.length) fail(spec, 'node names must be unique');
  if (names.has(INPUT)) fail(spec, `'${INPUT}' names the movie, not a node`);
  for (const [a, b] of spec.edges) {
    if (!names.has(a) || !names.has(b)) fail(spec, `edge ${a} → ${b} names a node that does not exist`);
  }
  if (!names.has(spec.output)) fail(spec, `output '${spec.output}' is not a node`);
  if (spec.imageOff > spec.times) fail(spec, `imageOff ${spec.imageOff} exceeds times ${spec.times}`);
  const preds = new Map<string, string[]>([...names].map((n) => [n, []]));
  for (const [a, b] of spec.edges) preds.get(b)!.push(a);
  const inputNodes = spec.nodes.filter((n) => n.inputName === INPUT);
  if (inputNodes.length !== 1) fail(spec, `exactly one node must read '${INPUT}' (found ${inputNodes.length})`);
  // Pass 1: output shapes, in declaration order (a node's size depends only on its shapeFrom node).
  const outs = new Map<string, Chw>([[INPUT, [spec.input.channels, spec.input.size, spec.input.size]]]);
  const plans = new Map<string, Omit<NodePlan, 'harbor' | 'inputs' | 'decls' | 'preIn' | 'cellDims'> & { hw: [number, number] }>();
  for (const n of spec.nodes) {
    const from = n.shapeFrom ?? n.inputName;
    const src = outs.get(from);
    if (!src) fail(spec, `node ${n.name}: shapeFrom/inputName '${from}' must be '${INPUT}' or an earlier node`);
    // Output channels do not depend on the harbor's channels, so a placeholder suffices here.
    const pre = prePlan(spec, n, 1, src[1], src[2]);
    const d: CellDims = { h: pre.out[1], w: pre.out[2], xC: pre.out[0], resC: 0, fbC: 0 };
    const out = afterPost(n, [cellOut(n, d), pre.out[1], pre.out[2]]);
    outs.set(n.name, out);
    plans.set(n.name, { spec: n, preOut: pre.out, out, hw: [src[1], src[2]] });
  }
  // Pass 2: harbors (which need the feedback's channels) and the declarations.
  const result = new Map<string, NodePlan>();
  for (const n of spec.nodes) {
    const p = plans.get(n.name)!;
    const sorted = n.inputName === INPUT ? [INPUT, ...[...preds.get(n.name)!].sort()] : [...preds.get(n.name)!].sort();
    let inputs = sorted;
    if (isRgc(n)) {
      const ff = sorted.filter((s) => s.includes(n.inputName)).at(-1);
      if (!ff) fail(spec, `node ${n.name}: no input's name contains inputName '${n.inputName}'`);
      inputs = [ff, ...sorted.filter((s) => s !== ff)];
    } else if (!sorted.some((s) => s.includes(n.inputName))) fail(spec, `node ${n.name}: no input's name contains inputName '${n.inputName}'`);
    const chans = inputs.map((s) => outs.get(s)![0]);
    const total = chans.reduce((a, b) => a + b, 0);
    const preIn = isRgc(n) ? chans[0] : total;
    const pre = prePlan(spec, n, preIn, p.hw[0], p.hw[1]);
    if (pre.out.length !== 3) fail(spec, `node ${n.name}: bad pre-memory output`);
    const cellDims: CellDims = { h: pre.out[1], w: pre.out[2], xC: pre.out[0], resC: chans[0], fbC: isRgc(n) ? total - chans[0] : 0 };
    result.set(n.name, { spec: n, inputs, harbor: [total, p.hw[0], p.hw[1]], preIn, preOut: pre.out, cellDims, out: p.out, decls: [...pre.decls, ...cellDecls(n, cellDims)] });
  }
  return result;
}

/** Trainable and frozen parameter counts from the declarations alone. */
export function countParameters(spec: ModelSpec): { trainable: number; frozen: number } {
  const decls = [...planModel(spec).values()].flatMap((p) => p.decls);
  return { trainable: countOf(decls, true), frozen: countOf(decls, false) };
}

/**
 * Our parameter name → the authors' TF variable name (under `tnn_model/`; HWIO and the other layouts: params.ts
 * `tfShape`). A non-RGC node's `pre.weight` stacks the authors' per-input blocks (`weights_basenet` for the ff input,
 * then `weights_0`, `weights_1`, … in harbor order) on its input-channel axis.
 */
export function tfNameMap(spec: ModelSpec): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of planModel(spec).values()) for (const d of p.decls) out.set(`${p.spec.name}.${d.name}`, d.tf);
  return out;
}

/** One node: its pre-memory tensors and its cell (or memory) as children named `pre…`, `cell`, `memory_decay`. */
export class ConvRnnNode extends DeclaredModule {
  readonly cell: Cell | null;

  constructor(engine: Engine, ini: Initializer, readonly plan: NodePlan) {
    const own = plan.decls.filter((d) => !d.name.startsWith('cell.'));
    super(engine, ini, plan.spec.name, own);
    const c = plan.spec.cell;
    const path = `${plan.spec.name}.cell`;
    this.cell = c.kind === 'memory' ? null
      : this.child('cell', c.kind === 'rgc' ? new ReciprocalGateCell(engine, ini, path, c, plan.cellDims) : new StandardCell(engine, ini, path, c, plan.cellDims));
  }

  zeroState(n: number): Tensor[] {
    if (this.cell) return this.cell.zeroState(n);
    const [c, h, w] = this.plan.preOut;
    return [this.engine.zeros([n, c, h, w])];
  }

  /** One step from this node's inputs (in harbor order) and its state; returns the output and the new state. */
  step(inputs: readonly Tensor[], state: readonly Tensor[]): { out: Tensor; state: Tensor[] } {
    const { spec, harbor } = this.plan;
    const resized = inputs.map((t) => (t.rank === 4 ? resizeAlignCorners(t, harbor[1], harbor[2]) : t));
    const rgc = spec.cell.kind === 'rgc';
    let x = rgc ? resized[0] : resized.length === 1 ? resized[0] : concat(resized, 1);
    const res = x;
    spec.pre.forEach((p, i) => {
      const at = spec.pre.length > 1 ? `pre.${i}` : 'pre';
      if (p.op === 'conv') x = activate(tfConv2d(x, this.w(`${at}.weight`), this.w(`${at}.bias`), { stride: p.stride, padding: p.padding }), p.activation);
      else if (p.op === 'gap') x = globalAvgPool(x);
      else x = linear(flatten(x, 1), this.w(`${at}.weight`), this.w(`${at}.bias`));
    });
    let out: Tensor;
    let next: Tensor[];
    if (this.cell) {
      const fb = rgc && resized.length > 1 ? (resized.length === 2 ? resized[1] : concat(resized.slice(1), 1)) : null;
      const r = this.cell.step({ x, res: rgc ? res : null, fb }, state);
      out = r.out;
      next = r.state;
    } else {
      const m = spec.cell as { decay: number; trainable: boolean };
      // state·decay + x; with the released frozen decay 0 this is x itself.
      out = m.trainable || m.decay !== 0 ? add(mul(state[0], this.w('memory_decay')), x) : x;
      next = [out];
    }
    for (const p of spec.post) {
      if (p.op === 'elu') out = elu(out);
      else if (p.op === 'maxpool') out = tfMaxPool(out, p.kernel, p.stride, p.padding);
      else out = globalAvgPool(out);
    }
    return { out, state: next };
  }
}

export class ConvRnn extends Module {
  readonly plans: Map<string, NodePlan>;
  readonly nodes: ConvRnnNode[] = [];

  constructor(engine: Engine, readonly spec: ModelSpec, seed = 0) {
    super(engine);
    this.plans = planModel(spec);
    const ini = new Initializer(seed);
    for (const n of spec.nodes) this.nodes.push(this.child(n.name, new ConvRnnNode(engine, ini, this.plans.get(n.name)!)));
  }

  /** Each parameter with its L2 decay. */
  decays(): [Tensor, number][] {
    return this.nodes.flatMap((n) => [n, ...(n.cell ? [n.cell] : [])].flatMap((m) => m.decays()));
  }
}

/** Splits a [N, C] or [N, C, 1, 1] output into logits [N, C]. */
export function asLogits(t: Tensor): Tensor {
  return t.rank === 2 ? t : flatten(t, 1);
}
