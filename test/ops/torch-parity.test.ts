/**
 * Parity with PyTorch: every case in test/fixtures/*.json, written by tools/gen-fixtures.py (torch in float64 on
 * float32 inputs), run through our op: the forward, any tensors the op updates in place, and the gradients of
 * Σ y·dy. The fixtures' own `call` strings say exactly what torch computed.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { batchNorm } from '../../src/ops/batchnorm.js';
import { conv2d } from '../../src/ops/conv2d.js';
import { amplitudeTransfer, fft2, rfft2Full } from '../../src/ops/fft.js';
import { gatedResidual } from '../../src/ops/gated-residual.js';
import { gridSample } from '../../src/ops/grid-sample.js';
import { linear, matmul } from '../../src/ops/matmul.js';
import { adaptiveAvgPool2d, adaptiveMaxPool2d, avgPool2d, maxPool2d } from '../../src/ops/pool2d.js';
import { crossEntropy, logSoftmax, softmax } from '../../src/ops/softmax.js';
import { useEngine } from '../helpers/engine.js';
import { expectClose, type Tol } from '../helpers/close.js';
import { gpuGrads } from '../helpers/gradcheck.js';

interface FixtureTensor { shape: number[]; dtype: 'float32' | 'int64'; data: number[] }
interface FixtureCase {
  name: string;
  op: string;
  call: string;
  attrs: Record<string, unknown>;
  inputs: Record<string, FixtureTensor>;
  outputs: Record<string, FixtureTensor>;
  grads: Record<string, FixtureTensor>;
}
interface Fixture { generator: string; script_sha256: string; torch_version: string; compute_dtype: string; cases: FixtureCase[] }

const ROOT = new URL('../../', import.meta.url);
const STEMS = ['conv2d', 'batchnorm', 'grid-sample', 'cross-entropy', 'fft', 'gated-residual', 'matmul', 'pool2d', 'softmax'];
const MAX_FIXTURE_BYTES = 300 * 1024;

/** Torch's answers are exact to float32 rounding; these budgets are all ours. FFT sums many more terms. */
const TOL: Record<string, Tol> = { default: { atol: 1e-4, rtol: 1e-4 }, fft2: { atol: 1e-3, rtol: 1e-3 },
  rfft2Full: { atol: 1e-3, rtol: 1e-3 }, amplitudeTransfer: { atol: 1e-3, rtol: 1e-3 } };

type Pair = number | [number, number];
type Inputs = Record<string, Tensor>;
type Build = (t: Inputs, a: Record<string, unknown>) => Tensor;

const pair = (v: unknown): Pair | undefined => v as Pair | undefined;
const bool = (v: unknown): boolean | undefined => v as boolean | undefined;

function convPadding(a: Record<string, unknown>): number | [number, number] | [number, number, number, number] | undefined {
  // F.pad order is (left, right, top, bottom); ours is [top, bottom, left, right].
  if (!a.pad) return pair(a.padding);
  const [l, r, t, b] = a.pad as number[];
  return [t, b, l, r];
}

/** Our call for each fixture `op`, mapping torch's keyword arguments to the agreed options. */
const OPS: Record<string, Build> = {
  conv2d: (t, a) => conv2d(t.x, t.w, t.b ?? null,
    { stride: pair(a.stride), padding: convPadding(a), dilation: pair(a.dilation), groups: a.groups as number | undefined }),
  batchnorm: (t, a) => batchNorm(t.x, t.weight ?? null, t.bias ?? null, t.running_mean, t.running_var,
    { training: a.training as boolean, momentum: a.momentum as number, eps: a.eps as number }),
  gridSample: (t, a) => gridSample(t.input, t.grid, { alignCorners: a.align_corners as boolean }),
  crossEntropy: (t, a) => crossEntropy(t.logits, t.target,
    { labelSmoothing: a.label_smoothing as number, reduction: a.reduction as 'mean' | 'sum' | 'none' }),
  fft2: (t, a) => fft2(t.x, { inverse: bool(a.inverse) }),
  rfft2Full: (t) => rfft2Full(t.x),
  amplitudeTransfer: (t) => amplitudeTransfer(t.target, t.source),
  gatedResidual: (t) => gatedResidual(t.x, t.g, t.a),
  matmul: (t, a) => matmul(t.a, t.b, { transA: bool(a.transA), transB: bool(a.transB) }),
  linear: (t) => linear(t.x, t.w, t.b ?? null),
  maxPool2d: (t, a) => maxPool2d(t.x,
    { kernel: pair(a.kernel_size)!, stride: pair(a.stride), padding: pair(a.padding), ceilMode: bool(a.ceil_mode) }),
  avgPool2d: (t, a) => avgPool2d(t.x, { kernel: pair(a.kernel_size)!, stride: pair(a.stride), padding: pair(a.padding),
    ceilMode: bool(a.ceil_mode), countIncludePad: bool(a.count_include_pad) }),
  adaptiveAvgPool2d: (t, a) => adaptiveAvgPool2d(t.x, pair(a.output_size)!),
  adaptiveMaxPool2d: (t, a) => adaptiveMaxPool2d(t.x, pair(a.output_size)!),
  softmax: (t, a) => softmax(t.x, a.dim as number),
  logSoftmax: (t, a) => logSoftmax(t.x, a.dim as number),
};

function load(stem: string): Fixture {
  return JSON.parse(readFileSync(new URL(`test/fixtures/${stem}.json`, ROOT), 'utf8')) as Fixture;
}

function upload(engine: Engine, f: FixtureTensor): Tensor {
  return f.dtype === 'int64'
    ? engine.tensor(Int32Array.from(f.data), f.shape, 'i32')
    : engine.tensor(Float32Array.from(f.data), f.shape, 'f32');
}

/**
 * Runs one case: inputs with a recorded gradient go through gpuGrads; the rest (targets, running stats) are
 * plain tensors, read back afterwards when the fixture lists them among the outputs (updated in place).
 */
async function check(engine: Engine, c: FixtureCase): Promise<void> {
  const build = OPS[c.op];
  expect(build, `no op mapped for fixture op "${c.op}"`).toBeDefined();
  const tol = TOL[c.op] ?? TOL.default;
  const gradNames = Object.keys(c.grads);
  const constants: Inputs = {};
  for (const [k, f] of Object.entries(c.inputs)) if (k !== 'dy' && !gradNames.includes(k)) constants[k] = upload(engine, f).keep();
  const y = c.outputs.y;
  let shape: readonly number[] = [];
  const run = (ts: Tensor[]): Tensor => {
    const out = build({ ...constants, ...Object.fromEntries(gradNames.map((k, i) => [k, ts[i]])) }, c.attrs);
    shape = out.shape;
    return out;
  };
  try {
    if (gradNames.length) {
      const inputs = gradNames.map((k) => ({ data: c.inputs[k].data, shape: c.inputs[k].shape }));
      const { out, grads } = await gpuGrads(engine, run, inputs, c.inputs.dy.data);
      expectClose(out, y.data, tol, `${c.name}: y`);
      gradNames.forEach((k, i) => {
        expect(grads[i], `${c.name}: no gradient for ${k}`).not.toBeNull();
        expectClose(grads[i]!, c.grads[k].data, tol, `${c.name}: d${k}`);
      });
    } else {
      const out = engine.scope(() => run([]));
      expectClose(await out.read(), y.data, tol, `${c.name}: y`);
      out.dispose();
    }
    expect(shape, `${c.name}: output shape`).toEqual(y.shape);
    for (const [k, f] of Object.entries(c.outputs)) {
      if (k === 'y') continue;
      expect(constants[k], `${c.name}: output ${k} is not an input updated in place`).toBeDefined();
      expectClose(await constants[k].read(), f.data, tol, `${c.name}: ${k} after the call`);
    }
  } finally {
    for (const t of Object.values(constants)) t.dispose();
  }
}

const eng = useEngine();

describe('torch fixtures', () => {
  const sha = createHash('sha256').update(readFileSync(new URL('tools/gen-fixtures.py', ROOT))).digest('hex');

  it.each(STEMS)('%s.json records its provenance and is current with tools/gen-fixtures.py', (stem) => {
    const fx = load(stem);
    expect(fx.generator).toBe('tools/gen-fixtures.py');
    expect(fx.script_sha256, 'regenerate: /usr/bin/python3 tools/gen-fixtures.py').toBe(sha);
    expect(fx.torch_version).toMatch(/^\d+\.\d+/);
    expect(fx.cases.length).toBeGreaterThan(0);
    expect(statSync(new URL(`test/fixtures/${stem}.json`, ROOT)).size).toBeLessThan(MAX_FIXTURE_BYTES);
  });
});

describe.each(STEMS)('torch parity: %s', (stem) => {
  it.each(load(stem).cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await check(eng(), c);
  });
});
