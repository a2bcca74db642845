/** A search space written as data: named dimensions (choices, uniform reals, integers), sampled with a seeded Rng. */
import { ConfigError } from '../../errors.js';
import type { Rng } from '../../random/rng.js';

export type Value = string | number | boolean;
export type Dim =
  | { name: string; kind: 'choice'; options: Value[] }
  | { name: string; kind: 'uniform'; low: number; high: number }
  | { name: string; kind: 'int'; low: number; high: number };
export type Space = Dim[];
export type Point = Record<string, Value>;

export function checkSpace(space: Space): void {
  const names = new Set<string>();
  for (const d of space) {
    if (names.has(d.name)) throw new ConfigError(`search space: dimension '${d.name}' appears twice`);
    names.add(d.name);
    if (d.kind === 'choice' && d.options.length === 0) throw new ConfigError(`search space: '${d.name}' has no options`);
    if (d.kind !== 'choice' && !(d.high > d.low)) throw new ConfigError(`search space: '${d.name}' needs high > low`);
  }
}

export function sampleDim(d: Dim, rng: Rng): Value {
  if (d.kind === 'choice') return d.options[rng.int(d.options.length)];
  if (d.kind === 'int') return d.low + rng.int(d.high - d.low + 1);
  return rng.range(d.low, d.high);
}

export function samplePoint(space: Space, rng: Rng): Point {
  return Object.fromEntries(space.map((d) => [d.name, sampleDim(d, rng)]));
}
