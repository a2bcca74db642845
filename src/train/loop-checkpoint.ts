/**
 * The checkpoint of a multi-phase training run (one co-training run: e.g. the Oracle's distorted-pair phase, its
 * retrained head, then its readout), written after every epoch so a killed run continues where it stopped:
 *   model.<name>  the model being trained (or, once a phase is done, its final weights)
 *   best.<name>   the early-stopping snapshot (the best weights so far, restored at the end)
 *   optim.<key>   the optimiser's buffers and step counts
 *   extra.<name>  trainable tensors outside the model (e.g. the learned loss weights)
 * and JSON metadata: each finished phase's LoopResult, and for the phase in progress its initial metric, history,
 * schedule and stopping state, the cycler's turn, the model's random stream and every loader's position. With all
 * of these restored an epoch after the resume computes exactly what it would have without the interruption.
 * Written atomically (src/io/fs.ts): kill -9 mid-write leaves the previous checkpoint whole.
 */
import { existsSync, rmSync } from 'node:fs';
import type { HostTensor, Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';
import type { LoaderPosition } from '../data/loader.js';
import { CheckpointError, readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { toHost } from '../io/state.js';
import type { ControlState, StateSnapshot } from './early-stopping.js';

export const LOOP_CHECKPOINT_FORMAT = 'cortexgpu-loop-checkpoint-v1';

/** The summary of one finished training loop (train-loop.ts LoopResult, repeated here to keep this file below it). */
export interface PhaseResult { [key: string]: unknown }

export interface LoopProgress {
  initial: number;
  history: unknown[];
  control: ControlState;
  cycler: { turn: number; cycles: number };
  /** The model's random stream counter (dropout masks, readout positions); null when it has none. */
  rng: number | null;
  loaders: Record<string, LoaderPosition>;
}

interface Meta {
  /** Finished phases, in order. */
  done: Record<string, PhaseResult>;
  /** Whose weights `model.*` holds: the phase in progress, or the last finished one. */
  weightsOf: string | null;
  active: { phase: string; progress: LoopProgress } | null;
}

export interface LoopParts {
  model: Module;
  optimizer: Optimizer;
  snapshot: StateSnapshot;
  extra: ReadonlyMap<string, Tensor>;
}

const byPrefix = (tensors: Map<string, HostTensor>, prefix: string) =>
  new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));

export class RunCheckpoint {
  #meta: Meta = { done: {}, weightsOf: null, active: null };
  #tensors = new Map<string, HostTensor>();

  /** Opens `path`, reading it when it exists (a fresh run otherwise). */
  constructor(readonly path: string) {
    if (!existsSync(path)) return;
    const { tensors, metadata } = readSafetensors(path);
    if (metadata.format !== LOOP_CHECKPOINT_FORMAT) throw new CheckpointError(`${path}: not a ${LOOP_CHECKPOINT_FORMAT} file (format ${metadata.format ?? 'missing'})`);
    try {
      this.#meta = JSON.parse(metadata.state) as Meta;
    } catch {
      throw new CheckpointError(`${path}: run state metadata is not JSON`);
    }
    this.#tensors = tensors;
  }

  /** The result of `phase` when it finished before. */
  done(phase: string): PhaseResult | undefined { return this.#meta.done[phase]; }

  /** The saved progress of `phase` when it was interrupted. */
  progress(phase: string): LoopProgress | undefined {
    return this.#meta.active?.phase === phase ? this.#meta.active.progress : undefined;
  }

  /** Where loader `name` of `phase` resumes (undefined: from the start). */
  loaderStart(phase: string, name: string): LoaderPosition | undefined { return this.progress(phase)?.loaders[name]; }

  /** Whether the saved `model.*` weights belong to `phase`. */
  holdsWeightsOf(phase: string): boolean { return this.#meta.weightsOf === phase; }

  loadModel(model: Module): void {
    try {
      model.loadStateDict(byPrefix(this.#tensors, 'model.'));
    } catch (e) {
      throw new CheckpointError(`${this.path}: ${(e as Error).message}`);
    }
  }

  /** Restores everything of the interrupted phase but its bookkeeping (returned by progress()). */
  async restore(p: LoopParts): Promise<void> {
    this.loadModel(p.model);
    p.snapshot.load(byPrefix(this.#tensors, 'best.'), this.path);
    const extra = byPrefix(this.#tensors, 'extra.');
    for (const [name, t] of p.extra) {
      const src = extra.get(name);
      if (!src || src.data.length !== t.size) throw new CheckpointError(`${this.path}: lacks tensor 'extra.${name}' or it has the wrong size`);
      t.write(Float32Array.from(src.data));
    }
    const engine = p.model.engine;
    const opt: Record<string, Tensor> = {};
    for (const [k, v] of byPrefix(this.#tensors, 'optim.')) opt[k] = engine.tensor(v.data, v.shape, v.data instanceof Int32Array ? 'i32' : 'f32');
    try {
      await p.optimizer.loadState(opt);
    } catch (e) {
      throw new CheckpointError(`${this.path}: ${(e as Error).message}`);
    } finally {
      for (const t of Object.values(opt)) t.dispose();
    }
  }

  /** Writes the state after an epoch of `phase`. */
  async saveProgress(phase: string, p: LoopParts, progress: LoopProgress): Promise<void> {
    const entries: [string, Tensor][] = [
      ...[...p.model.stateDict()].map(([n, t]): [string, Tensor] => [`model.${n}`, t]),
      ...[...p.snapshot.entries()].map(([n, t]): [string, Tensor] => [`best.${n}`, t]),
      ...[...p.extra].map(([n, t]): [string, Tensor] => [`extra.${n}`, t]),
    ];
    const optState = p.optimizer.state();
    for (const [k, t] of Object.entries(optState)) entries.push([`optim.${k}`, t]);
    try {
      this.#tensors = await toHost(entries);
    } finally {
      for (const t of Object.values(optState)) t.dispose();
    }
    this.#meta = { ...this.#meta, weightsOf: phase, active: { phase, progress } };
    this.#write();
  }

  /** Records `phase` as finished with the model's final weights. */
  async saveDone(phase: string, model: Module, result: PhaseResult): Promise<void> {
    this.#tensors = await toHost([...model.stateDict()].map(([n, t]): [string, Tensor] => [`model.${n}`, t]));
    this.#meta = { done: { ...this.#meta.done, [phase]: result }, weightsOf: phase, active: null };
    this.#write();
  }

  /** Deletes the file (the run is finished and its weights are kept elsewhere). */
  remove(): void { rmSync(this.path, { force: true }); }

  #write(): void {
    writeSafetensors(this.path, this.#tensors, { format: LOOP_CHECKPOINT_FORMAT, state: JSON.stringify(this.#meta) });
  }
}
