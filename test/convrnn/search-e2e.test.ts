// A few-trial conv-RNN search (each trial trains a small RGC 2 steps and validates), stopped after 2 trials and
// resumed to 3; the best architecture is a model file that `convrnn train --model` loads.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useEngine } from '../helpers/engine.js';
import { searchConvRnn, SEARCH_TRAIN_DEFAULT } from '../../src/convrnn/search/convrnn-space.js';
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
});
