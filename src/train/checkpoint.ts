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
    // The optimiser's entries are listed so a resume can tell a complete state from a partial one.
    writeSafetensors(path, host, { format: CHECKPOINT_FORMAT, state: JSON.stringify(state), optimizer: JSON.stringify(Object.keys(optState).sort()) });
  } finally {
    for (const t of Object.values(optState)) t.dispose();
  }
}

export interface LoadOptions {
  /** Convert tensors stored in another dtype (F64, F16, I64, U8…) to the parameter's; default: refused. */
  cast?: boolean;
  /** Resume with fresh optimiser moments when the checkpoint's optimiser state is missing or partial. */
  resetOptimizer?: boolean;
}

/** Refuses a stored tensor whose dtype is not its parameter's (I32/U8 data must not silently become weights). */
export function checkStateDtypes(path: string, model: Module, state: Map<string, unknown>, dtypes: Map<string, string>, prefix = '', cast = false): void {
  if (cast) return;
  for (const [name, t] of model.stateDict()) {
    const stored = dtypes.get(prefix + name);
    const want = t.dtype === 'i32' ? 'I32' : 'F32';
    if (state.has(name) && stored !== want) {
      throw new CheckpointError(`${path}: tensor '${prefix}${name}' is stored as ${stored}, the model's is ${want} (ask for a cast to convert it)`);
    }
  }
}

/** Restores model and optimiser in place; returns the run state. Errors name the file and the tensor. */
export async function loadCheckpoint(path: string, model: Module, optimizer: Optimizer | null, opts: LoadOptions = {}): Promise<RunState> {
  const { tensors, metadata, dtypes } = readSafetensors(path);
  if (metadata.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${path}: not a ${CHECKPOINT_FORMAT} file (format ${metadata.format ?? 'missing'})`);
  const modelState = new Map([...tensors].filter(([k]) => k.startsWith('model.')).map(([k, v]) => [k.slice(6), v]));
  checkStateDtypes(path, model, modelState, dtypes, 'model.', opts.cast);
  try {
    model.loadStateDict(modelState);
  } catch (e) {
    throw new CheckpointError(`${path}: ${(e as Error).message}`);
  }
  let state: RunState;
  try {
    state = JSON.parse(metadata.state) as RunState;
  } catch {
    throw new CheckpointError(`${path}: run state metadata is not JSON`);
  }
  if (optimizer) {
    const present = [...tensors.keys()].filter((k) => k.startsWith('optim.')).map((k) => k.slice(6));
    let listed: string[] = [];
    try { listed = metadata.optimizer ? JSON.parse(metadata.optimizer) as string[] : []; } catch { /* reported as missing below */ }
    const missing = listed.filter((k) => !present.includes(k));
    const problem = state.step > 0 && present.length === 0 ? 'holds no optimiser state'
      : missing.length ? `lacks optimiser entries ${missing.slice(0, 6).map((k) => `'optim.${k}'`).join(', ')}${missing.length > 6 ? ` (+${missing.length - 6} more)` : ''}` : null;
    if (problem && !opts.resetOptimizer) {
      throw new CheckpointError(`${path}: ${problem}; resuming would restart the optimiser's moments (pass --reset-optimizer to accept that)`);
    }
    if (!problem) {
      const e = model.engine;
      const opt: Record<string, Tensor> = {};
      for (const k of present) opt[k] = e.tensor(tensors.get(`optim.${k}`)!.data, tensors.get(`optim.${k}`)!.shape);
      try {
        await optimizer.loadState(opt);
      } catch (err) {
        throw new CheckpointError(`${path}: ${(err as Error).message}`);
      } finally {
        for (const t of Object.values(opt)) t.dispose();
      }
    }
  }
  return state;
}

/** Weights only, under the PyTorch names (for conversion and sharing). */
export async function saveWeights(path: string, model: Module, metadata: Record<string, string> = {}): Promise<void> {
  writeSafetensors(path, await toHost(model.stateDict()), { format: 'pt', ...metadata });
}
