/**
 * Counter-based random streams for the data layer. Every draw is a pure function of (key, counter), so a
 * sample's augmentation or a synthetic image regenerates identically whatever else was drawn before it, and a
 * run resumed from a checkpoint replays the same numbers. Built on the PCG3D hash of src/ref/random.ts.
 */
import { pcg3d, randNormal, randUniform, streamKey } from '../ref/random.js';

export type Key = readonly [number, number];

/** Key of one item in a keyed family: (seed, a, b) → key, e.g. (loader seed, epoch, dataset index). */
export function itemKey(seed: number, a: number, b: number): Key {
  const [x, y] = pcg3d(seed >>> 0, a >>> 0, b >>> 0);
  return streamKey(x, y);
}

/** A 32-bit id of a string (FNV-1a), for keying streams by names such as a split or a corruption. */
export function nameId(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Rng {
  private ctr = 0;

  constructor(readonly key: Key) {}

  static of(seed: number, a = 0, b = 0): Rng { return new Rng(itemKey(seed, a, b)); }

  /** An independent stream derived from this key; does not advance this stream. */
  fork(stream: number): Rng { return new Rng(itemKey(this.key[0], this.key[1], stream)); }

  /** U[0, 1) with 24-bit resolution. */
  uniform(): number { return randUniform(this.key, this.ctr++); }

  range(lo: number, hi: number): number { return lo + (hi - lo) * this.uniform(); }

  /** Uniform integer in [0, n). */
  int(n: number): number { return Math.min(n - 1, Math.floor(this.uniform() * n)); }

  bernoulli(p: number): boolean { return this.uniform() < p; }

  normal(): number { return randNormal(this.key, this.ctr++); }

  /** Gamma(k, 1) by Marsaglia–Tsang; k < 1 via the U^(1/k) boost. */
  gamma(k: number): number {
    if (k < 1) return this.gamma(k + 1) * Math.pow(1 - this.uniform(), 1 / k);
    const d = k - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const z = this.normal();
      const v = (1 + c * z) ** 3;
      if (v <= 0) continue;
      const u = 1 - this.uniform();
      if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }

  dirichlet(alphas: readonly number[]): number[] {
    const g = alphas.map((a) => this.gamma(a));
    const s = g.reduce((p, q) => p + q, 0);
    return g.map((x) => x / s);
  }

  /** Poisson(λ): Knuth's product for small λ, a rounded normal above 30 (only used to count scattered items). */
  poisson(lambda: number): number {
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const limit = Math.exp(-lambda);
    let k = 0;
    for (let p = this.uniform(); p > limit; p *= this.uniform()) k++;
    return k;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]; p[i] = p[j]; p[j] = t;
    }
    return p;
  }

  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]; }
}
