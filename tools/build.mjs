#!/usr/bin/env node
// Bundles the TypeScript sources with esbuild: the CLI and the benchmark runner for Node, a browser bundle of the
// engine, and the demo page's script (src/demo/, served by tools/demo-server.mjs). Runtime packages stay external
// in the Node builds (Dawn is a native addon). Prints each browser bundle's size.
//   node tools/build.mjs            all bundles
//   node tools/build.mjs demo       only the named ones (index, cli, bench, browser, demo)
import { build } from 'esbuild';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: true, logLevel: 'warning' };
// The browser bundles never take the Node path of src/gpu/device.ts; 'webgpu' stays an unresolved import there.
const browser = { bundle: true, platform: 'browser', format: 'esm', target: 'es2022', external: ['webgpu'], sourcemap: true, logLevel: 'warning' };
const JOBS = {
  index: { ...node, entryPoints: [join(root, 'src/index.ts')], outfile: join(root, 'dist/index.js') },
  cli: { ...node, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(root, 'dist/cli.js') },
  bench: { ...node, entryPoints: [join(root, 'bench/main.ts')], outfile: join(root, 'dist/bench.js') },
  browser: { ...browser, entryPoints: [join(root, 'src/browser.ts')], outfile: join(root, 'dist/cortexgpu.browser.js') },
  demo: { ...browser, entryPoints: [join(root, 'src/demo/main.ts')], outfile: join(root, 'dist/demo/demo.js') },
};

const kib = (file) => `${(statSync(file).size / 1024).toFixed(1)} KiB`;

/** Builds the named bundles; returns the output paths. */
export async function buildBundles(names = Object.keys(JOBS), log = console.log) {
  const jobs = names.map((n) => {
    if (!JOBS[n]) throw new Error(`build: unknown bundle '${n}' (one of ${Object.keys(JOBS).join(', ')})`);
    return JOBS[n];
  }).filter((j) => existsSync(j.entryPoints[0]));
  await Promise.all(jobs.map((j) => build(j)));
  const rel = (f) => f.replace(root + '/', '');
  log(`built ${jobs.map((j) => (j.platform === 'browser' ? `${rel(j.outfile)} (${kib(j.outfile)})` : rel(j.outfile))).join(', ')}`);
  return jobs.map((j) => j.outfile);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2);
  await buildBundles(names.length ? names : undefined);
}
