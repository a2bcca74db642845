/**
 * f64 CPU reference for bilinear grid sampling with zeros padding, written after PyTorch's
 * grid_sampler_2d CPU kernel (same unnormalisation, tap order and gradient formulas).
 */

export type Shape4 = readonly [number, number, number, number];

/** Pixel coordinate of a normalised grid coordinate along an axis of `size` pixels. */
export function unnormalize(coord: number, size: number, alignCorners: boolean): number {
  return alignCorners ? ((coord + 1) / 2) * (size - 1) : ((coord + 1) * size - 1) / 2;
}

interface Tap { off: number; wt: number; dwx: number; dwy: number }

/** In-image taps of point (ix, iy): plane offset, weight, and the weight's derivatives in ix and iy. */
function tapsAt(ix: number, iy: number, h: number, w: number): Tap[] {
  const x0 = Math.floor(ix);
  const y0 = Math.floor(iy);
  const fx = ix - x0;
  const fy = iy - y0;
  const out: Tap[] = [];
  for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
    const xx = x0 + dx;
    const yy = y0 + dy;
    // Written so that a NaN position reads no tap.
    if (!(xx >= 0 && xx < w && yy >= 0 && yy < h)) continue;
    const wx = dx ? fx : 1 - fx;
    const wy = dy ? fy : 1 - fy;
    out.push({ off: yy * w + xx, wt: wx * wy, dwx: (dx ? 1 : -1) * wy, dwy: (dy ? 1 : -1) * wx });
  }
  return out;
}

function pointTaps(grid: ArrayLike<number>, k: number, h: number, w: number, alignCorners: boolean): Tap[] {
  return tapsAt(unnormalize(grid[2 * k], w, alignCorners), unnormalize(grid[2 * k + 1], h, alignCorners), h, w);
}

/** input [N, C, H, W], grid [N, Ho, Wo, 2] → [N, C, Ho, Wo]. */
export function gridSampleRef(input: ArrayLike<number>, inShape: Shape4, grid: ArrayLike<number>, gridShape: Shape4,
  alignCorners: boolean): Float64Array {
  const [n, c, h, w] = inShape;
  const p = gridShape[1] * gridShape[2];
  const y = new Float64Array(n * c * p);
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < p; q++) {
      const taps = pointTaps(grid, b * p + q, h, w, alignCorners);
      for (let ch = 0; ch < c; ch++) {
        const plane = (b * c + ch) * h * w;
        let s = 0;
        for (const t of taps) s += t.wt * input[plane + t.off];
        y[(b * c + ch) * p + q] = s;
      }
    }
  }
  return y;
}

/** Gradients of Σ y·dy with respect to the input and the grid. */
export function gridSampleBackwardRef(input: ArrayLike<number>, inShape: Shape4, grid: ArrayLike<number>, gridShape: Shape4,
  dy: ArrayLike<number>, alignCorners: boolean): { dInput: Float64Array; dGrid: Float64Array } {
  const [n, c, h, w] = inShape;
  const p = gridShape[1] * gridShape[2];
  const dInput = new Float64Array(n * c * h * w);
  const dGrid = new Float64Array(n * p * 2);
  const sx = alignCorners ? (w - 1) / 2 : w / 2;
  const sy = alignCorners ? (h - 1) / 2 : h / 2;
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < p; q++) {
      const taps = pointTaps(grid, b * p + q, h, w, alignCorners);
      let gx = 0;
      let gy = 0;
      for (let ch = 0; ch < c; ch++) {
        const plane = (b * c + ch) * h * w;
        const d = dy[(b * c + ch) * p + q];
        for (const t of taps) {
          dInput[plane + t.off] += t.wt * d;
          gx += t.dwx * input[plane + t.off] * d;
          gy += t.dwy * input[plane + t.off] * d;
        }
      }
      dGrid[2 * (b * p + q)] = gx * sx;
      dGrid[2 * (b * p + q) + 1] = gy * sy;
    }
  }
  return { dInput, dGrid };
}
