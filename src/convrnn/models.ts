/**
 * The released conv-RNNs as data (neuroailab/convrnns models/*.json with model_func's overrides:
 * configs/lstm_shallow.npz for the LSTM's per-node settings, median_rgcell_cfg for rgc_intermediate's cell and
 * feedback edges), and small 64×64 grayscale variants that train on this machine.
 */
import { ConfigError } from '../errors.js';
import type { RgcConfig } from './cells/rgc.js';
import type { StandardConfig } from './cells/standard.js';
import type { ModelSpec, NodeSpec, PostOp, PreOp } from './spec.js';
import type { Activation, Padding } from './tf-ops.js';
import type { InitSpec } from './params.js';

const VS: InitSpec = { kind: 'variance_scaling', scale: 1 };
const WD = 1e-4;

const conv = (kernel: number, out: number, activation: Activation, o: { stride?: number; padding?: Padding; init?: InitSpec } = {}): PreOp =>
  ({ op: 'conv', kernel, stride: o.stride ?? 1, out, padding: o.padding ?? 'SAME', activation, init: o.init ?? VS, decay: WD });
const pool: PostOp = { op: 'maxpool', kernel: 2, stride: 2, padding: 'SAME' };
const memory = { kind: 'memory', decay: 0, trainable: false } as const;
const chain = (names: string[]): [string, string][] => names.slice(1).map((n, i) => [names[i], n]);

/** cells.py ReciprocalGateCell as rgc_shallow.json sets it (cell_depth = out_depth). */
export function shallowRgc(cellDepth: number): RgcConfig {
  const g = { kernel: 3, separable: false, nonlinearity: 'sigmoid', offset: 1, multiplier: -1, bias: 0 } as const;
  return {
    kind: 'rgc', form: 'cells', cellDepth, tau: g, gate: g, ff: { kernel: 3, separable: false }, inputToCell: true, cellResidual: false,
    inputToOut: null, cellToOut: false, outResidual: false, residualToOutGate: true,
    feedback: { entry: 'out', kernel: 1, separable: false, activation: 'identity' },
    inputActivation: 'identity', cellActivation: 'elu', outActivation: 'elu', kernelInit: { kind: 'xavier' }, weightDecay: WD,
  };
}

/** The median cell of the search (median_rgcell_cfg + model_func: feedback enters 'out' by a 1×1 conv, identity). */
export function medianRgc(): RgcConfig {
  const a = 0.9219348064291611;
  const b = 0.7006566684988862;
  return {
    kind: 'rgc', form: 'median', cellDepth: 64,
    tau: { kernel: 7, separable: true, nonlinearity: 'sigmoid', offset: a, multiplier: -a, bias: 4.147336708899556 },
    gate: { kernel: 7, separable: true, nonlinearity: 'tanh', offset: b, multiplier: -b, bias: 2.776542926439013 },
    ff: { kernel: 2, separable: false }, inputToCell: true, cellResidual: false, inputToOut: { kernel: 3, separable: false },
    cellToOut: false, outResidual: true, residualToOutGate: false,
    feedback: { entry: 'out', kernel: 1, separable: false, activation: 'identity' },
    inputActivation: 'elu', cellActivation: 'elu', outActivation: 'elu',
    kernelInit: { kind: 'variance_scaling', scale: 0.6393378386273998 }, weightDecay: 0.0002033999204146308,
  };
}

export function standardCell(kind: StandardConfig['kind'], outDepth: number, o: Partial<StandardConfig> = {}): StandardConfig {
  return { kind, outDepth, filter: 3, layerNorm: kind === 'basic', forgetBias: 1, peepholes: false, biasInit: 0, kernelInit: VS, weightDecay: WD, ...o };
}

type CellFor = (node: number, depth: number) => NodeSpec['cell'];

/** The 6-node shallow backbone: conv1–2 feed-forward, a cell in conv3–5, imnetds 2×2 VALID conv + global average. */
function shallow(name: string, cellFor: CellFor, preAct: Activation): ModelSpec {
  const depths = [64, 128, 256, 256, 512];
  const nodes: NodeSpec[] = depths.map((d, i) => ({
    name: `conv${i + 1}`, inputName: i === 0 ? 'input' : `conv${i}`,
    pre: [i === 0 ? conv(7, d, 'elu', { stride: 2 }) : conv(3, d, i < 2 ? 'elu' : preAct)],
    cell: i < 2 ? memory : cellFor(i + 1, d), post: [pool],
  }));
  nodes.push({ name: 'imnetds', inputName: 'conv5', pre: [conv(2, 1000, 'identity', { padding: 'VALID', init: { kind: 'normal', std: 0.01 } })], cell: memory, post: [{ op: 'gap' }] });
  return { name, input: { channels: 3, size: 224 }, nodes, edges: chain(nodes.map((n) => n.name)), output: 'imnetds', times: 16, imageOff: 12, blank: 0.5 };
}

/** configs/lstm_shallow.npz: filter, out_depth, forget bias, bias init, peepholes of conv3–5 (all layer-normed). */
const LSTM_SHALLOW: Record<number, [number, number, number, number, boolean]> = {
  3: [2, 128, 1.356, 1.643, false], 4: [3, 256, 0.978, -1.166, true], 5: [4, 256, 0.925, -1.35, false],
};

/** rgc_intermediate.json + median cell in conv4–10 + median_rgcell_cfg.edges_5. */
function rgcIntermediate(): ModelSpec {
  const depths = [64, 128, 128, 128, 128, 256, 256, 256, 512, 512];
  const pooled = new Set([1, 4, 6, 7, 10]);
  const nodes: NodeSpec[] = depths.map((d, i) => {
    const k = i + 1;
    const post: PostOp[] = [...(k <= 3 ? [{ op: 'elu' } as const] : []), ...(pooled.has(k) ? [pool] : [])];
    return {
      name: `conv${k}`, inputName: k === 1 ? 'input' : `conv${k - 1}`,
      pre: [k === 1 ? conv(7, d, 'identity', { stride: 2 }) : conv(3, d, 'identity')], cell: k >= 4 ? medianRgc() : memory, post,
    };
  });
  nodes.push({ name: 'imnetds', inputName: 'conv10', pre: [{ op: 'gap' }, { op: 'fc', out: 1000, init: { kind: 'normal', std: 0.01 }, decay: WD, biasInit: 1 }], cell: memory, post: [] });
  const feedback: [string, string][] = [['conv8', 'conv5'], ['conv9', 'conv6'], ['conv10', 'conv7'], ['conv7', 'conv6'], ['conv10', 'conv9']];
  return {
    name: 'rgc_intermediate', input: { channels: 3, size: 224 }, nodes, edges: [...chain(nodes.map((n) => n.name)), ...feedback],
    output: 'imnetds', times: 17, imageOff: 12, blank: 0.5,
  };
}

/**
 * A small grayscale model: 4 conv nodes (cells in conv3–4) and a 2×2 VALID readout, unrolled 8 steps (7 at 32 px). At 64×64
 * every node pools; at 32×32 conv4 does not (its 2×2 map is what the readout's 2×2 VALID conv needs), so every map
 * is half the 64 px one's side and a step costs about a quarter.
 */
function small(name: string, cell: 'rgc' | 'median' | 'lstm' | 'simplernn' | 'ff', feedback: boolean, size: 32 | 64 = 64): ModelSpec {
  const depths = [16, 32, 32, 64];
  const cellFor = (d: number): NodeSpec['cell'] => cell === 'rgc' ? shallowRgc(d) : cell === 'median' ? { ...medianRgc(), cellDepth: 16 }
    : cell === 'lstm' ? standardCell('lstm', d, { layerNorm: true }) : cell === 'simplernn' ? standardCell('basic', d) : memory;
  const nodes: NodeSpec[] = depths.map((d, i) => ({
    name: `conv${i + 1}`, inputName: i === 0 ? 'input' : `conv${i}`,
    pre: [i === 0 ? conv(7, d, 'elu', { stride: 2 }) : conv(3, d, cell === 'rgc' || i < 2 ? 'elu' : 'identity')],
    cell: i < 2 ? memory : cellFor(d), post: i === 3 && size === 32 ? [] : [pool],
  }));
  nodes.push({ name: 'imnetds', inputName: 'conv4', pre: [conv(2, 10, 'identity', { padding: 'VALID', init: { kind: 'normal', std: 0.01 } })], cell: memory, post: [{ op: 'gap' }] });
  const edges = chain(nodes.map((n) => n.name));
  if (feedback) edges.push(['conv4', 'conv3']);
  // 7 steps at 32 px: the feedback conv4 → conv3 first reaches the readout at the last step (t = 6); one step less
  // than the 64 px models' 8 keeps the CPU default cheap.
  return { name, input: { channels: 1, size }, nodes, edges, output: 'imnetds', times: size === 32 ? 7 : 8, imageOff: 6, blank: 0.5 };
}

const PRESETS: Record<string, () => ModelSpec> = {
  rgc_shallow: () => shallow('rgc_shallow', (_k, d) => shallowRgc(d), 'elu'),
  lstm_shallow: () => shallow('lstm_shallow', (k) => {
    const [filter, out, forgetBias, biasInit, peepholes] = LSTM_SHALLOW[k];
    return standardCell('lstm', out, { filter, forgetBias, biasInit, peepholes, layerNorm: true });
  }, 'identity'),
  simplernn_shallow: () => shallow('simplernn_shallow', (k) => standardCell('basic', [128, 256, 256][k - 3]), 'identity'),
  timedecay_shallow: () => shallow('timedecay_shallow', () => ({ kind: 'memory', decay: 0, trainable: true }), 'identity'),
  rgc_intermediate: rgcIntermediate,
  rgc_small: () => small('rgc_small', 'rgc', false),
  rgc_small_fb: () => small('rgc_small_fb', 'rgc', true),
  median_small_fb: () => small('median_small_fb', 'median', true),
  lstm_small: () => small('lstm_small', 'lstm', false),
  simplernn_small: () => small('simplernn_small', 'simplernn', false),
  ff_small: () => small('ff_small', 'ff', false),
  rgc_small32_fb: () => small('rgc_small32_fb', 'rgc', true, 32),
  ff_small32: () => small('ff_small32', 'ff', false, 32),
};

/** `convrnn train`'s default: the 32 px RGC with feedback (the synth-objects `learn` profile is 32 px). */
export const DEFAULT_MODEL = 'rgc_small32_fb';

export const MODEL_NAMES = Object.keys(PRESETS);

/** A preset by name, with the readout resized to `classes` when given. */
export function presetModel(name: string, classes?: number): ModelSpec {
  const make = PRESETS[name];
  if (!make) throw new ConfigError(`unknown conv-RNN model '${name}' (known: ${MODEL_NAMES.join(', ')})`);
  const spec = make();
  return classes === undefined ? spec : withClasses(spec, classes);
}

/** The same model with its output node's last conv/fc producing `classes` outputs. */
export function withClasses(spec: ModelSpec, classes: number): ModelSpec {
  const nodes = spec.nodes.map((n) => {
    if (n.name !== spec.output) return n;
    const pre = [...n.pre];
    const i = pre.map((p) => p.op).lastIndexOf(pre.some((p) => p.op === 'fc') ? 'fc' : 'conv');
    if (i < 0) throw new ConfigError(`model ${spec.name}: output node ${n.name} has no conv or fc to size`);
    pre[i] = { ...(pre[i] as Extract<PreOp, { out: number }>), out: classes };
    return { ...n, pre };
  });
  return { ...spec, nodes };
}

/**
 * The feed-forward control of a conv-RNN: the same nodes, pre- and post-memory ops (so the same convs, named and
 * initialised alike) with every cell replaced by the released frozen memory (decay 0: the node's output is its
 * pre-memory output) and only the feed-forward edges kept. Unrolled, it still has the graph's delays.
 */
export function feedforwardControl(spec: ModelSpec): ModelSpec {
  const byName = new Map(spec.nodes.map((n) => [n.name, n]));
  const nodes = spec.nodes.map((n) => ({ ...n, cell: { kind: 'memory', decay: 0, trainable: false } as const }));
  const edges = spec.edges.filter(([a, b]) => byName.get(b)?.inputName === a);
  return { ...spec, name: `${spec.name}_ff`, nodes, edges };
}
