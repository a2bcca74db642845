/**
 * Conv-RNN model files: a ModelSpec as JSON (what `convrnn search` writes as best-model.json and `convrnn train`
 * writes as model.json), read back through the schema, so `convrnn train --model`, `convrnn dynamics --model` and
 * a trained run folder all name a model the same way.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { modelSpecSchema, type ModelSpec } from './spec.js';
import { presetModel, withClasses } from './models.js';

/**
 * A model by preset name, from a JSON model file, or from a run folder (its model.json; its weights.safetensors is
 * what `weightsOf` finds).
 */
export function loadModelSpec(nameOrFile: string, classes?: number): ModelSpec {
  const file = existsSync(nameOrFile) && statSync(nameOrFile).isDirectory() ? join(nameOrFile, 'model.json') : nameOrFile;
  if (!file.endsWith('.json')) return presetModel(nameOrFile, classes);
  if (!existsSync(file)) throw new ConfigError(`model file ${file} does not exist`);
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { throw new ConfigError(`model file ${file}: not JSON (${(e as Error).message})`); }
  const r = modelSpecSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ConfigError(`model file ${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const spec = r.data as ModelSpec;
  return classes === undefined ? spec : withClasses(spec, classes);
}

/** The trained weights beside a run folder's model (null for a preset or a bare model file). */
export function weightsOf(nameOrFile: string): string | null {
  const dir = existsSync(nameOrFile) && statSync(nameOrFile).isDirectory() ? nameOrFile : null;
  const w = dir ? join(dir, 'weights.safetensors') : null;
  return w && existsSync(w) ? w : null;
}
