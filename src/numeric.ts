/** Python and numpy numerics that the authors' code relies on, reproduced exactly where our results depend on them. */

/** Python's round(): half to even (scipy's zoom output size, numpy.round). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * numpy.arange(start, stop, step) as numpy computes it: ⌈(stop − start)/step⌉ values start + i·δ with
 * δ = (start + step) − start (numpy fills from its first two values), which is not always start + i·step:
 * arange(1, 1.21, 0.02)[10] is 1.2000000000000002, and ⌈36/z⌉ of zoom blur's crop depends on that last bit.
 */
export function arange(start: number, stop: number, step: number): number[] {
  const delta = start + step - start;
  return Array.from({ length: Math.ceil((stop - start) / step) }, (_, i) => start + i * delta);
}

/**
 * mei.legacy.ops.GaussianBlur's window: half-size max(round(truncate·σ), 1) with Python's rounding,
 * exp(−n²/2σ²) (scipy.signal.gaussian), normalised to sum 1 per axis (the original divides by both sums).
 */
export function blurWeights(sigma: number, truncate = 4): Float64Array {
  const half = Math.max(roundHalfEven(sigma * truncate), 1);
  const w = Float64Array.from({ length: 2 * half + 1 }, (_, i) => Math.exp(-0.5 * ((i - half) / sigma) ** 2));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}
