/**
 * numpy's legacy `RandomState(seed)` generator (MT19937 seeded by `init_genrand`, as numpy does for an integer
 * seed) and its `shuffle`, so that index shuffles Brain-Score draws with `RandomState(0)` (the I2n halves in
 * brain-score/vision metrics/image_level_behavior) are reproduced exactly rather than only in distribution.
 */
const N = 624, M = 397;

export class MT19937 {
  private readonly mt = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) throw new RangeError(`MT19937: seed must be a 32-bit unsigned integer, got ${seed}`);
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 · prev + i mod 2³², split in 16-bit halves to stay exact in doubles.
      this.mt[i] = ((((prev >>> 16) * 1812433253) << 16) + (prev & 0xffff) * 1812433253 + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  /** The next tempered 32-bit output. */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    return (y ^ (y >>> 18)) >>> 0;
  }

  /** numpy's legacy bounded integer in [0, max] for max < 2³²: masked rejection sampling. */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1; mask |= mask >>> 2; mask |= mask >>> 4; mask |= mask >>> 8; mask |= mask >>> 16;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /** `RandomState.shuffle(list)` in place (Fisher–Yates from the end, as numpy's legacy shuffle). */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.interval(i);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}
