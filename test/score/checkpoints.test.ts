/** `score` and `activations` load weights by the VGG-19-BN PyTorch (torchvision) state-dict names, e.g. an exported co-training run. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildScoredModel } from '../../src/cli/score.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { toHost } from '../../src/io/state.js';
import { VGG, VGG_PRESETS } from '../../src/models/vgg.js';
import { useEngine } from '../helpers/engine.js';

const engine = useEngine();

describe('score model loading', () => {
  it('a VGG-19-BN state dict with torchvision names (features.N.*, classifier.N.*) loads, class count from the head', async () => {
    const e = engine();
    const src = new VGG(e, { ...VGG_PRESETS['vgg19_bn-small'], numClasses: 7, seed: 3 });
    const state = await toHost(src.stateDict());
    expect([...state.keys()]).toContain('features.1.running_var');
    const file = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'vgg.safetensors');
    writeSafetensors(file, state);
    const { model, input } = buildScoredModel(e, `vgg19_bn-small:${file}`);
    expect(input).toEqual({ size: 64, channels: 1 });
    const got = await toHost(model.stateDict());
    for (const k of ['features.0.weight', 'features.1.running_mean']) expect(Array.from(got.get(k)!.data), k).toEqual(Array.from(state.get(k)!.data));
    expect(() => buildScoredModel(e, 'resnet50')).toThrow(/unknown model 'resnet50'/);
    src.dispose(); model.dispose();
  });
});
