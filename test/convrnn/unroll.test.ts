// Biological unrolling: node k first sees the image at t = k − 1 (nodes compute from t = 0 on biases alone), a
// feedback edge adds one step of delay, and the movie shows the image then the 0.5 blank.
import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { uniform, f32 } from '../helpers/rng.js';
import { ConvRnn } from '../../src/convrnn/graph.js';
import { presetModel } from '../../src/convrnn/models.js';
import { movieFrames, unroll } from '../../src/convrnn/unroll.js';

const eng = useEngine();

async function differs(a: Float32Array | Int32Array, b: Float32Array | Int32Array): Promise<boolean> {
  return a.some((v, i) => Math.abs(v - b[i]) > 1e-7);
}

describe('unroll', () => {
  it('layer k first sees the image at t = k − 1; the output node one step after the last conv', async () => {
    const e = eng();
    const spec = { ...presetModel('rgc_small_fb', 3), times: 6, imageOff: 6 };
    const m = new ConvRnn(e, spec, 1);
    const img = (seed: number) => e.tensor(f32(uniform(64 * 64, seed)), [1, 1, 64, 64]);
    const a = e.noGrad(() => unroll(m, movieFrames(img(1), spec.times, spec.imageOff, spec.blank)));
    const b = e.noGrad(() => unroll(m, movieFrames(img(2), spec.times, spec.imageOff, spec.blank)));
    const names = ['conv1', 'conv2', 'conv3', 'conv4', 'imnetds'];
    for (const [k, name] of names.entries()) {
      const seen: boolean[] = [];
      for (let t = 0; t < spec.times; t++) seen.push(await differs(await a.outputs.get(name)![t].read(), await b.outputs.get(name)![t].read()));
      expect(seen, name).toEqual(seen.map((_, t) => t >= k));
    }
    // Nodes compute at t = 0 from their biases: imnetds' t = 0 output is a function of zeros, the same for both.
    expect(a.logits.shape).toEqual([1, 3]);
    m.dispose();
  });

  it('feedback adds one step: conv3 feels conv4\'s feedback from t = 4 on (conv4 sees the image at t = 3)', async () => {
    const e = eng();
    const spec = { ...presetModel('rgc_small_fb', 3), times: 6, imageOff: 6 };
    const withFb = new ConvRnn(e, spec, 1);
    const noFb = new ConvRnn(e, { ...spec, edges: spec.edges.filter(([f, t]) => !(f === 'conv4' && t === 'conv3')) }, 1);
    // Copy the shared weights: the no-feedback model lacks only conv3's feedback conv.
    const own = noFb.stateDict();
    for (const [n, t] of withFb.stateDict()) if (own.has(n)) own.get(n)!.write(await t.read());
    const img = e.tensor(f32(uniform(64 * 64, 5)), [1, 1, 64, 64]);
    const frames = movieFrames(img, spec.times, spec.imageOff, spec.blank);
    const a = e.noGrad(() => unroll(withFb, frames));
    const b = e.noGrad(() => unroll(noFb, frames));
    const seen: boolean[] = [];
    for (let t = 0; t < spec.times; t++) seen.push(await differs(await a.outputs.get('conv3')![t].read(), await b.outputs.get('conv3')![t].read()));
    // conv4's output is 0 until the image reaches it at t = 3 (zero-initialised biases, zero states); its
    // feedback reaches conv3 one step later.
    expect(seen).toEqual([false, false, false, false, true, true]);
    withFb.dispose(); noFb.dispose();
  });

  it('the movie is the image for imageOff steps then a constant blank', async () => {
    const e = eng();
    const img = e.tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    const f = movieFrames(img, 4, 2, 0.5);
    expect(f[0]).toBe(img);
    expect(f[1]).toBe(img);
    expect(Array.from(await f[3].read())).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});
