/** A tiny tmpfs for real full-disk tests: mounted when running as root and the kernel allows it, else null. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs { dir: string; unmount(): void }

/** Mounts `size` (e.g. '128k') of tmpfs; returns null with the reason in `why` when that is refused. */
export function mountTmpfs(size: string): Tmpfs | { why: string } {
  if (process.getuid?.() !== 0) return { why: 'not root, so no tmpfs can be mounted' };
  const dir = mkdtempSync(join(tmpdir(), 'cg-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { why: `mount -t tmpfs refused: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}` };
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
