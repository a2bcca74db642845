import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, normal, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { SGD, type SgdOptions } from '../../src/optim/sgd.js';
import { Adam, type AdamOptions } from '../../src/optim/adam.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { adamRef, sgdRef } from '../../src/ref/optim.js';
import { ShapeError } from '../../src/errors.js';
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const eng = useEngine();
const TOL = { atol: 1e-5, rtol: 1e-4 };
// Awkward sizes, including one past a 256-thread workgroup and a scalar.
const SHAPES = [[3], [7, 17], [1], [2, 3, 5, 5], [300]];
const STEPS = 5;

/** Per step and parameter, the gradient (null: this parameter has no gradient at that step). */
function gradients(seed: number): (Float64Array | null)[][] {
  return Array.from({ length: STEPS }, (_, s) => SHAPES.map((sh, k) => {
    if (k === 2 && s % 2 === 1) return null;
    return f32(normal(sh.reduce((a, b) => a * b, 1), seed + 10 * s + k));
  }));
}

function makeParams(e: Engine, seed: number): { gpu: Tensor[]; cpu: Float64Array[] } {
  const cpu = SHAPES.map((sh, k) => f32(uniform(sh.reduce((a, b) => a * b, 1), seed + k)));
  return { gpu: cpu.map((d, k) => e.parameter(Float32Array.from(d), SHAPES[k], `p${k}`)), cpu };
}

function setGrads(e: Engine, ps: Tensor[], gs: (Float64Array | null)[]): void {
  ps.forEach((p, k) => {
    p.grad?.dispose();
    const g = gs[k];
    p.grad = g ? e.tensor(Float32Array.from(g), p.shape).keep() : null;
  });
}

async function expectParams(ps: Tensor[], cpu: Float64Array[], what: string): Promise<void> {
  for (let k = 0; k < ps.length; k++) expectClose(await ps[k].read(), cpu[k], TOL, `${what}: p${k}`);
}

/** Runs STEPS steps on the GPU and on the CPU reference (lr halved after step 2, as a schedule would). */
async function compare(make: (ps: Tensor[]) => Optimizer, refStep: (k: number, p: Float64Array, g: Float64Array, lr: number) => void,
  lr: number, what: string, seed: number): Promise<void> {
  const e = eng();
  const { gpu, cpu } = makeParams(e, seed);
  const opt = make(gpu);
  const grads = gradients(seed + 100);
  for (let s = 0; s < STEPS; s++) {
    if (s === 2) opt.lr = lr / 2;
    setGrads(e, gpu, grads[s]);
    // Inside a scope: lazily created state must survive it.
    e.scope(() => opt.step());
    grads[s].forEach((g, k) => { if (g) refStep(k, cpu[k], g, s >= 2 ? lr / 2 : lr); });
  }
  await expectParams(gpu, cpu, what);
  opt.dispose();
  for (const p of gpu) p.dispose();
}

describe('SGD', () => {
  const CASES: SgdOptions[] = [
    { lr: 0.1 },
    { lr: 0.1, weightDecay: 0.01 },
    { lr: 0.05, momentum: 0.9 },
    { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 5e-4 },
    { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.1 },
  ];
  for (const [i, o] of CASES.entries()) {
    it(`matches torch.optim.SGD ${JSON.stringify(o)}`, async () => {
      const bufs: (Float64Array | null)[] = SHAPES.map(() => null);
      await compare((ps) => new SGD(ps, o), (k, p, g, lr) => { bufs[k] = sgdRef(p, g, bufs[k], { ...o, lr }); },
        o.lr, `SGD ${JSON.stringify(o)}`, 10 * i);
    });
  }

  it('rejects Nesterov without momentum or with dampening', () => {
    const p = eng().parameter([1], [1]);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(ShapeError);
    p.dispose();
  });
});

describe('Adam', () => {
  const CASES: AdamOptions[] = [
    { lr: 1e-2 },
    { lr: 1e-2, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 },
    { lr: 1e-2, weightDecay: 0.1, decoupled: true },
  ];
  for (const [i, o] of CASES.entries()) {
    it(`matches torch.optim.${o.decoupled ? 'AdamW' : 'Adam'} ${JSON.stringify(o)}`, async () => {
      const st = SHAPES.map((sh) => {
        const n = sh.reduce((a, b) => a * b, 1);
        return { m: new Float64Array(n), v: new Float64Array(n), t: 0 };
      });
      await compare((ps) => new Adam(ps, o), (k, p, g, lr) => { adamRef(p, g, st[k].m, st[k].v, ++st[k].t, { ...o, lr }); },
        o.lr, `Adam ${JSON.stringify(o)}`, 50 + 10 * i);
    });
  }
});

describe('optimiser state', () => {
  it('zeroGrad disposes gradients', () => {
    const e = eng();
    const p = e.parameter([1, 2], [2]);
    p.grad = e.tensor([1, 1], [2]).keep();
    const g = p.grad;
    new SGD([p], { lr: 1 }).zeroGrad();
    expect(p.grad).toBeNull();
    expect(g.disposed).toBe(true);
    p.dispose();
  });

  for (const kind of ['SGD', 'Adam'] as const) {
    it(`${kind}: state() and loadState() resume a run exactly`, async () => {
      const e = eng();
      const make = (ps: Tensor[]): Optimizer => (kind === 'SGD'
        ? new SGD(ps, { lr: 0.05, momentum: 0.9, weightDecay: 0.01 })
        : new Adam(ps, { lr: 0.01, weightDecay: 0.01, decoupled: true }));
      const grads = gradients(900);
      const a = makeParams(e, 700);
      const b = makeParams(e, 700);
      const optA = make(a.gpu);
      for (let s = 0; s < 2; s++) { setGrads(e, a.gpu, grads[s]); optA.step(); }
      const st = optA.state();
      const slots = kind === 'SGD' ? ['momentum_buffer'] : ['exp_avg', 'exp_avg_sq'];
      expect(Object.keys(st).sort()).toEqual(SHAPES.flatMap((_, k) => [...slots, 'step'].map((n) => `${k}.${n}`)).sort());
      expect(Array.from(await st['2.step'].read())).toEqual([1]);
      // b catches up with a: same parameters, then a fresh optimiser loaded with a's state.
      for (let k = 0; k < SHAPES.length; k++) b.gpu[k].write(await a.gpu[k].read());
      const optB = make(b.gpu);
      await optB.loadState(st);
      for (const t of Object.values(st)) t.dispose();
      for (let s = 2; s < STEPS; s++) {
        for (const [ps, opt] of [[a.gpu, optA], [b.gpu, optB]] as const) { setGrads(e, ps, grads[s]); opt.step(); }
      }
      for (let k = 0; k < SHAPES.length; k++) expectClose(await b.gpu[k].read(), await a.gpu[k].read(), { atol: 0, rtol: 0 }, `p${k}`);
      for (const opt of [optA, optB]) opt.dispose();
      for (const p of [...a.gpu, ...b.gpu]) p.dispose();
    });
  }

  it('loadState rejects unknown keys, wrong shapes and buffers without a step', async () => {
    const e = eng();
    const p = e.parameter([1, 2, 3], [3]);
    const opt = new Adam([p], { lr: 0.1 });
    const step = e.tensor(Int32Array.of(3), [1], 'i32');
    await expect(opt.loadState({ '1.exp_avg': e.zeros([3]) })).rejects.toThrow(/unexpected entry '1.exp_avg'/);
    await expect(opt.loadState({ '0.momentum_buffer': e.zeros([3]) })).rejects.toThrow(ShapeError);
    await expect(opt.loadState({ '0.exp_avg': e.zeros([2]), '0.step': step })).rejects.toThrow(/\[2\].*\[3\]/);
    await expect(opt.loadState({ '0.exp_avg': e.zeros([3]) })).rejects.toThrow(/without '0.step'/);
    p.dispose();
  });

  it('rejects empty, i32 and duplicated parameter lists', () => {
    const e = eng();
    const p = e.parameter([1], [1]);
    expect(() => new Adam([], { lr: 1 })).toThrow(/no parameters/);
    expect(() => new SGD([e.zeros([2], 'i32')], { lr: 1 })).toThrow(/not f32/);
    expect(() => new SGD([p, p], { lr: 1 })).toThrow(/twice/);
    p.dispose();
  });
});

describe('multi-tensor (foreach) updates', () => {
  // Seven parameters: two SGD groups (5 + 2 slots) and two Adam groups (4 + 3); parameter 2 skips odd steps.
  const MANY = [...SHAPES, [9, 4], [1000]];
  for (const kind of ['SGD', 'Adam'] as const) {
    it(`${kind}: bit-identical to one dispatch per parameter, in fewer dispatches, eager and replayed`, async () => {
      const e = eng();
      const make = (ps: Tensor[], foreach: boolean): Optimizer => (kind === 'SGD'
        ? new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01, foreach })
        : new Adam(ps, { lr: 0.01, weightDecay: 0.01, decoupled: true, foreach }));
      const init = MANY.map((sh, k) => Float32Array.from(f32(uniform(sh.reduce((a, b) => a * b, 1), 300 + k))));
      const runs: Float32Array[][] = [];
      const dispatches: number[] = [];
      for (const foreach of [false, true]) {
        const ps = init.map((d, k) => e.parameter(d, MANY[k], `p${k}`));
        const opt = make(ps, foreach);
        const grads = Array.from({ length: STEPS }, (_, s) => MANY.map((sh, k) => (k === 2 && s % 2 === 1 ? null
          : f32(normal(sh.reduce((a, b) => a * b, 1), 400 + 10 * s + k)))));
        const gpuGrads = MANY.map((sh) => e.zeros(sh).keep());
        // Two eager steps (the second counted: the first also creates state), then a step captured with every
        // gradient present, replayed with new gradient data.
        setGrads(e, ps, grads[0]);
        opt.step();
        setGrads(e, ps, grads[1]);
        const c0 = e.stats().dispatches;
        opt.step();
        dispatches.push(e.stats().dispatches - c0);
        ps.forEach((p, k) => { p.grad?.dispose(); p.grad = gpuGrads[k].view(p.shape).keep(); });
        const cap = e.capture(() => opt.step());
        for (let s = 2; s < STEPS; s++) {
          gpuGrads.forEach((g, k) => g.write(grads[s][k] ?? new Float64Array(g.size)));
          if (s > 2) { opt.countReplay(opt.lastStepped); cap.step.replay(); }
        }
        runs.push(await Promise.all(ps.map(async (p) => (await p.read()) as Float32Array)));
        cap.step.dispose();
        opt.dispose();
        for (const t of [...ps, ...gpuGrads]) t.dispose();
      }
      for (let k = 0; k < MANY.length; k++) expectClose(runs[1][k], runs[0][k], { atol: 0, rtol: 0 }, `p${k}`);
      const slots = kind === 'SGD' ? 5 : 4;
      // The counted step skips parameter 2: 6 updates.
      expect(dispatches).toEqual([6, Math.ceil(6 / slots)]);
    });
  }
});
