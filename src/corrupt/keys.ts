/**
 * The random keys every corruption shares. Image n of a call draws from key pcg3d(first + n, seed, tag), so a
 * result is a pure function of (seed, tag, image index): the same image gets the same corruption in any batch, on
 * the GPU (kernels/lib/corrupt.wgsl) and in the CPU references.
 */
import { pcg3d, u32ToUnit } from '../random/pcg.js';

/** Which random stream a corruption call uses: `tag` packs corruption, severity and sub-stream. */
export interface CorruptKey { seed: number; tag: number; first: number }

/** Sub-stream `s` of a key (the registry leaves the low 4 bits of a tag free for these). */
export function substream(key: CorruptKey, s: number): CorruptKey {
  return { ...key, tag: (key.tag + s) >>> 0 };
}

/** The stream key of image `n` of a call (lib/corrupt.wgsl `image_key`). */
export function imageKey(key: CorruptKey, n: number): [number, number] {
  const [a, b] = pcg3d((key.first + n) >>> 0, key.seed >>> 0, key.tag >>> 0);
  return [a, b];
}

/** Round `round` of the draws at counter `ctr` (lib/corrupt.wgsl `draw`); round 0 is randU32x2. */
export function drawU32(k: readonly [number, number], ctr: number, round: number): [number, number] {
  const [a, b] = pcg3d(ctr >>> 0, (k[0] + Math.imul(round, 0x9e3779b9)) >>> 0, k[1] >>> 0);
  return [a, b];
}

/** `count` uniforms in [0, 1) for image n, counters 0…count−1 (the host-side per-image draws). */
export function imageUniforms(key: CorruptKey, n: number, count: number): number[] {
  const k = imageKey(key, n);
  return Array.from({ length: count }, (_, i) => u32ToUnit(drawU32(k, i, 0)[0]));
}
