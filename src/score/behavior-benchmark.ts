/**
 * The behavioural benchmark (brain-score/vision benchmarks/rajalingham2018, I2n): the readout layer's activations
 * of the fitting images train the probabilities classifier (logistic.ts), the test images' class probabilities give
 * the model's response matrix, scored against the observer trials with I2n (behavior.ts). Stimuli span 8° and are
 * placed on the model's screen as for the neural benchmarks.
 */
import type { Engine } from '../engine.js';
import { ShapeError } from '../errors.js';
import { extractActivations, type ScoredModel } from './activations.js';
import { i2nScore, modelResponseMatrix, type I2nResult } from './behavior.js';
import type { ModelInput } from './benchmarks.js';
import type { BehaviorBenchmark } from './builtin.js';
import { fitProbabilities, predictProbabilities } from './logistic.js';
import { MODEL_DEGREES, present } from './presentation.js';
import { OBJECTOME_DEGREES } from './simulated-observer.js';

export interface BehaviorResult extends Omit<I2nResult, 'perRepetition'> {
  benchmark: string;
  layer: string;
  perRepetition: { raw: number; ceiling: number; ceiled: number }[];
  stimuli: { fitting: number; test: number };
  trials: number;
}

export async function scoreBehavior(engine: Engine, model: ScoredModel, input: ModelInput, bench: BehaviorBenchmark,
  o: { layer: string; batch?: number; repetitions?: number }): Promise<BehaviorResult> {
  const view = { ...input, modelDegrees: input.modelDegrees ?? MODEL_DEGREES, stimulusDegrees: OBJECTOME_DEGREES };
  const feats = async (s: BehaviorBenchmark['test']) => {
    if (!s.ids.length) throw new ShapeError('behaviour benchmark: an empty stimulus set');
    return (await extractActivations(engine, model, (i) => present(s.stimulus(i), view), s.ids.length, [o.layer], { batch: o.batch })).layers.get(o.layer)!.data;
  };
  const readout = fitProbabilities(await feats(bench.fitting), bench.fitting.ids.length, bench.fitting.labels);
  const p = predictProbabilities(readout, await feats(bench.test), bench.test.ids.length);
  const s = i2nScore(modelResponseMatrix(p, readout.classes, bench.test.ids, bench.test.labels), bench.trials, { repetitions: o.repetitions });
  return {
    ...s, perRepetition: s.perRepetition.map(({ raw, ceiling, ceiled }) => ({ raw, ceiling, ceiled })),
    benchmark: 'Rajalingham2018.I2n', layer: o.layer, stimuli: { fitting: bench.fitting.ids.length, test: bench.test.ids.length }, trials: bench.trials.choice.length,
  };
}
