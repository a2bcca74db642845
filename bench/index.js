#!/usr/bin/env node
// `node bench` resolves here, so this file is plain JS. It brings the build up to date (embedded kernels, then
// dist/bench.js and dist/index.js through tools/build.mjs, which the startup bench's child imports) and runs the
// bundled runner (bench/main.ts) with the same arguments.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = (p) => join(root, p);

/** Newest modification time (ms) of the files under `dir` whose names end in `ext`; 0 when there are none. */
function newest(dir, ext) {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (ent.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
// Build logs go to stderr: stdout carries the results table.
const node = (script) => execFileSync(process.execPath, [at(script)], { cwd: root, stdio: ['ignore', 2, 2] });

if (newest(at('kernels'), '.wgsl') > mtime(at('src/gpu/kernel-sources.gen.ts'))) node('tools/embed-kernels.mjs');
const sources = Math.max(newest(at('src'), '.ts'), newest(at('bench'), '.ts'));
const built = Math.min(mtime(at('dist/bench.js')), mtime(at('dist/index.js')));
if (sources > built) node('tools/build.mjs');
await import(pathToFileURL(at('dist/bench.js')).href);
