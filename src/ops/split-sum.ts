/**
 * Deferred split-K sums. conv2d's weight gradient is reduced over output rows in `splits` partial sums
 * [splits, ...shape]; instead of one reduce dispatch per conv, the backward pass queues them here and sums every
 * queued one together, up to 8 per dispatch, when something is about to read one (the autograd flushes before a
 * rule or an accumulation touches a deferred gradient, and at the end of backward). The values are bit-identical
 * to sum(part, 0).
 */
import type { Engine } from '../engine.js';
import type { Storage, Tensor } from '../tensor/tensor.js';
import { grid1d, run } from './dispatch.js';

interface Pending { part: Tensor; out: Tensor; splits: number }

const queues = new WeakMap<Engine, Pending[]>();
/** Storages of outputs not yet summed (a view of one shares it). */
const deferred = new WeakSet<Storage>();
/** Queued partials past this many bytes are summed at once, so a deep network's backward holds little extra memory. */
const MAX_QUEUED_BYTES = 64 << 20;

/** An uninitialised tensor of `shape` that the next flush fills with sum(part, 0); takes ownership of `part`. */
export function deferSplitSum(part: Tensor, shape: readonly number[]): Tensor {
  const e = part.engine;
  const out = e.empty(shape, 'f32', 'split sum');
  const q = queues.get(e) ?? [];
  queues.set(e, q);
  q.push({ part: part.keep(), out, splits: part.shape[0] });
  deferred.add(out.storage);
  if (q.reduce((b, p) => b + p.part.bytes, 0) > MAX_QUEUED_BYTES) flushSplitSums(e);
  return out;
}

/** Whether `t` is a deferred sum not computed yet. */
export function isDeferred(t: Tensor | null | undefined): boolean {
  return !!t && !t.disposed && deferred.has(t.storage);
}

/** Computes every queued sum of this engine: ⌈queued / slots⌉ dispatches. */
export function flushSplitSums(e: Engine): void {
  const all = queues.get(e);
  if (!all?.length) return;
  queues.set(e, []);
  // A gradient freed unread needs no sum.
  const q = all.filter((p) => !p.out.disposed);
  const slots = e.limits.maxStorageBuffersPerShaderStage >= 16 ? 8 : 4;
  for (let i = 0; i < q.length; i += slots) {
    const group = q.slice(i, i + slots);
    const tensors: Record<string, Tensor> = {};
    group.forEach((p, k) => { tensors[`part${k}`] = p.part; tensors[`out${k}`] = p.out; });
    // Unused slots: distinct throwaway buffers (one writable buffer may not be bound twice), never read (n = 0).
    for (let k = group.length; k < slots; k++) { tensors[`part${k}`] = e.empty([1]); tensors[`out${k}`] = e.empty([1]); }
    const pad = (v: number[]) => [...v, ...new Array(8 - v.length).fill(0)];
    const n = group.map((p) => p.out.size);
    run('split-sum', slots === 8 ? 'split_sum_slots8_multi' : 'split_sum_slots4', tensors, { n: pad(n), splits: pad(group.map((p) => p.splits)) },
      [...grid1d(Math.max(...n), 64).slice(0, 2), group.length] as [number, number, number]);
    for (let k = group.length; k < slots; k++) { tensors[`part${k}`].dispose(); tensors[`out${k}`].dispose(); }
  }
  dropAll(all);
}

/** Forgets the queued sums without computing them (a backward pass that failed midway). */
export function dropSplitSums(e: Engine): void {
  dropAll(queues.get(e) ?? []);
  queues.set(e, []);
}

function dropAll(q: Pending[]): void {
  for (const p of q) {
    if (!p.out.disposed) deferred.delete(p.out.storage);
    p.part.dispose();
  }
}
