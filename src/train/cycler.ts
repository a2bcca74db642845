/**
 * Batch-ratio cycling of several tasks with one optimiser step per cycle (sinzlab/neural_cotraining
 * `MTL_Cycler` and neuralpredictors `LongCycler`):
 *   MTL_Cycler (a main task):  per main batch, `ratio` batches of the other tasks (visited in turn, the turn carrying
 *                              over from cycle to cycle, as `next(cycle(others))` does), then the main batch;
 *   LongCycler (no main task): one batch of every task, in order.
 * Every batch's loss is back-propagated as soon as it is computed, so gradients add up in the parameters' `.grad`;
 * the optimiser steps once, after the cycle's last batch, and the gradients are then cleared. A cycle reads nothing
 * back: the per-task losses come back as GPU scalars for the caller to accumulate and read when it likes.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Optimizer } from '../optim/optimizer.js';
import { ShapeError } from '../errors.js';
import { add } from '../ops/elementwise.js';

export interface CycleTask {
  /** Key of the task's losses in a cycle's result (e.g. 'img_classification', or a session id). */
  readonly name: string;
  /**
   * Fetches the task's next batch (async: loaders prefetch) and returns the function that computes its scalar loss.
   * That function runs inside a scope with gradients on; what it creates besides the loss is freed after backward.
   */
  next(): Promise<() => Tensor>;
}

export interface CyclerOptions {
  /** The task that closes every cycle (classification); null for a LongCycler over `others`. */
  main: CycleTask | null;
  /** The other tasks: neural sessions under MTL, or every session of a single-task neural model. */
  others: readonly CycleTask[];
  /** Batches of `others` per main batch (MTL_Cycler ratio, an integer ≥ 1); ignored without a main task. */
  ratio?: number;
}

export class BatchCycler {
  readonly main: CycleTask | null;
  readonly others: readonly CycleTask[];
  readonly ratio: number;
  /** Which of `others` comes next (the state of `cycle(others)`). */
  #turn = 0;
  #cycles = 0;

  constructor(readonly engine: Engine, readonly optimizer: Optimizer, opts: CyclerOptions) {
    this.main = opts.main;
    this.others = opts.others;
    this.ratio = opts.ratio ?? 1;
    if (!this.main && this.others.length === 0) throw new ShapeError('BatchCycler: no tasks');
    if (this.main && !(Number.isInteger(this.ratio) && this.ratio >= 0)) throw new ShapeError(`BatchCycler: ratio ${this.ratio} must be an integer ≥ 0`);
    if (this.main && this.ratio > 0 && this.others.length === 0) throw new ShapeError(`BatchCycler: ratio ${this.ratio} with no other tasks`);
    const names = [this.main, ...this.others].filter((t): t is CycleTask => t !== null).map((t) => t.name);
    if (new Set(names).size !== names.length) throw new ShapeError(`BatchCycler: task names repeat (${names.join(', ')})`);
  }

  /** Cycles (= optimiser steps) run so far. */
  get cycles(): number { return this.#cycles; }

  /** What a checkpoint keeps to resume the cycling exactly. */
  state(): { turn: number; cycles: number } { return { turn: this.#turn, cycles: this.#cycles }; }

  load(s: { turn: number; cycles: number }): void {
    this.#turn = s.turn;
    this.#cycles = s.cycles;
  }

  /** The tasks of the next cycle, in order (does not advance). */
  plan(): CycleTask[] {
    if (!this.main) return [...this.others];
    const out: CycleTask[] = [];
    for (let j = 0; j < this.ratio; j++) out.push(this.others[(this.#turn + j) % this.others.length]);
    out.push(this.main);
    return out;
  }

  /**
   * Runs one cycle: each planned batch's loss, backward (accumulating), then one optimiser step and zeroGrad.
   * Returns each task's summed loss of the cycle as a kept scalar the caller disposes.
   */
  async cycle(): Promise<Map<string, Tensor>> {
    const plan = this.plan();
    const losses = new Map<string, Tensor>();
    try {
      for (const task of plan) {
        const compute = await task.next();
        const loss = this.engine.scope(() => {
          const l = compute();
          if (l.size !== 1) throw new ShapeError(`BatchCycler: task '${task.name}' returned a loss ${l.describe()}, not a scalar`);
          this.engine.backward(l);
          return l;
        }).keep();
        const prev = losses.get(task.name);
        if (prev) {
          // The detached sum of a task's batches in this cycle (no graph: backward already ran).
          const s = this.engine.noGrad(() => this.engine.scope(() => add(prev, loss))).keep();
          prev.dispose();
          loss.dispose();
          losses.set(task.name, s);
        } else {
          losses.set(task.name, loss);
        }
      }
    } catch (e) {
      for (const t of losses.values()) t.dispose();
      this.optimizer.zeroGrad();
      throw e;
    }
    this.optimizer.step();
    this.optimizer.zeroGrad();
    if (this.main) this.#turn = (this.#turn + this.ratio) % Math.max(1, this.others.length);
    this.#cycles++;
    return losses;
  }
}

/**
 * Sums per-task loss scalars over many cycles on the GPU, so a training loop reads them back once per epoch.
 */
export class LossAccumulator {
  readonly #sums = new Map<string, { total: Tensor; count: number }>();

  constructor(readonly engine: Engine) {}

  add(losses: Map<string, Tensor>): void {
    for (const [name, l] of losses) {
      const prev = this.#sums.get(name);
      if (!prev) { this.#sums.set(name, { total: l.view(l.shape).keep(), count: 1 }); continue; }
      const next = this.engine.noGrad(() => this.engine.scope(() => add(prev.total, l))).keep();
      prev.total.dispose();
      this.#sums.set(name, { total: next, count: prev.count + 1 });
    }
    for (const l of losses.values()) l.dispose();
  }

  /** Mean loss per task since the last call (one readback per task); resets. */
  async means(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [name, { total, count }] of this.#sums) {
      out[name] = (await total.item()) / count;
      total.dispose();
    }
    this.#sums.clear();
    return out;
  }

  dispose(): void {
    for (const { total } of this.#sums.values()) total.dispose();
    this.#sums.clear();
  }
}
