import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { useEngine } from '../helpers/engine.js';
import { synthImageFolder } from '../helpers/image-fixtures.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { MetricsLog } from '../../src/train/metrics-log.js';
import { ConfigError } from '../../src/errors.js';

const eng = useEngine();

const MODEL = { preset: 'grcnn-small', stemChannels: 4, planes: [4, 8], expansion: 2, iters: [1, 1], groups: 2 };

/** CutMix + AugMix/JSD + the superclass loss in one run: the paper's training tricks together. */
const tricks = (data: Record<string, unknown>, superclass: Record<string, unknown>) => parseTrainConfig({
  seed: 4, model: MODEL, data,
  train: { epochs: 1, batchSize: 8, optimizer: 'sgd', lr: 0.05, logEvery: 1, checkpointEvery: 10, cutmix: { prob: 1 },
    augmix: { jsdWeight: 12 }, superclass },
});

const losses = (dir: string) => new MetricsLog(join(dir, 'metrics.jsonl')).read().filter((r) => typeof r.loss === 'number').map((r) => r.loss as number);

/**
 * Runs the combination, and the same run with the superclass weight at 0. Step 1's loss is computed before any
 * update from the same weights and batch, so the difference is exactly the weighted superclass term — positive
 * only if the term reaches this data set's classes.
 */
async function withAndWithout(data: Record<string, unknown>, superclass: Record<string, unknown>) {
  const runs = [];
  for (const weight of [0.5, 0]) {
    const out = mkdtempSync(join(tmpdir(), 'cg-tricks-'));
    const r = await runTraining(eng(), tricks(data, { ...superclass, weight }), { out });
    r.model.dispose();
    runs.push({ ...r, losses: losses(out) });
  }
  return runs;
}

describe('CutMix + AugMix/JSD + superclass loss in one run', () => {
  it('synth-objects: 3-view CutMix batches, replayed, with the data set\'s own superclasses', async () => {
    const [on, off] = await withAndWithout({ kind: 'synth-objects-64', perClass: 4, valPerClass: 1, imageSize: 16 }, { map: 'dataset' });
    expect(on.steps).toBe(5);
    // One batch shape throughout (3 views × 8, soft targets): captured once, then replayed.
    expect(on.replayStats).toEqual({ eager: 1, captured: 1, replayed: 3 });
    for (const l of [...on.losses, ...off.losses]) expect(Number.isFinite(l)).toBe(true);
    expect(on.losses[0] - off.losses[0]).toBeGreaterThan(0.05);
  });

  it('ImageFolder named by wnid: Geirhos 16-class superclasses, classes outside them skipped', async () => {
    const dirs = synthImageFolder(mkdtempSync(join(tmpdir(), 'cg-tricks-if-')), { perClass: 4, valPerClass: 1, imageSize: 16 });
    const data = { kind: 'image-folder', ...dirs, imageSize: 16 };
    const [on, off] = await withAndWithout(data, { map: 'geirhos-16', unmapped: 'skip' });
    expect(on.steps).toBe(5);
    expect(on.replayStats).toEqual({ eager: 1, captured: 1, replayed: 3 });
    for (const l of [...on.losses, ...off.losses]) expect(Number.isFinite(l)).toBe(true);
    expect(on.losses[0] - off.losses[0]).toBeGreaterThan(0.05);
    // Without 'skip', goldfish (first of the folders) stops the run before anything is trained.
    const out = mkdtempSync(join(tmpdir(), 'cg-tricks-err-'));
    await expect(runTraining(eng(), tricks(data, { map: 'geirhos-16' }), { out })).rejects.toThrow(ConfigError);
    await expect(runTraining(eng(), tricks(data, { map: 'geirhos-16' }), { out })).rejects.toThrow(/train\.superclass\.map: class 'n01443537' is in no superclass of 'geirhos-16' \(and 1 more of the 10\)/);
  });
});
