/** f64 CPU reference for kernels/corrupt-jpeg.wgsl (the same 8-bit pipeline, DCT in f64). */
import { jpegTables } from '../jpeg.js';
import { roundHalfEven } from '../../numeric.js';

const COS = Float64Array.from({ length: 64 }, (_, k) => {
  const u = Math.floor(k / 8);
  return ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * (k % 8) + 1) * u * Math.PI) / 16);
});

/** Quantises one level-shifted 8×8 block with table q (offset q0) and returns the decoded block (+128, 0…255). */
export function jpegBlockRef(s: Float64Array, q: Int32Array, q0: number): Float64Array {
  const t = new Float64Array(64);
  const f = new Float64Array(64);
  for (let u = 0; u < 8; u++) for (let j = 0; j < 8; j++) { let a = 0; for (let i = 0; i < 8; i++) a += COS[u * 8 + i] * s[i * 8 + j]; t[u * 8 + j] = a; }
  for (let u = 0; u < 8; u++) {
    for (let v = 0; v < 8; v++) {
      let a = 0;
      for (let j = 0; j < 8; j++) a += t[u * 8 + j] * COS[v * 8 + j];
      a = u + v === 0 ? s.reduce((p, x) => p + x, 0) / 8 : roundHalfEven(a * 8) / 8;
      const qq = q[q0 + u * 8 + v];
      f[u * 8 + v] = Math.sign(a) * Math.floor(Math.abs(a) / qq + 0.5) * qq;
    }
  }
  for (let i = 0; i < 8; i++) for (let v = 0; v < 8; v++) { let a = 0; for (let u = 0; u < 8; u++) a += COS[u * 8 + i] * f[u * 8 + v]; t[i * 8 + v] = a; }
  const out = new Float64Array(64);
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 8; j++) {
      let a = 0;
      for (let v = 0; v < 8; v++) a += t[i * 8 + v] * COS[v * 8 + j];
      out[i * 8 + j] = Math.min(255, Math.max(0, Math.floor(roundHalfEven(a * 8) / 8 + 128.5)));
    }
  }
  return out;
}

export function jpegRef(x: Float64Array, shape: readonly number[], quality: number): Float64Array {
  const [n, c, h, w] = shape;
  const hw = h * w;
  const q = jpegTables(quality);
  const hc = Math.ceil(h / 2);
  const wc = Math.ceil(w / 2);
  const out = new Float64Array(x.length);
  for (let img = 0; img < n; img++) {
    const rgb = (r: number, col: number) => {
      const i = img * c * hw + Math.min(r, h - 1) * w + Math.min(col, w - 1);
      // 8-bit samples as the kernel makes them (255·x in f32, rounded half to even).
      const byte = (v: number) => roundHalfEven(Math.fround(255 * Math.min(1, Math.max(0, v))));
      return c === 1 ? [0, 0, 0].map(() => byte(x[i])) : [0, 1, 2].map((k) => byte(x[i + k * hw]));
    };
    // libjpeg's fixed-point colour conversion (jccolor.c).
    const ycc = (p: number[], k: number) => (k === 0 ? (19595 * p[0] + 38470 * p[1] + 7471 * p[2] + 32768) >> 16
      : k === 1 ? (-11059 * p[0] - 21709 * p[1] + 32768 * p[2] + 8421375) >> 16
        : (32768 * p[0] - 27439 * p[1] - 5329 * p[2] + 8421375) >> 16);
    const sample = (k: number, r: number, col: number) => (k === 0 ? ycc(rgb(r, col), 0)
      : Math.floor((ycc(rgb(2 * r, 2 * col), k) + ycc(rgb(2 * r, 2 * col + 1), k) + ycc(rgb(2 * r + 1, 2 * col), k)
        + ycc(rgb(2 * r + 1, 2 * col + 1), k) + 1 + (col & 1)) / 4));
    const planes = (c === 3 ? [0, 1, 2] : [0]).map((k) => {
      const ph = k ? hc : h;
      const pw = k ? wc : w;
      const plane = new Float64Array(ph * pw);
      for (let bi = 0; bi < ph; bi += 8) {
        for (let bj = 0; bj < pw; bj += 8) {
          const s = Float64Array.from({ length: 64 }, (_, t) => sample(k, bi + (t >> 3), bj + (t & 7)) - 128);
          const d = jpegBlockRef(s, q, k ? 64 : 0);
          for (let t = 0; t < 64; t++) {
            const r = bi + (t >> 3);
            const col = bj + (t & 7);
            if (r < ph && col < pw) plane[r * pw + col] = d[t];
          }
        }
      }
      return plane;
    });
    const chroma = (plane: Float64Array, i: number, j: number) => {
      const cy = i >> 1;
      const ny = i & 1 ? Math.min(cy + 1, hc - 1) : Math.max(cy - 1, 0);
      const cx = j >> 1;
      const nx = j & 1 ? Math.min(cx + 1, wc - 1) : Math.max(cx - 1, 0);
      const near = 3 * plane[cy * wc + cx] + plane[ny * wc + cx];
      const far = 3 * plane[cy * wc + nx] + plane[ny * wc + nx];
      return Math.floor((3 * near + far + (j & 1 ? 7 : 8)) / 16);
    };
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const yv = planes[0][i * w + j];
        const o = img * c * hw + i * w + j;
        if (c === 1) { out[o] = yv / 255; continue; }
        const cb = chroma(planes[1], i, j) - 128;
        const cr = chroma(planes[2], i, j) - 128;
        const v = [yv + ((91881 * cr + 32768) >> 16), yv + ((-22554 * cb - 46802 * cr + 32768) >> 16), yv + ((116130 * cb + 32768) >> 16)];
        for (let k = 0; k < 3; k++) out[o + k * hw] = Math.min(255, Math.max(0, v[k])) / 255;
      }
    }
  }
  return out;
}
