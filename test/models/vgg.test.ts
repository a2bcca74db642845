/**
 * VGG-19-BN with the co-training conv head: torchvision parameter names and counts, the paper model's forward at
 * 64×64, shapes at awkward sizes (1/8-width model), a tiny model against an f64 CPU forward, gray expansion,
 * conv3_1 and named activations, torchvision's init, gradients and dropout's RNG use.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError } from '../../src/errors.js';
import type { Module } from '../../src/nn/module.js';
import { BatchNorm2d } from '../../src/nn/layers.js';
import { expand } from '../../src/ops/movement.js';
import { sum } from '../../src/ops/reduce.js';
import { VGG, VGG_CFGS, VGG_PRESETS, vggFeatureShape, vggLayerIndex, vggLayers, type VggCfg, type VggConfig } from '../../src/models/vgg.js';
import { useEngine } from '../helpers/engine.js';
import { expectClose } from '../helpers/close.js';
import { f32, uniform } from '../helpers/rng.js';

const eng = useEngine();
// Forward-only tests leave recorded ops (and their saved tensors) on the tape.
afterEach(() => eng().tape.clear());

/** torchvision vgg19_bn `features` state-dict entries with shapes, written out from cfg 'E' and make_layers. */
function torchvisionVgg19BnFeatures(): [string, number[]][] {
  const cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'];
  const out: [string, number[]][] = [];
  let i = 0;
  let inC = 3;
  for (const v of cfg) {
    if (v === 'M') { i++; continue; }
    const c = v as number;
    out.push([`features.${i}.weight`, [c, inC, 3, 3]], [`features.${i}.bias`, [c]]);
    out.push([`features.${i + 1}.weight`, [c]], [`features.${i + 1}.bias`, [c]], [`features.${i + 1}.running_mean`, [c]],
      [`features.${i + 1}.running_var`, [c]], [`features.${i + 1}.num_batches_tracked`, []]);
    i += 3;
    inC = c;
  }
  return out;
}

async function readAll(t: Tensor): Promise<Float32Array> { return (await t.read()) as Float32Array; }

async function hostState(m: Module): Promise<Map<string, Float64Array>> {
  const out = new Map<string, Float64Array>();
  for (const [k, t] of m.stateDict()) out.set(k, Float64Array.from(await t.read()));
  return out;
}

// ---- f64 CPU forward of an eval-mode VGG with the conv head ---------------------------------------------------

type Map4 = { d: Float64Array; c: number; h: number; w: number };

function conv(x: Map4, n: number, wt: Float64Array, b: Float64Array, outC: number, k: number): Map4 {
  const p = (k - 1) / 2;
  const y = new Float64Array(n * outC * x.h * x.w);
  for (let i = 0; i < n; i++) for (let o = 0; o < outC; o++) for (let r = 0; r < x.h; r++) for (let s = 0; s < x.w; s++) {
    let acc = b[o];
    for (let c = 0; c < x.c; c++) for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) {
      const rr = r + u - p;
      const ss = s + v - p;
      if (rr >= 0 && rr < x.h && ss >= 0 && ss < x.w) acc += wt[((o * x.c + c) * k + u) * k + v] * x.d[((i * x.c + c) * x.h + rr) * x.w + ss];
    }
    y[((i * outC + o) * x.h + r) * x.w + s] = acc;
  }
  return { d: y, c: outC, h: x.h, w: x.w };
}

function refForward(cfg: VggConfig, st: Map<string, Float64Array>, x: Float64Array, n: number, h: number, w: number): Float64Array {
  let m: Map4 = { d: new Float64Array(n * 3 * h * w), c: 3, h, w };
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) m.d.set(x.subarray(i * h * w, (i + 1) * h * w), (i * 3 + c) * h * w);
  const get = (k: string) => st.get(k)!;
  const relu = (a: Map4): Map4 => ({ ...a, d: a.d.map((v) => Math.max(v, 0)) });
  vggLayers(cfg.cfg, cfg.batchNorm).forEach((l, i) => {
    if (l.kind === 'conv') m = conv(m, n, get(`features.${i}.weight`), get(`features.${i}.bias`), l.outC, 3);
    if (l.kind === 'relu') m = relu(m);
    if (l.kind === 'bn') {
      const [g, b, mu, v] = ['weight', 'bias', 'running_mean', 'running_var'].map((s) => get(`features.${i}.${s}`));
      const hw = m.h * m.w;
      m = { ...m, d: m.d.map((val, k) => { const c = Math.floor(k / hw) % m.c; return (val - mu[c]) / Math.sqrt(v[c] + 1e-5) * g[c] + b[c]; }) };
    }
    if (l.kind === 'pool') {
      const ho = Math.floor(m.h / 2);
      const wo = Math.floor(m.w / 2);
      const y = new Float64Array(n * m.c * ho * wo);
      for (let q = 0; q < n * m.c; q++) for (let r = 0; r < ho; r++) for (let s = 0; s < wo; s++) {
        const at = (u: number, v: number) => m.d[(q * m.h + 2 * r + u) * m.w + 2 * s + v];
        y[(q * ho + r) * wo + s] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
      }
      m = { d: y, c: m.c, h: ho, w: wo };
    }
  });
  m = relu(conv(m, n, get('classifier.0.weight'), get('classifier.0.bias'), cfg.headWidth, 1));
  m = relu(conv(m, n, get('classifier.3.weight'), get('classifier.3.bias'), cfg.headWidth, 1));
  m = conv(m, n, get('classifier.6.weight'), get('classifier.6.bias'), cfg.numClasses, 1);
  const hw = m.h * m.w;
  return Float64Array.from({ length: n * cfg.numClasses }, (_, q) => Math.max(...m.d.subarray(q * hw, (q + 1) * hw)));
}

/** Runs `f` in a scope, without recording, and returns its result's values. */
async function values(e: Engine, f: () => Tensor): Promise<{ v: Float32Array; shape: readonly number[] }> {
  const t = e.noGrad(() => e.scope(f)).keep();
  const v = await readAll(t);
  const shape = t.shape;
  t.dispose();
  return { v, shape };
}

const SMALL: VggConfig = VGG_PRESETS['vgg19_bn-small'];

describe('vgg19_bn, the paper model (built once)', () => {
  let vgg: VGG;
  beforeAll(() => { vgg = new VGG(eng(), VGG_PRESETS.vgg19_bn).eval(); }, 120_000);
  afterAll(() => vgg?.dispose());

  it('has torchvision vgg19_bn feature names and shapes, and the original conv head', () => {
    const got = new Map([...vgg.stateDict()].map(([k, t]) => [k, [...t.shape]]));
    const head: [string, number[]][] = [
      ['classifier.0.weight', [4096, 512, 1, 1]], ['classifier.0.bias', [4096]], ['classifier.3.weight', [4096, 4096, 1, 1]],
      ['classifier.3.bias', [4096]], ['classifier.6.weight', [200, 4096, 1, 1]], ['classifier.6.bias', [200]],
    ];
    const expected = new Map([...torchvisionVgg19BnFeatures(), ...head]);
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, s] of expected) expect(got.get(k), k).toEqual(s);
    expect(vgg.features.layers).toHaveLength(53);
  });

  it('has the parameter counts of spec §3.1–3.2', () => {
    const count = (prefix: string, below = Infinity) => vgg.namedParameters()
      .filter(([k]) => k.startsWith(prefix) && Number(k.split('.')[1]) < below).reduce((s, [, t]) => s + t.size, 0);
    expect(count('features.')).toBe(20_035_392);
    expect(count('features.', 17)).toBe(556_608);
    expect(count('classifier.')).toBe(19_701_960);
  });

  it('initialises as torchvision: conv weights N(0, 2/fan_out), zero biases, BN 1 and 0', async () => {
    const w = await readAll(vgg.features.layers[40].stateDict().get('weight')!);
    const m = w.reduce((s, v) => s + v, 0) / w.length;
    const sd = Math.sqrt(w.reduce((s, v) => s + (v - m) ** 2, 0) / w.length);
    expect(Math.abs(m)).toBeLessThan(1e-3);
    expect(sd / Math.sqrt(2 / (512 * 9))).toBeCloseTo(1, 2);
    const h = await readAll(vgg.classifier.layers[6].stateDict().get('weight')!);
    const hsd = Math.sqrt(h.reduce((s, v) => s + v * v, 0) / h.length);
    expect(hsd / Math.sqrt(2 / 200)).toBeCloseTo(1, 1);
    const bn = vgg.features.layers[41] as BatchNorm2d;
    expect(new Set(await readAll(bn.weight))).toEqual(new Set([1]));
    expect(new Set(await readAll(bn.bias))).toEqual(new Set([0]));
    expect(new Set(await readAll(vgg.features.layers[40].stateDict().get('bias')!))).toEqual(new Set([0]));
  });

  it('runs a 64×64 gray image to 200 logits; conv3_1 is 256×16×16 and equals the relu3_1 activation', async () => {
    const e = eng();
    const x = e.tensor(Float32Array.from(uniform(64 * 64, 1)), [1, 1, 64, 64]).keep();
    const got = e.noGrad(() => e.scope(() => ({ c31: vgg.conv31(x), acts: vgg.activations(x, ['relu3_1', 'features.16', 'pool2', 'conv1_1', 'classifier.8']) })));
    const acts = got.acts;
    expect([...acts.keys()]).toEqual(['conv1_1', 'pool2', 'relu3_1', 'features.16', 'classifier.8']);
    expect(acts.get('classifier.8')!.shape).toEqual([1, 200]);
    expect((await readAll(acts.get('classifier.8')!)).every(Number.isFinite)).toBe(true);
    expect(got.c31.shape).toEqual([1, 256, 16, 16]);
    expect(acts.get('pool2')!.shape).toEqual([1, 128, 16, 16]);
    expect(acts.get('conv1_1')!.shape).toEqual([1, 64, 64, 64]);
    expectClose(await readAll(acts.get('relu3_1')!), await readAll(got.c31), { atol: 0, rtol: 0 }, 'relu3_1 vs conv31');
    expect(acts.get('features.16')).toBe(acts.get('relu3_1'));
    expect([...vgg.features.layers, ...vgg.classifier.layers].every((l) => l.hook === null)).toBe(true);
    for (const t of [got.c31, ...acts.values()]) t.dispose();
    x.dispose();
  });
});

describe('VGG layer bookkeeping', () => {
  it('names torchvision indices conventionally and finds conv3_1 at 14, its ReLU at 16', () => {
    expect(vggLayerIndex(VGG_CFGS.E, true, 'conv3_1')).toBe(14);
    expect(vggLayerIndex(VGG_CFGS.E, true, 'relu3_1')).toBe(16);
    expect(vggLayerIndex(VGG_CFGS.E, false, 'relu3_1')).toBe(11);
    expect(vggLayers(VGG_CFGS.E, true).map((l) => l.name).slice(0, 8))
      .toEqual(['conv1_1', 'bn1_1', 'relu1_1', 'conv1_2', 'bn1_2', 'relu1_2', 'pool1', 'conv2_1']);
    expect(vggLayers(VGG_CFGS.E, true).at(-1)!.name).toBe('pool5');
    expect(vggFeatureShape(VGG_CFGS.E, true, 17, [64, 64])).toEqual([256, 16, 16]);
    expect(vggFeatureShape(VGG_CFGS.E, true, 53, [47, 33])).toEqual([512, 1, 1]);
    expect(() => vggLayerIndex(VGG_CFGS.E, true, 'conv6_1')).toThrow(ShapeError);
  });
});

describe('VGG forward', () => {
  let gray: VGG;
  let rgb: VGG;
  beforeAll(() => { gray = new VGG(eng(), SMALL).eval(); rgb = new VGG(eng(), { ...SMALL, inChannels: 3 }).eval(); });
  afterAll(() => { gray?.dispose(); rgb?.dispose(); });

  const sizes: [number, number, number, number][] = [[1, 1, 64, 64], [2, 1, 47, 33], [1, 3, 33, 65], [2, 3, 32, 32]];
  for (const [n, c, h, w] of sizes) {
    it(`shapes for [${n}, ${c}, ${h}, ${w}]`, async () => {
      const e = eng();
      const vgg = c === 1 ? gray : rgb;
      const x = e.tensor(Float32Array.from(uniform(n * c * h * w, h + w)), [n, c, h, w]).keep();
      const got = e.noGrad(() => e.scope(() => vgg.activations(x, ['relu3_1', 'pool5', 'classifier.8'])));
      const f = vggFeatureShape(SMALL.cfg, true, 53, [h, w]);
      expect(got.get('classifier.8')!.shape).toEqual([n, 16]);
      expect(got.get('relu3_1')!.shape).toEqual([n, 32, Math.floor(h / 4), Math.floor(w / 4)]);
      expect(got.get('pool5')!.shape).toEqual([n, ...f]);
      expect((await readAll(got.get('classifier.8')!)).every(Number.isFinite)).toBe(true);
      for (const t of got.values()) t.dispose();
      x.dispose();
    });
  }

  it('feeds a gray image to the three RGB filters (same values and gradients as repeating it into an RGB model)', async () => {
    const e = eng();
    const x = e.tensor(Float32Array.from(uniform(2 * 40 * 36, 5)), [2, 1, 40, 36]).keep();
    const g = await values(e, () => gray.forward(x));
    const r = await values(e, () => rgb.forward(expand(x, [2, 3, 40, 36])));
    // The gray path convolves once with the weight summed over RGB: equal up to f32 summation order.
    expectClose(g.v, r.v, { atol: 1e-5, rtol: 1e-4 }, 'gray vs repeated');
    // Gradients of the first conv's weight (each RGB slice gets the gray image's) and of the input.
    const grads = async (m: VGG, input: (xg: Tensor) => Tensor) => {
      const xg = e.parameter(await readAll(x), [2, 1, 40, 36], 'x');
      e.scope(() => e.backward(sum(m.forward(input(xg)))));
      const w = m.features.layers[0] as unknown as { weight: Tensor };
      const out = { w: await readAll(w.weight.grad!), x: await readAll(xg.grad!) };
      for (const p of m.parameters()) { p.grad?.dispose(); p.grad = null; }
      xg.dispose();
      return out;
    };
    const gg = await grads(gray, (xg) => xg);
    const gr = await grads(rgb, (xg) => expand(xg, [2, 3, 40, 36]));
    expectClose(gg.w, gr.w, { atol: 1e-4, rtol: 1e-3 }, 'conv1_1 weight grad');
    expectClose(gg.x, gr.x, { atol: 1e-5, rtol: 1e-3 }, 'input grad');
    x.dispose();
  });

  it('rejects inputs of the wrong channels or rank, and images too small for five pools', () => {
    const e = eng();
    const bad = [e.zeros([1, 2, 64, 64]), e.zeros([64, 64]), e.zeros([1, 3, 64, 64])];
    for (const t of bad) expect(() => gray.forward(t)).toThrow(ShapeError);
    expect(() => rgb.forward(bad[0])).toThrow(/\[N, 3, H, W\]/);
    const tiny = e.zeros([1, 1, 17, 17]);
    expect(() => e.scope(() => gray.forward(tiny))).toThrow(ShapeError);
    expect(() => gray.activations(tiny, ['conv9_9'])).toThrow(/no layer named 'conv9_9'/);
    for (const t of [...bad, tiny]) t.dispose();
  });
});

describe('VGG numerics', () => {
  const tiny: VggConfig = { cfg: [4, 'M', 6, 'M'] as VggCfg, batchNorm: true, inChannels: 1, numClasses: 3, headWidth: 5, dropout: 0.5, seed: 3 };

  it('matches an f64 CPU forward in eval mode (conv, BN with running stats, ReLU, pools, head, max pool)', async () => {
    const e = eng();
    const vgg = new VGG(e, tiny).eval();
    for (const i of [1, 5]) {
      const bn = vgg.features.layers[i] as BatchNorm2d;
      const c = bn.channels;
      bn.weight.write(Float32Array.from(uniform(c, i, 0.5, 1.5)));
      bn.bias.write(Float32Array.from(uniform(c, i + 1)));
      bn.runningMean.write(Float32Array.from(uniform(c, i + 2, -0.3, 0.3)));
      bn.runningVar.write(Float32Array.from(uniform(c, i + 3, 0.5, 2)));
    }
    // Non-zero head biases, so a missing bias shows.
    for (const k of [0, 3, 6]) {
      const b = vgg.classifier.layers[k].stateDict().get('bias')!;
      b.write(Float32Array.from(uniform(b.size, k + 10, -0.2, 0.2)));
    }
    const xs = f32(uniform(2 * 9 * 7, 8));
    const x = e.tensor(Float32Array.from(xs), [2, 1, 9, 7]).keep();
    const got = await values(e, () => vgg.forward(x));
    expectClose(got.v, refForward(tiny, await hostState(vgg), xs, 2, 9, 7), { atol: 1e-5, rtol: 1e-4 }, 'logits');
    x.dispose();
    vgg.dispose();
  });

  it('initialises deterministically from the seed', async () => {
    const e = eng();
    const [a, b, c] = [3, 3, 4].map((seed) => new VGG(e, { ...tiny, seed }));
    const w = async (m: VGG) => readAll(m.stateDict().get('features.4.weight')!);
    expectClose(await w(a), await w(b), { atol: 0, rtol: 0 }, 'same seed');
    expect(await w(a)).not.toEqual(await w(c));
    for (const m of [a, b, c]) m.dispose();
  });

  it('trains: every parameter gets a gradient, dropout draws two keys per forward', async () => {
    const e = eng();
    const vgg = new VGG(e, tiny);
    const x = e.tensor(Float32Array.from(uniform(2 * 12 * 12, 2)), [2, 1, 12, 12]).keep();
    const before = vgg.rng.counter;
    e.scope(() => e.backward(sum(vgg.forward(x))));
    expect(vgg.rng.counter).toBe(before + 2);
    for (const [k, p] of vgg.namedParameters()) expect(p.grad, k).not.toBeNull();
    const g = await readAll(vgg.stateDict().get('features.0.weight')!.grad!);
    expect(g.some((v) => v !== 0)).toBe(true);
    vgg.eval();
    e.scope(() => vgg.forward(x));
    expect(vgg.rng.counter).toBe(before + 2);
    x.dispose();
    vgg.dispose();
  });
});
