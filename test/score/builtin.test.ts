/**
 * The built-in benchmarks written in Brain-Score's file layout and read back through the loaders real data use:
 * the same responses, labels, splits, stimuli and trials as generated in memory.
 */
import { existsSync, mkdtempSync, readFileSync, truncateSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GRCNN, GRCNN_PRESETS } from '../../src/models/grcnn.js';
import { readAssembly } from '../../src/score/assembly.js';
import { GENERATING_LAYERS, readBehaviorBenchmark, readNeuralBenchmark, writeBuiltinData } from '../../src/score/builtin.js';
import { simulatedRegion, simulatedV1 } from '../../src/score/simulated.js';
import { simulatedObserver } from '../../src/score/simulated-observer.js';
import { useEngine } from '../helpers/engine.js';

const engine = useEngine();
const o = { stimuli: 30, neuroids: 5, repetitions: 2, behavior: { perObject: 2, fittingPerObject: 3, trialsPerPair: 2 } };
const input = { size: 64, channels: 1 as const };

describe('built-in benchmarks on disk', () => {
  it('write → read gives the generated responses, labels, splits, stimuli and trials', async () => {
    const e = engine();
    const dir = mkdtempSync(join(tmpdir(), 'builtin-'));
    await writeBuiltinData(e, dir, o);
    for (const f of ['freemanziemba2013/assembly.nc', 'freemanziemba2013/stimulus_set.csv', 'majajhong2015/images/hvm0000.png',
      'rajalingham2018/assembly.nc', 'rajalingham2018/fitting/stimulus_set.csv', 'manifest.json']) expect(existsSync(join(dir, f)), f).toBe(true);
    const fz = await readAssembly(join(dir, 'freemanziemba2013/assembly.nc'));
    expect(fz.dims).toEqual(['presentation', 'neuroid', 'time_bin']);
    expect(fz.shape).toEqual([60, 10, 4]);
    expect(fz.coords.time_bin.time_bin_start).toEqual([0, 50, 100, 150]);

    const gen = new GRCNN(e, { ...GRCNN_PRESETS['grcnn-small'] });
    const want = {
      v1: simulatedV1(o),
      v2: await simulatedRegion(e, gen, input, 'v2', GENERATING_LAYERS.V2, o),
      it: await simulatedRegion(e, gen, input, 'it', GENERATING_LAYERS.IT, o),
    };
    for (const key of ['v1', 'v2', 'it'] as const) {
      const got = await readNeuralBenchmark(dir, key), w = want[key];
      // V1/V2: the 50–200 ms bins averaged, the 0–50 ms baseline bin left out.
      expect(Array.from(got.responses.data), key).toEqual(Array.from(w.responses.data));
      expect(got.labels).toEqual(w.labels);
      expect(got.isPublic).toEqual(w.isPublic);
      expect(Array.from(got.stimulus(7).data)).toEqual(Array.from(w.stimulus(7).data));
    }
    const beh = await simulatedObserver(e, gen, input, { ...o.behavior, layer: GENERATING_LAYERS.behavior });
    const b = await readBehaviorBenchmark(dir);
    expect(b.trials).toEqual(beh.trials);
    expect(b.fitting.labels).toEqual(beh.fitting.labels);
    expect(b.test.ids).toEqual(beh.test.ids);
    expect(Array.from(b.test.stimulus(3).data)).toEqual(Array.from(beh.test.images[3].data));
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).generatingLayers.IT).toBe('layer3');
    gen.dispose();

    // A truncated assembly and a stimulus set missing a row are refused by name.
    const bad = mkdtempSync(join(tmpdir(), 'builtin-bad-'));
    mkdirSync(join(bad, 'majajhong2015'));
    copyFileSync(join(dir, 'majajhong2015/assembly.nc'), join(bad, 'majajhong2015/assembly.nc'));
    truncateSync(join(bad, 'majajhong2015/assembly.nc'), 4000);
    await expect(readNeuralBenchmark(bad, 'it')).rejects.toThrow(/majajhong2015\/assembly\.nc/);
  }, 240_000);
});
