/**
 * The multi-task model: MTL_VGG's parameter names, the split after relu3_1 (classification identical to a VGG with
 * the same weights), neural responses ELU(readout − 1) + 1, batch prediction in eval mode, freezing, the
 * single-task variant, loading a VGG's weights. Shapes use the 1/8-width VGG-19-BN.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError } from '../../src/errors.js';
import type { HostTensor } from '../../src/nn/module.js';
import { add } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { VGG, VGG_PRESETS } from '../../src/models/vgg.js';
import { MtlVgg, mtlNameFromVgg, mtlVggPreset, vggStateToMtl, type MtlVggConfig } from '../../src/models/mtl.js';
import { useEngine } from '../helpers/engine.js';
import { expectClose } from '../helpers/close.js';
import { f32, uniform } from '../helpers/rng.js';

const eng = useEngine();
// Forward-only tests leave recorded ops (and their saved tensors) on the tape.
afterEach(() => eng().tape.clear());

const { inChannels: _gray, ...small } = VGG_PRESETS['vgg19_bn-small'];
const SESSIONS = { s1: 5, s2: 7 };
const cfg = (o: Partial<MtlVggConfig> = {}): MtlVggConfig => mtlVggPreset(SESSIONS, { ...small, seed: 11, ...o });

async function read(t: Tensor): Promise<Float32Array> { return (await t.read()) as Float32Array; }

async function values(e: Engine, f: () => Tensor): Promise<Float32Array> {
  const t = e.scope(f).keep();
  const v = await read(t);
  t.dispose();
  return v;
}

async function host(m: VGG): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [k, t] of m.stateDict()) out.set(k, { shape: t.shape, data: await t.read() });
  return out;
}

function image(e: Engine, n: number, seed: number, size = 64): Tensor {
  return e.tensor(Float32Array.from(uniform(n * size * size, seed)), [n, 1, size, size]).keep();
}

describe('MtlVgg', () => {
  let mtl: MtlVgg;
  let x: Tensor;
  beforeAll(() => { mtl = new MtlVgg(eng(), cfg()); x = image(eng(), 2, 1); });
  afterAll(() => { mtl?.dispose(); x?.dispose(); });

  it('uses the names of MTL_VGG: mtl_vgg_core.{v1_block,unshared_block}, classification_readout, v1_readout.<session>', () => {
    const names = new Map([...mtl.stateDict()].map(([k, t]) => [k, [...t.shape]]));
    const vgg = new VGG(eng(), { ...small, inChannels: 1, seed: 11 });
    const expected = new Map([...vgg.stateDict()].map(([k, t]) => [mtlNameFromVgg(k, 17)!, [...t.shape]]));
    vgg.dispose();
    for (const [s, n] of Object.entries(SESSIONS)) {
      expected.set(`v1_readout.${s}.mu`, [1, n, 1, 2]).set(`v1_readout.${s}.sigma`, [1, n, 1, 2])
        .set(`v1_readout.${s}.features`, [1, 32, 1, n]).set(`v1_readout.${s}.bias`, [n]);
    }
    expect([...names.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, s] of expected) expect(names.get(k), k).toEqual(s);
    // conv3_1 is the last conv of the shared block, conv3_2 the first of the rest.
    expect(names.get('mtl_vgg_core.v1_block.14.weight')).toEqual([32, 16, 3, 3]);
    expect(names.has('mtl_vgg_core.v1_block.17.weight')).toBe(false);
    expect(names.get('mtl_vgg_core.unshared_block.0.weight')).toEqual([32, 32, 3, 3]);
    expect(names.get('classification_readout.6.weight')).toEqual([16, 256, 1, 1]);
  });

  it('classifies exactly as a VGG with the same seed, or with weights loaded from one', async () => {
    const e = eng();
    const vgg = new VGG(e, { ...small, inChannels: 1, seed: 11 }).eval();
    mtl.eval();
    const want = await values(e, () => vgg.forward(x));
    expectClose(await values(e, () => mtl.classify(x)), want, { atol: 0, rtol: 0 }, 'same seed');
    const other = new MtlVgg(e, cfg({ seed: 12 })).eval();
    expect(await values(e, () => other.classify(x))).not.toEqual(want);
    other.loadStateDict(vggStateToMtl(await host(vgg), 17), { strict: false });
    expectClose(await values(e, () => other.forward(x)), want, { atol: 0, rtol: 0 }, 'loaded');
    other.dispose();
    vgg.dispose();
    mtl.train();
  });

  it('predicts ELU(readout(conv3_1) − 1) + 1 per session', async () => {
    const e = eng();
    mtl.eval();
    const y = await values(e, () => mtl.v1_readout.forward(mtl.shared(x), 's2'));
    const r = await values(e, () => mtl.neural(x, 's2'));
    expect(r).toHaveLength(2 * 7);
    expectClose(r, Array.from(y, (v) => (v > 1 ? v : Math.exp(v - 1))), { atol: 1e-6, rtol: 1e-5 }, 'responses');
    expect(r.every((v) => v > 0)).toBe(true);
    const shared = e.scope(() => mtl.shared(x)).keep();
    expect(shared.shape).toEqual([2, 32, 16, 16]);
    shared.dispose();
    const both = e.scope(() => mtl.both(x, 's2'));
    expectClose(await read(both.responses), r, { atol: 0, rtol: 0 }, 'both: responses');
    expectClose(await read(both.logits), await values(e, () => mtl.classify(x)), { atol: 0, rtol: 0 }, 'both: logits');
    both.responses.dispose();
    both.logits.dispose();
    expect(() => mtl.neural(x)).toThrow(/unknown session/);
    mtl.train();
  });

  it('predictResponses: every session, eval mode, no graph, training flags and RNG untouched', async () => {
    const e = eng();
    mtl.train();
    const counter = mtl.rng.counter;
    const tape = e.stats().tapeEntries;
    const got = mtl.predictResponses(x);
    expect([...got.keys()]).toEqual(['s1', 's2']);
    expect(got.get('s1')!.shape).toEqual([2, 5]);
    expect(mtl.training && mtl.mtl_vgg_core.v1Block.layers[1].training).toBe(true);
    expect(mtl.rng.counter).toBe(counter);
    expect(e.stats().tapeEntries).toBe(tape);
    mtl.eval();
    expectClose(await read(got.get('s1')!), await values(e, () => mtl.neural(x, 's1')), { atol: 0, rtol: 0 }, 'eval responses');
    mtl.train();
    for (const t of got.values()) t.dispose();
  });

  it('trains through both tasks; freeze() stops the named parts', async () => {
    const e = eng();
    const grads = () => new Map(mtl.namedParameters().map(([k, p]) => [k, p.grad !== null]));
    const clear = () => { for (const p of mtl.parameters()) { p.grad?.dispose(); p.grad = null; } };
    e.scope(() => { const o = mtl.both(x, 's1'); e.backward(add(sum(o.responses), sum(o.logits))); });
    let g = grads();
    expect(g.get('mtl_vgg_core.v1_block.0.weight') && g.get('v1_readout.s1.mu') && g.get('v1_readout.s1.sigma')
      && g.get('classification_readout.0.weight') && g.get('mtl_vgg_core.unshared_block.0.weight')).toBe(true);
    expect(g.get('v1_readout.s2.mu')).toBe(false);
    clear();
    const frozen = mtl.freeze(['v1_block']);
    expect(frozen).toHaveLength(mtl.namedParameters().filter(([k]) => k.startsWith('mtl_vgg_core.v1_block.')).length);
    expect(frozen.every((k) => k.startsWith('mtl_vgg_core.v1_block.'))).toBe(true);
    e.scope(() => e.backward(sum(mtl.classify(x))));
    g = grads();
    expect([...g].filter(([k, v]) => k.startsWith('mtl_vgg_core.v1_block.') && v)).toEqual([]);
    expect(g.get('mtl_vgg_core.unshared_block.0.weight')).toBe(true);
    clear();
    expect(mtl.freeze(['v1_readout', 'classification_readout']).length).toBe(8 + 6);
    expect(mtl.trainableParameters().length).toBe(mtl.namedParameters().filter(([k]) => k.startsWith('mtl_vgg_core.unshared_block.')).length);
    mtl.unfreeze();
  });

  it('initialises a readout bias from mean responses; regularizer = gamma · Σ|features|', async () => {
    const e = eng();
    const resp = f32(uniform(4 * 5, 3, 0, 3));
    const t = e.tensor(Float32Array.from(resp), [4, 5]);
    mtl.initReadoutBias('s1', t);
    t.dispose();
    const mean = Array.from({ length: 5 }, (_, j) => [0, 1, 2, 3].reduce((s, b) => s + resp[b * 5 + j], 0) / 4);
    expectClose(await read(mtl.v1_readout.get('s1').bias!), mean, { atol: 1e-6, rtol: 1e-6 }, 'bias');
    const reg = e.scope(() => mtl.regularizer('s1')).keep();
    expect(await reg.item()).toBeCloseTo(0.5 * 5, 5);
    reg.dispose();
  });

  it('exposes named activations across the split', () => {
    const e = eng();
    const acts = e.scope(() => mtl.activations(x, ['shared', 'features.14', 'features.20', 'classifier.6'], 's1'));
    expect([...acts].map(([k, t]) => [k, t.shape])).toEqual([
      ['features.14', [2, 32, 16, 16]], ['shared', [2, 32, 16, 16]], ['features.20', [2, 32, 16, 16]], ['classifier.6', [2, 16, 2, 2]],
    ]);
    expect(() => mtl.activations(x, ['v1_readout'])).toThrow(ShapeError);
    for (const t of acts.values()) t.dispose();
    e.tape.clear();
  });
});

describe('MtlVgg configurations', () => {
  it('the paper preset: conv3_1 readouts on 256×16×16, recipe settings', () => {
    const c = mtlVggPreset({ m1: 10 });
    expect([c.v1ModelLayer, c.initMuRange, c.initSigmaRange, c.gammaReadout, c.eluOffset, c.numClasses, c.headWidth, c.classification])
      .toEqual([17, 0.3, 0.6, 0.5, -1, 200, 4096, true]);
  });

  it('single-task (classification: false) has no unshared block or head; v1FineTune false freezes the core', async () => {
    const e = eng();
    const m = new MtlVgg(e, cfg({ classification: false, v1FineTune: false, neuralInputSize: [40, 36] }));
    const names = [...m.stateDict().keys()];
    expect(names.some((k) => k.startsWith('mtl_vgg_core.unshared_block') || k.startsWith('classification_readout'))).toBe(false);
    expect(m.trainableParameters()).toHaveLength(8);
    const x = image(e, 1, 4, 40);
    expect(() => m.classify(x)).toThrow(/classification: false/);
    // Readouts fix their in_shape: a 40×36 map is 10×9 at conv3_1, so 40×40 images are refused.
    expect(() => e.scope(() => m.neural(x, 's1'))).toThrow(/in_shape/);
    const y = e.tensor(Float32Array.from(uniform(40 * 36, 6)), [1, 1, 40, 36]).keep();
    expect(e.scope(() => m.neural(y, 's1')).shape).toEqual([1, 5]);
    for (const t of [x, y]) t.dispose();
    m.dispose();
  });

  it('rejects a split outside the features, images that vanish before it, bad session keys', () => {
    const e = eng();
    expect(() => new MtlVgg(e, cfg({ v1ModelLayer: 0 }))).toThrow(ShapeError);
    expect(() => new MtlVgg(e, cfg({ v1ModelLayer: 53 }))).toThrow(ShapeError);
    expect(() => new MtlVgg(e, cfg({ neuralInputSize: [3, 3] }))).toThrow(/vanish/);
    expect(() => new MtlVgg(e, cfg({ sessions: { 'a.b': 3 } }))).toThrow(ShapeError);
  });
});
