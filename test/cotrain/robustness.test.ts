/**
 * evaluateRobustness: accuracies a hand model makes predictable (brightness flips dark images at known severities),
 * corruption streams keyed by dataset index whatever the batch size, the host transform applied after the
 * corruption, the default 14 × 5 grid, and argument checks.
 */
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { Dataset, Sample } from '../../src/data/dataset.js';
import { Layer } from '../../src/nn/layers.js';
import { addScalar, scale } from '../../src/ops/elementwise.js';
import { mean } from '../../src/ops/reduce.js';
import { concat, reshape } from '../../src/ops/movement.js';
import { corrupt } from '../../src/corrupt/corrupt.js';
import { TIN_TC_CORRUPTIONS } from '../../src/corrupt/catalogue.js';
import { evaluateRobustness } from '../../src/cotrain/robustness.js';
import { useEngine } from '../helpers/engine.js';

const eng = useEngine();

/** Two classes by mean intensity: logits [t − m, m − t] (class 1 = brighter than t). */
class MeanThreshold extends Layer {
  constructor(engine: Engine, readonly threshold: number) { super(engine); }

  forward(x: Tensor): Tensor {
    const m = reshape(mean(x, [1, 2, 3]), [x.shape[0], 1]);
    return concat([addScalar(scale(m, -1), this.threshold), addScalar(m, -this.threshold)], 1);
  }
}

/** Uniform gray images of the given values, 1 × s × s, with the given labels. */
function flatImages(values: readonly number[], labels: readonly number[], s = 16): Dataset {
  return {
    size: values.length, numClasses: 2, classNames: ['dark', 'bright'],
    get(i): Sample { return { data: new Float32Array(s * s).fill(values[i]), shape: [1, s, s], label: labels[i] }; },
  };
}

describe('evaluateRobustness', () => {
  it('gives the accuracies a hand model predicts: gray brightness clip(x + c) flips dark images from severity 4', async () => {
    // c = .1 … .5: dark 0.15 + c crosses 0.5 at c = .4; bright images stay bright; contrast keeps a flat image.
    const data = flatImages([0.15, 0.85, 0.15, 0.85, 0.15, 0.85], [0, 1, 0, 1, 0, 1]);
    const model = new MeanThreshold(eng(), 0.5);
    model.train();
    const r = await evaluateRobustness(eng(), model, data, { corruptions: ['brightness', 'contrast'], table: 224, seed: 3, batchSize: 4 });
    expect(r.clean).toBe(1);
    expect(r.acc.brightness).toEqual([1, 1, 1, 0.5, 0.5]);
    expect(r.acc.contrast).toEqual([1, 1, 1, 1, 1]);
    expect(Object.keys(r.acc)).toEqual(['brightness', 'contrast']);
    expect(model.training).toBe(true);
    const some = await evaluateRobustness(eng(), model, data, { corruptions: ['brightness'], severities: [5, 2], table: 224, seed: 3, batchSize: 6 });
    expect(some.acc.brightness).toEqual([0.5, 1]);
  });

  it('corrupts image i with the stream of dataset index i, whatever the batch size', async () => {
    // Images at exactly the threshold: the sign of each image's noise decides its class. Labels are taken from
    // the whole set corrupted in one call, so any other keying of the batches scores about 50%.
    const n = 14, s = 8;
    const all = eng().tensor(new Float32Array(n * s * s).fill(0.5), [n, 1, s, s]);
    const labels: Record<string, number[]> = {};
    for (const [name, sev] of [['gaussian_noise', 2], ['impulse_noise', 4]] as const) {
      const y = corrupt(all, name, sev, { seed: 9, firstIndex: 0, table: 64 });
      const v = (await y.read()) as Float32Array;
      y.dispose();
      labels[`${name}${sev}`] = Array.from({ length: n }, (_, i) => (v.subarray(i * s * s, (i + 1) * s * s).reduce((a, b) => a + b, 0) / (s * s) > 0.5 ? 1 : 0));
    }
    all.dispose();
    const model = new MeanThreshold(eng(), 0.5);
    for (const [name, sev] of [['gaussian_noise', 2], ['impulse_noise', 4]] as const) {
      const lab = labels[`${name}${sev}`];
      expect(new Set(lab).size, 'the noise sends images both ways').toBe(2);
      const data = flatImages(new Array(n).fill(0.5), lab, s);
      for (const batchSize of [3, 5, 14]) {
        const r = await evaluateRobustness(eng(), model, data, { corruptions: [name], severities: [sev], table: 64, seed: 9, batchSize });
        expect(r.acc[name], `${name} batch ${batchSize}`).toEqual([1]);
      }
      const other = await evaluateRobustness(eng(), model, data, { corruptions: [name], severities: [sev], table: 64, seed: 10, batchSize: 5 });
      expect(other.acc[name][0], 'another seed draws other noise').toBeLessThan(1);
    }
  });

  it('applies the transform after the corruption, as the paper (corrupt in [0, 1], then normalise)', async () => {
    const data = flatImages([0.15, 0.85, 0.3, 0.62, 0.45, 0.55, 0.05], [0, 1, 0, 1, 0, 1, 0]);
    const opts = { corruptions: ['brightness', 'gaussian_noise'], table: 224 as const, seed: 1, batchSize: 3 };
    const plain = await evaluateRobustness(eng(), new MeanThreshold(eng(), 0.5), data, opts);
    // (x − 0.5)/0.25 moves the threshold to 0. Normalising before the corruption would clip dark images to 0
    // (brightness) and scale the noise by 1/4, which changes these numbers.
    const normalised = await evaluateRobustness(eng(), new MeanThreshold(eng(), 0), data, {
      ...opts, transform: (img) => ({ data: img.data.map((v) => (v - 0.5) / 0.25), shape: img.shape }),
    });
    expect(normalised).toEqual(plain);
    expect(plain.acc.brightness.slice(3)).not.toEqual([1, 1]);
  });

  it('defaults to the 14 TIN-TC corruptions × severities 1…5', async () => {
    const data = flatImages([0.2, 0.8], [0, 1], 32);
    const r = await evaluateRobustness(eng(), new MeanThreshold(eng(), 0.5), data, { table: 64, seed: 0, batchSize: 2 });
    expect(Object.keys(r.acc)).toEqual([...TIN_TC_CORRUPTIONS]);
    for (const c of TIN_TC_CORRUPTIONS) {
      expect(r.acc[c]).toHaveLength(5);
      for (const a of r.acc[c]) expect([0, 0.5, 1]).toContain(a);
    }
    expect(r.clean).toBe(1);
  });

  it('rejects unknown corruptions, bad severities and multi-view transforms', async () => {
    const data = flatImages([0.2], [0]);
    const model = new MeanThreshold(eng(), 0.5);
    const base = { table: 64 as const, seed: 0, batchSize: 1 };
    await expect(evaluateRobustness(eng(), model, data, { ...base, corruptions: ['rain'] })).rejects.toThrow(/unknown corruption 'rain'/);
    await expect(evaluateRobustness(eng(), model, data, { ...base, corruptions: ['fog'], severities: [6] })).rejects.toThrow(/severity 6/);
    await expect(evaluateRobustness(eng(), model, data, { ...base, corruptions: ['fog', 'fog'] })).rejects.toThrow(/twice/);
    await expect(evaluateRobustness(eng(), model, data, { ...base, corruptions: ['fog'], transform: (img) => [img, img] }))
      .rejects.toThrow(/several views/);
  });
});
