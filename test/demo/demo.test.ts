/**
 * The browser demo end to end: `node tools/demo-server.mjs` on a free loopback port serving a tiny GRCNN that
 * `train` writes here, Debian Chromium (playwright-core, SwiftShader WebGPU) running the page, and the page's
 * numbers against Node's (Dawn on lavapipe) for the same weights and image. The screenshot goes to
 * test-output/demo/ (printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { useEngine } from '../helpers/engine.js';
import { haveChromium, launchChromium } from '../helpers/chromium.js';
import { maxError } from '../helpers/close.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { createGrcnn, settingsFromState } from '../../src/models/factory.js';
import { normalizeImage, normStats } from '../../src/data/transforms.js';
import { corrupt } from '../../src/corrupt/corrupt.js';
import { synthImage } from '../../src/demo/model.js';
import type { DemoState } from '../../src/demo/main.js';

const eng = useEngine();
const OUT = join(process.cwd(), 'test-output', 'demo');
const SIZE = 32;
const SYNTH = 3;
const RECON_STEPS = 6;

// Two GRCL blocks with two steps each, 32 px gray: SwiftShader runs the page's three views in seconds.
const config = parseTrainConfig({
  seed: 5,
  model: { preset: 'grcnn-small', stemChannels: 4, planes: [4, 8], expansion: 2, iters: [2, 2], groups: 2 },
  data: { kind: 'synth-objects-64', perClass: 4, valPerClass: 2, imageSize: SIZE },
  train: { epochs: 1, batchSize: 8, lr: 0.05, logEvery: 1 },
});

let runDir = '';
let server: { child: ChildProcess; url: string } | null = null;
const browsers: Browser[] = [];

/** Starts the demo server as `npm run demo` does, on a free port; resolves with its URL. */
function startServer(run: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['tools/demo-server.mjs', '--port', '0', '--run', run], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`demo server did not start in 30 s:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /demo at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) { clearTimeout(timer); ok({ child, url: m[1] }); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`demo server exited (${code}):\n${out}`)); });
  });
}

async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}

/** Node's logits (Dawn) for a [1, SIZE, SIZE] image in [0, 1] from a weights or checkpoint file of train, through train's own normalisation. */
async function nodeLogits(file: string, image: Float32Array): Promise<Float32Array> {
  const e = eng();
  const { tensors, metadata } = readSafetensors(file);
  const state = new Map([...tensors].filter(([k]) => !k.startsWith('optim.')).map(([k, v]) => [k.replace(/^model\./, ''), v]));
  const preset = metadata.model ?? 'grcnn-small';
  const model = createGrcnn(e, preset, settingsFromState(preset, state));
  try {
    model.loadStateDict(state);
    model.eval();
    const [mean, std] = normStats(1);
    const input = normalizeImage({ data: image, shape: [1, SIZE, SIZE] }, mean, std).data;
    const logits = e.noGrad(() => e.scope(() => model.call(e.tensor(input, [1, 1, SIZE, SIZE]))));
    const out = (await logits.read()) as Float32Array;
    logits.dispose();
    return out;
  } finally {
    model.dispose();
  }
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

/** The page's state once its run number `runs` has finished (or failed). */
async function settled(page: Page, runs: number): Promise<DemoState> {
  await page.waitForFunction((n) => {
    const d = (window as unknown as { cortexDemo?: DemoState }).cortexDemo;
    return d !== undefined && (['error', 'no-webgpu'].includes(d.status) || (d.status === 'done' && d.runs >= n));
  }, runs, { timeout: 100_000, polling: 250 });
  return page.evaluate(() => ({ ...(window as unknown as { cortexDemo: DemoState }).cortexDemo, cellImage: () => null }));
}

/** Mean and standard deviation of the luminance of a PNG screenshot. */
function pixelStats(png: Buffer): { mean: number; std: number } {
  const img = PNG.sync.read(png);
  const n = img.width * img.height;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const y = 0.299 * img.data[4 * i] + 0.587 * img.data[4 * i + 1] + 0.114 * img.data[4 * i + 2];
    s += y; s2 += y * y;
  }
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

describe('browser demo', () => {
  beforeAll(async () => {
    expect(haveChromium(), 'Debian chromium is missing: run sh tools/install-test-deps.sh').toBe(true);
    runDir = mkdtempSync(join(tmpdir(), 'cg-demo-run-'));
    (await runTraining(eng(), config, { out: runDir })).model.dispose();
    server = await startServer(runDir);
  }, 120_000);

  afterAll(async () => {
    for (const b of browsers) await b.close().catch(() => {});
    server?.child.kill('SIGTERM');
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  });

  it('runs the three views on WebGPU and agrees with Node', async () => {
    const started = performance.now();
    const browser = await launchChromium(true);
    browsers.push(browser);
    const { page, errors } = await openPage(browser, `${server!.url}?synth=${SYNTH}&steps=${RECON_STEPS}&block=1&layer=layer1`);
    await page.waitForFunction(() => ['done', 'error', 'no-webgpu'].includes((window as unknown as { cortexDemo?: DemoState }).cortexDemo?.status ?? ''),
      undefined, { timeout: 110_000, polling: 250 });
    const st = await page.evaluate(() => {
      const d = (window as unknown as { cortexDemo: DemoState }).cortexDemo;
      return { ...d, cellImage: undefined, zoom: d.cellImage('zoom_blur', 2), impulse: d.cellImage('impulse_noise', 3), gauss: d.cellImage('gaussian_noise', 3) };
    });
    mkdirSync(OUT, { recursive: true });
    const shot = join(OUT, 'demo.png');
    writeFileSync(shot, await page.screenshot({ fullPage: true }));
    console.log(`demo screenshot: ${shot} (page finished in ${((performance.now() - started) / 1000).toFixed(1)} s on ${st.adapter})`);
    expect(st.status, st.message).toBe('done');
    expect(errors).toEqual([]);
    expect(st.adapter).toMatch(/swiftshader/);
    expect(st.weights.trained).toBe(true);
    expect(st.weights.label).toMatch(/weights\.safetensors.*run folder given with --run.*5 training steps/);

    // The same image: the page drew synth object #3 as Node does.
    const image = Float32Array.from(st.image);
    expect(maxError(image, synthImage(SYNTH, SIZE, 1, config.data.kind === 'synth-objects-64' ? config.data : {}).data, { atol: 1e-7, rtol: 0 }).worst).toBeLessThanOrEqual(1);

    // The same checkpoint in Node, through train's own normalisation (not the page's GPU one).
    const e = eng();
    expect(st.logits).toHaveLength(10);
    const logitErr = maxDiff(st.logits, await nodeLogits(join(runDir, 'weights.safetensors'), image));
    console.log(`logits: max |browser − node| = ${logitErr.toExponential(2)}`);
    expect(logitErr).toBeLessThanOrEqual(1e-4);

    // Corruption cells against Node's corruption kernels on the same image (seed 0, Tiny-ImageNet-C table): zoom
    // blur (bilinear resampling) and impulse noise (integer random draws) to 1e-5. Gaussian noise only to 5e-4: its
    // Box–Muller cos(2πu)·sqrt(−2 log v) is computed by each implementation's own cos/log, whose WGSL error bounds are
    // loose outside [−π, π] (measured here: 5.7e-5 between SwiftShader and lavapipe).
    expect(st.cells).toHaveLength(70);
    for (const [name, severity, got, tol] of [['zoom_blur', 2, st.zoom, 1e-5], ['impulse_noise', 3, st.impulse, 1e-5], ['gaussian_noise', 3, st.gauss, 5e-4]] as const) {
      const y = corrupt(e.tensor(image, [1, 1, SIZE, SIZE]), name, severity, { seed: st.corruptionSeed, table: 64 });
      const want = (await y.read()) as Float32Array;
      y.dispose();
      expect(got, `${name} ${severity}`).not.toBeNull();
      const err = Math.max(...got!.map((v, i) => Math.abs(v - want[i])));
      console.log(`${name} severity ${severity}: max |browser − node| = ${err.toExponential(2)}`);
      expect(err, `${name} severity ${severity}: max |browser − node|`).toBeLessThanOrEqual(tol);
      // Not the clean image: the cell really is corrupted.
      expect(Math.max(...got!.map((v, i) => Math.abs(v - image[i]))), name).toBeGreaterThan(0.01);
    }

    // GRCL recursion read for block 1: x_0 … x_2; reconstruction ran its steps with a finite loss.
    expect(st.recursion).toMatchObject({ block: 0, steps: 3, h: SIZE, w: SIZE });
    expect(st.reconstruction?.steps).toBe(RECON_STEPS);
    expect(st.reconstruction!.losses.every(Number.isFinite)).toBe(true);

    // What reached the screen: the reconstruction canvas and a GRCL map are not blank.
    for (const sel of ['#recon-canvas', '#steps canvas']) {
      const stats = pixelStats(await page.locator(sel).first().screenshot());
      expect(stats.std, `${sel}: luminance std of the screenshot (mean ${stats.mean.toFixed(1)})`).toBeGreaterThan(4);
    }

    // The file inputs: train's checkpoint.safetensors (model state under 'model.', optimiser beside it) replaces
    // the weights; then an uploaded PNG replaces the image. Each starts a new run of the three views.
    await page.setInputFiles('#ckpt-file', join(runDir, 'checkpoint.safetensors'));
    const st2 = await settled(page, 2);
    expect(st2.status, st2.message).toBe('done');
    expect(st2.weights.label).toMatch(/checkpoint\.safetensors, chosen in this page — training checkpoint of a grcnn-small at step 5/);
    expect(st2.weights.trained).toBe(true);
    expect(maxDiff(st2.logits, await nodeLogits(join(runDir, 'checkpoint.safetensors'), image))).toBeLessThanOrEqual(1e-4);
    const png = new PNG({ width: 48, height: 40 });
    for (let i = 0; i < 48 * 40; i++) png.data.set([(i % 48) * 5, Math.floor(i / 48) * 6, 128, 255], 4 * i);
    const pngPath = join(runDir, 'upload.png');
    writeFileSync(pngPath, PNG.sync.write(png));
    await page.setInputFiles('#image-file', pngPath);
    // The upload's clean prediction comes first; the rest of that run is left (the views were checked above).
    await page.waitForFunction((before) => {
      const d = (window as unknown as { cortexDemo: DemoState }).cortexDemo;
      return d.status === 'error' || (d.status === 'running' && d.logits.length > 0 && d.image.some((v, i) => Math.abs(v - before[i]) > 0.1));
    }, st.image, { timeout: 60_000, polling: 250 });
    const st3 = await page.evaluate(() => ({ ...(window as unknown as { cortexDemo: DemoState }).cortexDemo, cellImage: () => null }));
    expect(st3.status, st3.message).toBe('running');
    expect(st3.image).toHaveLength(SIZE * SIZE);
    expect(maxDiff(st3.image, image)).toBeGreaterThan(0.1);
    expect(st3.image.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(errors).toEqual([]);
    console.log(`two runs and an upload in ${((performance.now() - started) / 1000).toFixed(1)} s; longest gap between animation frames ${st3.longestFrameMs.toFixed(0)} ms (${st3.longestFrameDuring})`);
    // Work is split across frames, so no gap comes near a view's length (the grid alone takes 15–30 s here). The bound
    // is loose: SwiftShader's threads share the two cores with the renderer, and gaps of 1.5–4 s were measured at load 14–19.
    expect(st3.longestFrameMs, 'the page stays responsive: longest gap between animation frames (ms)').toBeLessThan(10_000);

    // A damaged checkpoint is refused with a message naming the file, the weights in use stay.
    const bad = join(runDir, 'bad.safetensors');
    writeFileSync(bad, readFileSync(join(runDir, 'weights.safetensors')).subarray(0, 2000));
    await page.setInputFiles('#ckpt-file', bad);
    await page.waitForFunction(() => (window as unknown as { cortexDemo: DemoState }).cortexDemo.status === 'error', undefined, { timeout: 60_000 });
    expect(await page.locator('#error').textContent()).toMatch(/bad\.safetensors: .*(truncated|exceeds)/);
    expect(errors.at(-1)).toMatch(/bad\.safetensors/);
    expect(await page.evaluate(() => (window as unknown as { cortexDemo: DemoState }).cortexDemo.weights.label)).toMatch(/^checkpoint\.safetensors/);
  }, 170_000);

  it('the page bundle holds no Node-only code', () => {
    // Built by the server at start (tools/build.mjs demo). The one dynamic import('webgpu') sits behind
    // openDevice's navigator.gpu / process checks and is never reached in a page.
    const js = readFileSync(join(process.cwd(), 'dist/demo/demo.js'), 'utf8');
    expect(js.match(/["']node:[\w/]+["']/g) ?? []).toEqual([]);
    expect(js).not.toMatch(/\brequire\(/);
    expect(js.match(/import\(["'][^"']+["']\)/g)).toEqual(['import("webgpu")']);
  });

  it('without WebGPU the page says so instead of staying blank', async () => {
    const browser = await launchChromium(false);
    browsers.push(browser);
    const { page } = await openPage(browser, server!.url);
    await page.waitForFunction(() => (window as unknown as { cortexDemo?: DemoState }).cortexDemo?.status === 'no-webgpu', undefined, { timeout: 30_000 });
    const box = page.locator('#no-webgpu');
    expect(await box.isVisible()).toBe(true);
    expect(await box.textContent()).toMatch(/no WebGPU.*--enable-unsafe-webgpu/);
    writeFileSync(join(OUT, 'no-webgpu.png'), await page.screenshot());
  }, 60_000);
});
