/**
 * 2-D pooling over [N, C, H, W] with torch semantics: max and average pooling (padding, ceil mode,
 * count_include_pad) and adaptive max/average pooling. All differentiable w.r.t. the input; backward passes
 * gather (a thread per input element), so no float atomics are needed.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import { expectF32, grid1d, run } from './dispatch.js';

type Pair = number | [number, number];

export interface MaxPool2dOptions {
  kernel: Pair;
  /** Defaults to the kernel size. */
  stride?: Pair;
  /** Implicit padding on both sides (at most half the kernel); padded cells never win a max. */
  padding?: Pair;
  /** Output size rounds up, so a last partial window is kept when it starts inside the input or left padding. */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions extends MaxPool2dOptions {
  /** Whether padded cells count in the divisor (torch default true). */
  countIncludePad?: boolean;
}

interface Geometry {
  n: number; c: number; h: number; w: number; ho: number; wo: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; adaptive: boolean;
}

function pair(v: Pair, what: string, op: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((d) => Number.isInteger(d))) throw new ShapeError(`${op}: ${what} must be integers, got ${JSON.stringify(v)}`);
  return p;
}

function input(x: Tensor, op: string): [number, number, number, number] {
  expectF32(op, x);
  if (x.rank !== 4) throw new ShapeError(`${op}: input must be [N, C, H, W], got ${x.describe()}`);
  const [n, c, h, w] = x.shape;
  if (h === 0 || w === 0) throw new ShapeError(`${op}: empty spatial dims in ${x.describe()}`);
  return [n, c, h, w];
}

function outSize(size: number, k: number, s: number, p: number, ceilMode: boolean): number {
  let out = Math.floor((size + 2 * p - k + (ceilMode ? s - 1 : 0)) / s) + 1;
  // torch: in ceil mode the last window must start inside the input or the left padding.
  if (ceilMode && (out - 1) * s >= size + p) out--;
  return out;
}

function windowed(x: Tensor, opts: MaxPool2dOptions, op: string): Geometry {
  const [n, c, h, w] = input(x, op);
  const [kh, kw] = pair(opts.kernel, 'kernel', op);
  const [sh, sw] = pair(opts.stride ?? opts.kernel, 'stride', op);
  const [ph, pw] = pair(opts.padding ?? 0, 'padding', op);
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1) {
    throw new ShapeError(`${op}: kernel [${kh}, ${kw}] and stride [${sh}, ${sw}] must be ≥ 1`);
  }
  if (ph < 0 || pw < 0 || 2 * ph > kh || 2 * pw > kw) {
    throw new ShapeError(`${op}: padding [${ph}, ${pw}] must be between 0 and half the kernel [${kh}, ${kw}]`);
  }
  const ceil = opts.ceilMode ?? false;
  const ho = outSize(h, kh, sh, ph, ceil);
  const wo = outSize(w, kw, sw, pw, ceil);
  if (ho < 1 || wo < 1) throw new ShapeError(`${op}: kernel [${kh}, ${kw}] is larger than the padded input ${x.describe()}`);
  return { n, c, h, w, ho, wo, kh, kw, sh, sw, ph, pw, adaptive: false };
}

function adaptive(x: Tensor, out: Pair, op: string): Geometry {
  const [n, c, h, w] = input(x, op);
  const [ho, wo] = pair(out, 'output size', op);
  if (ho < 1 || wo < 1) throw new ShapeError(`${op}: output size [${ho}, ${wo}] must be ≥ 1 (input ${x.describe()})`);
  return { n, c, h, w, ho, wo, kh: 0, kw: 0, sh: 0, sw: 0, ph: 0, pw: 0, adaptive: true };
}

function paramsOf(g: Geometry, n: number, countIncludePad: boolean): Record<string, number> {
  return {
    n, h: g.h, w: g.w, ho: g.ho, wo: g.wo, kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw, ph: g.ph, pw: g.pw,
    adaptive: Number(g.adaptive), count_include_pad: Number(countIncludePad),
  };
}

function maxPool(x: Tensor, g: Geometry, op: string): Tensor {
  const e = x.engine;
  const y = e.empty([g.n, g.c, g.ho, g.wo], 'f32', op);
  // The argmax lets backward route each gradient without re-reading x or breaking ties differently.
  const argmax = e.empty(y.shape, 'i32', `${op}_argmax`);
  if (y.size > 0) run('pool2d', 'pool2d_max_forward', { x, y, argmax }, paramsOf(g, y.size, false), grid1d(y.size));
  const n = x.size;
  e.record(op, [x], [y], ([dy], { argmax: am }) => {
    const dx = e.empty([g.n, g.c, g.h, g.w], 'f32', `${op}_dx`);
    if (n > 0) run('pool2d', 'pool2d_max_backward', { dy: dy!, argmax: am, dx }, paramsOf(g, n, false), grid1d(n));
    return [dx];
  }, { argmax });
  argmax.dispose();
  return y;
}

function avgPool(x: Tensor, g: Geometry, countIncludePad: boolean, op: string): Tensor {
  const e = x.engine;
  const y = e.empty([g.n, g.c, g.ho, g.wo], 'f32', op);
  if (y.size > 0) run('pool2d', 'pool2d_avg_forward', { x, y }, paramsOf(g, y.size, countIncludePad), grid1d(y.size));
  const n = x.size;
  e.record(op, [x], [y], ([dy]) => {
    const dx = e.empty([g.n, g.c, g.h, g.w], 'f32', `${op}_dx`);
    if (n > 0) run('pool2d', 'pool2d_avg_backward', { dy: dy!, dx }, paramsOf(g, n, countIncludePad), grid1d(n));
    return [dx];
  });
  return y;
}

/** Max over kernel windows (torch.nn.functional.max_pool2d without dilation). */
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor {
  return maxPool(x, windowed(x, opts, 'maxPool2d'), 'maxPool2d');
}

/** Mean over kernel windows (torch.nn.functional.avg_pool2d). */
export function avgPool2d(x: Tensor, opts: AvgPool2dOptions): Tensor {
  return avgPool(x, windowed(x, opts, 'avgPool2d'), opts.countIncludePad ?? true, 'avgPool2d');
}

/** Mean over torch's adaptive windows: output i spans [⌊i·H/out⌋, ⌈(i+1)·H/out⌉). */
export function adaptiveAvgPool2d(x: Tensor, out: Pair): Tensor {
  return avgPool(x, adaptive(x, out, 'adaptiveAvgPool2d'), false, 'adaptiveAvgPool2d');
}

/** Max over torch's adaptive windows. */
export function adaptiveMaxPool2d(x: Tensor, out: Pair): Tensor {
  return maxPool(x, adaptive(x, out, 'adaptiveMaxPool2d'), 'adaptiveMaxPool2d');
}
