import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { useEngine } from '../helpers/engine.js';
import { LEARN_DATA, parseTrainConfig, scaleForAdapter } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { MetricsLog } from '../../src/train/metrics-log.js';

const eng = useEngine();

describe('the default training job', () => {
  it('resolves to the learn profile and records its sizes in the config', () => {
    const c = parseTrainConfig({});
    expect(c.data).toMatchObject({ kind: 'synth-objects-64', profile: 'learn', ...LEARN_DATA });
    expect(c.model.iters).toEqual([1, 1, 1, 1]);
    expect(c.train).toMatchObject({ optimizer: 'adam', lr: 3e-3, batchSize: 32, replay: true });
    // The canonical profiles keep the spec's set: 64 px, textures unset (RMS .05–.2).
    const ci = parseTrainConfig({ data: { kind: 'synth-objects-64', profile: 'ci' } }).data;
    expect(ci).toMatchObject({ imageSize: 64 });
    expect((ci as { rms?: unknown }).rms).toBeUndefined();
    // A model section given by the user is left as written (the preset's two steps per block).
    expect(parseTrainConfig({ model: { preset: 'grcnn-small' } }).model.iters).toBeUndefined();
    expect(scaleForAdapter(parseTrainConfig({}), 'llvmpipe (LLVM 15.0.6, 256 bits)')).toBeNull();
    const gpu = parseTrainConfig({});
    expect(scaleForAdapter(gpu, 'NVIDIA H100')).toMatch(/scaled up/);
    expect(gpu.data).toMatchObject({ profile: 'full', imageSize: 64 });
    expect(gpu.train.batchSize).toBe(128);
  });

  // 100 steps (about 2 epochs) of the default config, only the validation split made small. Chance-level
  // predictions give a cross-entropy of ln 10 ≈ 2.303 (a uniform guess; confident wrong ones give more), so a
  // mean training loss under 2.2 over steps 91–100 needs a model that tells the classes apart.
  it('the loss falls below what a chance-level model can reach within 100 steps', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cg-learns-'));
    const cfg = parseTrainConfig({});
    cfg.data = { ...cfg.data, valPerClass: 1 } as typeof cfg.data;
    cfg.train.maxSteps = 100;
    const r = await runTraining(eng(), cfg, { out });
    r.model.dispose();
    const losses = new MetricsLog(join(out, 'metrics.jsonl')).read().filter((x) => typeof x.loss === 'number');
    const last = losses.at(-1)!;
    expect(last.step).toBe(100);
    expect(losses[0].loss as number).toBeGreaterThan(2.3);
    expect(last.loss as number).toBeLessThan(2.2);
  }, 1_200_000);
});
