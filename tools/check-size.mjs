#!/usr/bin/env node
// File-size budget (after tinygrad's line-count check): every hand-written source file under src/ stays within
// 400 lines, so each one can be read in a sitting. Prints the total; exits non-zero naming each file over budget.
// Generated files (*.gen.ts) are left out: their size follows the kernels they embed.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const BUDGET = 400;
const root = join(import.meta.dirname, '..');

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.gen.ts')) yield path;
  }
}

let total = 0;
let files = 0;
const over = [];
for (const path of sources(join(root, 'src'))) {
  const text = readFileSync(path, 'utf8');
  const lines = text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  total += lines;
  files++;
  if (lines > BUDGET) over.push(`${relative(root, path)}: ${lines} lines`);
}
console.log(`src/: ${total} lines in ${files} files (budget ${BUDGET} lines per file)`);
if (over.length) {
  console.error(`over the ${BUDGET}-line budget:\n  ${over.join('\n  ')}`);
  process.exit(1);
}
