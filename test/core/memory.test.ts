// 1,000 training steps of a small conv net: live tensors, live bytes and device allocation must stay flat.
import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { uniform } from '../helpers/rng.js';
import { adaptiveAvgPool2d, batchNorm, conv2d, crossEntropy, flatten, linear, relu, gatedResidual } from '../../src/ops/index.js';
import { SGD } from '../../src/optim/sgd.js';

const eng = useEngine();

describe('memory', () => {
  it('1,000 steps of a small conv net leave live tensors and pool bytes flat', async () => {
    const e = eng();
    const p = (n: number, shape: number[], seed: number) => e.parameter(Float32Array.from(uniform(n, seed, -0.3, 0.3)), shape);
    const w1 = p(4 * 1 * 3 * 3, [4, 1, 3, 3], 1);
    const wg = p(4 * 4, [4, 4, 1, 1], 2);
    const gamma = e.parameter(new Float32Array(4).fill(1), [4]);
    const beta = e.parameter(new Float32Array(4), [4]);
    const rm = e.zeros([4]).keep();
    const rv = e.ones([4]).keep();
    const w2 = p(3 * 4, [3, 4], 3);
    const x = e.tensor(Float32Array.from(uniform(4 * 64, 4)), [4, 1, 8, 8]).keep();
    const y = e.tensor(Int32Array.from([0, 1, 2, 1]), [4], 'i32').keep();
    const opt = new SGD([w1, wg, gamma, beta, w2], { lr: 0.05, momentum: 0.9 });
    const step = () => e.scope(() => {
      const h = relu(batchNorm(conv2d(x, w1, null, { padding: 1 }), gamma, beta, rm, rv, { training: true }));
      const g = gatedResidual(h, conv2d(h, wg, null), h);
      const loss = crossEntropy(linear(flatten(adaptiveAvgPool2d(g, 1)), w2, null), y);
      e.backward(loss);
      opt.step();
      opt.zeroGrad();
    });
    const samples: { live: number; bytes: number; alloc: number }[] = [];
    for (let i = 0; i < 1000; i++) {
      step();
      if (i % 100 === 99) {
        await e.sync();
        const s = e.stats();
        samples.push({ live: s.liveTensors, bytes: s.liveBytes, alloc: s.allocatedBytes });
      }
    }
    const base = samples[1];
    for (const s of samples.slice(1)) {
      expect(s.live, 'live tensors').toBe(base.live);
      expect(s.bytes, 'live bytes').toBe(base.bytes);
      expect(s.alloc, 'device-allocated bytes').toBe(base.alloc);
    }
    expect(e.tape.entries.length).toBe(0);
    for (const t of [w1, wg, gamma, beta, rm, rv, w2, x, y]) t.dispose();
    opt.dispose();
  });
});
