/** f64 CPU reference for grouped, strided, dilated, zero-padded 2-D convolution over NCHW (torch conv2d). */

export interface Conv2dRefOpts {
  stride?: [number, number];
  /** [top, bottom, left, right] */
  pad?: [number, number, number, number];
  dilation?: [number, number];
  groups?: number;
}

interface Geo { n: number; c: number; h: number; w: number; o: number; cg: number; og: number; kh: number; kw: number;
  sh: number; sw: number; pt: number; pl: number; dh: number; dw: number; oh: number; ow: number }

function geometry(xShape: readonly number[], wShape: readonly number[], opts: Conv2dRefOpts): Geo {
  const [n, c, h, w] = xShape;
  const [o, cg, kh, kw] = wShape;
  const groups = opts.groups ?? 1;
  const [sh, sw] = opts.stride ?? [1, 1];
  const [pt, pb, pl, pr] = opts.pad ?? [0, 0, 0, 0];
  const [dh, dw] = opts.dilation ?? [1, 1];
  if (cg * groups !== c || o % groups !== 0) throw new Error('conv2dRef: channels do not match groups');
  const oh = Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  return { n, c, h, w, o, cg, og: o / groups, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow };
}

/**
 * Visits every (output, weight, input) triple of the convolution with its flat indices: y index, w index and
 * x index (only taps that land inside the input; padding contributes zeros).
 */
function eachTap(g: Geo, f: (yi: number, wi: number, xi: number) => void): void {
  for (let n = 0; n < g.n; n++) {
    for (let o = 0; o < g.o; o++) {
      const grp = Math.floor(o / g.og);
      for (let i = 0; i < g.oh; i++) {
        for (let j = 0; j < g.ow; j++) {
          const yi = ((n * g.o + o) * g.oh + i) * g.ow + j;
          for (let c = 0; c < g.cg; c++) {
            for (let r = 0; r < g.kh; r++) {
              const ih = i * g.sh - g.pt + r * g.dh;
              if (ih < 0 || ih >= g.h) continue;
              for (let s = 0; s < g.kw; s++) {
                const iw = j * g.sw - g.pl + s * g.dw;
                if (iw < 0 || iw >= g.w) continue;
                f(yi, ((o * g.cg + c) * g.kh + r) * g.kw + s, ((n * g.c + grp * g.cg + c) * g.h + ih) * g.w + iw);
              }
            }
          }
        }
      }
    }
  }
}

/** y = conv2d(x, w) + b; returns the data and shape [N, O, OH, OW]. */
export function conv2dRef(x: ArrayLike<number>, xShape: readonly number[], w: ArrayLike<number>, wShape: readonly number[],
  b: ArrayLike<number> | null, opts: Conv2dRefOpts = {}): { data: Float64Array; shape: number[] } {
  const g = geometry(xShape, wShape, opts);
  const y = new Float64Array(g.n * g.o * g.oh * g.ow);
  if (b) for (let yi = 0; yi < y.length; yi++) y[yi] = b[Math.floor(yi / (g.oh * g.ow)) % g.o];
  eachTap(g, (yi, wi, xi) => { y[yi] += w[wi] * x[xi]; });
  return { data: y, shape: [g.n, g.o, g.oh, g.ow] };
}

/** Gradients of Σ conv2d(x, w, b)·dy with respect to x, w and b. */
export function conv2dBackwardRef(x: ArrayLike<number>, xShape: readonly number[], w: ArrayLike<number>,
  wShape: readonly number[], dy: ArrayLike<number>, opts: Conv2dRefOpts = {}): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const g = geometry(xShape, wShape, opts);
  const dx = new Float64Array(g.n * g.c * g.h * g.w);
  const dw = new Float64Array(g.o * g.cg * g.kh * g.kw);
  const db = new Float64Array(g.o);
  for (let yi = 0; yi < dy.length; yi++) db[Math.floor(yi / (g.oh * g.ow)) % g.o] += dy[yi];
  eachTap(g, (yi, wi, xi) => {
    dx[xi] += w[wi] * dy[yi];
    dw[wi] += x[xi] * dy[yi];
  });
  return { dx, dw, db };
}
