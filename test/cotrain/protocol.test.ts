/**
 * The co-training protocol end to end at a tiny size (every run × 2 seeds, 32 px, two corruptions at two severities,
 * one or two epochs per run), then the report; plus the pieces that need no training: the configuration (profiles,
 * errors that name the field), the sim-v1 sessions and splits, MTL-Shuffled's permutation, the Oracle's draws.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COTRAIN_PROFILES, parseCotrainConfig, seedsOf } from '../../src/cotrain/config.js';
import { buildNeural, shuffledResponses, simResponseSet } from '../../src/cotrain/data.js';
import { distortDraw } from '../../src/cotrain/oracle.js';
import { REPORTED_RUNS, runCotrain, type ProtocolDetails } from '../../src/cotrain/protocol.js';
import type { ProtocolResults } from '../../src/cotrain/results.js';
import { useEngine } from '../helpers/engine.js';

const eng = useEngine();

const TINY = {
  data: { trainPerClass: 8, valPerClass: 3, testPerClass: 3 },
  neural: { images: 120, neurons: 16 },
  model: { headWidth: 32 },
  batchSize: 16,
  evalBatchSize: 30,
  robustness: { corruptions: ['gaussian_noise', 'contrast'], severities: [1, 5] },
  baseline: { maxEpochs: 2 },
  predictor: { maxEpochs: 2 },
  mtl: { maxEpochs: 2 },
  oracle: { maxEpochs: 1, headEpochs: 1, readoutEpochs: 1, corruptions: ['gaussian_noise', 'contrast', 'brightness'] },
};

describe('configuration', () => {
  it('fills every field from the profile and merges a partial file into it', () => {
    const ci = parseCotrainConfig({});
    expect(ci).toEqual(COTRAIN_PROFILES.ci);
    expect(seedsOf(ci)).toEqual([0, 1]);
    const full = parseCotrainConfig({ profile: 'full', seeds: 3, seedOffset: 10, mtl: { ratio: 2 } });
    expect(full.data.imageSize).toBe(64);
    expect(full.mtl).toMatchObject({ ratio: 2, optimizer: 'sgd', lr: 0.1, momentum: 0.75, weightDecay: 5e-4, neuralLoss: 'mse' });
    expect(full.mtl.plateau).toEqual({ factor: 0.3, patience: 5, threshold: 1e-4, thresholdMode: 'abs', minLr: 0 });
    expect(full.baseline.plateau).toMatchObject({ factor: 0.4, thresholdMode: 'rel', minLr: 1e-4 });
    expect(full.predictor).toMatchObject({ optimizer: 'adam', lr: 5e-4, gammaReadout: 0.5 });
    expect(seedsOf(full)).toEqual([10, 11, 12]);
  });

  it('names the offending field', () => {
    expect(() => parseCotrainConfig({ mtl: { ratio: 0 } }, 'my.json')).toThrow(/my\.json: field 'mtl\.ratio'/);
    expect(() => parseCotrainConfig({ data: { colour: true } })).toThrow(/field 'data'.*colour/);
    expect(() => parseCotrainConfig({ robustness: { corruptions: ['gaussian_noise', 'rain'] } })).toThrow(/field 'robustness\.corruptions\.1': unknown corruption/);
    expect(() => parseCotrainConfig({ profile: 'huge' })).toThrow(/field 'profile'/);
    expect(() => parseCotrainConfig({ batchSize: 5000 })).toThrow(/field 'batchSize'/);
    expect(() => parseCotrainConfig({ data: { rms: [0.2, 0.1] } })).toThrow(/field 'data\.rms': needs lo ≤ hi/);
  });
});

describe('protocol data', () => {
  const cfg = parseCotrainConfig(TINY);

  it('splits sim-v1 into contiguous sessions and disjoint train/val/test images', () => {
    const d = buildNeural(cfg);
    expect(d.sessions).toEqual([{ key: 's0', start: 0, count: 8 }, { key: 's1', start: 8, count: 8 }]);
    const all = [...d.train, ...d.val, ...d.test];
    expect(new Set(all).size).toBe(120);
    expect(d.val.length).toBeGreaterThan(0);
    const set = simResponseSet(d, d.train);
    // The targets are the repeat means (NaN-free: every neuron has ≥ 2 recorded repeats).
    const i = d.train[3], k = 9;
    const trials = [0, 1, 2, 3].map((r) => d.trials.data[(r * 120 + i) * 16 + k]).filter((v) => !Number.isNaN(v));
    expect(set.targets.get('s1')![3 * 8 + 1]).toBeCloseTo(trials.reduce((a, b) => a + b, 0) / trials.length, 5);
  });

  it('MTL-Shuffled moves whole response rows to other images, the same permutation for every session', () => {
    const d = buildNeural(cfg);
    const set = simResponseSet(d, d.train);
    const perm = Array.from({ length: set.count }, (_, j) => (j + 5) % set.count);
    const sh = shuffledResponses(set, perm);
    expect(sh.images).toBe(set.images);
    for (const [key, t] of set.targets) {
      const k = t.length / set.count;
      for (let j = 0; j < set.count; j++) expect(Array.from(sh.targets.get(key)!.subarray(j * k, (j + 1) * k))).toEqual(Array.from(t.subarray(perm[j] * k, (perm[j] + 1) * k)));
    }
  });

  it('draws the Oracle’s distortions from the configured lists, reproducibly, clean with probability cleanProb', () => {
    const a = distortDraw(cfg, 3, 1, 16, 64);
    expect(distortDraw(cfg, 3, 1, 16, 64)).toEqual(a);
    expect(distortDraw(cfg, 3, 1, 32, 64)).not.toEqual(a);
    for (const v of [a.a, a.b]) {
      expect(cfg.oracle.corruptions).toContain(v.corruption);
      expect(cfg.oracle.severities).toContain(v.severity);
    }
    const corrupted = Array.from({ length: 40 }, (_, s) => distortDraw(cfg, 0, 0, s, 64).corruptA.reduce((x, y) => x + y, 0)).reduce((x, y) => x + y, 0);
    expect(corrupted / (40 * 64)).toBeGreaterThan(0.4);
    expect(corrupted / (40 * 64)).toBeLessThan(0.6);
    expect(distortDraw({ ...cfg, oracle: { ...cfg.oracle, cleanProb: 1 } }, 0, 0, 0, 64).corruptA.every((v) => v === 0)).toBe(true);
  });
});

describe('runCotrain', () => {
  const out = mkdtempSync(join(tmpdir(), 'cotrain-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('trains every run for 2 seeds, measures robustness and neural predictivity, and writes the report', async () => {
    const cfg = parseCotrainConfig(TINY);
    const lines: string[] = [];
    const r = await runCotrain(eng(), cfg, out, { log: (m) => lines.push(m) });
    const res: ProtocolResults = r.results;
    expect(res.baseline).toBe('Baseline');
    expect(Object.keys(res.runs)).toEqual([...REPORTED_RUNS]);
    for (const run of REPORTED_RUNS) {
      const seeds = res.runs[run];
      expect(seeds.map((s) => s.seed), run).toEqual([0, 1]);
      for (const s of seeds) {
        expect(s.clean).toBeGreaterThanOrEqual(0);
        expect(s.clean).toBeLessThanOrEqual(1);
        expect(Object.keys(s.acc)).toEqual(['gaussian_noise', 'contrast']);
        for (const levels of Object.values(s.acc)) {
          expect(levels).toHaveLength(2);
          // 30 test images: every accuracy is a multiple of 1/30.
          for (const a of levels) expect(Math.abs(a * 30 - Math.round(a * 30))).toBeLessThan(1e-9);
        }
        // Readouts: the MTL models' own and the one fitted on the frozen Oracle; none on the Baseline.
        if (run === 'Baseline') expect(s.neural).toBeUndefined();
        else expect(Number.isFinite(s.neural?.corr) && Number.isFinite(s.neural?.fevE), `${run} neural`).toBe(true);
      }
    }
    expect(String(res.meta['Monkey-Predictor (neural only)'])).toMatch(/^test corr -?\d/);

    const d: ProtocolDetails = r.details;
    const loops = (run: string) => d.runs[run].map((x) => Object.keys(x.loops).sort());
    expect(loops('Baseline')).toEqual([['classification'], ['classification']]);
    expect(loops('Monkey-Predictor')).toEqual([['neural'], ['neural']]);
    expect(loops('Oracle')).toEqual([['distorted', 'head', 'readout'], ['distorted', 'head', 'readout']]);
    for (const run of ['MTL-Monkey', 'MTL-Shuffled', 'MTL-Oracle']) {
      expect(loops(run)).toEqual([['mtl'], ['mtl']]);
      for (const x of d.runs[run]) {
        const mtl = x.loops.mtl;
        expect(mtl.epochs).toBe(mtl.history.length);
        expect(mtl.epochs).toBeLessThanOrEqual(2);
        // Both tasks trained in every epoch: classification and each session's neural batches.
        expect(Object.keys(mtl.history[0].losses).sort()).toEqual(['img_classification', 's0', 's1']);
        // The learned log-weights were in the optimiser: they moved from their initial 0.
        const w = x.extra!.logWeights as Record<string, number>;
        expect(Object.keys(w).sort()).toEqual(['img_classification', 'v1']);
        expect(Math.abs(w.img_classification) + Math.abs(w.v1)).toBeGreaterThan(1e-4);
      }
    }
    expect(d.runs.Oracle[0].loops.head.epochs).toBe(1);
    expect(lines.some((l) => /\[seed 1\] MTL-Oracle: done/.test(l))).toBe(true);

    for (const f of ['report.md', 'report.json', 'severity-curves.svg', 'results.json', 'protocol.json']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(res)));
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    for (const run of REPORTED_RUNS) expect(md).toContain(`| ${run} | 2 |`);
    expect(readFileSync(join(out, 'severity-curves.svg'), 'utf8')).toMatch(/^<svg[^]*gaussian noise[^]*<\/svg>\n$/);
  });
});
