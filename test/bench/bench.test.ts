/**
 * `node bench` end to end in a child process: builds dist/bench.js when stale, runs the dispatch bench in quick
 * mode, exits by itself (Dawn released), and writes JSON whose figures are finite and whose chained-add result
 * was checked.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cortexgpu-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  adapter: string;
  quick: boolean;
  timestamps: boolean;
  rows: { stem: string; name: string; wallMs: number; wallRuns: number[]; gpuMs: number | null; load: number[];
    extra?: Record<string, unknown> }[];
  summary: { targets: unknown[] };
  failures: unknown[];
}

describe('node bench', () => {
  it('runs the dispatch bench and writes its JSON', async () => {
    const out = join(dir, 'results.json');
    const { stdout } = await promisify(execFile)(process.execPath, ['bench', '--quick', '--filter', 'dispatch', '--repeat', '2', '--out', out],
      { cwd: root, timeout: 280_000 });
    expect(stdout).toMatch(/\| dispatch +\| chained adds, batched/);
    const r = JSON.parse(readFileSync(out, 'utf8')) as Result;
    expect(r.quick).toBe(true);
    expect(r.adapter.length).toBeGreaterThan(0);
    expect(r.failures).toEqual([]);
    expect(r.rows.map((x) => x.name)).toEqual(['chained adds, batched', 'chained adds, submit-each', 'chained adds, wait-each']);
    for (const row of r.rows) {
      expect(row.stem).toBe('dispatch');
      expect(row.wallRuns).toHaveLength(2);
      expect(Number.isFinite(row.wallMs) && row.wallMs > 0).toBe(true);
      if (r.timestamps) expect(row.gpuMs).toBeGreaterThan(0);
      expect(row.load).toHaveLength(3);
      expect(row.extra?.correct).toBe(true);
      expect(row.extra?.usPerOp).toBeCloseTo(row.wallMs, 6);
    }
    // One submit for the batched chain, one per op otherwise.
    expect(r.rows.map((x) => x.extra?.submits)).toEqual([1, 1000, 1000]);
  }, 300_000);
});
