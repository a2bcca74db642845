/**
 * From a sweep file to trials: the explicit list × the grid × the random draws × the seeds, in that order (the
 * last factor varies fastest), each trial a set of dotted-path values written into a copy of the base config.
 * A search proposes its trials round by round from the results so far (proposeRound).
 */
import { ConfigError } from '../errors.js';
import { Rng } from '../random/rng.js';
import { samplePoint, type Point, type Space } from '../convrnn/search/space.js';
import { tpeSuggest, type Observation } from '../convrnn/search/tpe.js';
import type { SearchSpec, SweepSpec } from './spec.js';

export type Params = Record<string, unknown>;
export interface TrialPlan { id: number; params: Params }

/** A copy of `base` with each dotted path of `params` set (intermediate objects made as needed). */
export function applyParams(base: Record<string, unknown>, params: Params, where = 'sweep'): Record<string, unknown> {
  const out = structuredClone(base);
  for (const [p, v] of Object.entries(params)) {
    const keys = p.split('.');
    let o: Record<string, unknown> = out;
    keys.slice(0, -1).forEach((k, i) => {
      const next = o[k];
      if (next === undefined || next === null) o[k] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) throw new ConfigError(`${where}: '${p}': base field '${keys.slice(0, i + 1).join('.')}' is ${JSON.stringify(next)}, not an object`);
      o = o[k] as Record<string, unknown>;
    });
    o[keys.at(-1)!] = structuredClone(v);
  }
  return out;
}

function product(factors: Params[][]): Params[] {
  return factors.reduce<Params[]>((acc, f) => acc.flatMap((a) => f.map((b) => ({ ...a, ...b }))), [{}]);
}

/** Every trial of a sweep with `vary` (a search has none up front). Ids count from 0 in expansion order. */
export function expandTrials(s: SweepSpec): TrialPlan[] {
  const v = s.vary;
  if (!v) return [];
  const factors: Params[][] = [];
  if (v.list) factors.push(v.list);
  if (v.grid) for (const [p, values] of Object.entries(v.grid)) factors.push(values.map((x) => ({ [p]: x })));
  if (v.random) {
    const space = v.random.space as Space;
    factors.push(Array.from({ length: v.random.count }, (_, i) => samplePoint(space, Rng.of(v.random!.seed, 0x5eed, i))));
  }
  if (v.seeds) {
    const { path, values } = Array.isArray(v.seeds) ? { path: 'seed', values: v.seeds } : v.seeds;
    factors.push(values.map((x) => ({ [path]: x })));
  }
  return product(factors).map((params, id) => ({ id, params }));
}

export interface Finished { id: number; params: Params; metric: number | null }

/**
 * Trials `first … first + n − 1` of a search, proposed from the finished trials before `first` (failed ones, with no
 * metric, are left out, as hyperopt leaves out failed trials). Each proposal draws from its own Rng keyed by the
 * trial id, as runSearch does, so a resumed search proposes what an uninterrupted one would.
 */
export function proposeRound(s: SearchSpec, goal: 'max' | 'min', finished: readonly Finished[], first: number, n: number): TrialPlan[] {
  const space = s.space as Space;
  const history: Observation[] = finished.filter((f) => f.id < first && f.metric !== null && Number.isFinite(f.metric))
    .map((f) => ({ point: f.params as Point, loss: goal === 'max' ? -f.metric! : f.metric! }));
  const startup = s.startup ?? Math.min(10, Math.max(2, Math.floor(s.trials / 2)));
  return Array.from({ length: Math.min(n, s.trials - first) }, (_, k) => {
    const id = first + k;
    const rng = Rng.of(s.seed, 0x5ea7c4, id);
    const point = s.algo === 'tpe' ? tpeSuggest(space, history, rng, { startup }) : samplePoint(space, rng);
    return { id, params: point };
  });
}
