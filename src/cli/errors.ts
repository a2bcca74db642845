/**
 * How a failure is told to the user: our own errors already name what and where; Node's file-system errors are
 * turned into one line naming the path; anything else is a bug, told as such (the stack comes with --debug).
 */
import { InvalidArgumentError } from 'commander';
import { CortexError, StoppedError } from '../errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EEXIST: 'already exists',
  ENOTDIR: 'a path component is a file, not a folder',
  EISDIR: 'is a folder, not a file',
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
};

export function describeError(e: unknown): { message: string; exitCode: number } {
  if (e instanceof StoppedError) return { message: e.message, exitCode: e.exitCode };
  if (e instanceof CortexError || e instanceof InvalidArgumentError) return { message: e.message, exitCode: 1 };
  const err = e as (NodeJS.ErrnoException & { dest?: string }) | null;
  if (err && typeof err.code === 'string' && err.syscall) {
    const what = REASONS[err.code] ?? err.code;
    const path = err.path ? ` ${err.path}${err.dest ? ` → ${err.dest}` : ''}` : '';
    if (err.code === 'ENOSPC' || err.code === 'EDQUOT') return { message: `disk full while writing${path || ' (no path given)'}`, exitCode: 1 };
    return { message: `cannot ${err.syscall}${path}: ${what}`, exitCode: 1 };
  }
  return { message: `internal error: ${e instanceof Error ? e.message : String(e)} (run again with --debug for the stack trace)`, exitCode: 2 };
}
