/** Python and numpy numerics that the authors' code relies on, reproduced exactly where our results depend on them. */

/** Python's round(): half to even (scipy's zoom output size, numpy.round). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** numpy.arange(start, stop, step) as numpy computes it: ⌈(stop − start)/step⌉ values start + i·step. */
export function arange(start: number, stop: number, step: number): number[] {
  return Array.from({ length: Math.ceil((stop - start) / step) }, (_, i) => start + i * step);
}
