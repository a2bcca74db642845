/**
 * "neuralset-v0": a folder of NPY arrays plus meta.json (our format), the import format for repeated V1 responses
 * (Cadena 2019 maps 1:1; nnvision sessions are stacked by image id with NaN padding):
 *   images.npy       u1 | f4 [N, H, W]
 *   image_ids.npy    i4 | i8 [N], unique
 *   responses.npy    f4 [R, N, K], NaN = repeat not recorded
 *   repetitions.npy  i4 | i8 [K]; repeats r ≥ repetitions[k] of neuron k are NaN
 *   labels.npy       i4 | i8 [N] (optional)
 *   rates.npy        f4 [N, K] noise-free rates (optional; simulated data only)
 *   meta.json        see `NeuralSetMeta`
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { selectImages, type RepeatedResponses } from '../stats/repeats.js';
import { DataError } from './dataset.js';
import { npyToInt32, readNpy, writeNpy, type NpyArray } from './npy.js';

const idList = z.array(z.number().int());
const metaSchema = z.object({
  format: z.literal('neuralset-v0').optional(),
  /** Subject of each neuron [K]. */
  subject_ids: z.array(z.union([z.string(), z.number()])),
  /** Recording session of each neuron [K] (one readout per session). */
  session_of_neuron: z.array(z.union([z.string(), z.number()])),
  /** Stimulus type of each image [N] (Cadena: original, conv1..conv4). */
  image_types: z.array(z.string()),
  split: z.object({ train_ids: idList, test_ids: idList, val_ids: idList }),
  units: z.string(),
  /** [start, end] in ms after stimulus onset, or null when not applicable. */
  time_window: z.tuple([z.number(), z.number()]).nullable(),
  source: z.string(),
  license: z.string(),
  /** RF centre of each neuron [K] as [x, y] in pixels of images.npy (0-based pixel centres). */
  rf_centres: z.array(z.tuple([z.number(), z.number()])).optional(),
  /** Per-neuron ground truth of simulated data, each array [K]. */
  ground_truth: z.record(z.string(), z.array(z.union([z.number(), z.string(), z.boolean()]))).optional(),
});

export type NeuralSetMeta = z.infer<typeof metaSchema>;

export interface NeuralSet {
  /** [N, H, W] gray images, u1 or f4 as stored. */
  images: Uint8Array | Float32Array;
  imageShape: [number, number, number];
  imageIds: Int32Array;
  /** [R, N, K]; NaN = missing repeat. */
  responses: Float32Array;
  responseShape: [number, number, number];
  repetitions: Int32Array;
  labels?: Int32Array;
  /** [N, K] noise-free rates of a simulation. */
  rates?: Float32Array;
  meta: NeuralSetMeta;
}

export type SplitName = 'train' | 'test' | 'val';

function fail(file: string, field: string, why: string): never {
  throw new DataError(`${file}: ${field}: ${why}`);
}

/** Reads and validates a neuralset-v0 folder; every error names the file and the field. */
export function readNeuralSet(dir: string): NeuralSet {
  const metaPath = join(dir, 'meta.json');
  if (!existsSync(metaPath)) fail(metaPath, 'file', 'missing');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch (e) {
    fail(metaPath, 'JSON', (e as Error).message);
  }
  const meta = parseMeta(json, metaPath);
  const load = (name: string): NpyArray & { file: string } => {
    const file = join(dir, name);
    if (!existsSync(file)) fail(file, 'file', 'missing');
    return { ...readNpy(file), file };
  };
  const optional = (name: string): (NpyArray & { file: string }) | undefined => (existsSync(join(dir, name)) ? load(name) : undefined);
  const images = load('images.npy');
  if (images.dtype !== 'u1' && images.dtype !== 'f4') fail(images.file, 'descr', `expected u1 or f4, got ${images.dtype}`);
  const responses = load('responses.npy');
  if (responses.dtype !== 'f4') fail(responses.file, 'descr', `expected f4 (float32), got ${responses.dtype}; save with .astype(np.float32)`);
  const ints = (a: NpyArray & { file: string }): Int32Array => npyToInt32(a, a.file);
  const ids = load('image_ids.npy');
  const reps = load('repetitions.npy');
  const labels = optional('labels.npy');
  const rates = optional('rates.npy');
  if (rates && rates.dtype !== 'f4') fail(rates.file, 'descr', `expected f4, got ${rates.dtype}`);
  const set: NeuralSet = {
    images: images.data as Uint8Array | Float32Array,
    imageShape: rank(images, 3) as [number, number, number],
    imageIds: ints(ids),
    responses: responses.data as Float32Array,
    responseShape: rank(responses, 3) as [number, number, number],
    repetitions: ints(reps),
    labels: labels ? ints(labels) : undefined,
    rates: rates?.data as Float32Array | undefined,
    meta,
  };
  rank(ids, 1); rank(reps, 1);
  if (labels) rank(labels, 1);
  if (rates) rank(rates, 2);
  validateNeuralSet(set, dir);
  return set;
}

/** Writes a neuralset-v0 folder (created if needed) after the same validation the reader applies. */
export function writeNeuralSet(dir: string, set: NeuralSet): void {
  validateNeuralSet(set, dir);
  mkdirSync(dir, { recursive: true });
  const [n, h, w] = set.imageShape;
  const [r, , k] = set.responseShape;
  writeNpy(join(dir, 'images.npy'), { dtype: set.images instanceof Uint8Array ? 'u1' : 'f4', shape: [n, h, w], data: set.images });
  writeNpy(join(dir, 'image_ids.npy'), { dtype: 'i4', shape: [n], data: set.imageIds });
  writeNpy(join(dir, 'responses.npy'), { dtype: 'f4', shape: [r, n, k], data: set.responses });
  writeNpy(join(dir, 'repetitions.npy'), { dtype: 'i4', shape: [k], data: set.repetitions });
  if (set.labels) writeNpy(join(dir, 'labels.npy'), { dtype: 'i4', shape: [n], data: set.labels });
  if (set.rates) writeNpy(join(dir, 'rates.npy'), { dtype: 'f4', shape: [n, k], data: set.rates });
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ ...set.meta, format: 'neuralset-v0' }) + '\n');
}

/** Checks every cross-array constraint of the format; `dir` names the folder in errors. */
export function validateNeuralSet(set: NeuralSet, dir = '<neuralset>'): void {
  const f = (name: string): string => join(dir, name);
  const [n, h, w] = set.imageShape;
  const [r, nResp, k] = set.responseShape;
  const m = set.meta;
  if (set.images.length !== n * h * w) fail(f('images.npy'), 'shape', `${set.images.length} values for [${n}, ${h}, ${w}]`);
  if (set.responses.length !== r * nResp * k) fail(f('responses.npy'), 'shape', `${set.responses.length} values for [${r}, ${nResp}, ${k}]`);
  if (nResp !== n) fail(f('responses.npy'), 'shape', `[${r}, ${nResp}, ${k}] has ${nResp} images, images.npy has ${n}`);
  const lengths: [string, string, number, number][] = [
    ['image_ids.npy', 'shape', set.imageIds.length, n], ['repetitions.npy', 'shape', set.repetitions.length, k],
    ['labels.npy', 'shape', set.labels?.length ?? n, n], ['rates.npy', 'shape', set.rates?.length ?? n * k, n * k],
    ['meta.json', 'subject_ids', m.subject_ids.length, k], ['meta.json', 'session_of_neuron', m.session_of_neuron.length, k],
    ['meta.json', 'image_types', m.image_types.length, n], ['meta.json', 'rf_centres', m.rf_centres?.length ?? k, k],
    ...Object.entries(m.ground_truth ?? {}).map(([key, v]): [string, string, number, number] => ['meta.json', `ground_truth.${key}`, v.length, k]),
  ];
  for (const [file, field, got, want] of lengths) if (got !== want) fail(f(file), field, `length ${got}, expected ${want}`);
  const position = new Map<number, number>();
  set.imageIds.forEach((id, i) => {
    if (position.has(id)) fail(f('image_ids.npy'), 'data', `image id ${id} appears twice (at ${position.get(id)} and ${i})`);
    position.set(id, i);
  });
  const owner = new Map<number, string>();
  for (const name of ['train_ids', 'test_ids', 'val_ids'] as const) {
    m.split[name].forEach((id, j) => {
      if (!position.has(id)) fail(f('meta.json'), `split.${name}[${j}]`, `image id ${id} is not in image_ids.npy`);
      if (owner.has(id)) fail(f('meta.json'), `split.${name}[${j}]`, `image id ${id} is also in split.${owner.get(id)}`);
      owner.set(id, name);
    });
  }
  for (let j = 0; j < k; j++) {
    const rep = set.repetitions[j];
    if (rep < 1 || rep > r) fail(f('repetitions.npy'), `data[${j}]`, `${rep} repeats, responses.npy has ${r}`);
    for (let q = rep; q < r; q++) {
      for (let i = 0; i < n; i++) {
        if (!Number.isNaN(set.responses[(q * n + i) * k + j])) {
          fail(f('responses.npy'), `data[${q}, ${i}, ${j}]`, `neuron ${j} has repetitions ${rep}, so repeat ${q} must be NaN`);
        }
      }
    }
  }
}

/** Positions in the image axis of the images of one split, in the split's order. */
export function splitIndices(set: NeuralSet, split: SplitName): Int32Array {
  const position = new Map<number, number>();
  set.imageIds.forEach((id, i) => position.set(id, i));
  return Int32Array.from(set.meta.split[`${split}_ids`], (id) => position.get(id) as number);
}

/** The repeated responses of the given image positions (default: all), ready for the metrics. */
export function repeatedOf(set: NeuralSet, indices?: ArrayLike<number>): RepeatedResponses {
  const [reps, images, neurons] = set.responseShape;
  const all = { data: set.responses, reps, images, neurons };
  return indices ? selectImages(all, indices) : all;
}

function parseMeta(json: unknown, file: string): NeuralSetMeta {
  const parsed = metaSchema.safeParse(json);
  if (!parsed.success) {
    const where = (path: readonly PropertyKey[]): string =>
      path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)';
    throw new DataError(`${file}: ${parsed.error.issues.map((i) => `${where(i.path)}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

function rank(a: NpyArray & { file: string }, want: number): number[] {
  if (a.shape.length !== want) fail(a.file, 'shape', `expected ${want} dimensions, got (${a.shape.join(', ')})`);
  return a.shape;
}
