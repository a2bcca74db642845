/**
 * The TF1 semantics the ConvRNN zoo (neuroailab/convrnns, TF1 NHWC) depends on, over this engine's NCHW ops:
 * 'SAME' padding (asymmetric for even kernels and stride 2: the odd pixel goes bottom/right), max-pool whose pads
 * never win, `tf.image.resize_images(..., align_corners=True)` bilinear resizing (harbor and `residual_add`), and
 * `tf.contrib.layers.layer_norm` over H, W and C per example with per-channel γ, β.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import { conv2d } from '../ops/conv2d.js';
import { maxPool2d, adaptiveAvgPool2d } from '../ops/pool2d.js';
import { gridSample } from '../ops/grid-sample.js';
import { add, addScalar, elu, mul, powScalar, relu, sigmoid, square, sub, tanh } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import { reshape } from '../ops/movement.js';

export type Padding = 'SAME' | 'VALID';
export type Activation = 'elu' | 'relu' | 'tanh' | 'sigmoid' | 'identity';

export function activate(x: Tensor, act: Activation): Tensor {
  switch (act) {
    case 'elu': return elu(x);
    case 'relu': return relu(x);
    case 'tanh': return tanh(x);
    case 'sigmoid': return sigmoid(x);
    case 'identity': return x;
  }
}

/** TF 'SAME' along one axis: out = ⌈in/s⌉, need = max((out−1)s + k − in, 0), before = ⌊need/2⌋, after = the rest. */
export function samePad(size: number, k: number, s: number): [number, number] {
  const out = Math.ceil(size / s);
  const need = Math.max((out - 1) * s + k - size, 0);
  const before = Math.floor(need / 2);
  return [before, need - before];
}

/** Output size of a TF conv/pool along one axis. */
export function tfOutSize(size: number, k: number, s: number, padding: Padding): number {
  return padding === 'SAME' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

/** tf.nn.conv2d with 'SAME' or 'VALID' padding on NCHW; w is [O, C/groups, kh, kw]. */
export function tfConv2d(x: Tensor, w: Tensor, b: Tensor | null, o: { stride?: number; padding: Padding; groups?: number }): Tensor {
  const s = o.stride ?? 1;
  const [, , kh, kw] = w.shape;
  const pad: [number, number, number, number] = o.padding === 'SAME'
    ? [...samePad(x.shape[2], kh, s), ...samePad(x.shape[3], kw, s)] : [0, 0, 0, 0];
  return conv2d(x, w, b, { stride: s, padding: pad, groups: o.groups ?? 1 });
}

/**
 * tf.nn.max_pool 'SAME': the pads are −inf (never win). A pad only after the data is torch's ceil mode, a pad
 * equal on both sides is implicit padding; both never select a pad and route ties to the first maximum, as TF CPU.
 */
export function tfMaxPool(x: Tensor, k: number, s: number, padding: Padding): Tensor {
  if (padding === 'VALID') return maxPool2d(x, { kernel: k, stride: s });
  const [t, b] = samePad(x.shape[2], k, s);
  const [l, r] = samePad(x.shape[3], k, s);
  if (t === 0 && l === 0) return maxPool2d(x, { kernel: k, stride: s, ceilMode: b > 0 || r > 0 });
  if (t === b && l === r) return maxPool2d(x, { kernel: k, stride: s, padding: [t, l] });
  throw new ShapeError(`tfMaxPool: SAME pads [${t}, ${b}, ${l}, ${r}] for ${k}×${k}/${s} on ${x.describe()} are not supported`);
}

/** Global average over H, W, kept as [N, C, 1, 1]. */
export const globalAvgPool = (x: Tensor): Tensor => adaptiveAvgPool2d(x, 1);

/**
 * Sample grid for TF1 `resize_bilinear(align_corners=True)`: source pixel i·(in−1)/(out−1) with the scale in
 * float32 as TF computes it (in/out when out = 1), mapped to grid_sample's align_corners coordinates.
 */
export function alignCornersGrid(n: number, inH: number, inW: number, outH: number, outW: number): Float32Array {
  const axis = (size: number, out: number) => {
    const scale = Math.fround(out > 1 ? (size - 1) / (out - 1) : size / out);
    return Float32Array.from({ length: out }, (_, i) => (size > 1 ? (2 * Math.fround(i * scale)) / (size - 1) - 1 : 0));
  };
  const gy = axis(inH, outH);
  const gx = axis(inW, outW);
  const g = new Float32Array(n * outH * outW * 2);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        const at = ((b * outH + i) * outW + j) * 2;
        g[at] = gx[j];
        g[at + 1] = gy[i];
      }
    }
  }
  return g;
}

/**
 * Grids by geometry, one set per engine, made once and kept: a captured unrolled step then uploads nothing
 * (uploads inside a capture are refused).
 */
const GRIDS = new WeakMap<Engine, Map<string, Tensor>>();

function gridFor(e: Engine, n: number, h: number, w: number, outH: number, outW: number): Tensor {
  let byKey = GRIDS.get(e);
  if (!byKey) { byKey = new Map(); GRIDS.set(e, byKey); }
  const key = `${n},${h},${w},${outH},${outW}`;
  let g = byKey.get(key);
  if (!g) { g = e.tensor(alignCornersGrid(n, h, w, outH, outW), [n, outH, outW, 2]).keep(); byKey.set(key, g); }
  return g;
}

/** Resizes x [N, C, H, W] to [N, C, outH, outW] as TF1 bilinear with align_corners; a same-size input is returned as is. */
export function resizeAlignCorners(x: Tensor, outH: number, outW: number): Tensor {
  const [n, , h, w] = x.shape;
  if (h === outH && w === outW) return x;
  return gridSample(x, gridFor(x.engine, n, h, w, outH, outW), { alignCorners: true });
}

/**
 * tf.contrib.layers.layer_norm on an NHWC tensor with begin_norm_axis 1: mean and biased variance over C, H, W of
 * each example, ε = 1e-12, γ and β per channel (here [C] on NCHW).
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-12): Tensor {
  const c = x.shape[1];
  const m = mean(x, [1, 2, 3], true);
  const d = sub(x, m);
  const inv = powScalar(addScalar(mean(square(d), [1, 2, 3], true), eps), -0.5);
  const y = mul(d, inv);
  return add(mul(y, reshape(gamma, [1, c, 1, 1])), reshape(beta, [1, c, 1, 1]));
}
