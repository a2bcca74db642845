import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNeuralSet, repeatedOf, splitIndices, validateNeuralSet, writeNeuralSet, type NeuralSet } from '../../src/data/neuralset.js';
import { simV1, simV1ToNeuralSet } from '../../src/data/sim-v1.js';
import { DataError } from '../../src/data/dataset.js';
import { readNpy, writeNpy } from '../../src/data/npy.js';

const root = mkdtempSync(join(tmpdir(), 'neuralset-'));
afterAll(() => rmSync(root, { recursive: true }));
let n = 0;
const fresh = (): string => join(root, `set${n++}`);

/** N = 3 images (u1, 2×2), K = 2 neurons, R = 2 repeats; neuron 1 has one repeat. */
function tiny(): NeuralSet {
  return {
    images: Uint8Array.from({ length: 12 }, (_, i) => i * 20),
    imageShape: [3, 2, 2],
    imageIds: Int32Array.from([10, 11, 12]),
    responses: Float32Array.from([1, 2, 3, 4, 5, 6, 7, NaN, 8, NaN, 9, NaN]),
    responseShape: [2, 3, 2],
    repetitions: Int32Array.from([2, 1]),
    labels: Int32Array.from([0, 1, 0]),
    meta: {
      subject_ids: ['m1', 'm1'], session_of_neuron: [0, 1], image_types: ['original', 'conv1', 'original'],
      split: { train_ids: [10, 11], test_ids: [12], val_ids: [] }, units: 'spikes', time_window: [40, 100],
      source: 'hand-made', license: 'CC0-1.0',
    },
  };
}

describe('neuralset-v0 round trips', () => {
  it('sim-v1 exports with its ground truth and reads back unchanged', () => {
    const sim = simV1({ seed: 2, images: 20, neurons: 8, size: 16 });
    const set = simV1ToNeuralSet(sim);
    const dir = fresh();
    writeNeuralSet(dir, set);
    const back = readNeuralSet(dir);
    expect(back.images).toEqual(sim.images);
    expect(back.responses).toEqual(sim.responses);
    expect(back.rates).toEqual(Float32Array.from(sim.rates));
    expect(Array.from(back.repetitions)).toEqual(sim.neurons.map((x) => x.repetitions));
    expect(back.meta).toEqual({ ...set.meta, format: 'neuralset-v0' });
    expect(back.meta.rf_centres?.[3]).toEqual([sim.neurons[3].x, sim.neurons[3].y]);
    expect(back.meta.ground_truth?.cell_type).toEqual(sim.neurons.map((x) => x.cell));
    expect(Array.from(splitIndices(back, 'test'))).toEqual(Array.from(sim.testIndices));
    const test = repeatedOf(back, splitIndices(back, 'test'));
    expect([test.reps, test.images, test.neurons]).toEqual([4, 4, 8]);
    expect(test.data[(1 * 4 + 2) * 8 + 5]).toBe(sim.responses[(1 * 20 + 18) * 8 + 5]);
  });

  it('u1 images, labels and int64 ids (as numpy saves them by default)', () => {
    const dir = fresh();
    writeNeuralSet(dir, tiny());
    writeNpy(join(dir, 'image_ids.npy'), { dtype: 'i8', shape: [3], data: BigInt64Array.from([10n, 11n, 12n]) });
    const back = readNeuralSet(dir);
    expect(back.images).toEqual(tiny().images);
    expect(back.imageIds).toEqual(tiny().imageIds);
    expect(back.labels).toEqual(tiny().labels);
    expect(back.rates).toBeUndefined();
    expect(Array.from(splitIndices(back, 'train'))).toEqual([0, 1]);
    expect(readNpy(join(dir, 'responses.npy')).shape).toEqual([2, 3, 2]);
  });
});

describe('neuralset-v0 validation names the file and the field', () => {
  const broken = (edit: (dir: string) => void): string => {
    const dir = fresh();
    writeNeuralSet(dir, tiny());
    edit(dir);
    return dir;
  };
  const meta = (dir: string, change: (m: Record<string, unknown>) => void): void => {
    const m = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Record<string, unknown>;
    change(m);
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(m));
  };
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['missing meta field', (d) => meta(d, (m) => { delete m.units; }), /meta\.json: units: /],
    ['wrong nested type', (d) => meta(d, (m) => { (m.split as { train_ids: unknown[] }).train_ids[1] = 'x'; }), /meta\.json: split\.train_ids\[1\]: /],
    ['bad JSON', (d) => writeFileSync(join(d, 'meta.json'), '{"units": '), /meta\.json: JSON: /],
    ['split id not an image', (d) => meta(d, (m) => { (m.split as { test_ids: number[] }).test_ids = [99]; }), /meta\.json: split\.test_ids\[0\]: image id 99 is not in image_ids\.npy/],
    ['overlapping splits', (d) => meta(d, (m) => { (m.split as { val_ids: number[] }).val_ids = [11]; }), /meta\.json: split\.val_ids\[0\]: image id 11 is also in split\.train_ids/],
    ['image_types length', (d) => meta(d, (m) => { m.image_types = ['a']; }), /meta\.json: image_types: length 1, expected 3/],
    ['subject_ids length', (d) => meta(d, (m) => { m.subject_ids = ['a', 'b', 'c']; }), /meta\.json: subject_ids: length 3, expected 2/],
    ['missing file', (d) => unlinkSync(join(d, 'images.npy')), /images\.npy: file: missing/],
    ['responses in f8', (d) => writeNpy(join(d, 'responses.npy'), { dtype: 'f8', shape: [2, 3, 2], data: new Float64Array(12) }), /responses\.npy: descr: expected f4 \(float32\), got f8/],
    ['responses rank', (d) => writeNpy(join(d, 'responses.npy'), { dtype: 'f4', shape: [6, 2], data: new Float32Array(12) }), /responses\.npy: shape: expected 3 dimensions, got \(6, 2\)/],
    ['responses image count', (d) => writeNpy(join(d, 'responses.npy'), { dtype: 'f4', shape: [1, 2, 2], data: new Float32Array(4) }), /responses\.npy: shape: \[1, 2, 2\] has 2 images, images\.npy has 3/],
    ['recorded value in a missing repeat', (d) => writeNpy(join(d, 'responses.npy'), { dtype: 'f4', shape: [2, 3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, NaN, 8, 0, 9, NaN]) }),
      /responses\.npy: data\[1, 1, 1\]: neuron 1 has repetitions 1, so repeat 1 must be NaN/],
    ['too many repetitions', (d) => writeNpy(join(d, 'repetitions.npy'), { dtype: 'i4', shape: [2], data: Int32Array.from([2, 3]) }), /repetitions\.npy: data\[1\]: 3 repeats, responses\.npy has 2/],
    ['duplicate image id', (d) => writeNpy(join(d, 'image_ids.npy'), { dtype: 'i4', shape: [3], data: Int32Array.from([10, 11, 10]) }), /image_ids\.npy: data: image id 10 appears twice/],
    ['float image ids', (d) => writeNpy(join(d, 'image_ids.npy'), { dtype: 'f4', shape: [3], data: new Float32Array(3) }), /image_ids\.npy: descr: expected an integer dtype, got f4/],
    ['truncated npy', (d) => writeFileSync(join(d, 'labels.npy'), readFileSync(join(d, 'labels.npy')).subarray(0, 130)), /labels\.npy: data: truncated/],
  ];
  for (const [what, edit, message] of cases) {
    it(what, () => {
      const dir = broken(edit);
      expect(() => readNeuralSet(dir)).toThrow(DataError);
      expect(() => readNeuralSet(dir)).toThrow(message);
    });
  }

  it('the writer refuses an inconsistent set before touching the disk', () => {
    const set = tiny();
    set.repetitions = Int32Array.from([2, 0]);
    expect(() => validateNeuralSet(set, 'x')).toThrow(/x\/repetitions\.npy: data\[1\]: 0 repeats/);
    const dir = fresh();
    expect(() => writeNeuralSet(dir, set)).toThrow(DataError);
    expect(() => readFileSync(join(dir, 'meta.json'))).toThrow();
  });
});
