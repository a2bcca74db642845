/**
 * The model factory: presets with overrides, validated so a bad setting names its field; and `reconstruct`
 * building its model from the checkpoint a default `train` writes (10 classes, where the preset says 16).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { useEngine } from '../helpers/engine.js';
import { ConfigError } from '../../src/errors.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { buildData, buildModel as buildTrainModel } from '../../src/train/setup.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { buildModel as buildReconstructModel } from '../../src/cli/reconstruct.js';
import { createGrcnn, createMtlVgg, createModel, grcnnConfig, vggConfig } from '../../src/models/factory.js';
import { GRCNN, GRCNN_PRESETS } from '../../src/models/grcnn.js';

const eng = useEngine();

describe('model factory validation', () => {
  const fails = (f: () => unknown, message: RegExp) => {
    expect(f).toThrow(ConfigError);
    expect(f).toThrow(message);
  };

  it('names the field of a bad setting', () => {
    fails(() => grcnnConfig('grcnn-small', { planes: [] }), /^model\.planes: expected 4 entries like model\.iters, got 0$/);
    fails(() => grcnnConfig('grcnn-small', { iters: [1, 2] }), /^model\.iters: expected 4 entries like model\.planes, got 2$/);
    fails(() => grcnnConfig('grcnn-small', { planes: [], iters: [] }), /^model\.planes: expected at least one stage/);
    fails(() => grcnnConfig('grcnn-small', { groups: 3 }), /^model\.groups: 3 does not divide model\.stemChannels \(16\)$/);
    fails(() => grcnnConfig('grcnn-small', { stemChannels: 8, planes: [8, 5, 32, 64] }), /^model\.groups: 4 does not divide model\.planes\[1\] × model\.expansion \(10\)$/);
    fails(() => grcnnConfig('grcnn-small', { iters: [2, 0, 2, 2] }), /^model\.iters\[1\]: expected a positive integer, got 0$/);
    fails(() => grcnnConfig('grcnn-small', { numClasses: 0 }), /^model\.numClasses: expected a positive integer/);
    fails(() => grcnnConfig('grcnn7'), /^model\.preset: unknown preset 'grcnn7' \(one of grcnn55, grcnn109, grcnn-small\)$/);
    fails(() => createModel(eng(), 'vgg7'), /^model\.preset: unknown preset 'vgg7' \(one of .*vgg19_bn-small\)$/);
    fails(() => vggConfig('vgg19_bn-small', { inChannels: 2 as 1 }), /^model\.inChannels: expected 1 or 3, got 2$/);
    fails(() => createMtlVgg(eng(), { cfg: 'A', widthDivisor: 0, sessions: { s0: 4 }, neuralSize: 32 }), /^model\.widthDivisor: expected a positive integer/);
    fails(() => createMtlVgg(eng(), { cfg: 'A', widthDivisor: 16, sessions: {}, neuralSize: 32 }), /^model\.sessions: expected at least one/);
  });

  it('a train config with a bad override fails before any weight is made, naming the field', () => {
    const cfg = parseTrainConfig({ model: { planes: [8, 16] }, data: { kind: 'synth-objects-64', perClass: 1, valPerClass: 1 } });
    expect(() => buildTrainModel(eng(), cfg, buildData(cfg))).toThrow(/^model\.planes: expected 4 entries like model\.iters, got 2$/);
  });

  it('applies overrides on the preset and drops undefined ones', () => {
    const c = grcnnConfig('grcnn-small', { numClasses: 10, groups: undefined });
    expect(c).toEqual({ ...GRCNN_PRESETS['grcnn-small'], numClasses: 10 });
    const m = createGrcnn(eng(), 'grcnn-small', { stemChannels: 4, planes: [4, 8], iters: [1, 1], groups: 2 });
    expect(m.layers.length).toBe(2);
    m.dispose();
  });
});

describe('reconstruct loads what train writes', () => {
  async function trainCheckpoint(raw: Record<string, unknown>): Promise<{ path: string; model: GRCNN }> {
    const cfg = parseTrainConfig(raw);
    const model = buildTrainModel(eng(), cfg, buildData(cfg));
    const path = join(mkdtempSync(join(tmpdir(), 'cg-factory-')), 'checkpoint.safetensors');
    await saveCheckpoint(path, model, null, { step: 0, epoch: 0, loader: { epoch: 0, position: 0 }, rng: { seed: 0, counter: 0 }, schedule: null });
    return { path, model };
  }

  it('builds the model of a default-train checkpoint (10 classes) and loads its weights', async () => {
    const { path, model: trained } = await trainCheckpoint({});
    expect(trained.config.numClasses).toBe(10);
    const { model, channels } = buildReconstructModel(eng(), `m=grcnn-small:${path}`, 17);
    expect(channels).toBe(1);
    const g = model as GRCNN;
    expect(g.config.numClasses).toBe(10);
    expect(await g.classifier.weight.read()).toEqual(await trained.classifier.weight.read());
    expect(await g.layers[3].conv_f.weight.read()).toEqual(await trained.layers[3].conv_f.weight.read());
    model.dispose();
    trained.dispose();
  });

  it('reads the widths, steps and groups of an overridden model from the checkpoint', async () => {
    const { path, model: trained } = await trainCheckpoint({
      model: { stemChannels: 4, planes: [4, 8], expansion: 2, iters: [1, 2], groups: 2 },
      data: { kind: 'synth-objects-64', perClass: 1, valPerClass: 1 },
    });
    const { model } = buildReconstructModel(eng(), `m=grcnn-small:${path}`, 17);
    const c = (model as GRCNN).config;
    expect([c.stemChannels, c.planes, c.expansion, c.iters, c.groups, c.numClasses]).toEqual([4, [4, 8], 2, [1, 2], 2, 10]);
    expect(await (model as GRCNN).layers[1].iter[1].layers[8].parameters()[0].read()).toEqual(await trained.layers[1].iter[1].layers[8].parameters()[0].read());
    model.dispose();
    trained.dispose();
  });
});
