/**
 * The one random stream. It holds a key and a counter; every draw is a pure function of (key, counter), so a sample's
 * augmentation or a synthetic image regenerates identically whatever else was drawn before it. Numbers for the CPU
 * come from uniform()/normal()/…; keys for the GPU random ops (dropout masks, phase noise) come from next(). A stream
 * made from a seed saves as (seed, counter) in a checkpoint, so --resume replays the same masks.
 */
import { pcg3d, itemKey, randNormal, randUniform } from './pcg.js';

export type Key = readonly [number, number];

/** The second key word of a seeded stream: next() on it is streamKey(seed, counter). */
const SEEDED = 0x9e3779b9;

export class Rng {
  readonly key: Key;

  /** From a key, or from a seed (the stream whose n-th next() is streamKey(seed, n)). */
  constructor(key: Key | number, public counter = 0) {
    this.key = typeof key === 'number' ? [key, SEEDED] : key;
  }

  static of(seed: number, a = 0, b = 0): Rng { return new Rng(itemKey(seed, a, b)); }

  get seed(): number { return this.key[0]; }

  /** The next key from this stream, for a GPU random op. */
  next(): [number, number] {
    const [x, y] = pcg3d(this.key[0] >>> 0, this.counter++ >>> 0, this.key[1] >>> 0);
    return [x, y];
  }

  /** What a checkpoint saves of a seeded stream. */
  state(): { seed: number; counter: number } { return { seed: this.seed, counter: this.counter }; }

  /** An independent stream derived from this key; does not advance this stream. */
  fork(stream: number): Rng { return new Rng(itemKey(this.key[0], this.key[1], stream)); }

  /** U[0, 1) with 24-bit resolution. */
  uniform(): number { return randUniform(this.key, this.counter++); }

  range(lo: number, hi: number): number { return lo + (hi - lo) * this.uniform(); }

  /** Uniform integer in [0, n). */
  int(n: number): number { return Math.min(n - 1, Math.floor(this.uniform() * n)); }

  bernoulli(p: number): boolean { return this.uniform() < p; }

  normal(): number { return randNormal(this.key, this.counter++); }

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
