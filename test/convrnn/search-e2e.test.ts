// A few-trial conv-RNN search (each trial trains a small RGC 2 steps and validates), stopped after 2 trials and
// resumed to 3; the best architecture is a model file that `convrnn train --model` loads. One trial as a queue
// carries it (JSON), stopped and resumed from its run folder.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useEngine } from '../helpers/engine.js';
import { CONVRNN_SPACE, runConvRnnTrial, searchConvRnn, SEARCH_TRAIN_DEFAULT, type ConvRnnTrial } from '../../src/convrnn/search/convrnn-space.js';
import { samplePoint } from '../../src/convrnn/search/space.js';
import { Rng } from '../../src/random/rng.js';
import { loadModelSpec, synthData } from '../../src/convrnn/train.js';

const eng = useEngine();

describe('convrnn search end to end', () => {
  it('runs, stops, resumes and writes the best model', async () => {
    const out = mkdtempSync(join(tmpdir(), 'convrnn-search-'));
    const train = { ...SEARCH_TRAIN_DEFAULT, steps: 2, batchSize: 10, evalEvery: 2, data: synthData({ imageSize: 64, perClass: 1, valPerClass: 1 }) };
    const logs: string[] = [];
    await searchConvRnn(eng(), { algo: 'tpe', trials: 2, seed: 1, out, train, times: 3, log: (m) => logs.push(m) });
    const r = await searchConvRnn(eng(), { algo: 'tpe', trials: 3, seed: 1, out, train, times: 3, log: (m) => logs.push(m) });
    expect(logs.some((l) => l.startsWith('resuming: 2 trial(s)'))).toBe(true);
    expect(readFileSync(join(out, 'trials.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toMatch(/valAccuracy/);
    expect(r.bestAccuracy).toBeGreaterThanOrEqual(0);
    expect(loadModelSpec(r.bestModel).nodes.map((n) => n.name)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'imnetds']);
  }, 180_000);

  it('a trial travels as JSON; stopped, it resumes from its own checkpoint to the result of an unstopped one', async () => {
    const train = { ...SEARCH_TRAIN_DEFAULT, steps: 4, batchSize: 5, evalEvery: 4, checkpointEvery: 2, data: synthData({ imageSize: 64, perClass: 1, valPerClass: 1 }) };
    const job = JSON.stringify({ id: 0, point: samplePoint(CONVRNN_SPACE, new Rng(3)), seed: 1, train, times: 3 } satisfies ConvRnnTrial);
    const whole = await runConvRnnTrial(eng(), JSON.parse(job));
    const out = mkdtempSync(join(tmpdir(), 'convrnn-trial-'));
    const ctl = new AbortController();
    ctl.abort(143);
    await expect(runConvRnnTrial(eng(), JSON.parse(job), { out, signal: ctl.signal })).rejects.toThrow(/stopped at step 1/);
    const resumed = await runConvRnnTrial(eng(), JSON.parse(job), { out, resume: true });
    expect(resumed).toEqual(whole);
    expect(resumed.metrics.steps).toBe(4);
  }, 180_000);
});
