import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

// The real CLI in child processes: an embedded sweep whose coordinator is SIGKILLed and resumed, then the same
// sweep on a Redis queue with 3 workers, one SIGKILLed mid-trial. Trials are tiny (16 px, 8 steps).
const SWEEP = {
  name: 'tiny', kind: 'train',
  base: {
    seed: 7, model: { preset: 'grcnn-small', stemChannels: 4, planes: [4, 8], expansion: 2, iters: [1, 1], groups: 2 },
    data: { kind: 'synth-objects-64', profile: 'ci', perClass: 4, valPerClass: 2, imageSize: 16 },
    train: { epochs: 1, maxSteps: 8, batchSize: 4, optimizer: 'sgd', lr: 0.05, logEvery: 1, checkpointEvery: 2 },
  },
  // lr 1e30 diverges at once: a real failure, recorded and not retried.
  vary: { grid: { 'train.lr': [0.02, 0.05, 1e30] }, seeds: [1, 2] },
};
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
const root = mkdtempSync(join(tmpdir(), 'cg-sweep-'));
const sweepFile = join(root, 'sweep.json');
writeFileSync(sweepFile, JSON.stringify(SWEEP));
const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/cortexgpu.js', ...args], { encoding: 'utf8', env, timeout: 120_000 });
const start = (args: string[], log: string): ChildProcess => {
  const c = spawn(process.execPath, ['bin/cortexgpu.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const keep = (b: Buffer) => { text += b.toString(); writeFileSync(log, text); };
  c.stdout!.on('data', keep); c.stderr!.on('data', keep);
  return c;
};
const exited = (c: ChildProcess) => new Promise<number | null>((r) => { if (c.exitCode !== null || c.signalCode) r(c.exitCode); else c.on('exit', (code) => r(code)); });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => T | null | undefined | false, ms = 150_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
const trial = (out: string, id: number) => join(out, 'trials', String(id).padStart(3, '0'));
const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
const count = (s: string, re: RegExp) => [...s.matchAll(new RegExp(re.source, 'g'))].length;
/** Steps of a trial's metrics.jsonl (training-loss records). */
const steps = (dir: string) => read(join(dir, 'metrics.jsonl')).split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => 'loss' in r).map((r) => r.step as number);
/** A trial that has written a checkpoint and has not finished: worth killing now. */
const midTrial = (out: string) => [0, 1, 2, 3, 4, 5].find((i) => existsSync(join(trial(out, i), 'checkpoint.safetensors')) && !existsSync(join(trial(out, i), 'result.json'))
  && steps(trial(out, i)).length >= 2 && steps(trial(out, i)).length <= 5);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
  });
}

let redis: ChildProcess | null = null;
let port = 0;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  // Build the bundle once here, so the processes started together below do not all rebuild it at once.
  expect(cli('--help').status).toBe(0);
  port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', root], { cwd: root, stdio: 'ignore' });
  for (let i = 0; ; i++) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => {});
    try { await probe.connect(); await probe.ping(); break; } catch (e) { if (i > 100) throw e; await sleep(100); } finally { probe.disconnect(); }
  }
}, 60_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && !w.signalCode) w.kill('SIGKILL');
  if (redis && redis.exitCode === null) { redis.kill('SIGTERM'); await exited(redis); }
  await Promise.all(workers.map(exited));
  rmSync(root, { recursive: true, force: true });
});

describe('sweep runners (issue 18)', () => {
  it('bad sweep files and queue URLs: one line naming the field or URL, non-zero, no stack', () => {
    const bad = (name: string, v: unknown) => { const p = join(root, name); writeFileSync(p, JSON.stringify(v)); return p; };
    const cases: [string[], RegExp][] = [
      [['sweep', '-c', bad('u.json', { ...SWEEP, seeds: [1] }), '-o', join(root, 'x1')], /u\.json: unknown field 'seeds'/],
      [['sweep', '-c', bad('g.json', { ...SWEEP, vary: { grid: { 'train.lr': [] } } }), '-o', join(root, 'x2')], /field 'vary\.grid\.train\.lr': an empty grid axis/],
      [['sweep', '-c', bad('t.json', { ...SWEEP, vary: { grid: { 'train.lrr': [1] } } }), '-o', join(root, 'x3')], /trial 0 \(train\.lrr=1\).*lrr/],
      [['sweep', '-c', sweepFile, '-o', join(root, 'x4'), '--queue', 'redis://127.0.0.1:1/0'], /--queue redis:\/\/127\.0\.0\.1:1\/0: cannot reach Redis at 127\.0\.0\.1:1/],
      [['worker', '--queue', 'redis://127.0.0.1:1/0'], /cannot reach Redis at 127\.0\.0\.1:1 \(connect ECONNREFUSED/],
    ];
    for (const [args, msg] of cases) {
      const r = cli(...args);
      expect(r.status, r.stderr).toBe(1);
      const lines = r.stderr.trim().split('\n').filter((l) => !/^Warning: maxDynamic/.test(l));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(join(root, 'x3', 'trials', '000', 'result.json'))).toBe(false);
  }, 60_000);

  const E = join(root, 'embedded');
  it('embedded: a coordinator SIGKILLed mid-sweep is resumed without redoing finished trials', async () => {
    const first = start(['sweep', '-c', sweepFile, '-o', E], join(root, 'embedded-1.log'));
    await until('two finished trials and a third past its first checkpoint', () => existsSync(join(trial(E, 1), 'result.json')) && existsSync(join(trial(E, 2), 'checkpoint.safetensors')));
    first.kill('SIGKILL');
    await exited(first);
    const stamps = [0, 1].map((i) => statSync(join(trial(E, i), 'result.json')).mtimeMs);
    const second = start(['sweep', '-c', sweepFile, '-o', E, '--resume'], join(root, 'embedded-2.log'));
    expect(await exited(second), read(join(root, 'embedded-2.log'))).toBe(0);
    expect(read(join(root, 'embedded-2.log'))).toMatch(/resuming: 2 of 6 trial\(s\) already finished/);
    expect(read(join(trial(E, 2), 'trial.log'))).toMatch(/resumed from .* at step [1-9]/);
    expect([0, 1].map((i) => statSync(join(trial(E, i), 'result.json')).mtimeMs)).toEqual(stamps);
    for (const i of [0, 1]) expect(count(read(join(trial(E, i), 'trial.log')), /attempt \d+ \(pid/)).toBe(1);
    const rows = read(join(E, 'results.jsonl')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.id, r.status])).toEqual([[0, 'done'], [1, 'done'], [2, 'done'], [3, 'done'], [4, 'failed'], [5, 'failed']]);
    expect(rows[4].error).toMatch(/diverged/);
    for (const f of ['results.md', 'results.svg', 'results.png', 'trials/000/checkpoint.safetensors', 'trials/000/config.json']) expect(existsSync(join(E, f)), f).toBe(true);
  }, 200_000);

  it('Redis: 3 workers, one SIGKILLed mid-trial, and the coordinator SIGKILLed and resumed; the trial resumes from its checkpoint; each trial done once; same table', async () => {
    const R = join(root, 'redis');
    const url = `redis://127.0.0.1:${port}/0?queue=test-${process.pid}`;
    for (const n of [1, 2, 3]) {
      workers.push(start(['worker', '--queue', url, '--name', `w${n}`, '--lock-duration', '3000', '--stalled-interval', '1000'], join(root, `w${n}.log`)));
    }
    const coord = start(['sweep', '-c', sweepFile, '-o', R, '--queue', url], join(root, 'coordinator.log'));
    const victim = await until('a trial between checkpoints', () => midTrial(R));
    const holder = /\[(w\d)\] attempt 1/.exec(read(join(trial(R, victim), 'trial.log')))![1];
    workers[Number(holder.slice(1)) - 1].kill('SIGKILL');
    const killedAt = steps(trial(R, victim)).length;
    // The coordinator too, once a trial has finished: the workers go on; the resumed one re-adds nothing twice.
    await until('a finished trial', () => [0, 1, 2, 3, 4, 5].some((i) => existsSync(join(trial(R, i), 'result.json'))));
    coord.kill('SIGKILL');
    await exited(coord);
    const again = start(['sweep', '-c', sweepFile, '-o', R, '--queue', url, '--resume'], join(root, 'coordinator-2.log'));
    expect(await exited(again), read(join(root, 'coordinator-2.log'))).toBe(0);
    expect(read(join(root, 'coordinator-2.log'))).toMatch(/resuming: [1-6] of 6 trial\(s\) already finished/);

    const log = read(join(trial(R, victim), 'trial.log'));
    const resumed = /resumed from .*checkpoint\.safetensors at step (\d+)/.exec(log);
    expect(resumed, log).not.toBeNull();
    const at = Number(resumed![1]);
    expect(at).toBeGreaterThanOrEqual(2);
    expect(at).toBeLessThanOrEqual(killedAt + 2);
    expect(at % 2).toBe(0); // checkpoints every 2 steps
    expect(log).not.toMatch(new RegExp(`\\[${holder}\\] done`));
    // Its metrics hold each step once: the resumed attempt dropped what came after the checkpoint.
    expect(steps(trial(R, victim))).toEqual(Array.from({ length: 8 }, (_, i) => i + 1));
    for (let i = 0; i < 6; i++) {
      const l = read(join(trial(R, i), 'trial.log'));
      expect(count(l, /\] (done|failed):/), l).toBe(1);
    }
    // The diverging trials failed once and were not retried.
    for (const i of [4, 5]) expect(count(read(join(trial(R, i), 'trial.log')), /attempt \d+ \(pid/)).toBe(1);
    expect(read(join(R, 'results.md'))).toBe(read(join(E, 'results.md')));
    const table = (d: string) => read(join(d, 'results.jsonl')).trim().split('\n').map((l) => { const r = JSON.parse(l); return [r.id, r.status, r.params, r.metrics]; });
    expect(table(R)).toEqual(table(E));
    expect(read(join(root, 'coordinator-2.log'))).toMatch(/per worker: .*w\d \d+ done/);
    for (const w of workers) if (w.exitCode === null && !w.signalCode) w.kill('SIGTERM');
    await Promise.all(workers.map(exited));
  }, 200_000);
});
