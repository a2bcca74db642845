/**
 * PIL's 8-bit resampling as tables, for the canonical pixelate (imagecorruptions: resize to ⌊W·c⌋ × ⌊H·c⌋ with
 * BOX, back with NEAREST). Pillow 9.4 Resample.c: BOX weights from precompute_coeffs in f64 (the filter is 1 on
 * (−½, ½]), normalised, then fixed point with 22 fractional bits (normalize_coeffs_8bpc); a horizontal pass with
 * a uint8 result, then a vertical one. NEAREST (Geometry.c ImagingScaleAffine): source index ⌊x₀⌋ with x₀ stepped
 * from scale/2 by += scale in f64. JavaScript numbers are C doubles, so these tables equal Pillow's.
 */

/** Fractional bits of Pillow's 8-bit resampling weights (32 − 8 − 2). */
export const PIL_PRECISION_BITS = 22;

/** First input index, count and fixed-point weights (ksize per output) of a BOX reduction inSize → outSize. */
export function pilBoxCoeffs(inSize: number, outSize: number): { ksize: number; first: number[]; count: number[]; weights: Int32Array } {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 0.5 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first: number[] = [];
  const count: number[] = [];
  const weights = new Int32Array(outSize * ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    const k = Array.from({ length: xmax }, (_, x): number => {
      const t = (x + xmin - center + 0.5) / filterscale;
      return t > -0.5 && t <= 0.5 ? 1 : 0;
    });
    const ww = k.reduce((a, b) => a + b, 0);
    k.forEach((v, x) => { weights[xx * ksize + x] = Math.trunc(0.5 + (ww !== 0 ? v / ww : v) * 2 ** PIL_PRECISION_BITS); });
    first.push(xmin);
    count.push(xmax);
  }
  return { ksize, first, count, weights };
}

/** Source index of every output index of a NEAREST resize inSize → outSize. */
export function pilNearestIndex(inSize: number, outSize: number): Int32Array {
  const a = inSize / outSize;
  const idx = new Int32Array(outSize);
  let xo = a * 0.5;
  for (let x = 0; x < outSize; x++) {
    idx[x] = Math.min(Math.trunc(xo), inSize - 1);
    xo += a;
  }
  return idx;
}

/**
 * One f32 table for kernels/corrupt-digital.wgsl corrupt_digital_pixelate_u8 (all entries are integers below
 * 2²⁴, so exact): [kh, kv, nearest column (W), nearest row (H), per low-res column (first, count, kh weights),
 * per low-res row (first, count, kv weights)].
 */
export function pixelateTable(h: number, w: number, lh: number, lw: number): Float32Array {
  const hx = pilBoxCoeffs(w, lw);
  const vy = pilBoxCoeffs(h, lh);
  const out: number[] = [hx.ksize, vy.ksize, ...pilNearestIndex(lw, w), ...pilNearestIndex(lh, h)];
  for (const [c, n] of [[hx, lw], [vy, lh]] as const) {
    for (let a = 0; a < n; a++) out.push(c.first[a], c.count[a], ...c.weights.subarray(a * c.ksize, (a + 1) * c.ksize));
  }
  return Float32Array.from(out);
}
