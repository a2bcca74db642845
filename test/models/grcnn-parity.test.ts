// GRCNN-55 against an independent PyTorch definition (tools/gen-grcnn-fixture.py, float64): same deterministic
// weights, BN statistics and input, eval-mode BN (see the generator for why), cross-entropy; logits and every
// parameter's gradient must agree.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { useEngine } from '../helpers/engine.js';
import { GRCNN, GRCNN_PRESETS } from '../../src/models/grcnn.js';
import { crossEntropy } from '../../src/ops/softmax.js';
import { readSafetensors } from '../../src/io/safetensors.js';

interface GradStat { shape: number[]; norm: number; idx: number[]; values: number[] }
const fx = JSON.parse(readFileSync('test/fixtures/grcnn55.json', 'utf8')) as {
  logits: number[]; loss: number; labels: number[]; input_shape: number[]; grads: Record<string, GradStat>;
};

/** Mirrors det_values in the generator. */
function detValues(name: string, n: number, scale: number, offset = 0): Float32Array {
  let h = 2166136261;
  for (const ch of Buffer.from(name)) h = Math.imul(h ^ ch, 16777619) >>> 0;
  const phase = ((h % 1000) * 0.001) * 2 * Math.PI;
  return Float32Array.from({ length: n }, (_, i) => offset + scale * Math.sin(0.61803 * (i + 1) + phase));
}

/** max |a − b| / max |b|: the error relative to the tensor's scale. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0; let den = 0;
  for (let i = 0; i < b.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
  return num / den;
}

const eng = useEngine();

describe('GRCNN-55 parity with PyTorch', () => {
  it('has the original parameter names, and logits and all gradients match to 1e-4 relative', async () => {
    const e = eng();
    const model = new GRCNN(e, GRCNN_PRESETS.grcnn55);
    const names = model.namedParameters().map(([n]) => n);
    expect(new Set(names)).toEqual(new Set(Object.keys(fx.grads)));
    for (const [name, p] of model.namedParameters()) {
      const fanIn = p.size / p.shape[0];
      p.write(p.rank === 1 && name.endsWith('weight') ? detValues(name, p.size, 0.2, 1)
        : p.rank === 1 ? detValues(name, p.size, 0.1) : detValues(name, p.size, Math.sqrt(6 / fanIn)));
    }
    for (const [name, b] of model.namedBuffers()) {
      if (name.endsWith('running_mean')) b.write(detValues(name, b.size, 0.1));
      if (name.endsWith('running_var')) b.write(detValues(name, b.size, 0.2, 1));
    }
    model.eval();
    const x = e.tensor(detValues('input', 2 * 3 * 64 * 64, 1), fx.input_shape);
    const y = e.tensor(Int32Array.from(fx.labels), [2], 'i32');
    const logits = model.call(x);
    const loss = crossEntropy(logits, y);
    e.backward(loss);
    expect(relErr(await logits.read(), fx.logits), 'logits').toBeLessThanOrEqual(1e-4);
    expect(Math.abs((await loss.item()) - fx.loss) / fx.loss, 'loss').toBeLessThanOrEqual(1e-4);
    const worst: [string, number][] = [];
    for (const [name, p] of model.namedParameters()) {
      const want = fx.grads[name];
      const g = await p.grad!.read();
      let sq = 0;
      for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
      const norm = Math.sqrt(sq);
      const sampleErr = Math.max(...want.idx.map((i, k) => Math.abs(g[i] - want.values[k]))) / want.norm;
      worst.push([name, Math.max(Math.abs(norm - want.norm) / want.norm, sampleErr)]);
    }
    worst.sort((a, b) => b[1] - a[1]);
    expect(worst[0][1], `worst gradient: ${worst[0][0]}`).toBeLessThanOrEqual(1e-4);
    model.dispose();
    for (const t of [x, y, logits, loss]) t.dispose();
  });

  it('loads a state dict converted from PyTorch by tools/convert-grcnn.py', () => {
    const e = eng();
    const model = new GRCNN(e, GRCNN_PRESETS.grcnn55);
    const { tensors, metadata } = readSafetensors('test/fixtures/grcnn55-stem-layer1.safetensors');
    expect(metadata.source).toBe('tools/convert-grcnn.py');
    expect(tensors.size).toBeGreaterThan(50);
    // The file holds the stem and layer1 only; every name in it must exist in our model with its shape.
    model.loadStateDict(tensors, { strict: false });
    const own = model.stateDict();
    for (const [name, t] of tensors) expect(own.get(name)?.shape, name).toEqual(t.shape);
    model.dispose();
  });
});
