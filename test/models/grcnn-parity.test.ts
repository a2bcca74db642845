// GRCNN-55 against an independent PyTorch definition (tools/gen-grcnn-fixture.py, float64): same deterministic pseudo-random
// weights, BN statistics and input, eval-mode BN (see the generator for why), cross-entropy; logits and every
// parameter's gradient must agree. The fixture is well-posed: no ReLU input lies within `tau` of 0 and no max-pool
// window's winner within `tau` of its runner-up (the generator picks the input seed and nudges a few BN biases so),
// so f32 rounding cannot flip a ReLU derivative or a pool's choice and the float64 answer is the f32 one to ~1e-5.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { useEngine } from '../helpers/engine.js';
import { GRCNN, GRCNN_PRESETS } from '../../src/models/grcnn.js';
import { crossEntropy } from '../../src/ops/softmax.js';
import { readSafetensors } from '../../src/io/safetensors.js';

interface GradStat { shape: number[]; norm: number; idx: number[]; values: number[] }
const fx = JSON.parse(readFileSync('test/fixtures/grcnn55.json', 'utf8')) as {
  logits: number[]; loss: number; labels: number[]; input_name: string; input_shape: number[]; grads: Record<string, GradStat>;
  bias_overrides: Record<string, [number, number][]>;
  well_posedness: {
    tau: number; relu_min_rel_margin: number; relu_min_abs_input: number; maxpool_min_rel_gap: number; maxpool_min_gap: number;
    min_margin_over_torch_f32_dev: number;
  };
};

/** Mirrors det_values in the generator: uniform on [offset − scale, offset + scale] from an integer hash of (name, i). */
function detValues(name: string, n: number, scale: number, offset = 0): Float32Array {
  let h = 2166136261;
  for (const ch of Buffer.from(name)) h = Math.imul(h ^ ch, 16777619) >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = (Math.imul(i + 1, 0x9e3779b1) ^ h) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    out[i] = offset + scale * (2 * (z / 4294967296) - 1);
  }
  return out;
}

/** max |a − b| / max |b|: the error relative to the tensor's scale. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0; let den = 0;
  for (let i = 0; i < b.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
  return num / den;
}

const eng = useEngine();

describe('GRCNN-55 parity with PyTorch', () => {
  it('comes from a well-posed fixture (no ReLU input or max-pool choice within f32 reach of its kink)', () => {
    const w = fx.well_posedness;
    // Margins are in units of max(1, RMS of the layer's values); tau ≥ 1e-4 of that, and ≥ 1e-4 absolute.
    expect(w.tau).toBeGreaterThanOrEqual(1e-4);
    expect(w.relu_min_rel_margin).toBeGreaterThanOrEqual(w.tau);
    expect(w.maxpool_min_rel_gap).toBeGreaterThanOrEqual(w.tau);
    expect(Math.min(w.relu_min_abs_input, w.maxpool_min_gap)).toBeGreaterThanOrEqual(1e-4);
    // PyTorch's own f32 run moves no ReLU input by more than a tenth of the margin.
    expect(w.min_margin_over_torch_f32_dev).toBeGreaterThanOrEqual(10);
    for (const name of Object.keys(fx.bias_overrides)) expect(fx.grads[name], name).toBeDefined();
  });

  it('has the original parameter names, and logits and all gradients match to 1e-4 relative', async () => {
    const e = eng();
    const model = new GRCNN(e, GRCNN_PRESETS.grcnn55);
    const names = model.namedParameters().map(([n]) => n);
    expect(new Set(names)).toEqual(new Set(Object.keys(fx.grads)));
    for (const [name, p] of model.namedParameters()) {
      const fanIn = p.size / p.shape[0];
      const v = p.rank === 1 && name.endsWith('weight') ? detValues(name, p.size, 0.2, 1)
        : p.rank === 1 ? detValues(name, p.size, 0.1) : detValues(name, p.size, Math.sqrt(6 / fanIn));
      for (const [c, value] of fx.bias_overrides[name] ?? []) v[c] = value;
      p.write(v);
    }
    for (const [name, b] of model.namedBuffers()) {
      if (name.endsWith('running_mean')) b.write(detValues(name, b.size, 0.1));
      if (name.endsWith('running_var')) b.write(detValues(name, b.size, 0.2, 1));
    }
    model.eval();
    const x = e.tensor(detValues(fx.input_name, fx.input_shape.reduce((a, b) => a * b, 1), 1), fx.input_shape);
    const y = e.tensor(Int32Array.from(fx.labels), [fx.labels.length], 'i32');
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
    const top = worst.slice(0, 5).map(([n, r]) => `${n} ${r.toExponential(2)}`).join(', ');
    expect(worst[0][1], `worst gradients: ${top}`).toBeLessThanOrEqual(1e-4);
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
