import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, normal, rng, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads, numericGrad, type GpuInput } from '../helpers/gradcheck.js';
import { crossEntropy, logSoftmax, softmax } from '../../src/ops/softmax.js';
import {
  crossEntropyBackwardRef, crossEntropyRef, softmaxBackwardRef, softmaxRef, type CrossEntropyTarget, type Reduction,
} from '../../src/ref/softmax.js';
import { ShapeError } from '../../src/errors.js';
import { numel } from '../../src/tensor/shape.js';

const eng = useEngine();
const TOL = { atol: 1e-5, rtol: 1e-4 };
const GRAD_TOL = { atol: 1e-4, rtol: 1e-3 };

// Rows of 1…16400 classes: a thread per row up to 64 classes or from 256 rows on, else a workgroup per row (256
// threads from 16384 classes); inner axes, where rows are strided, in both variants.
const CASES: [number[], number][] = [
  [[3, 1], -1], [[2, 3], -1], [[7], 0], [[3, 17], 1], [[2, 65], -1], [[2, 1000], -1], [[1, 16400], -1],
  [[300, 70], -1], [[2, 7, 3], 1], [[3, 65, 2], 1], [[17, 2], 0], [[2, 3, 5, 4], 1], [[2, 100, 130], 1],
];

/** Random probability rows (each sums to 1). */
function probs(n: number, c: number, seed: number): Float64Array {
  const p = f32(uniform(n * c, seed, 0, 1));
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += p[r * c + k];
    for (let k = 0; k < c; k++) p[r * c + k] /= s;
  }
  return f32(p);
}

function labels(n: number, c: number, seed: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * c));
}

describe('softmax and logSoftmax', () => {
  for (const log of [false, true]) {
    const name = log ? 'logSoftmax' : 'softmax';
    const op = log ? logSoftmax : softmax;
    it(`${name} forward and backward match the reference along any axis`, async () => {
      const e = eng();
      for (const [shape, axis] of CASES) {
        const n = numel(shape);
        const x = f32(uniform(n, n + 3, -4, 4));
        const dy = f32(normal(n, n + 4));
        const y = softmaxRef(x, shape, axis, log);
        const { out, grads } = await gpuGrads(e, ([t]) => op(t, axis), [{ data: x, shape }], dy);
        expectClose(out, y, TOL, `${name} ${shape} axis ${axis}`);
        const ref = softmaxBackwardRef(y, dy, shape, axis, log);
        expectClose(grads[0]!, ref, GRAD_TOL, `${name} grad ${shape} axis ${axis}`);
        if (n <= 200) {
          const num = numericGrad(([t]) => softmaxRef(t, shape, axis, log), [Float64Array.from(x)], dy);
          expectClose(ref, num[0], GRAD_TOL, `${name} reference grad ${shape} axis ${axis}`);
        }
      }
    });
  }

  it('is stable for huge logits (exact 1 and 0, log-softmax 0 at the max)', async () => {
    const e = eng();
    for (const c of [5, 300]) {
      const x = Float32Array.from({ length: c }, (_, i) => (i === 1 ? 1e30 : 1e4 + i));
      const t = e.tensor(x, [1, c]);
      const y = await softmax(t).read();
      const ly = await logSoftmax(t).read();
      expectClose(y, softmaxRef(x, [1, c]), TOL, `softmax of huge logits, ${c} classes`);
      expect(ly[1]).toBe(0);
      expect(ly[0]).toBeLessThan(-1e29);
      t.dispose();
    }
  });

  it('returns empty tensors for empty inputs and rejects i32 and bad axes', () => {
    const e = eng();
    expect(softmax(e.zeros([0, 5])).shape).toEqual([0, 5]);
    expect(() => softmax(e.zeros([2, 3]), 2)).toThrow(ShapeError);
    expect(() => logSoftmax(e.zeros([2, 3], 'i32'))).toThrow(/logSoftmax: expected f32/);
  });
});

describe('crossEntropy', () => {
  const SIZES: [number, number][] = [[3, 1], [4, 3], [2, 7], [5, 17], [3, 65], [2, 1000], [260, 100]];
  const SETTINGS: [Reduction, number][] = [['mean', 0], ['sum', 0.1], ['none', 0.25]];

  async function checkCase(n: number, c: number, hard: boolean, reduction: Reduction, eps: number, seed: number) {
    const e = eng();
    const x = f32(uniform(n * c, seed, -3, 3));
    const target: CrossEntropyTarget = hard ? { labels: labels(n, c, seed + 1) } : { probs: probs(n, c, seed + 1) };
    const what = `${hard ? 'labels' : 'probs'} [${n}, ${c}] ${reduction} ε=${eps}`;
    const ref = crossEntropyRef(x, n, c, target, eps, reduction);
    const dy = f32(normal(ref.length, seed + 2));
    const lbl = 'labels' in target ? e.tensor(Int32Array.from(target.labels), [n], 'i32').keep() : null;
    const inputs: GpuInput[] = [{ data: x, shape: [n, c] }];
    if ('probs' in target) inputs.push({ data: target.probs, shape: [n, c] });
    const { out, grads } = await gpuGrads(e, ([l, p]) => crossEntropy(l, lbl ?? p, { labelSmoothing: eps, reduction }), inputs, dy);
    lbl?.dispose();
    expectClose(out, ref, TOL, `loss ${what}`);
    const bwd = crossEntropyBackwardRef(x, n, c, target, dy, eps, reduction);
    expectClose(grads[0]!, bwd.dlogits, GRAD_TOL, `dlogits ${what}`);
    if (bwd.dprobs) expectClose(grads[1]!, bwd.dprobs, GRAD_TOL, `dprobs ${what}`);
    if (n * c <= 120) {
      const f = (ins: Float64Array[]) => crossEntropyRef(ins[0], n, c, ins[1] ? { probs: ins[1] } : target, eps, reduction);
      const num = numericGrad(f, [Float64Array.from(x), ...('probs' in target ? [Float64Array.from(target.probs)] : [])], dy);
      expectClose(bwd.dlogits, num[0], GRAD_TOL, `reference dlogits ${what}`);
      if (bwd.dprobs) expectClose(bwd.dprobs, num[1], GRAD_TOL, `reference dprobs ${what}`);
    }
  }

  for (const hard of [true, false]) {
    it(`with ${hard ? 'class ids' : 'probabilities'}: losses and gradients match the reference`, async () => {
      let seed = hard ? 100 : 200;
      for (const [n, c] of SIZES) for (const [reduction, eps] of SETTINGS) await checkCase(n, c, hard, reduction, eps, seed++);
    });
  }

  it('matches torch on a hand-checked case', async () => {
    const e = eng();
    // torch.nn.functional.cross_entropy(torch.tensor([[1., 2., 3.], [0., 0., 0.]]), torch.tensor([2, 0]))
    const l = crossEntropy(e.tensor([1, 2, 3, 0, 0, 0], [2, 3]), e.tensor(Int32Array.of(2, 0), [2], 'i32'));
    expect(l.shape).toEqual([]);
    expect(await l.item()).toBeCloseTo((0.40760596444 + Math.log(3)) / 2, 6);
  });

  it('marks out-of-range labels with NaN losses instead of reading past the row', async () => {
    const e = eng();
    const x = e.tensor(f32(uniform(9, 1)), [3, 3]);
    const loss = await crossEntropy(x, e.tensor(Int32Array.of(1, 3, -1), [3], 'i32'), { reduction: 'none' }).read();
    expect(Number.isFinite(loss[0])).toBe(true);
    expect(Number.isNaN(loss[1]) && Number.isNaN(loss[2])).toBe(true);
  });

  it('leaves no tensors behind after forward and backward, or after forward alone under noGrad', async () => {
    const e = eng();
    const x = e.parameter(f32(uniform(12, 3)), [4, 3]);
    const lbl = e.tensor(Int32Array.of(0, 2, 1, 1), [4], 'i32').keep();
    await e.sync();
    const before = e.stats().liveTensors;
    // No scope: every intermediate must be freed by the ops themselves.
    const y = softmax(x);
    const loss = crossEntropy(y, lbl, { labelSmoothing: 0.1 });
    e.backward(loss);
    const rows = e.noGrad(() => crossEntropy(x, lbl, { reduction: 'none' }));
    for (const t of [y, loss, rows]) t.dispose();
    x.grad!.dispose();
    x.grad = null;
    expect(e.stats().liveTensors).toBe(before);
    expect(e.stats().tapeEntries).toBe(0);
    x.dispose();
    lbl.dispose();
  });

  it('rejects mismatched shapes naming both', () => {
    const e = eng();
    const x = e.zeros([4, 3]);
    expect(() => crossEntropy(x, e.zeros([3], 'i32'))).toThrow(/logits \[4, 3\].*target i32\[3\]/);
    expect(() => crossEntropy(x, e.zeros([4, 2]))).toThrow(/logits \[4, 3\].*target f32\[4, 2\]/);
    expect(() => crossEntropy(e.zeros([4]), e.zeros([4], 'i32'))).toThrow(ShapeError);
    expect(() => crossEntropy(x, e.zeros([4], 'i32'), { labelSmoothing: 1.5 })).toThrow(/labelSmoothing/);
  });
});
