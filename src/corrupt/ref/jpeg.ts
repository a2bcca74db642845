/**
 * CPU reference for kernels/corrupt-jpeg.wgsl: the same 8-bit pipeline with either the float DCT (in f64) or
 * libjpeg's integer "islow" DCTs, which PIL uses by default (JDCT_ISLOW in libjpeg-turbo's jfdctint.c,
 * jidctint.c; quantiser of jcdctmgr.c; range limit of jdmaster.c).
 */
import { jpegTables } from '../jpeg.js';
import { roundHalfEven } from '../../numeric.js';

// 13-bit fixed-point constants FIX(c) = round(c·2¹³) of the LLM butterflies, and the 2 bits kept between passes.
const CONST_BITS = 13;
const PASS1_BITS = 2;
const FIX = {
  c0298: 2446, c0390: 3196, c0541: 4433, c0765: 6270, c0899: 7373, c1175: 9633, c1501: 12299, c1847: 15137,
  c1961: 16069, c2053: 16819, c2562: 20995, c3072: 25172,
} as const;
const descale = (v: number, n: number) => (v + (1 << (n - 1))) >> n;

/** The odd half of both LLM transforms: inputs (a0…a3) give the four rotated sums before descaling. */
function oddPart(a0: number, a1: number, a2: number, a3: number): [number, number, number, number] {
  const z5 = (a0 + a2 + a1 + a3) * FIX.c1175;
  const z1 = -(a0 + a3) * FIX.c0899;
  const z2 = -(a1 + a2) * FIX.c2562;
  const z3 = -(a0 + a2) * FIX.c1961 + z5;
  const z4 = -(a1 + a3) * FIX.c0390 + z5;
  return [a0 * FIX.c0298 + z1 + z3, a1 * FIX.c2053 + z2 + z4, a2 * FIX.c3072 + z2 + z3, a3 * FIX.c1501 + z1 + z4];
}

/** jfdctint.c on 8 values d[o + k·stride]: pass 1 (rows) keeps PASS1_BITS, pass 2 (columns) removes them. */
function fdct8(d: Int32Array, o: number, stride: number, pass: 1 | 2): void {
  const v = (k: number) => d[o + k * stride];
  const t0 = v(0) + v(7); const t7 = v(0) - v(7); const t1 = v(1) + v(6); const t6 = v(1) - v(6);
  const t2 = v(2) + v(5); const t5 = v(2) - v(5); const t3 = v(3) + v(4); const t4 = v(3) - v(4);
  const t10 = t0 + t3; const t13 = t0 - t3; const t11 = t1 + t2; const t12 = t1 - t2;
  const sh = pass === 1 ? CONST_BITS - PASS1_BITS : CONST_BITS + PASS1_BITS;
  const z1 = (t12 + t13) * FIX.c0541;
  const [o7, o5, o3, o1] = oddPart(t4, t5, t6, t7);
  const out = [pass === 1 ? (t10 + t11) << PASS1_BITS : descale(t10 + t11, PASS1_BITS), descale(o1, sh),
    descale(z1 + t13 * FIX.c0765, sh), descale(o3, sh), pass === 1 ? (t10 - t11) << PASS1_BITS : descale(t10 - t11, PASS1_BITS),
    descale(o5, sh), descale(z1 - t12 * FIX.c1847, sh), descale(o7, sh)];
  for (let k = 0; k < 8; k++) d[o + k * stride] = out[k];
}

/** jidctint.c on 8 values: pass 1 (columns) descales by CONST_BITS − PASS1_BITS, pass 2 (rows) by CONST_BITS + PASS1_BITS + 3. */
function idct8(d: Int32Array, o: number, stride: number, pass: 1 | 2): void {
  const v = (k: number) => d[o + k * stride];
  const z1 = (v(2) + v(6)) * FIX.c0541;
  const t2 = z1 - v(6) * FIX.c1847;
  const t3 = z1 + v(2) * FIX.c0765;
  const t0 = (v(0) + v(4)) << CONST_BITS;
  const t1 = (v(0) - v(4)) << CONST_BITS;
  const t10 = t0 + t3; const t13 = t0 - t3; const t11 = t1 + t2; const t12 = t1 - t2;
  const [o0, o1, o2, o3] = oddPart(v(7), v(5), v(3), v(1));
  const sh = pass === 1 ? CONST_BITS - PASS1_BITS : CONST_BITS + PASS1_BITS + 3;
  const out = [t10 + o3, t11 + o2, t12 + o1, t13 + o0, t13 - o0, t12 - o1, t11 - o2, t10 - o3];
  for (let k = 0; k < 8; k++) d[o + k * stride] = descale(out[k], sh);
}

/** libjpeg's post-IDCT range limit (jdmaster.c prepare_range_limit_table): x + 128 clamped, wrapping mod 1024. */
export function rangeLimit(x: number): number {
  const m = x & 1023;
  if (m < 128) return m + 128;
  if (m < 384) return 255;
  if (m < 896) return 0;
  return m - 896;
}

/** The integer twin of jpegBlockRef: islow FDCT, jcdctmgr.c's rounding quantiser (divisor 8q), islow IDCT. */
export function jpegBlockIntRef(s: Float64Array, q: Int32Array, q0: number): Float64Array {
  const d = Int32Array.from(s);
  for (let r = 0; r < 8; r++) fdct8(d, 8 * r, 1, 1);
  for (let c = 0; c < 8; c++) fdct8(d, c, 8, 2);
  for (let k = 0; k < 64; k++) {
    const qv = q[q0 + k];
    const div = 8 * qv;
    const mag = Math.floor((Math.abs(d[k]) + (div >> 1)) / div);
    d[k] = (d[k] < 0 ? -mag : mag) * qv;
  }
  for (let c = 0; c < 8; c++) idct8(d, c, 8, 1);
  for (let r = 0; r < 8; r++) idct8(d, 8 * r, 1, 2);
  return Float64Array.from(d, rangeLimit);
}

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

/** JPEG round trip of NCHW images at `quality`; `integer` picks libjpeg's islow DCTs instead of the float DCT. */
export function jpegRef(x: Float64Array, shape: readonly number[], quality: number, integer = false): Float64Array {
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
    // Chroma rows past the last one repeat it (libjpeg pads the bottom after downsampling); columns repeat the image's.
    const sample = (k: number, r0: number, col: number, r = Math.min(r0, hc - 1)) => (k === 0 ? ycc(rgb(r0, col), 0)
      : Math.floor((ycc(rgb(2 * r, 2 * col), k) + ycc(rgb(2 * r, 2 * col + 1), k) + ycc(rgb(2 * r + 1, 2 * col), k)
        + ycc(rgb(2 * r + 1, 2 * col + 1), k) + 1 + (col & 1)) / 4));
    const planes = (c === 3 ? [0, 1, 2] : [0]).map((k) => {
      const ph = k ? hc : h;
      const pw = k ? wc : w;
      const plane = new Float64Array(ph * pw);
      for (let bi = 0; bi < ph; bi += 8) {
        for (let bj = 0; bj < pw; bj += 8) {
          const s = Float64Array.from({ length: 64 }, (_, t) => sample(k, bi + (t >> 3), bj + (t & 7)) - 128);
          const d = (integer ? jpegBlockIntRef : jpegBlockRef)(s, q, k ? 64 : 0);
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
