/**
 * Deterministic parameter initialisers on the CPU (PyTorch's formulas), keyed by (seed, parameter name)
 * so a model's initial weights depend only on the seed, not on construction order.
 */
import { nameId, randNormal, randUniform, streamKey } from '../random/pcg.js';

export class Initializer {
  constructor(readonly seed: number) {}

  #key(name: string): [number, number] { return streamKey(this.seed, nameId(name)); }

  normal(n: number, name: string, std: number, mean = 0): Float32Array {
    const k = this.#key(name);
    return Float32Array.from({ length: n }, (_, i) => mean + std * randNormal(k, i));
  }

  uniform(n: number, name: string, bound: number): Float32Array {
    const k = this.#key(name);
    return Float32Array.from({ length: n }, (_, i) => (2 * randUniform(k, i) - 1) * bound);
  }

  /** torch.nn.init.kaiming_normal_(mode='fan_in', nonlinearity='relu'): std = √2/√fan_in. */
  kaimingNormal(n: number, fanIn: number, name: string): Float32Array {
    return this.normal(n, name, Math.SQRT2 / Math.sqrt(fanIn));
  }

  /** PyTorch's default conv/linear weight init: kaiming_uniform(a=√5) ⇒ bound = 1/√fan_in. */
  defaultWeight(n: number, fanIn: number, name: string): Float32Array {
    return this.uniform(n, name, 1 / Math.sqrt(fanIn));
  }

  /** PyTorch's default bias init: U(−1/√fan_in, 1/√fan_in). */
  defaultBias(n: number, fanIn: number, name: string): Float32Array {
    return this.uniform(n, name, 1 / Math.sqrt(fanIn));
  }
}
