/** CPU mirror of kernels/lib/random.wgsl (bit-exact for the integer hash). */

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
