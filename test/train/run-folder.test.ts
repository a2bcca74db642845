import { describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { useEngine } from '../helpers/engine.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { MetricsLog } from '../../src/train/metrics-log.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { CheckpointError, readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { buildData, buildModel } from '../../src/train/setup.js';
import { NonFiniteLossError, RunFolderError } from '../../src/errors.js';
import { encodePng } from '../../src/data/image-io.js';

const eng = useEngine();

const tiny = (train: Record<string, unknown> = {}, data: Record<string, unknown> = { kind: 'synth-objects-64', perClass: 4, valPerClass: 2 }) => parseTrainConfig({
  seed: 7,
  model: { preset: 'grcnn-small', stemChannels: 4, planes: [4, 8], expansion: 2, iters: [1, 1], groups: 2 },
  data,
  train: { epochs: 2, batchSize: 8, lr: 0.05, logEvery: 1, checkpointEvery: 2, ...train },
});
const fresh = (tag: string) => mkdtempSync(join(tmpdir(), `cg-${tag}-`));
const fail = async (p: Promise<unknown>) => p.then(() => { throw new Error('did not fail'); }, (e: unknown) => e as Error);
const steps = (dir: string) => new MetricsLog(join(dir, 'metrics.jsonl')).read().filter((r) => typeof r.loss === 'number').map((r) => r.step);

describe('run folders (issue 11 item 4)', () => {
  it('a lock held by a live process refuses a second run naming its pid; a stale lock is taken over', async () => {
    const out = fresh('lock');
    const holder = spawn('sleep', ['30']);
    writeFileSync(join(out, '.lock'), `${holder.pid}\n`);
    try {
      const e = await fail(runTraining(eng(), tiny({ maxSteps: 1 }), { out }));
      expect(e).toBeInstanceOf(RunFolderError);
      expect(e.message).toContain(`in use by another cortexgpu process (pid ${holder.pid}`);
      expect(existsSync(join(out, 'metrics.jsonl'))).toBe(false);
    } finally { holder.kill(); }
    const dead = spawnSync('true').pid!;
    writeFileSync(join(out, '.lock'), `${dead}\n`);
    writeFileSync(join(out, 'checkpoint.safetensors.tmp-424242'), 'torn write');
    const logs: string[] = [];
    const r = await runTraining(eng(), tiny({ maxSteps: 1 }), { out, log: (m) => logs.push(m) });
    r.model.dispose();
    expect(existsSync(join(out, '.lock'))).toBe(false); // released at the end
    expect(existsSync(join(out, 'checkpoint.safetensors.tmp-424242'))).toBe(false);
    expect(logs.join('\n')).toContain('checkpoint.safetensors.tmp-424242');
  });

  it('a fresh run into a folder holding a run is refused unless --force; --resume needs a checkpoint and the same config', async () => {
    const out = fresh('guard');
    (await runTraining(eng(), tiny({ maxSteps: 2 }), { out })).model.dispose();
    const before = readFileSync(join(out, 'checkpoint.safetensors'));
    const e = await fail(runTraining(eng(), tiny({ maxSteps: 2 }), { out }));
    expect(e).toBeInstanceOf(RunFolderError);
    expect(e.message).toMatch(/already holds a run \(checkpoint\.safetensors, weights\.safetensors, metrics\.jsonl, config\.json.*--force/);
    expect(readFileSync(join(out, 'checkpoint.safetensors'))).toEqual(before);

    const changed = await fail(runTraining(eng(), tiny({ batchSize: 4, lr: 0.1 }), { out, resume: true }));
    expect(changed).toBeInstanceOf(RunFolderError);
    expect(changed.message).toContain('train.batchSize (8 → 4)');
    expect(changed.message).toContain('train.lr (0.05 → 0.1)');
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).train.batchSize).toBe(8);

    const empty = await fail(runTraining(eng(), tiny(), { out: fresh('none'), resume: true }));
    expect(empty.message).toMatch(/--resume, but there is no checkpoint to resume/);

    (await runTraining(eng(), tiny({ maxSteps: 1 }), { out, force: true })).model.dispose();
    expect(steps(out)).toEqual([1]);
  });

  it('a torn last line of metrics.jsonl is dropped on resume, and the run finishes exactly', async () => {
    const out = fresh('torn');
    (await runTraining(eng(), tiny({ maxSteps: 4 }), { out })).model.dispose();
    appendFileSync(join(out, 'metrics.jsonl'), '{"step":5,"epoch":0,"lo');
    const r = await runTraining(eng(), tiny(), { out, resume: true });
    r.model.dispose();
    expect(steps(out)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('checkpoint loading (issue 11 item 5)', () => {
  it('refuses missing or partial optimiser state unless resetOptimizer; refuses a dtype change unless a cast is asked for', async () => {
    const out = fresh('optim');
    (await runTraining(eng(), tiny({ maxSteps: 2, optimizer: 'adam', lr: 1e-3 }), { out })).model.dispose();
    const path = join(out, 'checkpoint.safetensors');
    const ck = readSafetensors(path);
    const edit = (name: string, f: (m: typeof ck) => void) => {
      const c = readSafetensors(path);
      f(c);
      const p = join(out, name);
      writeSafetensors(p, c.tensors, c.metadata);
      return p;
    };
    const partial = edit('partial.safetensors', (c) => c.tensors.delete('optim.0.exp_avg_sq'));
    const none = edit('none.safetensors', (c) => { for (const k of [...c.tensors.keys()]) if (k.startsWith('optim.')) c.tensors.delete(k); delete c.metadata.optimizer; });
    const asInt = edit('int.safetensors', (c) => { const t = c.tensors.get('model.classifier.bias')!; c.tensors.set('model.classifier.bias', { shape: t.shape, data: Int32Array.from(t.data) }); });
    const data = buildData(tiny());
    const model = buildModel(eng(), tiny(), data);
    const { Adam } = await import('../../src/optim/adam.js');
    const opt = new Adam(model.trainableParameters(), { lr: 1e-3 });
    try {
      expect((await fail(loadCheckpoint(partial, model, opt))).message).toMatch(/lacks optimiser entries 'optim\.0\.exp_avg_sq'.*--reset-optimizer/);
      expect((await fail(loadCheckpoint(none, model, opt))).message).toMatch(/holds no optimiser state/);
      expect((await loadCheckpoint(none, model, opt, { resetOptimizer: true })).step).toBe(2);
      const e = await fail(loadCheckpoint(asInt, model, null));
      expect(e).toBeInstanceOf(CheckpointError);
      expect(e.message).toMatch(/tensor 'model\.classifier\.bias' is stored as I32, the model's is F32/);
      expect((await loadCheckpoint(asInt, model, null, { cast: true })).step).toBe(2);
      expect(ck.tensors.size).toBeGreaterThan(0);
    } finally { opt.dispose(); model.dispose(); }
  });
});

describe('training edge cases (issue 11 item 6)', () => {
  it('skipCorrupt names the skipped files and a 1-epoch run stops at the end of its epoch', async () => {
    const root = fresh('skip');
    const img = (v: number) => encodePng({ data: new Float32Array(32 * 32).fill(v), shape: [1, 32, 32] });
    for (const split of ['train', 'val']) for (const c of ['a', 'b']) {
      mkdirSync(join(root, split, c), { recursive: true });
      for (let i = 0; i < 4; i++) writeFileSync(join(root, split, c, `${i}.png`), img(c === 'a' ? 0.2 : 0.8));
    }
    writeFileSync(join(root, 'train', 'a', '0.png'), 'not a png');
    writeFileSync(join(root, 'train', 'b', '3.png'), 'not a png either');
    const logs: string[] = [];
    const cfg = tiny({ epochs: 1, batchSize: 4, skipCorrupt: true, augment: { cropPadding: 0 } },
      { kind: 'image-folder', train: join(root, 'train'), val: join(root, 'val'), imageSize: 32 });
    const r = await runTraining(eng(), cfg, { out: join(root, 'run'), log: (m) => logs.push(m) });
    r.model.dispose();
    expect(r.steps).toBe(1);
    const text = logs.join('\n');
    expect(text).toContain('skipped 2 corrupt image(s)');
    expect(text).toContain(join(root, 'train', 'a', '0.png'));
    expect(text).toContain(join(root, 'train', 'b', '3.png'));
    expect(text).not.toContain('epoch 2');
    const lrs = new MetricsLog(join(root, 'run', 'metrics.jsonl')).read().filter((x) => typeof x.lr === 'number').map((x) => x.lr as number);
    expect(lrs.every((v) => v > 0)).toBe(true);
  });

  it('a run diverging before its first checkpoint says that nothing is saved, not "step 0 is kept"', async () => {
    const out = fresh('div');
    const e = await fail(runTraining(eng(), tiny({ lr: 1e30, momentum: 0, checkpointEvery: 50 }), { out }));
    expect(e).toBeInstanceOf(NonFiniteLossError);
    expect(e.message).toContain('no checkpoint had been written yet');
    expect(e.message).not.toContain('step 0) is kept');
    expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(false);
  });
});
