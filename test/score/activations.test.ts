/** Named activations (GRCNN blocks and GRCL steps, VGG names) in inference mode without a tape, and stimulus presentation. */
import { describe, expect, it } from 'vitest';
import { GRCNN, GRCNN_PRESETS } from '../../src/models/grcnn.js';
import { VGG, VGG_PRESETS } from '../../src/models/vgg.js';
import { candidateLayers, extractActivations, layerNames } from '../../src/score/activations.js';
import { placeOnScreen, present, SCREEN_GRAY } from '../../src/score/presentation.js';
import type { Image } from '../../src/data/dataset.js';
import { expectClose } from '../helpers/close.js';
import { useEngine } from '../helpers/engine.js';

const engine = useEngine();
const stim = (size: number, ch = 1) => (i: number): Image => ({
  data: Float32Array.from({ length: ch * size * size }, (_, k) => Math.sin(0.37 * k + i) * 0.5), shape: [ch, size, size],
});

describe('activations', () => {
  it('GRCNN: every GRCL step and block by name, batched the same as unbatched, no tape, mode restored', async () => {
    const e = engine();
    const model = new GRCNN(e, { ...GRCNN_PRESETS['grcnn-small'], planes: [4, 4, 4, 8], stemChannels: 4, groups: 2 });
    const names = layerNames(model);
    expect(names).toContain('layer1.x0');
    expect(names).toContain('layer2.x2');
    expect(candidateLayers(model)).toEqual(['layer1', 'layer2', 'layer3', 'layer4', 'avgpool']);
    const want = ['layer1.x0', 'layer1.x2', 'layer1', 'layer4.x2', 'layer4', 'lastact', 'avgpool', 'classifier'];
    const tape = e.tape.entries.length;
    const a = await extractActivations(e, model, stim(16), 3, want, { batch: 2 });
    const b = await extractActivations(e, model, stim(16), 3, want, { batch: 3 });
    expect(e.tape.entries.length).toBe(tape);
    expect(model.training).toBe(true);
    for (const n of want) expectClose(a.layers.get(n)!.data, b.layers.get(n)!.data, { atol: 1e-5, rtol: 1e-4 }, n);
    expect(a.layers.get('layer1.x0')!.features).toBe(4 * 2 * 16 * 16);
    expect(a.layers.get('layer1')!.features).toBe(4 * 2 * 8 * 8);
    // The last block has no transition: its output is its last step's state.
    expectClose(a.layers.get('layer4')!.data, a.layers.get('layer4.x2')!.data, { atol: 0, rtol: 0 }, 'layer4');
    expect(a.layers.get('layer1.x2')!.data).not.toEqual(a.layers.get('layer1.x0')!.data);
    const last = a.layers.get('lastact')!, pool = a.layers.get('avgpool')!;
    const hw = last.features / pool.features;
    const mean0 = last.data.slice(0, hw).reduce((s, v) => s + v, 0) / hw;
    expect(pool.data[0]).toBeCloseTo(mean0, 5);
    await expect(extractActivations(e, model, stim(16), 1, ['layer9'])).rejects.toThrow(/no layer named 'layer9'/);
    model.dispose();
  });
  it('VGG: conventional and torchvision names give the same activations', async () => {
    const e = engine();
    const model = new VGG(e, { ...VGG_PRESETS['vgg19_bn-small'] });
    const i = model.layerIndex('relu3_1');
    const a = await extractActivations(e, model, stim(32), 2, ['relu3_1', `features.${i}`, 'classifier.6']);
    expectClose(a.layers.get('relu3_1')!.data, a.layers.get(`features.${i}`)!.data, { atol: 0, rtol: 0 }, 'relu3_1');
    expect(a.layers.get('classifier.6')!.features).toBe(16 * 1 * 1);
    model.dispose();
  });
});

describe('presentation', () => {
  const img: Image = { data: Float32Array.from({ length: 3 * 10 * 10 }, (_, k) => (k % 7) / 7), shape: [3, 10, 10] };
  it('a 4° stimulus on an 8° screen: centred on a PIL-gray canvas twice its size', () => {
    const out = placeOnScreen(img, 4, 8);
    expect(out.shape).toEqual([3, 20, 20]);
    expect(out.data[0]).toBeCloseTo(SCREEN_GRAY, 6);
    expect(out.data[(1 * 20 + 5) * 20 + 5]).toBe(img.data[(1 * 10 + 0) * 10 + 0]);
    expect(out.data[(2 * 20 + 14) * 20 + 14]).toBe(img.data[(2 * 10 + 9) * 10 + 9]);
  });
  it('a 10° stimulus on an 8° screen is centre-cropped; present() resizes, converts to gray and normalises', () => {
    const out = placeOnScreen(img, 10, 8);
    expect(out.shape).toEqual([3, 8, 8]);
    expect(out.data[0]).toBe(img.data[11]);
    const p = present(img, { size: 6, channels: 1, stimulusDegrees: 8 });
    expect(p.shape).toEqual([1, 6, 6]);
    expect(() => placeOnScreen(img, 0)).toThrow(/degrees must be positive/);
  });
});
