/**
 * `activations`: named activations of any preset or checkpoint (score/activations.ts: GRCNN blocks and GRCL steps,
 * VGG names; inference mode, no tape) for a stimulus set in Brain-Score's layout (CSV + images) or the built-in
 * synth-objects test images, presented as the benchmarks present them (`--degrees` on the model's 8°). Written as
 * one NPY per layer ([stimuli, features] f4) plus `stimulus_ids.txt`, or one safetensors file whose metadata holds
 * the stimulus ids and layer shapes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { ConfigError } from '../errors.js';
import type { Image } from '../data/dataset.js';
import { readImage } from '../data/image-io.js';
import { formatNpy } from '../data/npy.js';
import { SynthObjects } from '../data/synth-objects.js';
import { writeFileAtomic } from '../io/fs.js';
import { writeSafetensors } from '../io/safetensors.js';
import { extractActivations, layerNames } from '../score/activations.js';
import { readStimulusSet } from '../score/assembly.js';
import { MODEL_DEGREES, present } from '../score/presentation.js';
import { buildScoredModel } from './score.js';

export interface ActivationsArgs {
  model: string; layers: string[]; out: string; format?: 'npy' | 'safetensors';
  /** A stimulus_set.csv (images beside it in images/); default: `count` built-in synth-objects test images. */
  stimuli?: string; count?: number; degrees?: number; batch?: number;
}

export async function activationsCommand(a: ActivationsArgs): Promise<{ ids: string[]; files: string[] }> {
  const format = a.format ?? 'npy';
  if (format !== 'npy' && format !== 'safetensors') throw new ConfigError(`activations: --format must be npy or safetensors, got '${format}'`);
  let ids: string[], load: (i: number) => Image;
  if (a.stimuli) {
    const set = readStimulusSet(a.stimuli);
    ids = set.rows.map((r) => r.stimulus_id);
    load = (i) => readImage(join(set.root, set.rows[i].filename), 3);
  } else {
    const n = a.count ?? 20;
    if (!(Number.isInteger(n) && n >= 1)) throw new ConfigError(`activations: --count must be a positive integer, got ${n}`);
    const objs = new SynthObjects({ split: 'test', imageSize: 64, perClass: Math.ceil(n / 10) });
    ids = Array.from({ length: n }, (_, i) => `synth-objects-test-${i}`);
    load = (i) => { const s = objs.get(i); return { data: s.data, shape: s.shape }; };
  }
  const engine = await Engine.create();
  try {
    const { model, input } = buildScoredModel(engine, a.model);
    try {
      const known = layerNames(model);
      const names = a.layers.length ? a.layers : known;
      const view = { ...input, modelDegrees: input.modelDegrees ?? MODEL_DEGREES, stimulusDegrees: a.degrees ?? MODEL_DEGREES };
      const acts = await extractActivations(engine, model, (i) => present(load(i), view), ids.length, names, { batch: a.batch });
      mkdirSync(a.out, { recursive: true });
      const files: string[] = [];
      if (format === 'npy') {
        for (const [name, l] of acts.layers) {
          const f = join(a.out, `${name}.npy`);
          writeFileAtomic(f, formatNpy({ dtype: 'f4', shape: [ids.length, l.features], data: l.data }));
          files.push(f);
        }
      } else {
        const f = join(a.out, 'activations.safetensors');
        writeSafetensors(f, new Map([...acts.layers].map(([name, l]) => [name, { shape: [ids.length, l.features], data: l.data }])),
          { stimulus_ids: JSON.stringify(ids), model: a.model });
        files.push(f);
      }
      const idFile = join(a.out, 'stimulus_ids.txt');
      writeFileSync(idFile, `${ids.join('\n')}\n`);
      files.push(idFile);
      console.log(`wrote ${files.length - 1} ${format} file(s) for ${names.length} layer(s) × ${ids.length} stimuli to ${a.out}`);
      return { ids, files };
    } finally {
      model.dispose();
    }
  } finally {
    engine.close();
  }
}
