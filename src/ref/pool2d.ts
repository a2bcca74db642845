/** f64 CPU reference for 2-D max/avg pooling, windowed and adaptive, over [N, C, H, W] (torch semantics). */

export type PoolSpec =
  | { kernel: [number, number]; stride: [number, number]; padding: [number, number]; ceilMode: boolean }
  | { out: [number, number] };

/** [start, end) of each output's window along one axis, before clipping to the input (may include padding). */
type Windows = [number, number][];

/**
 * torch's pooling output size: ⌊(size + 2p − k)/s⌋ + 1, or ⌈·⌉ + 1 in ceil mode unless that last window would
 * start past the left padding.
 */
export function pool2dOutSizeRef(size: number, k: number, s: number, p: number, ceilMode: boolean): number {
  let out = Math.floor((size + 2 * p - k + (ceilMode ? s - 1 : 0)) / s) + 1;
  if (ceilMode && (out - 1) * s >= size + p) out--;
  return out;
}

function axisWindows(spec: PoolSpec, axis: 0 | 1, size: number): Windows {
  if ('out' in spec) {
    const out = spec.out[axis];
    return Array.from({ length: out }, (_, i) => [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)]);
  }
  const k = spec.kernel[axis];
  const s = spec.stride[axis];
  const p = spec.padding[axis];
  const out = pool2dOutSizeRef(size, k, s, p, spec.ceilMode);
  return Array.from({ length: out }, (_, i) => [i * s - p, Math.min(i * s - p + k, size + p)]);
}

interface Plan { n: number; c: number; h: number; w: number; wh: Windows; ww: Windows; outShape: number[] }

function plan(shape: readonly number[], spec: PoolSpec): Plan {
  const [n, c, h, w] = shape;
  const wh = axisWindows(spec, 0, h);
  const ww = axisWindows(spec, 1, w);
  return { n, c, h, w, wh, ww, outShape: [n, c, wh.length, ww.length] };
}

/** Visits each output with its window clipped to the input and its average-pool divisor. */
function eachOutput(p: Plan, countIncludePad: boolean,
  f: (o: number, plane: number, h0: number, h1: number, w0: number, w1: number, div: number) => void): void {
  let o = 0;
  for (let plane = 0; plane < p.n * p.c; plane++) {
    for (const [hs, he] of p.wh) {
      for (const [ws, we] of p.ww) {
        const h0 = Math.max(hs, 0), h1 = Math.min(he, p.h), w0 = Math.max(ws, 0), w1 = Math.min(we, p.w);
        const div = countIncludePad ? (he - hs) * (we - ws) : (h1 - h0) * (w1 - w0);
        f(o++, plane, h0, h1, w0, w1, div);
      }
    }
  }
}

/**
 * Pooled output, its shape, and for max the argmax (ih·W + iw within the plane, first maximum in scan order).
 * `countIncludePad` only matters for windowed average pooling (torch default true).
 */
export function pool2dRef(mode: 'max' | 'avg', x: ArrayLike<number>, shape: readonly number[], spec: PoolSpec,
  countIncludePad = true): { y: Float64Array; argmax: Int32Array; outShape: number[] } {
  const p = plan(shape, spec);
  const size = p.outShape.reduce((a, b) => a * b, 1);
  const y = new Float64Array(size);
  const argmax = new Int32Array(size).fill(-1);
  eachOutput(p, countIncludePad, (o, plane, h0, h1, w0, w1, div) => {
    let acc = mode === 'max' ? -Infinity : 0;
    for (let ih = h0; ih < h1; ih++) {
      for (let iw = w0; iw < w1; iw++) {
        const v = x[plane * p.h * p.w + ih * p.w + iw];
        if (mode === 'avg') acc += v;
        else if (v > acc) { acc = v; argmax[o] = ih * p.w + iw; }
      }
    }
    y[o] = mode === 'max' ? acc : acc / div;
  });
  return { y, argmax, outShape: p.outShape };
}

/** Gradient of Σ pool(x)·dy with respect to x (scatter form; the GPU gathers). */
export function pool2dBackwardRef(mode: 'max' | 'avg', x: ArrayLike<number>, shape: readonly number[], spec: PoolSpec,
  dy: ArrayLike<number>, countIncludePad = true): Float64Array {
  const p = plan(shape, spec);
  const dx = new Float64Array(p.n * p.c * p.h * p.w);
  const argmax = mode === 'max' ? pool2dRef('max', x, shape, spec).argmax : null;
  eachOutput(p, countIncludePad, (o, plane, h0, h1, w0, w1, div) => {
    const base = plane * p.h * p.w;
    if (argmax) { dx[base + argmax[o]] += dy[o]; return; }
    for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[base + ih * p.w + iw] += dy[o] / div;
  });
  return dx;
}
