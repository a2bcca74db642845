/**
 * Training checkpoints: one safetensors file with the model's state dict (`model.<torch name>`), the optimiser's
 * buffers (`optim.<i>.<slot>`), and the rest of the run state (step, epoch, loader position, RNG counters,
 * schedule) as JSON metadata. Written atomically, so kill -9 mid-write leaves the previous checkpoint readable.
 */
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';
import { readSafetensors, writeSafetensors, CheckpointError } from '../io/safetensors.js';
import { toHost } from '../io/state.js';

export const CHECKPOINT_FORMAT = 'cortexgpu-checkpoint-v1';

/** A checkpoint refused because a tensor holds NaN/Inf: the previous file stays as it was. */
export class NonFiniteStateError extends CheckpointError {}

export interface RunState {
  step: number;
  epoch: number;
  loader: { epoch: number; position: number };
  rng: { seed: number; counter: number };
  schedule: unknown;
  /** Free-form extra state (best metric, early stopping…). */
  extra?: Record<string, unknown>;
}

export async function saveCheckpoint(path: string, model: Module, optimizer: Optimizer | null, state: RunState): Promise<void> {
  const entries: [string, Tensor][] = [...model.stateDict()].map(([n, t]) => [`model.${n}`, t]);
  const optState = optimizer ? optimizer.state() : {};
  for (const [k, t] of Object.entries(optState)) entries.push([`optim.${k}`, t]);
  try {
    const host = await toHost(entries);
    // The data is on the host anyway: never replace a good checkpoint with a diverged state.
    for (const [name, t] of host) {
      if (t.data instanceof Float32Array && !t.data.every(Number.isFinite)) {
        throw new NonFiniteStateError(`${path}: not written, tensor '${name}' holds non-finite values`);
      }
    }
    writeSafetensors(path, host, { format: CHECKPOINT_FORMAT, state: JSON.stringify(state) });
  } finally {
    for (const t of Object.values(optState)) t.dispose();
  }
}

/** Restores model and optimiser in place; returns the run state. Errors name the file and the tensor. */
export async function loadCheckpoint(path: string, model: Module, optimizer: Optimizer | null): Promise<RunState> {
  const { tensors, metadata } = readSafetensors(path);
  if (metadata.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${path}: not a ${CHECKPOINT_FORMAT} file (format ${metadata.format ?? 'missing'})`);
  const modelState = new Map([...tensors].filter(([k]) => k.startsWith('model.')).map(([k, v]) => [k.slice(6), v]));
  try {
    model.loadStateDict(modelState);
  } catch (e) {
    throw new CheckpointError(`${path}: ${(e as Error).message}`);
  }
  if (optimizer) {
    const e = model.engine;
    const opt: Record<string, Tensor> = {};
    for (const [k, v] of tensors) if (k.startsWith('optim.')) opt[k.slice(6)] = e.tensor(v.data, v.shape);
    try {
      await optimizer.loadState(opt);
    } catch (err) {
      throw new CheckpointError(`${path}: ${(err as Error).message}`);
    } finally {
      for (const t of Object.values(opt)) t.dispose();
    }
  }
  try {
    return JSON.parse(metadata.state) as RunState;
  } catch {
    throw new CheckpointError(`${path}: run state metadata is not JSON`);
  }
}

/** Weights only, under the PyTorch names (for conversion and sharing). */
export async function saveWeights(path: string, model: Module, metadata: Record<string, string> = {}): Promise<void> {
  writeSafetensors(path, await toHost(model.stateDict()), { format: 'pt', ...metadata });
}
