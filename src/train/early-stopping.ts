/**
 * The recipes' training control (Shahdsaf/nntransfer_recipes' NeurIPS 2021 configs; neural_cotraining trainer/early_stopping.py and
 * torch.optim.lr_scheduler.ReduceLROnPlateau), evaluated once per epoch on a validation metric:
 *   - ReduceLROnPlateau: lr ← max(lr·factor, minLr) after more than `patience` epochs without improvement beyond
 *     `threshold` (relative: best·(1 ± threshold); absolute: best ± threshold), torch's semantics, cooldown 0;
 *   - early stopping with restarts: the objective of the untrained model is the first best; an epoch improves when
 *     it beats the best by more than `tolerance` (absolute). A new best is snapshotted; `patience` + 1 epochs in a
 *     row without improvement (the original's counter starts at −1) end a round: the best weights are restored
 *     (the original's decay_lr with restore_best) and the next round starts. After `restarts` rounds, or at
 *     `maxEpochs`, training stops with the best weights restored.
 * The snapshot is a GPU copy of the model's state dict (parameters and BN buffers), so nothing is read back.
 */
import type { HostTensor, Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import { copyInto } from '../ops/movement.js';

export type MetricMode = 'max' | 'min';

export interface PlateauOptions {
  mode: MetricMode;
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  minLr: number;
}

export interface PlateauState { lr: number; best: number | null; bad: number }

/** torch.optim.lr_scheduler.ReduceLROnPlateau (cooldown 0, eps 1e-8). */
export class ReduceLROnPlateau {
  #lr: number;
  #best: number;
  #bad = 0;
  /** How many times the rate was reduced. */
  reductions = 0;

  constructor(lr: number, readonly opts: PlateauOptions) {
    if (!(lr > 0)) throw new ShapeError(`ReduceLROnPlateau: lr ${lr} must be > 0`);
    // factor 1 never reduces (train's config allows it); torch asks for < 1.
    if (!(opts.factor > 0 && opts.factor <= 1)) throw new ShapeError(`ReduceLROnPlateau: factor ${opts.factor} must be in (0, 1]`);
    if (!(Number.isInteger(opts.patience) && opts.patience >= 0)) throw new ShapeError(`ReduceLROnPlateau: patience ${opts.patience} must be an integer ≥ 0`);
    this.#lr = lr;
    this.#best = opts.mode === 'max' ? -Infinity : Infinity;
  }

  get lr(): number { return this.#lr; }

  /** What a checkpoint keeps to resume the schedule (`best` null before the first metric: JSON has no ±Infinity). */
  state(): PlateauState { return { lr: this.#lr, best: Number.isFinite(this.#best) ? this.#best : null, bad: this.#bad }; }

  load(s: PlateauState): void {
    this.#lr = s.lr;
    this.#best = s.best ?? (this.opts.mode === 'max' ? -Infinity : Infinity);
    this.#bad = s.bad;
  }

  isBetter(metric: number, best: number): boolean {
    const { mode, threshold: t, thresholdMode } = this.opts;
    if (mode === 'max') return thresholdMode === 'rel' ? metric > best * (1 + t) : metric > best + t;
    return thresholdMode === 'rel' ? metric < best * (1 - t) : metric < best - t;
  }

  /** Feeds one epoch's metric; returns true when the rate was reduced. */
  step(metric: number): boolean {
    if (this.isBetter(metric, this.#best)) { this.#best = metric; this.#bad = 0; return false; }
    if (++this.#bad <= this.opts.patience) return false;
    this.#bad = 0;
    const next = Math.max(this.#lr * this.opts.factor, this.opts.minLr);
    // torch skips updates smaller than eps, so a rate already at minLr stays put.
    if (this.#lr - next <= 1e-8) return false;
    this.#lr = next;
    this.reductions++;
    return true;
  }
}

export interface StoppingOptions {
  mode: MetricMode;
  /** Epochs without improvement tolerated in a round (the round ends on the next one). */
  patience: number;
  /** Absolute improvement needed to count as better. */
  tolerance: number;
  /** Rounds before stopping (lr_decay_steps). */
  restarts: number;
  maxEpochs: number;
}

export type StopAction = 'improved' | 'wait' | 'restore' | 'stop';

/** What a checkpoint keeps to resume early stopping (`best` null while it is ±Infinity: JSON has none). */
export interface StoppingState { best: number | null; bestEpoch: number; epoch: number; round: number; counter: number }

/** The early-stopping bookkeeping alone (no weights): what to do after each epoch's metric. */
export class EarlyStopping {
  best: number;
  bestEpoch = 0;
  epoch = 0;
  round = 0;
  #counter = -1;

  constructor(initial: number, readonly opts: StoppingOptions) {
    if (!(Number.isInteger(opts.patience) && opts.patience >= 0)) throw new ShapeError(`EarlyStopping: patience ${opts.patience} must be an integer ≥ 0`);
    if (!(Number.isInteger(opts.restarts) && opts.restarts >= 1)) throw new ShapeError(`EarlyStopping: restarts ${opts.restarts} must be an integer ≥ 1`);
    if (!(Number.isInteger(opts.maxEpochs) && opts.maxEpochs >= 1)) throw new ShapeError(`EarlyStopping: maxEpochs ${opts.maxEpochs} must be an integer ≥ 1`);
    // A NaN start (e.g. the correlation of a constant prediction) must not block every later improvement.
    this.best = Number.isFinite(initial) ? initial : (opts.mode === 'max' ? -Infinity : Infinity);
  }

  get done(): boolean { return this.round >= this.opts.restarts || this.epoch >= this.opts.maxEpochs; }

  /** Stopped by the criterion (restarts used up or a non-finite metric), not by the epoch cap. */
  get byCriterion(): boolean { return this.round >= this.opts.restarts; }

  state(): StoppingState {
    return { best: Number.isFinite(this.best) ? this.best : null, bestEpoch: this.bestEpoch, epoch: this.epoch, round: this.round, counter: this.#counter };
  }

  load(s: StoppingState): void {
    this.best = s.best ?? (this.opts.mode === 'max' ? -Infinity : Infinity);
    this.bestEpoch = s.bestEpoch;
    this.epoch = s.epoch;
    this.round = s.round;
    this.#counter = s.counter;
  }

  /**
   * The action after an epoch with `metric`: 'improved' (snapshot the weights), 'wait', 'restore' (load the best
   * weights, continue) or 'stop' (load the best weights, end). A non-finite metric stops at once, as the original does.
   */
  observe(metric: number): StopAction {
    if (this.done) throw new ShapeError('EarlyStopping: observe() after the stop');
    this.epoch++;
    if (!Number.isFinite(metric)) { this.round = this.opts.restarts; return 'stop'; }
    const better = this.opts.mode === 'max' ? metric > this.best + this.opts.tolerance : metric < this.best - this.opts.tolerance;
    let action: StopAction;
    if (better) {
      this.best = metric;
      this.bestEpoch = this.epoch;
      this.#counter = -1;
      action = 'improved';
    } else {
      this.#counter++;
      action = 'wait';
      if (this.#counter >= this.opts.patience) {
        this.round++;
        this.#counter = -1;
        action = 'restore';
      }
    }
    return this.done ? 'stop' : action;
  }
}

/** A GPU copy of a module's state dict (parameters and buffers), for restore-best. */
export class StateSnapshot {
  readonly #copies = new Map<string, Tensor>();

  constructor(readonly module: Module) {
    this.save();
  }

  /** Overwrites the snapshot with the module's current state. */
  save(): void {
    const e = this.module.engine;
    for (const [name, t] of this.module.stateDict()) {
      let c = this.#copies.get(name);
      if (!c) { c = e.empty(t.shape, t.dtype, `snapshot ${name}`).keep(); this.#copies.set(name, c); }
      copyInto(c, t);
    }
  }

  /** The snapshot's tensors by state-dict name (owned here: do not dispose). */
  entries(): IterableIterator<[string, Tensor]> { return this.#copies.entries(); }

  /** Overwrites the snapshot with host tensors (a checkpoint's copy of it); names and sizes must match. */
  load(state: ReadonlyMap<string, HostTensor>, where: string): void {
    for (const [name, c] of this.#copies) {
      const src = state.get(name);
      if (!src || src.data.length !== c.size) throw new ShapeError(`${where}: the best-weights snapshot lacks '${name}' or has the wrong size`);
      c.write(c.dtype === 'i32' ? Int32Array.from(src.data) : Float32Array.from(src.data));
    }
  }

  /** Writes the snapshot back into the module. */
  restore(): void {
    for (const [name, t] of this.module.stateDict()) {
      const c = this.#copies.get(name);
      if (!c) throw new ShapeError(`StateSnapshot: '${name}' appeared after the snapshot`);
      copyInto(t, c);
    }
  }

  dispose(): void {
    for (const c of this.#copies.values()) c.dispose();
    this.#copies.clear();
  }
}

export interface ControlOptions { plateau: PlateauOptions; stopping: Omit<StoppingOptions, 'mode'> }

export interface ControlState { scheduler: PlateauState; reductions: number; stopping: StoppingState }

export interface EpochDecision {
  action: StopAction;
  lr: number;
  /** The rate was reduced this epoch. */
  reduced: boolean;
  best: number;
}

/**
 * ReduceLROnPlateau and early stopping on one metric, with the best weights kept on the GPU: `start` with the
 * untrained model's metric, then `endEpoch` after every epoch; `finish` restores the best weights.
 */
export class TrainingControl {
  readonly scheduler: ReduceLROnPlateau;
  readonly stopping: EarlyStopping;
  readonly #snapshot: StateSnapshot;

  constructor(readonly module: Module, lr: number, initialMetric: number, opts: ControlOptions) {
    this.scheduler = new ReduceLROnPlateau(lr, opts.plateau);
    this.stopping = new EarlyStopping(initialMetric, { ...opts.stopping, mode: opts.plateau.mode });
    this.#snapshot = new StateSnapshot(module);
  }

  get lr(): number { return this.scheduler.lr; }
  get done(): boolean { return this.stopping.done; }
  /** The best weights so far (for a checkpoint). */
  get snapshot(): StateSnapshot { return this.#snapshot; }

  state(): ControlState { return { scheduler: this.scheduler.state(), reductions: this.scheduler.reductions, stopping: this.stopping.state() }; }

  /** Resumes the schedule and the stopping rule; the snapshot is loaded separately (snapshot.load). */
  load(s: ControlState): void {
    this.scheduler.load(s.scheduler);
    this.scheduler.reductions = s.reductions;
    this.stopping.load(s.stopping);
  }

  endEpoch(metric: number): EpochDecision {
    const reduced = Number.isFinite(metric) ? this.scheduler.step(metric) : false;
    const action = this.stopping.observe(metric);
    if (action === 'improved') this.#snapshot.save();
    if (action === 'restore') this.#snapshot.restore();
    // A stop on an improving epoch keeps the current weights, which the snapshot then holds.
    if (action === 'stop') {
      if (this.stopping.bestEpoch === this.stopping.epoch) this.#snapshot.save();
      this.#snapshot.restore();
    }
    return { action, lr: this.scheduler.lr, reduced, best: this.stopping.best };
  }

  /** Restores the best weights and frees the snapshot. */
  finish(): void {
    this.#snapshot.restore();
    this.#snapshot.dispose();
  }
}
