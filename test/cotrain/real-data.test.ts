/**
 * Real data into `cotrain` (issue 15): a tiny Tiny-ImageNet-layout folder (PNG files at 40 px, read as gray and
 * resized to 32) and a tiny neuralset-v0 folder (written by writeNeuralSet, images at 24 px, no val_ids) drive all
 * six runs end to end, built in a temp dir here. Also: the errors name the folder or field.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCotrainConfig } from '../../src/cotrain/config.js';
import { buildClassification, buildNeural } from '../../src/cotrain/data.js';
import { REPORTED_RUNS, runCotrain } from '../../src/cotrain/protocol.js';
import { encodePng } from '../../src/data/image-io.js';
import { writeNeuralSet } from '../../src/data/neuralset.js';
import { simV1, simV1ToNeuralSet } from '../../src/data/sim-v1.js';
import { Rng } from '../../src/random/rng.js';
import { useEngine } from '../helpers/engine.js';

const eng = useEngine();
const root = mkdtempSync(join(tmpdir(), 'cotrain-real-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const WNIDS = ['n01443537', 'n01629819', 'n02123045'];
const SIDE = 40;

/** Class c: a bright bar at angle c·60° on a noisy ground, so the classes are learnable. */
function image(c: number, rng: Rng): Buffer {
  const data = new Float32Array(SIDE * SIDE);
  const a = (c * Math.PI) / 3;
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) {
    const d = Math.abs((x - SIDE / 2) * Math.sin(a) - (y - SIDE / 2) * Math.cos(a));
    data[y * SIDE + x] = Math.min(1, Math.max(0, (d < 3 ? 0.8 : 0.3) + 0.1 * (rng.uniform() - 0.5)));
  }
  return encodePng({ data, shape: [1, SIDE, SIDE] });
}

function tinyImageNet(dir: string, perClass: number, valPerClass: number): void {
  const rng = new Rng(11);
  writeFileSync(join(dir, 'wnids.txt'), WNIDS.join('\n') + '\n');
  writeFileSync(join(dir, 'words.txt'), WNIDS.map((w, i) => `${w}\tclass ${i}, other name`).join('\n') + '\n');
  const ann: string[] = [];
  mkdirSync(join(dir, 'val', 'images'), { recursive: true });
  WNIDS.forEach((w, c) => {
    mkdirSync(join(dir, 'train', w, 'images'), { recursive: true });
    for (let i = 0; i < perClass; i++) writeFileSync(join(dir, 'train', w, 'images', `${w}_${i}.png`), image(c, rng));
    for (let i = 0; i < valPerClass; i++) {
      const f = `val_${c * valPerClass + i}.png`;
      writeFileSync(join(dir, 'val', 'images', f), image(c, rng));
      ann.push(`${f}\t${w}\t0\t0\t${SIDE - 1}\t${SIDE - 1}`);
    }
  });
  writeFileSync(join(dir, 'val', 'val_annotations.txt'), ann.join('\n') + '\n');
}

const tin = join(root, 'tin');
mkdirSync(tin);
tinyImageNet(tin, 14, 4);
const ns = join(root, 'neuralset');
writeNeuralSet(ns, simV1ToNeuralSet(simV1({ seed: 5, images: 90, neurons: 8, sessions: 2, repeats: 3, size: 24 })));

const CONFIG = {
  seeds: 1,
  data: { source: { kind: 'tiny-imagenet', root: tin, valFraction: 0.2 } },
  neural: { source: { kind: 'neuralset', path: ns } },
  model: { headWidth: 16 },
  batchSize: 8,
  evalBatchSize: 20,
  robustness: { corruptions: ['gaussian_noise'], severities: [3] },
  baseline: { maxEpochs: 1 },
  predictor: { maxEpochs: 1 },
  mtl: { maxEpochs: 1 },
  oracle: { maxEpochs: 1, headEpochs: 1, readoutEpochs: 1, corruptions: ['gaussian_noise', 'contrast'] },
};

describe('cotrain on real-data layouts', () => {
  it('reads Tiny ImageNet as gray at the configured size, holding out a validation fraction, and neuralset-v0 with its splits', () => {
    const c = parseCotrainConfig(CONFIG);
    const cls = buildClassification(c);
    expect(cls.numClasses).toBe(3);
    expect(cls.classNames).toEqual(['class 0', 'class 1', 'class 2']);
    expect([cls.train.count + cls.val.count, cls.val.count, cls.test.count]).toEqual([42, 8, 12]);
    expect(cls.size).toBe(32);
    expect(cls.train.images.length).toBe(cls.train.count * 32 * 32);
    expect(cls.describe).toMatch(/^Tiny ImageNet .* 32×32 gray$/);
    const n = buildNeural(c);
    expect(n.sessions.map((s) => s.count)).toEqual([4, 4]);
    expect(n.size).toBe(32);
    expect(n.images.length).toBe(90 * 32 * 32);
    // sim-v1's export has no val_ids: the last 10 % of its training images validate.
    expect(n.train.length + n.val.length + n.test.length).toBe(90);
    expect(n.val.length).toBeGreaterThan(0);
    expect(n.describe).toMatch(/^neuralset-v0 .*: 90 images × 8 neurons$/);
  });

  it('has a paper profile: the full-width VGG-19-BN on Tiny ImageNet and a neuralset import, with the recipes', () => {
    const p = parseCotrainConfig({ profile: 'paper', data: { source: { kind: 'tiny-imagenet', root: tin } } });
    expect(p.model).toEqual({ cfg: 'E', widthDivisor: 1, headWidth: 4096, dropout: 0.5 });
    expect(p.data).toMatchObject({ imageSize: 64, source: { kind: 'tiny-imagenet', root: tin, valFraction: 0.1 } });
    expect(p.neural.source).toEqual({ kind: 'neuralset', path: 'data/v1-neuralset' });
    expect(p.baseline).toMatchObject({ optimizer: 'sgd', lr: 0.1, momentum: 0.75, maxEpochs: 400 });
    expect(p.predictor).toMatchObject({ optimizer: 'adam', lr: 5e-4 });
  });

  it('names the folder or field that is wrong', () => {
    expect(() => buildClassification(parseCotrainConfig({ ...CONFIG, data: { source: { kind: 'tiny-imagenet', root: join(root, 'nope') } } })))
      .toThrow(/nope\/wnids\.txt/);
    expect(() => parseCotrainConfig({ data: { source: { kind: 'tiny-imagenet' } } })).toThrow(/field 'data\.source/);
    expect(() => buildNeural(parseCotrainConfig({ ...CONFIG, neural: { source: { kind: 'neuralset', path: join(root, 'none') } } })))
      .toThrow(/none\/meta\.json/);
  });

  it('runs all six runs end to end on them', async () => {
    const out = join(root, 'out');
    const r = await runCotrain(eng(), parseCotrainConfig(CONFIG), out);
    for (const run of REPORTED_RUNS) {
      expect(r.results.runs[run], run).toHaveLength(1);
      expect(Object.keys(r.results.runs[run][0].acc)).toEqual(['gaussian_noise']);
    }
    expect(r.details.predictor).toHaveLength(1);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/Tiny ImageNet/);
    expect(md).toMatch(/neuralset-v0/);
  }, 300_000);
});
