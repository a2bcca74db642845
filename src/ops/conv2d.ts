/**
 * 2-D convolution over NCHW (torch.nn.functional.conv2d): stride, zero padding (symmetric, per axis, or
 * [top, bottom, left, right] as TF 'SAME' needs), dilation, groups (depthwise included) and an optional bias.
 * Forward, input gradient and weight gradient are three direct implicit-GEMM kernels; the bias gradient is Σ dy.
 * The weight gradient's split-K partial sums are added up in batches across the backward pass (split-sum.ts).
 */
import type { Tensor } from '../tensor/tensor.js';
import { flowsGrad } from '../autograd/tape.js';
import { ShapeError } from '../errors.js';
import { fmt } from '../tensor/shape.js';
import { expectF32, expectRank, expectSameEngine, run } from './dispatch.js';
import { sum } from './reduce.js';
import { deferSplitSum } from './split-sum.js';

export interface Conv2dOptions {
  stride?: number | [number, number];
  /** Same on all sides, [vertical, horizontal], or [top, bottom, left, right]. */
  padding?: number | [number, number] | [number, number, number, number];
  dilation?: number | [number, number];
  groups?: number;
}

/** Resolved geometry of one convolution. */
export interface Conv2dGeometry {
  n: number; c: number; h: number; w: number; o: number; kh: number; kw: number;
  stride: [number, number]; pad: [number, number, number, number]; dilation: [number, number]; groups: number;
  oh: number; ow: number;
}

/** Outputs per thread along each axis (the kernels' register tile) and threads per workgroup. */
const TILE = 8;
const THREADS = 64;
const MAX_GRID = 65535;
/** Weight-gradient workgroups to aim for before splitting the reduction over output rows. */
const MIN_WG_BACKWARD_WEIGHT = 32;

interface WgShape { x: number; y: number }

/** The least power of two ≥ ceil(n / TILE), at most `cap`: threads needed to cover n outputs along one axis. */
function threadsFor(n: number, cap: number): number {
  return Math.min(cap, 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(n / TILE)))));
}

/**
 * Workgroup shape for `channels` along y and pixels along x: as many channel threads as the channels need (at most
 * 8) and the rest of the 64 along pixels. A fixed 8×8 would leave whole rows of threads idle for the 4–32 channel
 * layers of small models (and 7/8 of the workgroups' pixels with them).
 */
function pixelShape(channels: number): WgShape {
  const y = threadsFor(channels, 8);
  return { x: THREADS / y, y };
}

const overrides = (wg: WgShape) => ({ WG_X: wg.x, WG_Y: wg.y });

function pair(v: number | [number, number] | undefined, dflt: number): [number, number] {
  return v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Checks the operands and works out the output size (torch's formula, per side padding). */
export function conv2dGeometry(xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions = {}): Conv2dGeometry {
  const [n, c, h, w] = xShape;
  const [o, cg, kh, kw] = wShape;
  const groups = opts.groups ?? 1;
  const stride = pair(opts.stride, 1);
  const dilation = pair(opts.dilation, 1);
  const p = opts.padding ?? 0;
  const where = `x ${fmt(xShape)}, w ${fmt(wShape)}`;
  if (typeof p !== 'number' && p.length !== 2 && p.length !== 4) throw new ShapeError(`conv2d: ${where}: padding needs 1, 2 or 4 values`);
  const pad: [number, number, number, number] = typeof p === 'number' ? [p, p, p, p]
    : p.length === 2 ? [p[0], p[0], p[1], p[1]] : [p[0], p[1], p[2], p[3]];
  const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
  if (!positiveInt(groups) || ![...stride, ...dilation].every(positiveInt) || !pad.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new ShapeError(`conv2d: stride, dilation and groups must be positive integers and padding ≥ 0 (${JSON.stringify(opts)})`);
  }
  if (c % groups !== 0 || o % groups !== 0 || cg !== c / groups) {
    throw new ShapeError(`conv2d: ${where}: with groups = ${groups}, w must be [O, C/groups, kh, kw] and O divisible by groups`);
  }
  const oh = Math.floor((h + pad[0] + pad[1] - dilation[0] * (kh - 1) - 1) / stride[0]) + 1;
  const ow = Math.floor((w + pad[2] + pad[3] - dilation[1] * (kw - 1) - 1) / stride[1]) + 1;
  if (oh < 1 || ow < 1 || kh < 1 || kw < 1) throw new ShapeError(`conv2d: ${where}: the kernel does not fit the padded input`);
  return { n, c, h, w, o, kh, kw, stride, pad, dilation, groups, oh, ow };
}

function params(g: Conv2dGeometry, tilesX: number, extra: { has_bias?: number; rows_per_split?: number } = {}) {
  return {
    n: g.n, c: g.c, in_h: g.h, in_w: g.w, o: g.o, out_h: g.oh, out_w: g.ow, groups: g.groups,
    k_h: g.kh, k_w: g.kw, stride_h: g.stride[0], stride_w: g.stride[1], pad_t: g.pad[0], pad_l: g.pad[2],
    dil_h: g.dilation[0], dil_w: g.dilation[1], cg: g.c / g.groups, og: g.o / g.groups, tiles_x: tilesX,
    has_bias: extra.has_bias ?? 0, rows_per_split: extra.rows_per_split ?? 0,
  };
}

/** Grid for `pixels` along x (folded into x·y past 65,535 tiles) and `channels` per group along z. */
function pixelGrid(pixels: number, channels: number, groups: number, wg: WgShape): { grid: [number, number, number]; tilesX: number } {
  const tiles = Math.ceil(pixels / (TILE * wg.x));
  const tilesX = Math.min(tiles, MAX_GRID);
  return { grid: [tilesX, Math.ceil(tiles / tilesX), groups * Math.ceil(channels / (TILE * wg.y))], tilesX };
}

function forwardRaw(x: Tensor, w: Tensor, b: Tensor | null, g: Conv2dGeometry): Tensor {
  const y = x.engine.empty([g.n, g.o, g.oh, g.ow], 'f32', 'conv2d');
  const wg = pixelShape(g.o / g.groups);
  const { grid, tilesX } = pixelGrid(g.n * g.oh * g.ow, g.o / g.groups, g.groups, wg);
  // Without a bias the kernel still needs a buffer bound there; it reads w and multiplies by has_bias = 0.
  run('conv2d', 'conv2d_forward', { x, w, b: b ?? w, y }, params(g, tilesX, { has_bias: b ? 1 : 0 }), grid, overrides(wg));
  return y;
}

function backwardInput(dy: Tensor, w: Tensor, g: Conv2dGeometry): Tensor {
  const dx = dy.engine.empty([g.n, g.c, g.h, g.w], 'f32', 'conv2d_backward_input');
  const wg = pixelShape(g.c / g.groups);
  const { grid, tilesX } = pixelGrid(g.n * g.h * g.w, g.c / g.groups, g.groups, wg);
  run('conv2d', 'conv2d_backward_input', { dy, w, dx }, params(g, tilesX), grid, overrides(wg));
  return dx;
}

function backwardWeight(dy: Tensor, x: Tensor, g: Conv2dGeometry): Tensor {
  const e = dy.engine;
  const og = g.o / g.groups;
  const taps = (g.c / g.groups) * g.kh * g.kw;
  // Threads along taps (x) and output channels (y), each only as many as the weight needs (≤ 64 in all).
  const wy = threadsFor(og, 8);
  const wg = { x: threadsFor(taps, THREADS / wy), y: wy };
  const gx = Math.ceil(taps / (TILE * wg.x));
  const gy = g.groups * Math.ceil(og / (TILE * wg.y));
  // NOTE: each thread reduces over all N·OH·OW output pixels; with few weight tiles, split that reduction over
  // output rows so enough workgroups run at once, then add the splits up.
  const rows = g.n * g.oh;
  const wShape = [g.o, g.c / g.groups, g.kh, g.kw];
  if (rows === 0 || gx === 0 || gy === 0) return e.zeros(wShape);
  const want = Math.min(rows, Math.ceil(MIN_WG_BACKWARD_WEIGHT / (gx * gy)), MAX_GRID);
  const perSplit = Math.ceil(rows / want);
  const splits = Math.ceil(rows / perSplit);
  const partial = e.empty([splits, ...wShape], 'f32', 'conv2d_backward_weight');
  run('conv2d', 'conv2d_backward_weight', { x, dy, dw: partial }, params(g, gx, { rows_per_split: perSplit }), [gx, gy, splits], overrides(wg));
  if (splits === 1) {
    const dw = partial.view(wShape);
    partial.dispose();
    return dw;
  }
  // Summed with the other convs' splits of this backward pass, 8 per dispatch (split-sum.ts).
  return deferSplitSum(partial, wShape);
}

/**
 * Convolves x [N, C, H, W] with w [O, C/groups, kh, kw] (+ b [O]) into [N, O, OH, OW], where
 * OH = ⌊(H + pad_top + pad_bottom − dilation·(kh − 1) − 1)/stride⌋ + 1 and likewise for OW.
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  expectF32('conv2d', x, w, ...(b ? [b] : []));
  expectSameEngine('conv2d', x, w, ...(b ? [b] : []));
  expectRank('conv2d', x, 4, 'input');
  expectRank('conv2d', w, 4, 'weight');
  const g = conv2dGeometry(x.shape, w.shape, opts);
  if (b && (b.rank !== 1 || b.shape[0] !== g.o)) throw new ShapeError(`conv2d: bias ${b.describe()} should be [${g.o}]`);
  const y = forwardRaw(x, w, b, g);
  // dx needs only w and dw only x: save just what the wanted gradients use.
  const needX = flowsGrad(x);
  const needW = flowsGrad(w);
  x.engine.record('conv2d', b ? [x, w, b] : [x, w], [y], ([dy], saved) => [
    needX ? backwardInput(dy!, saved.w!, g) : null,
    needW ? backwardWeight(dy!, saved.x!, g) : null,
    ...(b ? [sum(dy!, [0, 2, 3])] : []),
  ], { x: needW ? x : undefined, w: needX ? w : undefined });
  return y;
}
