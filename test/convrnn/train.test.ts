// Conv-RNN training through the data layer: the captured, replayed Adam step computes what eager steps compute;
// a run stopped mid-way and resumed from its checkpoint ends byte-identical to an uninterrupted one; run folders
// are guarded; model files round-trip through the loader with clear errors.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useEngine } from '../helpers/engine.js';
import { presetModel } from '../../src/convrnn/models.js';
import { DEFAULT_TRAIN, loadModelSpec, synthData, trainConvRnn, type ConvRnnTrainConfig } from '../../src/convrnn/train.js';
import { ConfigError, RunFolderError, StoppedError } from '../../src/errors.js';

const eng = useEngine();
const tmp = () => mkdtempSync(join(tmpdir(), 'convrnn-'));
const spec = { ...presetModel('rgc_small32_fb'), times: 4, imageOff: 3 };
const cfg: ConvRnnTrainConfig = { ...DEFAULT_TRAIN, steps: 6, batchSize: 4, evalEvery: 3, checkpointEvery: 2, data: synthData({ imageSize: 32, perClass: 1, valPerClass: 1 }) };

describe('convrnn training', () => {
  it('replayed Adam steps give exactly the losses and weights eager steps give', async () => {
    const eager = await trainConvRnn(eng(), spec, { ...cfg, replay: false });
    const replayed = await trainConvRnn(eng(), spec, { ...cfg, replay: true });
    expect(replayed.replayStats).toEqual({ eager: 1, captured: 1, replayed: 4 });
    expect(replayed.losses).toEqual(eager.losses);
    expect(new Set(replayed.losses).size).toBeGreaterThan(1);
    const a = eager.model.stateDict(), b = replayed.model.stateDict();
    for (const [name, t] of a) expect(await b.get(name)!.read(), name).toEqual(await t.read());
    eager.model.dispose(); replayed.model.dispose();
  }, 120_000);

  it('stopped at step 3 and resumed, a run ends byte-identical to an uninterrupted one', async () => {
    const straight = tmp(), split = tmp();
    (await trainConvRnn(eng(), spec, cfg, { out: straight })).model.dispose();
    const ctl = new AbortController();
    await expect(trainConvRnn(eng(), spec, cfg, { out: split, signal: ctl.signal, log: (m) => { if (m.startsWith('step 3/')) ctl.abort(143); } }))
      .rejects.toThrow(StoppedError);
    expect(existsSync(join(split, 'weights.safetensors'))).toBe(false);
    await expect(trainConvRnn(eng(), spec, cfg, { out: split })).rejects.toThrow(RunFolderError);
    const logs: string[] = [];
    const r = await trainConvRnn(eng(), spec, cfg, { out: split, resume: true, log: (m) => logs.push(m) });
    r.model.dispose();
    expect(logs[0]).toMatch(/resumed from .* at step 3/);
    expect(r.losses).toHaveLength(6);
    expect(readFileSync(join(split, 'weights.safetensors')).equals(readFileSync(join(straight, 'weights.safetensors')))).toBe(true);
    const res = (d: string) => JSON.parse(readFileSync(join(d, 'result.json'), 'utf8'));
    expect(res(split).losses).toEqual(res(straight).losses);
    expect(res(split).evals).toEqual(res(straight).evals);
    // The run folder's model.json is a model file: the trained model loads by its folder.
    expect(loadModelSpec(split).name).toBe('rgc_small32_fb');
    await expect(trainConvRnn(eng(), spec, { ...cfg, lr: 1e-3 }, { out: split, resume: true })).rejects.toThrow(/lr \(0\.003 → 0\.001\)/);
  }, 180_000);

  it('a model and data of different sizes are refused naming both', async () => {
    await expect(trainConvRnn(eng(), presetModel('rgc_small_fb'), cfg)).rejects.toThrow(/wants 1×64² input, the data is 1×32²/);
  });

  it('model files: a written preset loads back; bad files name the file and field', () => {
    const dir = tmp();
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
