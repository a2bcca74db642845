/**
 * The one place models are built from a configuration: a named preset plus overrides, validated before any weight
 * is made, so a bad setting fails with a ConfigError naming the field (`model.planes: expected 4 entries like
 * model.iters, got 0`) instead of a shape error deep inside a layer. Used by `train` (train/setup.ts), the
 * co-training protocol (cotrain/model.ts) and `reconstruct` (cli/reconstruct.ts), which also reads a checkpoint's
 * shape-determining settings back from its tensors (`settingsFromState`).
 */
import type { Engine } from '../engine.js';
import type { HostTensor } from '../nn/module.js';
import { ConfigError } from '../errors.js';
import { GRCNN, GRCNN_PRESETS, type GrcnnConfig } from './grcnn.js';
import { VGG, VGG_CFGS, VGG_PRESETS, vggLayerIndex, type VggConfig } from './vgg.js';
import { MtlVgg, mtlVggPreset, type MtlVggConfig } from './mtl.js';

export type GrcnnPreset = keyof typeof GRCNN_PRESETS;
export type VggPreset = keyof typeof VGG_PRESETS;
export const MODEL_PRESETS = [...Object.keys(GRCNN_PRESETS), ...Object.keys(VGG_PRESETS)] as readonly string[];

/** Overrides with undefined fields dropped (an optional config field left out keeps the preset's value). */
function defined<T extends object>(over: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function positiveInt(where: string, field: string, v: number): void {
  if (!(Number.isInteger(v) && v >= 1)) throw new ConfigError(`${where}.${field}: expected a positive integer, got ${v}`);
}

function unknownPreset(where: string, preset: string, known: readonly string[]): ConfigError {
  return new ConfigError(`${where}.preset: unknown preset '${preset}' (one of ${known.join(', ')})`);
}

/** A GRCNN preset with overrides, checked: positive sizes, one `iters` entry per `planes` entry, groups dividing every grouped conv's channels. */
export function grcnnConfig(preset: string, over: Partial<GrcnnConfig> = {}, where = 'model'): GrcnnConfig {
  if (!(preset in GRCNN_PRESETS)) throw unknownPreset(where, preset, Object.keys(GRCNN_PRESETS));
  const o = defined(over);
  const c: GrcnnConfig = { ...GRCNN_PRESETS[preset as GrcnnPreset], ...o };
  for (const f of ['inChannels', 'numClasses', 'stemChannels', 'expansion', 'groups'] as const) positiveInt(where, f, c[f]);
  if (c.planes.length !== c.iters.length) {
    // Blame the field the overrides changed (the other one is the preset's).
    const [bad, good] = o.iters && !o.planes ? ['iters', 'planes'] as const : ['planes', 'iters'] as const;
    throw new ConfigError(`${where}.${bad}: expected ${c[good].length} entries like ${where}.${good}, got ${c[bad].length}`);
  }
  if (c.planes.length === 0) throw new ConfigError(`${where}.planes: expected at least one stage, got 0 entries`);
  c.planes.forEach((p, i) => positiveInt(where, `planes[${i}]`, p));
  c.iters.forEach((n, i) => positiveInt(where, `iters[${i}]`, n));
  // Every GRCL's grouped convs read `inplanes` (the stem's width, then the previous stage's) and write planes × expansion.
  if (c.stemChannels % c.groups) throw new ConfigError(`${where}.groups: ${c.groups} does not divide ${where}.stemChannels (${c.stemChannels})`);
  c.planes.forEach((p, i) => {
    if ((p * c.expansion) % c.groups) {
      throw new ConfigError(`${where}.groups: ${c.groups} does not divide ${where}.planes[${i}] × ${where}.expansion (${p * c.expansion})`);
    }
  });
  return c;
}

export function createGrcnn(engine: Engine, preset: string, over: Partial<GrcnnConfig> = {}, where = 'model'): GRCNN {
  return new GRCNN(engine, grcnnConfig(preset, over, where));
}

export function vggConfig(preset: string, over: Partial<VggConfig> = {}, where = 'model'): VggConfig {
  if (!(preset in VGG_PRESETS)) throw unknownPreset(where, preset, Object.keys(VGG_PRESETS));
  const c: VggConfig = { ...VGG_PRESETS[preset as VggPreset], ...defined(over) };
  for (const f of ['numClasses', 'headWidth'] as const) positiveInt(where, f, c[f]);
  if (c.inChannels !== 1 && c.inChannels !== 3) throw new ConfigError(`${where}.inChannels: expected 1 or 3, got ${c.inChannels}`);
  return c;
}

/** A GRCNN or VGG preset by name, with the input channels its first layer takes. */
export function createModel(engine: Engine, preset: string, over: Partial<GrcnnConfig> | Partial<VggConfig> = {},
  where = 'model'): { model: GRCNN | VGG; channels: number } {
  if (preset in GRCNN_PRESETS) {
    const c = grcnnConfig(preset, over as Partial<GrcnnConfig>, where);
    return { model: new GRCNN(engine, c), channels: c.inChannels };
  }
  if (preset in VGG_PRESETS) {
    const c = vggConfig(preset, over as Partial<VggConfig>, where);
    return { model: new VGG(engine, c), channels: c.inChannels };
  }
  throw unknownPreset(where, preset, MODEL_PRESETS);
}

export interface MtlVggSettings {
  /** torchvision VGG layer list: A = VGG-11, B = 13, D = 16, E = 19. */
  cfg: keyof typeof VGG_CFGS;
  /** Channel counts divided by this (1 = the paper's widths). */
  widthDivisor: number;
  /** Neurons per readout session. */
  sessions: Record<string, number>;
  /** Model-ready image side of the neural data. */
  neuralSize: number;
  /** The rest of the MTL configuration (head, dropout, seed, classification, γ…). */
  overrides?: Partial<MtlVggConfig>;
}

/** The co-training model: a BN VGG at 1/widthDivisor width whose shared block always ends at relu3_1. */
export function createMtlVgg(engine: Engine, s: MtlVggSettings, where = 'model'): MtlVgg {
  if (!(s.cfg in VGG_CFGS)) throw new ConfigError(`${where}.cfg: unknown VGG layer list '${s.cfg}' (one of ${Object.keys(VGG_CFGS).join(', ')})`);
  positiveInt(where, 'widthDivisor', s.widthDivisor);
  if (Object.keys(s.sessions).length === 0) throw new ConfigError(`${where}.sessions: expected at least one readout session`);
  const cfg = VGG_CFGS[s.cfg].map((v) => (v === 'M' ? v : Math.max(1, Math.round(v / s.widthDivisor))));
  const over = s.overrides ?? {};
  if (over.numClasses !== undefined) positiveInt(where, 'numClasses', over.numClasses);
  return new MtlVgg(engine, mtlVggPreset(s.sessions, {
    ...over, cfg, batchNorm: true, v1ModelLayer: vggLayerIndex(cfg, true, 'relu3_1') + 1, neuralInputSize: [s.neuralSize, s.neuralSize],
  }));
}

const dims = (state: ReadonlyMap<string, HostTensor>, name: string): readonly number[] | undefined => state.get(name)?.shape;

/**
 * The settings that fix a preset's tensor shapes, read from a state dict (torch names): for a GRCNN the input
 * channels, classes, stem, widths, steps and groups; for a VGG (or an MTL checkpoint of one) the classes. A
 * checkpoint of `train` with 10 classes then loads into the 16-class preset it started from.
 */
export function settingsFromState(preset: string, state: ReadonlyMap<string, HostTensor>): Partial<GrcnnConfig> | Partial<VggConfig> {
  if (preset in GRCNN_PRESETS) {
    const conv1 = dims(state, 'conv1.weight'), head = dims(state, 'classifier.weight');
    if (!conv1 || !head) return {};
    const out: Partial<GrcnnConfig> = { stemChannels: conv1[0], inChannels: conv1[1], stem: conv1[2] === 7 ? 'imagenet' : 'small', numClasses: head[0] };
    const planes: number[] = [], iters: number[] = [];
    let inplanes = conv1[0];
    for (let i = 1; dims(state, `layer${i}.conv_f.weight`); i++) {
      const convF = dims(state, `layer${i}.conv_f.weight`)!;
      const bottleneck = dims(state, `layer${i}.iter_1.2.weight`);
      if (!bottleneck) return out;
      planes.push(bottleneck[0]);
      let n = 0;
      while (state.has(`layer${i}.iter_g_${n + 1}.0.weight`)) n++;
      iters.push(n);
      if (i === 1) { out.groups = inplanes / convF[1]; out.expansion = convF[0] / bottleneck[0]; }
      inplanes = convF[0];
    }
    return planes.length ? { ...out, planes, iters } : out;
  }
  if (preset in VGG_PRESETS) {
    // The head's last 1×1 conv (classifier.6 in VGG, classification_readout.6 in MtlVgg) has one output per class.
    let last: { index: number; classes: number } | null = null;
    for (const [k, v] of state) {
      const m = /^(?:classifier|classification_readout)\.(\d+)\.weight$/.exec(k);
      if (m && (!last || Number(m[1]) > last.index)) last = { index: Number(m[1]), classes: v.shape[0] };
    }
    return last ? { numClasses: last.classes } : {};
  }
  return {};
}
