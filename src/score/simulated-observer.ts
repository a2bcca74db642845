/**
 * A simulated observer for I2n with known ground truth (no objectome trials can be downloaded here): a multinomial
 * logistic readout (C = 1, a well-trained observer rather than Brain-Score's C = 1e-3 probe) of a fixed layer of the
 * seeded generating network, fitted on synth-objects training images; on each test image, every distractor is
 * offered `trialsPerPair` times in a two-alternative task and chosen with the readout's p(d)/(p(d) + p(t)). The
 * layout follows the objectome data (Rajalingham et al. 2018): trials with stimulus_id, sample_obj, dist_obj and the
 * chosen object, plus the fitting images with their labels (`image_label`).
 */
import type { Engine } from '../engine.js';
import type { Image } from '../data/dataset.js';
import { SynthObjects } from '../data/synth-objects.js';
import { Rng } from '../random/rng.js';
import { extractActivations, type ScoredModel } from './activations.js';
import type { BehaviorTrials } from './behavior.js';
import type { ModelInput } from './benchmarks.js';
import { fitProbabilities, predictProbabilities } from './logistic.js';
import { MODEL_DEGREES, present } from './presentation.js';
import { quantize } from './simulated.js';

/** Rajalingham2018's stimuli span 8°. */
export const OBJECTOME_DEGREES = 8;

export interface ObserverOptions { perObject?: number; fittingPerObject?: number; trialsPerPair?: number; seed?: number; layer?: string }

export interface LabelledImages { ids: string[]; labels: string[]; images: Image[] }

export interface SimulatedBehavior { fitting: LabelledImages; test: LabelledImages; trials: BehaviorTrials; generatingLayer: string }

function objects(split: 'train' | 'test', seed: number, perClass: number, prefix: string): LabelledImages {
  const set = new SynthObjects({ split, seed, imageSize: 64, perClass });
  const ids: string[] = [], labels: string[] = [], images: Image[] = [];
  for (let i = 0; i < set.size; i++) {
    const s = set.get(i);
    ids.push(`${prefix}${String(i).padStart(4, '0')}`);
    labels.push(set.classNames[s.label]);
    images.push(quantize({ data: s.data, shape: s.shape }));
  }
  return { ids, labels, images };
}

export async function simulatedObserver(engine: Engine, generator: ScoredModel, input: ModelInput, o: ObserverOptions = {}): Promise<SimulatedBehavior> {
  const seed = o.seed ?? 0, layer = o.layer ?? 'avgpool', T = o.trialsPerPair ?? 8;
  const fitting = objects('train', seed + 31, o.fittingPerObject ?? 20, 'fit');
  const test = objects('test', seed + 37, o.perObject ?? 10, 'obj');
  const view = { ...input, modelDegrees: input.modelDegrees ?? MODEL_DEGREES, stimulusDegrees: OBJECTOME_DEGREES };
  const feats = async (s: LabelledImages) => (await extractActivations(engine, generator, (i) => present(s.images[i], view), s.images.length, [layer])).layers.get(layer)!.data;
  const readout = fitProbabilities(await feats(fitting), fitting.ids.length, fitting.labels, { C: 1 });
  const p = predictProbabilities(readout, await feats(test), test.ids.length);
  const k = readout.classes.length;
  const rng = Rng.of(seed, 0x0b5e);
  const trials: BehaviorTrials = { stimulusId: [], sampleObj: [], distObj: [], choice: [] };
  test.ids.forEach((id, i) => {
    const t = readout.classes.indexOf(test.labels[i]);
    for (let d = 0; d < k; d++) {
      if (d === t) continue;
      const rate = p[i * k + d] / (p[i * k + d] + p[i * k + t]);
      for (let r = 0; r < T; r++) {
        trials.stimulusId.push(id); trials.sampleObj.push(test.labels[i]); trials.distObj.push(readout.classes[d]);
        trials.choice.push(rng.uniform() < rate ? readout.classes[d] : test.labels[i]);
      }
    }
  });
  return { fitting, test, trials, generatingLayer: layer };
}
