import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeFileSystem, removeStaleTemps, writeFileAtomic, type FileSystem } from '../../src/io/fs.js';
import { DiskFullError } from '../../src/errors.js';
import { mountTmpfs } from '../helpers/tmpfs.js';

/** node:fs with a byte budget: writes really put fewer bytes on disk than asked, then fail with ENOSPC, as a full disk does. */
function fullAfter(budget: number): FileSystem {
  let left = budget;
  return {
    ...nodeFileSystem,
    writeSync(fd, buf, off, len) {
      if (left === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const n = nodeFs.writeSync(fd, buf, off, Math.min(len, left));
      left -= n;
      return n;
    },
  };
}

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

describe('atomic writes', () => {
  it('a short write fails with "disk full while writing <path>", keeps the previous file and leaves no temp', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-fs-'));
    const path = join(dir, 'checkpoint.safetensors');
    writeFileAtomic(path, bytes(1000, 1));
    const err = (() => { try { writeFileAtomic(path, bytes(78_012, 2), fullAfter(57_344)); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(DiskFullError);
    expect(String((err as Error).message)).toContain(`disk full while writing ${path}`);
    expect(String((err as Error).message)).toContain('57344 of 78012 bytes');
    expect(readFileSync(path)).toEqual(Buffer.from(bytes(1000, 1)));
    expect(readdirSync(dir)).toEqual(['checkpoint.safetensors']);
  });

  it('a write that returns 0 bytes without an error is a full disk too, not an endless loop', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-fs-'));
    const zero: FileSystem = { ...nodeFileSystem, writeSync: () => 0 };
    expect(() => writeFileAtomic(join(dir, 'x'), bytes(10, 1), zero)).toThrow(DiskFullError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('sweeps temp files a killed write left behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-fs-'));
    writeFileSync(join(dir, 'checkpoint.safetensors.tmp-999999'), 'torn');
    writeFileSync(join(dir, 'metrics.jsonl'), '');
    expect(removeStaleTemps(dir)).toEqual(['checkpoint.safetensors.tmp-999999']);
    expect(readdirSync(dir)).toEqual(['metrics.jsonl']);
  });

  it('on a real 128 KiB tmpfs: a file that does not fit fails, the previous one stays byte-exact, no temp is left', (ctx) => {
    const fs = mountTmpfs('128k');
    if ('why' in fs) { ctx.skip(fs.why); return; }
    try {
      const path = join(fs.dir, 'checkpoint.safetensors');
      writeFileAtomic(path, bytes(40_000, 7));
      // 40 kB are used; 120 kB more cannot fit next to it (the temp is written beside the previous file).
      expect(() => writeFileAtomic(path, bytes(120_000, 9))).toThrow(/disk full while writing .*checkpoint\.safetensors/);
      expect(readFileSync(path)).toEqual(Buffer.from(bytes(40_000, 7)));
      expect(readdirSync(fs.dir)).toEqual(['checkpoint.safetensors']);
      // With room again, the same write goes through.
      writeFileAtomic(path, bytes(60_000, 9));
      expect(readFileSync(path).length).toBe(60_000);
      expect(existsSync(`${path}.tmp-${process.pid}`)).toBe(false);
    } finally {
      fs.unmount();
    }
  });
});
