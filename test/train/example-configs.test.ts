import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { useEngine } from '../helpers/engine.js';
import { synthImageFolder, synthTinyImageNet } from '../helpers/image-fixtures.js';
import { loadTrainConfig, parseTrainConfig, type TrainConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { MetricsLog } from '../../src/train/metrics-log.js';

const eng = useEngine();
const dir = 'tools/configs';

/**
 * The recipe files hold the real sizes; a test shrinks only the data, the batch and the length, and scales the
 * learning rate with the batch (the linear scaling rule of Goyal et al. 2017, which AugMix's ImageNet script also
 * applies: lr × batch/256): lr 0.1 on 2 images steps a 55-layer BN net straight to NaN.
 */
function shrink(c: TrainConfig, data: Partial<TrainConfig['data']>): TrainConfig {
  const batchSize = 2;
  return parseTrainConfig({ ...c, data: { ...c.data, ...data },
    train: { ...c.train, epochs: 1, batchSize, lr: (c.train.lr * batchSize) / c.train.batchSize, maxSteps: 2, logEvery: 1 } }, 'test');
}

async function trainsAFewSteps(cfg: TrainConfig): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'cg-example-'));
  const r = await runTraining(eng(), cfg, { out });
  r.model.dispose();
  expect(r.steps).toBe(2);
  const losses = new MetricsLog(join(out, 'metrics.jsonl')).read().filter((x) => typeof x.loss === 'number');
  expect(losses.map((x) => x.step)).toEqual([1, 2]);
  for (const x of losses) expect(Number.isFinite(x.loss)).toBe(true);
  expect(r.final.n).toBe(10);
}

describe('example configs in tools/configs', () => {
  it('every file parses, and the recipes say what the papers say', () => {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) expect(() => loadTrainConfig(join(dir, f)), f).not.toThrow();
    const paper = loadTrainConfig(join(dir, 'grcnn55-tiny-imagenet.json'));
    expect(paper.model.preset).toBe('grcnn55');
    expect(paper.data).toMatchObject({ kind: 'tiny-imagenet', imageSize: 64, grayscale: false });
    expect(paper.train).toMatchObject({ optimizer: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-4, batchSize: 256, labelSmoothing: 0.1,
      cutmix: { prob: 1, beta: 1 }, augmix: { jsdWeight: 12, severity: 1 }, superclass: { map: 'geirhos-16', unmapped: 'skip' } });
    const inet = loadTrainConfig(join(dir, 'imagenet.json'));
    expect(inet.data).toMatchObject({ kind: 'image-folder', imageSize: 224, evalResize: 256, grayscale: false });
    expect(inet.train).toMatchObject({ optimizer: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-4, labelSmoothing: 0.1, epochs: 100,
      schedule: { kind: 'step', milestones: [30, 60, 90], gamma: 0.1 },
      augment: { flip: true, randomResizedCrop: { scale: [0.08, 1], ratio: [0.75, 4 / 3] } } });
    for (const f of ['paper-builtin.json', 'imagenet-builtin.json']) expect(loadTrainConfig(join(dir, f)).data.kind, f).toBe('synth-objects-64');
  });

  it('GRCNN-55 with CutMix + AugMix + Geirhos superclasses trains on a Tiny-ImageNet-layout folder', async () => {
    const root = synthTinyImageNet(mkdtempSync(join(tmpdir(), 'cg-tin-')), { perClass: 1, valPerClass: 1, imageSize: 32 });
    await trainsAFewSteps(shrink(loadTrainConfig(join(dir, 'grcnn55-tiny-imagenet.json')), { root, imageSize: 32 } as Partial<TrainConfig['data']>));
  }, 300_000);

  it('the ImageNet recipe (RandomResizedCrop, Resize/CenterCrop eval, SGD, label smoothing) trains GRCNN-55 on an ImageFolder', async () => {
    const dirs = synthImageFolder(mkdtempSync(join(tmpdir(), 'cg-inet-')), { perClass: 1, valPerClass: 1, imageSize: 40 });
    // 40 px images, 32 px crops, eval 37 → 32: the recipe's 256/224 ratio.
    await trainsAFewSteps(shrink(loadTrainConfig(join(dir, 'imagenet.json')), { ...dirs, imageSize: 32, evalResize: 37 } as Partial<TrainConfig['data']>));
  }, 300_000);

  it('the built-in versions of both train on synth-objects', async () => {
    for (const f of ['paper-builtin.json', 'imagenet-builtin.json']) {
      await trainsAFewSteps(shrink(loadTrainConfig(join(dir, f)), { perClass: 1, valPerClass: 1 } as Partial<TrainConfig['data']>));
    }
  }, 300_000);
});
