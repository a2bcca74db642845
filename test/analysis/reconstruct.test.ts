import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { normal, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { Initializer } from '../../src/nn/init.js';
import { Conv2d, ReLU, Sequential } from '../../src/nn/layers.js';
import { relu } from '../../src/ops/elementwise.js';
import { blurWeights, layerOutput, Reconstruction, type NormConstraint, type ReconstructOptions } from '../../src/analysis/reconstruct.js';
import { reconstructCommand } from '../../src/cli/reconstruct.js';
import { decodeImage } from '../../src/data/image-io.js';
import { VGG, VGG_PRESETS } from '../../src/models/vgg.js';
import { saveWeights } from '../../src/train/checkpoint.js';
import { constrainedOptimum, reconstructLoopRef, type LoopRefOptions } from '../../src/ref/reconstruct.js';

const eng = useEngine();
// The runtime's sleep-before-wait prices a wait by the ms per dispatch of earlier waits, and the first steps'
// waits include pipeline compilation: the inflated estimate then makes every sync of the loop sleep ~15× too long
// (7.6 s instead of 0.5 s for 200 steps here), decaying by ≤ 6 % per wait. Spinning keeps this file's time honest.

// Two images [C, H, W] = [2, 6, 7] (d = 84) through a fixed 3×3 conv to 3 channels (m = 126 outputs per image).
const [N, C, H, W, O] = [2, 2, 6, 7, 3];
const D = C * H * W;
const M = O * H * W;

/** A linear model f(x) = A·x (a conv layer, read through layer '0'), followed by a ReLU that must never run. */
function linearModel(e: Engine): { model: Sequential; conv: Conv2d } {
  const conv = new Conv2d(e, new Initializer(3), '0', C, O, { kernel: 3, padding: 1 });
  return { model: new Sequential(e, [conv, new ReLU(e)]), conv };
}

/** The conv as a dense M×D matrix (row-major): the conv of one-hot images gives its columns exactly. */
async function convMatrix(e: Engine, conv: Conv2d): Promise<Float64Array> {
  const eye = new Float32Array(D * D);
  for (let j = 0; j < D; j++) eye[j * D + j] = 1;
  const y = e.noGrad(() => e.scope(() => conv.forward(e.tensor(eye, [D, C, H, W]))));
  const cols = await y.read();
  y.dispose();
  const a = new Float64Array(M * D);
  for (let j = 0; j < D; j++) for (let i = 0; i < M; i++) a[i * D + j] = cols[j * M + i];
  return a;
}

/** For ℓ = mean((Ax − Ax₀)²): the Hessian H = (2/M)AᵀA and the gradient H(x − x₀) of every row of a batch. */
function quadratic(a: Float64Array, x0: Float64Array, k: number) {
  const hess = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      let s = 0;
      for (let r = 0; r < M; r++) s += a[r * D + i] * a[r * D + j];
      hess[i * D + j] = (2 / M) * s;
    }
  }
  const grad = (x: Float64Array) => {
    const g = new Float64Array(x.length);
    for (let b = 0; b < x.length / D; b++) {
      const img = Math.floor(b / k);
      for (let i = 0; i < D; i++) {
        let s = 0;
        for (let j = 0; j < D; j++) s += hess[i * D + j] * (x[b * D + j] - x0[img * D + j]);
        g[b * D + i] = s;
      }
    }
    return g;
  };
  let v = new Float64Array(D).fill(1);
  let lambdaMax = 0;
  for (let it = 0; it < 300; it++) {
    const u = new Float64Array(D);
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) u[i] += hess[i * D + j] * v[j];
    lambdaMax = Math.hypot(...u);
    v = u.map((q) => q / lambdaMax);
  }
  return { hess, grad, lambdaMax };
}

/** Two targets of norm 4 each, so shared norm levels are equally active for both. */
function targets(): Float64Array {
  const x = Float64Array.from(Float32Array.from(normal(N * D, 11)));
  for (let b = 0; b < N; b++) {
    const row = x.subarray(b * D, (b + 1) * D);
    const n = Math.hypot(...row);
    row.forEach((v, i) => { row[i] = Math.fround((4 * v) / n); });
  }
  return x;
}

const rowNorms = (x: ArrayLike<number>, per: number) => Array.from({ length: x.length / per }, (_, b) => {
  let s = 0;
  for (let i = b * per; i < (b + 1) * per; i++) s += x[i] * x[i];
  return Math.sqrt(s);
});

interface Setup { e: Engine; model: Sequential; conv: Conv2d; x0: Tensor; x0Host: Float64Array; done(): void }

function setup(): Setup {
  const e = eng();
  const { model, conv } = linearModel(e);
  const x0Host = targets();
  const x0 = e.tensor(Float32Array.from(x0Host), [N, C, H, W]).keep();
  return { e, model, conv, x0, x0Host, done: () => { x0.dispose(); model.dispose(); } };
}

async function reconstruct(s: Setup, opts: ReconstructOptions, steps: number): Promise<{ init: Float32Array; final: Float32Array }> {
  const rec = new Reconstruction(s.model, '0', s.x0, opts);
  try {
    const init = (await rec.snapshot()).images;
    const final = (await rec.run(steps)).images;
    return { init, final };
  } finally {
    rec.dispose();
  }
}

describe('mei gradient blur weights', () => {
  it('are scipy.signal.gaussian(2·round(4σ) + 1, σ) normalised, with Python rounding of the half-size', () => {
    const win = [3.35462628e-4, 1.11089965e-2, 1.35335283e-1, 6.0653066e-1, 1, 6.0653066e-1, 1.35335283e-1, 1.11089965e-2, 3.35462628e-4];
    const total = win.reduce((a, b) => a + b, 0);
    expectClose(blurWeights(1), win.map((v) => v / total), { atol: 1e-9, rtol: 1e-8 }, 'σ = 1');
    expect(blurWeights(0.625).length).toBe(5); // round(2.5) = 2 in Python
    expect(blurWeights(0.1).length).toBe(3); // at least one tap each side
  });
});

describe('reconstruction of a linear model converges to the closed form x = (H + γI)⁻¹Hx₀', () => {
  for (const constraint of ['sphere', 'ball'] as NormConstraint[]) {
    it(`${constraint}: active norms reach the Lagrange solution${constraint === 'ball' ? '; an inactive one stays inside' : ''}`, async () => {
      const s = setup();
      try {
        const norms = constraint === 'ball' ? [1.5, 3, 6] : [1.5, 3];
        const k = norms.length;
        const { hess, lambdaMax } = quadratic(await convMatrix(s.e, s.conv), s.x0Host, k);
        const { final } = await reconstruct(s, { norms, constraint, optimizer: 'sgd', lr: 1 / lambdaMax, blurSigma: 0 }, 200);
        for (let b = 0; b < N * k; b++) {
          const img = Math.floor(b / k);
          const r = norms[b % k];
          const row = final.subarray(b * D, (b + 1) * D);
          if (r > 4) {
            // Inactive (‖x₀‖ = 4 < r): the optimum is x₀ itself, reached only as fast as H's smallest eigenvalues
            // allow; what matters is that the ball, unlike the sphere, lets the image stay strictly inside.
            expect(Math.hypot(...row), `row ${b}: inside the ball`).toBeLessThan(0.9 * r);
            continue;
          }
          const { x, gamma } = constrainedOptimum(hess, D, s.x0Host.subarray(img * D, (img + 1) * D), r);
          expect(gamma, `row ${b}: constraint active`).toBeGreaterThan(0);
          expectClose(row, x, { atol: 2e-5, rtol: 1e-4 }, `row ${b} (r = ${r}, γ = ${gamma.toPrecision(3)})`);
        }
      } finally {
        s.done();
      }
    });
  }
});

describe('the loop on the GPU', () => {
  const cases: [string, Omit<ReconstructOptions, 'norms'>, Omit<LoopRefOptions, 'lr'> & { lr: number }][] = [
    ['SGD + blur, sphere', { optimizer: 'sgd', lr: 40, constraint: 'sphere' }, { optimizer: 'sgd', lr: 40, constraint: 'sphere', blurSigma: 1 }],
    ['Adam + blur, ball', { optimizer: 'adam', lr: 0.05, constraint: 'ball' }, { optimizer: 'adam', lr: 0.05, constraint: 'ball', blurSigma: 1 }],
  ];
  const norms = [1.5, 3, 6];

  for (const [name, opts, refOpts] of cases) {
    it(`${name}: matches the f64 loop step by step (blur with reflect padding, Adam bias correction from the GPU step count)`, async () => {
      const s = setup();
      try {
        const { grad } = quadratic(await convMatrix(s.e, s.conv), s.x0Host, norms.length);
        const { init, final } = await reconstruct(s, { ...opts, norms }, 12);
        const x = Float64Array.from(init);
        reconstructLoopRef(x, [N * norms.length, C, H, W], Array.from({ length: N * norms.length }, (_, b) => norms[b % norms.length]), grad, refOpts, 12);
        expectClose(final, x, { atol: 2e-5, rtol: 2e-4 }, `${name} after 12 steps`);
      } finally {
        s.done();
      }
    });

    it(`${name}: the norm constraint holds at every step, snapshots come every N steps`, async () => {
      const s = setup();
      const rec = new Reconstruction(s.model, '0', s.x0, { ...opts, norms });
      try {
        const seen: number[] = [];
        const check = (images: Float32Array, step: number) => rowNorms(images, D).forEach((v, b) => {
          const r = norms[b % norms.length];
          if (opts.constraint === 'sphere') expect(Math.abs(v - r), `step ${step} row ${b}: ‖x‖ = ${v}, r = ${r}`).toBeLessThan(2e-6 * r);
          else expect(v, `step ${step} row ${b}: ‖x‖ ≤ r`).toBeLessThanOrEqual(r * (1 + 2e-6));
        });
        check((await rec.snapshot()).images, 0);
        const last = await rec.run(9, { every: 1, onSnapshot: (snap) => { seen.push(snap.step); check(snap.images, snap.step); } });
        expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        const sparse: number[] = [];
        await rec.run(6, { every: 3, onSnapshot: (snap) => { sparse.push(snap.step); } });
        expect(sparse).toEqual([12, 15]);
        expect(last.losses.every((l) => Number.isFinite(l) && l >= 0)).toBe(true);
      } finally {
        rec.dispose();
        s.done();
      }
    });

    it(`${name}: the captured, replayed loop gives the eager loop's images`, async () => {
      const s = setup();
      try {
        const dispatches = s.e.stats().dispatches;
        const replayed = await reconstruct(s, { ...opts, norms }, 20);
        const eager = await reconstruct(s, { ...opts, norms, capture: false }, 20);
        expect(s.e.stats().dispatches).toBeGreaterThan(dispatches + 40 * 20);
        expectClose(replayed.final, eager.final, { atol: 1e-5, rtol: 0 }, 'replayed vs eager');
      } finally {
        s.done();
      }
    });
  }
});

describe('layers by name, model state and errors', () => {
  it('stops the forward pass at the named layer and restores hooks', async () => {
    const e = eng();
    const ini = new Initializer(5);
    const c1 = new Conv2d(e, ini, '0', 1, 2, { kernel: 3, padding: 1, bias: true });
    const c2 = new Conv2d(e, ini, '2', 2, 2, { kernel: 1 });
    const model = new Sequential(e, [c1, new ReLU(e), c2]);
    const outer: string[] = [];
    model.layers[1].hook = () => { outer.push('relu'); };
    c2.hook = () => { outer.push('conv 2'); };
    const x = e.tensor(Float32Array.from(uniform(2 * 25, 9)), [2, 1, 5, 5]);
    // No grad: nothing here runs backward, so nothing may be left on the tape.
    const read = async (f: () => Tensor) => {
      const y = e.noGrad(() => e.scope(f));
      const v = await y.read();
      y.dispose();
      return v;
    };
    const got = await read(() => layerOutput(model, '1')(x));
    const want = await read(() => relu(c1.forward(x)));
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(outer).toEqual(['relu']);
    expect(model.layers[1].hook).not.toBeNull();
    const full = await read(() => layerOutput(model, '')(x));
    expect(full.length).toBe(2 * 2 * 25);
    expect(outer).toEqual(['relu', 'relu', 'conv 2']);
    expect(() => layerOutput(model, 'features.9')).toThrow(ShapeError);
    expect(() => layerOutput(model, 'features.9')).toThrow(/no module 'features.9'.*0, 1, 2/);
    x.dispose();
    model.dispose();
  });

  it('freezes and evaluates the model while it runs, restores it after, and leaks nothing', async () => {
    const s = setup();
    try {
      s.model.train();
      const live = s.e.stats().liveTensors;
      const rec = new Reconstruction(s.model, '0', s.x0, { norms: [2, 3], optimizer: 'adam' });
      expect(s.model.training).toBe(false);
      expect(s.conv.weight.requiresGrad).toBe(false);
      const readbacks = s.e.stats().readbacks;
      await rec.run(40);
      // Eager, captured, then replayed steps: the only readbacks are the final snapshot's images and losses.
      expect(s.e.stats().readbacks - readbacks).toBe(2);
      expect(s.conv.weight.grad).toBeNull();
      expect(rec.x.shape).toEqual([4, C, H, W]);
      rec.dispose();
      expect(s.model.training).toBe(true);
      expect(s.conv.weight.requiresGrad).toBe(true);
      expect(s.e.stats().liveTensors).toBe(live);
    } finally {
      s.done();
    }
  });

  it('names the problem in bad options', () => {
    const s = setup();
    try {
      const bad = (o: Partial<ReconstructOptions>, x0: Tensor = s.x0) => () => new Reconstruction(s.model, '0', x0, { norms: [1], ...o });
      expect(bad({ norms: [] })).toThrow(/norms must be positive/);
      expect(bad({ norms: [2, -1] })).toThrow(ShapeError);
      expect(bad({ lr: 0 })).toThrow(/lr must be > 0/);
      expect(bad({ blurSigma: -1 })).toThrow(/blurSigma/);
      expect(bad({ optimizer: 'adamw' as 'adam' })).toThrow(/optimizer must be sgd or adam, got 'adamw'/);
      expect(bad({ constraint: 'box' as 'ball' })).toThrow(/constraint must be sphere or ball/);
      const flat = s.x0.view([N, D]);
      expect(bad({}, flat)).toThrow(/\[N, C, H, W\]/);
      flat.dispose();
      expect(s.conv.weight.requiresGrad).toBe(true);
    } finally {
      s.done();
    }
  });
});

describe('reconstruct command', () => {
  it('writes the Fig. 5 grid, the ratios and the Fig. 7 scatter for two models, one loaded from weights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reconstruct-'));
    try {
      const e = eng();
      const other = new VGG(e, { ...VGG_PRESETS['vgg19_bn-small'], seed: 1 });
      await saveWeights(join(dir, 'b.safetensors'), other);
      other.dispose();
      const log: string[] = [];
      const out = join(dir, 'out');
      await reconstructCommand({
        out, models: ['a=vgg19_bn-small', `b=vgg19_bn-small:${join(dir, 'b.safetensors')}`], layer: 'relu3_1',
        norms: [5, 15], steps: 3, count: 2, size: 32, log: (m) => log.push(m),
      });
      expect(log.join('\n')).toMatch(/a: 3 steps.*\n.*b: 3 steps/);
      // Rows: a, b, the spectral control, the targets; columns: 2 images × 2 norms; 32 px tiles, 2 px gaps.
      const grid = decodeImage(readFileSync(join(out, 'grid.png')), 'grid.png', 1);
      expect(grid.shape).toEqual([1, 4 * 34 + 2, 4 * 34 + 2]);
      const json = JSON.parse(readFileSync(join(out, 'ratios.json'), 'utf8'));
      expect(json.gridRows).toEqual(['a', 'b', 'spectral control (a)', 'targets']);
      expect(json.losses.a).toHaveLength(4);
      for (const name of ['a', 'b', 'spectral control (a)']) {
        const v = json.normalizedRatios.values[name] as number[][];
        expect(v.map((r) => r.length)).toEqual([2, 2]);
        expect(v.flat().every((x) => Number.isFinite(x) && x <= 1)).toBe(true);
      }
      // The two models differ, so their reconstructions (and ratios) must too.
      expect(json.normalizedRatios.values.b).not.toEqual(json.normalizedRatios.values.a);
      const svg = readFileSync(join(out, 'scatter.svg'), 'utf8');
      // Per norm panel: 2 series (b, the control) × 2 images, and a legend dot per series.
      expect(svg.match(/<circle /g)).toHaveLength(2 * (2 * 2 + 2));
      await expect(reconstructCommand({ out, models: ['a=vgg7'], layer: 'relu3_1' })).rejects.toThrow(/unknown preset 'vgg7'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
