/**
 * Percentile bootstrap confidence intervals over independent runs (seeds), drawn from the counter-based RNG so an
 * interval is reproducible from its seed alone.
 */
import { ShapeError } from '../errors.js';
import { randUniform, streamKey } from '../random/pcg.js';

export interface BootstrapOptions {
  /** Bootstrap replicates (default 10000). */
  resamples?: number;
  /** Central coverage of the interval (default 0.95). */
  level?: number;
  seed?: number;
}

export interface BootstrapResult {
  /** The statistic on the original samples. */
  estimate: number;
  lo: number;
  hi: number;
  level: number;
  resamples: number;
}

/** A random permutation of 0..n−1 (Fisher–Yates on `randUniform(key, i)`). */
export function permutation(n: number, key: readonly [number, number]): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(randUniform(key, i) * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Linear-interpolated quantile of sorted values (numpy `percentile`, method 'linear'). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Percentile bootstrap of a statistic over several independent groups (e.g. the seeds of two models): each
 * replicate resamples every group with replacement, independently, and evaluates `statistic` on the result.
 */
export function bootstrapGroups<T>(groups: readonly (readonly T[])[], statistic: (groups: T[][]) => number, opts: BootstrapOptions = {}): BootstrapResult {
  const resamples = opts.resamples ?? 10000;
  const level = opts.level ?? 0.95;
  if (groups.length === 0 || groups.some((g) => g.length === 0)) throw new ShapeError('bootstrap: every group needs at least one sample');
  if (!(level > 0 && level < 1)) throw new ShapeError(`bootstrap: level ${level} is not in (0, 1)`);
  const estimate = statistic(groups.map((g) => g.slice()));
  const key = streamKey(opts.seed ?? 0, 0xb0075);
  const stats = new Float64Array(resamples);
  let ctr = 0;
  for (let b = 0; b < resamples; b++) {
    const drawn = groups.map((g) => Array.from({ length: g.length }, () => g[Math.floor(randUniform(key, ctr++) * g.length)]));
    stats[b] = statistic(drawn);
    if (Number.isNaN(stats[b])) throw new ShapeError(`bootstrap: the statistic returned NaN on replicate ${b}`);
  }
  stats.sort();
  const tail = (1 - level) / 2;
  return { estimate, lo: quantileSorted(stats, tail), hi: quantileSorted(stats, 1 - tail), level, resamples };
}

/** Percentile bootstrap interval of a statistic (default: the mean) of one set of per-seed values. */
export function bootstrapCI(values: ArrayLike<number>, opts: BootstrapOptions & { statistic?: (x: number[]) => number } = {}): BootstrapResult {
  const statistic = opts.statistic ?? ((x: number[]) => x.reduce((a, b) => a + b, 0) / x.length);
  return bootstrapGroups([Array.from(values)], (g) => statistic(g[0]), opts);
}
