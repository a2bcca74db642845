#!/usr/bin/env node
// The browser demo's server (npm run demo): builds the page's bundle (tools/build.mjs demo), then serves
// src/demo/index.html, dist/demo/demo.js and the weights on http://127.0.0.1:PORT/ (localhost is a secure
// context, which WebGPU needs).
//   node tools/demo-server.mjs [--port N] [--host H] [--run DIR | --checkpoint FILE]
// --run DIR: a `train` run folder (its weights.safetensors, else checkpoint.safetensors, described from its
// config.json and metrics.jsonl). Without either, the main job's runs/grcnn-small is used when present; otherwise
// the page runs an untrained model and says so.
import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundles } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_RUN = join(root, 'runs/grcnn-small');

class UsageError extends Error {}

function readJson(path) {
  try { return JSON.parse(readFileSync(path, 'utf8')); } catch { return null; }
}

/** Training steps and the last validation top-1 recorded in a run's metrics.jsonl (torn lines skipped). */
function runMetrics(dir) {
  const path = join(dir, 'metrics.jsonl');
  if (!existsSync(path)) return null;
  let steps = 0, valTop1 = null;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    let r;
    try { r = JSON.parse(line); } catch { continue; }
    if (typeof r.loss === 'number') steps = Math.max(steps, r.step);
    if (typeof r.valTop1 === 'number') valTop1 = r.valTop1;
  }
  return { steps, valTop1 };
}

/** Class names of an image-folder run: its train folder's subfolders in code-unit order (as the loader orders them). */
function folderClasses(config) {
  const d = config?.data;
  if (d?.kind !== 'image-folder' || !d.train) return null;
  try { return readdirSync(d.train).filter((n) => statSync(join(d.train, n)).isDirectory()).sort(); } catch { return null; }
}

/** Which weights the page gets, and what is known about them. */
export function resolveWeights({ run, checkpoint } = {}) {
  if (run && checkpoint) throw new UsageError('give --run DIR or --checkpoint FILE, not both');
  let file = null;
  let source = '';
  if (checkpoint) {
    file = resolve(checkpoint);
    if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`--checkpoint ${checkpoint}: no such file`);
    source = 'given with --checkpoint';
  } else {
    const dir = run ? resolve(run) : DEFAULT_RUN;
    if (run && !(existsSync(dir) && statSync(dir).isDirectory())) throw new UsageError(`--run ${run}: no such folder`);
    const found = ['weights.safetensors', 'checkpoint.safetensors'].map((f) => join(dir, f)).find((f) => existsSync(f));
    if (run && !found) throw new UsageError(`--run ${run}: no weights.safetensors or checkpoint.safetensors in ${dir}`);
    if (found) { file = found; source = run ? 'run folder given with --run' : "the main job's run folder (default)"; }
  }
  if (!file) {
    return { file: null, trained: false, config: null, classes: null,
      description: `no checkpoint: neither --run DIR nor --checkpoint FILE was given and ${relative(process.cwd(), DEFAULT_RUN) || DEFAULT_RUN} does not exist, so the model is UNTRAINED and its labels are chance` };
  }
  const dir = dirname(file);
  const config = readJson(join(dir, 'config.json'));
  const m = runMetrics(dir);
  const rel = relative(process.cwd(), file);
  const shown = rel && !rel.startsWith('..') ? rel : file;
  const parts = [];
  if (config?.model?.preset) parts.push(`${config.model.preset} on ${config.data?.kind ?? 'unknown data'}${config.data?.imageSize ? ` (${config.data.imageSize} px)` : ''}`);
  if (m) parts.push(`${m.steps} training steps`, m.valTop1 === null ? 'no validation recorded' : `last val top-1 ${(100 * m.valTop1).toFixed(1)} %`);
  const trained = m ? m.steps > 0 : null;
  const known = parts.length ? `train run: ${parts.join(', ')}` : 'no config.json or metrics.jsonl beside it: how it was trained is not known';
  return { file, trained, config, classes: folderClasses(config), description: `${shown}, ${source} (${known})` };
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json', '.json': 'application/json' };

/** Starts the server; resolves when it listens. `port` 0 picks a free one. */
export async function startDemoServer({ port = 8080, host = '127.0.0.1', run, checkpoint, build = true, log = console.log } = {}) {
  const weights = resolveWeights({ run, checkpoint });
  if (build) await buildBundles(['demo'], log);
  const files = {
    '/': join(root, 'src/demo/index.html'),
    '/index.html': join(root, 'src/demo/index.html'),
    '/demo.js': join(root, 'dist/demo/demo.js'),
    '/demo.js.map': join(root, 'dist/demo/demo.js.map'),
  };
  const info = {
    checkpoint: weights.file ? { url: 'api/checkpoint', name: basename(weights.file) } : null,
    trained: weights.trained, description: weights.description, config: weights.config, classes: weights.classes,
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (status, type, body) => { res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }); res.end(body); };
    if (req.method !== 'GET') return send(405, 'text/plain', 'GET only');
    if (path === '/api/info') return send(200, TYPES['.json'], JSON.stringify(info));
    if (path === '/api/checkpoint' && weights.file) return send(200, 'application/octet-stream', readFileSync(weights.file));
    const file = files[path];
    if (!file || !existsSync(file)) return send(404, 'text/plain', `not found: ${path}`);
    send(200, TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream', readFileSync(file));
  });
  await new Promise((ok, fail) => { server.once('error', fail); server.listen(port, host, ok); });
  const url = `http://${host}:${server.address().port}/`;
  return { url, weights, close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }) };
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--port') {
      out.port = Number(value());
      if (!(Number.isInteger(out.port) && out.port >= 0 && out.port < 65536)) throw new UsageError(`--port: expected 0…65535, got ${argv[i]}`);
    } else if (a === '--host') out.host = value();
    else if (a === '--run') out.run = value();
    else if (a === '--checkpoint') out.checkpoint = value();
    else if (a === '-h' || a === '--help') { console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 8).map((l) => l.slice(3)).join('\n')); process.exit(0); }
    else throw new UsageError(`unknown option ${a} (see --help)`);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    const s = await startDemoServer(parseArgs(process.argv.slice(2)));
    console.log(`weights: ${s.weights.description}`);
    console.log(`demo at ${s.url} (Ctrl-C stops it)`);
  } catch (e) {
    console.error(`demo: ${e instanceof UsageError || e?.code === 'EADDRINUSE' ? e.message : e?.stack ?? e}`);
    process.exit(1);
  }
}
