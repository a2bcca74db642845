import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { useEngine } from '../helpers/engine.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { ConfigError, NonFiniteLossError } from '../../src/errors.js';
import { runTraining } from '../../src/train/trainer.js';
import { MetricsLog } from '../../src/train/metrics-log.js';
import { readSafetensors } from '../../src/io/safetensors.js';

const eng = useEngine();

// A GRCNN small enough for two CPU cores: 40 synthetic 64×64 images, batch 8, 5 steps per epoch.
const tiny = (train: Record<string, unknown> = {}) => parseTrainConfig({
  seed: 7,
  model: { preset: 'grcnn-small', stemChannels: 4, planes: [4, 8], expansion: 2, iters: [1, 1], groups: 2 },
  data: { kind: 'synth-objects-64', perClass: 4, valPerClass: 2 },
  train: { epochs: 2, batchSize: 8, lr: 0.05, logEvery: 1, checkpointEvery: 2, cutmix: { prob: 0.5 }, superclass: { weight: 0.5 }, ...train },
});

const losses = (dir: string) => new MetricsLog(join(dir, 'metrics.jsonl')).read()
  .filter((r) => typeof r.loss === 'number').map((r) => [r.step as number, r.loss as number] as const);

describe('trainer', () => {
  it('trains, and writes checkpoint, weights, metrics and a curve plot', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cg-train-'));
    const r = await runTraining(eng(), tiny(), { out });
    expect(r.steps).toBe(10);
    for (const f of ['checkpoint.safetensors', 'weights.safetensors', 'metrics.jsonl', 'curves.svg', 'config.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'curves.svg'), 'utf8')).toContain('<path');
    expect(losses(out).map(([s]) => s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const w = readSafetensors(join(out, 'weights.safetensors'));
    expect(w.tensors.has('layer1.iter_1.8.weight')).toBe(true);
    expect(r.final.n).toBe(20);
    r.model.dispose();
  });

  it('--resume continues exactly: losses equal an uninterrupted run', async () => {
    const a = mkdtempSync(join(tmpdir(), 'cg-a-'));
    const b = mkdtempSync(join(tmpdir(), 'cg-b-'));
    (await runTraining(eng(), tiny(), { out: a })).model.dispose();
    (await runTraining(eng(), tiny({ maxSteps: 3 }), { out: b })).model.dispose();
    (await runTraining(eng(), tiny(), { out: b, resume: true })).model.dispose();
    const la = losses(a);
    const lb = losses(b);
    expect(lb.map(([s]) => s)).toEqual(la.map(([s]) => s));
    la.forEach(([s, v], i) => expect(Math.abs(v - lb[i][1]), `step ${s}`).toBeLessThanOrEqual(1e-5));
  });

  it('a diverging run stops naming the tensor, and leaves the last good checkpoint untouched', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cg-nan-'));
    (await runTraining(eng(), tiny({ maxSteps: 2 }), { out })).model.dispose();
    const err = await runTraining(eng(), tiny({ lr: 1e30, momentum: 0, checkpointEvery: 1 }), { out, resume: true, acceptChanges: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    // Either the loss itself went non-finite, or the checkpoint refused a diverged tensor; both name what and where.
    expect(String((err as Error).message)).toMatch(/training loss is (NaN|Infinity|-Infinity)|tensor '[\w.]+' holds non-finite values/);
    const kept = /last good checkpoint \(step (\d+)\) is kept/.exec(String((err as Error).message));
    expect(kept, String((err as Error).message)).toBeTruthy();
    // The file on disk is that step's, and finite throughout.
    const ck = readSafetensors(join(out, 'checkpoint.safetensors'));
    expect(JSON.parse(ck.metadata.state).step).toBe(Number(kept![1]));
    for (const [name, t] of ck.tensors) expect(t.data.every(Number.isFinite), name).toBe(true);
  });

  it('a config error names the field', () => {
    expect(() => parseTrainConfig({ train: { batchSize: 0 } })).toThrow(ConfigError);
    expect(() => parseTrainConfig({ train: { batchSize: 0 } })).toThrow(/field 'train.batchSize'/);
    expect(() => parseTrainConfig({ data: { kind: 'imagenet' } })).toThrow(/field 'data.kind'/);
    expect(() => parseTrainConfig({ model: { preset: 'grcnn-small', bogus: 1 } })).toThrow(/field 'model'/);
  });

  it('survives kill -9 mid-run: the checkpoint on disk stays readable and resume finishes the run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cg-kill-'));
    const cfgPath = join(out, 'cfg.json');
    writeFileSync(cfgPath, JSON.stringify({ ...tiny({ checkpointEvery: 1, epochs: 3 }) }));
    const child = spawn(process.execPath, ['bin/cortexgpu.js', 'train', '--config', cfgPath, '--out', out, '--no-progress'], { stdio: 'ignore' });
    // Kill as soon as the second checkpoint exists (possibly while a third is being written).
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        const n = existsSync(join(out, 'metrics.jsonl')) ? losses(out).length : 0;
        if (n >= 2) { clearInterval(t); child.kill('SIGKILL'); resolve(); }
      }, 20);
      child.on('exit', () => { clearInterval(t); resolve(); });
    });
    await new Promise((r) => child.once('exit', r).once('close', r) && setTimeout(r, 500));
    const r = await runTraining(eng(), tiny({ checkpointEvery: 1, epochs: 3 }), { out, resume: true });
    expect(r.steps).toBe(15);
    r.model.dispose();
  }, 300_000);
});
