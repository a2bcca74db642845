/**
 * `score`: Brain-Score-style neural scores of a model on the built-in simulated benchmarks (V1 from sim-v1 cells;
 * V2/V4/IT generated from layers 1/2/3 of the seeded GRCNN-small), with layer commitment, ceilings and a report.
 */
import { Engine } from '../engine.js';
import { ConfigError } from '../errors.js';
import { GRCNN, GRCNN_PRESETS } from '../models/grcnn.js';
import { VGG } from '../models/vgg.js';
import { candidateLayers, type ScoredModel } from '../score/activations.js';
import { scoreBenchmark, type BenchmarkData, type ModelInput, type RegionResult } from '../score/benchmarks.js';
import { writeReport } from '../score/report.js';
import { simulatedRegion, simulatedV1 } from '../score/simulated.js';
import type { CeilingForm } from '../score/metric.js';
import { buildModel } from './reconstruct.js';

export interface ScoreArgs { model: string; benchmarks: string[]; out: string; stimuli?: number; splits?: number; trainSize?: number; form?: CeilingForm; layers?: string[] }

const INPUT: Record<string, ModelInput> = {
  grcnn55: { size: 224, channels: 3 }, grcnn109: { size: 224, channels: 3 }, 'grcnn-small': { size: 64, channels: 1 },
  vgg19_bn: { size: 64, channels: 1 }, 'vgg19_bn-small': { size: 64, channels: 1 },
};

/** `preset[:weights]` through the one model factory (shapes and class count taken from the weights). */
function build(engine: Engine, spec: string): { model: ScoredModel; input: ModelInput } {
  const preset = spec.split(':')[0];
  if (!(preset in INPUT)) throw new ConfigError(`score: unknown model '${preset}' (${Object.keys(INPUT).join(', ')})`);
  const { model } = buildModel(engine, `score=${spec}`, 17);
  if (!(model instanceof GRCNN || model instanceof VGG)) {
    model.dispose();
    throw new ConfigError(`score: model '${spec}' is not a GRCNN or VGG`);
  }
  return { model, input: INPUT[preset] };
}

/** `shared`: an engine the caller owns and closes (the pipeline runs every stage on one). */
export async function scoreCommand(a: ScoreArgs, shared?: Engine): Promise<RegionResult[]> {
  const known = ['v1', 'v2', 'v4', 'it'];
  for (const b of a.benchmarks) if (!known.includes(b)) throw new ConfigError(`score: benchmark '${b}' is not one of ${known.join(', ')} (behavior is not built yet)`);
  const engine = shared ?? await Engine.create();
  try {
    const { model, input } = build(engine, a.model);
    const gen = new GRCNN(engine, { ...GRCNN_PRESETS['grcnn-small'] });
    const genInput = INPUT['grcnn-small'];
    const sim = { stimuli: a.stimuli ?? 120, neuroids: 24, repetitions: 4 };
    const layerOf = { v2: 'layer1', v4: 'layer2', it: 'layer3' } as const;
    const results: RegionResult[] = [];
    for (const b of a.benchmarks) {
      const data: BenchmarkData = b === 'v1' ? simulatedV1(sim) : await simulatedRegion(engine, gen, genInput, b as 'v2' | 'v4' | 'it', layerOf[b as 'v2'], sim);
      const r = await scoreBenchmark(engine, model, input, data, { layers: a.layers ?? candidateLayers(model), splits: a.splits, trainSize: a.trainSize, form: a.form,
        log: (m) => console.log(m) });
      console.log(`${r.benchmark}: layer ${r.layer}, raw ${r.raw.toFixed(3)} ± ${r.sem.toFixed(3)}, ceiling ${r.ceiling.toFixed(3)}, ceiled ${r.ceiled.toFixed(3)}`);
      results.push(r);
    }
    writeReport(a.out, { model: a.model, data: `built-in simulated benchmarks (${sim.stimuli} stimuli each)`, form: a.form ?? 'explained-variance', results });
    console.log(`wrote ${a.out}/scores.{md,json,svg}`);
    gen.dispose();
    model.dispose();
    return results;
  } finally {
    if (!shared) engine.close();
  }
}
