// End to end: a small RGC conv-RNN trains on synth-objects through the unrolled graph (BPTT, loss on the last
// step's logits) and its loss falls; model files round-trip through the loader with clear errors.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useEngine } from '../helpers/engine.js';
import { presetModel } from '../../src/convrnn/models.js';
import { DEFAULT_TRAIN, loadModelSpec, trainConvRnn } from '../../src/convrnn/train.js';
import { ConfigError } from '../../src/errors.js';

const eng = useEngine();

describe('convrnn training', () => {
  it('a small RGC with feedback overfits one batch of 10: the loss falls', async () => {
    const spec = { ...presetModel('rgc_small_fb'), times: 5, imageOff: 4 };
    const r = await trainConvRnn(eng(), spec, { ...DEFAULT_TRAIN, steps: 12, batchSize: 10, trainPerClass: 1, valPerClass: 1, evalEvery: 12, lr: 3e-3 });
    expect(r.losses).toHaveLength(12);
    const first = (r.losses[0] + r.losses[1]) / 2;
    const last = (r.losses[10] + r.losses[11]) / 2;
    expect(last, `losses ${r.losses.map((l) => l.toFixed(3)).join(' ')}`).toBeLessThan(0.8 * first);
    expect(r.valAccuracy).toBeGreaterThanOrEqual(0);
    r.model.dispose();
  }, 120_000);

  it('the captured, replayed training step gives the losses eager steps give', async () => {
    const spec = { ...presetModel('median_small_fb'), times: 3, imageOff: 2 };
    const cfg = { ...DEFAULT_TRAIN, steps: 4, batchSize: 4, trainPerClass: 1, valPerClass: 1, evalEvery: 4, lr: 0.05, clip: 0.5, optimizer: 'sgd' as const };
    const eager = await trainConvRnn(eng(), spec, { ...cfg, replay: false });
    const replayed = await trainConvRnn(eng(), spec, { ...cfg, replay: true });
    eager.model.dispose(); replayed.model.dispose();
    replayed.losses.forEach((l, i) => expect(l, `step ${i + 1}`).toBeCloseTo(eager.losses[i], 5));
    expect(new Set(replayed.losses).size).toBeGreaterThan(1);
    await expect(trainConvRnn(eng(), spec, { ...cfg, optimizer: 'adam', replay: true })).rejects.toThrow(/replay needs optimizer sgd/);
  }, 120_000);

  it('model files: a written preset loads back; bad files name the file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'convrnn-'));
    const good = join(dir, 'm.json');
    writeFileSync(good, JSON.stringify(presetModel('rgc_small')));
    expect(loadModelSpec(good).nodes).toHaveLength(5);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...presetModel('rgc_small'), times: -1 }));
    expect(() => loadModelSpec(bad)).toThrow(ConfigError);
    expect(() => loadModelSpec(bad)).toThrow(/bad\.json: times/);
    writeFileSync(bad, '{');
    expect(() => loadModelSpec(bad)).toThrow(/not JSON/);
  });
});
