/**
 * Durable file writes, through a small injectable file-system layer so tests can make a write really come up
 * short. The atomic write follows the usual recipe (write a uniquely named temp file, check every byte count,
 * fsync the file, rename over the target, fsync the folder): a crash, kill -9 or full disk at any point leaves the
 * previous file as it was, and a failed write removes its temp file. A killed write can still leave a temp file
 * behind; `removeStaleTemps` sweeps those on the next run.
 */
import * as nodeFs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DiskFullError } from '../errors.js';

/** The calls the writes below make; node:fs is the default, tests pass one whose writes come up short. */
export interface FileSystem {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

export const nodeFileSystem: FileSystem = {
  openSync: (p, f) => nodeFs.openSync(p, f),
  writeSync: (fd, b, o, l) => nodeFs.writeSync(fd, b, o, l),
  fsyncSync: (fd) => nodeFs.fsyncSync(fd),
  closeSync: (fd) => nodeFs.closeSync(fd),
  renameSync: (a, b) => nodeFs.renameSync(a, b),
  unlinkSync: (p) => nodeFs.unlinkSync(p),
};

const TEMP = /\.tmp-(\d+)$/;

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

/**
 * Writes all of `bytes` to the open `fd`. write(2) may write fewer bytes than asked (a full disk does so before it
 * fails with ENOSPC), so it loops, and treats a write that makes no progress as a full disk.
 */
function writeAll(fs: FileSystem, fd: number, bytes: Uint8Array, path: string): void {
  let done = 0;
  while (done < bytes.length) {
    let n: number;
    try {
      n = fs.writeSync(fd, bytes, done, bytes.length - done);
    } catch (e) {
      if (errno(e) === 'ENOSPC' || errno(e) === 'EDQUOT') throw new DiskFullError(`disk full while writing ${path} (${done} of ${bytes.length} bytes written)`);
      throw e;
    }
    if (!(n > 0)) throw new DiskFullError(`disk full while writing ${path} (${done} of ${bytes.length} bytes written)`);
    done += n;
  }
}

/** Writes `bytes` to `path` atomically and durably; on any failure the previous file stays and no temp is left. */
export function writeFileAtomic(path: string, bytes: Uint8Array, fs: FileSystem = nodeFileSystem): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  let renamed = false;
  try {
    try {
      writeAll(fs, fd, bytes, path);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
    renamed = true;
  } catch (e) {
    if (errno(e) === 'ENOSPC' || errno(e) === 'EDQUOT') e = new DiskFullError(`disk full while writing ${path}`);
    throw e;
  } finally {
    if (!renamed) try { fs.unlinkSync(tmp); } catch { /* never created, or already gone */ }
  }
  // rename alone is atomic but not durable: the folder entry must reach the disk too.
  try {
    const dfd = fs.openSync(dirname(path), 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* some filesystems refuse to fsync a folder; the rename has happened either way */ }
}

/** Appends `text` in full (an appended record is never silently cut short). */
export function appendFileFull(path: string, text: string, fs: FileSystem = nodeFileSystem): void {
  const fd = fs.openSync(path, 'a');
  try {
    writeAll(fs, fd, Buffer.from(text, 'utf8'), path);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Removes the temp files that writes killed before their rename left in `dir` (ours are `<name>.tmp-<pid>`).
 * Call it while holding the folder's lock, so no live writer owns them. Returns the names removed.
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try { names = nodeFs.readdirSync(dir); } catch { return []; }
  const removed: string[] = [];
  for (const n of names) {
    if (!TEMP.test(n)) continue;
    try { nodeFs.unlinkSync(join(dir, n)); removed.push(basename(n)); } catch { /* raced with another sweep */ }
  }
  return removed;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function pidAlive(pid: number): boolean {
  if (!(Number.isInteger(pid) && pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM';
  }
}
