/**
 * Nothing lost on interruption (issue 15): the real CLI is killed with SIGKILL twice in the middle of runs (an MTL
 * run's second epoch, then the Oracle's retrained head), `cotrain --resume` continues each time, and the final
 * results equal those of an uninterrupted protocol run in-process on the same configuration. Also: finished runs'
 * weights and records are on disk as the protocol goes, and the folder is guarded like train's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCotrainConfig } from '../../src/cotrain/config.js';
import { runCotrain } from '../../src/cotrain/protocol.js';
import { RUN_NAMES } from '../../src/cotrain/runs.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { useEngine } from '../helpers/engine.js';
import { PNG } from 'pngjs';
import { cotrainModelSpecs, reconstructCommand } from '../../src/cli/reconstruct.js';

const eng = useEngine();

const TINY = {
  seeds: 1,
  data: { trainPerClass: 6, valPerClass: 2, testPerClass: 2 },
  neural: { images: 100, neurons: 8 },
  model: { headWidth: 16 },
  batchSize: 16,
  evalBatchSize: 20,
  robustness: { corruptions: ['gaussian_noise', 'contrast'], severities: [2] },
  baseline: { maxEpochs: 2 },
  predictor: { maxEpochs: 2 },
  mtl: { maxEpochs: 3 },
  oracle: { maxEpochs: 1, headEpochs: 2, readoutEpochs: 1, corruptions: ['gaussian_noise', 'contrast'] },
};

const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
const root = mkdtempSync(join(tmpdir(), 'cotrain-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const cfgPath = join(root, 'cfg.json');
writeFileSync(cfgPath, JSON.stringify(TINY));

/** Starts the CLI; with `killOn`, SIGKILLs it as soon as a stderr line matches. Resolves with the exit and output. */
function cotrain(args: string[], killOn?: RegExp): Promise<{ code: number | null; signal: string | null; err: string }> {
  const child = spawn(process.execPath, ['bin/cortexgpu.js', 'cotrain', '-c', cfgPath, ...args], { env });
  let err = '';
  child.stdout.on('data', () => {});
  child.stderr.on('data', (b) => {
    err += b;
    if (killOn && killOn.test(err)) { killOn = undefined; child.kill('SIGKILL'); }
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, err })));
}

/** What must not change across an interruption: every measured number and every epoch's metric and losses. */
function numbers(out: string) {
  const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  const d = JSON.parse(readFileSync(join(out, 'protocol.json'), 'utf8'));
  const loops = Object.fromEntries(Object.entries(d.runs as Record<string, { loops: Record<string, { history: { metric: number; losses: unknown; lr: number }[]; best: number }> }[]>)
    .map(([run, seeds]) => [run, seeds.map((s) => Object.fromEntries(Object.entries(s.loops).map(([k, l]) => [k, { best: l.best, h: l.history.map((e) => [e.metric, e.lr, e.losses]) }])))]));
  return { runs: r.runs, predictor: d.predictor, loops };
}

describe('cotrain --resume after kill -9', () => {
  it('continues interrupted runs from their checkpoints and ends with the uninterrupted numbers', async () => {
    const whole = join(root, 'whole');
    await runCotrain(eng(), parseCotrainConfig(TINY), whole);

    const out = join(root, 'killed');
    // 1. Killed in MTL-Monkey's second epoch (its first epoch's checkpoint is on disk; Baseline and the predictor finished).
    const a = await cotrain(['-o', out], /MTL-Monkey: epoch 1\/3/);
    expect(a.signal, a.err).toBe('SIGKILL');
    expect(existsSync(join(out, 'runs/Baseline/seed-0/result.json'))).toBe(true);
    expect(existsSync(join(out, 'runs/MTL-Monkey/seed-0/checkpoint.safetensors'))).toBe(true);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    // The dead process's lock is taken over; a fresh start is refused.
    const refused = spawnSync(process.execPath, ['bin/cortexgpu.js', 'cotrain', '-c', cfgPath, '-o', out], { env, encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/already holds a run.*--resume/);

    // 2. Resumed, then killed again inside the Oracle's retrained head (its distorted phase done).
    const b = await cotrain(['-o', out, '--resume'], /Oracle \(frozen core, new head\): epoch 1\/2/);
    expect(b.signal, b.err).toBe('SIGKILL');
    expect(b.err).toMatch(/Baseline \(run 1\/6\): finished before, kept/);
    expect(b.err).toMatch(/MTL-Monkey: resumed after epoch 1/);

    // 3. Resumed to the end.
    const c = await cotrain(['-o', out, '--resume']);
    expect(c.code, c.err).toBe(0);
    expect(c.err).toMatch(/Oracle \(distortions \+ consistency\): finished before/);
    expect(c.err).toMatch(/Oracle \(frozen core, new head\): resumed after epoch 1/);
    expect(numbers(out)).toEqual(numbers(whole));

    // Every run left its weights (PyTorch names) and record; no checkpoint or lock is left.
    for (const run of RUN_NAMES) {
      const dir = join(out, 'runs', run, 'seed-0');
      const w = readSafetensors(join(dir, 'weights.safetensors'));
      expect([...w.tensors.keys()].some((k) => k.startsWith('mtl_vgg_core.v1_block.0.')), run).toBe(true);
      expect(JSON.parse(w.metadata['cortexgpu.mtl']).cfg.length, run).toBeGreaterThan(0);
      expect(existsSync(join(dir, 'checkpoint.safetensors')), run).toBe(false);
    }
    expect(existsSync(join(out, '.lock'))).toBe(false);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('(runs/MTL-Oracle/seed-0/weights.safetensors)');
    expect(md).toMatch(/Baseline: stopped by.*classification (criterion|cap) \(\d+\/2 epochs\)/);
    const progress = readFileSync(join(out, 'progress.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(progress.filter((p) => p.finished).map((p) => p.run)).toEqual([...RUN_NAMES]);
    expect(progress.some((p) => p.run === 'MTL-Monkey' && p.phase === 'mtl' && p.epoch === 1)).toBe(true);

    // Figs 5 and 7 from the five co-trained models' weights, each reconstructed with its type's optimiser.
    const rec = join(root, 'reconstruct');
    const lines: string[] = [];
    await reconstructCommand({ out: rec, models: cotrainModelSpecs(out, 0), layer: 'relu3_1', norms: [5], steps: 3, count: 2, log: (m) => lines.push(m) });
    const png = PNG.sync.read(readFileSync(join(rec, 'grid.png')));
    // Rows: five models, the spectral control, the targets; columns: 2 images × 1 norm, at the protocol's 32 px.
    expect([png.width, png.height]).toEqual([2 * (32 + 2) + 2, 7 * (32 + 2) + 2]);
    const ratios = JSON.parse(readFileSync(join(rec, 'ratios.json'), 'utf8'));
    expect(ratios.optimizers).toEqual({
      'MTL-Monkey': 'sgd, blur 1', Oracle: 'adam, blur 0', Baseline: 'adam, blur 0', 'MTL-Shuffled': 'sgd, blur 1', 'MTL-Oracle': 'sgd, blur 1',
    });
    expect(Object.keys(ratios.losses)).toEqual(['MTL-Monkey', 'Oracle', 'Baseline', 'MTL-Shuffled', 'MTL-Oracle']);
    expect(existsSync(join(rec, 'scatter.svg'))).toBe(true);
  }, 600_000);
});
