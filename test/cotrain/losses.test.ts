/**
 * Co-training losses against float64 references: lnΓ (Lanczos, an independent formula) and its gradient (digamma),
 * the negative-binomial NLL of NBLossWrapper with its gradients, the uncertainty weighting of the three wrappers
 * (values, gradient in s, parameter names), the scaled Poisson objective, and the cosine consistency loss.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/tensor/tensor.js';
import { consistencyLoss, lgamma, negativeBinomialLoss, scaledPoissonLoss, UncertaintyWeighting } from '../../src/cotrain/losses.js';
import { useEngine } from '../helpers/engine.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads, numericGrad } from '../helpers/gradcheck.js';
import { f32, normal, uniform } from '../helpers/rng.js';

const eng = useEngine();
afterEach(() => eng().tape.clear());

/** lnΓ by Lanczos (g = 7, 9 terms), with reflection below ½: accurate to ~1e-14, and not the code's Stirling series. */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61503916999185,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

async function scalar(t: Tensor): Promise<number> {
  const v = await t.item();
  t.dispose();
  return v;
}

describe('lgamma', () => {
  it('matches lnΓ on (0, 1000] and the exact factorials', async () => {
    const e = eng();
    const xs = [0.05, 0.3, 0.5, 1, 1.5, 2, 3, 5.5, 10, 17, 42.25, 100, 999.5];
    const got = (await e.scope(() => lgamma(e.tensor(Float32Array.from(xs)))).read()) as Float32Array;
    expectClose(got, xs.map((x) => lnGamma(Math.fround(x))), { atol: 2e-5, rtol: 2e-6 }, 'lnΓ');
    expect(Math.abs(got[3])).toBeLessThan(1e-5); // lnΓ(1) = 0
    expect(got[8]).toBeCloseTo(Math.log(362880), 4); // lnΓ(10) = ln 9!
    expect(got[2]).toBeCloseTo(0.5 * Math.log(Math.PI), 5);
  });

  it('has the digamma function as its gradient', async () => {
    const e = eng();
    // Away from 0.5, where the reference switches to the reflection formula (a jump of ~4e-9 spoils a central difference).
    const xs = f32([0.25, 0.6, 1, 2.5, 7, 30]);
    const { grads } = await gpuGrads(e, ([x]) => lgamma(x), [{ data: xs, shape: [6] }], new Float64Array(6).fill(1));
    const [want] = numericGrad(([x]) => Array.from(x, lnGamma), [Float64Array.from(xs)], new Float64Array(6).fill(1));
    expectClose(grads[0]!, want, { atol: 2e-4, rtol: 1e-4 }, 'ψ');
    expect(grads[0]![2]).toBeCloseTo(-0.5772156649, 4); // ψ(1) = −γ
  });
});

/** NBLossWrapper in float64, per element. */
function nbRef(pred: ArrayLike<number>, y: ArrayLike<number>, s: number): number[] {
  const r = Math.exp(s);
  return Array.from(pred, (p, i) => (y[i] + r) * Math.log(p + r) - y[i] * Math.log(p) - r * s + lnGamma(r) - lnGamma(y[i] + r) + lnGamma(y[i] + 1) + 1e-5);
}

describe('negativeBinomialLoss', () => {
  const pred = f32(uniform(12, 1, 0.2, 6));
  const y = f32(Array.from(uniform(12, 2, 0, 9), Math.round));

  it('is NBLossWrapper’s NLL (mean and sum) and equals −log NB(y; r, p = ŷ/(ŷ + r))', async () => {
    const e = eng();
    for (const s of [0, 0.8, -1.2]) {
      const ref = nbRef(pred, y, s);
      const mean = await scalar(e.scope(() => negativeBinomialLoss(e.tensor(Float32Array.from(pred), [3, 4]), e.tensor(Float32Array.from(y), [3, 4]),
        e.tensor([s], [1]))));
      expect(mean).toBeCloseTo(ref.reduce((a, b) => a + b, 0) / 12, 4);
      const total = await scalar(e.scope(() => negativeBinomialLoss(e.tensor(Float32Array.from(pred), [3, 4]), e.tensor(Float32Array.from(y), [3, 4]),
        e.tensor([s], [1]), 'sum')));
      expect(total).toBeCloseTo(ref.reduce((a, b) => a + b, 0), 3);
      // The same thing written as a probability: NB(y) = Γ(y+r)/(Γ(r) y!) · (r/(r+ŷ))^r · (ŷ/(r+ŷ))^y.
      const r = Math.exp(s);
      const logPmf = (k: number, m: number) => lnGamma(k + r) - lnGamma(r) - lnGamma(k + 1) + r * Math.log(r / (r + m)) + k * Math.log(m / (r + m));
      expect(ref[5]).toBeCloseTo(-logPmf(y[5], pred[5]) + 1e-5, 9);
    }
  });

  it('differentiates in the prediction and in log r; the target gets no gradient', async () => {
    const e = eng();
    const s = 0.4;
    const dy = [1];
    const { grads } = await gpuGrads(e, ([p, t, lr]) => negativeBinomialLoss(p, t, lr),
      [{ data: pred, shape: [12] }, { data: y, shape: [12], grad: false }, { data: [s], shape: [1] }], dy);
    const [gp, , gs] = numericGrad(([p, t, lr]) => [nbRef(p, t, lr[0]).reduce((a, b) => a + b, 0) / 12],
      [Float64Array.from(pred), Float64Array.from(y), Float64Array.of(s)], dy);
    expectClose(grads[0]!, gp, { atol: 1e-5, rtol: 1e-3 }, 'd/dŷ');
    expectClose(grads[2]!, gs, { atol: 1e-4, rtol: 1e-3 }, 'd/dlog r');
    expect(grads[1]).toBeNull();
  });
});

describe('UncertaintyWeighting', () => {
  it('codes the three wrappers: exp(−s)·CE + s/2, exp(−s)/2·MSE + s/2, and NB with r = e^s', async () => {
    const e = eng();
    const w = new UncertaintyWeighting(e, { img_classification: 'ce', v1: 'mse', counts: 'nb' });
    expect(w.namedParameters().map(([n, t]) => [n, [...t.shape]])).toEqual([['img_classification.log_w', [1]], ['v1.log_w', [1]], ['counts.log_w', [1]]]);
    expect(await w.values()).toEqual({ img_classification: 0, v1: 0, counts: 0 });
    const logits = Float32Array.from(normal(2 * 5, 3));
    const labels = Int32Array.of(1, 4);
    const ce = [0, 1].reduce((acc, i) => {
      const row = Array.from(logits.subarray(i * 5, i * 5 + 5));
      const m = Math.max(...row);
      return acc + (Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) + m - row[labels[i]]) / 2;
    }, 0);
    const pred = Float32Array.from(uniform(6, 4, 0.5, 3));
    const target = Float32Array.from(uniform(6, 5, 0, 4));
    const mse = Array.from(pred).reduce((a, p, i) => a + (p - target[i]) ** 2, 0) / 6;
    for (const s of [0, 0.7]) {
      for (const name of w.tasks()) w.logWeight(name).write([s]);
      const got = await scalar(e.scope(() => w.loss('img_classification', e.tensor(logits, [2, 5]), e.tensor(labels, [2], 'i32'))));
      expect(got).toBeCloseTo(Math.exp(-s) * ce + 0.5 * s, 5);
      const gotMse = await scalar(e.scope(() => w.loss('v1', e.tensor(pred, [2, 3]), e.tensor(target, [2, 3]))));
      expect(gotMse).toBeCloseTo(0.5 * Math.exp(-s) * mse + 0.5 * s, 5);
      const gotNb = await scalar(e.scope(() => w.loss('counts', e.tensor(pred, [2, 3]), e.tensor(Float32Array.from(target, Math.round), [2, 3]))));
      expect(gotNb).toBeCloseTo(nbRef(pred, Array.from(target, Math.round), s).reduce((a, b) => a + b, 0) / 6, 4);
    }
    // d/ds of exp(−s)·CE + s/2 at s = 0.7 is −exp(−0.7)·CE + 1/2: the weight learns to balance the task.
    e.scope(() => e.backward(w.loss('img_classification', e.tensor(logits, [2, 5]), e.tensor(labels, [2], 'i32'))));
    expect((await w.logWeight('img_classification').grad!.read())[0]).toBeCloseTo(-Math.exp(-0.7) * ce + 0.5, 5);
    expect(w.logWeight('v1').grad).toBeNull();
    expect(() => w.loss('v4', e.tensor(pred, [6]), e.tensor(pred, [6]))).toThrow(/unknown task 'v4'/);
    w.dispose();
  });
});

describe('scaledPoissonLoss and consistencyLoss', () => {
  it('scales the summed Poisson loss by √(N/B)', async () => {
    const e = eng();
    const pred = Float32Array.from(uniform(8, 6, 0.3, 4));
    const y = Float32Array.from(uniform(8, 7, 0, 5), Math.round);
    const want = Array.from(pred).reduce((a, p, i) => a + p - y[i] * Math.log(p + 1e-12), 0) * Math.sqrt(100 / 4);
    expect(await scalar(e.scope(() => scaledPoissonLoss(e.tensor(pred, [4, 2]), e.tensor(y, [4, 2]), 100)))).toBeCloseTo(want, 3);
  });

  it('cosine: mean over samples and positions of 1 − cos over channels; 0 for parallel maps, scale-free', async () => {
    const e = eng();
    const [n, c, h, w] = [2, 3, 2, 2];
    const a = Float32Array.from(normal(n * c * h * w, 8));
    const b = Float32Array.from(normal(n * c * h * w, 9));
    let want = 0;
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < h * w; p++) {
        let ab = 0, aa = 0, bb = 0;
        for (let k = 0; k < c; k++) {
          const at = (i * c + k) * h * w + p;
          ab += a[at] * b[at]; aa += a[at] ** 2; bb += b[at] ** 2;
        }
        want += 1 - ab / Math.sqrt((aa + 1e-12) * (bb + 1e-12));
      }
    }
    want /= n * h * w;
    const loss = (x: Float32Array, y: Float32Array, kind: 'cosine' | 'mse' = 'cosine') =>
      scalar(e.scope(() => consistencyLoss(e.tensor(x, [n, c, h, w]), e.tensor(y, [n, c, h, w]), kind)));
    expect(await loss(a, b)).toBeCloseTo(want, 5);
    expect(await loss(a, a.map((v) => 3 * v))).toBeCloseTo(0, 5);
    expect(await loss(a, a.map((v) => -v))).toBeCloseTo(2, 5);
    expect(await loss(a, b, 'mse')).toBeCloseTo(Array.from(a).reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length, 5);
    const { grads } = await gpuGrads(e, ([x, y]) => consistencyLoss(x, y), [{ data: a, shape: [n, c, h, w] }, { data: b, shape: [n, c, h, w] }], [1]);
    expect(grads[0]!.some((v) => v !== 0) && grads[1]!.some((v) => v !== 0)).toBe(true);
  });
});
