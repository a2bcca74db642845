/**
 * The batch-ratio cycler: MTL_Cycler's and LongCycler's batch order, gradients accumulated over a cycle's batches
 * with exactly one optimiser step per cycle (checked against the closed-form update, which per-batch stepping would
 * miss), per-task loss sums, and a failing batch leaving no step and no gradients behind.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { mul, sub } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { SGD } from '../../src/optim/sgd.js';
import { BatchCycler, LossAccumulator, type CycleTask } from '../../src/train/cycler.js';
import { useEngine } from '../helpers/engine.js';
import { expectClose } from '../helpers/close.js';

const eng = useEngine();
afterEach(() => eng().tape.clear());

/** A task whose loss is weight·Σ(w − target)², counting the batches it served. */
function quadratic(e: Engine, name: string, w: Tensor, target: number[], weight: number, served: string[]): CycleTask {
  return {
    name,
    async next() {
      served.push(name);
      return () => mul(sum(mul(sub(w, e.tensor(target)), sub(w, e.tensor(target)))), e.tensor([weight], []));
    },
  };
}

function param(e: Engine, values: number[]): Tensor {
  const t = e.tensor(values).keep();
  t.requiresGrad = true;
  return t;
}

describe('BatchCycler', () => {
  it('orders batches as MTL_Cycler (others in turn, carried across cycles, then the main task) and LongCycler', async () => {
    const e = eng();
    const w = param(e, [0, 0]);
    const served: string[] = [];
    const t = (n: string) => quadratic(e, n, w, [1, 1], 1, served);
    const opt = new SGD([w], { lr: 0 });
    const mtl = new BatchCycler(e, opt, { main: t('cls'), others: [t('s0'), t('s1')], ratio: 1 });
    for (let i = 0; i < 4; i++) for (const l of (await mtl.cycle()).values()) l.dispose();
    expect(served).toEqual(['s0', 'cls', 's1', 'cls', 's0', 'cls', 's1', 'cls']);
    served.length = 0;
    const r2 = new BatchCycler(e, opt, { main: t('cls'), others: [t('a'), t('b'), t('c')], ratio: 2 });
    expect(r2.plan().map((x) => x.name)).toEqual(['a', 'b', 'cls']);
    for (let i = 0; i < 3; i++) for (const l of (await r2.cycle()).values()) l.dispose();
    expect(served).toEqual(['a', 'b', 'cls', 'c', 'a', 'cls', 'b', 'c', 'cls']);
    served.length = 0;
    const long = new BatchCycler(e, opt, { main: null, others: [t('s0'), t('s1')] });
    for (let i = 0; i < 2; i++) for (const l of (await long.cycle()).values()) l.dispose();
    expect(served).toEqual(['s0', 's1', 's0', 's1']);
    expect(long.cycles).toBe(2);
    expect(() => new BatchCycler(e, opt, { main: t('x'), others: [t('x')] })).toThrow(/repeat/);
    opt.dispose();
    w.dispose();
  });

  it('accumulates the gradients of every batch of a cycle into one optimiser step', async () => {
    const e = eng();
    const w0 = [0.5, -1, 2];
    const a = [1, 0, 1];
    const b = [-1, 2, 0];
    const w = param(e, w0);
    const opt = new SGD([w], { lr: 0.1 });
    const step = vi.spyOn(opt, 'step');
    const served: string[] = [];
    const cycler = new BatchCycler(e, opt, { main: quadratic(e, 'main', w, b, 2, served), others: [quadratic(e, 'neural', w, a, 1, served)], ratio: 1 });
    const losses = await cycler.cycle();
    expect(step).toHaveBeenCalledTimes(1);
    // One step on the summed gradient 2(w − a) + 4(w − b), both taken at w0. Stepping after each batch would give
    // w0 − 0.1·2(w0 − a), then a second gradient at that point: a different result.
    const want = w0.map((v, i) => v - 0.1 * (2 * (v - a[i]) + 4 * (v - b[i])));
    expectClose((await w.read()) as Float32Array, want, { atol: 1e-6, rtol: 1e-6 }, 'w after one cycle');
    const sequential = (() => {
      const w1 = w0.map((v, i) => v - 0.1 * 2 * (v - a[i]));
      return w1.map((v, i) => v - 0.1 * 4 * (v - b[i]));
    })();
    expect(Math.max(...want.map((v, i) => Math.abs(v - sequential[i])))).toBeGreaterThan(0.05);
    expect(w.grad).toBeNull();
    expect(await losses.get('neural')!.item()).toBeCloseTo(w0.reduce((s, v, i) => s + (v - a[i]) ** 2, 0), 5);
    expect(await losses.get('main')!.item()).toBeCloseTo(2 * w0.reduce((s, v, i) => s + (v - b[i]) ** 2, 0), 5);
    for (const l of losses.values()) l.dispose();
    opt.dispose();
    w.dispose();
  });

  it('sums a task’s batches within a cycle; LossAccumulator averages over cycles', async () => {
    const e = eng();
    const w = param(e, [3]);
    const opt = new SGD([w], { lr: 0 });
    const served: string[] = [];
    const cycler = new BatchCycler(e, opt, { main: quadratic(e, 'main', w, [0], 1, served), others: [quadratic(e, 'n', w, [1], 1, served)], ratio: 3 });
    const acc = new LossAccumulator(e);
    acc.add(await cycler.cycle());
    acc.add(await cycler.cycle());
    const means = await acc.means();
    expect(means.n).toBeCloseTo(3 * 4, 5); // three batches of (3 − 1)² per cycle
    expect(means.main).toBeCloseTo(9, 5);
    expect(served.filter((s) => s === 'n')).toHaveLength(6);
    acc.dispose();
    opt.dispose();
    w.dispose();
  });

  it('a failing batch leaves no step and no gradients', async () => {
    const e = eng();
    const w = param(e, [1, 2]);
    const opt = new SGD([w], { lr: 0.5 });
    const served: string[] = [];
    const broken: CycleTask = { name: 'broken', next: async () => () => { throw new Error('bad batch'); } };
    const cycler = new BatchCycler(e, opt, { main: broken, others: [quadratic(e, 'ok', w, [0, 0], 1, served)] });
    await expect(cycler.cycle()).rejects.toThrow(/bad batch/);
    expect(w.grad).toBeNull();
    expect(Array.from(await w.read())).toEqual([1, 2]);
    expect(cycler.cycles).toBe(0);
    opt.dispose();
    w.dispose();
  });
});
