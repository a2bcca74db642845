/**
 * `score`: Brain-Score-style scores of a model — V1/V2 (FreemanZiemba2013), V4/IT (MajajHong2015) with layer
 * commitment and ceilings, and behaviour (Rajalingham2018 I2n) — read from a folder in Brain-Score's file layout
 * (`--data`), by default the built-in simulated benchmarks, written there on first use (score/builtin.ts: V1 from
 * sim-v1 cells, V2/V4/IT from layers 1/2/3 of the seeded GRCNN-small, the observer from its pooled features).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildScoredModel as buildConvRnnModel } from '../convrnn/dynamics.js';
import { loadModelSpec } from '../convrnn/model-file.js';
import { Engine } from '../engine.js';
import { ConfigError } from '../errors.js';
import { GRCNN } from '../models/grcnn.js';
import { VGG } from '../models/vgg.js';
import { candidateLayers, type ScoredModel } from '../score/activations.js';
import { scoreBenchmark, type ModelInput, type RegionResult } from '../score/benchmarks.js';
import { scoreBehavior, type BehaviorResult } from '../score/behavior-benchmark.js';
import { builtinData, readBehaviorBenchmark, readNeuralBenchmark } from '../score/builtin.js';
import { writeReport } from '../score/report.js';
import type { CeilingForm } from '../score/metric.js';
import { buildModel } from './reconstruct.js';

export interface ScoreArgs {
  model: string; benchmarks: string[]; out: string; stimuli?: number; splits?: number; trainSize?: number; form?: CeilingForm; layers?: string[];
  /** A folder in Brain-Score's layout; default: the built-in benchmarks under `<out>/data`. */
  data?: string;
  behaviorLayer?: string;
  batch?: number;
}

/** Each preset's input as the project trains it (size, channels). */
export const MODEL_INPUT: Record<string, ModelInput> = {
  grcnn55: { size: 224, channels: 3 }, grcnn109: { size: 224, channels: 3 }, 'grcnn-small': { size: 64, channels: 1 },
  vgg19_bn: { size: 64, channels: 1 }, 'vgg19_bn-small': { size: 64, channels: 1 },
};

/**
 * `convrnn:<preset | model.json | run folder>`: a conv-RNN as declared (its own input size and movie), with the run
 * folder's weights.safetensors when there is one (what `convrnn train` and a search trial write).
 */
function buildConvRnn(engine: Engine, ref: string): { model: ScoredModel; input: ModelInput } {
  const spec = loadModelSpec(ref);
  const channels = spec.input.channels;
  if (channels !== 1 && channels !== 3) throw new ConfigError(`score: conv-RNN ${ref} takes ${channels}-channel input; stimuli are gray (1) or RGB (3)`);
  const w = join(ref, 'weights.safetensors');
  const weights = existsSync(ref) && statSync(ref).isDirectory() && existsSync(w) ? w : null;
  const model = buildConvRnnModel(engine, { label: ref, spec, seed: 0, weights }, spec.times, spec.imageOff);
  return { model, input: { size: spec.input.size, channels } };
}

/** `preset[:weights]` through the one model factory (shapes and class count taken from the weights), or `convrnn:…`. */
export function buildScoredModel(engine: Engine, spec: string): { model: ScoredModel; input: ModelInput } {
  if (spec.startsWith('convrnn:')) return buildConvRnn(engine, spec.slice('convrnn:'.length));
  const preset = spec.split(':')[0];
  if (!(preset in MODEL_INPUT)) throw new ConfigError(`score: unknown model '${preset}' (${Object.keys(MODEL_INPUT).join(', ')})`);
  const { model } = buildModel(engine, `score=${spec}`, 17);
  if (!(model instanceof GRCNN || model instanceof VGG)) {
    model.dispose();
    throw new ConfigError(`score: model '${spec}' is not a GRCNN or VGG`);
  }
  return { model, input: MODEL_INPUT[preset] };
}

const KNOWN = ['v1', 'v2', 'v4', 'it', 'behavior'];

/** `shared`: an engine the caller owns and closes (the pipeline runs every stage on one). */
export async function scoreCommand(a: ScoreArgs, shared?: Engine): Promise<{ results: RegionResult[]; behavior?: BehaviorResult }> {
  for (const b of a.benchmarks) if (!KNOWN.includes(b)) throw new ConfigError(`score: benchmark '${b}' is not one of ${KNOWN.join(', ')}`);
  const engine = shared ?? await Engine.create();
  try {
    const { model, input } = buildScoredModel(engine, a.model);
    try {
      const t0 = performance.now();
      const sim = { stimuli: a.stimuli ?? 120, neuroids: 24, repetitions: 4 };
      const data = a.data ?? await builtinData(engine, join(a.out, 'data'), sim);
      const layers = a.layers ?? candidateLayers(model);
      const results: RegionResult[] = [];
      let behavior: BehaviorResult | undefined;
      for (const b of a.benchmarks) {
        if (b === 'behavior') {
          const layer = a.behaviorLayer ?? layers[layers.length - 1];
          behavior = await scoreBehavior(engine, model, input, await readBehaviorBenchmark(data), { layer, batch: a.batch });
          console.log(`${behavior.benchmark}: layer ${layer}, raw ${behavior.raw.toFixed(3)}, ceiling ${behavior.ceiling.toFixed(3)}, ceiled ${behavior.ceiled.toFixed(3)} ± ${behavior.error.toFixed(3)}`);
          continue;
        }
        const bench = await readNeuralBenchmark(data, b as 'v1' | 'v2' | 'v4' | 'it');
        const r = await scoreBenchmark(engine, model, input, bench, { layers, splits: a.splits, trainSize: a.trainSize, form: a.form, batch: a.batch,
          log: (m) => console.log(m) });
        console.log(`${r.benchmark}: layer ${r.layer}, raw ${r.raw.toFixed(3)} ± ${r.sem.toFixed(3)}, ceiling ${r.ceiling.toFixed(3)}, ceiled ${r.ceiled.toFixed(3)}`);
        results.push(r);
      }
      const what = a.data ? `Brain-Score-layout data in ${a.data}` : `built-in simulated benchmarks in ${data} (${sim.stimuli} stimuli per neural benchmark)`;
      writeReport(a.out, { model: a.model, data: what, form: a.form ?? 'explained-variance', results, behavior });
      console.log(`wrote ${a.out}/scores.{md,json,svg,png} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return { results, behavior };
    } finally {
      model.dispose();
    }
  } finally {
    if (!shared) engine.close();
  }
}
