/**
 * The engine's counter-based generator: PCG3D (Jarzynski & Olano 2020), bit-exact with kernels/lib/random.wgsl, so
 * the CPU and the GPU draw the same numbers from the same (key, counter). Every draw is a pure function of its key
 * and counter: nothing depends on what was drawn before.
 */

export function pcg3d(a: number, b: number, c: number): [number, number, number] {
  let x = (Math.imul(a, 1664525) + 1013904223) >>> 0;
  let y = (Math.imul(b, 1664525) + 1013904223) >>> 0;
  let z = (Math.imul(c, 1664525) + 1013904223) >>> 0;
  x = (x + Math.imul(y, z)) >>> 0; y = (y + Math.imul(z, x)) >>> 0; z = (z + Math.imul(x, y)) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0; y = (y ^ (y >>> 16)) >>> 0; z = (z ^ (z >>> 16)) >>> 0;
  x = (x + Math.imul(y, z)) >>> 0; y = (y + Math.imul(z, x)) >>> 0; z = (z + Math.imul(x, y)) >>> 0;
  return [x, y, z];
}

export function randU32x2(key: readonly [number, number], ctr: number): [number, number] {
  const [x, y] = pcg3d(ctr >>> 0, key[0] >>> 0, key[1] >>> 0);
  return [x, y];
}

export function u32ToUnit(u: number): number {
  return (u >>> 8) / 16777216;
}

export function randUniform(key: readonly [number, number], ctr: number): number {
  return u32ToUnit(randU32x2(key, ctr)[0]);
}

export function randNormal(key: readonly [number, number], ctr: number): number {
  const [a, b] = randU32x2(key, ctr);
  return Math.sqrt(-2 * Math.log(1 - u32ToUnit(a))) * Math.cos(2 * Math.PI * u32ToUnit(b));
}

/** A stream key from a seed and a stream id (e.g. a layer's dropout, a step number). */
export function streamKey(seed: number, stream: number): [number, number] {
  const [x, y] = pcg3d(seed >>> 0, stream >>> 0, 0x9e3779b9);
  return [x, y];
}

/** Key of one item in a keyed family: (seed, a, b) → key, e.g. (loader seed, epoch, dataset index). */
export function itemKey(seed: number, a: number, b: number): [number, number] {
  const [x, y] = pcg3d(seed >>> 0, a >>> 0, b >>> 0);
  return streamKey(x, y);
}

/** The 32-bit FNV-1a hash of a string, for keying streams by names (a split, a corruption, a parameter path). */
export function nameId(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
