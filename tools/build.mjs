#!/usr/bin/env node
// Bundles the TypeScript sources with esbuild: the CLI and the benchmark runner for Node, and a browser bundle
// of the engine for demos. Runtime packages stay external in the Node builds (Dawn is a native addon).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: true, logLevel: 'warning' };
const jobs = [
  { ...node, entryPoints: [join(root, 'src/index.ts')], outfile: join(root, 'dist/index.js') },
  { ...node, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(root, 'dist/cli.js') },
  { ...node, entryPoints: [join(root, 'bench/main.ts')], outfile: join(root, 'dist/bench.js') },
  // The browser bundle never takes the Node path of src/gpu/device.ts; 'webgpu' stays an unresolved import there.
  { bundle: true, platform: 'browser', format: 'esm', target: 'es2022', external: ['webgpu'], sourcemap: true, logLevel: 'warning',
    entryPoints: [join(root, 'src/browser.ts')], outfile: join(root, 'dist/cortexgpu.browser.js') },
].filter((j) => existsSync(j.entryPoints[0]));
await Promise.all(jobs.map((j) => build(j)));
console.log(`built ${jobs.map((j) => j.outfile.replace(root + '/', '')).join(', ')}`);
