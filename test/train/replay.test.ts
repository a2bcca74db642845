import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { useEngine } from '../helpers/engine.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { MetricsLog } from '../../src/train/metrics-log.js';
import { readSafetensors } from '../../src/io/safetensors.js';

const eng = useEngine();

// 40 images at 16 px, batch 8: 5 steps per epoch, 3 epochs, so the cosine schedule changes lr between replays.
const tiny = (train: Record<string, unknown>) => parseTrainConfig({
  seed: 3,
  model: { preset: 'grcnn-small', stemChannels: 4, planes: [4, 8], expansion: 2, iters: [1, 1], groups: 2 },
  data: { kind: 'synth-objects-64', perClass: 4, valPerClass: 1, imageSize: 16 },
  train: { epochs: 3, batchSize: 8, logEvery: 2, checkpointEvery: 4, cutmix: { prob: 0.5 }, superclass: { weight: 0.5 }, ...train },
});

const weightsOf = (dir: string) => readSafetensors(join(dir, 'weights.safetensors')).tensors;
const lossesOf = (dir: string) => new MetricsLog(join(dir, 'metrics.jsonl')).read().filter((r) => typeof r.loss === 'number').map((r) => r.loss);

describe('replayed training steps', () => {
  for (const optimizer of ['sgd', 'adam'] as const) {
    it(`${optimizer}: a replayed run ends with the same weights, bit for bit, as an eager one`, async () => {
      const dirs = [false, true].map(() => mkdtempSync(join(tmpdir(), `cg-replay-${optimizer}-`)));
      const runs = [];
      for (const [i, replay] of [false, true].entries()) {
        const r = await runTraining(eng(), tiny({ optimizer, lr: optimizer === 'sgd' ? 0.05 : 3e-3, replay }), { out: dirs[i] });
        runs.push(r);
        r.model.dispose();
      }
      expect(runs[0].steps).toBe(15);
      expect(runs[1].replayStats).toEqual({ eager: 1, captured: 1, replayed: 13 });
      expect(runs[0].replayStats.replayed).toBe(0);
      const [a, b] = dirs.map(weightsOf);
      expect([...b.keys()]).toEqual([...a.keys()]);
      for (const [name, t] of a) expect(Array.from(b.get(name)!.data), name).toEqual(Array.from(t.data));
      expect(lossesOf(dirs[1])).toEqual(lossesOf(dirs[0]));
      expect(runs[1].final.top1).toBe(runs[0].final.top1);
    });
  }

  it('resume of a replayed run is byte-exact with an uninterrupted one', async () => {
    const [a, b] = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'cg-replay-resume-')));
    (await runTraining(eng(), tiny({ optimizer: 'adam', lr: 3e-3 }), { out: a })).model.dispose();
    (await runTraining(eng(), tiny({ optimizer: 'adam', lr: 3e-3, maxSteps: 7 }), { out: b })).model.dispose();
    (await runTraining(eng(), tiny({ optimizer: 'adam', lr: 3e-3 }), { out: b, resume: true })).model.dispose();
    const [wa, wb] = [a, b].map(weightsOf);
    for (const [name, t] of wa) expect(Array.from(wb.get(name)!.data), name).toEqual(Array.from(t.data));
  });
});
