import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { add, mul, relu, sum, sub, square } from '../../src/ops/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { uniform } from '../helpers/rng.js';
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { GRCNN } from '../../src/models/grcnn.js';
import { crossEntropy } from '../../src/ops/softmax.js';

const eng = useEngine();

/** A tiny regression model; returns the loss tensor of one SGD step on (x, y). */
function trainStep(e: Engine, w: Tensor, b: Tensor, x: Tensor, y: Tensor, opt: SGD): Tensor {
  return e.scope(() => {
    const pred = relu(add(mul(x, w), b));
    const loss = sum(square(sub(pred, y)));
    e.backward(loss);
    opt.step();
    opt.zeroGrad();
    return loss;
  });
}

describe('step capture and replay', () => {
  it('replayed training steps equal eager steps, with new inputs written between replays', async () => {
    const e = eng();
    const batches = [0, 1, 2, 3, 4].map((k) => [Float32Array.from(uniform(8, 10 + k)), Float32Array.from(uniform(8, 20 + k))]);
    const run = async (captured: boolean) => {
      const w = e.parameter(Float32Array.from(uniform(8, 1)), [8], 'w');
      const b = e.parameter(new Float32Array(8).fill(0.1), [8], 'b');
      const x = e.tensor(batches[0][0], [8]).keep();
      const y = e.tensor(batches[0][1], [8]).keep();
      const opt = new SGD([w, b], { lr: 0.05, momentum: 0.9 });
      const losses: number[] = [];
      const first = trainStep(e, w, b, x, y, opt); // eager: creates the momentum buffers
      losses.push(await first.item()); first.dispose();
      if (captured) {
        x.write(batches[1][0]); y.write(batches[1][1]);
        const { step, result: loss } = e.capture(() => trainStep(e, w, b, x, y, opt));
        losses.push(await loss.item());
        for (let k = 2; k < 5; k++) {
          x.write(batches[k][0]); y.write(batches[k][1]);
          step.replay();
          losses.push(await loss.item());
        }
        expect(step.dispatchCount).toBeGreaterThan(5);
        loss.dispose();
        step.dispose();
      } else {
        for (let k = 1; k < 5; k++) {
          x.write(batches[k][0]); y.write(batches[k][1]);
          const l = trainStep(e, w, b, x, y, opt);
          losses.push(await l.item()); l.dispose();
        }
      }
      const wv = Array.from(await w.read());
      for (const t of [w, b, x, y]) t.dispose();
      opt.dispose();
      return { losses, wv };
    };
    const eager = await run(false);
    const replayed = await run(true);
    expect(replayed.losses).toEqual(eager.losses);
    expect(replayed.wv).toEqual(eager.wv);
  });

  it('buffers a captured step uses are not handed to later eager tensors', async () => {
    const e = eng();
    const x = e.tensor([1, 2, 3, 4]).keep();
    const { step, result } = e.capture(() => e.scope(() => sum(relu(add(x, x)))));
    // Eager work after the capture allocates the same sizes; it must not land in the capture's temporaries.
    const other = e.scope(() => add(e.full([4], 100), e.full([4], 1)));
    step.replay();
    expect(await result.item()).toBe(20);
    expect(Array.from(await other.read())).toEqual([101, 101, 101, 101]);
    step.dispose();
    for (const t of [x, result, other]) t.dispose();
  });

  it('replays a whole GRCNN training step (BN, gates, pooling, CE, SGD) with the losses an eager run gets', async () => {
    const e = eng();
    const cfg = { inChannels: 1, numClasses: 3, stem: 'small' as const, stemChannels: 4, planes: [4, 8], expansion: 2, iters: [1, 1], groups: 2, weightSharing: false, seed: 5 };
    const run = async (replay: boolean) => {
      const model = new GRCNN(e, cfg);
      const x = e.tensor(Float32Array.from(uniform(2 * 16 * 16, 3)), [2, 1, 16, 16]).keep();
      const y = e.tensor(Int32Array.from([0, 2]), [2], 'i32').keep();
      const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      const step = () => e.scope(() => {
        const l = crossEntropy(model.call(x), y);
        e.backward(l);
        opt.step();
        opt.zeroGrad();
        return l;
      });
      const out: number[] = [];
      const first = step();
      out.push(await first.item()); first.dispose();
      if (replay) {
        const { step: cap, result } = e.capture(step);
        out.push(await result.item());
        for (let i = 0; i < 3; i++) { cap.replay(); out.push(await result.item()); }
        cap.dispose(); result.dispose();
      } else {
        for (let i = 0; i < 4; i++) { const l = step(); out.push(await l.item()); l.dispose(); }
      }
      opt.dispose(); model.dispose(); x.dispose(); y.dispose();
      return out;
    };
    expect(await run(true)).toEqual(await run(false));
  });

  it('refuses uploads inside a capture, naming the fix', () => {
    const e = eng();
    expect(() => e.capture(() => e.tensor([1, 2]))).toThrow(/uploads cannot be captured/);
    expect(e.runtime.capturing).toBe(false);
  });
});
