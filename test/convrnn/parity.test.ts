// Conv-RNN parity against an independent float64 PyTorch implementation (tools/gen-convrnn-fixture.py, written from
// the authors' semantics): a median RGC with feedback and a cells.py RGC with clamped kernels; a peephole,
// layer-normed ConvLSTM whose feedback enters through the whole-harbor conv and a ConvNormBasicCell. Every node's
// output at every step and every parameter's gradient of loss = Σ_t Σ out_n3[t]·R[t] agree to 1e-4 relative.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { useEngine } from '../helpers/engine.js';
import { ConvRnn } from '../../src/convrnn/graph.js';
import { modelSpecSchema, type ModelSpec } from '../../src/convrnn/spec.js';
import { movieFrames, unroll } from '../../src/convrnn/unroll.js';
import { add, mul } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { slice, squeeze } from '../../src/ops/movement.js';

interface Arr { shape: number[]; data: number[] }
interface Fixture {
  script_sha256: string; spec: ModelSpec; input: Arr; R: Arr; params: Record<string, Arr>;
  outputs: Record<string, number[][]>; loss: number; grads: Record<string, number[]>;
}

const eng = useEngine();

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0; let den = 0;
  for (let i = 0; i < b.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
  return num / Math.max(den, 1e-30);
}

describe.each(['rgc', 'standard'])('convrnn parity: %s', (name) => {
  const fx = JSON.parse(readFileSync(`test/fixtures/convrnn-${name}.json`, 'utf8')) as Fixture;

  it('the fixture was written by the committed script', () => {
    expect(createHash('sha256').update(readFileSync('tools/gen-convrnn-fixture.py')).digest('hex')).toBe(fx.script_sha256);
  });

  it('outputs at every step and all parameter gradients match float64 PyTorch to 1e-4', async () => {
    const e = eng();
    const spec = modelSpecSchema.parse(fx.spec) as ModelSpec;
    const model = new ConvRnn(e, spec, 0);
    const state = new Map(Object.entries(fx.params).map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }]));
    for (const [k, t] of model.namedBuffers()) state.set(k, { shape: [...t.shape], data: new Float32Array(t.size) });
    model.loadStateDict(state);
    const x = e.tensor(Float32Array.from(fx.input.data), fx.input.shape);
    const R = e.tensor(Float32Array.from(fx.R.data), fx.R.shape);
    const { outputs } = unroll(model, movieFrames(x, spec.times, spec.imageOff, spec.blank));
    let loss = null;
    const last = outputs.get(spec.output)!;
    for (let t = 0; t < spec.times; t++) {
      const term = sum(mul(last[t], squeeze(slice(R, 0, t, t + 1), 0)));
      loss = loss ? add(loss, term) : term;
    }
    for (const [node, steps] of Object.entries(fx.outputs)) {
      for (let t = 0; t < steps.length; t++) {
        const got = await outputs.get(node)![t].read();
        expect(relErr(got, steps[t]), `${node} at t=${t}`).toBeLessThan(1e-4);
      }
    }
    expect(Math.abs((await loss!.item()) - fx.loss) / Math.abs(fx.loss)).toBeLessThan(1e-4);
    e.backward(loss!);
    const params = new Map(model.namedParameters());
    expect([...params.keys()].sort()).toEqual(Object.keys(fx.grads).sort());
    for (const [k, g] of Object.entries(fx.grads)) {
      const p = params.get(k)!;
      expect(p.grad, k).not.toBeNull();
      expect(relErr(await p.grad!.read(), g), `d loss / d ${k}`).toBeLessThan(1e-4);
    }
    model.dispose();
  }, 60_000);
});
