/**
 * Gaussian readouts: forward against the f64 CPU reference (src/ref/readout.ts, written from
 * neuralpredictors' code), its analytic backward against central differences, our backward against it, and
 * PyTorch golden values from tools/gen-readout-fixture.py. Plus init, clamping, the regulariser, bias from mean responses, RNG use.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { Initializer } from '../../src/nn/init.js';
import { Rng as RngStream } from '../../src/random/rng.js';
import { mul } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { FullGaussian2d, Gaussian2d, GaussianReadout, MultiReadout, eluResponse, type GaussType } from '../../src/models/readout.js';
import { readoutBackwardRef, readoutRef, type ReadoutRefInput, type SigmaKind } from '../../src/ref/readout.js';
import { useEngine } from '../helpers/engine.js';
import { expectClose } from '../helpers/close.js';
import { numericGrad } from '../helpers/gradcheck.js';
import { f32, uniform } from '../helpers/rng.js';

const eng = useEngine();
// Forward-only tests leave recorded ops (and their saved tensors) on the tape.
afterEach(() => eng().tape.clear());

type Shape4 = [number, number, number, number];
type Ref = ReadoutRefInput;

function setParams(ro: GaussianReadout & { sigma: Tensor }, r: Ref): void {
  ro.mu.write(Float32Array.from(r.mu));
  ro.sigma.write(Float32Array.from(r.sigma));
  ro.features.write(Float32Array.from(r.features));
  if (r.bias) ro.bias!.write(Float32Array.from(r.bias));
}

interface GpuRun { y: Float32Array; grads: Record<'x' | 'mu' | 'sigma' | 'features' | 'bias', Float32Array | null> }

/** Forward (sampling iff r.eps) and, with dy, backward of Σ y·dy; frees what it made. */
async function runGpu(e: Engine, ro: GaussianReadout & { sigma: Tensor }, r: Ref, dy?: ArrayLike<number>): Promise<GpuRun> {
  setParams(ro, r);
  const params = { mu: ro.mu, sigma: ro.sigma, features: ro.features, bias: ro.bias };
  for (const p of Object.values(params)) { p?.grad?.dispose(); if (p) p.grad = null; }
  const x = e.tensor(Float32Array.from(r.x), r.shape).keep();
  x.requiresGrad = dy !== undefined;
  const noise = r.eps ? e.tensor(Float32Array.from(r.eps), [r.eps.length / (2 * r.n), r.n, 1, 2]).keep() : null;
  try {
    const y = e.scope(() => {
      const out = ro.forward(x, { sample: noise !== null, noise: noise ?? undefined });
      if (dy) e.backward(sum(mul(out, e.tensor(Float32Array.from(dy), out.shape))));
      return out;
    });
    const yv = (await y.read()) as Float32Array;
    y.dispose();
    const read = async (t: Tensor | null) => (t?.grad ? ((await t.grad.read()) as Float32Array) : null);
    return { y: yv, grads: { x: await read(x), mu: await read(ro.mu), sigma: await read(ro.sigma), features: await read(ro.features), bias: await read(ro.bias) } };
  } finally {
    x.dispose();
    noise?.dispose();
    for (const p of Object.values(params)) { p?.grad?.dispose(); if (p) p.grad = null; }
    e.tape.clear();
  }
}

function makeRef(seed: number, shape: Shape4, n: number, kind: SigmaKind, mode: 'eval' | 'train' | 'batch1', spread = 0.2): Ref {
  const [N, C] = shape;
  const sLen = kind === 'full' ? 4 * n : kind === 'iso' ? n : 2 * n;
  const eLen = mode === 'eval' ? 0 : (mode === 'train' ? N : 1) * n * 2;
  return {
    x: f32(uniform(N * C * shape[2] * shape[3], seed, -1, 1)), shape, n, kind,
    mu: f32(uniform(2 * n, seed + 1, -0.6, 0.6)),
    sigma: f32(uniform(sLen, seed + 2, kind === 'full' ? -spread : 0, spread)),
    features: f32(uniform(C * n, seed + 3, -1, 1)),
    bias: f32(uniform(n, seed + 4, -0.5, 0.5)),
    // Uniform noise bounds the positions: with per-axis σ ≤ 0.2 they stay inside (−1, 1), off the clamp kinks.
    eps: mode === 'eval' ? null : f32(uniform(eLen, seed + 5, -1.5, 1.5)),
  };
}

function gaussian2d(e: Engine, shape: Shape4, n: number, o: { bias?: boolean; batchSample?: boolean } = {}, seed = 7): Gaussian2d {
  return new Gaussian2d(e, new Initializer(seed), 'r', { inShape: [shape[1], shape[2], shape[3]], outdims: n, initMuRange: 0.3, initSigmaRange: 0.6, ...o },
    new RngStream(seed));
}

function fullGaussian(e: Engine, shape: Shape4, n: number, gaussType: GaussType): FullGaussian2d {
  return new FullGaussian2d(e, new Initializer(3), 'r', { inShape: [shape[1], shape[2], shape[3]], outdims: n, gaussType }, new RngStream(3));
}

// ---- tests ----------------------------------------------------------------------------------------------------

describe('Gaussian2d forward vs the f64 reference', () => {
  const cases: [string, Shape4, number, 'eval' | 'train' | 'batch1'][] = [
    ['eval 1 image 16×16, 17 channels, 5 neurons', [1, 17, 16, 16], 5, 'eval'],
    ['eval 2 images 7×17, 3 channels, 20 neurons', [2, 3, 7, 17], 20, 'eval'],
    ['train 2 images 16×16, 65 channels, 7 neurons', [2, 65, 16, 16], 7, 'train'],
    ['train one noise per batch, 3 images 1×9', [3, 5, 1, 9], 6, 'batch1'],
  ];
  for (const [name, shape, n, mode] of cases) {
    it(name, async () => {
      const e = eng();
      const ro = gaussian2d(e, shape, n, { batchSample: mode !== 'batch1' });
      const r = makeRef(shape[1] * 31 + n, shape, n, 'axis', mode, 1);
      const { y } = await runGpu(e, ro, r);
      expectClose(y, readoutRef(r), { atol: 1e-5, rtol: 1e-4 }, name);
      ro.dispose();
    });
  }
});

describe('Gaussian2d gradients', () => {
  const shape: Shape4 = [2, 3, 5, 6];
  const n = 4;
  for (const mode of ['train', 'eval'] as const) {
    it(`reference backward matches central differences (${mode})`, () => {
      const r = makeRef(101, shape, n, 'axis', mode);
      const dy = uniform(shape[0] * n, 102);
      const ana = readoutBackwardRef(r, dy);
      const f = ([x, mu, sigma, features, bias]: Float64Array[]) => readoutRef({ ...r, x, mu, sigma, features, bias });
      const num = numericGrad(f, [r.x, r.mu, r.sigma, r.features, r.bias!], dy);
      (['x', 'mu', 'sigma', 'features', 'bias'] as const).forEach((k, i) => expectClose(ana[k], num[i], { atol: 1e-6, rtol: 1e-5 }, `d${k}`));
    });
  }

  const gpuCases: [string, Shape4, number, 'eval' | 'train'][] = [
    ['train, 2 images 16×16, 17 channels, 20 neurons', [2, 17, 16, 16], 20, 'train'],
    ['eval, 1 image 7×16, 65 channels, 5 neurons', [1, 65, 7, 16], 5, 'eval'],
  ];
  for (const [name, sh, k, mode] of gpuCases) {
    it(`GPU backward matches the reference backward: ${name}`, async () => {
      const e = eng();
      const ro = gaussian2d(e, sh, k);
      const r = makeRef(sh[1] + k, sh, k, 'axis', mode);
      const dy = f32(uniform(sh[0] * k, 5));
      const { y, grads } = await runGpu(e, ro, r, dy);
      const ref = readoutBackwardRef(r, dy);
      expectClose(y, readoutRef(r), { atol: 1e-5, rtol: 1e-4 }, 'y');
      for (const key of ['x', 'mu', 'features', 'bias'] as const) expectClose(grads[key]!, ref[key], { atol: 1e-4, rtol: 1e-3 }, `d${key}`);
      // Eval positions are μ itself, so σ gets no gradient (torch's is zeros).
      if (mode === 'eval') expect(grads.sigma).toBeNull();
      else expectClose(grads.sigma!, ref.sigma, { atol: 1e-4, rtol: 1e-3 }, 'dsigma');
      ro.dispose();
    });
  }
});

describe('FullGaussian2d', () => {
  const shape: Shape4 = [2, 5, 9, 7];
  const n = 6;
  const kinds: [GaussType, SigmaKind][] = [['full', 'full'], ['uncorrelated', 'axis'], ['isotropic', 'iso']];
  for (const [type, kind] of kinds) {
    it(`${type}: forward and gradients vs the reference (central differences)`, async () => {
      const e = eng();
      const ro = fullGaussian(e, shape, n, type);
      const r = makeRef(40, shape, n, kind, 'train');
      const dy = f32(uniform(shape[0] * n, 41));
      const { y, grads } = await runGpu(e, ro, r, dy);
      expectClose(y, readoutRef(r), { atol: 1e-5, rtol: 1e-4 }, 'y');
      const f = ([x, mu, sigma, features, bias]: Float64Array[]) => readoutRef({ ...r, x, mu, sigma, features, bias });
      const num = numericGrad(f, [r.x, r.mu, r.sigma, r.features, r.bias!], dy);
      (['x', 'mu', 'sigma', 'features', 'bias'] as const).forEach((k, i) => expectClose(grads[k]!, num[i], { atol: 1e-4, rtol: 1e-3 }, `d${k}`));
      ro.dispose();
    });
  }

  it('uses the current neuralpredictors names, shapes and init', async () => {
    const e = eng();
    const ro = new FullGaussian2d(e, new Initializer(1), 'r', { inShape: [8, 4, 4], outdims: 3, meanActivity: [0.5, 1, 2] }, new RngStream(1));
    expect([...ro.stateDict()].map(([k, t]) => `${k}${JSON.stringify(t.shape)}`))
      .toEqual(['_mu[1,3,1,2]', 'sigma[1,3,2,2]', '_features[1,8,1,3]', 'bias[3]']);
    const mu = await ro.mu.read();
    const sigma = await ro.sigma.read();
    expect(Math.max(...mu.map(Math.abs))).toBeLessThanOrEqual(0.1);
    expect(Math.max(...sigma.map(Math.abs))).toBeLessThanOrEqual(1);
    expect(Math.min(...sigma)).toBeLessThan(0);
    expectClose(await ro.features.read(), new Array(24).fill(1 / 8), {}, 'features = 1/C');
    expectClose(await ro.bias!.read(), [0.5, 1, 2], {}, 'bias = mean activity');
    ro.dispose();
  });
});

interface FixTensor { shape: number[]; data: number[] }
interface FixCase {
  name: string; readout: 'gaussian2d' | 'full'; mode: 'eval' | 'train'; batch_sample: boolean;
  inputs: Record<string, FixTensor>; outputs: Record<string, FixTensor>; grads: Record<string, FixTensor>;
}

describe('PyTorch golden values (tools/gen-readout-fixture.py)', () => {
  const root = new URL('../../', import.meta.url);
  const fx = JSON.parse(readFileSync(new URL('test/fixtures/readout.json', root), 'utf8')) as { script_sha256: string; cases: FixCase[] };

  it('fixture is up to date with its generator', () => {
    const sha = createHash('sha256').update(readFileSync(new URL('tools/gen-readout-fixture.py', root))).digest('hex');
    expect(fx.script_sha256, 'regenerate: /usr/bin/python3 tools/gen-readout-fixture.py').toBe(sha);
  });

  for (const c of fx.cases) {
    it(c.name, async () => {
      const e = eng();
      const [N, C, H, W] = c.inputs.x.shape;
      const n = c.inputs.mu.shape[1];
      const ro = c.readout === 'gaussian2d'
        ? new Gaussian2d(e, new Initializer(0), 'r', { inShape: [C, H, W], outdims: n, batchSample: c.batch_sample }, new RngStream(0))
        : new FullGaussian2d(e, new Initializer(0), 'r', { inShape: [C, H, W], outdims: n }, new RngStream(0));
      const d = (k: string) => Float64Array.from(c.inputs[k].data);
      const r: Ref = { x: d('x'), shape: [N, C, H, W], n, kind: c.readout === 'full' ? 'full' : 'axis', mu: d('mu'), sigma: d('sigma'),
        features: d('features'), bias: d('bias'), eps: c.inputs.eps ? d('eps') : null };
      const { y, grads } = await runGpu(e, ro, r, c.inputs.dy.data);
      const tol = { atol: 1e-4, rtol: 1e-4 };
      expectClose(y, c.outputs.y.data, tol, 'y');
      expectClose(await ro.mu.read(), c.outputs.mu_clamped.data, tol, 'μ clamped in place');
      expectClose(await ro.sigma.read(), c.outputs.sigma_clamped.data, tol, 'σ clamped in place');
      for (const k of ['x', 'mu', 'sigma', 'features', 'bias'] as const) {
        expectClose(grads[k] ?? new Float32Array(c.grads[k].data.length), c.grads[k].data, { atol: 2e-4, rtol: 1e-3 }, `d${k}`);
      }
      const responses = e.scope(() => eluResponse(e.tensor(y, [N, n]))).keep();
      expectClose(await responses.read(), c.outputs.responses.data, tol, 'ELU(y − 1) + 1');
      responses.dispose();
      const noise = c.inputs.eps ? e.tensor(Float32Array.from(c.inputs.eps.data), c.inputs.eps.shape).keep() : null;
      const grid = e.scope(() => ro.grid(N, { sample: noise !== null, noise: noise ?? undefined })).keep();
      // torch expands one batch-wide sample over the images; ours keeps it [1, n, 1, 2].
      expectClose(await grid.read(), c.outputs.grid.data.slice(0, grid.size), tol, 'positions');
      grid.dispose();
      noise?.dispose();
      ro.dispose();
    });
  }
});

describe('Gaussian2d behaviour', () => {
  it('initialises as the legacy class: μ ~ U(−r, r), σ ~ U(0, s), features 1/C, bias 0', async () => {
    const e = eng();
    const ro = gaussian2d(e, [1, 16, 4, 4], 200);
    const mu = await ro.mu.read();
    const sigma = await ro.sigma.read();
    expect(Math.max(...mu.map(Math.abs))).toBeLessThanOrEqual(0.3);
    expect(Math.max(...mu.map(Math.abs))).toBeGreaterThan(0.25);
    expect(Math.min(...sigma)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...sigma)).toBeLessThanOrEqual(0.6);
    expect(Math.max(...sigma)).toBeGreaterThan(0.5);
    expectClose(await ro.features.read(), new Array(16 * 200).fill(1 / 16), {}, 'features');
    expectClose(await ro.bias!.read(), new Array(200).fill(0), {}, 'bias');
    expect([...ro.stateDict()].map(([k, t]) => `${k}${JSON.stringify(t.shape)}`))
      .toEqual(['mu[1,200,1,2]', 'sigma[1,200,1,2]', 'features[1,16,1,200]', 'bias[200]']);
    ro.dispose();
  });

  it('clamps μ to [−1, 1] and σ to ≥ 0 in place, and sampled positions to the map', async () => {
    const e = eng();
    const ro = gaussian2d(e, [2, 3, 6, 6], 4);
    ro.mu.write([1.5, -0.2, -3, 0.4, 0.9, 1.0001, 0, -1]);
    ro.sigma.write([-1, 0.1, 5, 5, 0.3, -0.5, 0, 0]);
    const g = e.scope(() => ro.grid(2, { sample: true })).keep();
    expectClose(await ro.mu.read(), Float32Array.of(1, -0.2, -1, 0.4, 0.9, 1, 0, -1), { atol: 0, rtol: 0 }, 'μ');
    expectClose(await ro.sigma.read(), Float32Array.of(0, 0.1, 5, 5, 0.3, 0, 0, 0), { atol: 0, rtol: 0 }, 'σ');
    const gv = await g.read();
    expect(g.shape).toEqual([2, 4, 1, 2]);
    expect(Math.max(...gv.map(Math.abs))).toBeLessThanOrEqual(1);
    // Neuron 1 has σ = 5 on both axes: its samples are almost surely pushed onto the edge.
    expect([gv[2], gv[3], gv[10], gv[11]].some((v) => Math.abs(v) === 1)).toBe(true);
    g.dispose();
    ro.dispose();
  });

  it('samples from its RNG stream in training only, one draw per forward', async () => {
    const e = eng();
    const shape: Shape4 = [2, 4, 8, 8];
    const x = e.tensor(Float32Array.from(uniform(2 * 4 * 64, 9)), shape).keep();
    const ro = gaussian2d(e, shape, 6);
    ro.sigma.write(new Array(12).fill(0.3));
    const run = async () => { const y = e.scope(() => ro.forward(x)).keep(); const v = await y.read(); y.dispose(); return v; };
    ro.eval();
    const before = ro.rng.counter;
    const ev1 = await run();
    expect(ro.rng.counter).toBe(before);
    expectClose(await run(), ev1, { atol: 0, rtol: 0 }, 'eval is deterministic');
    ro.train();
    const t1 = await run();
    expect(ro.rng.counter).toBe(before + 1);
    const t2 = await run();
    expect(Math.max(...t1.map((v, i) => Math.abs(v - t2[i])))).toBeGreaterThan(1e-4);
    ro.rng.counter = before;
    expectClose(await run(), t1, { atol: 0, rtol: 0 }, 'replayed stream position');
    x.dispose();
    ro.dispose();
  });

  it('regularizer() = gamma · Σ|features|; featureL1 sum and mean', async () => {
    const e = eng();
    const ro = new Gaussian2d(e, new Initializer(2), 'r', { inShape: [7, 4, 4], outdims: 5, featureRegWeight: 0.5 }, new RngStream(2));
    const feats = f32(uniform(35, 77));
    ro.features.write(Float32Array.from(feats));
    const l1 = feats.reduce((s, v) => s + Math.abs(v), 0);
    const got = e.scope(() => [ro.regularizer(), ro.featureL1('sum'), ro.featureL1('mean')]).map((t) => t.keep());
    expectClose([await got[0].item(), await got[1].item(), await got[2].item()], [0.5 * l1, l1, l1 / 35], { atol: 1e-5, rtol: 1e-5 }, 'L1');
    for (const t of got) t.dispose();
    ro.dispose();
  });

  it('initBiasFromResponses sets the bias to the mean response of each neuron', async () => {
    const e = eng();
    const ro = gaussian2d(e, [1, 4, 4, 4], 5);
    const resp = f32(uniform(3 * 5, 12, 0, 4));
    const t = e.tensor(Float32Array.from(resp), [3, 5]);
    ro.initBiasFromResponses(t);
    const mean = Array.from({ length: 5 }, (_, j) => (resp[j] + resp[5 + j] + resp[10 + j]) / 3);
    expectClose(await ro.bias!.read(), mean, { atol: 1e-6, rtol: 1e-6 }, 'bias');
    expect(() => ro.initBiasFromResponses(e.tensor(new Float32Array(4), [1, 4]))).toThrow(ShapeError);
    t.dispose();
    ro.dispose();
  });

  it('rejects feature maps and noise of the wrong shape', () => {
    const e = eng();
    const ro = gaussian2d(e, [1, 4, 8, 8], 3);
    const x = e.zeros([1, 4, 8, 9]);
    const x2 = e.zeros([2, 4, 8, 8]);
    expect(() => ro.forward(x)).toThrow(/\[N, 4, 8, 8\]/);
    expect(() => ro.forward(x2, { sample: true, noise: e.zeros([1, 3, 1, 2]) })).toThrow(ShapeError);
    expect(() => gaussian2d(e, [1, 4, 8, 8], 0)).toThrow(ShapeError);
    expect(() => new Gaussian2d(e, new Initializer(0), 'r', { inShape: [4, 8, 8], outdims: 2, initMuRange: 1.5 }, new RngStream(0))).toThrow(ShapeError);
    for (const t of [x, x2]) t.dispose();
    e.tape.clear();
    ro.dispose();
  });
});

describe('MultiReadout', () => {
  it('keeps one readout per session with ModuleDict names, picks by key, regularises per session', async () => {
    const e = eng();
    const ini = new Initializer(4);
    const rng = new RngStream(4);
    const multi = new MultiReadout(e, new Map([['s3', 3], ['s12', 2]]), (key, n) =>
      new Gaussian2d(e, ini, `v1_readout.${key}`, { inShape: [4, 5, 5], outdims: n, featureRegWeight: 0.5 }, rng));
    expect([...multi.stateDict().keys()]).toEqual(['s3.mu', 's3.sigma', 's3.features', 's3.bias', 's12.mu', 's12.sigma', 's12.features', 's12.bias']);
    multi.eval();
    const x = e.tensor(Float32Array.from(uniform(4 * 25, 3)), [1, 4, 5, 5]).keep();
    const [a, b] = e.scope(() => [multi.forward(x, 's3'), multi.forward(x, 's12')]).map((t) => t.keep());
    expect([a.shape, b.shape]).toEqual([[1, 3], [1, 2]]);
    const reg = e.scope(() => multi.regularizer('s12')).keep();
    expect(await reg.item()).toBeCloseTo(0.5 * 4 * 2 * 0.25, 6);
    expect(() => multi.forward(x)).toThrow(/unknown session/);
    expect(() => multi.get('s4')).toThrow(/unknown session 's4'/);
    expect(() => new MultiReadout(e, new Map([['a.b', 1]]), () => multi.get('s3'))).toThrow(ShapeError);
    for (const t of [x, a, b, reg]) t.dispose();
    multi.dispose();
  });
});
