/**
 * The demo page (src/demo/index.html, served by tools/demo-server.mjs): a GRCNN checkpoint written by `train` and
 * one image, and three views computed here on WebGPU: the corruption grid (grid.ts), the GRCL recursion
 * (recursion.ts) and a reconstruction (reconstruction.ts). `window.cortexDemo` holds the page's state and results
 * (the browser test reads them).
 */
import { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { NoAdapterError } from '../errors.js';
import { SYNTH_OBJECT_CLASSES } from '../data/superclasses.js';
import { softmax } from '../ops/softmax.js';
import { loadWeights, imageFromFile, modelInput, synthImage, untrainedModel, type LoadedWeights, type SynthSettings } from './model.js';
import { runGrid, topOne, type Cell } from './grid.js';
import { runRecursion } from './recursion.js';
import { runReconstruction } from './reconstruction.js';
import { drawImage, el } from './draw.js';

/** What the server says about the weights it offers (tools/demo-server.mjs /api/info). */
interface ServerInfo {
  checkpoint: { url: string; name: string } | null;
  /** true: a run folder with training steps; false: no checkpoint (untrained); null: not known. */
  trained: boolean | null;
  description: string;
  config: { data?: { kind?: string; imageSize?: number; seed?: number; rms?: [number, number]; hard?: boolean } } | null;
  classes: string[] | null;
}

export interface DemoState {
  status: 'starting' | 'loading' | 'running' | 'done' | 'no-webgpu' | 'error';
  message: string;
  adapter: string;
  weights: { label: string; trained: boolean | null };
  imageSize: number;
  /** The clean input [C, H, W] in [0, 1], its logits and top-1. */
  image: number[];
  logits: number[];
  top1: number;
  cells: Omit<Cell, 'image'>[];
  cellImage: (name: string, severity: number) => number[] | null;
  corruptionSeed: number;
  recursion: { block: number; steps: number; h: number; w: number } | null;
  reconstruction: { layer: string; steps: number; losses: number[] } | null;
  /** Runs finished (a changed input starts a new one). */
  runs: number;
  /** The longest gap between animation frames while the views were computed, in ms (responsiveness). */
  longestFrameMs: number;
  /** What the page was doing then (its status message). */
  longestFrameDuring: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const num = (name: string, fallback: number) => (params.has(name) ? Number(params.get(name)) : fallback);

let cellImages = new Map<string, Float32Array>();
const state: DemoState = {
  status: 'starting', message: '', adapter: '', weights: { label: '', trained: null }, imageSize: 0, image: [], logits: [], top1: -1,
  cells: [], cellImage: (name, s) => { const d = cellImages.get(`${name}/${s}`); return d ? Array.from(d) : null; },
  corruptionSeed: num('seed', 0), recursion: null, reconstruction: null, runs: 0, longestFrameMs: 0, longestFrameDuring: '',
};
(window as unknown as { cortexDemo: DemoState }).cortexDemo = state;

function setStatus(s: DemoState['status'], message: string): void {
  const wasRunning = state.status === 'running';
  state.status = s;
  state.message = message;
  $('status').textContent = message;
  if (s === 'running' && !wasRunning) watchFrames();
}

/** Records the longest gap between animation frames for as long as the page is computing. */
function watchFrames(): void {
  let last = performance.now();
  const tick = (now: number) => {
    if (now - last > state.longestFrameMs) { state.longestFrameMs = now - last; state.longestFrameDuring = state.message; }
    last = now;
    if (state.status === 'running') requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function noWebGpu(why: string): void {
  const box = $('no-webgpu');
  box.style.display = 'block';
  box.textContent = `This browser offers no WebGPU, so the demo cannot run: ${why} Use a browser with WebGPU enabled ` +
    '(Chrome/Edge 113+, or Chromium on Linux started with --enable-unsafe-webgpu; Firefox 141+ on Windows; Safari 26).';
  setStatus('no-webgpu', 'no WebGPU');
}

function showError(e: unknown): void {
  const box = $('error');
  box.style.display = 'block';
  box.textContent = `Error: ${(e as Error).message ?? String(e)}`;
  setStatus('error', 'error');
  console.error(e);
}

interface Session { engine: Engine; weights: LoadedWeights; info: ServerInfo; classes: string[]; synth: SynthSettings; upload: Blob | null }

function classNames(info: ServerInfo, k: number): string[] {
  const known = info.classes ?? (info.config?.data?.kind === 'synth-objects-64' ? [...SYNTH_OBJECT_CLASSES] : []);
  return Array.from({ length: k }, (_, i) => known[i] ?? `class ${i}`);
}

function showWeights(s: Session, label: string, trained: boolean | null): void {
  state.weights = { label, trained };
  const box = $('weights');
  box.className = trained === true ? 'trained' : trained === false ? 'untrained' : '';
  box.textContent = `Weights: ${label}`;
}

async function fromServer(engine: Engine, info: ServerInfo): Promise<LoadedWeights> {
  if (!info.checkpoint) return untrainedModel(engine, 10, 1);
  const res = await fetch(info.checkpoint.url);
  if (!res.ok) throw new Error(`${info.checkpoint.name}: the server answered ${res.status} ${res.statusText}`);
  return loadWeights(engine, new Uint8Array(await res.arrayBuffer()), info.checkpoint.name);
}

function fillControls(s: Session): void {
  const synth = $<HTMLSelectElement>('synth-index');
  synth.replaceChildren(...Array.from({ length: 20 }, (_, i) => {
    const o = el('option', undefined, `synth object #${i} (${SYNTH_OBJECT_CLASSES[i % 10]})`);
    o.value = String(i);
    return o;
  }));
  synth.value = String(num('synth', 0));
  const block = $<HTMLSelectElement>('block');
  block.replaceChildren(...s.weights.model.layers.map((l, i) => {
    const o = el('option', undefined, `layer${i + 1} (T = ${l.iter.length})`);
    o.value = String(i);
    return o;
  }));
  block.value = String(num('block', 1) - 1);
  const layer = $<HTMLSelectElement>('layer');
  const names = ['conv1', 'conv2', ...s.weights.model.layers.map((_, i) => `layer${i + 1}`)];
  layer.replaceChildren(...names.map((n) => { const o = el('option', undefined, n); o.value = n; return o; }));
  layer.value = params.get('layer') ?? 'layer1';
  $<HTMLInputElement>('recon-steps').value = String(num('steps', 120));
}

let generation = 0;
let running: Promise<void> | null = null;

/** Starts a run of all three views; a run already going stops at its next frame first. */
function schedule(s: Session): void {
  const mine = ++generation;
  const start = async () => {
    if (running) await running.catch(() => {});
    if (mine !== generation) return;
    running = run(s, () => mine !== generation).catch(showError);
  };
  void start();
}

async function inputImage(s: Session, size: number, c: number): Promise<{ data: Float32Array; label: string }> {
  if (s.upload) return { data: await imageFromFile(s.upload, size, c), label: 'uploaded image' };
  const index = Number($<HTMLSelectElement>('synth-index').value);
  const { data, label } = synthImage(index, size, c, s.synth);
  return { data, label: `synth object #${index}, true class ${SYNTH_OBJECT_CLASSES[label]}` };
}

async function run(s: Session, cancelled: () => boolean): Promise<void> {
  const { engine, weights } = s;
  const { model, channels: c } = weights;
  const size = Number($<HTMLInputElement>('image-size').value);
  state.imageSize = size;
  setStatus('running', 'computing the corruption grid…');
  const { data, label } = await inputImage(s, size, c);
  const image: Tensor = engine.tensor(data, [1, c, size, size]).keep();
  try {
    drawImage($('input-canvas'), data, c, size, size);
    const out = engine.noGrad(() => engine.scope(() => {
      const logits = model.call(modelInput(image));
      return { logits, probs: softmax(logits, 1) };
    }));
    const [logits, probs] = await Promise.all([out.logits.read(), out.probs.read()]);
    out.logits.dispose();
    out.probs.dispose();
    const [best] = topOne(probs as Float32Array, model.config.numClasses);
    Object.assign(state, { image: Array.from(data), logits: Array.from(logits), top1: best.index, cells: [], recursion: null, reconstruction: null });
    $('clean-pred').textContent = `${label}. Clean image: top-1 ${s.classes[best.index]} (${(100 * best.p).toFixed(1)} %)`;

    const cells = await runGrid(engine, model, image, $('grid'), {
      seed: state.corruptionSeed, table: size <= 64 ? 64 : 224, classes: s.classes, cleanTop1: best.index, cancelled,
    });
    if (!cells) return;
    cellImages = new Map(cells.map((cell) => [`${cell.name}/${cell.severity}`, cell.image]));
    state.cells = cells.map(({ image: _, ...rest }) => rest);

    setStatus('running', 'reading the GRCL recursion…');
    const block = Number($<HTMLSelectElement>('block').value);
    const r = await runRecursion(engine, model, image, block, $('steps'));
    state.recursion = { block, steps: r.states.length, h: r.h, w: r.w };
    if (cancelled()) return;

    setStatus('running', 'reconstructing…');
    const layer = $<HTMLSelectElement>('layer').value;
    const steps = Number($<HTMLInputElement>('recon-steps').value);
    const rec = await runReconstruction(engine, model, image, layer, steps, $('recon-canvas'), $('recon-info'), cancelled);
    if (!rec) return;
    state.reconstruction = { layer, steps: rec.steps, losses: rec.losses };
    state.runs++;
    setStatus('done', `done on ${state.adapter || 'WebGPU'}`);
  } finally {
    image.dispose();
  }
}

async function main(): Promise<void> {
  if (!('gpu' in navigator) || !navigator.gpu) return noWebGpu('navigator.gpu does not exist here.');
  let engine: Engine;
  try {
    engine = await Engine.create();
  } catch (e) {
    if (e instanceof NoAdapterError) return noWebGpu('navigator.gpu.requestAdapter() found no adapter.');
    throw e;
  }
  state.adapter = engine.adapterName;
  setStatus('loading', 'loading weights…');
  const info = (await (await fetch('api/info')).json()) as ServerInfo;
  const weights = await fromServer(engine, info);
  const d = info.config?.data;
  const s: Session = { engine, weights, info, classes: classNames(info, weights.model.config.numClasses), synth: { seed: d?.seed, rms: d?.rms, hard: d?.hard }, upload: null };
  showWeights(s, `${info.description} — ${weights.detail}`, info.trained);
  $<HTMLInputElement>('image-size').value = String(num('size', d?.imageSize ?? 32));
  fillControls(s);

  const rerun = () => schedule(s);
  for (const id of ['synth-index', 'block', 'layer', 'recon-steps', 'image-size']) $(id).addEventListener('change', () => {
    if (id === 'synth-index') s.upload = null;
    rerun();
  });
  $<HTMLInputElement>('image-file').addEventListener('change', (ev) => {
    const f = (ev.target as HTMLInputElement).files?.[0];
    if (f) { s.upload = f; rerun(); }
  });
  $<HTMLInputElement>('ckpt-file').addEventListener('change', (ev) => {
    const f = (ev.target as HTMLInputElement).files?.[0];
    if (!f) return;
    void (async () => {
      generation++;
      if (running) await running.catch(() => {});
      const w = await loadWeights(engine, new Uint8Array(await f.arrayBuffer()), f.name);
      s.weights.model.dispose();
      s.weights = w;
      s.classes = classNames({ ...info, classes: null, config: null }, w.model.config.numClasses);
      showWeights(s, `${f.name}, chosen in this page — ${w.detail}`, w.step === null ? null : w.step > 0);
      fillControls(s);
      rerun();
    })().catch(showError);
  });
  rerun();
}

main().catch(showError);
