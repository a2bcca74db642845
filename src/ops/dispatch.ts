/** Shared helpers for op dispatchers: grids, binding tensors and input checks. */
import type { Tensor } from '../tensor/tensor.js';
import type { ParamValues } from '../gpu/params.js';
import type { Overrides } from '../gpu/pipeline-cache.js';
import { ShapeError } from '../errors.js';
import { fmt } from '../tensor/shape.js';

export const WG = 256;
const MAX_X = 65535;

/** Workgroup grid for `n` independent items, folded to 2-D past 65,535 workgroups (kernels use flat_id). */
export function grid1d(n: number, wg = WG): [number, number, number] {
  const groups = Math.ceil(n / wg);
  if (groups <= MAX_X) return [groups, 1, 1];
  return [MAX_X, Math.ceil(groups / MAX_X), 1];
}

/** Dispatches one kernel over tensors. Params given as a function are re-read at each replay of a capture. */
export function run(file: string, entry: string, tensors: Record<string, Tensor>, params: ParamValues | (() => ParamValues),
  grid: [number, number?, number?], overrides?: Overrides): void {
  const first = Object.values(tensors)[0];
  const bindings: Record<string, ReturnType<Tensor['binding']>> = {};
  for (const [k, t] of Object.entries(tensors)) bindings[k] = t.binding();
  first.engine.runtime.dispatch({ file, entry, bindings, params, grid, overrides });
}

/** Throws a ShapeError naming the op unless every tensor is f32. */
export function expectF32(op: string, ...ts: Tensor[]): void {
  for (const t of ts) if (t.dtype !== 'f32') throw new ShapeError(`${op}: expected f32, got ${t.describe()}`);
}

export function expectRank(op: string, t: Tensor, rank: number, what = 'input'): void {
  if (t.rank !== rank) throw new ShapeError(`${op}: ${what} must have rank ${rank}, got ${t.describe()}`);
}

export function expectSameEngine(op: string, ...ts: Tensor[]): void {
  const e = ts[0].engine;
  for (const t of ts) if (t.engine !== e) throw new ShapeError(`${op}: tensors from different engines`);
}

/** Packs up to 8 dims into the layout of array<vec4<u32>, 2>. */
export function dims8(d: readonly number[], op: string): number[] {
  if (d.length > 8) throw new ShapeError(`${op}: rank ${d.length} > 8 is not supported (${fmt(d)})`);
  return [...d, ...new Array(8 - d.length).fill(0)];
}
