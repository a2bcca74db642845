/**
 * An eager, flat tape. Recording order is already topological, so backward walks it in reverse,
 * accumulating gradients by tensor id. Saved tensors are extra handles on the same storage, so a scope
 * may dispose the user's handles without freeing what backward needs; they are freed once used.
 */
import type { Tensor } from '../tensor/tensor.js';

/** What an op keeps for its backward, by name; a name left undefined (a gradient not wanted) keeps nothing. */
export type SaveSpec = Readonly<Record<string, Tensor | undefined>>;

/**
 * `saved`: the record's named tensors (handles of their own); `needs[k]`: whether input k takes a gradient (a rule
 * may skip computing the others). `prior[k]`: the gradient other consumers of input k have already given, when it
 * is the only handle on its storage; a rule may add its own gradient into it in place and return that same tensor
 * (one dispatch less than returning a new one for the autograd to add).
 */
export type GradFn<S extends SaveSpec = SaveSpec> = (grads: (Tensor | null)[], saved: S, needs: readonly boolean[],
  prior: readonly (Tensor | null)[]) => (Tensor | null | undefined)[];

export interface TapeEntry {
  op: string;
  inputs: Tensor[];
  /** Which inputs need a gradient (decided at record time). */
  needs: boolean[];
  outputs: number[];
  saved: Record<string, Tensor | undefined>;
  backward: GradFn;
  live: boolean;
}

export class Tape {
  entries: TapeEntry[] = [];

  push(e: TapeEntry): void { this.entries.push(e); }

  /** Frees every saved tensor and forgets the graph. */
  clear(): void {
    for (const e of this.entries) this.#retire(e);
    this.entries = [];
  }

  #retire(e: TapeEntry): void {
    e.live = false;
    for (const s of Object.values(e.saved)) s?.dispose();
    e.saved = {};
    e.inputs = [];
  }

  retire(e: TapeEntry): void { this.#retire(e); }
}

/** Whether a tensor takes part in gradient flow: a leaf that requires grad, or the output of a live entry. */
export function flowsGrad(t: Tensor): boolean {
  return t.requiresGrad && (t.entry === null || t.entry.live);
}
